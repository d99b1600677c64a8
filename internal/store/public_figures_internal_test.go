package store

import (
	"sync"
	"testing"
	"time"

	"anju/internal/figures"
)

// splitPublic withholds parts under the minimum and then the smallest shown
// parts until what the city's total lets one derive (the withheld parts'
// sum) stands on at least the minimum; medians get no complement.
func TestSplitPublic(t *testing.T) {
	counts := func(ns ...int) []map[figures.Key]figures.Value {
		var out []map[figures.Key]figures.Value
		for _, n := range ns {
			m := map[figures.Key]figures.Value{}
			for _, k := range PublicFigureKeys {
				m[k] = figures.Value{Unit: figures.UnitShare, Known: n > 0, Count: n / 2, Of: n}
			}
			m[figures.Received] = figures.Value{Unit: figures.UnitCount, Known: true, Count: n}
			m[figures.TimeToCloseMedian] = figures.Value{Unit: figures.UnitDuration, Known: n > 0, Of: n, Duration: time.Hour}
			out = append(out, m)
		}
		return out
	}
	city := func(total int) PublicFigureRow {
		r := PublicFigureRow{Figures: map[figures.Key]PublicFigure{}}
		for _, k := range PublicFigureKeys {
			r.Figures[k] = withhold(figures.Value{Unit: figures.UnitCount, Count: total}, total < PublicFigureMinimum)
		}
		return r
	}
	for _, tc := range []struct {
		parts  []int
		want   []Withheld // for received
		median []Withheld
	}{
		{[]int{12, 3}, []Withheld{WithheldComplement, WithheldFewer}, []Withheld{"", WithheldFewer}},
		{[]int{40, 12, 3}, []Withheld{"", WithheldComplement, WithheldFewer}, []Withheld{"", "", WithheldFewer}},
		{[]int{40, 12, 5, 5}, []Withheld{"", "", WithheldFewer, WithheldFewer}, nil}, // 5+5 = 10 derivable: no one's value
		{[]int{40, 12, 11, 4, 4}, []Withheld{"", "", WithheldComplement, WithheldFewer, WithheldFewer}, nil},
		{[]int{40, 12, 0}, []Withheld{"", WithheldComplement, WithheldFewer}, nil}, // a zero is a value too
		{[]int{40, 12, 15}, []Withheld{"", "", ""}, nil},
		{[]int{4, 3}, []Withheld{WithheldFewer, WithheldFewer}, nil}, // the city's 7 is withheld too
	} {
		total := 0
		for _, n := range tc.parts {
			total += n
		}
		rows := make([]PublicFigureRow, len(tc.parts))
		splitPublic(city(total), rows, counts(tc.parts...))
		for i, r := range rows {
			if got := r.Figures[figures.Received].Withheld; got != tc.want[i] {
				t.Errorf("%v: part %d received withheld %q, want %q", tc.parts, i, got, tc.want[i])
			}
			if got := r.Figures[figures.Satisfaction].Withheld; got != tc.want[i] {
				t.Errorf("%v: part %d share withheld %q, want %q", tc.parts, i, got, tc.want[i])
			}
			if tc.median != nil && r.Figures[figures.TimeToCloseMedian].Withheld != tc.median[i] {
				t.Errorf("%v: part %d median withheld %q, want %q", tc.parts, i, r.Figures[figures.TimeToCloseMedian].Withheld, tc.median[i])
			}
			if f := r.Figures[figures.Received]; f.Withheld != "" && (f.Value.Count != 0 || f.Value.Of != 0 || f.Value.Known) {
				t.Errorf("%v: part %d withheld but carries %+v", tc.parts, i, f.Value)
			}
		}
	}
}

// The cache counts a city's month once per PublicFigureTTL, however many
// ask, also at once; a failed count is not kept.
func TestPublicFigureCache(t *testing.T) {
	c := newPublicFigureCache()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	load := func() (*PublicFigureSet, error) {
		time.Sleep(time.Millisecond) // long enough for the others to arrive
		return &PublicFigureSet{City: "330100"}, nil
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, err := c.get("330100|2026-02", now, load); err != nil || s.City != "330100" {
				t.Errorf("get: %+v %v", s, err)
			}
		}()
	}
	wg.Wait()
	if n := c.recounts.Load(); n != 1 {
		t.Errorf("20 readers at once: %d counts, want 1", n)
	}
	c.get("330100|2026-02", now.Add(PublicFigureTTL-time.Second), load)
	if n := c.recounts.Load(); n != 1 {
		t.Errorf("within the TTL: %d counts, want 1", n)
	}
	c.get("330100|2026-02", now.Add(PublicFigureTTL), load)
	c.get("330100|2026-01", now.Add(PublicFigureTTL), load)
	if n := c.recounts.Load(); n != 3 {
		t.Errorf("after the TTL and for another month: %d counts, want 3", n)
	}
	if len(c.entries) != 2 {
		t.Errorf("%d entries kept, want 2", len(c.entries))
	}
}
