package store_test

import (
	"context"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// A queue of closed cases cannot be listed by time left: it is refused
// rather than shown empty.
func TestQueueWithoutTimeLeft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w, ids := queueWorld(t, dsn)
		op := w.actors["operator"]
		_, err := w.db.ListCases(context.Background(), op, store.CaseFilter{Queue: cases.QueueAwaitingRating, Order: cases.OrderTimeLeft})
		if anju.ErrorField(err) != "order" {
			t.Errorf("awaiting rating by time left: %v", err)
		}
		l, err := w.db.ListCases(context.Background(), op, store.CaseFilter{Queue: cases.QueueAwaitingRating, Order: cases.OrderNewest})
		if err != nil || len(l.Cases) != 1 || l.Cases[0].ID != ids[5] {
			t.Errorf("awaiting rating newest first: %v %v", l.Cases, err)
		}
	})
}
