package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"anju/internal/anju"
)

// SMTPSender sends plain-text e-mail through an SMTP relay. It upgrades the
// connection with STARTTLS whenever the server offers it, and authenticates
// with AUTH PLAIN when Username is set — but only over TLS or to a server on
// this machine, so that the password never crosses a network in clear.
type SMTPSender struct {
	Addr     string // host:port of the relay
	From     string // sender address, optionally with a display name: "安居 <noreply@example.org>"
	Username string
	Password string
	// Hostname is the name this side gives in EHLO; "localhost" if empty.
	Hostname string
	// TLSConfig is used for STARTTLS; nil means verify the server's
	// certificate for the host in Addr against the system roots.
	TLSConfig *tls.Config
	Timeout   time.Duration // for the whole dialogue; DefaultTimeout if 0
	Clock     anju.Clock    // for the Date header; nil: the system clock
}

var _ Sender = (*SMTPSender)(nil)

// Send mails m.Subject and m.Body to the address in m.Target. An address
// that does not parse and a 5xx refusal of the sender, recipient or message
// are permanent errors. Failures to connect, to start TLS or to
// authenticate are transient: they are the relay's or the configuration's,
// and the message should go out once they are fixed.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.Target)
	if err != nil || strings.ContainsAny(to.Address, "\r\n") {
		return Permanent(fmt.Errorf("notify: %q is not an e-mail address", m.Target))
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return Permanent(fmt.Errorf("notify: sender %q is not an e-mail address", s.From))
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("notify: SMTP address %q: %w", s.Addr, err)
	}
	var now time.Time
	if s.Clock != nil {
		now = s.Clock.Now()
	} else {
		now = time.Now()
	}
	msg, err := buildMail(from, to, m, now)
	if err != nil {
		return Permanent(err)
	}

	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("notify: SMTP: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// Cancelling ctx aborts the dialogue at once, not at the deadline.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("notify: SMTP greeting: %w", err)
	}
	defer c.Close()
	hostname := s.Hostname
	if hostname == "" {
		hostname = "localhost"
	}
	if err := c.Hello(hostname); err != nil {
		return fmt.Errorf("notify: SMTP EHLO: %w", err)
	}
	tlsOn := false
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("notify: SMTP STARTTLS: %w", err)
		}
		tlsOn = true
	}
	if s.Username != "" {
		if !tlsOn && !isLoopback(host) {
			return fmt.Errorf("notify: SMTP server %s offers no STARTTLS; refusing to send the password in clear", host)
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("notify: SMTP server %s does not offer AUTH", host)
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("notify: SMTP AUTH: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return classifySMTP("MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return classifySMTP("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return classifySMTP("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("notify: SMTP DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return classifySMTP("DATA", err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	c.Quit()
	return nil
}

// classifySMTP makes a 5xx reply permanent; 4xx and I/O errors stay
// transient, and so do 530 and 534–538, which say the relay wants other
// authentication: that is the configuration's fault, not the message's.
func classifySMTP(stage string, err error) error {
	err = fmt.Errorf("notify: SMTP %s: %w", stage, err)
	var terr *textproto.Error
	if errors.As(err, &terr) && terr.Code >= 500 && terr.Code != 530 && (terr.Code < 534 || terr.Code > 538) {
		return Permanent(err)
	}
	return err
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// buildMail returns the RFC 5322 message: UTF-8 plain text in
// quoted-printable, the subject as RFC 2047 encoded words, and a Message-ID
// derived from the outbox ID so that a retried message keeps its identity.
func buildMail(from, to *mail.Address, m Message, now time.Time) ([]byte, error) {
	domain := "anju.invalid"
	if _, d, ok := strings.Cut(from.Address, "@"); ok && d != "" {
		domain = d
	}
	id := m.ID
	if id == "" {
		b := make([]byte, 12)
		rand.Read(b)
		id = hex.EncodeToString(b)
	} else if strings.ContainsAny(id, "<>@\r\n \t") {
		return nil, errors.New("notify: message ID unusable in a Message-ID")
	}
	// Line breaks in a subject would start new header fields.
	subject := strings.Join(strings.Fields(m.Subject), " ")

	var b bytes.Buffer
	header := func(k, v string) {
		// Fold between RFC 2047 encoded words, which mime joins with a
		// space, to keep lines within 78 characters.
		b.WriteString(k + ": " + strings.ReplaceAll(v, "?= =?", "?=\r\n =?") + "\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("UTF-8", subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<anju."+id+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(m.Body))
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
