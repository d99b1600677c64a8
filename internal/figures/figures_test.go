package figures

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"anju/internal/cases"
	"anju/internal/locale"
	"anju/internal/region"
)

// The clock of every test: the month of November 2026 is the period, and
// the figures are computed on 3 December at 09:00.
var (
	nov  = Period{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	now  = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	t0   = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC) // when most test cases came in
	hour = time.Hour
)

// toNow is a period that ends now, for the piles.
var toNow = Period{From: nov.From, To: now}

// kase is a case received at t0 in state s, with its clocks comfortably in
// the future (so it is late for nothing unless a test says so); opts adjust it.
func kase(s cases.State, opts ...func(*Case)) Case {
	c := Case{Case: cases.Case{Kind: cases.KindRequest, State: s}, CreatedAt: t0,
		ResponseDue: now.Add(100 * hour), ResolutionDue: now.Add(100 * hour)}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func at(t time.Time) func(*Case)              { return func(c *Case) { c.CreatedAt = t } }
func respondDue(t time.Time) func(*Case)      { return func(c *Case) { c.ResponseDue = t } }
func resolveDue(t time.Time) func(*Case)      { return func(c *Case) { c.ResolutionDue = t } }
func responded(t time.Time) func(*Case)       { return func(c *Case) { c.RespondedAt = t } }
func resolved(t time.Time) func(*Case)        { return func(c *Case) { c.ResolvedAt = t } }
func closedAt(t time.Time) func(*Case)        { return func(c *Case) { c.ClosedAt = t } }
func rating(r cases.Rating) func(*Case)       { return func(c *Case) { c.Rating = r } }
func reopened(n int) func(*Case)              { return func(c *Case) { c.Reopened = n } }
func escalated(n int) func(*Case)             { return func(c *Case) { c.Escalations = n } }
func level(l region.Level) func(*Case)        { return func(c *Case) { c.ClosedLevel = l } }
func cards(cs ...cases.Card) func(*Case)      { return func(c *Case) { c.Cards = cs } }
func tookToClose(d time.Duration) func(*Case) { return closedAt(t0.Add(d)) }

// petition makes the case a petition, first on its matter or not.
func petition(first bool) func(*Case) {
	return func(c *Case) { c.Kind, c.FirstPetition = cases.KindPetition, first }
}

// repeated: a later petition names the case as the one it repeats.
func repeated(c *Case) { c.Repeated = true }

const (
	submitted  = cases.StateSubmitted
	accepted   = cases.StateAccepted
	rejected   = cases.StateRejected
	dispatched = cases.StateDispatched
	inProgress = cases.StateInProgress
	resolvedS  = cases.StateResolved
	verified   = cases.StateVerified
	closed     = cases.StateClosed
	rated      = cases.StateRated
	merged     = cases.StateMerged
)

func TestFigures(t *testing.T) {
	dueAt := now.Add(-48 * hour) // a deadline two days past
	tests := []struct {
		name   string
		key    Key
		period Period
		cases  []Case
		want   Value
	}{
		{"received counts every report of the period, rejected and merged included",
			Received, nov, []Case{
				kase(submitted), kase(rejected), kase(merged), kase(rated),
				kase(accepted, at(nov.From)),                       // the period's first instant is in it
				kase(accepted, at(nov.From.Add(-time.Nanosecond))), // October: out
				kase(accepted, at(nov.To)),                         // December: out
			},
			// submitted + rejected + merged + rated + the first instant = 5
			Value{Unit: UnitCount, Known: true, Count: 5}},
		{"received over no cases is 0, a known count",
			Received, nov, nil, Value{Unit: UnitCount, Known: true}},

		{"accepted share: accepted over accepted + rejected",
			AcceptedShare, nov, []Case{
				kase(dispatched), kase(inProgress),
				kase(accepted, reopened(1)), // reopened, back in accepted: still accepted
				kase(rejected),
				kase(submitted), // not decided yet: out
				kase(merged),    // a duplicate, counted on its target: out
			},
			// 3 accepted / (3 accepted + 1 rejected) = 3/4
			Value{Unit: UnitShare, Known: true, Count: 3, Of: 4}},
		{"accepted share with nothing decided is no figure",
			AcceptedShare, nov, []Case{kase(submitted), kase(merged)},
			Value{Unit: UnitShare}},

		{"on-time response: the first response against the first deadline",
			OnTimeResponse, nov, []Case{
				kase(dispatched, respondDue(dueAt), responded(dueAt.Add(-hour))),            // A early: on time
				kase(dispatched, respondDue(dueAt), responded(dueAt)),                       // B at the deadline: on time
				kase(dispatched, respondDue(dueAt), responded(dueAt.Add(time.Second))),      // C a second late
				kase(submitted, respondDue(dueAt)),                                          // D due, never answered: late
				kase(submitted, respondDue(now.Add(hour))),                                  // E clock running: out
				kase(rejected, respondDue(dueAt)),                                           // F rejected: out
				kase(merged, respondDue(dueAt)),                                             // G merged: out
				kase(accepted, reopened(1), respondDue(dueAt), responded(dueAt.Add(-hour))), // H reopened, first answer on time
			},
			// population A B C D H = 5; on time A B H = 3 → 3/5
			Value{Unit: UnitShare, Known: true, Count: 3, Of: 5}},
		{"on-time response with every clock still running is no figure",
			OnTimeResponse, nov, []Case{kase(submitted)},
			Value{Unit: UnitShare}},

		{"on-time resolution: against the deadline in force, extensions included; reopened never on time",
			OnTimeResolution, nov, []Case{
				kase(closed, resolveDue(dueAt), resolved(dueAt.Add(-hour))),      // A on time
				kase(resolvedS, resolveDue(dueAt), resolved(dueAt)),              // B at the deadline: on time
				kase(rated, resolveDue(dueAt), resolved(dueAt.Add(time.Minute))), // C a minute late
				// D: due at dueAt before a 3-day extension, resolved a day after
				// that first deadline, within the extended one: on time.
				kase(verified, resolveDue(dueAt.Add(72*hour)), resolved(dueAt.Add(24*hour))),
				kase(inProgress, resolveDue(dueAt)),                                // E due, unresolved: late
				kase(inProgress),                                                   // F clock running: out
				kase(closed, reopened(1), resolveDue(now.Add(hour)), resolved(t0)), // G reopened, redone fast: late
				kase(inProgress, reopened(1)),                                      // H reopened, being redone: late
				// I failed verification: its old result does not stand, clock running: out
				kase(inProgress, resolved(t0)),
				kase(merged, resolveDue(dueAt)),   // J out
				kase(rejected, resolveDue(dueAt)), // K out
			},
			// population A B C D E G H = 7; on time A B D = 3 → 3/7
			Value{Unit: UnitShare, Known: true, Count: 3, Of: 7}},

		{"resolution rate: closed over accepted",
			ResolutionRate, nov, []Case{
				kase(closed), kase(rated), kase(inProgress), kase(accepted),
				kase(submitted), kase(rejected), kase(merged), // not accepted: out
			},
			// closed + rated = 2 over closed, rated, in progress, accepted = 4 → 2/4
			Value{Unit: UnitShare, Known: true, Count: 2, Of: 4}},
		{"resolution rate with no accepted case is no figure, not 0%",
			ResolutionRate, nov, []Case{kase(rejected), kase(submitted)},
			Value{Unit: UnitShare}},

		{"satisfaction: satisfied or basically satisfied over rated",
			Satisfaction, nov, []Case{
				kase(rated, rating(cases.RatingSatisfied)),
				kase(rated, rating(cases.RatingBasically)),
				kase(rated, rating(cases.RatingUnsatisfied)),
				kase(closed),                  // awaiting its rating: out, never inferred
				kase(inProgress, reopened(1)), // reopened: the rating went with the closure
			},
			// 2 / 3
			Value{Unit: UnitShare, Known: true, Count: 2, Of: 3}},
		{"satisfaction with no rating given is no figure, never inferred",
			Satisfaction, nov, []Case{kase(closed), kase(closed)},
			Value{Unit: UnitShare}},

		{"rating response rate: rated over closed",
			RatingRate, nov, []Case{
				kase(rated, rating(cases.RatingSatisfied)), kase(rated, rating(cases.RatingUnsatisfied)),
				kase(closed), kase(closed),
				kase(inProgress), // not closed: out
			},
			// 2 rated / 4 closed
			Value{Unit: UnitShare, Known: true, Count: 2, Of: 4}},

		{"closed at level: the level of the resolving department",
			ClosedAtLevel, nov, []Case{
				kase(closed, level(region.LevelGrid)), kase(rated, level(region.LevelGrid)),
				kase(rated, level(region.LevelCommunity)),
				kase(closed, level(region.LevelStreet)),
				kase(rated, level(region.LevelCity)),
				kase(closed),                              // level unknown: out
				kase(inProgress, level(region.LevelGrid)), // open: out
			},
			// over 5: grid 2, community 1, street 1, district 0, city 1
			Value{Unit: UnitShares, Known: true, Of: 5, Parts: []Part{
				{"grid", 2}, {"community", 1}, {"street", 1}, {"district", 0}, {"city", 1}}}},
		{"closed at level with nothing closed is no figure",
			ClosedAtLevel, nov, nil,
			Value{Unit: UnitShares, Parts: []Part{{"grid", 0}, {"community", 0}, {"street", 0}, {"district", 0}, {"city", 0}}}},

		{"reopen rate: reopened over ever closed",
			ReopenRate, nov, []Case{
				kase(closed),
				kase(rated, reopened(1)),    // reopened, closed again
				kase(accepted, reopened(2)), // reopened, open now: was closed
				kase(inProgress),            // never closed: out
			},
			// 2 / 3
			Value{Unit: UnitShare, Known: true, Count: 2, Of: 3}},

		{"escalation rate: escalated over handled",
			EscalationRate, nov, []Case{
				kase(inProgress, escalated(1)), kase(closed, escalated(2)),
				kase(accepted),
				kase(submitted, escalated(1)), // escalated before acceptance: counts
				kase(rejected, escalated(1)),  // out
				kase(merged, escalated(1)),    // out
			},
			// 3 escalated / 4 handled
			Value{Unit: UnitShare, Known: true, Count: 3, Of: 4}},

		{"cards issued: every card on the period's cases, merged included",
			CardsIssued, nov, []Case{
				kase(inProgress, cards(cases.CardYellow, cases.CardRed)),
				kase(closed, cards(cases.CardYellow)),
				kase(merged, cards(cases.CardYellow)),
				kase(inProgress, at(nov.To), cards(cases.CardRed)), // December: out
			},
			// yellow 2 + 1 + 1 = 3, red 1; total 4
			Value{Unit: UnitCounts, Known: true, Count: 4, Parts: []Part{{"yellow", 3}, {"red", 1}}}},

		{"median time to close, nearest rank of an even count",
			TimeToCloseMedian, nov, []Case{
				kase(closed, tookToClose(24*hour)), kase(rated, tookToClose(72*hour)),
				kase(closed, tookToClose(48*hour)), kase(rated, tookToClose(240*hour)),
				kase(inProgress),                       // open: out
				kase(merged, tookToClose(time.Minute)), // merged: out
				kase(accepted, reopened(1)),            // reopened, closure cleared: out
			},
			// sorted 1d 2d 3d 10d; rank ⌈0.5·4⌉ = 2 → 2d
			Value{Unit: UnitDuration, Known: true, Of: 4, Duration: 48 * hour}},
		{"90th percentile time to close of the same cases",
			TimeToCloseP90, nov, []Case{
				kase(closed, tookToClose(24*hour)), kase(rated, tookToClose(72*hour)),
				kase(closed, tookToClose(48*hour)), kase(rated, tookToClose(240*hour)),
			},
			// rank ⌈0.9·4⌉ = ⌈3.6⌉ = 4 → 10d
			Value{Unit: UnitDuration, Known: true, Of: 4, Duration: 240 * hour}},
		{"median of an odd count is the middle one",
			TimeToCloseMedian, nov, []Case{
				kase(closed, tookToClose(5*hour)), kase(closed, tookToClose(1*hour)),
				kase(closed, tookToClose(3*hour)), kase(closed, tookToClose(2*hour)),
				kase(closed, tookToClose(4*hour)),
			},
			// rank ⌈0.5·5⌉ = 3 → 3h
			Value{Unit: UnitDuration, Known: true, Of: 5, Duration: 3 * hour}},
		{"90th percentile of five is the longest",
			TimeToCloseP90, nov, []Case{
				kase(closed, tookToClose(5*hour)), kase(closed, tookToClose(1*hour)),
				kase(closed, tookToClose(3*hour)), kase(closed, tookToClose(2*hour)),
				kase(closed, tookToClose(4*hour)),
			},
			// rank ⌈0.9·5⌉ = ⌈4.5⌉ = 5 → 5h
			Value{Unit: UnitDuration, Known: true, Of: 5, Duration: 5 * hour}},
		{"time to close answers its bucket's upper edge: hours in the first day, quarter days in the first week, days after",
			TimeToCloseMedian, nov, []Case{
				kase(closed, tookToClose(90*time.Minute)),           // bucket 2h
				kase(closed, tookToClose(24*hour+time.Minute)),      // past a day: bucket 30h
				kase(closed, tookToClose(7*24*hour)),                // exactly 7 days: bucket 168h
				kase(closed, tookToClose(7*24*hour+time.Second)),    // past 7 days: bucket 8 days
				kase(closed, tookToClose(7*24*hour+25*time.Minute)), // bucket 8 days
			},
			// buckets 2h 30h 168h 192h 192h; rank ⌈0.5·5⌉ = 3 → 168h
			Value{Unit: UnitDuration, Known: true, Of: 5, Duration: 168 * hour}},
		{"a quarter day's bucket within the first week",
			TimeToCloseMedian, nov, []Case{kase(closed, tookToClose(24*hour+time.Minute))},
			Value{Unit: UnitDuration, Known: true, Of: 1, Duration: 30 * hour}},
		{"90th percentile in whole days past the first week",
			TimeToCloseP90, nov, []Case{
				kase(closed, tookToClose(90*time.Minute)),
				kase(closed, tookToClose(7*24*hour+time.Second)),
			},
			// buckets 2h and 8 days; rank ⌈0.9·2⌉ = 2 → 8 days
			Value{Unit: UnitDuration, Known: true, Of: 2, Duration: 8 * 24 * hour}},
		{"time to close with nothing closed is no figure, not 0 s",
			TimeToCloseMedian, nov, []Case{kase(inProgress)},
			Value{Unit: UnitDuration}},

		{"backlog by age: open cases by time since receipt",
			BacklogByAge, toNow, []Case{
				kase(submitted, at(now.Add(-2*hour))),     // under a day
				kase(inProgress, at(now.Add(-24*hour))),   // exactly a day: 1d to 3d
				kase(accepted, at(now.Add(-5*24*hour))),   // 3d to 7d
				kase(dispatched, at(now.Add(-7*24*hour))), // exactly 7d: 7d to 30d
				kase(resolvedS, at(now.Add(-40*24*hour))), // resolved, not yet closed: still open; 30d and over
				kase(closed), kase(rejected), kase(merged), // not open: out
			},
			// one in each bucket; total 5
			Value{Unit: UnitCounts, Known: true, Count: 5, Parts: []Part{
				{"under_1d", 1}, {"1d_to_3d", 1}, {"3d_to_7d", 1}, {"7d_to_30d", 1}, {"30d_and_over", 1}}}},
		{"backlog leaves out cases received after the period",
			BacklogByAge, nov, []Case{
				kase(inProgress, at(nov.From.AddDate(0, -1, 0))), // October, still open: in the pile; 33 days → 30d and over
				kase(inProgress, at(nov.To.Add(hour))),           // received after the period: out
			},
			Value{Unit: UnitCounts, Known: true, Count: 1, Parts: []Part{
				{"under_1d", 0}, {"1d_to_3d", 0}, {"3d_to_7d", 0}, {"7d_to_30d", 0}, {"30d_and_over", 1}}}},

		{"overdue by time past the deadline in force",
			OverdueByAge, toNow, []Case{
				kase(inProgress, resolveDue(now.Add(-hour))),      // an hour past: under a day
				kase(dispatched, resolveDue(now.Add(-48*hour))),   // 2 days: 1d to 3d
				kase(accepted, resolveDue(now.Add(-72*hour))),     // exactly 3 days: 3d to 7d
				kase(submitted, resolveDue(now.Add(-31*24*hour))), // 30d and over
				kase(inProgress, resolveDue(now)),                 // due this instant: not missed yet
				kase(inProgress, resolveDue(now.Add(hour))),       // extended past now: not overdue
				kase(closed, resolveDue(now.Add(-48*hour))),       // closed late, but not in the pile
			},
			// 1 + 1 + 1 + 0 + 1 = 4
			Value{Unit: UnitCounts, Known: true, Count: 4, Parts: []Part{
				{"under_1d", 1}, {"1d_to_3d", 1}, {"3d_to_7d", 1}, {"7d_to_30d", 0}, {"30d_and_over", 1}}}},

		{"first petitions settled at first instance: concluded and never taken to review",
			FirstPetitionSettled, nov, []Case{
				kase(closed, petition(true)),                           // A concluded, no review: settled
				kase(rated, petition(true)),                            // B concluded and rated: settled
				kase(accepted, petition(true), reopened(1)),            // C review requested: concluded, not settled
				kase(closed, petition(true), reopened(2)),              // D closed again after re-review: not settled
				kase(inProgress, petition(true)),                       // E not concluded yet: out
				kase(rejected, petition(true)),                         // F declined: out
				kase(closed, petition(false)),                          // G a repeat petition: out
				kase(closed, func(c *Case) { c.FirstPetition = true }), // H a request, whatever the flag: out
				kase(closed, petition(true), at(nov.To)),               // I received in December: out
				kase(closed, petition(true), repeated),                 // J concluded, then petitioned again: not settled
				kase(inProgress, petition(true), repeated),             // K petitioned again before its conclusion: out
				kase(closed, petition(false), repeated),                // L a repeat repeated: out
			},
			// population A B C D J = 5; settled A B = 2 → 2/5
			Value{Unit: UnitShare, Known: true, Count: 2, Of: 5}},
		{"first petitions settled with none concluded is no figure",
			FirstPetitionSettled, nov, []Case{kase(inProgress, petition(true)), kase(closed)},
			Value{Unit: UnitShare}},
	}
	tested := map[Key]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := Lookup(tt.key)
			if !ok {
				t.Fatalf("no definition of %s", tt.key)
			}
			got := d.Compute(tt.cases, tt.period, now)
			if !equal(got, tt.want) {
				t.Errorf("%s = %+v, want %+v", tt.key, got, tt.want)
			}
			if all := Compute(tt.cases, tt.period, now); !equal(all[tt.key], got) {
				t.Errorf("Compute()[%s] = %+v, Definition.Compute = %+v", tt.key, all[tt.key], got)
			}
		})
		tested[tt.key] = true
	}
	for _, k := range Keys() {
		if !tested[k] {
			t.Errorf("figure %s has no test", k)
		}
	}
}

