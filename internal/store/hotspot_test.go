package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
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
		for i, r := range waterOutage[:4] {
			w.clock.Advance(3 * time.Hour)
			w.report(t, "0301", r[0], r[1], 30.05, 120.02+0.03*float64(i%2), phone(min(i, 2)))
		}
		for i, r := range unrelated[:2] {
			w.report(t, "0101", r[0], r[1], 30.05, 120.02, phone(20+i))
		}
		l, err := w.db.Hotspots(ctx, w.actors["supervisor"], store.HotspotFilter{Days: 30})
		if err != nil {
			t.Fatal(err)
		}
		if l.Cases != 6 || len(l.Hotspots) == 0 {
			t.Fatalf("hotspots: %+v", l)
		}
		h := l.Hotspots[0]
		if h.Count != 4 || h.Reporters != 3 || h.Place.Code != "330102001001" || h.Place.Name != "第1社区" ||
			len(h.SampleCases) != 4 || !strings.HasPrefix(h.Name, "第1社区") || h.Heat <= 0 || h.Basis != "place" || h.Group != "" {
			t.Errorf("hottest: %+v", h)
		}
		t.Logf("%s: %s count %d reporters %d heat %.2f", w.db.Engine(), h.Name, h.Count, h.Reporters, h.Heat)
		// Scope: street B sees none of it; a region filter outside the scope is 404.
		if l, _ := w.db.Hotspots(ctx, w.actors["worker-b"], store.HotspotFilter{}); l.Cases != 0 || len(l.Hotspots) != 0 {
			t.Errorf("worker-b: %+v", l)
		}
		if _, err := w.db.Hotspots(ctx, w.actors["worker-b"], store.HotspotFilter{Region: "330102"}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker-b, region of street A: %v", err)
		}
		if _, err := w.db.Hotspots(ctx, w.actors["supervisor"], store.HotspotFilter{Days: 400}); anju.ErrorField(err) != "days" {
			t.Errorf("400 days: %v", err)
		}
		if l, _ := w.db.Hotspots(ctx, w.actors["supervisor"], store.HotspotFilter{Days: 60, Region: "330102001"}); l.Cases != 7 {
			t.Errorf("60 days in street A: %d cases", l.Cases)
		}
	})
}
