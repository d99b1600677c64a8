package store_test

import (
	"context"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/personal"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// reportFrom is streetLight filed with another reporter's phone, at a point.
func reportFrom(phone, title string, lat, lon float64) store.NewCase {
	nc := streetLight()
	nc.Title, nc.Reporter.Phone, nc.Lat, nc.Lon = title, phone, f(lat), f(lon)
	return nc
}

func summaryTitles(cs []store.CaseSummary) string {
	var ts []string
	for _, c := range cs {
		ts = append(ts, c.Title)
	}
	return strings.Join(ts, ",")
}

// A caller's open cases are found by the fingerprint of their phone however
// it is typed, within the looker's scope, never closed ones, never by a
// resident, and every lookup is in the audit log with the number masked.
func TestCallerCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		op := w.actors["operator"]
		file := func(nc store.NewCase) store.Case {
			c, _, err := w.db.CreateCase(ctx, op, nc, "")
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		first := file(reportFrom("13812341234", "甲一", 30.05, 120.02))
		other := file(reportFrom("13912345678", "乙一", 30.05, 120.03))
		rejected := file(reportFrom("13812341234", "甲二", 30.05, 120.02))
		w.act(t, "operator", rejected.ID, cases.ActionReject, cases.Input{Reason: "重复"})
		inB := file(reportFrom("13812341234", "甲三", 30.05, 120.12))

		got, err := w.db.CallerCases(ctx, op, "+86 138-1234-1234")
		if err != nil || summaryTitles(got) != "甲三,甲一" {
			t.Fatalf("operator's lookup: %q %v, want 甲三,甲一 (newest first, not the rejected one)", summaryTitles(got), err)
		}
		if got[1].ID != first.ID || got[1].TrackingCode != first.TrackingCode || got[1].Grid.Code != "330102001001001" {
			t.Errorf("summary %+v", got[1])
		}
		if got, err := w.db.CallerCases(ctx, w.actors["worker-a"], "13812341234"); err != nil || summaryTitles(got) != "甲一" {
			t.Errorf("worker-a sees %q %v, want only street A's 甲一", summaryTitles(got), err)
		}
		if got, err := w.db.CallerCases(ctx, w.actors["worker-b"], "13812341234"); err != nil || len(got) != 1 || got[0].ID != inB.ID {
			t.Errorf("worker-b sees %q %v, want only street B's 甲三", summaryTitles(got), err)
		}
		// A case the caller added their voice to is theirs as well.
		if _, err := w.db.Support(ctx, op, other.ID, store.Supporter{Phone: "138 1234 1234"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.db.CallerCases(ctx, op, "13812341234"); summaryTitles(got) != "甲三,乙一,甲一" {
			t.Errorf("after me too: %q, want 甲三,乙一,甲一", summaryTitles(got))
		}
		if got, err := w.db.CallerCases(ctx, op, "13700000000"); err != nil || len(got) != 0 {
			t.Errorf("another phone: %q %v", summaryTitles(got), err)
		}
		if got, err := w.db.CallerCases(ctx, op, "1381234"); err != nil || len(got) != 0 {
			t.Errorf("half a number: %q %v", summaryTitles(got), err)
		}
		for _, who := range []string{"resident", "handler-a", "auditor-city"} {
			if _, err := w.db.CallerCases(ctx, w.actors[who], "13812341234"); anju.ErrorCode(err) != anju.EFORBIDDEN {
				t.Errorf("%s looks a caller up: %v, want EFORBIDDEN", who, err)
			}
		}
		entries, err := w.db.ListAudit(ctx, system, store.AuditFilter{Action: "reporter.lookup"})
		if err != nil || len(entries) != 5 {
			t.Fatalf("audit entries: %d %v, want one per lookup of a valid number", len(entries), err)
		}
		last := entries[len(entries)-1]
		if last.Actor != "operator" || last.Object != "phone:"+personal.MaskPhone("13812341234") || strings.Contains(last.Object+last.Detail, "13812341234") {
			t.Errorf("audit entry %+v", last)
		}
	})
}

// After a key rotation a caller's earlier cases are still found: the
// rotation stores each fingerprint under the new key.
func TestCallerCasesAfterRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		k1 := personal.FormatKey("k1", personal.GenerateKey())
		old, _ := personal.ParseKeyring(k1)
		db, err := store.Open(ctx, dsn, store.Options{Keys: old})
		if err != nil {
			t.Fatal(err)
		}
		db.ImportRegions(ctx, system, storetest.SmallCity())
		op := mustUser(t, db, "operator", grantOperatorCity)
		if _, _, err := db.CreateCase(ctx, op, streetLight(), ""); err != nil {
			t.Fatal(err)
		}
		other := streetLight()
		other.Title, other.Reporter.Phone = "乙", "13912345678"
		supported, _, err := db.CreateCase(ctx, op, other, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Support(ctx, op, supported.ID, store.Supporter{Phone: streetLight().Reporter.Phone}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		both, _ := personal.ParseKeyring(personal.FormatKey("k2", personal.GenerateKey()) + "," + k1)
		db, err = store.Open(ctx, dsn, store.Options{Keys: both})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got, _ := db.CallerCases(ctx, op, streetLight().Reporter.Phone); len(got) != 0 {
			t.Fatalf("before the rotation the new key's fingerprint should not match: %v", got)
		}
		if _, err := db.RotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := db.CallerCases(ctx, op, streetLight().Reporter.Phone); err != nil || len(got) != 2 {
			t.Errorf("after rotation: %v %v, want the case reported and the case supported", got, err)
		}
		// The supporter is still known as such: pressing again counts nothing.
		if s, err := db.Support(ctx, op, supported.ID, store.Supporter{Phone: streetLight().Reporter.Phone}); err != nil || s.Added || s.Supporters != 1 {
			t.Errorf("support again after rotation: %+v %v", s, err)
		}
	})
}

func TestSearchPlaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		op := w.actors["operator"]
		got, err := w.db.SearchPlaces(ctx, op, "第1社区")
		if err != nil || len(got) != 2 || got[0].Grid.Code != "330102001001001" || got[1].Grid.Code != "330102001001002" {
			t.Fatalf("第1社区: %+v %v", got, err)
		}
		if strings.Join(got[0].Lineage, "›") != "第1区›第1街道›第1社区›第一网格" {
			t.Errorf("lineage %v", got[0].Lineage)
		}
		if got, _ := w.db.SearchPlaces(ctx, op, "第一网格"); len(got) != 2 || got[1].Grid.Code != "330105001001001" {
			t.Errorf("第一网格, one in each district: %+v", got)
		}
		if got, _ := w.db.SearchPlaces(ctx, op, "第2区 第二网格"); len(got) != 1 || got[0].Grid.Code != "330105001001002" {
			t.Errorf("two words: %+v", got)
		}
		if got, _ := w.db.SearchPlaces(ctx, w.actors["worker-b"], "第1社区"); len(got) != 0 {
			t.Errorf("worker-b finds street A's grids, where he may not file: %+v", got)
		}
		if got, _ := w.db.SearchPlaces(ctx, op, "100%_"); len(got) != 0 {
			t.Errorf("LIKE wildcards matched as such: %+v", got)
		}
		nc := streetLight()
		nc.Address = "幸福家园小区3栋门口"
		if _, _, err := w.db.CreateCase(ctx, op, nc, ""); err != nil {
			t.Fatal(err)
		}
		got, err = w.db.SearchPlaces(ctx, op, "幸福家园")
		if err != nil || len(got) != 1 || got[0].Address != nc.Address || got[0].Grid.Code != "330102001001001" || got[0].Lat == nil {
			t.Errorf("an earlier case's address: %+v %v", got, err)
		}
		if got, _ := w.db.SearchPlaces(ctx, w.actors["worker-b"], "幸福家园"); len(got) != 0 {
			t.Errorf("worker-b finds street A's address: %+v", got)
		}
		for _, q := range []string{"", "   ", strings.Repeat("区", 201)} {
			if _, err := w.db.SearchPlaces(ctx, op, q); anju.ErrorCode(err) != anju.EINVALID {
				t.Errorf("query %.10q: %v, want EINVALID", q, err)
			}
		}
	})
}

// A grid worker's open cases, nearest first from where they stand, else by
// time left; never another street's, never closed ones.
func TestOpenCasesNear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		op := w.actors["operator"]
		file := func(title string, lat, lon float64, urgent bool) store.Case {
			nc := reportFrom("13812341234", title, lat, lon)
			if urgent {
				nc.Priority = cases.PriorityUrgent
			}
			c, _, err := w.db.CreateCase(ctx, op, nc, "")
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		file("远", 30.09, 120.04, false)
		file("近", 30.051, 120.021, false)
		file("中", 30.07, 120.03, true)
		closed := file("关", 30.05, 120.02, false)
		w.act(t, "operator", closed.ID, cases.ActionReject, cases.Input{Reason: "重复"})
		file("别街", 30.05, 120.12, false)

		titles := func(ns []store.NearbyCase) string {
			var ts []string
			for _, n := range ns {
				ts = append(ts, n.Case.Title)
			}
			return strings.Join(ts, ",")
		}
		got, err := w.db.OpenCasesNear(ctx, w.actors["worker-a"], f(30.05), f(120.02))
		if err != nil || titles(got) != "近,中,远" {
			t.Fatalf("nearest first: %q %v", titles(got), err)
		}
		if d := got[0].DistanceM; d == nil || *d < 100 || *d > 200 {
			t.Errorf("distance to 近: %v, want about 145 m", d)
		}
		got, err = w.db.OpenCasesNear(ctx, w.actors["worker-a"], nil, nil)
		if err != nil || titles(got) != "中,远,近" || got[0].DistanceM != nil {
			t.Errorf("by time left (the urgent one first, then in filing order): %q %v", titles(got), err)
		}
		if got, _ := w.db.OpenCasesNear(ctx, w.actors["worker-b"], f(30.05), f(120.02)); titles(got) != "别街" {
			t.Errorf("worker-b: %q, want only his street's case", titles(got))
		}
		if got, _ := w.db.OpenCasesNear(ctx, w.actors["handler-a"], nil, nil); len(got) != 0 {
			t.Errorf("a handler has no area of his own: %q", titles(got))
		}
		if _, err := w.db.OpenCasesNear(ctx, w.actors["worker-a"], f(91), f(0)); anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("latitude 91: %v", err)
		}
	})
}
