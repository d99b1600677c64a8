package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/notify"
)

// Subscription sends a city's case events to a webhook or an e-mail address.
type Subscription struct {
	ID      int64    `json:"id"`
	City    string   `json:"-"`
	Channel string   `json:"channel"` // webhook or email
	Target  string   `json:"target"`
	Secret  string   `json:"secret,omitempty"`
	Actions []string `json:"actions"` // empty: every action
}

// SaveSubscription adds a subscription; city-wide administrators only.
func (db *DB) SaveSubscription(ctx context.Context, actor *anju.Actor, s Subscription) (Subscription, error) {
	if !actor.System && !actor.HasRoleAt(cityPath(actor.City), anju.RoleAdmin) {
		return s, anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator may add subscriptions")
	}
	if err := db.validateDelivery(ctx, s.Channel, s.Target, s.Secret); err != nil {
		return s, err
	}
	for _, a := range s.Actions {
		if !knownAction(a) {
			return s, anju.FieldError("actions", "unknown action %q", a)
		}
	}
	s.City = actor.City
	// One transaction for the row and its audit entry: a subscription is
	// never saved unaudited, and the write queues with the others (busy.go).
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO subscriptions (city, channel, target, secret, actions) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			s.City, s.Channel, s.Target, s.Secret, strings.Join(s.Actions, ",")).Scan(&s.ID); err != nil {
			return db.dialect.translate(err)
		}
		if err := tx.noteChange(ctx, s.City, changeSubscriptions); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, auditRecord(s.City, "subscription.create", fmt.Sprintf("subscription:%d", s.ID),
			map[string]any{"channel": s.Channel, "target": s.Target}))
	})
	db.subscriptions.drop(s.City)
	s.Secret = ""
	return s, err
}

// validateDelivery checks where a subscription delivers: a signed webhook
// outside the server's own networks unless the operator allows it (see
// notify.AllowList), or one bare e-mail address. EINVALID naming the field.
func (db *DB) validateDelivery(ctx context.Context, channel, target, secret string) error {
	switch channel {
	case "webhook":
		if err := db.webhookAllow.CheckWebhookTarget(ctx, target); err != nil {
			return err
		}
		if len(secret) < notify.MinWebhookSecret {
			return anju.FieldError("secret", "a webhook needs a secret of at least %d characters to sign with", notify.MinWebhookSecret)
		}
	case "email":
		return notify.CheckEmailTarget(target)
	default:
		return anju.FieldError("channel", "channel must be webhook or email")
	}
	return nil
}

// knownAction reports whether a is an event a subscription can ask for:
// the intake itself or a workflow action.
func knownAction(a string) bool {
	return a == "submit" || slices.Contains(cases.Actions, cases.Action(a))
}

func (db *DB) citySubscriptions(ctx context.Context, q querier, city string) ([]Subscription, error) {
	return db.subscriptions.get(city, func() ([]Subscription, error) {
		rows, err := q.query(ctx, `SELECT id, channel, target, secret, actions FROM subscriptions WHERE city = ? ORDER BY id`, city)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Subscription
		for rows.Next() {
			var s Subscription
			var actions string
			if err := rows.Scan(&s.ID, &s.Channel, &s.Target, &s.Secret, &actions); err != nil {
				return nil, err
			}
			if actions != "" {
				s.Actions = strings.Split(actions, ",")
			}
			s.City = city
			out = append(out, s)
		}
		return out, rows.Err()
	})
}

// eventPayload is what subscribers receive: the event and the case's public
// fields, never personal data.
type eventPayload struct {
	Event        string      `json:"event"`
	EventID      int64       `json:"event_id"`
	CaseID       int64       `json:"case_id"`
	TrackingCode string      `json:"tracking_code"`
	City         string      `json:"city"`
	From         cases.State `json:"from"`
	To           cases.State `json:"to"`
	Category     string      `json:"category"`
	Grid         string      `json:"grid"`
	Department   string      `json:"department,omitempty"`
	Note         string      `json:"note,omitempty"`
	At           time.Time   `json:"at"`
}

// mergedReporter is the reporter of a case merged into another, with the
// tracking code of their own case: the master's would open another
// resident's report.
type mergedReporter struct {
	id   int64
	code string
}

