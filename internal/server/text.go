package server

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/httpx"
)

// A URL holding invalid UTF-8 or a NUL character is refused before any
// handler, API or page, sees it: PostgreSQL refuses both, SQLite stores
// them, so the engines would differ (found by FuzzAPIQuery on PostgreSQL).

// checkURLText refuses a request whose path or query is not plain text.
func checkURLText(r *http.Request) error {
	if !httpx.PlainText(r.URL.Path) {
		return anju.Errorf(anju.EINVALID, "the URL path must be UTF-8 text without NUL characters")
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	for k, vs := range r.URL.Query() {
		if !httpx.PlainText(k) {
			return anju.Errorf(anju.EINVALID, "query parameter names must be UTF-8 text without NUL characters")
		}
		for _, v := range vs {
			if !httpx.PlainText(v) {
				return anju.FieldError(k, "%s must be UTF-8 text without NUL characters", k)
			}
		}
	}
	return nil
}
