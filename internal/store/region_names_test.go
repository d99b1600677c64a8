package store_test

import (
	"context"
	"maps"
	"testing"

	"anju/internal/anju"
	"anju/internal/region"
	"anju/internal/store/storetest"
)

// RegionNames names the districts and streets of the actor's city, and of
// no other.
func TestRegionNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		ctx := context.Background()
		got, err := w.db.RegionNames(ctx, w.actors["worker-a"], region.LevelDistrict, region.LevelStreet)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"330102": "第1区", "330102001": "第1街道", "330105": "第2区", "330105001": "第2街道"}
		if !maps.Equal(got, want) {
			t.Errorf("names %v, want %v", got, want)
		}
		other := &anju.Actor{Login: "x", City: "440100", Grants: []anju.Grant{{Role: anju.RoleDispatcher, Region: "440100", RegionPath: "/440100/"}}}
		if got, err := w.db.RegionNames(ctx, other, region.LevelDistrict); err != nil || len(got) != 0 {
			t.Errorf("another city's actor: %v %v", got, err)
		}
	})
}
