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
			{"bad sort", "operator", "/api/v1/search?q=x&sort=best", 400, []string{`"field":"sort"`}},
			{"bad state", "operator", "/api/v1/search?q=x&state=lost", 400, []string{`"field":"state"`}},
			{"bad page", "operator", "/api/v1/search?q=x&page=0", 400, []string{`"field":"page"`}},
			{"bad from", "operator", "/api/v1/search?q=x&from=yesterday", 400, []string{`"field":"from"`}},
			{"region outside scope", "worker-a", "/api/v1/search?q=x&region=330105", 404, []string{`"not_found"`}},
			{"signed out", "", "/api/v1/search?q=x", 401, []string{`"unauthorized"`}},
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
