package notify

import (
	"fmt"
	"strings"
	"testing"

	"anju/internal/anju"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(env(map[string]string{
		"ANJU_SMTP_ADDR": "smtp.example.org:587", "ANJU_SMTP_FROM": "安居 <noreply@example.org>",
		"ANJU_SMTP_USER": "anju", "ANJU_SMTP_PASSWORD": "pw",
		"ANJU_SMS_URL": "https://sms.example/send?to={phone}&msg={text}&key=K", "ANJU_SMS_METHOD": "get",
		"ANJU_WEBHOOK_SECRET": "a-webhook-secret-of-some-length",
	}))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Router()
	if len(r) != 3 || r[ChannelEmail] == nil || r[ChannelSMS] == nil || r[ChannelWebhook] == nil {
		t.Errorf("router %v", r)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, "a-webhook-secret") || strings.Contains(s, "key=K") || strings.Contains(s, ":pw") {
			t.Errorf("config shows a secret: %s", s)
		}
	}

	empty, err := ParseConfig(env(nil))
	if err != nil || len(empty.Router()) != 0 {
		t.Errorf("empty config: %v, %v", err, empty.Router())
	}
	post, err := ParseConfig(env(map[string]string{"ANJU_SMS_URL": "https://sms.example/send", "ANJU_SMS_METHOD": "POST",
		"ANJU_SMS_BODY": `{"to":"{phone}","text":"{text}"}`}))
	if err != nil || post.Router()[ChannelSMS] == nil {
		t.Errorf("POST SMS config: %v", err)
	}

	for _, c := range []struct {
		env    map[string]string
		fields []string
	}{
		{map[string]string{"ANJU_SMTP_ADDR": "smtp.example.org"}, []string{"ANJU_SMTP_ADDR", "ANJU_SMTP_FROM"}},
		{map[string]string{"ANJU_SMTP_ADDR": "smtp.example.org:0", "ANJU_SMTP_FROM": "x@y.z"}, []string{"ANJU_SMTP_ADDR"}},
		{map[string]string{"ANJU_SMTP_ADDR": ":25", "ANJU_SMTP_FROM": "x@y.z"}, []string{"ANJU_SMTP_ADDR"}},
		{map[string]string{"ANJU_SMTP_ADDR": "h:25", "ANJU_SMTP_FROM": "not an address"}, []string{"ANJU_SMTP_FROM"}},
		{map[string]string{"ANJU_SMTP_ADDR": "h:25", "ANJU_SMTP_FROM": "x@y.z", "ANJU_SMTP_USER": "u"}, []string{"ANJU_SMTP_USER"}},
		{map[string]string{"ANJU_SMTP_PASSWORD": "p"}, []string{"ANJU_SMTP_ADDR", "ANJU_SMTP_FROM", "ANJU_SMTP_USER"}},
		{map[string]string{"ANJU_SMS_URL": "sms.example/send?to={phone}&t={text}"}, []string{"ANJU_SMS_URL"}},
		{map[string]string{"ANJU_SMS_URL": "https://sms.example/send?to={phone}"}, []string{"ANJU_SMS_URL"}},
		{map[string]string{"ANJU_SMS_URL": "https://sms.example/?p={phone}&t={text}", "ANJU_SMS_METHOD": "PUT"}, []string{"ANJU_SMS_METHOD"}},
		{map[string]string{"ANJU_SMS_URL": "https://sms.example/?p={phone}&t={text}", "ANJU_SMS_BODY": "x={text}"}, []string{"ANJU_SMS_BODY"}},
		{map[string]string{"ANJU_SMS_URL": "https://sms.example/", "ANJU_SMS_METHOD": "POST", "ANJU_SMS_BODY": "x={text}"}, []string{"ANJU_SMS_BODY"}},
		{map[string]string{"ANJU_SMS_METHOD": "POST"}, []string{"ANJU_SMS_URL"}},
		{map[string]string{"ANJU_WEBHOOK_SECRET": "short"}, []string{"ANJU_WEBHOOK_SECRET"}},
	} {
		_, err := ParseConfig(env(c.env))
		if anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("%v: %v, want EINVALID", c.env, err)
			continue
		}
		for _, f := range c.fields {
			if !strings.Contains(err.Error(), "field "+f+")") {
				t.Errorf("%v: %v, want an error on %s", c.env, err, f)
			}
		}
		if got := strings.Count(err.Error(), "(field "); got != len(c.fields) {
			t.Errorf("%v: %d errors, want %d: %v", c.env, got, len(c.fields), err)
		}
	}
}
