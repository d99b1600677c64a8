package store_test

import (
	"context"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/region"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestIndexFollowsOtherProcess: a second handle (standing for the CLI or
// another server) imports new grids; the first handle's spatial index picks
// them up at its next recheck without a restart.
func TestIndexFollowsOtherProcess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		opts := store.Options{IndexRecheck: 10 * time.Millisecond}
		server, err := store.Open(ctx, dsn, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer server.Close()
		var withoutB []region.Region
		for _, r := range storetest.SmallCity() {
			if r.Level != region.LevelGrid || r.Parent != "330105001001" {
				withoutB = append(withoutB, r)
			}
		}
		if _, err := server.ImportRegions(ctx, system, withoutB); err != nil {
			t.Fatal(err)
		}
		if _, err := server.Locate(ctx, system, 120.17, 30.05); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Fatalf("before the import: %v", err)
		}
		cli, err := store.Open(ctx, dsn, opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cli.ImportRegions(ctx, system, storetest.SmallCity()); err != nil {
			t.Fatal(err)
		}
		cli.Close()
		time.Sleep(20 * time.Millisecond) // one recheck interval, not a timing assertion
		loc, err := server.Locate(ctx, system, 120.17, 30.05)
		if err != nil || loc.Grid.Code != "330105001001002" {
			t.Fatalf("after the other handle's import: %+v %v", loc.Grid, err)
		}
	})
}
