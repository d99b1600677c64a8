package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
)

// Webhook headers.
const (
	HeaderTimestamp = "X-Anju-Timestamp" // unix seconds when the request was signed
	HeaderSignature = "X-Anju-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderDelivery  = "X-Anju-Delivery"  // the outbox ID; the same for every retry of one message
)

// WebhookSender POSTs a message's JSON payload to its target URL, signed
// with a shared secret so that the receiver can tell the request comes from
// Anju and was not replayed (see VerifySignature).
type WebhookSender struct {
	Secret  []byte
	Timeout time.Duration // per request; DefaultTimeout if 0
	// Allow lists the receivers on internal networks that may be called;
	// others are refused when connecting (ErrForbiddenAddress).
	Allow AllowList
	// Client nil: one that follows no redirects and enforces Allow. A
	// client given here is used as it is, without the address check.
	Client *http.Client
	Clock  anju.Clock // nil: the system clock
}

var _ Sender = (*WebhookSender)(nil)

// Send POSTs m.Payload, or, when it is empty, {"id","subject","body"} built
// from m, to m.Target. A target that is not an http(s) URL and a payload
// that is not JSON are permanent errors; so are 3xx and 4xx answers other
// than 408 and 429 (see StatusError).
func (s *WebhookSender) Send(ctx context.Context, m Message) error {
	u, err := checkURL(m.Target)
	if err != nil {
		return err
	}
	body := m.Payload
	if len(body) == 0 {
		body, _ = json.Marshal(struct {
			ID      string `json:"id,omitempty"`
			Subject string `json:"subject,omitempty"`
			Body    string `json:"body,omitempty"`
		}{m.ID, m.Subject, m.Body})
	} else if !json.Valid(body) {
		return Permanent(errors.New("notify: webhook payload is not valid JSON"))
	}
	var now time.Time
	if s.Clock != nil {
		now = s.Clock.Now()
	} else {
		now = time.Now()
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Anju-Webhook/1")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(s.Secret, ts, body))
	if m.ID != "" {
		req.Header.Set(HeaderDelivery, m.ID)
	}
	client := s.Client
	if client == nil {
		client = s.Allow.client()
	}
	return do(ctx, client, s.Timeout, req)
}

// Sign returns the X-Anju-Signature value for a body sent at timestamp:
// "sha256=" followed by the hex HMAC-SHA256 under secret of
// timestamp + "." + body.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors from VerifySignature.
var (
	ErrBadSignature = errors.New("notify: webhook signature does not match")
	ErrStale        = errors.New("notify: webhook timestamp outside the allowed skew")
)

// VerifySignature checks a webhook as its receiver should: header (the
// X-Anju-Signature value) must be Sign(secret, timestamp, body), compared in
// constant time, and timestamp (X-Anju-Timestamp) within maxSkew of now, so
// that a captured request cannot be replayed later. Receivers should also
// drop a repeated X-Anju-Delivery. It returns ErrStale or ErrBadSignature.
func VerifySignature(secret []byte, timestamp string, body []byte, header string, now time.Time, maxSkew time.Duration) error {
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad timestamp", ErrStale)
	}
	if skew := now.Sub(time.Unix(secs, 0)); skew > maxSkew || skew < -maxSkew {
		return ErrStale
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrBadSignature
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, timestamp, body), "sha256="))
	if !hmac.Equal(got, want) {
		return ErrBadSignature
	}
	return nil
}
