package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"anju/internal/server"
	"anju/internal/store/storetest"
)

// goType matches what a Go type name looks like in a message: a qualified
// name (store.NewCase), a builtin numeric type, or a composite type.
var goType = regexp.MustCompile(`\b[a-z]+\.[A-Z]\w*|\b(u?int(8|16|32|64)?|float(32|64)|struct|interface)\b|\[\]|map\[`)

// TestBodyTypeErrors: a body of the wrong JSON kind, as a whole or in any
// field of every API body type, is refused with a message in the client's
// terms (the field's path and the JSON kind it takes), never a Go type name.
func TestBodyTypeErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		h := server.New(server.Config{DB: f.db})
		routes := []struct {
			method, path string
			fields       []string
		}{
			{"POST", "/api/v1/session", []string{"login", "password"}},
			{"POST", "/api/v1/users", []string{"city", "login", "name", "password"}},
			{"POST", "/api/v1/users/worker-b/grants", []string{"role", "region", "department"}},
			{"POST", "/api/v1/users/worker-b/tokens", []string{"name"}},
			{"PUT", "/api/v1/users/worker-b/password", []string{"password"}},
			{"PUT", "/api/v1/departments/a-street", []string{"name", "region", "categories"}},
			{"PUT", "/api/v1/categories/0101", []string{"code", "parent", "name", "name_en", "kind", "leaf", "default_priority", "deadlines", "department_level", "version", "active"}},
			{"PUT", "/api/v1/calendar/2026-01-01", []string{"kind", "note"}},
			{"POST", "/api/v1/subscriptions", []string{"id", "channel", "target", "secret", "actions"}},
			{"POST", "/api/v1/warning-subscriptions", []string{"id", "region", "department", "channel", "target", "secret"}},
			{"POST", "/api/v1/cases", []string{"title", "text", "category", "kind", "lat", "lon", "grid", "address", "channel", "priority", "reporter", "reporter.name", "reporter.phone", "reporter.id_number", "reporter.address", "reporter.anonymous"}},
			{"POST", "/api/v1/cases/1/actions/comment", []string{"version", "reason", "note", "department", "result", "evidence", "method", "outcome", "who_is", "rating", "days", "card", "target"}},
			{"POST", "/api/v1/cases/1/reporter", []string{"reason"}},
			{"POST", "/api/v1/suggest", []string{"title", "text", "grid", "lat", "lon"}},
			{"POST", "/api/v1/warnings/1/acknowledge", []string{"note"}},
		}
		kinds := []string{`"text"`, `1.5`, `-1`, `true`, `[1]`, `{"a":1}`}
		checked := 0
		for _, rt := range routes {
			var bodies []string
			for _, k := range kinds {
				bodies = append(bodies, k)
				for _, field := range rt.fields {
					if parent, child, nested := strings.Cut(field, "."); nested {
						bodies = append(bodies, `{"`+parent+`":{"`+child+`":`+k+`}}`)
					} else {
						bodies = append(bodies, `{"`+field+`":`+k+`}`)
					}
				}
			}
			for _, body := range bodies {
				req := httptest.NewRequest(rt.method, rt.path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				var e struct {
					Error struct{ Message, Field string }
				}
				json.Unmarshal(rec.Body.Bytes(), &e)
				if !strings.Contains(e.Error.Message, " must be ") {
					continue
				}
				checked++
				if goType.MatchString(e.Error.Message) {
					t.Errorf("%s %s %s: message names a Go type: %q", rt.method, rt.path, body, e.Error.Message)
				}
			}
		}
		if checked < 100 {
			t.Errorf("only %d type errors checked; the bodies no longer reach the decoder", checked)
		}
	})
}
