package hazard

import (
	"slices"
	"time"
)

// TaskRow is what the figures read of one inspection task: its hazard's risk
// level, its due day and, when done, the day it was done (see Day).
type TaskRow struct {
	Risk RiskLevel
	Due  time.Time
	Done *time.Time
}

// FindingRow is what the figures read of one finding.
type FindingRow struct {
	Risk     RiskLevel
	State    FindingState
	Opened   time.Time
	ClosedAt *time.Time
}

// Counts are the figures of one risk level, or of all together.
type Counts struct {
	// TasksCounted are the tasks whose outcome is known on the day the
	// figures are made: done, or past their due day (Counted).
	TasksCounted int `json:"tasks_counted"`
	// DoneOnTime are those of TasksCounted done on or before their due day
	// (OnTime).
	DoneOnTime int `json:"done_on_time"`
	// OnTimeShare is DoneOnTime / TasksCounted; nil when nothing counts.
	OnTimeShare *float64 `json:"on_time_share"`
	// Open counts the findings not yet closed.
	Open int `json:"open"`
	// Rectified counts closed findings; MedianRectifyDays is the median
	// time from a finding to the re-inspection that closed it, in days to
	// a tenth; nil when none is closed.
	Rectified         int      `json:"rectified"`
	MedianRectifyDays *float64 `json:"median_rectify_days"`
}

// RiskCounts are the Counts of one risk level.
type RiskCounts struct {
	RiskLevel RiskLevel `json:"risk_level"`
	Counts
}

// Figures are the register's figures for an area: over all its hazards,
// and by risk level, the gravest first (every level appears).
type Figures struct {
	Counts
	// OpenFindings counts findings not yet closed, by risk level of their
	// hazard; every level appears.
	OpenFindings map[RiskLevel]int `json:"open_findings"`
	ByRisk       []RiskCounts      `json:"by_risk_level"`
}

// Counted reports whether a task due on due, done on done (nil: not done),
// counts in the on-time figure on day today: a task due today that is not
// done yet is not counted, there is still time. The store's lists behind
// the figure (store.InspectionFilter's outcome) select the same tasks.
func Counted(due time.Time, done *time.Time, today time.Time) bool {
	return done != nil || due.Before(today)
}

// OnTime reports whether a task due on due was done on or before that day.
func OnTime(due time.Time, done *time.Time) bool { return done != nil && !done.After(due) }

// Compute makes the figures of tasks and findings as of day today. Which
// tasks and findings count (a period, a region) is the caller's choice:
// the store passes the tasks due in a period, the findings open now and
// those closed in the period.
func Compute(today time.Time, tasks []TaskRow, findings []FindingRow) Figures {
	all := &Counts{}
	by := map[RiskLevel]*Counts{}
	for _, l := range RiskLevels {
		by[l] = &Counts{}
	}
	level := func(l RiskLevel) *Counts {
		if c, ok := by[l]; ok {
			return c
		}
		return &Counts{} // a level no longer known counts in the total only
	}
	for _, t := range tasks {
		if !Counted(t.Due, t.Done, today) {
			continue
		}
		on := OnTime(t.Due, t.Done)
		for _, c := range []*Counts{all, level(t.Risk)} {
			c.TasksCounted++
			if on {
				c.DoneOnTime++
			}
		}
	}
	days := map[*Counts][]float64{}
	for _, x := range findings {
		for _, c := range []*Counts{all, level(x.Risk)} {
			switch {
			case x.State != FindingClosed:
				c.Open++
			case x.ClosedAt != nil:
				days[c] = append(days[c], x.ClosedAt.Sub(x.Opened).Hours()/24)
			}
		}
	}
	finish := func(c *Counts) {
		if c.TasksCounted > 0 {
			s := float64(c.DoneOnTime) / float64(c.TasksCounted)
			c.OnTimeShare = &s
		}
		c.Rectified = len(days[c])
		c.MedianRectifyDays = median(days[c])
	}
	finish(all)
	f := Figures{Counts: *all, OpenFindings: map[RiskLevel]int{}}
	for _, l := range RiskLevels {
		finish(by[l])
		f.OpenFindings[l] = by[l].Open
		f.ByRisk = append(f.ByRisk, RiskCounts{RiskLevel: l, Counts: *by[l]})
	}
	return f
}

// median is the median of days to a tenth of a day, which is precision
// enough; nil for none.
func median(days []float64) *float64 {
	if len(days) == 0 {
		return nil
	}
	days = slices.Clone(days)
	slices.Sort(days)
	m := days[len(days)/2]
	if len(days)%2 == 0 {
		m = (days[len(days)/2-1] + m) / 2
	}
	m = float64(int64(m*10+0.5)) / 10
	return &m
}
