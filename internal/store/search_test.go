package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/textai"
)

// searchCase files a case at a place: street A (lon 120.02) or B (120.12).
func searchCase(t *testing.T, w *caseWorld, title, text string, lon float64) store.Case {
	t.Helper()
	nc := store.NewCase{Title: title, Text: text, Category: "0101", Lat: f(30.05), Lon: f(lon)}
	c, _, err := w.db.CreateCase(context.Background(), w.actors["operator"], nc, "")
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	return c
}

func hitIDs(r store.SearchResult) []int64 {
	var ids []int64
	for _, h := range r.Hits {
		ids = append(ids, h.Case.ID)
	}
	return ids
}

func TestSearchCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		light := searchCase(t, w, "路灯不亮", "小区门口的路灯已经坏了三天，晚上很黑", 120.02)
		noise := searchCase(t, w, "噪音扰民", "楼下KTV每晚营业到凌晨，噪音很大", 120.02)
		smoke := searchCase(t, w, "油烟扰民", "餐馆油烟直排<楼上>住户不敢开窗", 120.12)
		cover := searchCase(t, w, "井盖松动", "人行道井盖松动，旁边的路灯也不太亮", 120.12)
		search := func(login string, sq store.SearchQuery) store.SearchResult {
			t.Helper()
			r, err := w.db.SearchCases(ctx, w.actors[login], sq)
			if err != nil {
				t.Fatalf("%s searches %+v: %v", login, sq, err)
			}
			return r
		}

		// Relevance puts the case about street lights (title and text) before
		// the one that mentions one in passing; time puts the newer first.
		r := search("operator", store.SearchQuery{Q: "路灯"})
		if got := hitIDs(r); !slices.Equal(got, []int64{light.ID, cover.ID}) || r.Hits[0].Score <= r.Hits[1].Score {
			t.Fatalf("路灯 by relevance: %v %+v", got, r.Hits)
		}
		if !strings.Contains(r.Hits[0].Snippet, "<mark>路灯</mark>") || r.Hits[0].Case.TrackingCode != light.TrackingCode {
			t.Errorf("snippet %q", r.Hits[0].Snippet)
		}
		if got := hitIDs(search("operator", store.SearchQuery{Q: "路灯", Sort: "time"})); !slices.Equal(got, []int64{cover.ID, light.ID}) {
			t.Errorf("路灯 by time: %v", got)
		}
		// Pages.
		p1 := search("operator", store.SearchQuery{Q: "路灯", PageSize: 1})
		p2 := search("operator", store.SearchQuery{Q: "路灯", PageSize: 1, Page: 2})
		if !p1.HasMore || p2.HasMore || hitIDs(p2)[0] != cover.ID {
			t.Errorf("pages: %+v %+v", p1, p2)
		}
		// Latin letters match in any case; the snippet keeps the original.
		r = search("operator", store.SearchQuery{Q: "ktv 噪音"})
		if got := hitIDs(r); !slices.Equal(got, []int64{noise.ID}) || !strings.Contains(r.Hits[0].Snippet, "<mark>KTV</mark>") {
			t.Errorf("ktv 噪音: %v %+v", got, r.Hits)
		}
		// Every word must occur.
		if got := hitIDs(search("operator", store.SearchQuery{Q: "路灯 油烟"})); len(got) != 0 {
			t.Errorf("路灯 油烟: %v", got)
		}
		// A quoted phrase must occur as written.
		if got := hitIDs(search("operator", store.SearchQuery{Q: `"路灯已经"`})); !slices.Equal(got, []int64{light.ID}) {
			t.Errorf("phrase: %v", got)
		}
		if got := hitIDs(search("operator", store.SearchQuery{Q: `"已经路灯"`})); len(got) != 0 {
			t.Errorf("reversed phrase: %v", got)
		}

		// Scope: street A's grid worker does not find street B's case, street
		// B's does, and the snippet is escaped HTML.
		if got := hitIDs(search("worker-a", store.SearchQuery{Q: "油烟"})); len(got) != 0 {
			t.Errorf("worker-a finds street B's case: %v", got)
		}
		r = search("worker-b", store.SearchQuery{Q: "油烟"})
		if got := hitIDs(r); !slices.Equal(got, []int64{smoke.ID}) {
			t.Fatalf("worker-b 油烟: %v", got)
		}
		if s := r.Hits[0].Snippet; !strings.Contains(s, "<mark>油烟</mark>直排&lt;楼上&gt;") {
			t.Errorf("snippet not escaped: %q", s)
		}
		if got := hitIDs(search("worker-b", store.SearchQuery{Q: "路灯"})); !slices.Equal(got, []int64{cover.ID}) {
			t.Errorf("worker-b 路灯: %v", got)
		}

		// Filters.
		if got := hitIDs(search("operator", store.SearchQuery{Q: "路灯", Region: "330105001"})); !slices.Equal(got, []int64{cover.ID}) {
			t.Errorf("region filter: %v", got)
		}
		if got := hitIDs(search("operator", store.SearchQuery{Q: "路灯", From: monday.Add(30 * time.Minute)})); !slices.Equal(got, []int64{cover.ID}) {
			t.Errorf("from filter: %v", got)
		}
		if got := hitIDs(search("operator", store.SearchQuery{Q: "路灯", State: cases.StateAccepted})); len(got) != 0 {
			t.Errorf("state filter: %v", got)
		}
		if _, err := w.db.SearchCases(ctx, w.actors["worker-a"], store.SearchQuery{Q: "路灯", Region: "330105001"}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("region outside scope: %v", err)
		}
		for _, bad := range []struct {
			sq    store.SearchQuery
			field string
		}{
			{store.SearchQuery{Q: "  "}, "q"},
			{store.SearchQuery{Q: "，。！"}, "q"},
			{store.SearchQuery{Q: strings.Repeat("路灯", 101)}, "q"},
			{store.SearchQuery{Q: "路灯", Sort: "best"}, "sort"},
			{store.SearchQuery{Q: "路灯", State: "lost"}, "state"},
			{store.SearchQuery{Q: "路灯", Kind: "odd"}, "kind"},
			{store.SearchQuery{Q: "路灯", From: monday, To: monday}, "from"},
		} {
			if _, err := w.db.SearchCases(ctx, w.actors["operator"], bad.sq); anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != bad.field {
				t.Errorf("%+v: %v", bad.sq, err)
			}
		}
		// Operators of FTS5 and tsquery are only text.
		for _, q := range []string{`路灯 OR 油烟`, `路灯 NOT`, `"`, `路灯 & !油烟`, `NEAR(路灯`, `*`} {
			if _, err := w.db.SearchCases(ctx, w.actors["operator"], store.SearchQuery{Q: q}); err != nil && anju.ErrorCode(err) != anju.EINVALID {
				t.Errorf("%q: %v", q, err)
			}
		}

		// The reply becomes searchable when the case is resolved.
		if got := hitIDs(search("operator", store.SearchQuery{Q: "灯泡"})); len(got) != 0 {
			t.Fatalf("灯泡 before the reply: %v", got)
		}
		w.act(t, "operator", light.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", light.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", light.ID, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", light.ID, cases.ActionResolve, cases.Input{Result: "已更换灯泡，恢复照明"})
		r = search("operator", store.SearchQuery{Q: "灯泡"})
		if got := hitIDs(r); !slices.Equal(got, []int64{light.ID}) || r.Hits[0].Snippet != "已更换<mark>灯泡</mark>，恢复照明" ||
			r.Hits[0].Case.State != cases.StateResolved {
			t.Errorf("灯泡 after the reply: %v %+v", got, r.Hits)
		}
		// The department sees its case through its department grant.
		if got := hitIDs(search("handler-a", store.SearchQuery{Q: "路灯"})); !slices.Equal(got, []int64{light.ID}) {
			t.Errorf("handler-a 路灯: %v", got)
		}
	})
}

