package auth

import "time"

// Throttle is the rule that limits sign-in attempts per key (a login name,
// and separately a client address). An attempt is counted as a failure when
// it is reserved, before its password is hashed, so that N parallel
// attempts cannot all pass the check before the first of them fails: after
// Free reserved attempts, each further one must wait a delay that doubles
// per failure up to Max. A key's count is forgotten after Max without
// attempts.
//
// The rule holds no state: its methods take the keys' counts and return
// the counts to keep. The store keeps them in the database (store.Limiter),
// so that every server sharing it counts the same attempts.
type Throttle struct {
	Free int
	Base time.Duration
	Max  time.Duration
}

// Count is what a throttle remembers of one key. The zero Count is a key
// never seen (or forgotten).
type Count struct {
	Failures int
	Until    time.Time // no attempt under the key before this
	Last     time.Time // the last attempt reserved
}

// NewThrottle returns a throttle allowing 5 free failures, then 1 s doubling to 15 min.
func NewThrottle() *Throttle {
	return &Throttle{Free: 5, Base: time.Second, Max: 15 * time.Minute}
}

// NewRateLimit returns a throttle used as a rate limit: every attempt
// counts (nothing is settled as a success), the first free ones pass at
// once, then one after a wait of base doubling up to max; a key is
// forgotten after max without attempts.
func NewRateLimit(free int, base, max time.Duration) *Throttle {
	return &Throttle{Free: free, Base: base, Max: max}
}

// Forgotten reports whether c no longer counts at now: its wait is over and
// it saw no attempt for Max.
func (t *Throttle) Forgotten(c Count, now time.Time) bool {
	return now.After(c.Last.Add(t.Max)) && !now.Before(c.Until)
}

// Forget is when c may be dropped: once its wait is over and Max has
// passed since its last attempt.
func (t *Throttle) Forget(c Count) time.Time {
	if f := c.Last.Add(t.Max); f.After(c.Until) {
		return f
	}
	return c.Until
}

// Reserve counts an attempt under the keys whose counts are given as a
// failure up front and reports whether it may proceed, with the counts to
// keep; if not, nothing is counted (next is nil) and wait says how long
// until it may. counts[0] is the credential's own key (the login name),
// which a success clears; the others (the client address) keep their
// count.
func (t *Throttle) Reserve(counts []Count, now time.Time) (next []Count, ok bool, wait time.Duration) {
	next = make([]Count, len(counts))
	for i, c := range counts {
		if t.Forgotten(c, now) {
			c = Count{}
		}
		if now.Before(c.Until) {
			wait = max(wait, c.Until.Sub(now))
		}
		next[i] = c
	}
	if wait > 0 {
		return nil, false, wait
	}
	for i := range next {
		c := &next[i]
		c.Failures++
		c.Last = now
		if c.Failures >= t.Free {
			d := t.Base << min(c.Failures-t.Free, 20)
			if d > t.Max || d <= 0 {
				d = t.Max
			}
			c.Until = now.Add(d)
		}
	}
	return next, true, 0
}

// Settle records the outcome of a reserved attempt and returns the counts
// to keep. A failure stays counted. A success clears the credential's own
// key, and gives back to the other keys only this attempt's reservation: a
// valid sign-in from an address must not wipe the failures that other
// guesses from it have piled up.
func (t *Throttle) Settle(counts []Count, success bool) []Count {
	next := append([]Count(nil), counts...)
	if !success || len(next) == 0 {
		return next
	}
	next[0] = Count{}
	for i := range next[1:] {
		next[i+1].Failures = max(next[i+1].Failures-1, 0)
	}
	return next
}

// Cancel gives back a reservation whose password was never evaluated (the
// server was too busy to hash it) and returns the counts to keep; the wait
// it may have started stands.
func (t *Throttle) Cancel(counts []Count) []Count {
	next := append([]Count(nil), counts...)
	for i := range next {
		next[i].Failures = max(next[i].Failures-1, 0)
	}
	return next
}
