package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/personal"
)

// The reporter's secret link. A resident who files their own report — on the
// portal without an account, or signed in — receives a random key with the
// receipt (shown once, and sent by SMS when they left a phone). With
// /track/{code}?key=… they, and only they, may rate the result and reopen
// the case within the city's period after closure. Only the key's SHA-256 is
// kept with the case; the SMS waiting in the outbox holds it sealed with the
// data keys and loses it once sent.

// selfFiled reports whether the actor files a report of their own rather
// than for someone else: a resident (signed in, or the public portal) who
// holds no intake role at the place.
func selfFiled(actor *anju.Actor, path string) bool {
	return !actor.System && actor.HasRole(anju.RoleResident) && !actor.HasRoleAt(path, intakeRoles[:3]...)
}

// newReporterSecret returns 32 random bytes, URL-safe: far too many to guess.
func newReporterSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// receiptKeyMark stands in the receipt SMS's body for the secret key, which
// the outbox keeps sealed (OutboxItem.Secret) until it is sent.
const receiptKeyMark = "{key}"

// enqueueReceipt queues the receipt SMS of a self-filed report: the
// tracking code and the secret link.
func (t *Tx) enqueueReceipt(ctx context.Context, c *Case, reporterID int64, secret string) error {
	db := t.db
	keyID, ct, err := db.keys.Seal([]byte(secret), personal.AAD(c.City, "outbox", c.ID))
	if err != nil {
		return err
	}
	body := fmt.Sprintf("【安居】您的诉求已登记（编号 %s）。查询进度、评价或重新办理请用此链接，勿转发：%s/track/%s?key=%s",
		FormatTrackingCode(c.TrackingCode), db.publicURL, c.TrackingCode, receiptKeyMark)
	now := micros(db.clock.Now())
	return t.appendRow(ctx, "outbox", `(city, case_id, event_id, channel, target, subject, body, secret, status, next_attempt, created_at)`,
		c.City, c.ID, nil, "sms", "reporter:"+strconv.FormatInt(reporterID, 10), "", body,
		keyID+":"+base64.StdEncoding.EncodeToString(ct), "pending", now, now)
}

// openReceiptKey puts the sealed key of a receipt SMS back into its body.
func (db *DB) openReceiptKey(it OutboxItem) (string, error) {
	keyID, sealed, ok := strings.Cut(it.Secret, ":")
	ct, err := base64.StdEncoding.DecodeString(sealed)
	if !ok || err != nil || db.keys == nil {
		return "", fmt.Errorf("outbox %d: unreadable sealed key", it.ID)
	}
	key, err := db.keys.Open(keyID, ct, personal.AAD(it.City, "outbox", it.CaseID))
	if err != nil {
		return "", fmt.Errorf("outbox %d: %w", it.ID, err)
	}
	return strings.Replace(it.Body, receiptKeyMark, string(key), 1), nil
}

// ReporterCase returns the case whose secret link is code and key, for the
// tracking page to offer the reporter's actions. ENOTFOUND for an unknown
// code; EFORBIDDEN for a key that is not this case's (a forged or mistyped
// link, or a case filed by staff, which has none).
func (db *DB) ReporterCase(ctx context.Context, code, key string) (Case, error) {
	code = NormalizeTrackingCode(code)
	var id int64
	var hash string
	err := db.queryRow(ctx, `SELECT id, reporter_secret FROM cases WHERE tracking_code = ? AND kind <> 'petition'`, code).Scan(&id, &hash)
	if err == sql.ErrNoRows {
		return Case{}, anju.Errorf(anju.ENOTFOUND, "no case has tracking code %s", FormatTrackingCode(code))
	}
	if err != nil {
		return Case{}, err
	}
	if hash == "" || len(key) > 100 || subtle.ConstantTimeCompare([]byte(hashSecret(key)), []byte(hash)) != 1 {
		return Case{}, anju.Errorf(anju.EFORBIDDEN, "this link does not open report %s", FormatTrackingCode(code))
	}
	return db.getCase(ctx, db, anju.SystemActor("reporter-link"), id)
}