// mergedReporters returns the reporters of the cases merged into case id.
// Merges are rare and a long transaction (the demo's week) notifies on
// thousands of events, so the transaction first asks once whether the city
// has any merged case at all; a merge it makes itself asks again.
func (t *Tx) mergedReporters(ctx context.Context, city string, id int64) ([]mergedReporter, error) {
	if t.noMerges == nil {
		t.noMerges = map[string]bool{}
	}
	none, known := t.noMerges[city]
	if !known {
		var one int
		// city || '' keeps SQLite from walking the city's index, all of
		// the city's cases, when it has none merged; the partial index
		// cases_merged_into holds only merged cases. PostgreSQL's planner
		// expects a merged case every few dozen rows and scanned the whole
		// table (21 ms at 11,000 cases, in every transaction of the demo's
		// history); ordered by merged_into, it reads the partial index.
		q := `SELECT 1 FROM cases WHERE merged_into IS NOT NULL AND city || '' = ? LIMIT 1`
		if t.db.dialect.name() == "postgres" {
			q = `SELECT 1 FROM cases WHERE merged_into IS NOT NULL AND city = ? ORDER BY merged_into LIMIT 1`
		}
		err := t.queryRow(ctx, q, city).Scan(&one)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		none = err == sql.ErrNoRows
		t.noMerges[city] = none
	}
	if none {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT reporter_id, tracking_code FROM cases WHERE merged_into = ? AND reporter_id IS NOT NULL`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mergedReporter
	for rows.Next() {
		var r mergedReporter
		if err := rows.Scan(&r.id, &r.code); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// enqueueNotifications writes the outbox rows an event causes, in the
// event's transaction: the reporter (and the reporters of cases merged into
// this one) on acceptance, rejection, resolution and closure, and every
// matching subscription.
func (t *Tx) enqueueNotifications(ctx context.Context, c *Case, eventID int64, ev cases.Event, note string) error {
	db := t.db
	now := micros(db.clock.Now())
	add := func(channel, target, subject, body, secret string) error {
		return t.appendRow(ctx, "outbox", `(city, case_id, event_id, channel, target, subject, body, secret, status, next_attempt, created_at)`,
			c.City, c.ID, eventID, channel, target, subject, body, secret, "pending", now, now)
	}
	if text, ok := residentNotified[ev.Action]; ok {
		reporters := []mergedReporter{}
		if c.reporterID.Valid {
			reporters = append(reporters, mergedReporter{c.reporterID.Int64, c.TrackingCode})
		}
		merged, err := t.mergedReporters(ctx, c.City, c.ID)
		if err != nil {
			return err
		}
		reporters = append(reporters, merged...)
		if c.Kind == cases.KindPetition {
			// A petitioner hears by the written notices, and a petition
			// has no tracking page to link to.
			text, ok = petitionerNotified[ev.Action]
			reporters = reporters[:0]
			if ok && c.reporterID.Valid {
				body := fmt.Sprintf("【安居】%s（编号 %s）。", text, FormatTrackingCode(c.TrackingCode))
				if err := add("sms", "reporter:"+strconv.FormatInt(c.reporterID.Int64, 10), "", body, ""); err != nil {
					return err
				}
			}
		}
		for _, r := range reporters {
			body := fmt.Sprintf("【安居】%s（编号 %s）。查询进度：%s/track/%s", text, FormatTrackingCode(r.code), db.publicURL, r.code)
			if err := add("sms", "reporter:"+strconv.FormatInt(r.id, 10), "", body, ""); err != nil {
				return err
			}
		}
		// Residents who added their voice ("me too") and left a contact
		// hear what its reporter hears, about the case they joined.
		if c.Supporters > 0 {
			ids, err := t.supporterContacts(ctx, c.ID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				body := fmt.Sprintf("【安居】您关注的诉求有新进展：%s（编号 %s）。查询进度：%s/track/%s", supporterNotified[ev.Action],
					FormatTrackingCode(c.TrackingCode), db.publicURL, c.TrackingCode)
				if err := add("sms", "reporter:"+strconv.FormatInt(id, 10), "", body, ""); err != nil {
					return err
				}
			}
		}
	}
	subs, err := db.citySubscriptions(ctx, t, c.City)
	if err != nil || len(subs) == 0 {
		return err
	}
	payload, _ := json.Marshal(eventPayload{Event: string(ev.Action), EventID: eventID, CaseID: c.ID, TrackingCode: c.TrackingCode,
		City: c.City, From: ev.From, To: ev.To, Category: c.Category, Grid: c.Grid.Code, Department: c.Department,
		Note: note, At: db.clock.Now().UTC()})
	for _, s := range subs {
		if len(s.Actions) > 0 && !slices.Contains(s.Actions, string(ev.Action)) {
			continue
		}
		subject := fmt.Sprintf("[安居] 案件 %s: %s → %s", FormatTrackingCode(c.TrackingCode), ev.From, ev.To)
		if err := add(s.Channel, s.Target, subject, string(payload), s.Secret); err != nil {
			return err
		}
	}
	return nil
}

// OutboxItem is one notification to deliver.
type OutboxItem struct {
	ID       int64
	City     string
	CaseID   int64
	Channel  string
	Target   string
	Subject  string
	Body     string
	Secret   string
	Attempts int
}

// claimLease is how long a claimed notification is reserved for one worker;
// a worker that dies leaves it to be claimed again after this.
const claimLease = 2 * time.Minute

// ClaimOutbox reserves up to n due notifications for this worker. Two workers
// never claim the same row: PostgreSQL skips rows another transaction holds,
// and SQLite runs one write transaction at a time. On a distributed engine,
// which locks rows only by their city, each city's are claimed in a
// transaction of its own on its worker (eachCity): a stopped worker holds
// back only its cities', whose errors come back (as *CityError) beside the
// other cities' notifications.
func (db *DB) ClaimOutbox(ctx context.Context, n int) ([]OutboxItem, error) {
	var out []OutboxItem
	err := db.eachCity(ctx, func(city string) error {
		if len(out) >= n {
			return nil
		}
		got, err := db.claimOutbox(ctx, city, n-len(out))
		out = append(out, got...)
		return err
	})
	slices.SortFunc(out, func(a, b OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// claimOutbox claims up to n due notifications, of city when it is not "".
func (db *DB) claimOutbox(ctx context.Context, city string, n int) ([]OutboxItem, error) {
	var out []OutboxItem
	err := db.inTx(ctx, func(tx *Tx) error {
		now := db.clock.Now()
		cond, cityArgs := inCity("city", city)
		args := append([]any{micros(now.Add(claimLease)), micros(now), micros(now)}, cityArgs...)
		args = append(append(args, n), cityArgs...)
		rows, err := tx.query(ctx, `UPDATE outbox SET locked_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt <= ? AND locked_until <= ?`+cond+`
			ORDER BY next_attempt, id LIMIT ?`+db.dialect.skipLocked()+`)`+cond+`
			RETURNING id, city, COALESCE(case_id, 0), channel, target, subject, body, secret, attempts`,
			args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			var it OutboxItem
			if err := rows.Scan(&it.ID, &it.City, &it.CaseID, &it.Channel, &it.Target, &it.Subject, &it.Body, &it.Secret, &it.Attempts); err != nil {
				return err
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	if err != nil {
		// Rows read from a claim that did not commit are not this
		// worker's: another may claim them, and sending them too would
		// deliver them twice (a dropped connection at the commit did).
		return nil, err
	}
	// UPDATE … RETURNING gives no order; deliver in the order of the events.
	slices.SortFunc(out, func(a, b OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeliverOutbox claims due notifications and sends them through sender,
// recording each result: sent; failed for good (a permanent error or too many
// attempts); or pending again after a backoff. It returns how many it sent.
func (db *DB) DeliverOutbox(ctx context.Context, sender notify.Sender, n int) (sent int, err error) {
	// The notifications claimed are sent even when some city's claim
	// failed (its worker is down): left, they would wait out their lease.
	items, claimErr := db.ClaimOutbox(ctx, n)
	errs := []error{claimErr}
	// A city whose result could not be recorded sends no more in this
	// round: what it sent is sent again when its lease ends, and what it
	// holds is better left to wait for it than sent into the same fate.
	// On one database every item shares that fate.
	unrecorded := map[string]bool{}
	for _, it := range items {
		if unrecorded[it.City] || !db.distributed && len(unrecorded) > 0 {
			continue
		}
		msg := notify.Message{Channel: it.Channel, Target: it.Target, Subject: it.Subject, Body: it.Body,
			ID: strconv.FormatInt(it.ID, 10)}
		send := sender
		if it.Channel == notify.ChannelWebhook && it.Secret != "" {
			// Each subscription signs with its own secret.
			send = &notify.WebhookSender{Secret: []byte(it.Secret), Allow: db.webhookAllow}
		}
		if it.Channel == "webhook" {
			msg.Payload = []byte(it.Body)
		}
		var sendErr error
		if rid, ok := strings.CutPrefix(it.Target, "reporter:"); ok {
			// The phone is decrypted only now, so the outbox never holds it.
			id, _ := strconv.ParseInt(rid, 10, 64)
			d, err := db.decryptReporter(ctx, db, it.City, id)
			switch {
			case err != nil:
				sendErr = notify.Permanent(fmt.Errorf("reporter %d: %w", id, err))
			case d.Phone == "":
				sendErr = notify.Permanent(fmt.Errorf("reporter %d has no phone", id))
			default:
				msg.Target = d.Phone
			}
			if sendErr == nil && it.Secret != "" {
				// A receipt: its secret link key is unsealed only now.
				if msg.Body, err = db.openReceiptKey(it); err != nil {
					sendErr = notify.Permanent(err)
				}
			}
		}
		if sendErr == nil {
			sendErr = send.Send(ctx, msg)
		}
		now := db.clock.Now()
		var err error
		switch {
		case sendErr == nil:
			sent++
			// A delivered or abandoned message needs no secret any more: a
			// webhook's signing key or a receipt's sealed link key goes.
			_, err = db.exec(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, last_error = '', secret = '' WHERE id = ? AND city = ?`,
				micros(now), it.ID, it.City)
		case notify.IsPermanent(sendErr) || it.Attempts >= notify.MaxAttempts:
			_, err = db.exec(ctx, `UPDATE outbox SET status = 'failed', last_error = ?, secret = '' WHERE id = ? AND city = ?`,
				truncate(sendErr.Error(), 500), it.ID, it.City)
		default:
			_, err = db.exec(ctx, `UPDATE outbox SET next_attempt = ?, locked_until = 0, last_error = ? WHERE id = ? AND city = ?`,
				micros(now.Add(notify.Backoff(it.Attempts))), truncate(sendErr.Error(), 500), it.ID, it.City)
		}
		if err != nil {
			// The other cities' results are still recorded; this one is
			// sent again when its lease ends.
			unrecorded[it.City] = true
			errs = append(errs, &CityError{City: it.City, Err: err})
		}
	}
	return sent, errors.Join(errs...)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// OutboxStatus counts notifications by status, for tests and metrics:
