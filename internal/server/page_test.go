package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// TestPagePastTheEnd: the case list takes no page number but 1 (it is read
// by key); every listing that takes one answers a page
// past the end with an empty page, not page 1, and a page further than
// 10,000 rows in, however large the number, with 400 naming the page (such
// pages are read by key).
func TestPagePastTheEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		if status, body := f.post("operator", "/api/v1/cases", intake, nil); status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		for _, l := range []struct {
			path, items string
			byKey       bool // no numbered page but the first
		}{
			{"/api/v1/cases?", "cases", true},
			{"/api/v1/search?q=路灯&", "hits", false},
			{"/api/v1/warnings?", "warnings", false},
		} {
			if status, body := f.do("admin", "GET", l.path+"page=1", ""); status != 200 {
				t.Fatalf("%s page 1: %d %s", l.path, status, body)
			}
			for _, page := range []string{"2", "200"} {
				if l.byKey {
					if status, body := f.do("admin", "GET", l.path+"page="+page, ""); status != 400 || !strings.Contains(body, `"field":"page"`) || !strings.Contains(body, "before=") {
						t.Errorf("%spage=%s = %d %s, want 400 on page, pointing to before=", l.path, page, status, body)
					}
					continue
				}
				status, body := f.do("admin", "GET", l.path+"page="+page, "")
				var out map[string]json.RawMessage
				json.Unmarshal([]byte(body), &out)
				if status != 200 || string(out[l.items]) != "[]" || string(out["page"]) != page {
					t.Errorf("%spage=%s = %d %s, want 200, no %s, page %s", l.path, page, status, body, l.items, page)
				}
			}
			for _, page := range []string{"1000", "1000000", "4611686018427387904", "9223372036854775807", "9223372036854775808"} {
				if status, body := f.do("admin", "GET", l.path+"page="+page, ""); status != 400 || !strings.Contains(body, `"field":"page"`) {
					t.Errorf("%spage=%s = %d %s, want 400 on page", l.path, page, status, body)
				}
			}
		}
	})
}
