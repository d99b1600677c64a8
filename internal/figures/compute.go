package figures

import (
	"slices"
	"time"

	"anju/internal/cases"
	"anju/internal/region"
)

// The populations of Definitions, as predicates. Each figure's function
// below keeps to its definition's words; the tests hold them to it.

func (c *Case) merged() bool   { return c.State == cases.StateMerged }
func (c *Case) rejected() bool { return c.State == cases.StateRejected }

// handled: neither rejected nor a merged duplicate.
func (c *Case) handled() bool { return !c.merged() && !c.rejected() }

// accepted: decided on and taken on.
func (c *Case) accepted() bool { return c.handled() && c.State != cases.StateSubmitted }

// closed: closed now, waiting for its rating or rated.
func (c *Case) closed() bool { return c.State == cases.StateClosed || c.State == cases.StateRated }

// resolvedNow: the department's result stands (a failed verification sends
// the case back to in progress, and its old result no longer counts).
func (c *Case) resolvedNow() bool {
	switch c.State {
	case cases.StateResolved, cases.StateVerified, cases.StateClosed, cases.StateRated:
		return true
	}
	return false
}

// each calls f for every case of cs received in p.
func each(cs []Case, p Period, f func(c *Case)) {
	for i := range cs {
		if p.Contains(cs[i].CreatedAt) {
			f(&cs[i])
		}
	}
}

// shareOf counts the cases received in p that are in the population, and
// those of them that meet the numerator.
func shareOf(cs []Case, p Period, in, counts func(c *Case) bool) Value {
	num, den := 0, 0
	each(cs, p, func(c *Case) {
		if in(c) {
			den++
			if counts(c) {
				num++
			}
		}
	})
	return share(num, den)
}

func received(cs []Case, p Period, _ time.Time) Value {
	n := 0
	each(cs, p, func(*Case) { n++ })
	return count(n)
}

func acceptedShare(cs []Case, p Period, _ time.Time) Value {
	return shareOf(cs, p,
		func(c *Case) bool { return c.accepted() || c.rejected() },
		func(c *Case) bool { return c.accepted() })
}

func onTimeResponse(cs []Case, p Period, now time.Time) Value {
	return shareOf(cs, p,
		func(c *Case) bool {
			return c.handled() && (!c.RespondedAt.IsZero() || now.After(c.ResponseDue))
		},
		func(c *Case) bool { return !c.RespondedAt.IsZero() && !c.RespondedAt.After(c.ResponseDue) })
}

func onTimeResolution(cs []Case, p Period, now time.Time) Value {
	return shareOf(cs, p,
		func(c *Case) bool {
			return c.handled() && (c.resolvedNow() || c.Reopened > 0 || now.After(c.ResolutionDue))
		},
		func(c *Case) bool {
			return c.resolvedNow() && c.Reopened == 0 && !c.ResolvedAt.After(c.ResolutionDue)
		})
}

func resolutionRate(cs []Case, p Period, _ time.Time) Value {
	return shareOf(cs, p, (*Case).accepted, (*Case).closed)
}

func satisfaction(cs []Case, p Period, _ time.Time) Value {
	return shareOf(cs, p,
		func(c *Case) bool { return c.State == cases.StateRated && c.Rating.Valid() },
		func(c *Case) bool { return c.Rating == cases.RatingSatisfied || c.Rating == cases.RatingBasically })
}

func ratingRate(cs []Case, p Period, _ time.Time) Value {
	return shareOf(cs, p, (*Case).closed,
		func(c *Case) bool { return c.State == cases.StateRated && c.Rating.Valid() })
}

// levelsUp lists the region levels from the grid up, the order in which a
// matter climbs ("小事不出村、大事不出镇").
var levelsUp = []region.Level{region.LevelGrid, region.LevelCommunity, region.LevelStreet, region.LevelDistrict, region.LevelCity}

func closedAtLevel(cs []Case, p Period, _ time.Time) Value {
	v := Value{Unit: UnitShares}
	for _, l := range levelsUp {
		v.Parts = append(v.Parts, Part{Key: string(l)})
	}
	each(cs, p, func(c *Case) {
		if !c.closed() || !c.ClosedLevel.Valid() {
			return
		}
		v.Of++
		v.Parts[slices.Index(levelsUp, c.ClosedLevel)].Count++
	})
	v.Known = v.Of > 0
	return v
}

func reopenRate(cs []Case, p Period, _ time.Time) Value {
	return shareOf(cs, p,
		func(c *Case) bool { return c.closed() || c.Reopened > 0 },
		func(c *Case) bool { return c.Reopened > 0 })
}

func escalationRate(cs []Case, p Period, _ time.Time) Value {
	return shareOf(cs, p, (*Case).handled, func(c *Case) bool { return c.Escalations > 0 })
}

func cardsIssued(cs []Case, p Period, _ time.Time) Value {
	v := Value{Unit: UnitCounts, Known: true}
	for _, card := range cases.Cards {
		v.Parts = append(v.Parts, Part{Key: string(card)})
	}
	each(cs, p, func(c *Case) {
		for _, card := range c.Cards {
			if i := slices.Index(cases.Cards, card); i >= 0 {
				v.Parts[i].Count++
				v.Count++
			}
		}
	})
	return v
}

// timeToClose returns the function computing the pct-th percentile, by
// nearest rank: the ⌈pct/100·n⌉-th shortest time, a time some case really
// took rather than an interpolation between two.
func timeToClose(pct int) func([]Case, Period, time.Time) Value {
	return func(cs []Case, p Period, _ time.Time) Value {
		var took []time.Duration
		each(cs, p, func(c *Case) {
			if c.closed() && !c.ClosedAt.IsZero() {
				took = append(took, c.ClosedAt.Sub(c.CreatedAt))
			}
		})
		v := Value{Unit: UnitDuration, Of: len(took)}
		if len(took) == 0 {
			return v
		}
		slices.Sort(took)
		rank := (pct*len(took) + 99) / 100 // ⌈pct·n/100⌉, from 1
		v.Known, v.Duration = true, took[rank-1]
		return v
	}
}

// pile counts the open cases received before p ends into AgeBuckets by the
// age age returns, skipping those for which it says no.
func pile(cs []Case, p Period, age func(c *Case) (time.Duration, bool)) Value {
	v := Value{Unit: UnitCounts, Known: true}
	for _, b := range AgeBuckets {
		v.Parts = append(v.Parts, Part{Key: b.Key})
	}
	for i := range cs {
		c := &cs[i]
		if !c.State.Open() || !c.CreatedAt.Before(p.To) {
			continue
		}
		if a, ok := age(c); ok {
			v.Parts[bucketOf(a)].Count++
			v.Count++
		}
	}
	return v
}

func backlogByAge(cs []Case, p Period, now time.Time) Value {
	return pile(cs, p, func(c *Case) (time.Duration, bool) { return now.Sub(c.CreatedAt), true })
}

func overdueByAge(cs []Case, p Period, now time.Time) Value {
	return pile(cs, p, func(c *Case) (time.Duration, bool) {
		return now.Sub(c.ResolutionDue), now.After(c.ResolutionDue)
	})
}