// TestSearchCityWords checks that the city's place names are words: a case
// at 华园村社区 is found by 华园村.
func TestSearchCityWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		rs := storetest.SmallCity()
		for i := range rs {
			switch rs[i].Code {
			case "330102001001":
				rs[i].Name = "华园村社区"
			case "330102001001001":
				rs[i].Name = "华园村社区第1网格"
			}
		}
		if _, err := w.db.ImportRegions(ctx, system, rs); err != nil {
			t.Fatal(err)
		}
		c := searchCase(t, w, "垃圾堆积", "华园村社区东门垃圾三天没人清运", 120.02)
		searchCase(t, w, "垃圾堆积", "华园路口垃圾桶满了", 120.02)
		// A case taken in before search existed has no index entry; the
		// first search of the city indexes it.
		unindex := `DELETE FROM case_fts WHERE rowid = ?`
		if w.db.Engine() == "postgres" {
			unindex = `DELETE FROM case_search WHERE case_id = $1`
		}
		if _, err := w.db.SQL().ExecContext(ctx, unindex, c.ID); err != nil {
			t.Fatal(err)
		}
		r, err := w.db.SearchCases(ctx, w.actors["operator"], store.SearchQuery{Q: "华园村"})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitIDs(r); !slices.Equal(got, []int64{c.ID}) || !strings.Contains(r.Hits[0].Snippet, "<mark>华园村</mark>") {
			t.Errorf("华园村: %v %+v", got, r.Hits)
		}
		if !slices.Contains(textai.Segment("。华园村。"), "华园村") {
			t.Errorf("华园村 is not a word: %q", textai.Segment("。华园村。"))
		}
	})
}

