// Package figures defines, once, every figure Anju reports about cases: which
// cases each one counts (its population), what it counts among them (the
// numerator), what it divides by (the denominator) and, for the deadline
// figures, what counts as on time. The definitions are data (Definitions,
// quoted word for word in the README's figure table), what one case
// contributes to each (FactsOf, facts.go) and one pure function per figure
// that reads it from the contributions summed (Tally).
//
// The package does no I/O and knows nothing of scope: the caller hands it the
// cases of one filter (a region subtree, a department, a category, a kind,
// within the viewer's scope), and Compute answers for one period. Rollups,
// dashboards and the JSON API (`{"figures":{"received":…}}`, keyed by Key)
// are built on these definitions, never on a second copy of them.
//
// Edge cases, decided here for every consumer:
//   - Reports received counts every report, rejected ones and merged
//     duplicates included: each was received.
//   - Merged duplicates are counted on the case they were merged into, so they
//     leave every other population; their supervision cards still count.
//   - Rejected reports count in received and in the accepted share's
//     denominator and leave every other population.
//   - A case reopened after closing was not resolved for good: its resolution
//     is never on time, however fast the second one. Reopening restarts the
//     clocks, so a reopened case's response is judged against its first
//     response deadline (Case.ResponseDue is that one).
//   - A share or a time over no cases is no figure (Value.Known false), never
//     0% or 0 s; a count over no cases is 0.
//   - A deadline is missed by anything strictly after it (package deadline).
//     A clock still running (not yet answered, due later) is not yet judged
//     and stays out of the on-time figures until it is.
//   - Satisfaction reads only the rating the reporter gave (cases.Rating, set
//     by the rate action); a case without one is never given one.
package figures

import (
	"slices"
	"time"

	"anju/internal/cases"
	"anju/internal/region"
)

// Case is what the definitions need to know about one case. The workflow
// snapshot is embedded as it is stored (kind, state, rating, escalations,
// reopenings); the rest is the store's, in its own terms. A zero time means
// the thing has not happened.
type Case struct {
	cases.Case
	CreatedAt time.Time
	// ResponseDue is the deadline for the first contact with the reporter,
	// as set at intake; the store restarts a reopened case's clocks, and the
	// first response is still judged against the first deadline.
	ResponseDue time.Time
	// ResolutionDue is the resolution deadline in force (the store's
	// Case.Deadlines.Resolution): approved extensions included.
	ResolutionDue time.Time
	// RespondedAt is the first response: acceptance, or the first dispatch.
	RespondedAt time.Time
	// ResolvedAt is the department's latest report of a result.
	ResolvedAt time.Time
	// ClosedAt is when the case was closed; zero while open, again after a
	// reopening.
	ClosedAt time.Time
	// ClosedLevel is the level of the region of the department that resolved
	// the case, for closed cases.
	ClosedLevel region.Level
	// Cards lists every supervision card issued on the case, in order (the
	// workflow snapshot keeps only the current one).
	Cards []cases.Card
	// FirstPetition marks a petition that is the petitioner's first on its
	// matter (初信初访), as flagged at intake.
	FirstPetition bool
	// Repeated marks a petition that a later petition names as the one it
	// repeats (重信重访): the matter came back, so it was not settled at
	// first instance, whatever became of the petition itself. Anju keeps
	// no list of petitioners; the matter links the two.
	Repeated bool
}

// Period is the half-open interval [From, To) in which cases were received.
type Period struct{ From, To time.Time }

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// Key names a figure, stably: the JSON API and the message catalogue
// ("figures.<key>") use it.
type Key string

const (
	Received          Key = "received"
	AcceptedShare     Key = "accepted_share"
	OnTimeResponse    Key = "on_time_response"
	OnTimeResolution  Key = "on_time_resolution"
	ResolutionRate    Key = "resolution_rate"
	Satisfaction      Key = "satisfaction"
	RatingRate        Key = "rating_response_rate"
	ClosedAtLevel     Key = "closed_at_level"
	ReopenRate        Key = "reopen_rate"
	EscalationRate    Key = "escalation_rate"
	CardsIssued       Key = "cards_issued"
	TimeToCloseMedian Key = "time_to_close_p50"
	TimeToCloseP90    Key = "time_to_close_p90"
	BacklogByAge      Key = "backlog_by_age"
	OverdueByAge      Key = "overdue_by_age"
	// FirstPetitionSettled is 初信初访一次性化解率.
	FirstPetitionSettled Key = "first_petition_settled"
)

