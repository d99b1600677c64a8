package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"anju/internal/cases"
	"anju/internal/store/storetest"
)

// planFilter is one filter of a list or a search, named.
type planFilter struct {
	name  string
	apply func(*CaseFilter)
	// common says the filter keeps a large share of a city (a state every
	// old case ends in): reading in order is its right plan, and no index
	// need gather it.
	common bool
}

func planFilters() []planFilter {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	return []planFilter{
		{"kind", func(f *CaseFilter) { f.Kind = cases.KindPetition }, false},
		{"open state", func(f *CaseFilter) { f.State = cases.StateReturned }, false},
		{"closed state", func(f *CaseFilter) { f.State = cases.StateClosed }, false},
		{"rejected state", func(f *CaseFilter) { f.State = cases.StateRejected }, false},
		{"rated state", func(f *CaseFilter) { f.State = cases.StateRated }, true},
		{"region", func(f *CaseFilter) { f.Region = "330102" }, false},
		{"street", func(f *CaseFilter) { f.Region = "330102001" }, false},
		{"category", func(f *CaseFilter) { f.Category = "0101" }, false},
		{"department", func(f *CaseFilter) { f.Department = "a-office" }, false},
		{"channel", func(f *CaseFilter) { f.Channel = cases.ChannelWeb }, false},
		{"overdue", func(f *CaseFilter) { f.Overdue = true }, false},
		{"period", func(f *CaseFilter) { f.From, f.To = day, day.AddDate(0, 1, 0) }, false},
		{"text", func(f *CaseFilter) { f.Text = "路灯" }, false},
	}
}

// planLists are every list filter alone and every two together (two
// states excepted), with no filter first.
func planLists() [][]planFilter {
	fs := planFilters()
	out := [][]planFilter{nil}
	for i, a := range fs {
		out = append(out, []planFilter{a})
		for _, b := range fs[i+1:] {
			if strings.HasSuffix(a.name, "state") && strings.HasSuffix(b.name, "state") || a.name == "region" && b.name == "street" {
				continue
			}
			out = append(out, []planFilter{a, b})
		}
	}
	return out
}

// TestListPlansEveryFilter extends TestCaseListPlans to every filter of
// the workbench and the API alone and in pairs, for each reach, newest
// first and by deadline, on the first page and deep by key: no plan reads
// a city's cases (badPlan), in any way the store may choose. And on SQLite
// (PostgreSQL chooses for itself) a filter that may keep few cases has an
// index to gather them by, so that the
// store never reads the whole city in order to fill a page of them: the
// overdue list did, a second at 300,000 cases.
func TestListPlansEveryFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, actors := planWorld(t, dsn)
		engine := db.dialect.name()
		explained := 0
		for _, who := range []string{"dispatcher", "worker", "handler", "resident"} {
			for _, combo := range planLists() {
				if len(combo) > 1 && who != "dispatcher" && who != "worker" {
					continue
				}
				var names []string
				var f CaseFilter
				for _, pf := range combo {
					names = append(names, pf.name)
					pf.apply(&f)
				}
				for _, order := range []cases.Order{cases.OrderNewest, cases.OrderTimeLeft} {
					if order == cases.OrderTimeLeft && f.State != "" && !f.State.Open() {
						continue
					}
					for _, cursor := range []string{"", "deep"} {
						g := f
						g.Order, g.PageSize = order, 50
						if cursor != "" {
							g.Cursor = "5000"
							if order == cases.OrderTimeLeft {
								g.Cursor = "1700000000000000_5000"
							}
						}
						name := fmt.Sprintf("%s: %s, %s, %s", who, strings.Join(names, "+"), order, cursor)
						p, err := db.caseListPlan(ctx, actors[who], g)
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if engine == "sqlite" && len(combo) == 1 && !combo[0].common && !gathersBeyondScope(p) {
							t.Errorf("%s: no index gathers the cases of the filter", name)
						}
						for i, term := range p.terms {
							if !term.gathers {
								continue
							}
							p.gather = i
							q, args := db.caseListSQL(p, g)
							plan := explain(t, db, q, args...)
							explained++
							if bad := badPlan(engine, plan); bad != "" {
								t.Errorf("%s, gathered by term %d: the plan reads the city's cases (%s):\n%s", name, i, bad, plan)
							}
							if engine == "sqlite" && term.index != "" && term.index != byRowid && !strings.Contains(plan, term.index) {
								t.Errorf("%s, gathered by term %d: the plan does not use %s:\n%s", name, i, term.index, plan)
							}
						}
						p.readInOrder()
						q, args := db.caseListSQL(p, g)
						plan := explain(t, db, q, args...)
						explained++
						if bad := badPlan(engine, plan); bad != "" {
							t.Errorf("%s, read in order: the plan reads the city's cases (%s):\n%s", name, bad, plan)
						}
						if engine == "sqlite" && strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
							t.Errorf("%s, read in order: the plan sorts:\n%s", name, plan)
						}
					}
				}
			}
		}
		t.Logf("%d plans explained", explained)
	})
}

// gathersBeyondScope reports whether a term of p other than the actor's
// scope (the first) may gather.
func gathersBeyondScope(p casePlan) bool {
	for _, t := range p.terms[1:] {
		if t.gathers {
			return true
		}
	}
	return false
}

