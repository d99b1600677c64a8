package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"anju/internal/anju"
	"anju/internal/auth"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "anju_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "anju_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "anju_password_checks_total", Help: "Password hashes evaluated (each holds the argon2id memory cost).",
	}, func() float64 { return float64(auth.Checks()) }), prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "anju_password_checks_peak", Help: "Most password hashes evaluated at once since start.",
	}, func() float64 { return float64(auth.PeakChecks()) }))
	return m
}

// routeHolder carries the matched route pattern out of the mux to observe,
// which runs outside it; labelling by pattern rather than path keeps the
// metric's cardinality bounded.
type routeHolder struct{ pattern string }

type routeKey struct{}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs, counts and times every request, and turns a panic into a 500
// that is logged rather than a dropped connection.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// Every answer: no type sniffing, no framing (clickjacking), and no
		// full URL (which may hold a case or tracking code) sent elsewhere.
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		holder := &routeHolder{}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "panic", "method", r.Method, "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					s.api.WriteError(sw, r, anju.Errorf(anju.EINTERNAL, "internal error"))
				}
			}
			route := holder.pattern
			if route == "" {
				route = "unmatched"
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
			s.metrics.latency.WithLabelValues(r.Method, route).Observe(d.Seconds())
			s.log.LogAttrs(r.Context(), levelFor(sw.status), "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", sw.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000))
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, holder)))
	})
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

const sessionCookie = "anju_session"

// identify puts the request's actor, if any, in its context: from a bearer
// token, or else from the session cookie. A bearer token that is not valid is
// refused at once; a stale cookie is simply ignored (and cleared).
func (s *Server) identify(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkURLText(r); err != nil {
			s.api.WriteError(w, r, err)
			return
		}
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.api.WriteError(w, r, anju.Errorf(anju.EUNAUTHORIZED, "Authorization must be 'Bearer TOKEN'"))
				return
			}
			a, err := s.db.ActorByToken(ctx, strings.TrimSpace(token))
			if err != nil {
				s.api.WriteError(w, r, err)
				return
			}
			ctx = anju.WithActor(ctx, a)
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			a, err := s.db.ActorBySession(ctx, c.Value)
			switch {
			case err == nil:
				ctx = anju.WithActor(ctx, a)
			case anju.ErrorCode(err) == anju.EUNAUTHORIZED:
				clearSessionCookie(w, r)
			default:
				s.api.WriteError(w, r, err)
				return
			}
		}
		r = r.WithContext(ctx)
		mux.ServeHTTP(w, r)
		if h, ok := ctx.Value(routeKey{}).(*routeHolder); ok {
			h.pattern = r.Pattern
		}
	})
}

// forwarded takes the client's address from X-Forwarded-For when the
// connection comes from a trusted proxy (Config.TrustedProxies), so that
// sign-ins and the portal's reports are counted per client behind a load
// balancer rather than all under its address.
func (s *Server) forwarded(next http.Handler) http.Handler {
	if len(s.proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr, ok := forwardedFor(r, s.proxies); ok {
			r = r.WithContext(r.Context()) // a copy: the connection's request stays as it was
			r.RemoteAddr = netip.AddrPortFrom(addr, 0).String()
		}
		next.ServeHTTP(w, r)
	})
}

// forwardedFor is the client address a request from a trusted proxy
// names: each proxy appends the address it was reached from, so reading
// from the right, the first address that is not a trusted proxy is the
// client; anything left of it may be forged. ok is false for a request not
// from a trusted proxy, or with no usable header.
func forwardedFor(r *http.Request, proxies []netip.Prefix) (addr netip.Addr, ok bool) {
	trusted := func(a netip.Addr) bool {
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !trusted(peer.Addr().Unmap()) {
		return addr, false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for hop := range strings.SplitSeq(h, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return addr, false
		}
		if a = a.Unmap(); !trusted(a) || i == 0 {
			return a, true
		}
	}
	return addr, false
}
