package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

const intake = `{"title":"路灯不亮","text":"小区门口路灯坏了三天","category":"0101","lat":30.05,"lon":120.02,
	"channel":"hotline","reporter":{"name":"张三","phone":"13812341234","anonymous":false}}`

// post sends a JSON body with extra headers.
func (f *fixture) post(login, path, body string, headers map[string]string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.tokens[login])
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

func TestCaseAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		key := map[string]string{"Idempotency-Key": "abc-123"}
		status, body := f.post("operator", "/api/v1/cases", intake, key)
		if status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		var c struct {
			ID           int64  `json:"id"`
			TrackingCode string `json:"tracking_code"`
			State        string `json:"state"`
			Version      int64  `json:"version"`
			Grid         struct{ Code, Name string }
			Deadlines    struct{ Response, Resolution string }
			Reporter     struct{ Name, Phone string }
		}
		json.Unmarshal([]byte(body), &c)
		if c.State != "submitted" || c.Grid.Code != "330102001001001" || c.Deadlines.Resolution == "" || c.Reporter.Phone != "138****1234" {
			t.Fatalf("intake answer: %s", body)
		}
		if strings.Contains(body, "13812341234") {
			t.Fatal("intake answer shows the phone in clear")
		}
		status, again := f.post("operator", "/api/v1/cases", intake, key)
		if status != 200 || !strings.Contains(again, `"id":`+itoa(c.ID)) {
			t.Fatalf("retried intake: %d %s", status, again)
		}
		if status, body := f.post("operator", "/api/v1/cases", strings.Replace(intake, "三天", "四天", 1), key); status != 422 {
			t.Fatalf("same key, different body: %d %s", status, body)
		}
		id := itoa(c.ID)
		for _, tc := range []struct {
			login, method, path, body string
			status                    int
			contains                  string
		}{
			{"operator", "POST", "/api/v1/cases", `{"text":"x","category":"0101","lat":39.9,"lon":116.4}`, 400, `"field":"lat"`},
			{"operator", "POST", "/api/v1/cases", `{"text":"x","category":"nope","lat":30.05,"lon":120.02}`, 400, `"field":"category"`},
			{"operator", "POST", "/api/v1/cases", `{"text":"` + strings.Repeat("字", 5001) + `","category":"0101","lat":30.05,"lon":120.02}`, 400, `"field":"text"`},
			{"operator", "POST", "/api/v1/cases", `{"text":"x","category":"0101","lat":"north"}`, 400, `"field":"lat"`},
			{"operator", "POST", "/api/v1/cases/" + id + "/actions/dispatch", `{"department":"a-street"}`, 409, `cannot dispatch`},
			{"operator", "POST", "/api/v1/cases/" + id + "/actions/fly", `{}`, 404, `no such action`},
			{"operator", "POST", "/api/v1/cases/" + id + "/actions/reject", `{}`, 400, `"field":"reason"`},
			{"operator", "POST", "/api/v1/cases/" + id + "/actions/accept", ``, 200, `"state":"accepted"`},
			{"worker-a", "POST", "/api/v1/cases/" + id + "/actions/dispatch", `{"department":"a-street"}`, 403, `"forbidden"`},
			{"worker-b", "GET", "/api/v1/cases/" + id, ``, 404, `"not_found"`},
			{"worker-b", "POST", "/api/v1/cases/" + id + "/actions/comment", `{"note":"x"}`, 404, `"not_found"`},
			{"worker-b", "GET", "/api/v1/cases/" + id + "/history", ``, 404, `"not_found"`},
			{"worker-b", "POST", "/api/v1/cases/" + id + "/reporter", `{"reason":"x"}`, 404, `"not_found"`},
			{"dispatcher", "POST", "/api/v1/cases/" + id + "/actions/dispatch", `{"department":"a-street","version":2}`, 200, `"state":"dispatched"`},
			{"dispatcher", "POST", "/api/v1/cases/" + id + "/actions/dispatch", `{"department":"a-street","version":2}`, 409, `changed since version 2`},
			{"handler-a", "POST", "/api/v1/cases/" + id + "/actions/start", ``, 200, `"state":"in_progress"`},
			{"handler-a", "POST", "/api/v1/cases/" + id + "/actions/resolve", `{"result":"已修复"}`, 200, `"state":"resolved"`},
			{"dispatcher", "GET", "/api/v1/cases/" + id + "/history", ``, 200, `"action":"resolve"`},
			{"dispatcher", "GET", "/api/v1/cases?state=resolved&region=330102", ``, 200, `"tracking_code":"` + c.TrackingCode},
			{"dispatcher", "GET", "/api/v1/cases?state=flying", ``, 400, `"field":"state"`},
			{"dispatcher", "GET", "/api/v1/cases?page=0", ``, 400, `"field":"page"`},
			{"operator", "POST", "/api/v1/cases/" + id + "/reporter", `{"reason":"电话回访"}`, 200, `"phone":"13812341234"`},
			{"operator", "GET", "/api/v1/categories", ``, 200, `"name_en":"City appearance and environmental sanitation"`},
			{"", "GET", "/api/v1/track/" + strings.ToLower(c.TrackingCode), ``, 200, `"reply":"已修复"`},
			{"", "GET", "/api/v1/track/ZZZZ-ZZZZ-ZZZZ", ``, 404, `"not_found"`},
			{"", "POST", "/api/v1/cases", intake, 401, `"unauthorized"`},
		} {
			var status int
			var body string
			if tc.method == "POST" && tc.login != "" {
				status, body = f.post(tc.login, tc.path, tc.body, nil)
			} else {
				status, body = f.do(tc.login, tc.method, tc.path, tc.body)
			}
			if status != tc.status || !strings.Contains(body, tc.contains) {
				t.Errorf("%s %s %s: %d %s; want %d with %s", tc.login, tc.method, tc.path, status, trim(body), tc.status, tc.contains)
			}
		}
		_, track := f.do("", "GET", "/api/v1/track/"+c.TrackingCode, "")
		for _, secret := range []string{"13812341234", "张", "handler-a", "operator"} {
			if strings.Contains(track, secret) {
				t.Errorf("tracking page shows %q: %s", secret, track)
			}
		}
	})
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestSuggestAPI: before any model the suggestions are empty lists; the
// training endpoint is for administrators and refuses a city without history.
func TestSuggestAPI(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	for _, tc := range []struct {
		login, method, path, body string
		status                    int
		contains                  string
	}{
		{"operator", "POST", "/api/v1/suggest", `{"text":"路灯不亮"}`, 200, `"categories":[]`},
		{"operator", "POST", "/api/v1/suggest", `{}`, 400, `"field":"text"`},
		{"operator", "POST", "/api/v1/classifier/train", ``, 403, `"forbidden"`},
		{"admin", "POST", "/api/v1/classifier/train", ``, 400, `closed cases`},
		{"admin", "GET", "/api/v1/classifier", ``, 200, `"models":[]`},
		{"operator", "POST", "/api/v1/cases", intake, 201, `"suggestions":{"categories":[]`},
	} {
		status, body := f.post(tc.login, tc.path, tc.body, nil)
		if tc.method == "GET" {
			status, body = f.do(tc.login, tc.method, tc.path, "")
		}
		if status != tc.status || !strings.Contains(body, tc.contains) {
			t.Errorf("%s %s %s: %d %s; want %d with %s", tc.login, tc.method, tc.path, status, trim(body), tc.status, tc.contains)
		}
	}
}
