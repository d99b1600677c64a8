package notify

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	want := []time.Duration{10 * time.Second, 30 * time.Second, 90 * time.Second, 270 * time.Second,
		810 * time.Second, 2430 * time.Second, time.Hour, time.Hour}
	for i, max := range want {
		attempt := i + 1
		for range 200 {
			d := Backoff(attempt)
			if d > max || d < max*8/10 {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", attempt, d, max*8/10, max)
			}
		}
	}
	if d := Backoff(0); d > 10*time.Second || d < 8*time.Second {
		t.Errorf("Backoff(0) = %v", d)
	}
	if d := Backoff(1000); d > time.Hour || d < 48*time.Minute {
		t.Errorf("Backoff(1000) = %v", d)
	}
	// Jitter: 50 draws are not all the same.
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[Backoff(3)] = true
	}
	if len(seen) < 2 {
		t.Error("Backoff has no jitter")
	}
	var total time.Duration
	for a := 1; a < MaxAttempts; a++ {
		total += Backoff(a)
	}
	if total < 5*time.Hour || total > 9*time.Hour {
		t.Errorf("retries span %v", total)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("boom")
	if IsPermanent(base) || IsPermanent(nil) || Permanent(nil) != nil {
		t.Error("plain errors are permanent")
	}
	p := Permanent(base)
	if !IsPermanent(p) || !errors.Is(p, base) || p.Error() != "boom" {
		t.Errorf("Permanent(base) = %v", p)
	}
	if !IsPermanent(fmt.Errorf("wrapped: %w", p)) {
		t.Error("wrapping loses permanence")
	}
	if Permanent(p) != p {
		t.Error("Permanent wraps twice")
	}
}

type senderFunc func(context.Context, Message) error

func (f senderFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

func TestRouter(t *testing.T) {
	var got []string
	r := Router{
		ChannelSMS:   senderFunc(func(_ context.Context, m Message) error { got = append(got, "sms:"+m.Target); return nil }),
		ChannelEmail: senderFunc(func(_ context.Context, m Message) error { got = append(got, "email:"+m.Target); return nil }),
	}
	ctx := context.Background()
	if err := r.Send(ctx, Message{Channel: ChannelSMS, Target: "13812341234"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Send(ctx, Message{Channel: ChannelEmail, Target: "a@b.c"}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[sms:13812341234 email:a@b.c]" {
		t.Errorf("routed %v", got)
	}
	if err := r.Send(ctx, Message{Channel: ChannelWebhook}); !IsPermanent(err) {
		t.Errorf("unconfigured channel: %v, want permanent", err)
	}
}
