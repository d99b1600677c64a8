package export

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"anju/internal/memtest"
)

// millionRows yields n rows like a case list's: codes, Chinese titles,
// numbers and times, each built afresh as a store's page would be.
func millionRows(n int) Rows {
	return func(yield func([]any) error) error {
		start := time.Date(2026, 1, 1, 8, 0, 0, 0, shanghai)
		row := make([]any, len(header))
		for i := range n {
			row[0] = fmt.Sprintf("A%011d", i)
			row[1] = fmt.Sprintf("第%d号：小区门口路灯坏了，晚上很黑", i)
			row[2] = float64(i%50) / 10
			row[3] = i
			row[4] = start.Add(time.Duration(i) * time.Minute)
			row[5] = "西湖区 · 北山街道"
			if err := yield(row); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestExportMemory streams a million rows through the CSV and XLSX writers
// and checks that the heap stays bounded: what the writers hold does not
// grow with the rows. The CSV writer holds one row and a 4 KB buffer; the
// XLSX writer holds excelize's 16 MB chunk of sheet XML (a bytes.Buffer,
// which may double to 32 MB before it spills to the temporary file) and
// 100 sample rows. Holding the rows — a million of them take some 300 MB —
// would fail either bound many times over. The figures are logged
// (go test -tags ne -v -run TestExportMemory ./internal/export).
func TestExportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a million rows")
	}
	const n = 1_000_000
	defer debug.SetGCPercent(debug.SetGCPercent(10)) // the heap then tracks what is live
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // excelize's sheet file, removed with the test
	for _, c := range []struct {
		f     Format
		bound int64
	}{
		{CSV, 8 << 20},
		{XLSX, 64 << 20},
	} {
		var rows int
		var err error
		var size countWriter
		began := time.Now()
		grew := memtest.HeapPeak(func() { rows, err = Stream(&size, c.f, header, millionRows(n)) })
		if err != nil || rows != n {
			t.Fatalf("%s: %d rows, %v", c.f, rows, err)
		}
		left, _ := filepath.Glob(filepath.Join(tmp, "*"))
		t.Logf("%s: %d rows, %.1f MB written in %.1f s; heap in use peaked %.1f MB above the start",
			c.f, n, float64(size)/(1<<20), time.Since(began).Seconds(), float64(grew)/(1<<20))
		if grew > c.bound {
			t.Errorf("%s: heap grew by %.1f MB, bound %.0f MB", c.f, float64(grew)/(1<<20), float64(c.bound)/(1<<20))
		}
		if len(left) != 0 {
			t.Errorf("%s left temporary files: %v", c.f, left)
		}
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
