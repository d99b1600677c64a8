package store_test

import (
	"context"
	"errors"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestBoundHandle: the store's calls on a handle bound to a transaction
// run in it — their reads see what it wrote, the figures included — and
// are committed or rolled back with it.
func TestBoundHandle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		op, reader := w.actors["operator"], w.actors["dispatcher"]
		p := figures.Period{From: monday.AddDate(0, 0, -1), To: monday.AddDate(0, 0, 7)}
		rollback := errors.New("rolled back")
		for _, commit := range []bool{false, true} {
			var id int64
			err := w.db.InTx(ctx, func(tx *store.Tx) error {
				b := tx.Bound()
				c, _, err := b.CreateCase(ctx, op, streetLight(), "")
				if err != nil {
					return err
				}
				id = c.ID
				if _, err := b.Act(ctx, op, c.ID, cases.ActionAccept, store.ActionInput{}); err != nil {
					return err
				}
				got, err := b.GetCase(ctx, op, c.ID)
				if err != nil || got.State != cases.StateAccepted {
					t.Errorf("read through the bound handle: %v, state %s", err, got.State)
				}
				figs, _, err := b.CaseFigures(ctx, reader, store.FigureFilter{}, p)
				if err != nil || figs[figures.Received].Count != 1 || figs[figures.AcceptedShare].Count != 1 {
					t.Errorf("figures through the bound handle: %v %s", err, figuresString(figs))
				}
				if !commit {
					return rollback
				}
				return nil
			})
			if !commit {
				if !errors.Is(err, rollback) {
					t.Fatalf("rolled back: %v", err)
				}
				if _, err := w.db.GetCase(ctx, op, id); anju.ErrorCode(err) != anju.ENOTFOUND {
					t.Errorf("case %d after the rollback: %v", id, err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := w.db.GetCase(ctx, op, id); err != nil || got.State != cases.StateAccepted {
				t.Errorf("case %d after the commit: %v, state %s", id, err, got.State)
			}
		}
		got, _, err := w.db.CaseFigures(ctx, reader, store.FigureFilter{}, p)
		want, _, werr := w.db.RecountFigures(ctx, reader, store.FigureFilter{}, p)
		if err != nil || werr != nil || got[figures.Received].Count != 1 || figuresString(got) != figuresString(want) {
			t.Errorf("figures after the commit: %v %v\n got %s\nwant %s", err, werr, figuresString(got), figuresString(want))
		}
	})
}
