package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// bulkCases files n cases in grid, straight into the tables (as the
// benchmarks do), so that an export spans several of the store's pages.
func bulkCases(t testing.TB, db *store.DB, grid string, n int) {
	t.Helper()
	ctx := context.Background()
	bcs := make([]store.BulkCase, n)
	start := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	for i := range bcs {
		bcs[i] = store.BulkCase{Title: fmt.Sprintf("%s 第%d件 路灯坏了", grid, i), Text: "路灯坏了，晚上很黑", Category: "0101",
			Grid: grid, State: cases.StateSubmitted, CreatedAt: start.Add(time.Duration(i) * time.Minute)}
		if err := db.PrepareBulk(ctx, "330100", &bcs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.BulkLoadForBenchmark(ctx, "330100", bcs); err != nil {
		t.Fatal(err)
	}
}

type listedCase struct {
	TrackingCode string `json:"tracking_code"`
	Title        string `json:"title"`
	State        string `json:"state"`
}

// listAll reads every page of the JSON list at path.
func (f *fixture) listAll(login, path string) []listedCase {
	f.t.Helper()
	var out []listedCase
	before := ""
	for {
		_, body := f.get(login, path+"&page_size=200&before="+before, nil)
		var page struct {
			Cases []listedCase `json:"cases"`
			Next  string       `json:"next"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			f.t.Fatalf("%s: %v: %s", path, err, body)
		}
		out = append(out, page.Cases...)
		if page.Next == "" {
			return out
		}
		before = page.Next
	}
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV without the UTF-8 BOM: %.80q", body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readXLSX(t *testing.T, body []byte) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCaseExport downloads the case list through the API on both engines:
// the file holds the JSON list's rows for the same filter, every page of
// them, formula text neutralised; a bad format is a 400, a resident is
// refused, and a street's worker gets no case of another district.
func TestCaseExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		ctx := context.Background()
		// 450 cases in district A (three of the store's pages), 30 in B.
		bulkCases(t, f.db, "330102001001001", 450)
		bulkCases(t, f.db, "330105001001001", 30)
		evil := `=HYPERLINK("http://evil.example/","点我")`
		if status, body := f.post("operator", "/api/v1/cases", `{"title":`+jsonString(evil)+`,"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.02,
			"reporter":{"name":"张三","phone":"13912345678"}}`, nil); status != 201 {
			t.Fatalf("case: %d %s", status, body)
		}
		const filter = "/api/v1/cases?region=330102"
		want := f.listAll("admin", filter)
		if len(want) != 451 {
			t.Fatalf("the JSON list holds %d cases of district A, want 451", len(want))
		}

		resp, body := f.get("admin", filter+"&format=csv", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("CSV: %d %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''%E6%A1%88%E4%BB%B6-") {
			t.Errorf("Content-Disposition %q", cd)
		}
		recs := readCSV(t, body)
		xresp, xbody := f.get("admin", filter+"&format=xlsx", nil)
		if xresp.StatusCode != 200 || !strings.Contains(xresp.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("XLSX: %d %s", xresp.StatusCode, xresp.Header.Get("Content-Type"))
		}
		xrows := readXLSX(t, xbody)
		for name, rows := range map[string][][]string{"csv": recs, "xlsx": xrows} {
			if len(rows) != len(want)+1 || rows[0][0] != "案件编号" || rows[0][3] != "状态" || len(rows[0]) != 15 {
				t.Fatalf("%s: %d rows, header %q; want %d rows", name, len(rows), rows[0], len(want)+1)
			}
			for i, c := range want {
				r := rows[i+1]
				title := c.Title
				if title == evil {
					title = "'" + evil
				}
				if r[0] != c.TrackingCode || r[1] != title || r[3] != "待受理" || r[5] != "第1区" || r[6] != "第1街道" {
					t.Fatalf("%s row %d = %q, the list has %+v", name, i+1, r, c)
				}
			}
			if slices.ContainsFunc(rows, func(r []string) bool {
				return strings.Contains(strings.Join(r, ","), "13912345678") || strings.Contains(strings.Join(r, ","), "张三")
			}) {
				t.Errorf("%s holds the reporter", name)
			}
		}

		// The API's error for a format it does not write, and for a bad
		// filter, before any byte of a file.
		for path, field := range map[string]string{
			"/api/v1/cases?format=pdf": "format", "/api/v1/cases?format=geojson": "format",
			"/api/v1/cases?format=csv&kind=king": "kind",
		} {
			status, body := f.do("admin", "GET", path, "")
			if status != 400 || !strings.Contains(body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s", path, status, body)
			}
		}

		// A street's worker exports street A only: district B is not found
		// when named, and absent otherwise.
		if status, body := f.do("worker-a", "GET", "/api/v1/cases?region=330105&format=csv", ""); status != 404 {
			t.Errorf("worker-a exporting district B: %d %s", status, body)
		}
		_, body = f.get("worker-a", "/api/v1/cases?format=csv", nil)
		own := readCSV(t, body)
		if len(own) != 452 {
			t.Errorf("worker-a's export has %d rows, want the header and 451", len(own))
		}
		for _, r := range own[1:] {
			if r[5] != "第1区" || strings.Contains(r[1], "330105") {
				t.Fatalf("worker-a's export holds %q", r)
			}
		}

		// A resident's account reads its own reports through the list, and
		// exports nothing.
		sys := anju.SystemActor("test")
		if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "resident", Name: "resident", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.GrantRole(ctx, sys, "resident", anju.Grant{Role: anju.RoleResident, Region: "330102"}); err != nil {
			t.Fatal(err)
		}
		tok, err := f.db.CreateAPIToken(ctx, sys, "resident", "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens["resident"] = tok
		for _, format := range []string{"csv", "xlsx"} {
			status, body := f.do("resident", "GET", "/api/v1/cases?format="+format, "")
			if status != 403 || !strings.Contains(body, `"code":"forbidden"`) {
				t.Errorf("resident exporting %s: %d %s", format, status, body)
			}
		}

		// Each export is in the audit log: who, the filter, the rows.
		status, audited := f.do("auditor", "GET", "/api/v1/audit?action=cases.export", "")
		if status != 200 {
			t.Fatalf("audit: %d %s", status, audited)
		}
		var answer struct {
			Entries []struct{ Actor, Detail string }
		}
		json.Unmarshal([]byte(audited), &answer)
		var details []string
		for _, e := range answer.Entries {
			details = append(details, e.Actor+" "+e.Detail)
		}
		all := strings.Join(details, "\n")
		for _, w := range []string{`admin {"complete":true,"filter":"region=330102","format":"csv","rows":451}`,
			`admin {"complete":true,"filter":"region=330102","format":"xlsx","rows":451}`,
			`worker-a {"complete":true,"filter":"","format":"csv","rows":451}`} {
			if !strings.Contains(all, w) {
				t.Errorf("audit log lacks %s:\n%s", w, all)
			}
		}
		if strings.Contains(all, "resident") {
			t.Errorf("a refused export is audited as one:\n%s", all)
		}
	})
}
