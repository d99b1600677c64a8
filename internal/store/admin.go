package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/deadline"
)

// The reads the administration pages need beside the API's writes: each
// checks the same role as the write it shows, and pages by key.

// pageLimit bounds a page's size: 1 to 500, def when out of range.
func pageLimit(n, def int) int {
	if n < 1 || n > 500 {
		return def
	}
	return n
}

// ListCalendarDays returns the city's own calendar overrides, latest date
// first, at most limit of them dated before the given day (YYYY-MM-DD; empty
// for the latest). The calendar is the city's, so any of its staff may read it.
func (db *DB) ListCalendarDays(ctx context.Context, actor *anju.Actor, before string, limit int) ([]deadline.Override, error) {
	if before != "" {
		d, err := deadline.ParseDate(before)
		if err != nil {
			return nil, anju.FieldError("before", "before must be a date YYYY-MM-DD")
		}
		before = d.String()
	} else {
		before = "9999-12-31"
	}
	rows, err := db.query(ctx, `SELECT day, kind, note FROM calendar_overrides WHERE city = ? AND day < ? ORDER BY day DESC LIMIT ?`,
		actor.City, before, pageLimit(limit, 50))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []deadline.Override{}
	for rows.Next() {
		var day, kind, note string
		if err := rows.Scan(&day, &kind, &note); err != nil {
			return nil, err
		}
		d, err := deadline.ParseDate(day)
		if err != nil {
			return nil, err
		}
		out = append(out, deadline.Override{Date: d, Kind: deadline.DayKind(kind), Note: note})
	}
	return out, rows.Err()
}

// ListSubscriptions returns the city's event subscriptions with ids above
// after, oldest first, without their secrets; city-wide administrators only,
// as for SaveSubscription.
func (db *DB) ListSubscriptions(ctx context.Context, actor *anju.Actor, after int64, limit int) ([]Subscription, error) {
	if !actor.System && !actor.HasRoleAt(cityPath(actor.City), anju.RoleAdmin) {
		return nil, anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator may see subscriptions")
	}
	rows, err := db.query(ctx, `SELECT id, channel, target, actions FROM subscriptions WHERE city = ? AND id > ? ORDER BY id LIMIT ?`,
		actor.City, after, pageLimit(limit, 50))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Subscription{}
	for rows.Next() {
		s := Subscription{City: actor.City}
		var actions string
		if err := rows.Scan(&s.ID, &s.Channel, &s.Target, &actions); err != nil {
			return nil, err
		}
		if actions != "" {
			s.Actions = strings.Split(actions, ",")
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ListWarningSubscriptions returns the warning subscriptions of the levels
// the actor administers (as SaveWarningSubscription requires), ids above
// after, oldest first, without their secrets.
func (db *DB) ListWarningSubscriptions(ctx context.Context, actor *anju.Actor, after int64, limit int) ([]WarningSubscription, error) {
	if !actor.System && !actor.HasRole(anju.RoleAdmin) {
		return nil, anju.Errorf(anju.EFORBIDDEN, "only administrators may see warning subscriptions")
	}
	sc, sargs := subtreeScope(adminGrants(actor), "COALESCE(ws.region_path, r.path)")
	cc, cargs := cityClause(actor, "ws.city")
	q := `SELECT ws.id, COALESCE(ws.region, ''), COALESCE(ws.department, ''), ws.channel, ws.target
		FROM warning_subscriptions ws LEFT JOIN departments d ON d.code = ws.department LEFT JOIN regions r ON r.code = d.region
		WHERE ws.id > ? AND ` + cc + ` AND ` + sc + ` ORDER BY ws.id LIMIT ?`
	args := append(append(append([]any{after}, cargs...), sargs...), pageLimit(limit, 50))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []WarningSubscription{}
	for rows.Next() {
		var s WarningSubscription
		if err := rows.Scan(&s.ID, &s.Region, &s.Department, &s.Channel, &s.Target); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// MaxAuditCheck is the longest stretch of the audit chain VerifyAuditRange
// checks: a page of one city's entries in a busy multi-city log may span many
// others', and the full check belongs to 'anju audit verify'.
const MaxAuditCheck = 20000

// AuditCheck is the outcome of checking a stretch of the audit chain.
type AuditCheck struct {
	From, To int64
	Checked  int64
	// TooLong is set, and nothing checked, when the stretch holds more than
	// MaxAuditCheck entries.
	TooLong bool
	// Broken names the first entry that fails, empty when all hold.
	Broken string
}

// VerifyAuditRange checks the chain's entries from..to (by sequence, every
// city's, since the chain runs through all of them): each links to the one
// before and matches its hash, starting from the stored hash of entry
// from-1. It reads the sequence range from the primary key. It is for those
// who may read the log (see ListAudit), and reveals nothing of other cities'
// entries but whether they are intact.
func (db *DB) VerifyAuditRange(ctx context.Context, actor *anju.Actor, from, to int64) (AuditCheck, error) {
	if !actor.HasRoleAt(cityPath(actor.City), anju.RoleAuditor, anju.RoleAdmin) {
		return AuditCheck{}, anju.Errorf(anju.EFORBIDDEN, "only city-wide auditors and administrators may read the audit log")
	}
	c := AuditCheck{From: from, To: to}
	if from < 1 || to < from {
		return c, anju.FieldError("from", "give a range of entries from ≤ to, from 1")
	}
	if to-from+1 > MaxAuditCheck {
		c.TooLong = true
		return c, nil
	}
	var prevHash string
	if from > 1 {
		err := db.queryRow(ctx, `SELECT hash FROM audit_log WHERE seq = ?`, from-1).Scan(&prevHash)
		if err == sql.ErrNoRows {
			c.Broken = "entry " + strconv.FormatInt(from-1, 10) + " is missing"
			return c, nil
		}
		if err != nil {
			return c, err
		}
	}
	rows, err := db.query(ctx, `SELECT seq, at, city, actor, action, object, detail, prev_hash, hash
		FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq`, from, to)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	v := audit.VerifierAfter(from-1, prevHash)
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.City, &e.Actor, &e.Action, &e.Object, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return c, err
		}
		e.At = fromMicros(at)
		if err := v.Next(e); err != nil {
			c.Checked, c.Broken = v.Checked(), err.Error()
			return c, nil
		}
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	c.Checked = v.Checked()
	if c.Checked != to-from+1 {
		c.Broken = "entry " + strconv.FormatInt(from+c.Checked, 10) + " is missing"
	}
	return c, nil
}
