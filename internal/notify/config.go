package notify

import (
	"errors"
	"net"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"anju/internal/anju"
)

// Config is the delivery configuration, read from the environment. A channel
// whose settings are all empty is off: Router leaves it out, and messages for
// it fail permanently.
type Config struct {
	SMTPAddr     string // ANJU_SMTP_ADDR, host:port
	SMTPFrom     string // ANJU_SMTP_FROM, "Name <address>" or address
	SMTPUser     string // ANJU_SMTP_USER
	SMTPPassword string // ANJU_SMTP_PASSWORD

	SMSURL    string // ANJU_SMS_URL, template with {phone}, {text}, {id}
	SMSMethod string // ANJU_SMS_METHOD, GET (default) or POST
	SMSBody   string // ANJU_SMS_BODY, POST body template (see SMSSender)

	WebhookSecret string // ANJU_WEBHOOK_SECRET, at least MinWebhookSecret bytes
	// WebhookAllow is the allow list of internal receivers; the command
	// reads it (--webhook-allow, ANJU_WEBHOOK_ALLOW) and sets it here.
	WebhookAllow AllowList
}

// MinWebhookSecret is the shortest webhook secret accepted.
const MinWebhookSecret = 16

// ParseConfig reads the configuration through getenv (os.Getenv, or a map
// lookup in tests) and validates it. It returns every problem at once,
// joined, each an EINVALID error naming its variable as the field.
func ParseConfig(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		SMTPAddr:      get("ANJU_SMTP_ADDR"),
		SMTPFrom:      get("ANJU_SMTP_FROM"),
		SMTPUser:      get("ANJU_SMTP_USER"),
		SMTPPassword:  getenv("ANJU_SMTP_PASSWORD"), // spaces may be part of it
		SMSURL:        get("ANJU_SMS_URL"),
		SMSMethod:     strings.ToUpper(get("ANJU_SMS_METHOD")),
		SMSBody:       get("ANJU_SMS_BODY"),
		WebhookSecret: getenv("ANJU_WEBHOOK_SECRET"),
	}
	return c, c.Validate()
}

// Validate checks c as ParseConfig describes.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, anju.FieldError(field, format, args...))
	}
	if c.SMTPAddr != "" || c.SMTPFrom != "" || c.SMTPUser != "" || c.SMTPPassword != "" {
		host, port, err := net.SplitHostPort(c.SMTPAddr)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			bad("ANJU_SMTP_ADDR", "SMTP address must be host:port, such as smtp.example.org:587")
		}
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			bad("ANJU_SMTP_FROM", "SMTP sender must be an e-mail address, such as \"安居 <noreply@example.org>\"")
		}
		if (c.SMTPUser == "") != (c.SMTPPassword == "") {
			bad("ANJU_SMTP_USER", "set both ANJU_SMTP_USER and ANJU_SMTP_PASSWORD, or neither")
		}
	}
	if c.SMSURL != "" || c.SMSMethod != "" || c.SMSBody != "" {
		if _, err := checkURL(fill(c.SMSURL, map[string]string{"phone": "1", "text": "t", "id": "1"}, func(s string) string { return s })); err != nil {
			bad("ANJU_SMS_URL", "SMS gateway URL must be an http or https URL")
		}
		switch c.SMSMethod {
		case "", http.MethodGet:
			if c.SMSBody != "" {
				bad("ANJU_SMS_BODY", "an SMS body template needs ANJU_SMS_METHOD=POST")
			}
			if !strings.Contains(c.SMSURL, "{phone}") || !strings.Contains(c.SMSURL, "{text}") {
				bad("ANJU_SMS_URL", "SMS gateway URL for GET must contain {phone} and {text}")
			}
		case http.MethodPost:
			if t := c.SMSBody; t != "" && (!strings.Contains(t, "{phone}") || !strings.Contains(t, "{text}")) {
				bad("ANJU_SMS_BODY", "SMS body template must contain {phone} and {text}")
			}
		default:
			bad("ANJU_SMS_METHOD", "SMS method must be GET or POST")
		}
	}
	if c.WebhookSecret != "" && len(c.WebhookSecret) < MinWebhookSecret {
		bad("ANJU_WEBHOOK_SECRET", "webhook secret must be at least %d bytes", MinWebhookSecret)
	}
	return errors.Join(errs...)
}

// Router returns a Router with a sender for each configured channel.
func (c Config) Router() Router {
	r := Router{}
	if c.SMTPAddr != "" {
		r[ChannelEmail] = &SMTPSender{Addr: c.SMTPAddr, From: c.SMTPFrom, Username: c.SMTPUser, Password: c.SMTPPassword}
	}
	if c.SMSURL != "" {
		r[ChannelSMS] = &SMSSender{URL: c.SMSURL, Method: c.SMSMethod, Body: c.SMSBody}
	}
	if c.WebhookSecret != "" {
		r[ChannelWebhook] = &WebhookSender{Secret: []byte(c.WebhookSecret), Allow: c.WebhookAllow}
	}
	return r
}

// String shows the configuration with the password and secret hidden, so
// that it may be logged.
func (c Config) String() string {
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return "[hidden]"
	}
	return "notify.Config{SMTPAddr:" + c.SMTPAddr + " SMTPFrom:" + c.SMTPFrom + " SMTPUser:" + c.SMTPUser +
		" SMTPPassword:" + hide(c.SMTPPassword) + " SMSURL:" + hide(c.SMSURL) + " SMSMethod:" + c.SMSMethod +
		" WebhookSecret:" + hide(c.WebhookSecret) + "}"
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }
