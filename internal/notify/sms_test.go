package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// gateway is an SMS gateway that records requests.
type gateway struct {
	status int
	method string
	query  url.Values
	ctype  string
	body   string
	id     string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	g.method, g.query, g.ctype, g.body, g.id = r.Method, r.URL.Query(), r.Header.Get("Content-Type"), string(b), r.Header.Get(HeaderDelivery)
	if g.status != 0 {
		w.WriteHeader(g.status)
	}
}

const smsText = "您的诉求 HZ-0001 已办结 & 请评价 {text} 100%"

func TestSMSGet(t *testing.T) {
	g := &gateway{}
	srv := httptest.NewServer(g)
	defer srv.Close()
	s := &SMSSender{URL: srv.URL + "/send?to={phone}&msg={text}&ref={id}&key=abc"}
	if err := s.Send(context.Background(), Message{Channel: ChannelSMS, Target: "13812341234", Body: smsText, ID: "o-9"}); err != nil {
		t.Fatal(err)
	}
	if g.method != http.MethodGet || g.query.Get("to") != "13812341234" || g.query.Get("msg") != smsText ||
		g.query.Get("ref") != "o-9" || g.query.Get("key") != "abc" || g.id != "o-9" {
		t.Errorf("gateway got %s %v", g.method, g.query)
	}
	// The subject stands in for an empty body.
	if err := s.Send(context.Background(), Message{Target: "13812341234", Subject: "提醒"}); err != nil || g.query.Get("msg") != "提醒" {
		t.Errorf("subject as text: %v, %v", err, g.query)
	}
}

func TestSMSPost(t *testing.T) {
	g := &gateway{}
	srv := httptest.NewServer(g)
	defer srv.Close()
	ctx := context.Background()
	m := Message{Target: "+8613812341234", Body: smsText, ID: "o-1"}

	if err := (&SMSSender{URL: srv.URL, Method: "post"}).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(g.body)
	if g.method != http.MethodPost || g.ctype != "application/x-www-form-urlencoded" ||
		form.Get("phone") != m.Target || form.Get("text") != smsText || form.Get("id") != "o-1" {
		t.Errorf("default form: %s %s %q", g.method, g.ctype, g.body)
	}

	if err := (&SMSSender{URL: srv.URL, Method: "POST", Body: `{"mobile":"{phone}","content":"{text}","sign":"安居"}`}).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	var js map[string]string
	if err := json.Unmarshal([]byte(g.body), &js); err != nil || g.ctype != "application/json" ||
		js["mobile"] != m.Target || js["content"] != smsText || js["sign"] != "安居" {
		t.Errorf("JSON template: %s %q (%v)", g.ctype, g.body, err)
	}
	quoted := m
	quoted.Body = "他说：\"好\"\n\\end"
	if err := (&SMSSender{URL: srv.URL, Method: "POST", Body: `{"content":"{text}"}`}).Send(ctx, quoted); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(g.body), &js); err != nil || js["content"] != quoted.Body {
		t.Errorf("JSON escaping: %q (%v)", g.body, err)
	}

	if err := (&SMSSender{URL: srv.URL, Method: "POST", Body: "mobile={phone}&content={text}"}).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	form, _ = url.ParseQuery(g.body)
	if g.ctype != "application/x-www-form-urlencoded" || form.Get("mobile") != m.Target || form.Get("content") != smsText {
		t.Errorf("form template: %q", g.body)
	}
}

func TestSMSClassification(t *testing.T) {
	for status, permanent := range map[int]bool{200: false, 202: false, 400: true, 401: true, 429: false, 500: false, 503: false} {
		g := &gateway{status: status}
		srv := httptest.NewServer(g)
		err := (&SMSSender{URL: srv.URL + "?p={phone}&t={text}"}).Send(context.Background(), Message{Target: "13812341234", Body: "x"})
		srv.Close()
		if status < 300 {
			if err != nil {
				t.Errorf("status %d: %v", status, err)
			}
			continue
		}
		if err == nil || IsPermanent(err) != permanent {
			t.Errorf("status %d: %v, want permanent=%v", status, err, permanent)
		}
	}
	s := &SMSSender{URL: "http://127.0.0.1:1/?p={phone}&t={text}"}
	for _, m := range []Message{{Target: "a@b.c", Body: "x"}, {Target: "138 1234", Body: "x"}, {Target: "13812341234"}} {
		if err := s.Send(context.Background(), m); !IsPermanent(err) {
			t.Errorf("Send(%+v) = %v, want permanent", m, err)
		}
	}
}
