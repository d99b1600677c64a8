package region

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"anju/internal/anju"
)

// allocated returns the bytes allocated while fn ran: an upper bound on what
// it held at its peak.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParseMemory: parsing allocates a small multiple of the file, for a real
// city and for one huge geometry, which must be refused at the vertex limit
// rather than after decoding all of it.
func TestParseMemory(t *testing.T) {
	city, err := MarshalFeatureCollection(GenerateDemoCity(3, DemoSpec{Districts: 4, Streets: 20, Communities: 100, Grids: 4000}))
	if err != nil {
		t.Fatal(err)
	}
	var huge strings.Builder
	huge.WriteString(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330100","name":"市"},"geometry":{"type":"Polygon","coordinates":[[`)
	for i := range 3 * MaxFeaturePoints {
		fmt.Fprintf(&huge, "[%d,%d],", i%1000, i/1000)
	}
	huge.WriteString(`[0,0]]]}}]}`)
	for _, tc := range []struct {
		name  string
		data  []byte
		code  string
		ratio float64
	}{
		{"city", city, "", 8},
		{"huge geometry", []byte(huge.String()), anju.EINVALID, 5},
	} {
		var err error
		n := allocated(func() { _, err = ParseFeatureCollection(bytes.NewReader(tc.data)) })
		if anju.ErrorCode(err) != tc.code {
			t.Fatalf("%s: err = %v, want code %q", tc.name, err, tc.code)
		}
		r := float64(n) / float64(len(tc.data))
		t.Logf("%s: %.1f MB of GeoJSON, %.1f MB allocated (%.1f×)", tc.name, float64(len(tc.data))/1e6, float64(n)/1e6, r)
		if r > tc.ratio {
			t.Errorf("%s: parsing allocated %.1f× the file, want at most %.0f×", tc.name, r, tc.ratio)
		}
	}
}
