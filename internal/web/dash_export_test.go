package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"anju/internal/store/storetest"
)

// The dashboard's tables download as CSV (with a byte-order mark) and XLSX
// holding the rows the page shows; a bad format or table is the page's
// message with 400.
func TestDashExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		c.Lang = "en"
		page := c.Get("/dash")
		for _, table := range []string{"departments", "regions", "trend", "categories"} {
			want := chartRows(t, page.Body, table)
			res := c.Get("/dash?format=xlsx&table=" + table)
			if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "anju-dash-"+table) {
				t.Fatalf("%s xlsx: %d %v", table, res.Status, res.Header)
			}
			book, err := excelize.OpenReader(strings.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := book.GetRows(book.GetSheetName(0))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want)+1 {
				t.Fatalf("%s: %d rows in the workbook, %d on the page", table, len(rows)-1, len(want))
			}
			for i, row := range want {
				if !slices.Equal(rows[i+1], row) {
					t.Errorf("%s row %d: workbook %q, page %q", table, i, rows[i+1], row)
				}
			}
		}
		res := c.Get("/dash?format=csv")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Body, "\ufeff") {
			t.Fatalf("figures csv: %d %q", res.Status, res.Body[:min(20, len(res.Body))])
		}
		recs, err := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(res.Body, "\ufeff")))).ReadAll()
		if err != nil || len(recs) < 16 || recs[0][0] != "Figure" {
			t.Fatalf("figures csv: %v %q", err, recs)
		}
		if recs[1][1] != dashValue(t, page.Body, "received") {
			t.Errorf("received in the CSV %q, on the page %q", recs[1][1], dashValue(t, page.Body, "received"))
		}
		for _, q := range []string{"format=pdf", "format=csv&table=users"} {
			if res := c.Get("/dash?" + q); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `role="alert"`) {
				t.Errorf("%s: %d", q, res.Status)
			}
		}
		// A street's administrator downloads their street's regions only.
		res = w.f.SignIn("admin-a").Get("/dash?format=csv&table=regions")
		if res.Status != http.StatusOK || strings.Contains(res.Body, "第2") {
			t.Errorf("admin-a's regions: %d %s", res.Status, res.Body)
		}
	})
}