func equal(a, b Value) bool {
	return a.Unit == b.Unit && a.Known == b.Known && a.Count == b.Count && a.Of == b.Of &&
		a.Duration == b.Duration && slices.Equal(a.Parts, b.Parts)
}

// TestDefinitionsComplete holds every definition to the words the README
// quotes and the catalogue names it by.
func TestDefinitionsComplete(t *testing.T) {
	seen := map[Key]bool{}
	for _, d := range Definitions() {
		if seen[d.Key] {
			t.Errorf("key %s defined twice", d.Key)
		}
		seen[d.Key] = true
		if d.Population == "" || d.Numerator == "" || d.value == nil {
			t.Errorf("%s: population, numerator and function are required", d.Key)
		}
		if (d.Unit == UnitShare || d.Unit == UnitShares) != (d.Denominator != "") {
			t.Errorf("%s: a share, and only a share, has a denominator", d.Key)
		}
		for _, l := range locale.Langs {
			if k := "figures." + string(d.Key); !locale.Has(l, k) {
				t.Errorf("%s: no %s message %q", d.Key, l, k)
			}
		}
		for _, p := range d.Compute(nil, nov, now).Parts {
			for _, l := range locale.Langs {
				if k := "figures.part." + p.Key; !locale.Has(l, k) {
					t.Errorf("%s: no %s message %q for part %s", d.Key, l, k, p.Key)
				}
			}
		}
	}
	for _, k := range []Key{Received, AcceptedShare, OnTimeResponse, OnTimeResolution, ResolutionRate,
		Satisfaction, RatingRate, ClosedAtLevel, ReopenRate, EscalationRate, CardsIssued,
		TimeToCloseMedian, TimeToCloseP90, BacklogByAge, OverdueByAge} {
		if !seen[k] {
			t.Errorf("no definition of %s", k)
		}
	}
}

