// Package httpx holds the small HTTP helpers every edge of Anju shares — the
// JSON API, the web pages and Open311: the status of an anju.Error, the
// client's address, and one query parser that reports bad input as a field
// error. It imports nothing of Anju but the anju package.
package httpx

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
)

// Status is the HTTP status of an anju error code.
func Status(code string) int {
	switch code {
	case anju.EINVALID:
		return http.StatusBadRequest
	case anju.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case anju.ENOTFOUND:
		return http.StatusNotFound
	case anju.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case anju.EFORBIDDEN:
		return http.StatusForbidden
	case anju.ECONFLICT:
		return http.StatusConflict
	case anju.ETOOMANY:
		return http.StatusTooManyRequests
	case anju.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case anju.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ClientAddr is the request's remote host, without the port.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// PlainText reports whether s is text every engine stores alike: UTF-8
// without NUL characters (PostgreSQL refuses both, SQLite stores them).
func PlainText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// Auth is what the edges need of the server's sign-in — the JSON API's
// session route and the web pages' sign-in form alike: the same throttle,
// password-hash bound and session cookie for both.
type Auth interface {
	Login(w http.ResponseWriter, r *http.Request, login, password string) (*anju.Actor, error)
	Logout(w http.ResponseWriter, r *http.Request)
	// Hashing runs fn, which hashes a password, within the server's bound
	// on concurrent hashes (ETOOMANY past it).
	Hashing(w http.ResponseWriter, r *http.Request, fn func() error) error
}

// ChinaTime is the zone of a bare date: Anju's cities keep China Standard
// Time, which has no daylight saving.
var ChinaTime = time.FixedZone("CST", 8*3600)

// Query reads typed values from a URL query, keeping the first bad one as a
// field error: read every parameter, then check Err once.
type Query struct {
	values url.Values
	err    error
}

// NewQuery reads r's query string.
func NewQuery(r *http.Request) *Query { return &Query{values: r.URL.Query()} }

// QueryOf reads the given values (a form, for instance).
func QueryOf(v url.Values) *Query { return &Query{values: v} }

// Err is the first bad parameter's field error, or nil.
func (q *Query) Err() error { return q.err }

func (q *Query) fail(name, format string, args ...any) {
	if q.err == nil {
		q.err = anju.FieldError(name, format, args...)
	}
}

// Values are the underlying parameters.
func (q *Query) Values() url.Values { return q.values }

// String is the parameter's value with surrounding spaces removed.
func (q *Query) String(name string) string { return strings.TrimSpace(q.values.Get(name)) }

// Int is a whole number in [min, max]; def when absent.
func (q *Query) Int(name string, def, min, max int) int {
	v := q.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		q.fail(name, "%s must be a whole number from %d to %d", name, min, max)
		return def
	}
	return n
}

// Positive is a whole number of at least 1 with no upper bound here (the
// store bounds pages and sizes itself); def when absent.
func (q *Query) Positive(name string, def int) int {
	v := q.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		q.fail(name, "%s must be a positive whole number", name)
		return def
	}
	return n
}

// Required records a field error when the parameter is absent or blank.
func (q *Query) Required(name string) {
	if q.String(name) == "" {
		q.fail(name, "query parameter %s is required", name)
	}
}

// ID is a positive 64-bit identifier; 0 when absent.
func (q *Query) ID(name string) int64 {
	v := q.String(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		q.fail(name, "%s must be a positive whole number", name)
		return 0
	}
	return n
}

// Bool is true for "true", "1" or "on" (a checked box), false when absent,
// "false" or "0".
func (q *Query) Bool(name string) bool {
	switch q.String(name) {
	case "", "false", "0":
		return false
	case "true", "1", "on":
		return true
	}
	q.fail(name, "%s must be true or false", name)
	return false
}

// Float is a decimal number in [min, max]; ok is false when absent.
func (q *Query) Float(name string, min, max float64) (v float64, ok bool) {
	s := q.String(name)
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < min || f > max || f != f {
		q.fail(name, "%s must be a number from %g to %g", name, min, max)
		return 0, false
	}
	return f, true
}

// Time is a date (2026-03-02, taken as China Standard Time) or an RFC 3339
// time; zero when absent.
func (q *Query) Time(name string) time.Time {
	v := q.String(name)
	if v == "" {
		return time.Time{}
	}
	t, err := ParseTime(v)
	if err != nil {
		q.fail(name, "%s must be a date (2026-03-02) or an RFC 3339 time", name)
	}
	return t
}

// Date is the start of the day (YYYY-MM-DD, China Standard Time) the
// parameter names; zero when absent.
func (q *Query) Date(name string) time.Time {
	v := q.String(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", v, ChinaTime)
	if err != nil {
		q.fail(name, "%s must be a date such as 2026-03-02", name)
	}
	return t
}

// Day is the day (YYYY-MM-DD) the parameter names, as midnight UTC of
// that date — a calendar day, not an instant (package hazard counts days
// so); zero when absent.
func (q *Query) Day(name string) time.Time {
	v := q.String(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		q.fail(name, "%s must be a date such as 2026-03-02", name)
	}
	return t
}

// ParseTime reads a date in China Standard Time or an RFC 3339 time.
func ParseTime(v string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, ChinaTime); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}

// OneOf is the parameter when it is one of allowed (or absent: "").
func (q *Query) OneOf(name string, allowed ...string) string {
	v := q.String(name)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	q.fail(name, "%s must be one of %s", name, strings.Join(allowed, ", "))
	return ""
}