// BenchmarkSearch fills a database with ANJU_BENCH_CASES cases (default
// 20,000) whose titles and texts are real residents' messages, then times
// searches for common words, city-wide and in one street, by relevance and
// by time, and logs p50 and p95. It also logs the intake cost of segmenting a
// case. PostgreSQL runs too when ANJU_TEST_PG is set.
//
//	go test -tags ne -run '^$' -bench Search -benchtime 200x ./internal/store/
func BenchmarkSearch(b *testing.B) {
	msgs := benchMessages(b)
	n := 20000
	if v := os.Getenv("ANJU_BENCH_CASES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("ANJU_BENCH_CASES=%q", v)
		}
	}
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			if e.Name == "postgres" && os.Getenv("ANJU_TEST_PG") == "" {
				b.Skip("ANJU_TEST_PG is not set")
			}
			ctx := context.Background()
			db, err := store.Open(ctx, e.NewDSN(b), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ImportRegions(ctx, system, storetest.SmallCity()); err != nil {
				b.Fatal(err)
			}
			// Intake: prepared outside, inserted in batches of 500.
			start := time.Now()
			var segTime time.Duration
			for lo := 0; lo < n; lo += 500 {
				hi := min(lo+500, n)
				var ps []*store.PreparedCase
				for i := lo; i < hi; i++ {
					m := msgs[i%len(msgs)]
					nc := store.NewCase{Title: m.Title, Text: m.Detail, Category: "0101", Grid: benchGrids[i%len(benchGrids)],
						Address: fmt.Sprintf("%d号", i)}
					p, err := db.PrepareCase(ctx, system, nc, "")
					if err != nil {
						b.Fatal(err)
					}
					ps = append(ps, p)
					t0 := time.Now()
					for _, s := range []string{nc.Title, nc.Text, nc.Address} {
						textai.Segment(s)
					}
					segTime += time.Since(t0)
				}
				if err := db.InTx(ctx, func(tx *store.Tx) error {
					for _, p := range ps {
						if _, _, err := tx.InsertCase(ctx, p); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			intakeLog := fmt.Sprintf("%s intake: %d cases in %v (%.2f ms a case; segmenting one, measured apart, %.3f ms)", e.Name, n,
				time.Since(start).Round(time.Millisecond), float64(time.Since(start).Microseconds())/float64(n)/1000,
				float64(segTime.Microseconds())/float64(n)/1000)

			street := &anju.Actor{City: "330100", Login: "bench", Grants: []anju.Grant{
				{Role: anju.RoleDispatcher, Region: "330102001", RegionPath: "/330100/330102/330102001/"}}}
			words := []string{"小区", "物业", "噪音", "学校", "停车", "垃圾", "拆迁", "公积金", "业主 物业", "路灯"}
			for _, v := range []struct {
				name  string
				actor *anju.Actor
				sort  string
			}{{"city/relevance", system, "relevance"}, {"city/time", system, "time"}, {"street/relevance", street, "relevance"}} {
				b.Run(v.name, func(b *testing.B) {
					var lat []time.Duration
					hits := 0
					for i := 0; b.Loop(); i++ {
						t0 := time.Now()
						r, err := db.SearchCases(ctx, v.actor, store.SearchQuery{Q: words[i%len(words)], Sort: v.sort})
						if err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
						hits += len(r.Hits)
					}
					sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
					p50, p95 := lat[len(lat)/2], lat[len(lat)*95/100]
					b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
					b.Logf("%s; %s %s: p50 %v, p95 %v (%d queries, %.1f hits a page)", intakeLog, e.Name, v.name, p50, p95,
						len(lat), float64(hits)/float64(len(lat)))
				})
			}
		})
	}
}

var benchGrids = []string{"330102001001001", "330102001001002", "330105001001001", "330105001001002"}

// benchMessages reads the real messages from ../shared/data, skipping when
// they are not there; texts are cut to the intake limit.
func benchMessages(b *testing.B) []textai.Example {
	fh, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "messages_train.csv"))
	if err != nil {
		b.Skipf("real data not available: %v", err)
	}
	defer fh.Close()
	ex, err := textai.ReadExamplesCSV(fh)
	if err != nil {
		b.Fatal(err)
	}
	for i := range ex {
		if r := []rune(ex[i].Detail); len(r) > store.MaxCaseText {
			ex[i].Detail = string(r[:store.MaxCaseText])
		}
		if r := []rune(ex[i].Title); len(r) > store.MaxCaseTitle {
			ex[i].Title = string(r[:store.MaxCaseTitle])
		}
	}
	return ex
}

