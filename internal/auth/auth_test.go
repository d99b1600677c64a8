package auth

import (
	"context"
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
