package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

func TestHotspots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		// An old report, outside the period.
		w.report(t, "0301", waterOutage[0][0], waterOutage[0][1], 30.05, 120.02, phone(9))
		w.clock.Advance(40 * 24 * time.Hour)
		// Four reports of the outage in street A's community by three people
		// (one writes twice), and two unrelated ones.
		var outage []int64
		for i, r := range waterOutage[:4] {
			w.clock.Advance(3 * time.Hour)
			outage = append(outage, w.report(t, "0301", r[0], r[1], 30.05, 120.02+0.03*float64(i%2), phone(min(i, 2))).ID)
		}
		for i, r := range unrelated[:2] {
			w.report(t, "0101", r[0], r[1], 30.05, 120.02, phone(20+i))
		}
		if n, err := w.db.RefreshHotspots(ctx, store.HotspotsEvery); err != nil || n != 1 {
			t.Fatalf("the scheduler's step: %d %v", n, err)
		}
		supervisor := w.actors["supervisor"]
		l, err := w.db.Hotspots(ctx, supervisor, store.HotspotFilter{Days: 30})
		if err != nil {
			t.Fatal(err)
		}
		if l.Cases != 6 || len(l.Hotspots) == 0 || !l.ComputedAt.Equal(w.clock.Now()) {
			t.Fatalf("hotspots: %+v", l)
		}
		h := l.Hotspots[0]
		if h.Count != 4 || h.Reporters != 3 || h.Place.Code != "330102001001" || h.Place.Name != "第1社区" ||
			len(h.SampleCases) != 4 || !strings.HasPrefix(h.Name, "第1社区") || h.Heat <= 0 || h.Basis != "place" || h.Group != "" {
			t.Errorf("hottest: %+v", h)
		}
		t.Logf("%s: %s count %d reporters %d heat %.2f", w.db.Engine(), h.Name, h.Count, h.Reporters, h.Heat)
		sameAsOnRead(t, w.db, supervisor, l, 30)

		// Scope: street B sees none of it; a region filter outside the scope
		// is 404; street A's worker sees its community's hotspot; the
		// handler of street A's office sees it once all its reports are his.
		if l, _ := w.db.Hotspots(ctx, w.actors["worker-b"], store.HotspotFilter{}); len(l.Hotspots) != 0 {
			t.Errorf("worker-b: %+v", l)
		}
		if _, err := w.db.Hotspots(ctx, w.actors["worker-b"], store.HotspotFilter{Region: "330102"}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker-b, region of street A: %v", err)
		}
		if l, _ := w.db.Hotspots(ctx, w.actors["worker-a"], store.HotspotFilter{}); len(l.Hotspots) != 1 || l.Hotspots[0].Count != 4 {
			t.Errorf("worker-a: %+v", l)
		}
		if l, _ := w.db.Hotspots(ctx, supervisor, store.HotspotFilter{Region: "330105"}); len(l.Hotspots) != 0 {
			t.Errorf("supervisor, district B: %+v", l)
		}
		for _, login := range []string{"handler-a", "resident"} {
			if l, _ := w.db.Hotspots(ctx, w.actors[login], store.HotspotFilter{}); len(l.Hotspots) != 0 {
				t.Errorf("%s before dispatch: %+v", login, l)
			}
		}
		if _, err := w.db.Hotspots(ctx, supervisor, store.HotspotFilter{Days: 400}); anju.ErrorField(err) != "days" {
			t.Errorf("400 days: %v", err)
		}
		if _, err := w.db.Hotspots(ctx, supervisor, store.HotspotFilter{Since: w.clock.Now().Add(time.Hour)}); anju.ErrorField(err) != "since" {
			t.Errorf("since in the future: %v", err)
		}

		// Nothing is due again before HotspotsEvery.
		stored, err := w.db.StoredHotspots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := w.db.RefreshHotspots(ctx, store.HotspotsEvery); err != nil || n != 0 {
			t.Errorf("a second pass at once: %d %v", n, err)
		}
		for _, id := range outage {
			w.act(t, "operator", id, cases.ActionAccept, cases.Input{})
			w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-office"})
		}
		// A period asked for the first time is found on the read, and read
		// from the table after.
		since := w.clock.Now().Add(-50 * 24 * time.Hour)
		for range 2 {
			if l, err := w.db.Hotspots(ctx, supervisor, store.HotspotFilter{Since: since}); err != nil || l.Cases != 7 || !l.From.Equal(since) {
				t.Errorf("since 50 days ago: %+v %v", l, err)
			}
		}

		// Later, the step finds both periods again: it replaces their
		// hotspots, and the dispatched outage is now handler-a's.
		w.clock.Advance(store.HotspotsEvery + time.Minute)
		w.report(t, "0301", waterOutage[4][0], waterOutage[4][1], 30.05, 120.02, phone(3))
		if n, err := w.db.RefreshHotspots(ctx, store.HotspotsEvery); err != nil || n != 2 {
			t.Fatalf("the step after %s: %d %v", store.HotspotsEvery, n, err)
		}
		l, err = w.db.Hotspots(ctx, supervisor, store.HotspotFilter{Days: 30})
		if err != nil || l.Hotspots[0].Count != 5 {
			t.Fatalf("after a fifth report: %+v %v", l, err)
		}
		sameAsOnRead(t, w.db, supervisor, l, 30)
		again, err := w.db.StoredHotspots(ctx)
		if err != nil {
			t.Fatal(err)
		}
		long, _ := w.db.Hotspots(ctx, supervisor, store.HotspotFilter{Since: since, Top: 100})
		if again != len(l.Hotspots)+len(long.Hotspots) || stored != len(l.Hotspots) {
			t.Errorf("stored hotspots %d then %d; the two periods have %d and %d", stored, again, len(l.Hotspots), len(long.Hotspots))
		}
		if l, _ := w.db.Hotspots(ctx, w.actors["handler-a"], store.HotspotFilter{}); len(l.Hotspots) != 0 {
			t.Errorf("handler-a: the fifth report is not dispatched, yet he sees %+v", l)
		}
	})
}

