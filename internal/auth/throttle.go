package auth

import (
	"sync"
	"time"
)

// Throttle limits sign-in attempts per key (a login name, and separately a
// client address). An attempt is counted as a failure when it is reserved,
// before its password is hashed, so that N parallel attempts cannot all pass
// the check before the first of them fails: after Free reserved attempts,
// each further one must wait a delay that doubles per failure up to Max. A
// key's count is forgotten after Max without attempts. It lives in memory: a
// restart forgets, which only loosens the limit for a moment.
type Throttle struct {
	Free int
	Base time.Duration
	Max  time.Duration

	mu    sync.Mutex
	state map[string]*throttleState
}

type throttleState struct {
	failures int
	until    time.Time
	last     time.Time
}

// NewThrottle returns a throttle allowing 5 free failures, then 1 s doubling to 15 min.
func NewThrottle() *Throttle {
	return &Throttle{Free: 5, Base: time.Second, Max: 15 * time.Minute, state: map[string]*throttleState{}}
}

// Ticket is one reserved attempt, to be settled once its outcome is known.
type Ticket struct {
	keys []string
}

// Reserve counts an attempt under keys as a failure up front and reports
// whether it may proceed; if not, nothing is counted and wait says how long
// until it may. keys[0] is the credential's own key (the login name), which a
// success clears; the others (the client address) keep their count.
func (t *Throttle) Reserve(keys []string, now time.Time) (Ticket, bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.state) > 100_000 {
		t.prune(now)
	}
	var wait time.Duration
	for _, k := range keys {
		s := t.state[k]
		if s != nil && now.After(s.last.Add(t.Max)) && !now.Before(s.until) {
			delete(t.state, k)
			continue
		}
		if s != nil && now.Before(s.until) {
			wait = max(wait, s.until.Sub(now))
		}
	}
	if wait > 0 {
		return Ticket{}, false, wait
	}
	for _, k := range keys {
		s := t.state[k]
		if s == nil {
			s = &throttleState{}
			t.state[k] = s
		}
		s.failures++
		s.last = now
		if s.failures >= t.Free {
			d := t.Base << min(s.failures-t.Free, 20)
			if d > t.Max || d <= 0 {
				d = t.Max
			}
			s.until = now.Add(d)
		}
	}
	return Ticket{keys: keys}, true, 0
}

// Settle records the outcome of a reserved attempt. A failure stays counted.
// A success clears the credential's own key, and gives back to the other keys
// only this attempt's reservation: a valid sign-in from an address must not
// wipe the failures that other guesses from it have piled up.
func (t *Throttle) Settle(tk Ticket, success bool) {
	if !success || len(tk.keys) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.state, tk.keys[0])
	for _, k := range tk.keys[1:] {
		if s := t.state[k]; s != nil && s.failures > 0 {
			s.failures--
		}
	}
}

// Cancel gives back a reservation whose password was never evaluated (the
// server was too busy to hash it); the wait it may have started stands.
func (t *Throttle) Cancel(tk Ticket) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range tk.keys {
		if s := t.state[k]; s != nil && s.failures > 0 {
			s.failures--
		}
	}
}

// prune drops keys whose wait and memory are over, bounding memory under a
// spray of names.
func (t *Throttle) prune(now time.Time) {
	for k, s := range t.state {
		if now.After(s.until.Add(t.Max)) && now.After(s.last.Add(t.Max)) {
			delete(t.state, k)
		}
	}
}

// NewRateLimit returns a throttle used as a rate limit: every attempt
// counts (nothing is settled as a success), the first free ones pass at
// once, then one after a wait of base doubling up to max; a key is
// forgotten after max without attempts.
func NewRateLimit(free int, base, max time.Duration) *Throttle {
	return &Throttle{Free: free, Base: base, Max: max, state: map[string]*throttleState{}}
}
