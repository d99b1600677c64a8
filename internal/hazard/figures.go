package hazard

import (
	"slices"
	"time"
)

// TaskRow is what the figures read of one inspection task: its due day and,
// when done, the day it was done (see Day).
type TaskRow struct {
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

// Figures are the register's figures for an area.
type Figures struct {
	// TasksCounted are the tasks whose outcome is known on the day the
	// figures are made: done, or past their due day.
	TasksCounted int `json:"tasks_counted"`
	// DoneOnTime are those of TasksCounted done on or before their due day.
	DoneOnTime int `json:"done_on_time"`
	// OnTimeShare is DoneOnTime / TasksCounted; nil when nothing counts.
	OnTimeShare *float64 `json:"on_time_share"`
	// OpenFindings counts findings not yet closed, by risk level of their
	// hazard; every level appears.
	OpenFindings map[RiskLevel]int `json:"open_findings"`
	// Rectified counts closed findings; MedianRectifyDays is the median
	// time from a finding to the re-inspection that closed it, in days;
	// nil when none is closed.
	Rectified         int      `json:"rectified"`
	MedianRectifyDays *float64 `json:"median_rectify_days"`
}

// Compute makes the figures of tasks and findings as of day today. A task
// due today that is not done yet is not counted: there is still time.
func Compute(today time.Time, tasks []TaskRow, findings []FindingRow) Figures {
	f := Figures{OpenFindings: map[RiskLevel]int{}}
	for _, l := range RiskLevels {
		f.OpenFindings[l] = 0
	}
	for _, t := range tasks {
		switch {
		case t.Done != nil:
			f.TasksCounted++
			if !t.Done.After(t.Due) {
				f.DoneOnTime++
			}
		case t.Due.Before(today):
			f.TasksCounted++
		}
	}
	if f.TasksCounted > 0 {
		s := float64(f.DoneOnTime) / float64(f.TasksCounted)
		f.OnTimeShare = &s
	}
	var days []float64
	for _, x := range findings {
		if x.State != FindingClosed {
			f.OpenFindings[x.Risk]++
			continue
		}
		if x.ClosedAt != nil {
			days = append(days, x.ClosedAt.Sub(x.Opened).Hours()/24)
		}
	}
	f.Rectified = len(days)
	if len(days) > 0 {
		slices.Sort(days)
		m := days[len(days)/2]
		if len(days)%2 == 0 {
			m = (days[len(days)/2-1] + m) / 2
		}
		m = float64(int64(m*10+0.5)) / 10 // a tenth of a day is precision enough
		f.MedianRectifyDays = &m
	}
	return f
}
