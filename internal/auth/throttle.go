package auth

import (
	"sync"
	"time"
)

// Throttle limits failed logins per key (a login name, and separately a
// client address): after Free failures, each further attempt must wait a delay
// that doubles per failure up to Max. A success clears the key. It lives in
// memory: a restart forgets, which only loosens the limit for a moment.
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
}

// NewThrottle returns a throttle allowing 5 free failures, then 1 s doubling to 15 min.
func NewThrottle() *Throttle {
	return &Throttle{Free: 5, Base: time.Second, Max: 15 * time.Minute, state: map[string]*throttleState{}}
}

// Allow reports whether key may try now, and if not, how long it must wait.
func (t *Throttle) Allow(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.state[key]
	if s == nil || !now.Before(s.until) {
		return true, 0
	}
	return false, s.until.Sub(now)
}

// Fail records a failed attempt.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.state) > 100_000 {
		t.prune(now)
	}
	s := t.state[key]
	if s == nil {
		s = &throttleState{}
		t.state[key] = s
	}
	s.failures++
	if s.failures > t.Free {
		d := t.Base << min(s.failures-t.Free-1, 20)
		if d > t.Max || d <= 0 {
			d = t.Max
		}
		s.until = now.Add(d)
	}
}

// Succeed clears key.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	delete(t.state, key)
	t.mu.Unlock()
}

// prune drops keys whose wait is over, bounding memory under a spray of names.
func (t *Throttle) prune(now time.Time) {
	for k, s := range t.state {
		if now.After(s.until.Add(t.Max)) {
			delete(t.state, k)
		}
	}
}
