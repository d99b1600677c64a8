package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/warning"
)

func TestSimilarHotspotsWarningsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newFixture(t, dsn)
		sys := anju.SystemActor("test")
		if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "supervisor", Name: "督办", Password: password}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.GrantRole(ctx, sys, "supervisor", anju.Grant{Role: anju.RoleSupervisor, Region: "330100"}); err != nil {
			t.Fatal(err)
		}
		tok, err := f.db.CreateAPIToken(ctx, sys, "supervisor", "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens["supervisor"] = tok

		status, body := f.post("operator", "/api/v1/cases", intake, nil)
		if status != 201 || !strings.Contains(body, `"similar":[]`) {
			t.Fatalf("first intake: %d %s", status, body)
		}
		var first struct{ ID int64 }
		json.Unmarshal([]byte(body), &first)
		second := strings.Replace(intake, "小区门口路灯坏了三天", "我家小区门口的路灯坏了好几天，晚上很黑", 1)
		status, body = f.post("operator", "/api/v1/cases", second, nil)
		var answer struct {
			ID           int64  `json:"id"`
			TrackingCode string `json:"tracking_code"`
			State        string `json:"state"`
			Similar      []struct {
				Case      struct{ ID int64 }
				Score     float64 `json:"score"`
				Duplicate bool    `json:"duplicate"`
			} `json:"similar"`
		}
		json.Unmarshal([]byte(body), &answer)
		if status != 201 || answer.TrackingCode == "" || answer.State != "submitted" || len(answer.Similar) != 1 ||
			answer.Similar[0].Case.ID != first.ID || !answer.Similar[0].Duplicate {
			t.Fatalf("second intake: %d %s", status, body)
		}
		id, firstID := itoa(answer.ID), itoa(first.ID)

		// A case reopened: one warning.
		for _, s := range []struct{ login, action, body string }{
			{"operator", "accept", ``}, {"dispatcher", "dispatch", `{"department":"a-street"}`},
			{"handler-a", "start", ``}, {"handler-a", "resolve", `{"result":"已修复"}`},
			{"worker-a", "verify", `{"method":"on_site"}`}, {"dispatcher", "close", `{"outcome":"solved"}`},
			{"supervisor", "reopen", `{"reason":"又坏了"}`},
		} {
			if status, body := f.post(s.login, "/api/v1/cases/"+firstID+"/actions/"+s.action, s.body, nil); status != 200 {
				t.Fatalf("%s: %d %s", s.action, status, body)
			}
		}
		if n, err := f.db.DetectWarnings(ctx, f.db.Now(), warning.Policy{ReopenMin: 1}); err != nil || n[warning.KindReopened] != 1 {
			t.Fatalf("detect: %v %v", n, err)
		}
		l, _ := f.db.ListWarnings(ctx, sys, store.WarningFilter{})
		wid := itoa(l.Warnings[0].ID)

		for _, tc := range []struct {
			login, method, path, body string
			status                    int
			contains                  string
		}{
			{"dispatcher", "GET", "/api/v1/cases/" + id + "/similar", ``, 200, `"case":{"id":` + firstID},
			{"dispatcher", "GET", "/api/v1/cases/" + id + "/similar?limit=x", ``, 400, `"field":"limit"`},
			{"worker-b", "GET", "/api/v1/cases/" + id + "/similar", ``, 404, `"not_found"`},
			{"dispatcher", "GET", "/api/v1/hotspots?days=30", ``, 200, `"count":2`},
			{"dispatcher", "GET", "/api/v1/hotspots?days=30", ``, 200, `"basis":"place"`},
			{"dispatcher", "GET", "/api/v1/hotspots?days=0", ``, 400, `"field":"days"`},
			{"worker-b", "GET", "/api/v1/hotspots?region=330102", ``, 404, `"not_found"`},
			{"worker-b", "GET", "/api/v1/hotspots", ``, 200, `"hotspots":[]`},
			{"dispatcher", "GET", "/api/v1/warnings?state=open", ``, 200, `"kind":"reopened"`},
			{"dispatcher", "GET", "/api/v1/warnings?kind=gossip", ``, 400, `"field":"kind"`},
			{"worker-b", "GET", "/api/v1/warnings", ``, 200, `"warnings":[]`},
			{"handler-a", "GET", "/api/v1/warnings", ``, 200, `"department":"a-street"`},
			{"worker-b", "POST", "/api/v1/warnings/" + wid + "/acknowledge", ``, 404, `"not_found"`},
			{"handler-a", "POST", "/api/v1/warnings/" + wid + "/acknowledge", ``, 403, `"forbidden"`},
			{"supervisor", "POST", "/api/v1/warnings/" + wid + "/acknowledge", `{"note":"已督办"}`, 200, `"acknowledged_by":"supervisor"`},
			{"supervisor", "POST", "/api/v1/warnings/" + wid + "/acknowledge", ``, 409, `already acknowledged`},
			{"supervisor", "POST", "/api/v1/warnings/nope/acknowledge", ``, 404, `"not_found"`},
			{"admin", "POST", "/api/v1/warning-subscriptions", `{"region":"330102001","channel":"email","target":"a@example.org"}`, 201, `"id":`},
			{"admin", "POST", "/api/v1/warning-subscriptions", `{"channel":"email","target":"a@example.org"}`, 400, `"field":"region"`},
			{"worker-a", "POST", "/api/v1/warning-subscriptions", `{"region":"330102001","channel":"email","target":"a@example.org"}`, 403, `"forbidden"`},
		} {
			var status int
			var body string
			if tc.method == "POST" {
				status, body = f.post(tc.login, tc.path, tc.body, nil)
			} else {
				status, body = f.do(tc.login, tc.method, tc.path, tc.body)
			}
			if status != tc.status || !strings.Contains(body, tc.contains) {
				t.Errorf("%s %s %s: %d %s; want %d with %s", tc.login, tc.method, tc.path, status, trim(body), tc.status, tc.contains)
			}
		}
		_, hs := f.do("dispatcher", "GET", "/api/v1/hotspots", "")
		for _, secret := range []string{"13812341234", "138****1234", "张", "fingerprint"} {
			if strings.Contains(hs, secret) {
				t.Errorf("hotspots show %q: %s", secret, hs)
			}
		}
	})
}
