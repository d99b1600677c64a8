// Package notify delivers outbound notifications: signed webhooks, e-mail
// over SMTP and text messages through an HTTP SMS gateway. It is the code
// behind the outbox: the worker takes a due row, calls Router.Send, and on
// failure asks IsPermanent whether to give up or to try again after
// Backoff(attempt), up to MaxAttempts.
package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Channels.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
	ChannelSMS     = "sms"
)

// Message is one notification to deliver.
type Message struct {
	Channel string // ChannelWebhook, ChannelEmail or ChannelSMS
	Target  string // URL, e-mail address or phone number
	Subject string // e-mail subject; the text of an SMS when Body is empty
	Body    string // plain text
	Payload []byte // JSON, for webhooks
	// ID is the outbox row's ID. Receivers see it (X-Anju-Delivery, the
	// Message-ID, the SMS gateway's {id}) and can drop a second delivery
	// of the same message, which a retry after a lost reply produces.
	ID string
}

// Sender delivers a message. An error for which IsPermanent is true will
// fail again however often the message is retried; any other error may pass
// on a later attempt.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Router sends each message through the Sender registered for its channel.
type Router map[string]Sender

var _ Sender = Router(nil)

// Send delivers m through the sender for m.Channel. A channel with no sender
// is a permanent error: the message can never go out as configured.
func (r Router) Send(ctx context.Context, m Message) error {
	s, ok := r[m.Channel]
	if !ok || s == nil {
		return Permanent(fmt.Errorf("notify: no sender for channel %q", m.Channel))
	}
	return s.Send(ctx, m)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying cannot cure: a 4xx answer, an
// invalid address, a message the server refuses. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or any error it wraps, was marked by
// Permanent. Everything else — network errors, timeouts, 5xx, 408 and 429
// answers — is transient and worth retrying.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// MaxAttempts is how many times the worker tries a message before it gives
// up; with Backoff the attempts span about 7½ hours, long enough to ride out
// a receiver's night-time maintenance.
const MaxAttempts = 12

const (
	backoffBase = 10 * time.Second
	backoffMax  = time.Hour
)

// Backoff returns how long to wait after the given failed attempt (1 for the
// first) before the next: 10 s, 30 s, 90 s, 4½ min, … tripling up to an hour,
// each shortened by a random 0–20% so that messages that failed together do
// not all come back at the same moment.
func Backoff(attempt int) time.Duration {
	d := backoffBase
	for i := 1; i < attempt && d < backoffMax; i++ {
		d *= 3
	}
	d = min(d, backoffMax)
	return d - rand.N(d/5+1)
}
