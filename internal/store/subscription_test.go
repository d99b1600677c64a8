package store_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"anju/internal/anju"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestSubscriptionTargets: a subscription may not point a webhook at the
// server's own networks unless the operator allows the receiver, nor give
// an e-mail target that is more than one bare address; warning
// subscriptions follow the same rule.
func TestSubscriptionTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn) // allows 127.0.0.1 and ::1
		admin := mustUser(t, w.db, "admin", grantAdminCity)
		hook := httptest.NewServer(http.NotFoundHandler())
		defer hook.Close()
		// The same database served without an allow list.
		strict, err := store.Open(ctx, dsn, store.Options{Clock: w.clock})
		if err != nil {
			t.Fatal(err)
		}
		defer strict.Close()
		const secret = "0123456789abcdef"
		for _, tc := range []struct {
			db      *store.DB
			channel string
			target  string
			ok      bool
		}{
			{w.db, "webhook", hook.URL + "/hook", true},
			{strict, "webhook", hook.URL + "/hook", false},
			{strict, "webhook", "http://localhost:9000/hook", false},
			{strict, "webhook", "http://169.254.169.254/latest/meta-data/", false},
			{strict, "webhook", "http://10.0.0.7/hook", false},
			{w.db, "webhook", "http://10.0.0.7/hook", false},
			{strict, "webhook", "http://[fd00::1]/hook", false},
			{strict, "webhook", "http://100.100.100.200/", false},
			{strict, "webhook", "https://user:pass@93.184.216.34/hook", false},
			{strict, "webhook", "gopher://93.184.216.34/hook", false},
			{strict, "webhook", "https://93.184.216.34/hook", true},
			{strict, "email", "ops@anju.example", true},
			{strict, "email", "ops@anju.example\r\nBcc: everyone@anju.example", false},
			{strict, "email", "运维 <ops@anju.example>", false},
			{strict, "email", "ops@anju.example, boss@anju.example", false},
		} {
			_, err := tc.db.SaveSubscription(ctx, admin, store.Subscription{Channel: tc.channel, Target: tc.target, Secret: secret})
			if (err == nil) != tc.ok || (err != nil && anju.ErrorField(err) != "target") {
				t.Errorf("subscription to %q: %v, want ok=%v", tc.target, err, tc.ok)
			}
			_, err = tc.db.SaveWarningSubscription(ctx, admin, store.WarningSubscription{Region: "330100", Channel: tc.channel, Target: tc.target, Secret: secret})
			if (err == nil) != tc.ok || (err != nil && anju.ErrorField(err) != "target") {
				t.Errorf("warning subscription to %q: %v, want ok=%v", tc.target, err, tc.ok)
			}
		}
		if got := strict.WebhookAllow().String(); got != "" {
			t.Errorf("allow list of a store opened without one: %q", got)
		}
	})
}