// reporterLinkActions are what the secret link allows.
var reporterLinkActions = []cases.Action{cases.ActionRate, cases.ActionReopen}

// ReporterAct takes a reporter's action — rate or reopen — on the case its
// secret link opens, as that case's reporter and nobody else's; the workflow
// and the city's period decide as for a signed-in reporter. Errors as
// ReporterCase and Act; EFORBIDDEN for another action.
func (db *DB) ReporterAct(ctx context.Context, code, key string, action cases.Action, in cases.Input) (Case, error) {
	c, err := db.ReporterCase(ctx, code, key)
	if err != nil {
		return Case{}, err
	}
	if !slices.Contains(reporterLinkActions, action) {
		return Case{}, anju.Errorf(anju.EFORBIDDEN, "the reporter's link allows rating and reopening only")
	}
	actor := &anju.Actor{Login: "reporter:link", City: c.City, ReporterOf: c.ID}
	var out Case
	err = db.inTx(ctx, func(tx *Tx) error {
		c, err := tx.getCase(ctx, anju.SystemActor("reporter-link"), c.ID)
		if err != nil {
			return err
		}
		out, err = tx.act(ctx, actor, c, action, ActionInput{Input: in})
		return err
	})
	return out, err
}

// DefaultReopenDays is how long after closure a reporter may rate or reopen
// a case in a city that has not set its own period.
const DefaultReopenDays = 15

// ReopenDays is the city's period, in calendar days after closure, for its
// reporters to rate or reopen a case.
func (db *DB) ReopenDays(ctx context.Context, city string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT reopen_days FROM city_settings WHERE city = ?`, city).Scan(&n)
	if err == sql.ErrNoRows {
		return DefaultReopenDays, nil
	}
	return n, err
}

// SetReopenDays sets the actor's city's period for reporters to rate or
// reopen (1–365 days); city-wide administrators only, audited.
func (db *DB) SetReopenDays(ctx context.Context, actor *anju.Actor, days int) error {
	if !actor.System && !actor.HasRoleAt(cityPath(actor.City), anju.RoleAdmin) {
		return anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator may set the reopening period")
	}
	if days < 1 || days > 365 {
		return anju.FieldError("reopen_days", "the period is from 1 to 365 days")
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO city_settings (city, reopen_days) VALUES (?, ?)
			ON CONFLICT (city) DO UPDATE SET reopen_days = excluded.reopen_days`, actor.City, days); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: actor.City, Action: "city.reopen_days", Object: "city:" + actor.City,
			Detail: map[string]any{"days": days}})
	})
}

// reporterWindow returns when the reporter's period to rate or reopen c
// ends (zero for a case not closed).
func (db *DB) reporterWindow(ctx context.Context, c Case) (time.Time, error) {
	if c.ClosedAt == nil {
		return time.Time{}, nil
	}
	days, err := db.ReopenDays(ctx, c.City)
	if err != nil {
		return time.Time{}, err
	}
	return c.ClosedAt.AddDate(0, 0, days), nil
}

// checkReporterWindow refuses a reporter's rating or reopening after the
// city's period; staff (an operator's call-back rating, a supervisor's
// reopening) are not bound by it.
func (db *DB) checkReporterWindow(ctx context.Context, c Case, action cases.Action, roles []anju.Role) error {
	if action != cases.ActionRate && action != cases.ActionReopen {
		return nil
	}
	for _, r := range roles {
		if r != cases.RoleReporter {
			return nil
		}
	}
	until, err := db.reporterWindow(ctx, c)
	if err != nil || until.IsZero() || db.clock.Now().Before(until) {
		return err
	}
	return anju.Errorf(anju.ECONFLICT, "the period for rating or reopening this report ended on %s",
		until.In(chinaTime).Format("2006-01-02"))
}

var chinaTime = time.FixedZone("CST", 8*3600)
