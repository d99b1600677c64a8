package figures

import (
	"reflect"
	"slices"
	"time"

	"anju/internal/cases"
)

// Every figure is a sum over cases. FactsOf says, once, what one case
// contributes to each of them; a Tally adds contributions up and Values
// turns the sums into figures. The recount (Compute over []Case), the
// store's rollups and its queries over stored facts all add the same
// Facts, so a case is counted by one rule whichever way it is read.
//
// A contribution is mostly fixed by the case as it stands (Member). Three
// things change with time alone: a response or a resolution not yet made
// enters its on-time figure once its deadline passes (Pending*), and an open
// case's place in the piles depends on its age now (Open). Settle folds into
// Member the deadlines already passed, which stay passed.

// Counter is one 0-or-1 membership of a case: in a population, or in a
// numerator (each numerator counter implies its population's).
type Counter int

const (
	CReceived Counter = iota
	CDecided
	CAccepted
	CHandled
	CResponseJudged
	CResponseOnTime
	CResolutionJudged
	CResolutionOnTime
	CClosed
	CRated
	CSatisfied
	CEverClosed
	CReopened
	CEscalated
	CLevelGrid
	CLevelCommunity
	CLevelStreet
	CLevelDistrict
	CLevelCity
	// COpenSettled: open, received at least the last age bucket's span
	// ago and as long past its resolution deadline: in the last bucket of
	// both piles for good (Settle). It counts in the piles of every period
	// ending after its receipt, not in the period's own sums.
	COpenSettled
	// CFirstPetition: a first petition (初信初访). CFirstConcluded: one
	// concluded at first instance, its written opinion delivered (closed
	// now, or reopened for review). CFirstSettled: one of those whose
	// petitioner asked for no review (never reopened) and brought no repeat
	// petition on the matter (Case.Repeated). Appended: a
	// counter's bit in a stored Member keeps its place.
	CFirstPetition
	CFirstConcluded
	CFirstSettled
	NumCounters
)

// counterNames name the counters where they are stored (the store's
// columns), in Counter order.
var counterNames = [NumCounters]string{"received", "decided", "accepted", "handled",
	"response_judged", "response_on_time", "resolution_judged", "resolution_on_time",
	"closed", "rated", "satisfied", "ever_closed", "reopened", "escalated",
	"level_grid", "level_community", "level_street", "level_district", "level_city", "open_settled",
	"first_petition", "first_concluded", "first_settled"}

// CounterNames returns the counters' names in Counter order.
func CounterNames() []string { return slices.Clone(counterNames[:]) }

// Counts holds one sum per counter, then the cards by colour (cases.Cards
// order).
type Counts [NumCounters + 2]int64

// Column names of Counts, in order: CounterNames, then the cards.
func CountNames() []string {
	out := CounterNames()
	for _, c := range cases.Cards {
		out = append(out, string(c))
	}
	return out
}

// Add adds o to c, times sign (+1 or -1).
func (c *Counts) Add(o *Counts, sign int64) {
	for i := range c {
		c[i] += sign * o[i]
	}
}

// Facts is one case's contribution to the figures.
type Facts struct {
	CreatedAt time.Time
	// Member has bit 1<<Counter for every counter the case is in, whatever
	// the time (as settled when Settle last ran).
	Member uint32
	// Cards counts the cards issued on the case by colour (cases.Cards).
	Cards [2]int
	// CloseHours is the time from receipt to closure, rounded up to its
	// bucket (CloseBucket) in whole hours; -1 when the case is not in the
	// time-to-close population.
	CloseHours int64
	// PendingResponse: handled and not yet responded to; it enters the
	// on-time response population, as late, once now passes ResponseDue.
	PendingResponse bool
	ResponseDue     time.Time
	// PendingResolution: handled, not resolved now and never reopened; it
	// enters the on-time resolution population, as late, once now passes
	// ResolutionDue.
	PendingResolution bool
	ResolutionDue     time.Time
	// Open: open now, in the backlog (by age since CreatedAt) and, once
	// ResolutionDue has passed, in the overdue pile.
	Open bool
}

// Has reports whether the case is in counter k.
func (f *Facts) Has(k Counter) bool { return f.Member&(1<<k) != 0 }

func (f *Facts) set(k Counter, in bool) {
	if in {
		f.Member |= 1 << k
	}
}

// Live reports whether the contribution can still change with time alone.
func (f *Facts) Live() bool { return f.Open || f.PendingResponse || f.PendingResolution }

