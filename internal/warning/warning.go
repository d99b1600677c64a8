// Package warning holds the rules of early warnings (预警): when a surge, a
// cluster of similar reports, a case reopened again and again or a
// department's pile of overdue cases is worth raising, what window a warning
// belongs to and how it is titled, and who may acknowledge it. It does no I/O: the store counts cases and
// gathers candidates, calls these functions, and stores, notifies and audits
// what they keep (see store.DetectWarnings).
//
// Warnings are about issues, places and departments only (DESIGN.md,
// principle 2): no rule here names, scores or counts a person. Reporters
// enter the cluster rule only as opaque keys to be counted.
package warning

import (
	"fmt"
	"slices"
	"time"
)

// Kind names what a warning is about.
type Kind string

const (
	// KindSurge: a category (leaf or group) city-wide, or a street across all
	// categories, took more cases in the last day or week than its seasonal
	// baseline allows (see Surges).
	KindSurge Kind = "surge"
	// KindCluster: similar reports from several people in one street within a
	// few hours, possibly a collective issue (see Clusters).
	KindCluster Kind = "cluster"
	// KindReopened: a case reopened again and again, a long-standing "骨头案"
	// (see ReopenedEnough).
	KindReopened Kind = "reopened"
	// KindOverdue: a department with a pile of overdue working cases (see
	// OverduePile).
	KindOverdue Kind = "overdue_pile"
	// KindLargeDispute: a dispute involving many people or a large sum, for
	// the street and the district to know of early (see LargeDispute). It is
	// about the dispute: its type, size and place, never its parties.
	KindLargeDispute Kind = "large_dispute"
)

// Kinds lists every kind.
var Kinds = []Kind{KindSurge, KindCluster, KindReopened, KindOverdue, KindLargeDispute}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Policy says when warnings are raised. Zero fields take the values of
// Default (see WithDefaults), except MinInterval.
type Policy struct {
	// MinInterval is the least time between two detections in one process;
	// the scheduler detects every pass, and surge detection reads weeks of
	// cases. Zero runs every call.
	MinInterval time.Duration

	SurgeWeeks   int     // baseline weeks (8)
	SurgeSigma   float64 // standard deviations above the mean (3)
	SurgeMinDay  int     // least cases in a day for a surge (10)
	SurgeMinWeek int     // least cases in a week for a surge (30)

	ClusterMin    int           // reports and distinct reporters (5)
	ClusterWindow time.Duration // within this time (6 h)
	ClusterText   float64       // text similarity that links two reports (0.2)

	ReopenMin      int           // reopenings (2)
	ReopenLookback time.Duration // cases reopened within this time are checked (30 days)

	OverdueMin      int     // overdue working cases in one department (10)
	OverdueShare    float64 // or this share of its working cases (0.5) …
	OverdueShareMin int     // … when at least this many are overdue (5)

	LargeDisputePeople int   // people involved that make a dispute large (10)
	LargeDisputeAmount int64 // or the amount at stake, in yuan (100 000)
}

// Default is the policy the scheduler uses.
var Default = Policy{MinInterval: 5 * time.Minute, SurgeWeeks: 8, SurgeSigma: 3, SurgeMinDay: 10,
	SurgeMinWeek: 30, ClusterMin: 5, ClusterWindow: 6 * time.Hour, ClusterText: 0.2, ReopenMin: 2, ReopenLookback: 30 * 24 * time.Hour,
	OverdueMin: 10, OverdueShare: 0.5, OverdueShareMin: 5, LargeDisputePeople: 10, LargeDisputeAmount: 100000}

// WithDefaults returns p with every zero or negative field but MinInterval
// set from Default. The rules of this package apply it themselves, so a
// policy that sets only the thresholds it cares about means the same
// everywhere.
func (p Policy) WithDefaults() Policy {
	d := Default
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setFloat := func(v *float64, def float64) {
		if *v <= 0 {
			*v = def
		}
	}
	setDuration := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt(&p.SurgeWeeks, d.SurgeWeeks)
	setFloat(&p.SurgeSigma, d.SurgeSigma)
	setInt(&p.SurgeMinDay, d.SurgeMinDay)
	setInt(&p.SurgeMinWeek, d.SurgeMinWeek)
	setInt(&p.ClusterMin, d.ClusterMin)
	setDuration(&p.ClusterWindow, d.ClusterWindow)
	setFloat(&p.ClusterText, d.ClusterText)
	setInt(&p.ReopenMin, d.ReopenMin)
	setDuration(&p.ReopenLookback, d.ReopenLookback)
	setInt(&p.OverdueMin, d.OverdueMin)
	setFloat(&p.OverdueShare, d.OverdueShare)
	setInt(&p.OverdueShareMin, d.OverdueShareMin)
	setInt(&p.LargeDisputePeople, d.LargeDisputePeople)
	if p.LargeDisputeAmount <= 0 {
		p.LargeDisputeAmount = d.LargeDisputeAmount
	}
	return p
}

// DetectNow reports whether a detection at now is due, the last one in
// this process having run at last (zero: none yet): always without a
// MinInterval, else once MinInterval has passed since last, and again when
// the clock went back.
func (p Policy) DetectNow(last, now time.Time) bool {
	return p.MinInterval <= 0 || last.IsZero() || now.Sub(last) >= p.MinInterval || !now.After(last)
}

// DayWindow is the window key of a warning raised once a day: the date of t
// in loc (the city's zone), "2006-01-02".
func DayWindow(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }

// WeekWindow is the window key of a warning raised once a week: the ISO
// week of t in loc, "2006-W01".
func WeekWindow(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}