// Unit is what sort of number a figure is.
type Unit string

const (
	UnitCount    Unit = "count"    // how many
	UnitShare    Unit = "share"    // numerator over denominator
	UnitDuration Unit = "duration" // a time span
	UnitShares   Unit = "shares"   // one share per part, over one denominator
	UnitCounts   Unit = "counts"   // one count per part, and their total
)

// Definition is one figure, in words and as a function. Population says
// which cases of the filter the figure looks at; Numerator and Denominator
// what it counts among them (for a count, Numerator only; for a time,
// Numerator says what is measured); OnTime what meets the deadline, where
// the figure has one.
type Definition struct {
	Key         Key
	Unit        Unit
	Population  string
	Numerator   string
	Denominator string
	OnTime      string
	value       func(t *Tally) Value
}

// Populations several definitions share, in their words.
const (
	popReceived = "cases received in the period"
	popHandled  = "cases received in the period, less rejected reports and merged duplicates"
	popAccepted = "cases received in the period that were accepted: not still submitted, not rejected, not merged"
	popClosed   = "cases received in the period that are closed now (closed or rated)"
)

// definitions lists every figure in the order dashboards show them.
var definitions = []Definition{
	{Key: Received, Unit: UnitCount,
		Population: popReceived + ", whatever became of them",
		Numerator:  "the number of cases",
		value:      received},
	{Key: AcceptedShare, Unit: UnitShare,
		Population:  popReceived + " that were decided on: accepted or rejected (merged duplicates and cases still submitted are left out)",
		Numerator:   "cases accepted",
		Denominator: "cases accepted + cases rejected",
		value:       acceptedShare},
	{Key: OnTimeResponse, Unit: UnitShare,
		Population:  popHandled + ", whose first response is judged: made, or due and not made",
		Numerator:   "cases first responded to (accepted or dispatched) on time",
		Denominator: "cases in the population",
		OnTime:      "the first response at or before the first response deadline (a reopened case keeps its first response and first deadline)",
		value:       onTimeResponse},
	{Key: OnTimeResolution, Unit: UnitShare,
		Population:  popHandled + ", whose resolution is judged: resolved now, reopened, or due and not resolved",
		Numerator:   "cases resolved on time",
		Denominator: "cases in the population",
		OnTime:      "resolved now (resolved, verified, closed or rated), the latest resolution at or before the resolution deadline in force with approved extensions, and never reopened",
		value:       onTimeResolution},
	{Key: ResolutionRate, Unit: UnitShare,
		Population:  popAccepted,
		Numerator:   "cases closed now (closed or rated)",
		Denominator: "cases in the population",
		value:       resolutionRate},
	{Key: Satisfaction, Unit: UnitShare,
		Population:  popClosed + " that the reporter rated (rated state); no rating is ever inferred",
		Numerator:   "cases rated satisfied or basically satisfied",
		Denominator: "cases in the population",
		value:       satisfaction},
	{Key: RatingRate, Unit: UnitShare,
		Population:  popClosed,
		Numerator:   "cases the reporter rated",
		Denominator: "cases in the population",
		value:       ratingRate},
	{Key: ClosedAtLevel, Unit: UnitShares,
		Population:  popClosed + " whose resolving department's level is known",
		Numerator:   "for each level (grid, community, street, district, city), the cases whose resolving department sits at that level",
		Denominator: "cases in the population",
		value:       closedAtLevel},
	{Key: ReopenRate, Unit: UnitShare,
		Population:  popReceived + " that were ever closed: closed now, or reopened",
		Numerator:   "cases reopened at least once",
		Denominator: "cases in the population",
		value:       reopenRate},
	{Key: EscalationRate, Unit: UnitShare,
		Population:  popHandled,
		Numerator:   "cases escalated at least once",
		Denominator: "cases in the population",
		value:       escalationRate},
	{Key: CardsIssued, Unit: UnitCounts,
		Population: popReceived + ", merged duplicates included",
		Numerator:  "supervision cards issued on them, yellow and red, and their total",
		value:      cardsIssued},
	{Key: TimeToCloseMedian, Unit: UnitDuration,
		Population: popClosed,
		Numerator:  "the median (nearest rank: the ⌈n/2⌉-th shortest) of the time from receipt to closure, answered by the upper edge of its bucket: times are rounded up to the whole hour within the first day, to the quarter day (6 hours) within the first 7 days, to the whole day after",
		value:      timeToClose(50)},
	{Key: TimeToCloseP90, Unit: UnitDuration,
		Population: popClosed,
		Numerator:  "the 90th percentile (nearest rank: the ⌈0.9·n⌉-th shortest) of the time from receipt to closure, answered by the upper edge of its bucket: times are rounded up to the whole hour within the first day, to the quarter day (6 hours) within the first 7 days, to the whole day after",
		value:      timeToClose(90)},
	{Key: BacklogByAge, Unit: UnitCounts,
		Population: "cases open now (submitted to verified), received before the period ends: a pile, measured now",
		Numerator:  "the cases in each age bucket, age being the time since receipt, and their total",
		value:      backlogByAge},
	{Key: OverdueByAge, Unit: UnitCounts,
		Population: "cases open now, received before the period ends, whose resolution deadline in force has passed",
		Numerator:  "the cases in each bucket of time past the deadline, and their total",
		value:      overdueByAge},
	{Key: FirstPetitionSettled, Unit: UnitShare,
		Population: "petitions received in the period that are the petitioner's first on the matter (初信初访, as flagged at intake) " +
			"and were concluded at first instance: their written opinion delivered (closed now, or reopened for review)",
		Numerator: "first petitions whose petitioner neither asked for a review (复查) nor petitioned again on the matter: " +
			"closed now, never reopened, and named by no later petition as the one it repeats (重信重访)",
		Denominator: "cases in the population",
		value:       firstPetitionSettled},
}

