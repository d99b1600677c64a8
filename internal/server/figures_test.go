package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/server"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestFiguresAPI moves a small set of cases through the workflow with the
// store, on a fake clock, and holds GET /api/v1/figures to the figures
// worked out by hand below; then scope and bad input.
func TestFiguresAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		fx := newFixture(t, dsn)
		// A Monday morning in Shanghai, clear of holidays: category 0101
		// (normal) must be answered within a working day (by Tuesday 09:00)
		// and resolved within five (by Monday 9 March 09:00).
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
		clock := anju.NewFakeClock(t0)
		db := fx.db.WithClock(clock)
		srv := httptest.NewServer(server.New(server.Config{DB: db}))
		t.Cleanup(srv.Close)
		sys := anju.SystemActor("test")
		if _, err := db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "supervisor", Name: "督办", Password: password}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GrantRole(ctx, sys, "supervisor", anju.Grant{Role: anju.RoleSupervisor, Region: "330100"}); err != nil {
			t.Fatal(err)
		}
		tok, err := db.CreateAPIToken(ctx, sys, "supervisor", "test")
		if err != nil {
			t.Fatal(err)
		}
		fx.tokens["supervisor"] = tok
		actor := func(login string) *anju.Actor {
			a, err := db.ActorByToken(ctx, fx.tokens[login])
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		file := func(lon float64) int64 {
			nc := store.NewCase{Title: "路灯不亮", Text: "小区门口的路灯坏了", Category: "0101", Lat: ptr(30.05), Lon: ptr(lon)}
			c, _, err := db.CreateCase(ctx, actor("operator"), nc, "")
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		act := func(login string, id int64, a cases.Action, in cases.Input) {
			t.Helper()
			if _, err := db.Act(ctx, actor(login), id, a, store.ActionInput{Input: in}); err != nil {
				t.Fatalf("%s %s case %d: %v", login, a, id, err)
			}
		}
		work := func(id int64) { // dispatch to street A's office, through to closure
			act("dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-street"})
			act("handler-a", id, cases.ActionStart, cases.Input{})
			act("handler-a", id, cases.ActionResolve, cases.Input{Result: "已修复"})
			act("dispatcher", id, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
			act("dispatcher", id, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		}

		// Six reports on Monday at 09:00: five in street A, one in street B.
		a1, a2, a3, a4, a5, b1 := file(120.02), file(120.02), file(120.02), file(120.02), file(120.02), file(120.17)
		clock.Advance(time.Hour)
		act("operator", a1, cases.ActionAccept, cases.Input{}) // answered on time
		work(a1)                                               // closed an hour after receipt, by a street office
		act("operator", a1, cases.ActionRate, cases.Input{Rating: cases.RatingSatisfied})
		act("operator", a3, cases.ActionReject, cases.Input{Reason: "不属于受理范围"})
		act("operator", a5, cases.ActionMerge, cases.Input{Target: a4}) // a duplicate of a4
		act("operator", b1, cases.ActionAccept, cases.Input{})
		act("dispatcher", b1, cases.ActionEscalate, cases.Input{Reason: "需区级处理"})
		// a2 is answered on Wednesday, after its first response deadline,
		// closed, and reopened: its clocks restart, but its first response
		// stays late. Then two supervision cards.
		clock.Set(t0.Add(48 * time.Hour))
		act("operator", a2, cases.ActionAccept, cases.Input{})
		work(a2)
		act("supervisor", a2, cases.ActionReopen, cases.Input{Reason: "问题复发"})
		act("supervisor", a2, cases.ActionSupervise, cases.Input{Card: cases.CardYellow, Reason: "请尽快"})
		act("supervisor", a2, cases.ActionSupervise, cases.Input{Card: cases.CardRed, Reason: "仍未处理"})
		// Twenty days on: a4 and b1 (due 9 March) and a2 (due 11 March)
		// are 11 to 13 days overdue, and 18 to 20 days old.
		clock.Set(t0.Add(20 * 24 * time.Hour))

		get := func(login, query string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/figures?"+query, nil)
			req.Header.Set("Authorization", "Bearer "+fx.tokens[login])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		figuresOf := func(login, query string) map[string]string {
			t.Helper()
			status, body := get(login, query)
			var out struct {
				Figures map[string]json.RawMessage `json:"figures"`
				Period  struct{ From, To string }  `json:"period"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil || status != 200 {
				t.Fatalf("%s %s: %d %s", login, query, status, body)
			}
			m := map[string]string{}
			for k, v := range out.Figures {
				m[k] = string(v)
			}
			m["period"] = out.Period.From + "/" + out.Period.To
			return m
		}
		check := func(name string, got, want map[string]string) {
			t.Helper()
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s: %s = %s, want %s", name, k, got[k], w)
				}
			}
		}
		zeroLevels := func(street int) string {
			share := "0"
			if street > 0 {
				share = "1"
			}
			return `{"denominator":` + fmt.Sprint(street) + `,"parts":{"city":{"numerator":0,"share":0},"community":{"numerator":0,"share":0},` +
				`"district":{"numerator":0,"share":0},"grid":{"numerator":0,"share":0},"street":{"numerator":` + fmt.Sprint(street) + `,"share":` + share + `}}}`
		}
		pile := func(n int) string {
			return fmt.Sprintf(`{"parts":{"1d_to_3d":0,"30d_and_over":0,"3d_to_7d":0,"7d_to_30d":%d,"under_1d":0},"total":%d}`, n, n)
		}

		// The city's dispatcher, over Monday alone.
		check("city", figuresOf("dispatcher", "from=2026-03-02&to=2026-03-02"), map[string]string{
			"period":   "2026-03-02/2026-03-02",
			"received": `{"count":6}`, // merged and rejected reports were received
			// a1, a2, b1 accepted; a3 rejected; a4 still submitted, a5 merged.
			"accepted_share": `{"denominator":4,"numerator":3,"share":0.75}`,
			// a1, a2, a4 (due, never answered), b1; a1 and b1 on time, a2 late
			// against its first deadline although the reopening reset it.
			"on_time_response": `{"denominator":4,"numerator":2,"share":0.5}`,
			// a1 resolved, a2 reopened, a4 and b1 past due: a1 alone on time.
			"on_time_resolution":   `{"denominator":4,"numerator":1,"share":0.25}`,
			"resolution_rate":      `{"denominator":3,"numerator":1,"share":0.3333333333333333}`,
			"satisfaction":         `{"denominator":1,"numerator":1,"share":1}`,
			"rating_response_rate": `{"denominator":1,"numerator":1,"share":1}`,
			"closed_at_level":      zeroLevels(1),
			"reopen_rate":          `{"denominator":2,"numerator":1,"share":0.5}`, // a1 closed, a2 reopened
			"escalation_rate":      `{"denominator":4,"numerator":1,"share":0.25}`,
			"cards_issued":         `{"parts":{"red":1,"yellow":1},"total":2}`,
			"time_to_close_p50":    `{"cases":1,"seconds":3600}`, // a1; a2 is open again
			"time_to_close_p90":    `{"cases":1,"seconds":3600}`,
			"backlog_by_age":       pile(3), // a2, a4, b1
			"overdue_by_age":       pile(3),
		})
		// A later period receives nothing, and the piles are the same: they
		// hold the open cases received before it ends, measured now.
		check("later", figuresOf("dispatcher", "from=2026-03-03&to=2026-03-22"), map[string]string{
			"received": `{"count":0}`, "accepted_share": `{"denominator":0,"numerator":0,"share":null}`,
			"time_to_close_p50": `{"cases":0,"seconds":null}`, "backlog_by_age": pile(3), "overdue_by_age": pile(3),
		})
		// Filters: a category group holds its leaves; a leaf with no cases;
		// the department that holds a case now (a2's was cleared by the
		// reopening); the kind.
		check("group", figuresOf("dispatcher", "from=2026-03-02&to=2026-03-02&category=01"), map[string]string{"received": `{"count":6}`})
		check("other leaf", figuresOf("dispatcher", "from=2026-03-02&to=2026-03-02&category=0102"), map[string]string{"received": `{"count":0}`})
		check("department", figuresOf("dispatcher", "from=2026-03-02&to=2026-03-02&department=a-street"), map[string]string{
			"received": `{"count":1}`, "closed_at_level": zeroLevels(1)})
		check("kind", figuresOf("dispatcher", "from=2026-03-02&to=2026-03-02&kind=hazard"), map[string]string{"received": `{"count":0}`})
		check("kind request", figuresOf("dispatcher", "from=2026-03-02&to=2026-03-02&kind=request"), map[string]string{"received": `{"count":6}`})
		check("region", figuresOf("dispatcher", "from=2026-03-02&to=2026-03-02&region=330105"), map[string]string{
			"received": `{"count":1}`, "escalation_rate": `{"denominator":1,"numerator":1,"share":1}`, "backlog_by_age": pile(1)})

		// Street A's administrator sees street A alone, even asking for the
		// city; street B's district is not found.
		streetA := map[string]string{"received": `{"count":5}`, "escalation_rate": `{"denominator":3,"numerator":0,"share":0}`,
			"backlog_by_age": pile(2), "cards_issued": `{"parts":{"red":1,"yellow":1},"total":2}`}
		check("street A", figuresOf("admin-a", "from=2026-03-02&to=2026-03-02"), streetA)
		check("street A asking for the city", figuresOf("admin-a", "from=2026-03-02&to=2026-03-02&region=330100"), streetA)
		for _, tc := range []struct {
			login, query string
			status       int
			want         string
		}{
			{"admin-a", "region=330105", 404, `"not_found"`},
			{"worker-a", "region=330105001", 404, `"not_found"`},
			{"dispatcher", "region=999999", 404, `"not_found"`},
			{"dispatcher", "from=2026-03-05&to=2026-03-01", 400, `"field":"to"`},
			{"dispatcher", "from=2020-01-01&to=2026-03-01", 400, `"field":"to"`},
			{"dispatcher", "from=2026-3-2", 400, `"field":"from"`},
			{"dispatcher", "to=2026-03-02T00:00:00Z", 400, `"field":"to"`},
			{"dispatcher", "kind=pigeon", 400, `"field":"kind"`},
			{"dispatcher", "category=9999", 400, `"field":"category"`},
			{"dispatcher", "department=nowhere", 400, `"field":"department"`},
			{"", "", 401, `"unauthorized"`},
		} {
			status, body := get(tc.login, tc.query)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s ?%s = %d %s, want %d with %s", tc.login, tc.query, status, body, tc.status, tc.want)
			}
		}
		// Behind every number of every figure: the list of its cases is as
		// long as the number (cards count cards, and list the cases that
		// received them).
		monday := figures.Period{From: t0.Add(-9 * time.Hour), To: t0.Add(15 * time.Hour)}
		vals, _, err := db.CaseFigures(ctx, actor("dispatcher"), store.FigureFilter{}, monday)
		if err != nil {
			t.Fatal(err)
		}
		listed := func(query string) int {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/cases?from=2026-03-02&to=2026-03-03&page_size=200&"+query, nil)
			req.Header.Set("Authorization", "Bearer "+fx.tokens["dispatcher"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var l struct {
				Cases []json.RawMessage `json:"cases"`
				Total int               `json:"total"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %d %v", query, resp.StatusCode, err)
			}
			if len(l.Cases) != l.Total {
				t.Errorf("%s: %d cases listed, total %d", query, len(l.Cases), l.Total)
			}
			return len(l.Cases)
		}
		numbers := 0
		for _, d := range figures.Definitions() {
			v := vals[d.Key]
			want := map[string]int{}
			switch d.Unit {
			case figures.UnitShare:
				want["numerator"], want["denominator"] = v.Count, v.Of
			case figures.UnitDuration:
				want["denominator"] = v.Of
			case figures.UnitShares:
				want["denominator"] = v.Of
			default:
				want["numerator"] = v.Count
			}
			for _, part := range v.Parts {
				want[part.Key] = part.Count
			}
			if d.Key == figures.CardsIssued {
				want["numerator"] = 1 // the cases the cards were issued on: a2 had both
			}
			for count, n := range want {
				numbers++
				if got := listed("figure=" + string(d.Key) + "&count=" + count); got != n {
					t.Errorf("%s %s: %d cases listed, the figure says %d", d.Key, count, got, n)
				}
			}
		}
		if numbers < 30 {
			t.Errorf("only %d numbers checked", numbers)
		}
		for query, field := range map[string]string{"figure=colour": "figure", "figure=received&count=parts": "count",
			"figure=received&state=closed": "figure"} {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/cases?from=2026-03-02&to=2026-03-03&"+query, nil)
			req.Header.Set("Authorization", "Bearer "+fx.tokens["dispatcher"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 400 || !strings.Contains(string(b), `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s", query, resp.StatusCode, b)
			}
		}

		// Split by department and by day: the parts carry the same figures.
		status, body := get("dispatcher", "from=2026-03-01&to=2026-03-02&by=day")
		var split struct {
			By     string `json:"by"`
			Groups []struct {
				Key     string `json:"key"`
				Period  struct{ From, To string }
				Figures map[string]json.RawMessage `json:"figures"`
			} `json:"groups"`
		}
		if err := json.Unmarshal([]byte(body), &split); err != nil || status != 200 || split.By != "day" || len(split.Groups) != 2 {
			t.Fatalf("by=day: %d %s", status, body)
		}
		if g := split.Groups[1]; g.Key != "2026-03-02" || g.Period.From != "2026-03-02" || string(g.Figures["received"]) != `{"count":6}` ||
			string(split.Groups[0].Figures["received"]) != `{"count":0}` {
			t.Errorf("by=day: %+v", split.Groups)
		}
		status, body = get("dispatcher", "from=2026-03-02&to=2026-03-02&by=department")
		if status != 200 || !strings.Contains(body, `"key":"a-street"`) {
			t.Errorf("by=department: %d %s", status, body)
		}
		if status, body = get("dispatcher", "by=colour"); status != 400 || !strings.Contains(body, `"field":"by"`) {
			t.Errorf("by=colour: %d %s", status, body)
		}
		// Without dates, the last 30 days up to today.
		if got := figuresOf("dispatcher", ""); got["period"] != "2026-02-21/2026-03-22" || got["received"] != `{"count":6}` {
			t.Errorf("default period: %s, received %s", got["period"], got["received"])
		}
	})
}

func ptr(v float64) *float64 { return &v }