// TestSearchPlans explains SearchCases' queries for each reach, both
// sorts, alone and with each filter: no plan reads a city's cases, and on
// SQLite the candidates are read from the full-text index newest first,
// without sorting them, so that reading stops at the bound (ranking every
// match of a common word took 1.3 s at 300,000 cases). By relevance the
// same holds for the plans a large city gives: the matches looked through
// bounded (searchWalked), and on SQLite each term that may gather
// gathering its cases through its index, never by reading the city's.
func TestSearchPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, actors := planWorld(t, dsn)
		engine := db.dialect.name()
		pq, err := parseSearch("路灯 \"井盖 缺失\"")
		if err != nil {
			t.Fatal(err)
		}
		explained := 0
		for _, who := range []string{"dispatcher", "worker", "handler", "resident"} {
			for _, pf := range append([]planFilter{{name: "none", apply: func(*CaseFilter) {}}}, planFilters()...) {
				if pf.name == "text" {
					continue
				}
				var f CaseFilter
				pf.apply(&f)
				for _, sort := range []string{"relevance", "time"} {
					sq := SearchQuery{Sort: sort, Kind: f.Kind, State: f.State, Region: f.Region, Category: f.Category,
						Department: f.Department, Channel: f.Channel, From: f.From, To: f.To, Page: 1, PageSize: 20}
					p, err := db.planSearch(ctx, actors[who], sq, pq)
					if err != nil {
						t.Fatalf("%s: %s, by %s: %v", who, pf.name, sort, err)
					}
					if p.after != 0 || p.gather != -1 {
						t.Fatalf("%s: %s, by %s: a bound or a gathering term among a few matches: %+v", who, pf.name, sort, p)
					}
					plans := map[string]searchPlan{"": p}
					if engine == "postgres" {
						// Among the newest matches, and (by time, when they
						// do not hold the page) among every match.
						p.ids = []int64{5003, 5002, 5001}
						plans[", among the newest"] = p
						p.ids = nil
						plans[", among every match"] = p
					}
					if sort == "relevance" && engine == "sqlite" {
						p.after = 5000
						plans[", bounded"] = p
						p.gathers = db.searchGathers(p)
						if len(p.gathers) != len(gatheringTerms(p.terms, who == "dispatcher")) {
							t.Errorf("%s: %s: %d gathering queries for %d terms that may gather", who, pf.name, len(p.gathers), len(gatheringTerms(p.terms, who == "dispatcher")))
						}
						for i := range p.gathers {
							p.gather = i
							plans[fmt.Sprintf(", bounded, gathered by query %d", i)] = p
						}
					}
					for how, p := range plans {
						name := fmt.Sprintf("%s: %s, by %s%s", who, pf.name, sort, how)
						q, args, cand, candArgs := db.searchSQL(p)
						plan := explain(t, db, q, args...)
						explained++
						if bad := badPlan(engine, plan); bad != "" {
							t.Errorf("%s: the plan reads the city's cases (%s):\n%s", name, bad, plan)
						}
						candPlan := explain(t, db, cand, candArgs...)
						if bad := badPlan(engine, candPlan); bad != "" {
							t.Errorf("%s: the candidates' plan reads the city's cases (%s):\n%s", name, bad, candPlan)
						}
						if engine != "sqlite" {
							continue
						}
						if !strings.Contains(candPlan, "SCAN case_fts VIRTUAL TABLE") || strings.Contains(candPlan, "TEMP B-TREE FOR ORDER BY") {
							t.Errorf("%s: the candidates are not read newest first from case_fts without a sort:\n%s", name, candPlan)
						}
						if p.gather >= 0 {
							if bad := gatherReadsCases(candPlan); bad != "" {
								t.Errorf("%s: the gathered cases are read from the table, not from an index (%s):\n%s", name, bad, candPlan)
							}
						}
					}
				}
			}
		}
		t.Logf("%d plans explained", explained)
	})
}

// gatherReadsCases says how a search's candidates' plan on SQLite reads
// the cases' rows other than the matches' (by rowid): a gathering query
// must read indexes only, which hold the ids. "" when it does not.
func gatherReadsCases(plan string) string {
	for _, line := range strings.Split(plan, "\n") {
		covering := strings.Contains(line, "COVERING INDEX")
		switch {
		case (strings.HasPrefix(line, "SCAN c ") || line == "SCAN c" || strings.HasPrefix(line, "SCAN cases")) && !covering:
			return line
		case strings.HasPrefix(line, "SEARCH c") && strings.Contains(line, "USING INDEX") && !covering:
			return line
		}
	}
	return ""
}

// gatheringTerms are the terms after the scope that gather through an
// index of their own, and the scope when it is neither the system's nor
// a whole city's.
func gatheringTerms(ts []caseTerm, wholeCity bool) []caseTerm {
	var out []caseTerm
	if ts[0].gathers && !wholeCity {
		out = append(out, ts[0])
	}
	for _, t := range ts[1:] {
		if t.gathers && t.index != "" && t.index != byRowid && t.index != "cases_set_aside" {
			out = append(out, t)
		}
	}
	return out
}

// TestTextFilterPlans: a list's text filter reads the newest matches from
// the full-text index without sorting them.
func TestTextFilterPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		db, _ := planWorld(t, dsn)
		pq, err := parseSearch("路灯")
		if err != nil {
			t.Fatal(err)
		}
		sub, args := db.textMatches(pq)
		plan := explain(t, db, sub+" LIMIT ?", append(args, textFilterKept)...)
		if db.dialect.name() == "sqlite" && (!strings.Contains(plan, "VIRTUAL TABLE") || strings.Contains(plan, "TEMP B-TREE")) {
			t.Errorf("the text filter sorts its matches:\n%s", plan)
		}
		if bad := badPlan(db.dialect.name(), plan); bad != "" {
			t.Errorf("the text filter reads the cases (%s):\n%s", bad, plan)
		}
	})
}
