package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/demo"
	"anju/internal/server"
	"anju/internal/store"
)

// benchPage is one timed read of the workbench.
type benchPage struct {
	name string
	read func(ctx context.Context) (any, error)
}

// runBenchPages times the case lists and queues on the demo city in DSN
// (filled with 'anju demo'), each read --runs times after one untimed
// warm-up read, as the server spends on it: the store call and the JSON
// encoding of its answer; and the workbench page beside the JSON list of
// the same query, each served whole by the server's handler in-process.
func runBenchPages(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("bench pages", env)
	af := addAppFlags(fs, env)
	runs := fs.Int("runs", 40, "timed reads of each page")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *runs < 1 || *runs > 10_000 {
		return usageError("bench pages: --runs must be 1–10,000")
	}
	db, err := openApp(ctx, env, af, false)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := demo.Ensure(ctx, db, 1)
	if err != nil {
		return err
	}
	n, err := db.CountCases(ctx, sum.City)
	if err != nil {
		return err
	}
	if err := db.WarmUp(ctx); err != nil {
		return err
	}
	pages, err := benchPages(ctx, db, sum.City)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d cases in city %s; %d reads of each page\n", n, sum.City, *runs)
	worst := 0.0
	for _, p := range pages {
		if _, err := p.read(ctx); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		lat := make([]float64, 0, *runs)
		for range *runs {
			t0 := time.Now()
			v, err := p.read(ctx)
			if err == nil {
				_, err = json.Marshal(v)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			lat = append(lat, ms(time.Since(t0)))
		}
		slices.Sort(lat)
		p50, p95 := lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*95/100)]
		worst = max(worst, p95)
		fmt.Fprintf(env.stdout, "%-58s p50 %7.1f ms  p95 %7.1f ms\n", p.name, p50, p95)
	}
	fmt.Fprintf(env.stdout, "cases=%d pages=%d worst_p95_ms=%.1f\n", n, len(pages), worst)
	return nil
}

// benchPages are the reads timed: the city-wide dispatcher's list, a
// street grid worker's, each actor's queue counts and each queue's first
// page, a deep page by key, and filtered lists that few cases match.
func benchPages(ctx context.Context, db *store.DB, city string) ([]benchPage, error) {
	users, err := db.ListUsers(ctx, anju.SystemActor("bench"))
	if err != nil {
		return nil, err
	}
	actors := map[string]*anju.Actor{}
	for _, u := range users {
		actors[u.Login] = userActor(u)
	}
	dispatcher, operator, handler := actors["dispatcher"], actors["operator01"], actors["h-330100-cgj"]
	if dispatcher == nil || operator == nil || handler == nil {
		return nil, fmt.Errorf("bench pages: the demo's dispatcher, operator01 or h-330100-cgj is missing; fill the city with 'anju demo'")
	}
	street, err := streetWorker(ctx, db, city)
	if err != nil {
		return nil, err
	}

	first, err := db.ListCases(ctx, dispatcher, store.CaseFilter{PageSize: 1})
	if err != nil || len(first.Cases) == 0 {
		return nil, fmt.Errorf("bench pages: the city has no cases: %v", err)
	}
	deep := strconv.FormatInt(first.Cases[0].ID/4, 10) // three quarters of the way back

	list := func(name string, a *anju.Actor, f store.CaseFilter) benchPage {
		return benchPage{name, func(ctx context.Context) (any, error) { return db.ListCases(ctx, a, f) }}
	}
	pages := []benchPage{
		list("list: city dispatcher, newest", dispatcher, store.CaseFilter{}),
		list("list: street grid worker, newest", street, store.CaseFilter{}),
		list("list: city dispatcher, deep page by key", dispatcher, store.CaseFilter{Cursor: deep}),
		list("list: city dispatcher, kind petition", dispatcher, store.CaseFilter{Kind: cases.KindPetition}),
		list("list: city dispatcher, state returned", dispatcher, store.CaseFilter{State: cases.StateReturned}),
		list("list: city dispatcher, channel web", dispatcher, store.CaseFilter{Channel: cases.ChannelWeb}),
		list("list: city dispatcher, text 路灯", dispatcher, store.CaseFilter{Text: "路灯"}),
		list("list: city dispatcher, open by deadline", dispatcher, store.CaseFilter{Order: cases.OrderTimeLeft}),
	}
	for _, who := range []struct {
		name string
		a    *anju.Actor
	}{{"city dispatcher", dispatcher}, {"street grid worker", street}, {"operator", operator}, {"city department handler", handler}} {
		a := who.a
		pages = append(pages, benchPage{"queue counts: " + who.name, func(ctx context.Context) (any, error) {
			return db.QueueCounts(ctx, a, store.CaseFilter{})
		}})
		for _, d := range cases.QueuesFor(rolesOf(a)...) {
			pages = append(pages, list("queue "+string(d.Queue)+": "+who.name, a, store.CaseFilter{Queue: d.Queue}))
		}
	}
	return append(pages, benchServed(db, dispatcher, street)...), nil
}

