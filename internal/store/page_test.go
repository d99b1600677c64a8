package store_test

import (
	"context"
	"math"
	"testing"

	"anju/internal/anju"

	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestFarPage asks every paged list for pages far out. A case list has no
// numbered page but the first; elsewhere a page that starts within 10,000
// rows past the end is empty; one further out, up to a number
// whose offset does not fit in an int, is refused as bad input naming the
// page (deep pages are read by key): never the first page (SQLite read a
// wrapped, negative offset as 0) nor an engine's error (PostgreSQL refuses
// a negative OFFSET). Found by FuzzAPIQuery.
func TestFarPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		if _, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), ""); err != nil {
			t.Fatal(err)
		}
		// A case list has no numbered pages past the first: it is read by key.
		for _, page := range []int{2, 200} {
			if _, err := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{Page: page, PageSize: 50}); anju.ErrorField(err) != "page" {
				t.Errorf("cases page %d: %v", page, err)
			}
		}
		for _, page := range []int{math.MaxInt, math.MaxInt / 50, math.MaxInt/200 + 1, 202} {
			if _, err := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{Page: page, PageSize: 50}); anju.ErrorField(err) != "page" {
				t.Errorf("cases page %d: %v", page, err)
			}
			if _, err := w.db.SearchCases(ctx, w.actors["dispatcher"], store.SearchQuery{Q: "路灯", Page: page, PageSize: 50}); anju.ErrorField(err) != "page" {
				t.Errorf("search page %d: %v", page, err)
			}
			if _, err := w.db.ListWarnings(ctx, w.actors["dispatcher"], store.WarningFilter{Page: page}); anju.ErrorField(err) != "page" {
				t.Errorf("warnings page %d: %v", page, err)
			}
		}
		// The first page still answers.
		if l, err := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{Page: 1}); err != nil || len(l.Cases) != 1 {
			t.Errorf("first page: %d cases, %v", len(l.Cases), err)
		}
	})
}