// levelCounters maps levelsUp to their counters.
var levelCounters = []Counter{CLevelGrid, CLevelCommunity, CLevelStreet, CLevelDistrict, CLevelCity}

// FactsOf is a case's contribution: the definitions' populations and
// numerators, applied to one case.
func FactsOf(c Case) Facts {
	f := Facts{CreatedAt: c.CreatedAt, ResponseDue: c.ResponseDue, ResolutionDue: c.ResolutionDue, CloseHours: -1}
	handled := c.handled()
	responded := !c.RespondedAt.IsZero()
	rated := c.State == cases.StateRated && c.Rating.Valid()
	f.set(CReceived, true)
	f.set(CDecided, c.accepted() || c.rejected())
	f.set(CAccepted, c.accepted())
	f.set(CHandled, handled)
	f.set(CResponseJudged, handled && responded)
	f.set(CResponseOnTime, handled && responded && !c.RespondedAt.After(c.ResponseDue))
	f.PendingResponse = handled && !responded
	resolutionJudged := handled && (c.resolvedNow() || c.Reopened > 0)
	f.set(CResolutionJudged, resolutionJudged)
	f.set(CResolutionOnTime, handled && c.resolvedNow() && c.Reopened == 0 && !c.ResolvedAt.After(c.ResolutionDue))
	f.PendingResolution = handled && !resolutionJudged
	f.set(CClosed, c.accepted() && c.closed())
	f.set(CRated, c.closed() && rated)
	f.set(CSatisfied, rated && (c.Rating == cases.RatingSatisfied || c.Rating == cases.RatingBasically))
	f.set(CEverClosed, c.closed() || c.Reopened > 0)
	f.set(CReopened, c.Reopened > 0)
	f.set(CEscalated, handled && c.Escalations > 0)
	first := c.Kind == cases.KindPetition && c.FirstPetition
	f.set(CFirstPetition, first)
	f.set(CFirstConcluded, first && (c.closed() || c.Reopened > 0))
	f.set(CFirstSettled, first && c.closed() && c.Reopened == 0 && !c.Repeated)
	if c.closed() {
		if i := slices.Index(levelsUp, c.ClosedLevel); i >= 0 {
			f.set(levelCounters[i], true)
		}
		if !c.ClosedAt.IsZero() {
			f.CloseHours = int64(CloseBucket(c.ClosedAt.Sub(c.CreatedAt)) / time.Hour)
		}
	}
	for _, card := range c.Cards {
		if i := slices.Index(cases.Cards, card); i >= 0 {
			f.Cards[i]++
		}
	}
	f.Open = c.State.Open()
	return f
}

// Settle folds into Member what time can no longer change at now: the
// deadlines passed (a clock that ran out stays run out) and the piles of an
// open case in both last buckets; a stored contribution settled when it was
// written still holds later. (The clock must not go back.)
func (f *Facts) Settle(now time.Time) {
	if last := AgeBuckets[len(AgeBuckets)-2].Below; f.Open && now.Sub(f.CreatedAt) >= last && now.Sub(f.ResolutionDue) >= last {
		f.Open = false
		f.set(COpenSettled, true)
	}
	if f.PendingResponse && now.After(f.ResponseDue) {
		f.PendingResponse = false
		f.set(CResponseJudged, true)
	}
	if f.PendingResolution && now.After(f.ResolutionDue) {
		f.PendingResolution = false
		f.set(CResolutionJudged, true)
	}
}

// Counts returns the counters of Member and the cards, the part of the
// contribution that adds up over any set of cases received in a period.
func (f *Facts) Counts() Counts {
	var c Counts
	for k := range NumCounters {
		if f.Has(k) {
			c[k] = 1
		}
	}
	c[NumCounters], c[NumCounters+1] = int64(f.Cards[0]), int64(f.Cards[1])
	return c
}

// CloseBucket is the time-to-close histogram's bucket of d, by its upper
// edge: d rounded up to the whole hour within the first day, to the quarter
// day (6 hours) within the first week, to the whole day after it.
// Percentiles of time to close are read from these buckets; they are few
// (24 + 24 in the first week), so that the rollups of the histogram stay
// small.
func CloseBucket(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	unit := time.Hour
	switch {
	case d > 7*day:
		unit = day
	case d > day:
		unit = 6 * time.Hour
	}
	return (d + unit - 1) / unit * unit
}

