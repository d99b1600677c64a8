package server_test

import (
	"net/url"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

func TestSearchAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		smoke := `{"title":"油烟扰民","text":"餐馆油烟直排，楼上住户不敢开窗","category":"0101","lat":30.05,"lon":120.12}`
		for _, body := range []string{intake, smoke} {
			if status, resp := f.post("operator", "/api/v1/cases", body, nil); status != 201 {
				t.Fatalf("intake: %d %s", status, resp)
			}
		}
		q := func(s string) string { return url.QueryEscape(s) }
		for _, tc := range []struct {
			name, login, path string
			status            int
			contains          []string
		}{
			{"finds", "operator", "/api/v1/search?q=" + q("路灯"), 200,
				[]string{`"title":"路灯不亮"`, `<mark>路灯</mark>`, `"grid":{"code":"330102001001001"`, `"has_more":false`}},
			{"by time, filtered", "operator", "/api/v1/search?q=" + q("油烟") + "&sort=time&state=submitted&region=330105&page=1&page_size=5&from=2020-01-01", 200,
				[]string{`"title":"油烟扰民"`, `"page_size":5`}},
			{"out of scope", "worker-b", "/api/v1/search?q=" + q("路灯"), 200, []string{`"hits":[]`}},
			{"in scope", "worker-b", "/api/v1/search?q=" + q("油烟"), 200, []string{`<mark>油烟</mark>`}},
			{"empty query", "operator", "/api/v1/search?q=", 400, []string{`"field":"q"`}},
			{"no query", "operator", "/api/v1/search", 400, []string{`"field":"q"`}},
			{"no words", "operator", "/api/v1/search?q=" + q("？！"), 400, []string{`"field":"q"`}},
			{"bad sort", "operator", "/api/v1/search?q=xy&sort=best", 400, []string{`"field":"sort"`}},
			{"bad state", "operator", "/api/v1/search?q=xy&state=lost", 400, []string{`"field":"state"`}},
			{"bad page", "operator", "/api/v1/search?q=xy&page=0", 400, []string{`"field":"page"`}},
			{"bad from", "operator", "/api/v1/search?q=xy&from=yesterday", 400, []string{`"field":"from"`}},
			{"region outside scope", "worker-a", "/api/v1/search?q=xy&region=330105", 404, []string{`"not_found"`}},
			{"signed out", "", "/api/v1/search?q=xy", 401, []string{`"unauthorized"`}},
		} {
			status, body := f.do(tc.login, "GET", tc.path, "")
			if status != tc.status {
				t.Errorf("%s: status %d, want %d: %s", tc.name, status, tc.status, body)
				continue
			}
			for _, want := range tc.contains {
				if !strings.Contains(body, want) {
					t.Errorf("%s: body lacks %s: %s", tc.name, want, body)
				}
			}
		}
	})
}

// TestReadBoundsAPI: a read that would hold the database — a one-character
// search, a page far into a list, a list or search as large as the city —
// is refused with a 400 naming the field, or bounded and said to be.
func TestReadBoundsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		if status, resp := f.post("operator", "/api/v1/cases", intake, nil); status != 201 {
			t.Fatalf("intake: %d %s", status, resp)
		}
		q := url.QueryEscape
		for _, tc := range []struct {
			name, path string
			status     int
			contains   []string
		}{
			{"one-character search", "/api/v1/search?q=" + q("灯"), 400, []string{`"field":"q"`, `at least 2 characters`}},
			{"one Latin letter", "/api/v1/search?q=" + q(" a "), 400, []string{`"field":"q"`}},
			{"one-character text filter", "/api/v1/cases?text=" + q("灯"), 400, []string{`"field":"text"`}},
			{"one-character text filter, counts", "/api/v1/queues?text=" + q("灯"), 400, []string{`"field":"text"`}},
			{"list page 100,000", "/api/v1/cases?page=100000", 400, []string{`"field":"page"`, `before=`}},
			{"list page 100,000 of one", "/api/v1/cases?page=100000&page_size=1", 400, []string{`"field":"page"`}},
			{"search page 100,000", "/api/v1/search?q=" + q("路灯") + "&page=100000", 400, []string{`"field":"page"`}},
			{"warnings page 100,000", "/api/v1/warnings?page=100000", 400, []string{`"field":"page"`}},
			{"a bad cursor", "/api/v1/cases?before=" + q("1 OR 1=1"), 400, []string{`"field":"before"`}},
			// Everything, at once: at most 200 rows a page, whatever is asked.
			{"the whole city at once", "/api/v1/cases?page_size=100000000", 200, []string{`"page_size":50`}},
			{"the largest page", "/api/v1/cases?page_size=200", 200, []string{`"page_size":200`}},
			{"a search as large as the city", "/api/v1/search?q=" + q("路灯") + "&page_size=100000000", 200,
				[]string{`"page_size":20`, `"truncated":false`}},
			{"a page by key", "/api/v1/cases?before=1000000", 200, []string{`"cases":[{`}},
		} {
			status, body := f.do("dispatcher", "GET", tc.path, "")
			if status != tc.status {
				t.Errorf("%s: status %d, want %d: %s", tc.name, status, tc.status, body)
				continue
			}
			for _, want := range tc.contains {
				if !strings.Contains(body, want) {
					t.Errorf("%s: body lacks %s: %.300s", tc.name, want, body)
				}
			}
		}
	})
}