// TestSearchBounded: a search ranks the newest matches only, as many as
// its bound, and says when there were more; a list's text filter keeps the
// same newest matches and says so too; a one-character query is refused.
func TestSearchBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		// The oldest is the best match (the word in its title and twice in
		// its text); the bound leaves it out.
		best := searchCase(t, w, "路灯不亮", "路灯坏了，整条路的路灯都不亮", 120.02)
		var newer []int64
		for i := range 3 {
			c := searchCase(t, w, "夜间照明", fmt.Sprintf("第%d个小区门口有一盏路灯", i+1), 120.02)
			newer = append([]int64{c.ID}, newer...)
		}
		defer store.SetMatchLimits(2)()
		op := w.actors["operator"]
		r, err := w.db.SearchCases(ctx, op, store.SearchQuery{Q: "路灯"})
		if err != nil {
			t.Fatal(err)
		}
		got := hitIDs(r)
		if !r.Truncated || len(got) != 3 || slices.Contains(got, best.ID) {
			t.Errorf("bounded to 2 candidates (3 ranked, the oldest left out): %v truncated=%v", got, r.Truncated)
		}
		// By time nothing is cut: the newest first, page after page.
		r, err = w.db.SearchCases(ctx, op, store.SearchQuery{Q: "路灯", Sort: "time", PageSize: 2, Page: 2})
		if err != nil || r.Truncated || !slices.Equal(hitIDs(r), []int64{newer[2], best.ID}) {
			t.Errorf("by time, page 2: %v %+v", err, r)
		}
		// Nothing cut when the matches fit.
		store.SetMatchLimits(10)
		if r, err := w.db.SearchCases(ctx, op, store.SearchQuery{Q: "路灯"}); err != nil || r.Truncated || hitIDs(r)[0] != best.ID {
			t.Errorf("unbounded: %v %+v", err, r)
		}
		// The list's text filter: on SQLite the newest matches and a word
		// that it kept only those; PostgreSQL keeps every match.
		store.SetMatchLimits(2)
		l, err := w.db.ListCases(ctx, op, store.CaseFilter{Text: "路灯"})
		bounded := strings.HasPrefix(dsn, "sqlite")
		if err != nil || l.Truncated != bounded || bounded && !slices.Equal(caseIDs(l.Cases), newer[:2]) || !bounded && len(l.Cases) != 4 {
			t.Errorf("text filter bounded to 2: %v %v %+v", err, l.Truncated, caseIDs(l.Cases))
		}
		store.SetMatchLimits(10)
		if l, err := w.db.ListCases(ctx, op, store.CaseFilter{Text: "路灯"}); err != nil || l.Truncated || len(l.Cases) != 4 {
			t.Errorf("text filter unbounded: %v %v %d", err, l.Truncated, len(l.Cases))
		}
		// One character is refused, in search and in the text filter.
		for _, q := range []string{"灯", " a ", `"灯"`} {
			if _, err := w.db.SearchCases(ctx, op, store.SearchQuery{Q: q}); anju.ErrorCode(err) != anju.EINVALID {
				t.Errorf("search %q: %v", q, err)
			}
			if _, err := w.db.ListCases(ctx, op, store.CaseFilter{Text: q}); anju.ErrorCode(err) != anju.EINVALID {
				t.Errorf("text filter %q: %v", q, err)
			}
		}
		if _, err := w.db.SearchCases(ctx, op, store.SearchQuery{Q: "灯光"}); err != nil {
			t.Errorf("two characters: %v", err)
		}
	})
}

