package notify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// SMSSender sends a text message through an HTTP SMS gateway. Gateways differ,
// so the request is built from templates in which {phone}, {text} and {id}
// (the outbox ID) are replaced:
//
//   - GET: URL carries everything, each value URL-escaped:
//     https://sms.example/send?to={phone}&msg={text}&ref={id}
//   - POST with no Body: URL (placeholders URL-escaped) and a form body
//     phone=…&text=…&id=…
//   - POST with a Body starting with '{' or '[': a JSON body, each value
//     escaped as the inside of a JSON string, so the template quotes them:
//     {"mobile":"{phone}","content":"{text}"}
//   - POST with any other Body: a form body, each value URL-escaped:
//     mobile={phone}&content={text}
//
// Any 2xx answer is success; errors are classified as for webhooks.
type SMSSender struct {
	URL     string
	Method  string // http.MethodGet or http.MethodPost; GET if empty
	Body    string // POST body template, see above
	Header  http.Header
	Timeout time.Duration // per request; DefaultTimeout if 0
	Client  *http.Client  // nil: one that does not follow redirects
}

var _ Sender = (*SMSSender)(nil)

// smsTargetRE accepts what a gateway takes as a number: digits with an
// optional leading +.
var smsTargetRE = regexp.MustCompile(`^\+?[0-9]{5,20}$`)

// Send texts m.Body (m.Subject if the body is empty) to the phone number in
// m.Target. A target that is not a phone number is a permanent error.
func (s *SMSSender) Send(ctx context.Context, m Message) error {
	if !smsTargetRE.MatchString(m.Target) {
		return Permanent(errors.New("notify: SMS target is not a phone number"))
	}
	text := m.Body
	if text == "" {
		text = m.Subject
	}
	if strings.TrimSpace(text) == "" {
		return Permanent(errors.New("notify: SMS has no text"))
	}
	values := map[string]string{"phone": m.Target, "text": text, "id": m.ID}
	rawURL := fill(s.URL, values, url.QueryEscape)
	if _, err := checkURL(rawURL); err != nil {
		return err
	}
	method := strings.ToUpper(s.Method)
	if method == "" {
		method = http.MethodGet
	}
	var body, contentType string
	switch {
	case method == http.MethodGet:
	case s.Body == "":
		body = url.Values{"phone": {m.Target}, "text": {text}, "id": {m.ID}}.Encode()
		contentType = "application/x-www-form-urlencoded"
	case isJSONTemplate(s.Body):
		body = fill(s.Body, values, jsonEscape)
		contentType = "application/json"
	default:
		body = fill(s.Body, values, url.QueryEscape)
		contentType = "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, strings.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	for k, vs := range s.Header {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if m.ID != "" {
		req.Header.Set(HeaderDelivery, m.ID)
	}
	return do(ctx, s.Client, s.Timeout, req)
}

func isJSONTemplate(t string) bool {
	t = strings.TrimSpace(t)
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// fill replaces {name} in template by escape(values[name]), in one pass so
// that a value containing "{text}" is not replaced again.
func fill(template string, values map[string]string, escape func(string) string) string {
	var pairs []string
	for k, v := range values {
		pairs = append(pairs, "{"+k+"}", escape(v))
	}
	return strings.NewReplacer(pairs...).Replace(template)
}

// jsonEscape returns s escaped for use between the quotes of a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
