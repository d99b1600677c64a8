package store_test

import (
	"context"
	"math"
	"testing"

	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestFarPage asks every paged list for a page number whose offset does not
// fit in an int: the answer is an empty page past the end, not the first page
// (SQLite reads a wrapped, negative offset as 0) nor an error (PostgreSQL
// refuses a negative OFFSET). Found by FuzzAPIQuery.
func TestFarPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		if _, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), ""); err != nil {
			t.Fatal(err)
		}
		for _, page := range []int{math.MaxInt, math.MaxInt / 50, math.MaxInt/200 + 1} {
			l, err := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{Page: page, PageSize: 50})
			if err != nil || len(l.Cases) != 0 || l.HasMore {
				t.Errorf("cases page %d: %d cases, has_more %v, %v", page, len(l.Cases), l.HasMore, err)
			}
			s, err := w.db.SearchCases(ctx, w.actors["dispatcher"], store.SearchQuery{Q: "路灯", Page: page, PageSize: 200})
			if err != nil || len(s.Hits) != 0 || s.HasMore {
				t.Errorf("search page %d: %d hits, has_more %v, %v", page, len(s.Hits), s.HasMore, err)
			}
			wl, err := w.db.ListWarnings(ctx, w.actors["dispatcher"], store.WarningFilter{Page: page})
			if err != nil || len(wl.Warnings) != 0 {
				t.Errorf("warnings page %d: %d warnings, %v", page, len(wl.Warnings), err)
			}
		}
		// The first page still answers.
		if l, err := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{Page: 1}); err != nil || len(l.Cases) != 1 {
			t.Errorf("first page: %d cases, %v", len(l.Cases), err)
		}
	})
}