func TestJSON(t *testing.T) {
	all := Compute([]Case{
		kase(closed, level(region.LevelGrid), tookToClose(90*time.Second), cards(cases.CardRed)),
		kase(rated, rating(cases.RatingUnsatisfied), level(region.LevelStreet), tookToClose(30*time.Second)),
	}, nov, now)
	b, err := json.Marshal(map[string]any{"figures": all})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Figures map[string]map[string]any `json:"figures"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	f := got.Figures
	if len(f) != len(Keys()) {
		t.Errorf("%d figures in %s, want %d", len(f), b, len(Keys()))
	}
	if f["received"]["count"] != 2.0 {
		t.Errorf("received = %v, want count 2", f["received"])
	}
	// 0 satisfied of 1 rated: a real 0%.
	if s := f["satisfaction"]; s["share"] != 0.0 || s["denominator"] != 1.0 {
		t.Errorf("satisfaction = %v, want 0 of 1", s)
	}
	// Both closed cases were accepted: 2 of 2.
	if s := f["accepted_share"]; s["share"] != 1.0 {
		t.Errorf("accepted_share = %v, want 1", s)
	}
	// No clock has run out and nothing was answered: no figure, null.
	if s, ok := f["on_time_response"]["share"]; !ok || s != nil {
		t.Errorf("on_time_response = %v, want share null", f["on_time_response"])
	}
	// 30 s and 90 s, in the buckets of 1 h and 2 h: the median is the
	// first, by nearest rank, answered by its bucket's upper edge.
	if s := f["time_to_close_p50"]; s["seconds"] != 3600.0 || s["cases"] != 2.0 {
		t.Errorf("time_to_close_p50 = %v, want 3600 s over 2", s)
	}
	lv := f["closed_at_level"]["parts"].(map[string]any)
	if g := lv["grid"].(map[string]any); g["share"] != 0.5 {
		t.Errorf("closed_at_level grid = %v, want 0.5", g)
	}
	if c := f["cards_issued"]; c["total"] != 1.0 || c["parts"].(map[string]any)["red"] != 1.0 {
		t.Errorf("cards_issued = %v, want 1 red", c)
	}
}

func TestShare(t *testing.T) {
	for _, tt := range []struct {
		v     Value
		want  float64
		known bool
	}{
		{share(3, 4), 0.75, true},
		{share(0, 4), 0, true},  // a real 0%
		{share(0, 0), 0, false}, // no figure
	} {
		got, ok := tt.v.Share()
		if got != tt.want || ok != tt.known {
			t.Errorf("%d/%d: Share() = %v, %v; want %v, %v", tt.v.Count, tt.v.Of, got, ok, tt.want, tt.known)
		}
	}
}

// TestCountsRead: the counts each figure reads, as found from the
// definitions, are those its words name.
func TestCountsRead(t *testing.T) {
	card := func(i int) int { return int(NumCounters) + i }
	for _, tc := range []struct {
		keys []Key
		want []int
	}{
		{[]Key{Received}, []int{int(CReceived)}},
		{[]Key{AcceptedShare}, []int{int(CDecided), int(CAccepted)}},
		{[]Key{OnTimeResolution, Satisfaction}, []int{int(CResolutionJudged), int(CResolutionOnTime), int(CRated), int(CSatisfied)}},
		{[]Key{ClosedAtLevel}, []int{int(CLevelGrid), int(CLevelCommunity), int(CLevelStreet), int(CLevelDistrict), int(CLevelCity)}},
		{[]Key{CardsIssued}, []int{card(0), card(1)}},
		{[]Key{FirstPetitionSettled}, []int{int(CFirstConcluded), int(CFirstSettled)}},
		{[]Key{BacklogByAge, OverdueByAge, TimeToCloseMedian}, nil},
	} {
		if got := CountsRead(tc.keys...); !slices.Equal(got, tc.want) {
			t.Errorf("%v: read %v, want %v", tc.keys, got, tc.want)
		}
	}
	// Every count but the piles' settled cases and the first petitions
	// received (which no figure divides by) is read by some figure.
	all := CountsRead(Keys()...)
	for i := range len(Counts{}) {
		if want := i != int(COpenSettled) && i != int(CFirstPetition); slices.Contains(all, i) != want {
			t.Errorf("count %d (%s) read by some figure: %v, want %v", i, CountNames()[i], !want, want)
		}
	}
}
