package auth

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// HashLimiter bounds how many password hashes run at once in the process.
// Each argon2id evaluation holds Params.Memory (64 MiB by default) for its
// duration, so unbounded parallel sign-ins exhaust memory long before they
// exhaust the throttle; past the limit a sign-in is refused at once instead.
type HashLimiter struct {
	slots chan struct{}
}

// NewHashLimiter allows n concurrent hashes; n < 1 means 1.
func NewHashLimiter(n int) *HashLimiter {
	return &HashLimiter{slots: make(chan struct{}, max(n, 1))}
}

// Size is how many hashes may run at once.
func (l *HashLimiter) Size() int { return cap(l.slots) }

// Acquire takes a slot, waiting at most wait (or until ctx ends) for one to
// free; it reports whether it got one. Every true must be matched by Release.
func (l *HashLimiter) Acquire(ctx context.Context, wait time.Duration) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-timer.C:
	case <-ctx.Done():
	}
	return false
}

// Release frees a slot taken by Acquire.
func (l *HashLimiter) Release() { <-l.slots }

// HashSlots is the default size of a HashLimiter: two hashes per CPU, as many
// as fit in a quarter of availableBytes (0 when unknown) at p's memory cost,
// at most 32 and at least 1.
func HashSlots(availableBytes uint64, p Params) int {
	n := min(runtime.NumCPU()*2, 32)
	if per := uint64(p.Memory) << 10; availableBytes > 0 && per > 0 {
		n = min(n, int(availableBytes/4/per))
	}
	return max(n, 1)
}

var checks, inFlight, peak atomic.Int64

// Checks is how many password hashes (CheckPassword calls that reached the
// hash, and HashPassword calls) this process has run; it is exported as a
// metric.
func Checks() int64 { return checks.Load() }

// PeakChecks is the most password hashes that have run at once in this
// process: what the hash memory actually reached, exported as a metric.
func PeakChecks() int64 { return peak.Load() }

// ResetPeakChecks starts a new measurement window for PeakChecks.
func ResetPeakChecks() { peak.Store(inFlight.Load()) }

func startCheck() {
	checks.Add(1)
	n := inFlight.Add(1)
	for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
	}
}

func endCheck() { inFlight.Add(-1) }
