package server_test

import (
	"io"
	"net/http"
	"runtime/debug"
	"testing"
	"time"

	"anju/internal/memtest"
	"anju/internal/store/storetest"
)

// TestCaseExportMemory exports 100,000 cases through the API on SQLite,
// CSV and XLSX, and checks that the server's heap stays bounded: the
// store's pages of 200 are read and dropped one by one. Holding the cases
// would take some 300 MB (20,000 cases as ListCases returns them held
// 58 MB, 3 KB each); the bound is the XLSX writer's 33 MB
// (TestExportMemory), a page, and 16 MB for the rest of the process
// (SQLite's page cache is in the Go heap too). The figures are logged
// (go test -tags ne -v -run TestCaseExportMemory ./internal/server).
func TestCaseExportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 cases")
	}
	const n = 100_000
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	bulkCases(t, f.db, "330102001001001", n)
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	for _, format := range []string{"csv", "xlsx"} {
		var size int64
		var status int
		began := time.Now()
		grew := memtest.HeapPeak(func() {
			req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/cases?format="+format, nil)
			req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			size, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		})
		if status != 200 {
			t.Fatalf("%s: %d", format, status)
		}
		t.Logf("%s of %d cases: %.1f MB in %.1f s; server heap in use peaked %.1f MB above the start",
			format, n, float64(size)/(1<<20), time.Since(began).Seconds(), float64(grew)/(1<<20))
		if grew > 64<<20 {
			t.Errorf("%s: heap grew by %.1f MB", format, float64(grew)/(1<<20))
		}
	}
}
