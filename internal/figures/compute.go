package figures

import (
	"slices"
	"time"

	"anju/internal/cases"
	"anju/internal/region"
)

// The populations of Definitions, as predicates over one case; FactsOf
// applies them, and the functions below read the sums. Each keeps to its
// definition's words; the tests hold them to it.

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

func (t *Tally) n(k Counter) int { return int(t.Counts[k]) }

// shareOf is the share of counter num over its population's counter den.
func shareOf(num, den Counter) func(*Tally) Value {
	return func(t *Tally) Value { return share(t.n(num), t.n(den)) }
}

func received(t *Tally) Value { return count(t.n(CReceived)) }

var (
	acceptedShare    = shareOf(CAccepted, CDecided)
	onTimeResponse   = shareOf(CResponseOnTime, CResponseJudged)
	onTimeResolution = shareOf(CResolutionOnTime, CResolutionJudged)
	resolutionRate   = shareOf(CClosed, CAccepted)
	satisfaction     = shareOf(CSatisfied, CRated)
	ratingRate       = shareOf(CRated, CClosed)
	reopenRate       = shareOf(CReopened, CEverClosed)
	escalationRate   = shareOf(CEscalated, CHandled)
	// firstPetitionSettled is 初信初访一次性化解率.
	firstPetitionSettled = shareOf(CFirstSettled, CFirstConcluded)
)

// levelsUp lists the region levels from the grid up, the order in which a
// matter climbs ("小事不出村、大事不出镇").
var levelsUp = []region.Level{region.LevelGrid, region.LevelCommunity, region.LevelStreet, region.LevelDistrict, region.LevelCity}

func closedAtLevel(t *Tally) Value {
	v := Value{Unit: UnitShares}
	for i, l := range levelsUp {
		n := t.n(levelCounters[i])
		v.Parts = append(v.Parts, Part{Key: string(l), Count: n})
		v.Of += n
	}
	v.Known = v.Of > 0
	return v
}

func cardsIssued(t *Tally) Value {
	v := Value{Unit: UnitCounts, Known: true}
	for i, card := range cases.Cards {
		n := int(t.Counts[int(NumCounters)+i])
		v.Parts = append(v.Parts, Part{Key: string(card), Count: n})
		v.Count += n
	}
	return v
}

// timeToClose returns the function computing the pct-th percentile, by
// nearest rank: the bucket (CloseBucket) of the ⌈pct/100·n⌉-th shortest
// time, answered by its upper edge.
func timeToClose(pct int) func(*Tally) Value {
	return func(t *Tally) Value {
		n := 0
		hours := make([]int64, 0, len(t.CloseHours))
		for h, c := range t.CloseHours {
			n += int(c)
			hours = append(hours, h)
		}
		v := Value{Unit: UnitDuration, Of: n}
		if n == 0 {
			return v
		}
		slices.Sort(hours)
		rank := (pct*n + 99) / 100 // ⌈pct·n/100⌉, from 1
		seen := 0
		for _, h := range hours {
			seen += int(t.CloseHours[h])
			if seen >= rank {
				v.Known, v.Duration = true, time.Duration(h)*time.Hour
				break
			}
		}
		return v
	}
}

func pileOf(counts [5]int64) Value {
	v := Value{Unit: UnitCounts, Known: true}
	for i, b := range AgeBuckets {
		v.Parts = append(v.Parts, Part{Key: b.Key, Count: int(counts[i])})
		v.Count += int(counts[i])
	}
	return v
}

func backlogByAge(t *Tally) Value { return pileOf(t.Backlog) }
func overdueByAge(t *Tally) Value { return pileOf(t.Overdue) }
