package figures

import (
	"encoding/json"
	"time"
)

// Value is one computed figure. Which fields mean something depends on Unit:
//   - count: Count;
//   - share: Count over Of;
//   - duration: Duration, over Of cases;
//   - shares: each part's Count over the common Of;
//   - counts: each part's Count, and Count their total.
type Value struct {
	Unit Unit
	// Known is false when the figure stands on no cases (a share or a time
	// over none): no figure, which is not 0% or 0 s. Counts are always known.
	Known    bool
	Count    int
	Of       int
	Duration time.Duration
	Parts    []Part
}

// Part is one part of a shares or counts figure: a region level, a card
// colour, an age bucket.
type Part struct {
	Key   string
	Count int
}

// Share returns Count/Of, and false when there is no figure.
func (v Value) Share() (float64, bool) {
	if !v.Known || v.Of == 0 {
		return 0, false
	}
	return float64(v.Count) / float64(v.Of), true
}

// Part returns the count of part k.
func (v Value) Part(k string) int {
	for _, p := range v.Parts {
		if p.Key == k {
			return p.Count
		}
	}
	return 0
}

func count(n int) Value { return Value{Unit: UnitCount, Known: true, Count: n} }

func share(num, den int) Value {
	return Value{Unit: UnitShare, Known: den > 0, Count: num, Of: den}
}

// MarshalJSON writes the figure as the API answers it: a count as
// {"count":n}; a share as {"numerator":n,"denominator":d,"share":x} with
// share null when there is no figure; a time as {"seconds":s,"cases":n},
// seconds null when none; parts as {"total":n,"parts":{…}} for counts and
// {"denominator":d,"parts":{key:{"numerator":n,"share":x}}} for shares.
func (v Value) MarshalJSON() ([]byte, error) {
	ratio := func(n, d int) any {
		if !v.Known || d == 0 {
			return nil
		}
		return float64(n) / float64(d)
	}
	switch v.Unit {
	case UnitShare:
		return json.Marshal(map[string]any{"numerator": v.Count, "denominator": v.Of, "share": ratio(v.Count, v.Of)})
	case UnitDuration:
		var secs any
		if v.Known {
			secs = int64(v.Duration / time.Second)
		}
		return json.Marshal(map[string]any{"seconds": secs, "cases": v.Of})
	case UnitShares:
		parts := map[string]any{}
		for _, p := range v.Parts {
			parts[p.Key] = map[string]any{"numerator": p.Count, "share": ratio(p.Count, v.Of)}
		}
		return json.Marshal(map[string]any{"denominator": v.Of, "parts": parts})
	case UnitCounts:
		parts := map[string]int{}
		for _, p := range v.Parts {
			parts[p.Key] = p.Count
		}
		return json.Marshal(map[string]any{"total": v.Count, "parts": parts})
	}
	return json.Marshal(map[string]any{"count": v.Count})
}

// PartValue is part k as a figure of its own: its share of the common
// denominator for a shares figure, its count for a counts figure.
func (v Value) PartValue(k string) Value {
	if v.Unit == UnitShares {
		return share(v.Part(k), v.Of)
	}
	return count(v.Part(k))
}
