package auth

import (
	"testing"
	"time"
)

// memThrottle keeps a throttle's counts in a map, as the store keeps them
// in rows, to drive the rule through sequences of attempts.
type memThrottle struct {
	*Throttle
	counts map[string]Count
}

func (m *memThrottle) reserve(now time.Time, keys ...string) (bool, time.Duration) {
	cs := make([]Count, len(keys))
	for i, k := range keys {
		cs[i] = m.counts[k]
	}
	next, ok, wait := m.Reserve(cs, now)
	for i, k := range keys {
		if ok {
			m.counts[k] = next[i]
		}
	}
	return ok, wait
}

func (m *memThrottle) settle(success bool, keys ...string) {
	cs := make([]Count, len(keys))
	for i, k := range keys {
		cs[i] = m.counts[k]
	}
	for i, c := range m.Settle(cs, success) {
		m.counts[keys[i]] = c
	}
}

func TestThrottle(t *testing.T) {
	th := &memThrottle{NewThrottle(), map[string]Count{}}
	now := time.Unix(1000, 0)
	for range th.Free {
		if ok, _ := th.reserve(now, "u"); !ok {
			t.Fatal("throttled within free attempts")
		}
	}
	if ok, wait := th.reserve(now, "u"); ok || wait != time.Second {
		t.Fatalf("attempt after the free ones: ok=%v wait=%v, want 1s", ok, wait)
	}
	now = now.Add(time.Second)
	if ok, _ := th.reserve(now, "u"); !ok {
		t.Fatal("still throttled after the wait")
	}
	if ok, wait := th.reserve(now, "u"); ok || wait != 2*time.Second {
		t.Fatalf("second excess attempt: ok=%v wait=%v, want 2s", ok, wait)
	}
	if ok, _ := th.reserve(now, "other"); !ok {
		t.Fatal("other key throttled")
	}
	if f := th.Forget(th.counts["u"]); !f.Equal(now.Add(th.Max)) {
		t.Errorf("forget at %v, want %v", f, now.Add(th.Max))
	}
	if ok, _ := th.reserve(now.Add(th.Max+3*time.Second), "u"); !ok {
		t.Fatal("count not forgotten after Max without attempts")
	}
	if c := th.counts["u"]; c.Failures != 1 {
		t.Errorf("a forgotten key starts again at %d failures, want 1", c.Failures)
	}
}

// TestThrottleRule: one step of the rule from given counts.
func TestThrottleRule(t *testing.T) {
	th := &Throttle{Free: 2, Base: time.Second, Max: time.Minute}
	now := time.Unix(1000, 0)
	waiting := Count{Failures: 3, Until: now.Add(4 * time.Second), Last: now.Add(-time.Second)}
	for _, tc := range []struct {
		name   string
		counts []Count
		ok     bool
		wait   time.Duration
		next   []Count
	}{
		{"first attempt", []Count{{}}, true, 0, []Count{{Failures: 1, Last: now}}},
		{"the free-th starts a wait", []Count{{Failures: 1, Last: now.Add(-time.Second)}}, true, 0,
			[]Count{{Failures: 2, Until: now.Add(time.Second), Last: now}}},
		{"waits double", []Count{{Failures: 3, Until: now, Last: now.Add(-2 * time.Second)}}, true, 0,
			[]Count{{Failures: 4, Until: now.Add(4 * time.Second), Last: now}}},
		{"up to Max", []Count{{Failures: 40, Until: now, Last: now.Add(-time.Second)}}, true, 0,
			[]Count{{Failures: 41, Until: now.Add(time.Minute), Last: now}}},
		{"any key waiting refuses, counting nothing", []Count{{}, waiting}, false, 4 * time.Second, nil},
		{"the longest wait is told", []Count{{Until: now.Add(time.Second)}, waiting}, false, 4 * time.Second, nil},
		{"forgotten after Max quiet", []Count{{Failures: 9, Until: now.Add(-time.Second), Last: now.Add(-2 * time.Minute)}}, true, 0,
			[]Count{{Failures: 1, Last: now}}},
		{"not forgotten while waiting", []Count{{Failures: 9, Until: now.Add(time.Second), Last: now.Add(-2 * time.Minute)}}, false, time.Second, nil},
	} {
		next, ok, wait := th.Reserve(tc.counts, now)
		if ok != tc.ok || wait != tc.wait || len(next) != len(tc.next) {
			t.Errorf("%s: ok=%v wait=%v next=%+v, want %v %v %+v", tc.name, ok, wait, next, tc.ok, tc.wait, tc.next)
			continue
		}
		for i := range next {
			if next[i] != tc.next[i] {
				t.Errorf("%s: count %d = %+v, want %+v", tc.name, i, next[i], tc.next[i])
			}
		}
	}
	c := []Count{{Failures: 3, Until: now, Last: now}, {Failures: 3, Until: now, Last: now}}
	if got := th.Settle(c, false); got[0] != c[0] || got[1] != c[1] {
		t.Errorf("a failure settled changed the counts: %+v", got)
	}
	if got := th.Settle(c, true); got[0] != (Count{}) || got[1].Failures != 2 || got[1].Until != now {
		t.Errorf("a success: %+v, want the login cleared and the address given back one", got)
	}
	if got := th.Cancel(c); got[0].Failures != 2 || got[1].Failures != 2 || got[0].Until != now {
		t.Errorf("a cancel: %+v, want one given back to each, the waits kept", got)
	}
	if got := th.Cancel([]Count{{}}); got[0].Failures != 0 {
		t.Errorf("a cancel went below zero: %+v", got)
	}
}

// A success clears its login's count but leaves the address's failures from
// other guesses: a valid sign-in interleaved with a spray does not reset it.
func TestThrottleSuccessKeepsAddressFailures(t *testing.T) {
	th := &memThrottle{NewThrottle(), map[string]Count{}}
	now := time.Unix(1000, 0)
	refused := 0
	for i := range 40 {
		guess := "login:guess" + string(rune('a'+i%26))
		if ok, _ := th.reserve(now, guess, "addr:1"); !ok {
			refused++
			continue
		}
		th.settle(false, guess, "addr:1")
		if ok, _ := th.reserve(now, "login:valid", "addr:1"); ok {
			th.settle(true, "login:valid", "addr:1")
		}
	}
	if refused < 40-th.Free {
		t.Fatalf("%d of 40 sprayed guesses refused, want at least %d", refused, 40-th.Free)
	}
}