// benchServed are the workbench pages (GET /work, rendered) and the JSON
// list of the same query (GET /api/v1/cases) side by side, for the
// city-wide dispatcher and a street's grid worker: the whole server handler,
// from routing to the last byte, as the signed-in actor.
func benchServed(db *store.DB, dispatcher, street *anju.Actor) []benchPage {
	h := server.New(server.Config{DB: db})
	served := func(name string, a *anju.Actor, path string) benchPage {
		return benchPage{name, func(ctx context.Context) (any, error) {
			if a != nil {
				ctx = anju.WithActor(ctx, a)
			}
			req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				return nil, fmt.Errorf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
			}
			return nil, nil
		}}
	}
	var out []benchPage
	for _, who := range []struct {
		name    string
		a       *anju.Actor
		queries []string
	}{
		{"city dispatcher", dispatcher, []string{"", "queue=to_dispatch", "queue=to_accept", "queue=overdue", "order=deadline"}},
		{"street grid worker", street, []string{"", "queue=to_accept", "queue=to_verify"}},
	} {
		for _, q := range who.queries {
			sep := "?"
			if q == "" {
				sep = ""
			}
			out = append(out,
				served("page /work"+sep+q+": "+who.name, who.a, "/work"+sep+q),
				served("json /api/v1/cases"+sep+q+": "+who.name, who.a, "/api/v1/cases"+sep+q))
		}
	}
	// The case page of the newest case and of a rated one with its whole
	// history, beside the API's case and history; the resident's report form.
	for _, f := range []struct {
		name   string
		filter store.CaseFilter
	}{{"newest case", store.CaseFilter{PageSize: 1}}, {"rated case", store.CaseFilter{State: cases.StateRated, PageSize: 1}}} {
		list, err := db.ListCases(context.Background(), dispatcher, f.filter)
		if err != nil || len(list.Cases) == 0 {
			continue
		}
		id := strconv.FormatInt(list.Cases[0].ID, 10)
		out = append(out,
			served("page /work/cases/{id}: "+f.name, dispatcher, "/work/cases/"+id),
			served("json /api/v1/cases/{id} + history: "+f.name, dispatcher, "/api/v1/cases/"+id+"/history"))
	}
	// The dashboard: three recounts, four splits, warnings and hotspots.
	out = append(out, served("page /dash: city dispatcher", dispatcher, "/dash"),
		served("page /dash: street grid worker", street, "/dash"))
	out = append(out, served("page /report: resident", nil, "/report"))
	return out
}

// streetWorker is a grid worker of the city's first street. The demo's grid
// workers each hold one grid; a street's is made here.
func streetWorker(ctx context.Context, db *store.DB, city string) (*anju.Actor, error) {
	sys := anju.SystemActor("bench")
	districts, err := db.Children(ctx, sys, city)
	if err != nil || len(districts) == 0 {
		return nil, fmt.Errorf("bench: the city has no districts: %v", err)
	}
	streets, err := db.Children(ctx, sys, districts[0].Code)
	if err != nil || len(streets) == 0 {
		return nil, fmt.Errorf("bench: the district has no streets: %v", err)
	}
	return &anju.Actor{Login: "bench-street-worker", City: city, Grants: []anju.Grant{
		{Role: anju.RoleGridWorker, Region: streets[0].Code, RegionPath: streets[0].Path}}}, nil
}

// userActor is the actor u acts as, as the benchmarks ask the store.
func userActor(u store.User) *anju.Actor {
	return &anju.Actor{UserID: u.ID, Login: u.Login, City: u.City, Grants: u.Grants}
}

func rolesOf(a *anju.Actor) []anju.Role {
	var out []anju.Role
	for _, g := range a.Grants {
		out = append(out, g.Role)
	}
	return out
}
