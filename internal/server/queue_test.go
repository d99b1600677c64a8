package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// TestCaseListAPI reads GET /api/v1/cases by key (before=, limit=, next),
// the queues' counts (GET /api/v1/queues) and one queue's list, and
// dispatches a selection (POST /api/v1/cases/dispatch).
func TestCaseListAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		var ids []int64
		for range 5 {
			status, body := f.post("operator", "/api/v1/cases", intake, nil)
			var c struct{ ID int64 }
			if json.Unmarshal([]byte(body), &c); status != 201 {
				t.Fatalf("intake: %d %s", status, body)
			}
			ids = append(ids, c.ID)
		}
		for _, id := range ids[:3] {
			if status, body := f.post("operator", fmt.Sprintf("/api/v1/cases/%d/actions/accept", id), `{}`, nil); status != 200 {
				t.Fatalf("accept: %d %s", status, body)
			}
		}
		type page struct {
			Cases []struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			} `json:"cases"`
			Next    string `json:"next"`
			HasMore bool   `json:"has_more"`
			Order   string `json:"order"`
		}
		get := func(login, path string) page {
			t.Helper()
			status, body := f.do(login, "GET", path, "")
			var p page
			if json.Unmarshal([]byte(body), &p); status != 200 {
				t.Fatalf("%s: %d %s", path, status, body)
			}
			return p
		}
		// By key, two at a time: newest first, every case once.
		var seen []int64
		path := "/api/v1/cases?limit=2"
		for range 5 {
			p := get("dispatcher", path)
			for _, c := range p.Cases {
				seen = append(seen, c.ID)
			}
			if !p.HasMore {
				break
			}
			path = "/api/v1/cases?limit=2&before=" + p.Next
		}
		if fmt.Sprint(seen) != fmt.Sprint([]int64{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
			t.Errorf("by key: %v", seen)
		}

		var counts struct {
			Queues []struct {
				Queue string `json:"queue"`
				Count int    `json:"count"`
			} `json:"queues"`
		}
		status, body := f.do("dispatcher", "GET", "/api/v1/queues", "")
		json.Unmarshal([]byte(body), &counts)
		if status != 200 || fmt.Sprint(counts.Queues) != "[{to_accept 2} {to_dispatch 3} {to_verify 0} {overdue 0} {supervised 0} {returned 0}]" {
			t.Fatalf("dispatcher's queues: %d %s", status, body)
		}
		if p := get("dispatcher", "/api/v1/cases?queue=to_dispatch"); len(p.Cases) != 3 || p.Order != "deadline" {
			t.Errorf("to_dispatch: %+v", p)
		}
		if status, body := f.do("operator", "GET", "/api/v1/cases?queue=mine", ""); status != 403 {
			t.Errorf("operator's mine: %d %s", status, body)
		}

		// Bulk dispatch: the accepted cases go, the submitted one is refused,
		// alone.
		status, body = f.post("dispatcher", "/api/v1/cases/dispatch",
			fmt.Sprintf(`{"ids":[%d,%d,%d],"department":"a-street","note":"批量"}`, ids[0], ids[1], ids[4]), nil)
		var res struct {
			Results []struct {
				ID   int64  `json:"id"`
				OK   bool   `json:"ok"`
				Code string `json:"code"`
			} `json:"results"`
		}
		json.Unmarshal([]byte(body), &res)
		if status != 200 || len(res.Results) != 3 || !res.Results[0].OK || !res.Results[1].OK || res.Results[2].OK || res.Results[2].Code != "conflict" {
			t.Fatalf("bulk dispatch: %d %s", status, body)
		}
		if p := get("handler-a", "/api/v1/cases?queue=mine"); len(p.Cases) != 2 {
			t.Errorf("handler's mine after the dispatch: %+v", p)
		}

		for _, tc := range []struct{ login, method, path, body, field string }{
			{"dispatcher", "GET", "/api/v1/cases?before=abc", "", "before"},
			{"dispatcher", "GET", "/api/v1/cases?order=deadline&before=12", "", "before"},
			{"dispatcher", "GET", "/api/v1/cases?limit=0", "", "limit"},
			{"dispatcher", "GET", "/api/v1/cases?queue=everything", "", "queue"},
			{"dispatcher", "GET", "/api/v1/cases?channel=pigeon", "", "channel"},
			{"dispatcher", "GET", "/api/v1/queues?from=yesterday", "", "from"},
			{"dispatcher", "GET", "/api/v1/warnings?before=-1", "", "before"},
			{"dispatcher", "POST", "/api/v1/cases/dispatch", `{"ids":[],"department":"a-street"}`, "ids"},
			{"dispatcher", "POST", "/api/v1/cases/dispatch", `{"ids":"1"}`, ""},
		} {
			status, body := f.do(tc.login, tc.method, tc.path, tc.body)
			if status != 400 || !strings.Contains(body, `"field":"`+tc.field) {
				t.Errorf("%s %s %s = %d %s, want 400 on %s", tc.method, tc.path, tc.body, status, body, tc.field)
			}
		}
	})
}
