package auth

import (
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
	for range th.Free {
		if ok, _ := th.Allow("u", now); !ok {
			t.Fatal("throttled within free attempts")
		}
		th.Fail("u", now)
	}
	if ok, _ := th.Allow("u", now); !ok {
		t.Fatal("throttled after exactly the free failures")
	}
	th.Fail("u", now)
	if ok, wait := th.Allow("u", now); ok || wait != time.Second {
		t.Fatalf("first excess failure: ok=%v wait=%v, want 1s", ok, wait)
	}
	th.Fail("u", now)
	if ok, wait := th.Allow("u", now); ok || wait != 2*time.Second {
		t.Fatalf("second excess failure: ok=%v wait=%v, want 2s", ok, wait)
	}
	if ok, _ := th.Allow("u", now.Add(3*time.Second)); !ok {
		t.Fatal("still throttled after the wait")
	}
	if ok, _ := th.Allow("other", now); !ok {
		t.Fatal("other key throttled")
	}
	th.Succeed("u")
	if ok, _ := th.Allow("u", now); !ok {
		t.Fatal("throttled after success")
	}
}
