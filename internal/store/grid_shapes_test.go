package store_test

import (
	"context"
	"slices"
	"testing"

	"anju/internal/anju"
	"anju/internal/store/storetest"
)

// TestGridShapes lists the grids of a subtree within the reader's reach,
// with their polygons: a street's worker asking for the city gets the
// street's grids, another district is no region, and a subtree larger than
// the limit is refused rather than read.
func TestGridShapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		ctx := context.Background()
		for _, tc := range []struct {
			who, code string
			want      []string
		}{
			{"dispatcher", "", []string{"330102001001001", "330102001001002", "330105001001001", "330105001001002"}},
			{"dispatcher", "330105", []string{"330105001001001", "330105001001002"}},
			{"dispatcher", "330102001001002", []string{"330102001001002"}},
			{"worker-a", "", []string{"330102001001001", "330102001001002"}},
			{"worker-a", "330100", []string{"330102001001001", "330102001001002"}},
			{"handler-b", "", []string{"330105001001001", "330105001001002"}},
		} {
			rs, err := w.db.GridShapes(ctx, w.actors[tc.who], tc.code, 100)
			if err != nil {
				t.Fatalf("%s %q: %v", tc.who, tc.code, err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Code)
				if r.Geometry == nil {
					t.Errorf("%s %q: grid %s without its polygon", tc.who, tc.code, r.Code)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s %q: %v, want %v", tc.who, tc.code, got, tc.want)
			}
		}
		if _, err := w.db.GridShapes(ctx, w.actors["worker-a"], "330105", 100); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("another district: %v, want ENOTFOUND", err)
		}
		if _, err := w.db.GridShapes(ctx, w.actors["dispatcher"], "", 3); anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "region" {
			t.Errorf("4 grids with a limit of 3: %v, want EINVALID on region", err)
		}
		if rs, err := w.db.GridShapes(ctx, w.actors["dispatcher"], "", 4); err != nil || len(rs) != 4 {
			t.Errorf("4 grids with a limit of 4: %d %v", len(rs), err)
		}
		if _, err := w.db.GridShapes(ctx, nil, "", 4); anju.ErrorCode(err) != anju.EUNAUTHORIZED {
			t.Errorf("no actor: %v", err)
		}
	})
}
