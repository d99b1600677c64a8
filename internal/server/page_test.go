package server_test

import (
	"encoding/json"
	"testing"

	"anju/internal/store/storetest"
)

// TestPagePastTheEnd: every listing that takes a page number answers a page
// past the end, however large the number, with an empty page, not page 1.
func TestPagePastTheEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		if status, body := f.post("operator", "/api/v1/cases", intake, nil); status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		for _, l := range []struct{ path, items string }{
			{"/api/v1/cases?", "cases"},
			{"/api/v1/search?q=路灯&", "hits"},
			{"/api/v1/warnings?", "warnings"},
		} {
			if status, body := f.do("admin", "GET", l.path+"page=1", ""); status != 200 {
				t.Fatalf("%s page 1: %d %s", l.path, status, body)
			}
			for _, page := range []string{"2", "1000000", "4611686018427387904", "9223372036854775807"} {
				status, body := f.do("admin", "GET", l.path+"page="+page, "")
				var out map[string]json.RawMessage
				json.Unmarshal([]byte(body), &out)
				if status != 200 || string(out[l.items]) != "[]" || string(out["page"]) != page {
					t.Errorf("%spage=%s = %d %s, want 200, no %s, page %s", l.path, page, status, body, l.items, page)
				}
			}
			if status, _ := f.do("admin", "GET", l.path+"page=9223372036854775808", ""); status != 400 {
				t.Errorf("%s: page beyond int64 = %d, want 400", l.path, status)
			}
		}
	})
}
