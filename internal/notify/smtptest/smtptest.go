// Package smtptest runs a small SMTP server on 127.0.0.1 for tests: it
// speaks EHLO/HELO, optional STARTTLS (with a self-signed certificate that
// ClientTLSConfig trusts), optional AUTH PLAIN, MAIL FROM, RCPT TO, DATA,
// RSET, NOOP and QUIT, and records every message it accepts. It is the SMTP
// counterpart of net/http/httptest, for any package whose tests send mail.
package smtptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"
)

// Config sets what the server offers and refuses. The zero Config is a
// plain relay that accepts everything without authentication.
type Config struct {
	// Users, when not nil, makes the server offer AUTH PLAIN and refuse
	// MAIL FROM until a client has authenticated as one of them
	// (user → password).
	Users map[string]string
	// StartTLS makes the server offer STARTTLS.
	StartTLS bool
	// Reply, when set, is asked before the server answers MAIL FROM, RCPT TO
	// and the end of DATA (command "MAIL", "RCPT" or "DATA"; arg the address,
	// or "" for DATA). A non-zero code is sent instead of 250 with text, to
	// test 4xx and 5xx refusals.
	Reply func(command, arg string) (code int, text string)
}

// Message is one accepted message.
type Message struct {
	Helo string   // the name the client gave in EHLO or HELO
	User string   // the authenticated user, or ""
	TLS  bool     // whether the message came over TLS
	From string   // the MAIL FROM address
	To   []string // the RCPT TO addresses
	Data []byte   // the message as sent, with dot-stuffing undone and CRLF line ends
}

// Parse parses Data as an RFC 5322 message.
func (m Message) Parse() (*mail.Message, error) { return mail.ReadMessage(bytes.NewReader(m.Data)) }

// MaxMessageSize is the largest message the server accepts.
const MaxMessageSize = 10 << 20

// Server is a running SMTP server.
type Server struct {
	Addr string // 127.0.0.1:port

	cfg      Config
	ln       net.Listener
	tls      *tls.Config
	cert     *x509.Certificate
	wg       sync.WaitGroup
	mu       sync.Mutex
	messages []Message
	conns    map[net.Conn]struct{}
	closed   bool
}

// NewServer starts a server on 127.0.0.1 at a free port. Close it when done.
func NewServer(cfg Config) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), cfg: cfg, ln: ln, conns: map[net.Conn]struct{}{}}
	if cfg.StartTLS {
		if err := s.makeCert(); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Messages returns the messages accepted so far, oldest first. A message is
// recorded before the server acknowledges its DATA, so it is here as soon as
// the client's send returns.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// ClientTLSConfig returns a TLS configuration that trusts the server's
// certificate, which is valid for 127.0.0.1, ::1 and localhost, with
// ServerName 127.0.0.1.
func (s *Server) ClientTLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	if s.cert != nil {
		pool.AddCert(s.cert)
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// Close stops the server, ends open connections and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handle(conn)
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
			conn.Close()
		}()
	}
}

// session is the state of one connection.
type session struct {
	s    *Server
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	msg  Message
	user string
	tls  bool
	mail bool // MAIL FROM accepted
}

func (s *Server) handle(conn net.Conn) {
	conn.SetDeadline(time.Now().Add(time.Minute))
	ss := &session{s: s, conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}
	ss.reply(220, "smtptest ESMTP ready")
	for {
		line, err := ss.readLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if !ss.command(strings.ToUpper(verb), strings.TrimSpace(arg)) {
			return
		}
	}
}

func (ss *session) readLine() (string, error) {
	line, err := ss.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) > 4096 {
		return "", errors.New("line too long")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (ss *session) reply(code int, lines ...string) {
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		fmt.Fprintf(ss.w, "%d%s%s\r\n", code, sep, l)
	}
	ss.w.Flush()
}

// hook asks Config.Reply and sends its refusal; it reports whether the
// command may go on.
func (ss *session) hook(command, arg string) bool {
	if ss.s.cfg.Reply == nil {
		return true
	}
	code, text := ss.s.cfg.Reply(command, arg)
	if code == 0 {
		return true
	}
	ss.reply(code, text)
	return false
}

func (ss *session) reset() {
	ss.msg = Message{Helo: ss.msg.Helo}
	ss.mail = false
}

