package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store/storetest"
)

// TestSpansOf: a period is read as whole months and the days around them;
// summed, a month cut by the period is its month row less the days outside
// it where that reads fewer rows (none exist after today), and never when
// read by day.
func TestSpansOf(t *testing.T) {
	day := func(y int, m time.Month, d int) int64 {
		return chinaDay(time.Date(y, m, d, 0, 0, 0, 0, httpx.ChinaTime))
	}
	today := day(2026, 12, 4)
	for _, tc := range []struct {
		name               string
		d0, d1             int64
		months, complement bool
		want               []rollupSpan
	}{
		{"days alone", day(2026, 11, 5), day(2026, 12, 5), false, true,
			[]rollupSpan{{grainDay, day(2026, 11, 5), day(2026, 12, 5), 1}}},
		{"30 days to today, by day", day(2026, 11, 5), day(2026, 12, 5), true, false,
			[]rollupSpan{{grainDay, day(2026, 11, 5), day(2026, 12, 5), 1}}},
		{"30 days to today, summed", day(2026, 11, 5), day(2026, 12, 5), true, true,
			[]rollupSpan{{grainMonth, day(2026, 11, 1), day(2027, 1, 1), 1}, {grainDay, day(2026, 11, 1), day(2026, 11, 5), -1},
				{grainDay, day(2026, 12, 5), day(2027, 1, 1), -1}}},
		{"a year to today, by day", day(2025, 12, 5), day(2026, 12, 5), true, false,
			[]rollupSpan{{grainDay, day(2025, 12, 5), day(2026, 1, 1), 1}, {grainMonth, day(2026, 1, 1), day(2026, 12, 1), 1},
				{grainDay, day(2026, 12, 1), day(2026, 12, 5), 1}}},
		{"a year to today, summed", day(2025, 12, 5), day(2026, 12, 5), true, true,
			[]rollupSpan{{grainMonth, day(2025, 12, 1), day(2027, 1, 1), 1}, {grainDay, day(2025, 12, 1), day(2025, 12, 5), -1},
				{grainDay, day(2026, 12, 5), day(2027, 1, 1), -1}}},
		{"late in a past month, summed: its days", day(2026, 6, 25), day(2026, 7, 1), true, true,
			[]rollupSpan{{grainDay, day(2026, 6, 25), day(2026, 7, 1), 1}}},
		{"whole months", day(2026, 3, 1), day(2026, 5, 1), true, true,
			[]rollupSpan{{grainMonth, day(2026, 3, 1), day(2026, 5, 1), 1}}},
		{"the history before a period", 0, day(2026, 11, 5), true, true,
			[]rollupSpan{{grainMonth, 0, day(2026, 11, 1), 1}, {grainDay, day(2026, 11, 1), day(2026, 11, 5), 1}}},
	} {
		if got := spansOf(tc.d0, tc.d1, tc.months, tc.complement, today); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPairRegion: a case counts in its street's pair rows, in its
// district's when its path has no street, and in none at the city.
func TestPairRegion(t *testing.T) {
	for path, want := range map[string]string{
		"/330100/330102/330102001/330102001001/330102001001002/": "330102001",
		"/330100/330102/330102001/":                              "330102001",
		"/330100/330102/":                                        "330102",
		"/330100/":                                               "",
	} {
		if got := pairRegion(splitPath(path)); got != want {
			t.Errorf("pairRegion(%s) = %q, want %q", path, got, want)
		}
	}
}

// TestCountPairRollupsOnlyListed: a count of a city's pair rows runs while
// figure_pairs_uncounted lists the city, checked under the count's lock,
// so that a second server starting beside the first does not count it
// again; and counts what the writes keep.
func TestCountPairRollupsOnlyListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, _ := smallCityWithDispatcher(t, dsn)
		lat, lon := 30.05, 120.02
		nc := NewCase{Title: "路灯不亮", Text: "小区门口的路灯坏了三天", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "张三", "13812341234"
		if _, _, err := db.CreateCase(ctx, anju.SystemActor("test"), nc, ""); err != nil {
			t.Fatal(err)
		}
		pairRows := func() (n int) {
			t.Helper()
			if err := db.queryRow(ctx, `SELECT COUNT(*) FROM figure_rollups WHERE city = ? AND dim IN (?, ?, ?) AND received <> 0`,
				"330100", dimDepartmentCategory, dimRegionCategory, dimRegionDepartment).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		kept := pairRows()
		if kept != 6 { // 3 pairs, by day and by month
			t.Fatalf("%d pair rows count the case, want 6", kept)
		}
		if n, counted, err := db.countPairRollups(ctx, "330100"); err != nil || counted || n != 0 {
			t.Errorf("a city not listed: counted %d (%v), %v", n, counted, err)
		}
		if _, err := db.exec(ctx, `INSERT INTO figure_pairs_uncounted (city) VALUES (?)`, "330100"); err != nil {
			t.Fatal(err)
		}
		if n, counted, err := db.countPairRollups(ctx, "330100"); err != nil || !counted || n != 1 {
			t.Errorf("a city listed: counted %d (%v), %v", n, counted, err)
		}
		if listed, err := pairsUncounted(ctx, db, "330100"); err != nil || listed {
			t.Errorf("still listed after its count: %v, %v", listed, err)
		}
		if got := pairRows(); got != kept {
			t.Errorf("%d pair rows after the count, %d before", got, kept)
		}
	})
}
