package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// TestKindIntakeIdempotencyKey: POST /api/v1/disputes and /api/v1/petitions
// take an Idempotency-Key as the generic intake does: a retry answers the
// case filed the first time with 200, and the key sent with another body is
// 422.
func TestKindIntakeIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.withMediation()
		f.withPetitionOffice()
		for _, tc := range []struct {
			login, path, body, other string
		}{
			{"worker-a", "/api/v1/disputes", disputeIntake, strings.Replace(disputeIntake, `"people":2`, `"people":3`, 1)},
			{"operator", "/api/v1/petitions", petitionIntake, strings.Replace(petitionIntake, `"visit"`, `"letter"`, 1)},
		} {
			if tc.other == tc.body {
				t.Fatalf("%s: the other body is the same", tc.path)
			}
			key := map[string]string{"Idempotency-Key": "retry-" + tc.path}
			id := func(body string) int64 {
				var c struct {
					ID int64 `json:"id"`
				}
				json.Unmarshal([]byte(body), &c)
				return c.ID
			}
			status, body := f.post(tc.login, tc.path, tc.body, key)
			if status != 201 {
				t.Fatalf("%s: %d %s", tc.path, status, body)
			}
			first := id(body)
			if status, body := f.post(tc.login, tc.path, tc.body, key); status != 200 || id(body) != first {
				t.Errorf("%s retried: %d, case %d (first %d)", tc.path, status, id(body), first)
			}
			if status, body := f.post(tc.login, tc.path, tc.other, key); status != 422 {
				t.Errorf("%s, the key with another body: %d %s", tc.path, status, body)
			}
		}
	})
}