// Definitions returns every figure's definition, in dashboard order.
func Definitions() []Definition { return slices.Clone(definitions) }

// Keys returns every figure's key, in dashboard order.
func Keys() []Key {
	out := make([]Key, len(definitions))
	for i, d := range definitions {
		out[i] = d.Key
	}
	return out
}

// Lookup returns the definition of key k.
func Lookup(k Key) (Definition, bool) {
	i := slices.IndexFunc(definitions, func(d Definition) bool { return d.Key == k })
	if i < 0 {
		return Definition{}, false
	}
	return definitions[i], true
}

// Compute computes figure d over cs for cases received in period p, as
// things stand at now.
func (d Definition) Compute(cs []Case, p Period, now time.Time) Value {
	return d.value(TallyOf(cs, p, now))
}

// Compute computes every figure over cs for period p as things stand at now.
func Compute(cs []Case, p Period, now time.Time) map[Key]Value {
	return TallyOf(cs, p, now).Values()
}

// AgeBucket is one bucket of the backlog and overdue piles: ages from the
// previous bucket's Below (inclusive) to this one's Below (exclusive); the
// last bucket has no upper bound (Below 0).
type AgeBucket struct {
	Key   string
	Below time.Duration
}

const day = 24 * time.Hour

// AgeBuckets are the age buckets, youngest first. Their edges follow the
// default deadlines: a working day to answer, fifteen working days (about
// three weeks) to resolve.
var AgeBuckets = []AgeBucket{
	{"under_1d", day},
	{"1d_to_3d", 3 * day},
	{"3d_to_7d", 7 * day},
	{"7d_to_30d", 30 * day},
	{"30d_and_over", 0},
}

// bucketOf returns the index in AgeBuckets of age.
func bucketOf(age time.Duration) int {
	for i, b := range AgeBuckets {
		if b.Below > 0 && age < b.Below {
			return i
		}
	}
	return len(AgeBuckets) - 1
}