// TestHotspotsDepartment: a department's handler sees a hotspot whose
// reports all lie with his department, and no other.
func TestHotspotsDepartment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		var ids []int64
		for i, r := range waterOutage[:4] {
			w.clock.Advance(3 * time.Hour)
			ids = append(ids, w.report(t, "0301", r[0], r[1], 30.05, 120.02, phone(i)).ID)
		}
		for _, id := range ids[:3] {
			w.act(t, "operator", id, cases.ActionAccept, cases.Input{})
			w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-office"})
		}
		if _, err := w.db.RefreshHotspots(ctx, store.HotspotsEvery); err != nil {
			t.Fatal(err)
		}
		if l, _ := w.db.Hotspots(ctx, w.actors["handler-a"], store.HotspotFilter{}); len(l.Hotspots) != 0 {
			t.Errorf("handler-a, one report not his: %+v", l)
		}
		w.act(t, "operator", ids[3], cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", ids[3], cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.clock.Advance(store.HotspotsEvery)
		if _, err := w.db.RefreshHotspots(ctx, store.HotspotsEvery); err != nil {
			t.Fatal(err)
		}
		if l, _ := w.db.Hotspots(ctx, w.actors["handler-a"], store.HotspotFilter{}); len(l.Hotspots) != 1 || l.Hotspots[0].Count != 4 {
			t.Errorf("handler-a, all four his: %+v", l)
		}
		if l, _ := w.db.Hotspots(ctx, w.actors["handler-b"], store.HotspotFilter{}); len(l.Hotspots) != 0 {
			t.Errorf("handler-b: %+v", l)
		}
	})
}

// sameAsOnRead checks that l, read from the stored hotspots, is what the
// computation on every read gave for the same actor and data.
func sameAsOnRead(t *testing.T, db *store.DB, a *anju.Actor, l store.HotspotList, days int) {
	t.Helper()
	want, err := db.HotspotsOnRead(context.Background(), a, days, 20)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(l)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("stored hotspots differ from those found on read:\n got %s\nwant %s", got, exp)
	}
}