// city by city on a distributed engine (eachCity), the cities whose
// workers answered when some did not.
func (db *DB) OutboxStatus(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := db.eachCity(ctx, func(city string) error {
		cond, args := inCity("city", city)
		rows, err := db.query(ctx, `SELECT status, COUNT(*) FROM outbox WHERE TRUE`+cond+` GROUP BY status`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int
			if err := rows.Scan(&s, &n); err != nil {
				return err
			}
			out[s] += n
		}
		return rows.Err()
	})
	return out, err
}

// OutboxKeep is how long a settled notification — sent, or given up on —
// stays in the outbox. Nothing reads it after that (the case's history
// says what happened), and delivered rows were 7% of the database (2.2 a
// case, docs/scale.md).
const OutboxKeep = 30 * 24 * time.Hour

// PruneOutbox deletes up to limit notifications settled before cutoff
// (their last attempt), through the index of the outbox's states: city by
// city on a distributed engine. It returns how many it deleted; the
// scheduler calls it until a round deletes fewer than limit.
func (db *DB) PruneOutbox(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	deleted := 0
	err := db.eachCity(ctx, func(city string) error {
		cond, cargs := inCity("city", city)
		args := []any{micros(cutoff), micros(cutoff)}
		args = append(append(args, cargs...), limit)
		return db.inTx(ctx, func(tx *Tx) error {
			r, err := tx.exec(ctx, `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox
				WHERE (status = 'sent' AND next_attempt < ? OR status = 'failed' AND next_attempt < ?)`+cond+` LIMIT ?)`+cond,
				append(args, cargs...)...)
			if err != nil {
				return err
			}
			n, _ := r.RowsAffected()
			deleted += int(n)
			return nil
		})
	})
	return deleted, err
}
