package store

import (
	"context"
	"database/sql"
	"errors"
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

// MaxAuditCheck is the most entries VerifyAuditRange checks: a page of one
// city's entries of the legacy chain, in a busy multi-city log, may span
// many others', and the full check belongs to 'anju audit verify'.
const MaxAuditCheck = 20000

// AuditCheck is the outcome of checking a stretch of the audit chain.
type AuditCheck struct {
	From, To int64
	Checked  int64
	// TooLong is set, and nothing checked, when the stretch holds more than
	// MaxAuditCheck entries (and none of the first MaxAuditCheck is broken).
	TooLong bool
	// Broken names the first entry that fails, empty when all hold.
	Broken string
}

// VerifyAuditRange checks the entries from..to (by sequence) of the chains
// the actor's city's log shows: each links to the one before and matches its
// hash, starting from the stored hash of the entry before. Numbers up to the
// legacy chain's end (audit.go) are that chain's, every city's, read by
// number from the primary key, starting from entry from-1; numbers after it
// are the city's own chain's, read from (city, seq), starting from the
// city's entry before from, or the legacy chain's end. It is for those who
// may read the log (see ListAudit), and reveals nothing of other cities'
// entries but whether those of the legacy chain are intact.
func (db *DB) VerifyAuditRange(ctx context.Context, actor *anju.Actor, from, to int64) (AuditCheck, error) {
	if !actor.HasRoleAt(cityPath(actor.City), anju.RoleAuditor, anju.RoleAdmin) {
		return AuditCheck{}, anju.Errorf(anju.EFORBIDDEN, "only city-wide auditors and administrators may read the audit log")
	}
	c := AuditCheck{From: from, To: to}
	if from < 1 || to < from {
		return c, anju.FieldError("from", "give a range of entries from ≤ to, from 1")
	}
	legacy := db.auditLegacy
	broken := func(err error) (AuditCheck, error) {
		c.Broken = err.Error()
		return c, nil
	}
	var v *audit.Verifier
	if from <= legacy.Seq {
		last := min(to, legacy.Seq)
		if last-from+1 > MaxAuditCheck {
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
		v = audit.VerifierAfter(from-1, prevHash)
		var brk error
		err := db.eachAuditEntry(ctx, func(e audit.Entry) error {
			brk = v.Next(e)
			return brk
		}, `SELECT `+auditColumns+` FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq`, from, last)
		c.Checked = v.Checked()
		if brk != nil {
			return broken(brk)
		}
		if err != nil {
			return c, err
		}
		if c.Checked != last-from+1 {
			c.Broken = "entry " + strconv.FormatInt(from+c.Checked, 10) + " is missing"
			return c, nil
		}
		if to == last {
			return c, nil
		}
	}
	// The city's chain: after the legacy stretch it continues from there
	// (the city's first entry links to the legacy chain's last); else from
	// the city's entry before from.
	prev := legacy
	if v != nil {
		prev = v.Last()
	} else {
		err := db.queryRow(ctx, `SELECT seq, hash FROM audit_log WHERE city = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT 1`,
			actor.City, legacy.Seq, from).Scan(&prev.Seq, &prev.Hash)
		if err != nil && err != sql.ErrNoRows {
			return c, err
		}
	}
	cv := audit.CityVerifierAfter(prev.Seq, prev.Hash)
	budget := MaxAuditCheck - c.Checked
	var brk error
	tooLong := false
	err := db.eachAuditEntry(ctx, func(e audit.Entry) error {
		if cv.Checked() == budget {
			tooLong = true
			return errStop
		}
		brk = cv.Next(e)
		return brk
	}, `SELECT `+auditColumns+` FROM audit_log WHERE city = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?`,
		actor.City, max(from, legacy.Seq+1), to, budget+1)
	c.Checked += cv.Checked()
	switch {
	case tooLong:
		return AuditCheck{From: from, To: to, TooLong: true}, nil
	case brk != nil:
		return broken(brk)
	}
	return c, err
}

// errStop ends a read of eachAuditEntry early.
var errStop = errors.New("stop")
