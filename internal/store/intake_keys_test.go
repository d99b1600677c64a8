package store_test

import (
	"context"
	"testing"

	"anju/internal/anju"
	"anju/internal/petition"
	"anju/internal/store/storetest"
)

// TestKindIntakeKeys: a dispute or petition filed twice under one
// idempotency key is filed once — the retry answers the first case and says
// it was not created — and the same key with other details (another party,
// another channel) is refused with nothing written. A key is held to the
// whole request, not to its case alone.
func TestKindIntakeKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := petitionWorld(t, dsn)
		worker, operator := w.actors["worker-a"], w.actors["operator"]

		nd := noiseDispute(2, 1200)
		first, created, err := w.db.CreateDisputeOnce(ctx, worker, nd, "d-1")
		if err != nil || !created {
			t.Fatalf("first dispute: created %v, %v", created, err)
		}
		again, created, err := w.db.CreateDisputeOnce(ctx, worker, nd, "d-1")
		if err != nil || created || again.ID != first.ID || len(again.Dispute.Parties) != 2 {
			t.Fatalf("retried dispute: id %d (first %d), created %v, %d parties, %v", again.ID, first.ID, created, len(again.Dispute.Parties), err)
		}
		other := noiseDispute(2, 1200)
		other.Dispute.Parties[1].Name = "赵六"
		if _, _, err := w.db.CreateDisputeOnce(ctx, worker, other, "d-1"); anju.ErrorCode(err) != anju.EUNPROCESSABLE {
			t.Errorf("the key with another party: %v, want EUNPROCESSABLE", err)
		}
		if n := w.countRows(t, "disputes"); n != 1 {
			t.Errorf("%d disputes stored, want 1", n)
		}
		if n := w.countRows(t, "dispute_parties"); n != 2 {
			t.Errorf("%d parties stored, want 2", n)
		}
		// Another user's key of the same name is his own.
		if _, created, err := w.db.CreateDisputeOnce(ctx, operator, nd, "d-1"); err != nil || !created {
			t.Errorf("another user's key: created %v, %v", created, err)
		}

		np := newPetition(true)
		p1, created, err := w.db.CreatePetitionOnce(ctx, operator, np, "p-1")
		if err != nil || !created {
			t.Fatalf("first petition: created %v, %v", created, err)
		}
		p2, created, err := w.db.CreatePetitionOnce(ctx, operator, np, "p-1")
		if err != nil || created || p2.ID != p1.ID || p2.Petition.Channel != petition.ChannelLetter {
			t.Fatalf("retried petition: id %d (first %d), created %v, %v", p2.ID, p1.ID, created, err)
		}
		visit := newPetition(true)
		visit.Petition.Channel = petition.ChannelVisit
		if _, _, err := w.db.CreatePetitionOnce(ctx, operator, visit, "p-1"); anju.ErrorCode(err) != anju.EUNPROCESSABLE {
			t.Errorf("the key with another channel: %v, want EUNPROCESSABLE", err)
		}
		// A plain case under a petition's key is another request too.
		if _, _, err := w.db.CreateCase(ctx, operator, np.NewCase, "p-1"); anju.ErrorCode(err) != anju.EUNPROCESSABLE {
			t.Errorf("a plain case under the petition's key: %v, want EUNPROCESSABLE", err)
		}
		if n := w.countRows(t, "petitions"); n != 1 {
			t.Errorf("%d petitions stored, want 1", n)
		}
		if n := w.countRows(t, "cases"); n != 3 {
			t.Errorf("%d cases stored, want 3 (two disputes, one petition)", n)
		}
	})
}
