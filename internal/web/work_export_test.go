package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"anju/internal/store"
	"anju/internal/store/storetest"
)

// The workbench's export: every case of the filters, as the list has them,
// in the reader's reach only; a bad format or filter is the page's error.
func TestWorkbenchExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		ctx := context.Background()
		lat, lon := 30.05, 120.02
		evil := `=HYPERLINK("http://evil.example/","点我")`
		nc := store.NewCase{Title: evil, Text: "路灯坏了", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "李四", "13912345678"
		if _, _, err := w.f.DB.CreateCase(ctx, w.actors["operator"], nc, ""); err != nil {
			t.Fatal(err)
		}

		// The list's own rows, in its order.
		codes := func(login string, f store.CaseFilter) []string {
			list, err := w.f.DB.ListCases(ctx, w.actors[login], f)
			if err != nil || list.Next != "" {
				t.Fatalf("%s: %v (more pages: %q)", login, err, list.Next)
			}
			var out []string
			for _, c := range list.Cases {
				out = append(out, c.TrackingCode)
			}
			return out
		}

		d := w.f.SignIn("dispatcher")
		res := d.Get("/work?format=csv&kind=request")
		if res.Status != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''%E6%A1%88%E4%BB%B6-") {
			t.Fatalf("CSV: %d %v\n%s", res.Status, res.Header, brief(res.Body))
		}
		if !strings.HasPrefix(res.Body, "\uFEFF") {
			t.Fatal("CSV without the BOM")
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := codes("dispatcher", store.CaseFilter{Kind: "request"})
		var got []string
		for _, r := range recs[1:] {
			got = append(got, r[0])
		}
		if recs[0][0] != "案件编号" || len(want) != 9 || !slices.Equal(got, want) {
			t.Fatalf("CSV codes %v, the list's %v (header %q)", got, want, recs[0])
		}
		if !slices.ContainsFunc(recs, func(r []string) bool { return r[1] == "'"+evil }) || strings.Contains(res.Body, "13912345678") {
			t.Errorf("the formula title is not neutralised, or the reporter is in the file:\n%s", res.Body)
		}

		// A district's dispatcher exports its district only.
		da := w.f.SignIn("dispatcher-a")
		res = da.Get("/work?format=xlsx")
		if res.Status != 200 {
			t.Fatalf("XLSX: %d\n%s", res.Status, brief(res.Body))
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("Sheet1")
		x.Close()
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		for _, r := range rows[1:] {
			got = append(got, r[0])
			if r[5] != "第1区" || strings.Contains(r[1], "井盖缺失") {
				t.Errorf("dispatcher-a's export holds %q", r)
			}
		}
		if want := codes("dispatcher-a", store.CaseFilter{}); len(want) != 7 || !slices.Equal(got, want) {
			t.Errorf("XLSX codes %v, the list's %v", got, want)
		}
		res = getWork(t, da, "/work?format=csv&region=330105", 400)
		if !strings.Contains(res.Body, "不在您的管辖范围内") || strings.Contains(res.Body, "井盖缺失 1") {
			t.Errorf("dispatcher-a exporting district B: %s", brief(res.Body))
		}

		// A format the workbench does not write; a bad filter.
		res = getWork(t, d, "/work?format=pdf&kind=request", 400)
		if !strings.Contains(res.Body, "导出格式只能是 CSV 或 Excel。") {
			t.Errorf("bad format: %s", brief(res.Body))
		}
		if res := getWork(t, d, "/work?format=csv&kind=king", 400); strings.Contains(res.Header.Get("Content-Type"), "csv") {
			t.Errorf("bad filter answered with a file")
		}

		// The page offers the export of what it lists, filter kept.
		res = getWork(t, d, "/work?kind=request&queue=to_accept", 200)
		for _, link := range []string{`href="/work?format=csv&amp;kind=request&amp;queue=to_accept"`, `href="/work?format=xlsx&amp;kind=request&amp;queue=to_accept"`, "导出 Excel"} {
			if !strings.Contains(res.Body, link) {
				t.Errorf("the workbench lacks %s: %s", link, brief(res.Body))
			}
		}

		// In English, English headers; signed out, the sign-in page.
		d.Lang = "en"
		if res := d.Get("/work?format=csv"); !strings.HasPrefix(res.Body, "\uFEFFTracking code,Title,Category,State") {
			t.Errorf("English export: %.100q", res.Body)
		}
		if res := w.f.Anonymous().Get("/work?format=csv"); res.Status != 303 {
			t.Errorf("signed out: %d", res.Status)
		}
	})
}
