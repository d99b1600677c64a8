package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var fast = Params{Memory: 1024, Time: 1, Threads: 1}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") {
		t.Error("right password rejected")
	}
	if CheckPassword(h, "wrong horse!") {
		t.Error("wrong password accepted")
	}
	if CheckPassword("garbage", "correct horse") || CheckPassword("$argon2id$v=19$m=1,t=0,p=1$$", "x") {
		t.Error("malformed hash accepted")
	}
	if _, err := HashPassword("short", fast); err == nil {
		t.Error("short password accepted")
	}
}

func TestToken(t *testing.T) {
	tok, hash := NewToken("anju_")
	if HashToken(tok) != hash || len(tok) < 40 {
		t.Errorf("token %q hash %q", tok, hash)
	}
	tok2, _ := NewToken("anju_")
	if tok == tok2 {
		t.Error("tokens repeat")
	}
}

func TestThrottle(t *testing.T) {
	th := NewThrottle()
	now := time.Unix(1000, 0)
	u := []string{"u"}
	for range th.Free {
		if _, ok, _ := th.Reserve(u, now); !ok {
			t.Fatal("throttled within free attempts")
		}
	}
	if _, ok, wait := th.Reserve(u, now); ok || wait != time.Second {
		t.Fatalf("attempt after the free ones: ok=%v wait=%v, want 1s", ok, wait)
	}
	now = now.Add(time.Second)
	if _, ok, _ := th.Reserve(u, now); !ok {
		t.Fatal("still throttled after the wait")
	}
	if _, ok, wait := th.Reserve(u, now); ok || wait != 2*time.Second {
		t.Fatalf("second excess attempt: ok=%v wait=%v, want 2s", ok, wait)
	}
	if _, ok, _ := th.Reserve([]string{"other"}, now); !ok {
		t.Fatal("other key throttled")
	}
	if _, ok, _ := th.Reserve(u, now.Add(th.Max+3*time.Second)); !ok {
		t.Fatal("count not forgotten after Max without attempts")
	}
}

// A success clears its login's count but leaves the address's failures from
// other guesses: a valid sign-in interleaved with a spray does not reset it.
func TestThrottleSuccessKeepsAddressFailures(t *testing.T) {
	th := NewThrottle()
	now := time.Unix(1000, 0)
	refused := 0
	for i := range 40 {
		tk, ok, _ := th.Reserve([]string{"login:guess" + string(rune('a'+i%26)), "addr:1"}, now)
		if !ok {
			refused++
			continue
		}
		th.Settle(tk, false)
		if tk, ok, _ := th.Reserve([]string{"login:valid", "addr:1"}, now); ok {
			th.Settle(tk, true)
		}
	}
	if refused < 40-th.Free {
		t.Fatalf("%d of 40 sprayed guesses refused, want at least %d", refused, 40-th.Free)
	}
	tk, ok, _ := th.Reserve([]string{"login:x", "addr:2"}, now)
	th.Cancel(tk)
	if s := th.state["addr:2"]; !ok || s.failures != 0 {
		t.Fatal("a cancelled reservation stayed counted")
	}
}

// Parallel reservations never let more than Free attempts through at once.
func TestThrottleParallel(t *testing.T) {
	th := NewThrottle()
	now := time.Unix(1000, 0)
	var passed atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if _, ok, _ := th.Reserve([]string{"login:u", "addr:1"}, now); ok {
				passed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := passed.Load(); n != int64(th.Free) {
		t.Fatalf("%d parallel attempts passed, want %d", n, th.Free)
	}
}

func TestHashLimiter(t *testing.T) {
	l := NewHashLimiter(2)
	ctx := context.Background()
	if !l.Acquire(ctx, 0) || !l.Acquire(ctx, 0) {
		t.Fatal("could not take the free slots")
	}
	if l.Acquire(ctx, time.Millisecond) {
		t.Fatal("took a third slot of two")
	}
	l.Release()
	if !l.Acquire(ctx, 0) {
		t.Fatal("released slot not reusable")
	}
	if n := HashSlots(1<<30, DefaultParams); n < 1 || n > 4 {
		t.Fatalf("HashSlots(1 GiB) = %d, want 1..4", n)
	}
	if n := HashSlots(1, DefaultParams); n != 1 {
		t.Fatalf("HashSlots(1 B) = %d, want 1", n)
	}
}
