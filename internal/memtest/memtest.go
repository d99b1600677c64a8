// Package memtest measures how much memory a piece of work holds at once,
// for the tests and benchmarks that bound it (uploads, exports).
package memtest

import (
	"runtime"
	"sync/atomic"
	"time"
)

// HeapPeak runs fn and returns how far the heap in use rose above where it
// was before, sampled every 2 ms: a peak between two samples is missed, so
// a bound checked with it should leave room.
func HeapPeak(fn func()) int64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-sampled
	return int64(peak.Load()) - int64(base.HeapInuse)
}