// Tally sums contributions for one period.
type Tally struct {
	Counts Counts
	// CloseHours counts the closed cases by CloseBucket, in hours.
	CloseHours map[int64]int64
	// Backlog and Overdue count the piles by AgeBuckets.
	Backlog, Overdue [5]int64
}

// AddCounts adds summed counts, sign +1 or -1.
func (t *Tally) AddCounts(c *Counts, sign int64) { t.Counts.Add(c, sign) }

// AddClose adds n cases that took hours (a CloseBucket) to close.
func (t *Tally) AddClose(hours, n int64) {
	if n == 0 {
		return
	}
	if t.CloseHours == nil {
		t.CloseHours = map[int64]int64{}
	}
	t.CloseHours[hours] += n
}

// AddReceived adds what f settled contributes for a case received in the
// period (Counts and the close time).
func (t *Tally) AddReceived(f *Facts) {
	c := f.Counts()
	t.Counts.Add(&c, 1)
	if f.CloseHours >= 0 {
		t.AddClose(f.CloseHours, 1)
	}
}

// AddPending adds what the clocks still running of n cases alike to f
// contribute at now, for cases received in the period: the deadlines
// passed since f was settled.
func (t *Tally) AddPending(f *Facts, now time.Time, n int64) {
	if f.PendingResponse && now.After(f.ResponseDue) {
		t.Counts[CResponseJudged] += n
	}
	if f.PendingResolution && now.After(f.ResolutionDue) {
		t.Counts[CResolutionJudged] += n
	}
}

// AddPile adds n cases alike to f (received alike, due alike, in the same
// age buckets at now) to the piles as they stand at now, for cases
// received before the period ends.
func (t *Tally) AddPile(f *Facts, now time.Time, n int64) {
	if f.Has(COpenSettled) {
		t.AddPileSettled(n)
	}
	if !f.Open {
		return
	}
	t.Backlog[bucketOf(now.Sub(f.CreatedAt))] += n
	if now.After(f.ResolutionDue) {
		t.Overdue[bucketOf(now.Sub(f.ResolutionDue))] += n
	}
}

// AddPileSettled adds n cases to the last bucket of both piles (Settle).
func (t *Tally) AddPileSettled(n int64) {
	t.Backlog[len(t.Backlog)-1] += n
	t.Overdue[len(t.Overdue)-1] += n
}

// Add adds f's whole contribution to the figures of period p at now.
func (t *Tally) Add(f Facts, p Period, now time.Time) {
	if p.Contains(f.CreatedAt) {
		t.AddReceived(&f)
		t.AddPending(&f, now, 1)
	}
	if f.CreatedAt.Before(p.To) {
		t.AddPile(&f, now, 1)
	}
}

// Merge adds o to t.
func (t *Tally) Merge(o *Tally) {
	t.Counts.Add(&o.Counts, 1)
	for h, n := range o.CloseHours {
		t.AddClose(h, n)
	}
	for i := range t.Backlog {
		t.Backlog[i] += o.Backlog[i]
		t.Overdue[i] += o.Overdue[i]
	}
}

// Values computes every figure from the tally.
func (t *Tally) Values() map[Key]Value {
	out := make(map[Key]Value, len(definitions))
	for _, d := range definitions {
		out[d.Key] = d.value(t)
	}
	return out
}

// TallyOf adds up the cases of cs for period p at now.
func TallyOf(cs []Case, p Period, now time.Time) *Tally {
	t := &Tally{}
	for i := range cs {
		t.Add(FactsOf(cs[i]), p, now)
	}
	return t
}

// CountsRead returns, in order, the indexes into Counts that the figures of
// keys read: those that a figure's value depends on. A reader of summed
// counts (the store's rollups) reads these alone when it answers some
// figures only. The piles read none: they come from Tally.Backlog and
// Overdue, to which COpenSettled adds (AddPileSettled), and a reader of
// them adds that itself.
//
// It is found from the definitions themselves, so that it cannot drift
// from them: from sums all different, a figure reads index i when adding
// one to i changes its value.
func CountsRead(keys ...Key) []int {
	var base Tally
	for i := range base.Counts {
		base.Counts[i] = int64(1000 + 7*i)
	}
	var out []int
	for i := range base.Counts {
		t := base
		t.Counts[i]++
		for _, d := range definitions {
			if slices.Contains(keys, d.Key) && !reflect.DeepEqual(d.value(&base), d.value(&t)) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}
