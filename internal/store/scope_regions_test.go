package store_test

import (
	"context"
	"slices"
	"testing"

	"anju/internal/store/storetest"
)

// TestScopeRegions lists each actor's regions down to two levels below the
// top of their reach, parents first, and nothing of another district.
func TestScopeRegions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		for who, want := range map[string][]string{
			"dispatcher": {"330100", "330102", "330102001", "330105", "330105001"},
			"worker-a":   {"330102001", "330102001001", "330102001001001", "330102001001002"},
			"handler-b":  {"330105001", "330105001001", "330105001001001", "330105001001002"},
		} {
			rs, err := w.db.ScopeRegions(context.Background(), w.actors[who], 2)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Code)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", who, got, want)
			}
		}
		if rs, err := w.db.ScopeRegions(context.Background(), nil, 2); err != nil || len(rs) != 0 {
			t.Errorf("anonymous: %v %v", rs, err)
		}
	})
}
