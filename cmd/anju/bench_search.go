package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/demo"
	"anju/internal/store"
)

// searchWords are what people search a case queue for.
var searchWords = []string{"路灯", "噪音", "垃圾", "油烟", "停车", "漏水", "施工", "物业", "占道", "井盖",
	"绿化", "广告", "消防", "燃气", "供暖", "学校", "医院", "工资", "违建", "排水"}

func runBenchSearch(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("bench search", env)
	af := addAppFlags(fs, env)
	n := fs.Int("cases", 2_000_000, "cases the city should hold")
	queries := fs.Int("queries", 400, "searches to time per order")
	only := fs.String("order", "", "time only this order: relevance or time (default both)")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *n < 1 || *n > 50_000_000 || *queries < 1 || *queries > 100_000 {
		return usageError("bench search: --cases must be 1–50,000,000 and --queries 1–100,000")
	}
	orders := []string{"relevance", "time"}
	switch *only {
	case "":
	case "relevance", "time":
		orders = []string{*only}
	default:
		return usageError("bench search: --order is relevance or time")
	}
	db, err := openApp(ctx, env, af, true)
	if err != nil {
		return err
	}
	defer db.Close()
	city, _, err := benchCity(ctx, env, db, *n)
	if err != nil {
		return err
	}
	users, err := db.ListUsers(ctx, anju.SystemActor("bench"))
	if err != nil {
		return err
	}
	var actor *anju.Actor
	for _, u := range users {
		if u.Login == "dispatcher" {
			actor = userActor(u)
		}
	}
	if actor == nil {
		return fmt.Errorf("bench search: the demo's dispatcher is missing")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	results := map[string][2]float64{}
	for _, order := range orders {
		var lat []float64
		for range *queries {
			q := store.SearchQuery{Q: searchWords[rng.IntN(len(searchWords))], Sort: order, PageSize: 20}
			t0 := time.Now()
			if _, err := db.SearchCases(ctx, actor, q); err != nil {
				return fmt.Errorf("search %q: %w", q.Q, err)
			}
			lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
		}
		slices.Sort(lat)
		p50, p95 := lat[len(lat)/2], lat[len(lat)*95/100]
		results[order] = [2]float64{p50, p95}
		fmt.Fprintf(env.stdout, "%s: p50 %.1f ms, p95 %.1f ms over %d searches\n", order, p50, p95, len(lat))
	}
	total, _ := db.CountCases(ctx, city)
	fmt.Fprintf(env.stdout, "cases=%d relevance_p50_ms=%.1f relevance_p95_ms=%.1f time_p50_ms=%.1f time_p95_ms=%.1f\n", total,
		results["relevance"][0], results["relevance"][1], results["time"][0], results["time"][1])
	return nil
}

// growCity writes n generated cases: texts from the city's places and the
// taxonomy's names, segmented on every core, loaded in batches.
// benchCity is the demo city of db for a benchmark (created when there is
// none), grown to at least n cases, warmed up: its code and how many cases
// it holds.
func benchCity(ctx context.Context, env *cliEnv, db *store.DB, n int) (string, int, error) {
	sum, err := demo.Ensure(ctx, db, 1)
	if err != nil {
		return "", 0, err
	}
	have, err := db.CountCases(ctx, sum.City)
	if err != nil {
		return "", 0, err
	}
	if have < n {
		start := time.Now()
		if err := growCity(ctx, env, db, sum.City, n-have); err != nil {
			return "", 0, err
		}
		if err := db.AnalyzeAfterBulkLoad(ctx); err != nil {
			return "", 0, err
		}
		fmt.Fprintf(env.stdout, "generated %d cases in %.0fs\n", n-have, time.Since(start).Seconds())
		have = n
	}
	return sum.City, have, db.WarmUp(ctx)
}

func growCity(ctx context.Context, env *cliEnv, db *store.DB, city string, n int) error {
	grids, err := db.Grids(ctx, city)
	if err != nil {
		return err
	}
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return err
	}
	leaves := tree.Leaves()
	const batch = 2000
	type job struct {
		cs []store.BulkCase
	}
	jobs := make(chan job, 4)
	done := make(chan job, 4)
	var wg sync.WaitGroup
	var prepErr error
	var once sync.Once
	for range 2 {
		wg.Go(func() {
			for j := range jobs {
				for i := range j.cs {
					if err := db.PrepareBulk(ctx, city, &j.cs[i]); err != nil {
						once.Do(func() { prepErr = err })
					}
				}
				done <- j
			}
		})
	}
	go func() {
		rng := rand.New(rand.NewPCG(1, 2))
		now := time.Now()
		for left := n; left > 0; left -= batch {
			cs := make([]store.BulkCase, min(batch, left))
			for i := range cs {
				g := grids[rng.IntN(len(grids))]
				c := leaves[rng.IntN(len(leaves))]
				place, _, _ := strings.Cut(g.Name, "第")
				cs[i] = store.BulkCase{
					Title:    c.Name,
					Text:     fmt.Sprintf("%s%s附近%s，%s", place, spots[rng.IntN(len(spots))], c.Name, benchDetails[rng.IntN(len(benchDetails))]),
					Address:  place + spots[rng.IntN(len(spots))],
					Category: c.Code,
					Grid:     g.Code,
				}
				// Received in order, as a city takes its reports: the
				// ages fall evenly over three years from the first case
				// generated to the last, so that a case's id follows its
				// receipt (each in a slot of its own, at a random point
				// of it). Ages drawn at random put a street's few open
				// cases, the newest, under every id, and its list of
				// them, read newest id first, walked 400,000 closed ones.
				k := n - left + i
				age := time.Duration((float64(n-k) - rng.Float64()) / float64(n) * float64(3*365*24*time.Hour))
				cs[i].CreatedAt, cs[i].State = now.Add(-age), generatedState(rng, age)
			}
			select {
			case jobs <- job{cs}:
			case <-ctx.Done():
				close(jobs)
				return
			}
		}
		close(jobs)
	}()
	go func() { wg.Wait(); close(done) }()
	written := 0
	for j := range done {
		if prepErr != nil {
			return prepErr
		}
		if err := db.BulkLoadForBenchmark(ctx, city, j.cs); err != nil {
			return err
		}
		written += len(j.cs)
		if written%100_000 < batch {
			fmt.Fprintf(env.stdout, "  %d cases\n", written)
		}
	}
	return ctx.Err()
}

var (
	spots      = []string{"小区", "路口", "楼下", "菜市场", "学校", "公园", "商场", "公交站"}
	doneStates = []cases.State{cases.StateRated, cases.StateRated, cases.StateRated, cases.StateClosed}
	openStates = []cases.State{cases.StateInProgress, cases.StateDispatched, cases.StateAccepted}
)

// generatedState is the state of a generated case received age ago. A
// city's backlog is its intake times its handling time, not a share of its
// history: most cases of the last fortnight are open, a tenth of the weeks
// before, and half a percent of older ones (the long-unresolved, 积案). An
// open share uniform over three years would leave 3/7 of a 2,000,000-case
// city open, which no city has and which every read of open cases pays for.
func generatedState(rng *rand.Rand, age time.Duration) cases.State {
	open := 0.005
	switch {
	case age < 15*24*time.Hour:
		open = 0.45
	case age < 60*24*time.Hour:
		open = 0.10
	}
	if rng.Float64() < open {
		return openStates[rng.IntN(len(openStates))]
	}
	return doneStates[rng.IntN(len(doneStates))]
}
