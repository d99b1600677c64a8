package notify

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/notify/smtptest"
)

func startSMTP(t *testing.T, cfg smtptest.Config) *smtptest.Server {
	t.Helper()
	srv, err := smtptest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestEmailOverSTARTTLSWithAuth(t *testing.T) {
	srv := startSMTP(t, smtptest.Config{StartTLS: true, Users: map[string]string{"anju": "s3cret pass"}})
	clock := anju.NewFakeClock(time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)))
	s := &SMTPSender{
		Addr: srv.Addr, From: "安居平台 <noreply@anju.example>",
		Username: "anju", Password: "s3cret pass",
		TLSConfig: srv.ClientTLSConfig(), Clock: clock, Hostname: "anju.test",
	}
	subject := "您的诉求 HZ20260302-0001 已办结，请评价 — a long subject that must be split into several encoded words"
	body := "张三您好：\n\n您反映的占道经营问题已处理完毕。\n.\n.这一行以点开头\n" + strings.Repeat("长行", 60) + "\n"
	if err := s.Send(context.Background(), Message{Channel: ChannelEmail, Target: "张三 <zhangsan@example.org>", Subject: subject, Body: body, ID: "outbox-42"}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	got := msgs[0]
	if !got.TLS || got.User != "anju" || got.Helo != "anju.test" || got.From != "noreply@anju.example" ||
		len(got.To) != 1 || got.To[0] != "zhangsan@example.org" {
		t.Errorf("envelope %+v", got)
	}
	m, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	h := m.Header
	var dec mime.WordDecoder
	gotSubject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || gotSubject != subject {
		t.Errorf("Subject %q decodes to %q (%v)", h.Get("Subject"), gotSubject, err)
	}
	// Long encoded subjects are folded between encoded words: each line
	// holds one word (at most 75 characters) after the field name.
	if n := strings.Count(string(got.Data), "\r\n =?UTF-8?q?"); n < 2 {
		t.Errorf("subject folded %d times", n)
	}
	for _, line := range strings.Split(string(got.Data), "\r\n") {
		if line == "" {
			break // end of headers
		}
		if len(line) > len("Subject: ")+75 {
			t.Errorf("header line too long: %q", line)
		}
		for _, r := range line {
			if r > 127 {
				t.Errorf("raw non-ASCII in header %q", line)
				break
			}
		}
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "安居平台" || from.Address != "noreply@anju.example" {
		t.Errorf("From %q: %v %v", h.Get("From"), from, err)
	}
	if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Name != "张三" {
		t.Errorf("To %q", h.Get("To"))
	}
	if date, err := h.Date(); err != nil || !date.Equal(clock.Now()) {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if h.Get("Message-Id") != "<anju.outbox-42@anju.example>" {
		t.Errorf("Message-ID %q", h.Get("Message-Id"))
	}
	if h.Get("Content-Type") != "text/plain; charset=UTF-8" || h.Get("Mime-Version") != "1.0" ||
		h.Get("Content-Transfer-Encoding") != "quoted-printable" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers %v", h)
	}
	raw, _ := io.ReadAll(m.Body)
	decoded, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(raw))))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(body, "\n", "\r\n"); string(decoded) != want {
		t.Errorf("body decodes to\n%q\nwant\n%q", decoded, want)
	}
}

func TestEmailPlainRelay(t *testing.T) {
	srv := startSMTP(t, smtptest.Config{})
	s := &SMTPSender{Addr: srv.Addr, From: "noreply@anju.example"}
	if err := s.Send(context.Background(), Message{Target: "ops@example.org", Subject: "plain\r\nBcc: evil@example.org", Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()[0]
	m, _ := got.Parse()
	if got.TLS || got.User != "" || m.Header.Get("Subject") != "plain Bcc: evil@example.org" || m.Header.Get("Bcc") != "" {
		t.Errorf("%+v %v", got, m.Header)
	}
	if id := m.Header.Get("Message-Id"); !strings.HasPrefix(id, "<anju.") || !strings.HasSuffix(id, "@anju.example>") {
		t.Errorf("Message-ID %q", id)
	}
}

func TestEmailErrors(t *testing.T) {
	srv := startSMTP(t, smtptest.Config{
		Users: map[string]string{"anju": "right"},
		Reply: func(cmd, arg string) (int, string) {
			switch {
			case cmd == "RCPT" && strings.HasPrefix(arg, "nobody@"):
				return 550, "5.1.1 No such user"
			case cmd == "RCPT" && strings.HasPrefix(arg, "full@"):
				return 452, "4.2.2 Mailbox full"
			}
			return 0, ""
		},
	})
	ok := &SMTPSender{Addr: srv.Addr, From: "noreply@anju.example", Username: "anju", Password: "right"}
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		s         *SMTPSender
		target    string
		permanent bool
	}{
		{"unknown user", ok, "nobody@example.org", true},
		{"mailbox full", ok, "full@example.org", false},
		{"bad address", ok, "not an address", true},
		{"wrong password", &SMTPSender{Addr: srv.Addr, From: "noreply@anju.example", Username: "anju", Password: "wrong"}, "a@example.org", false},
		{"no auth", &SMTPSender{Addr: srv.Addr, From: "noreply@anju.example"}, "a@example.org", false}, // 530: fix the configuration and retry
		{"nothing listening", &SMTPSender{Addr: "127.0.0.1:1", From: "noreply@anju.example"}, "a@example.org", false},
	} {
		err := c.s.Send(ctx, Message{Target: c.target, Subject: "s", Body: "b"})
		if err == nil || IsPermanent(err) != c.permanent {
			t.Errorf("%s: %v, want permanent=%v", c.name, err, c.permanent)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
	if err := ok.Send(ctx, Message{Target: "a@example.org", Subject: "s", Body: "b"}); err != nil {
		t.Fatal(err)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "127.0.0.2": true, "::1": true,
		"smtp.example.org": false, "10.0.0.1": false, "localhost.example.org": false} {
		if isLoopback(host) != want {
			t.Errorf("isLoopback(%q) = %v", host, !want)
		}
	}
}