// command handles one command and reports whether to keep the connection.
func (ss *session) command(verb, arg string) bool {
	cfg := ss.s.cfg
	switch verb {
	case "EHLO":
		ss.reset()
		ss.msg.Helo = arg
		ext := []string{"smtptest", "8BITMIME", "SIZE " + fmt.Sprint(MaxMessageSize)}
		if cfg.StartTLS && !ss.tls {
			ext = append(ext, "STARTTLS")
		}
		if cfg.Users != nil {
			ext = append(ext, "AUTH PLAIN")
		}
		ss.reply(250, append(ext, "HELP")...)
	case "HELO":
		ss.reset()
		ss.msg.Helo = arg
		ss.reply(250, "smtptest")
	case "STARTTLS":
		if !cfg.StartTLS || ss.tls {
			ss.reply(502, "5.5.1 STARTTLS not available")
			return true
		}
		ss.reply(220, "2.0.0 Ready to start TLS")
		tconn := tls.Server(ss.conn, ss.s.tls)
		if err := tconn.Handshake(); err != nil {
			return false
		}
		ss.conn, ss.tls = tconn, true
		ss.r, ss.w = bufio.NewReader(tconn), bufio.NewWriter(tconn)
		ss.reset()
		ss.msg.Helo = ""
	case "AUTH":
		ss.auth(arg)
	case "MAIL":
		addr, ok := path(arg, "FROM:")
		switch {
		case !ok:
			ss.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
		case ss.msg.Helo == "":
			ss.reply(503, "5.5.1 EHLO first")
		case cfg.Users != nil && ss.user == "":
			ss.reply(530, "5.7.0 Authentication required")
		case ss.mail:
			ss.reply(503, "5.5.1 Sender already given")
		case ss.hook("MAIL", addr):
			ss.msg.From, ss.mail = addr, true
			ss.reply(250, "2.1.0 OK")
		}
	case "RCPT":
		addr, ok := path(arg, "TO:")
		switch {
		case !ok || addr == "":
			ss.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
		case !ss.mail:
			ss.reply(503, "5.5.1 MAIL first")
		case ss.hook("RCPT", addr):
			ss.msg.To = append(ss.msg.To, addr)
			ss.reply(250, "2.1.5 OK")
		}
	case "DATA":
		if len(ss.msg.To) == 0 {
			ss.reply(503, "5.5.1 RCPT first")
			return true
		}
		ss.reply(354, "End data with <CR><LF>.<CR><LF>")
		data, err := ss.readData()
		if err != nil {
			return false
		}
		if len(data) > MaxMessageSize {
			ss.reply(552, "5.3.4 Message too big")
		} else if ss.hook("DATA", "") {
			m := ss.msg
			m.User, m.TLS, m.Data = ss.user, ss.tls, data
			ss.s.mu.Lock()
			ss.s.messages = append(ss.s.messages, m)
			ss.s.mu.Unlock()
			ss.reply(250, "2.0.0 OK queued")
		}
		ss.reset()
	case "RSET":
		ss.reset()
		ss.reply(250, "2.0.0 OK")
	case "NOOP":
		ss.reply(250, "2.0.0 OK")
	case "QUIT":
		ss.reply(221, "2.0.0 Bye")
		return false
	default:
		ss.reply(502, "5.5.2 Command not implemented")
	}
	return true
}

// path parses "FROM:<addr> [params]" and returns addr.
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

func (ss *session) auth(arg string) {
	cfg := ss.s.cfg
	mech, initial, _ := strings.Cut(arg, " ")
	if cfg.Users == nil || !strings.EqualFold(mech, "PLAIN") {
		ss.reply(504, "5.5.4 Unrecognized authentication type")
		return
	}
	if ss.user != "" {
		ss.reply(503, "5.5.1 Already authenticated")
		return
	}
	if initial == "" {
		ss.reply(334, "")
		line, err := ss.readLine()
		if err != nil {
			return
		}
		initial = line
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	parts := strings.Split(string(raw), "\x00")
	if err != nil || len(parts) != 3 {
		ss.reply(501, "5.5.2 Cannot decode AUTH PLAIN response")
		return
	}
	if pw, ok := cfg.Users[parts[1]]; !ok || pw != parts[2] {
		ss.reply(535, "5.7.8 Authentication credentials invalid")
		return
	}
	ss.user = parts[1]
	ss.reply(235, "2.7.0 Authentication successful")
}

// readData reads the message up to the lone "." line and undoes
// dot-stuffing. It keeps reading past MaxMessageSize, so that the dialogue
// stays in step, but stops storing.
func (ss *session) readData() ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := ss.r.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "." {
			return b.Bytes(), nil
		}
		line = strings.TrimPrefix(line, ".")
		if b.Len() <= MaxMessageSize {
			b.WriteString(line)
			b.WriteString("\r\n")
		}
	}
}

// makeCert creates a self-signed certificate for the loopback addresses.
func (s *Server) makeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	if s.cert, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	s.tls = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return nil
}
