package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one delivery attempt when a sender sets none.
const DefaultTimeout = 10 * time.Second

// StatusError is a non-2xx answer from a webhook receiver or SMS gateway.
type StatusError struct {
	StatusCode int
	Body       string // the start of the response body, for the log
	// RetryAfter is the delay the server asked for in a Retry-After header,
	// or 0. The worker should wait at least this long before retrying.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("notify: HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Temporary reports whether the status is worth retrying: 408, 429 and 5xx.
func (e *StatusError) Temporary() bool {
	return e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// newHTTPClient returns a client that does not follow redirects: a POST
// redirected with 301/302 would arrive as a body-less GET, and a receiver
// that moved should be reconfigured, not chased.
func newHTTPClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends req with the timeout and classifies the outcome: nil for 2xx,
// a permanent *StatusError for 3xx and 4xx other than 408 and 429, a
// transient one otherwise, and the transport's error (transient) when there
// is no answer at all.
func do(ctx context.Context, client *http.Client, timeout time.Duration, req *http.Request) error {
	if client == nil {
		client = defaultClient
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		if errors.Is(err, ErrForbiddenAddress) {
			// Retrying cannot help until an administrator allows it.
			return Permanent(fmt.Errorf("notify: %s %s: %w", req.Method, redact(req.URL), ErrForbiddenAddress))
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			// The URL is the receiver's and may carry a token; the
			// underlying error says enough.
			return fmt.Errorf("notify: %s %s: %w", req.Method, redact(req.URL), uerr.Err)
		}
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	serr := &StatusError{
		StatusCode: resp.StatusCode,
		Body:       strings.ToValidUTF8(strings.TrimSpace(string(snippet)), "?"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	if serr.Temporary() {
		return serr
	}
	return Permanent(serr)
}

var defaultClient = newHTTPClient()

func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redact returns u without its query and user info, which often hold keys.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}

// checkURL returns a permanent error unless s is an absolute http(s) URL.
func checkURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL itself stays out of the message: it may carry a token.
		return nil, Permanent(errors.New("notify: target is not an http or https URL"))
	}
	return u, nil
}
