package server_test

import (
	"io"
	"net/http/httptest"
	"testing"

	"anju/internal/server"
	"anju/internal/store/storetest"
)

// untouchable is a request body that fails the test if the server reads it.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("the body of a request the caller may not make was read")
	return 0, io.EOF
}

// TestAdminRoutesRefuseBeforeBody: a signed-in user without the admin role is
// refused with 403 on every administrators' route before the server reads one
// byte of the body, so a large body costs it nothing.
func TestAdminRoutesRefuseBeforeBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		h := server.New(server.Config{DB: f.db})
		for _, route := range []struct{ method, path string }{
			{"POST", "/api/v1/regions/import"},
			{"PUT", "/api/v1/departments/a-street"},
			{"POST", "/api/v1/users"},
			{"POST", "/api/v1/users/worker-b/grants"},
			{"DELETE", "/api/v1/users/worker-b/grants/1"},
			{"PUT", "/api/v1/categories/city_appearance"},
			{"PUT", "/api/v1/calendar/2026-01-01"},
			{"POST", "/api/v1/subscriptions"},
			{"POST", "/api/v1/warning-subscriptions"},
			{"POST", "/api/v1/classifier/train"},
		} {
			for _, login := range []string{"worker-a", "auditor", "dispatcher"} {
				req := httptest.NewRequest(route.method, route.path, untouchable{t})
				req.ContentLength = 127 << 20
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+f.tokens[login])
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 403 {
					t.Errorf("%s: %s %s = %d, want 403: %s", login, route.method, route.path, rec.Code, rec.Body)
				}
			}
		}
	})
}