func caseIDs(cs []store.Case) []int64 {
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestSearchWalked: a search by relevance looks through the newest matches
// of the city only, as many as searchWalked, and says truncated when it
// left some out, even when none of those it looked through was in scope;
// a street's grid worker's search gathers the street's cases first on
// SQLite and finds what it found without; by time nothing is left out.
func TestSearchWalked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		var inA, inB []int64 // newest first
		for i := range 3 {
			c := searchCase(t, w, "路灯损坏", fmt.Sprintf("第%d栋门口的路灯已经坏了三天", i+1), 120.02)
			inA = append([]int64{c.ID}, inA...)
		}
		for i := range 3 {
			c := searchCase(t, w, "夜间照明", fmt.Sprintf("%d号门口有一盏路灯坏了", i+1), 120.12)
			inB = append([]int64{c.ID}, inB...)
		}
		search := func(login string, sq store.SearchQuery) store.SearchResult {
			t.Helper()
			r, err := w.db.SearchCases(ctx, w.actors[login], sq)
			if err != nil {
				t.Fatalf("%s searches %+v: %v", login, sq, err)
			}
			return r
		}
		sorted := func(ids []int64) []int64 {
			ids = slices.Clone(ids)
			slices.Sort(ids)
			return ids
		}
		defer store.SetSearchWalked(3, 1)()
		// The newest 3 matches are street B's: street A's worker finds
		// none of its own, and is told matches were left out.
		if r := search("worker-a", store.SearchQuery{Q: "路灯"}); len(r.Hits) != 0 || !r.Truncated {
			t.Errorf("worker-a, 3 matches looked through: %v truncated=%v", hitIDs(r), r.Truncated)
		}
		// By time every match is read: street A's newest first, page by
		// page.
		r := search("worker-a", store.SearchQuery{Q: "路灯", Sort: "time", PageSize: 2})
		if !slices.Equal(hitIDs(r), inA[:2]) || !r.HasMore || r.Truncated {
			t.Errorf("worker-a by time, page 1: %v %+v", hitIDs(r), r)
		}
		if r := search("worker-a", store.SearchQuery{Q: "路灯", Sort: "time", PageSize: 2, Page: 2}); !slices.Equal(hitIDs(r), inA[2:]) || r.HasMore {
			t.Errorf("worker-a by time, page 2: %v", hitIDs(r))
		}
		if r := search("worker-b", store.SearchQuery{Q: "路灯", Sort: "time"}); !slices.Equal(hitIDs(r), inB) {
			t.Errorf("worker-b by time: %v", hitIDs(r))
		}
		// One more looked through: street A's newest.
		store.SetSearchWalked(4, 1)
		if r := search("worker-a", store.SearchQuery{Q: "路灯"}); !slices.Equal(hitIDs(r), inA[:1]) || !r.Truncated {
			t.Errorf("worker-a, 4 matches looked through: %v truncated=%v", hitIDs(r), r.Truncated)
		}
		// The whole city's search: on SQLite not bounded (it stops at the
		// newest matches anyway), on PostgreSQL among the newest 4.
		want, cut := sorted(append(slices.Clone(inB), inA[0])), true
		if strings.HasPrefix(dsn, "sqlite") {
			want, cut = sorted(append(slices.Clone(inB), inA...)), false
		}
		if r := search("operator", store.SearchQuery{Q: "路灯"}); !slices.Equal(sorted(hitIDs(r)), want) || r.Truncated != cut {
			t.Errorf("operator, 4 matches looked through: %v truncated=%v", hitIDs(r), r.Truncated)
		}
		// With a filter it is bounded on both.
		if r := search("operator", store.SearchQuery{Q: "路灯", Category: "0101"}); !slices.Equal(sorted(hitIDs(r)), sorted(append(slices.Clone(inB), inA[0]))) || !r.Truncated {
			t.Errorf("operator, a category, 4 matches looked through: %v truncated=%v", hitIDs(r), r.Truncated)
		}
		// Every match looked through: nothing left out, and the street's
		// gathered cases (SQLite) give what reading each match's case gives.
		store.SetSearchWalked(10, 1)
		gathered := search("worker-a", store.SearchQuery{Q: "路灯"})
		store.SetSearchWalked(10, 1000)
		read := search("worker-a", store.SearchQuery{Q: "路灯"})
		if !slices.Equal(sorted(hitIDs(gathered)), sorted(inA)) || gathered.Truncated || read.Truncated ||
			!slices.EqualFunc(gathered.Hits, read.Hits, func(a, b store.Hit) bool { return a.Case.ID == b.Case.ID && a.Score == b.Score }) {
			t.Errorf("worker-a, every match: gathered %v %+v, read %v", hitIDs(gathered), gathered, hitIDs(read))
		}
		// A filter gathers too: the street as the operator's region filter.
		store.SetSearchWalked(10, 1)
		if r := search("operator", store.SearchQuery{Q: "路灯", Region: "330105001"}); !slices.Equal(sorted(hitIDs(r)), sorted(inB)) || r.Truncated {
			t.Errorf("operator, street B: %v truncated=%v", hitIDs(r), r.Truncated)
		}
	})
}
