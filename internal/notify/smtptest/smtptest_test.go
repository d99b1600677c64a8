package smtptest

import (
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
)

func TestDialogue(t *testing.T) {
	srv, err := NewServer(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := textproto.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	expect := func(cmd string, code int) {
		t.Helper()
		if cmd != "" {
			c.PrintfLine("%s", cmd)
		}
		if _, msg, err := c.ReadResponse(code); err != nil {
			t.Fatalf("%q: %v %s", cmd, err, msg)
		}
	}
	expect("", 220)
	expect("MAIL FROM:<a@b.c>", 503) // HELO first
	expect("HELO client", 250)
	expect("RCPT TO:<x@y.z>", 503) // MAIL first
	expect("MAIL FROM:<a@b.c> BODY=8BITMIME", 250)
	expect("DATA", 503) // RCPT first
	expect("RCPT TO:<x@y.z>", 250)
	expect("RCPT TO:<w@y.z>", 250)
	expect("DATA", 354)
	c.PrintfLine("Subject: hi")
	c.PrintfLine("")
	c.PrintfLine("..leading dot")
	expect(".", 250)
	expect("RSET", 250)
	expect("STARTTLS", 502)
	expect("AUTH PLAIN AGFAYg==", 504)
	expect("BOGUS", 502)
	expect("QUIT", 221)

	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].Helo != "client" || msgs[0].From != "a@b.c" || strings.Join(msgs[0].To, ",") != "x@y.z,w@y.z" ||
		string(msgs[0].Data) != "Subject: hi\r\n\r\n.leading dot\r\n" {
		t.Errorf("%+v %q", msgs, msgs[0].Data)
	}
}

func TestSMTPClient(t *testing.T) {
	srv, err := NewServer(Config{StartTLS: true, Users: map[string]string{"u": "p"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := smtp.Dial(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("a@b.c"); err == nil {
		t.Error("MAIL accepted before AUTH")
	}
	if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered twice")
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@b.c"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("x@y.z"); err != nil {
		t.Fatal(err)
	}
	w, _ := c.Data()
	w.Write([]byte("Subject: t\r\n\r\nbody\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	m := srv.Messages()
	if len(m) != 1 || !m[0].TLS || m[0].User != "u" {
		t.Errorf("%+v", m)
	}
	if pm, err := m[0].Parse(); err != nil || pm.Header.Get("Subject") != "t" {
		t.Errorf("Parse: %v", err)
	}
}
