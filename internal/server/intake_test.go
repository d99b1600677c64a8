package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestIntakeText: a text of nothing visible is refused wherever people
// type one, control characters are stripped from what is stored, and a
// calendar note is short. NUL itself never reaches the store over HTTP: the
// edge refuses it (TestPlainText), naming the same field.
func TestIntakeText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		status, body := f.post("operator", "/api/v1/cases", `{"title":"路灯\u0001不亮","text":"小区门口\u0007路灯\u001b坏了\r\n三天","address":"\u200b\u200b","category":"0101","lat":30.05,"lon":120.02}`, nil)
		if status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		var c struct {
			ID                   int64
			Title, Text, Address string
		}
		json.Unmarshal([]byte(body), &c)
		if c.Title != "路灯不亮" || c.Text != "小区门口路灯坏了\n三天" || c.Address != "" {
			t.Errorf("stored text: %q %q %q", c.Title, c.Text, c.Address)
		}
		id := itoa(c.ID)
		place := `"category":"0101","lat":30.05,"lon":120.02}`
		for _, tc := range []struct {
			method, path, body string
			status             int
			contains           string
		}{
			{"POST", "/api/v1/cases", `{"text":"\u0000\u0000\u0000",` + place, 400, `"field":"text"`},
			{"POST", "/api/v1/cases", `{"text":"\u200b\u200c\u200d\u2060\ufeff",` + place, 400, `"field":"text"`},
			{"POST", "/api/v1/cases", `{"text":" \u3000\t\n\u0007 ",` + place, 400, `"field":"text"`},
			{"POST", "/api/v1/cases/" + id + "/actions/comment", `{"note":"\u200b\u0000"}`, 400, `"field":"note"`},
			{"POST", "/api/v1/cases/" + id + "/actions/reject", `{"reason":"\ufeff"}`, 400, `"field":"reason"`},
			{"POST", "/api/v1/cases/" + id + "/actions/comment", `{"note":"已\u0001电话联系"}`, 200, `"id":` + id},
		} {
			status, body := f.do("operator", tc.method, tc.path, tc.body)
			if status != tc.status || !strings.Contains(body, tc.contains) {
				t.Errorf("%s %s %s: %d %s; want %d with %s", tc.method, tc.path, tc.body, status, trim(body), tc.status, tc.contains)
			}
		}
		if _, h := f.do("operator", "GET", "/api/v1/cases/"+id+"/history", ""); !strings.Contains(h, `"note":"已电话联系"`) {
			t.Errorf("the comment is not stored cleaned: %s", h)
		}
		long := strings.Repeat("节", store.MaxCalendarNote+1)
		if status, body := f.do("admin", "PUT", "/api/v1/calendar/2026-10-09", `{"kind":"holiday","note":"`+long+`"}`); status != 400 || !strings.Contains(body, `"field":"note"`) {
			t.Errorf("a calendar note of %d characters: %d %s", store.MaxCalendarNote+1, status, body)
		}
		if status, body := f.do("admin", "PUT", "/api/v1/calendar/2026-10-09", `{"kind":"holiday","note":"`+long[len("节"):]+`"}`); status != 204 {
			t.Errorf("a calendar note of %d characters: %d %s", store.MaxCalendarNote, status, body)
		}
	})
}

// TestIntakeOutsideScope: staff file only where they work, and are told
// where the place is; a city-wide hotline operator files anywhere, and so
// does a resident of one street, who always sees their own reports.
func TestIntakeOutsideScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		ctx, sys := context.Background(), anju.SystemActor("test")
		hash, _ := auth.HashPassword(password, auth.Params{Memory: 1024, Time: 1, Threads: 1})
		if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "resident-a", Name: "resident-a", PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.GrantRole(ctx, sys, "resident-a", anju.Grant{Role: anju.RoleResident, Region: "330102001"}); err != nil {
			t.Fatal(err)
		}
		tok, err := f.db.CreateAPIToken(ctx, sys, "resident-a", "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens["resident-a"] = tok
		for _, tc := range []struct {
			login, body string
			status      int
			contains    []string
		}{
			{"worker-a", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.12}`, 400, []string{`"field":"lat"`, "第2区", "outside your area"}},
			{"worker-a", `{"text":"路灯坏了","category":"0101","grid":"330105001001002"}`, 400, []string{`"field":"grid"`, "第2区"}},
			{"worker-b", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.02}`, 400, []string{`"field":"lat"`, "第1区"}},
			{"worker-a", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.02}`, 201, []string{`"code":"330102001001001"`}},
			{"operator", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.12}`, 201, []string{`"code":"330105001001001"`}},
			{"resident-a", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.12}`, 201, []string{`"code":"330105001001001"`}},
		} {
			status, body := f.post(tc.login, "/api/v1/cases", tc.body, nil)
			ok := status == tc.status
			for _, s := range tc.contains {
				ok = ok && strings.Contains(body, s)
			}
			if !ok {
				t.Errorf("%s files %s: %d %s; want %d with %q", tc.login, tc.body, status, trim(body), tc.status, tc.contains)
			}
		}
	})
}
