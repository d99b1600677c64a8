package store

import (
	"context"
	"encoding/json"
	"fmt"

	"anju/internal/anju"
	"anju/internal/audit"
)

// appendAudit writes one audit entry inside tx, chained to the last one.
// The entry is chained when the transaction's rows are written (chainAudit),
// at commit or before a read of the log: the chain runs through every entry
// of every city, so taking its head serialises appenders until they commit,
// and taken last, it does so for the shortest time.
func (t *Tx) appendAudit(ctx context.Context, actor *anju.Actor, rec audit.Record) error {
	detail := []byte("{}")
	if rec.Detail != nil {
		var err error
		if detail, err = json.Marshal(rec.Detail); err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
	}
	t.audit.pending = append(t.audit.pending, audit.Entry{At: fromMicros(micros(t.db.clock.Now())), City: rec.City,
		Actor: actorName(actor), Action: rec.Action, Object: rec.Object, Detail: string(detail)})
	return nil
}

// auditState is the audit head as a transaction sees it, and the entries
// it appended and has not chained yet.
type auditState struct {
	loaded, dirty bool
	seq           int64
	hash          string
	pending       []audit.Entry
}

// chainAudit gives the pending audit entries their places in the chain and
// gathers them for insertion. The first call in a transaction takes the
// audit_head row lock (an UPDATE, which serialises appenders on both
// engines) — on PostgreSQL in the same round trip as the statements queued
// before it — and keeps the head in the transaction; the head is written
// once, just before commit (see Tx.flushAudit).
func (t *Tx) chainAudit(ctx context.Context) error {
	if len(t.audit.pending) == 0 {
		return nil
	}
	if !t.audit.loaded {
		if err := t.queryRowAfterQueued(ctx, `UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash`, nil,
			&t.audit.seq, &t.audit.hash); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		t.audit.loaded = true
	}
	pending := t.audit.pending
	t.audit.pending = nil
	for _, e := range pending {
		e.Seq, e.PrevHash = t.audit.seq+1, t.audit.hash
		e.Hash = audit.ComputeHash(e.PrevHash, e)
		if err := t.appendRow(ctx, "audit_log", `(seq, at, city, actor, action, object, detail, prev_hash, hash)`,
			e.Seq, micros(e.At), e.City, e.Actor, e.Action, e.Object, e.Detail, e.PrevHash, e.Hash); err != nil {
			return err
		}
		t.audit.seq, t.audit.hash, t.audit.dirty = e.Seq, e.Hash, true
	}
	return nil
}

// flushAudit writes the head the transaction advanced to.
func (t *Tx) flushAudit(ctx context.Context) error {
	if !t.audit.dirty {
		return nil
	}
	return t.send(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, t.audit.seq, t.audit.hash)
}

// Audit appends one entry in a transaction of its own, for acts that change
// nothing else (a login, a read of personal data).
func (db *DB) Audit(ctx context.Context, actor *anju.Actor, rec audit.Record) error {
	return db.inTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, actor, rec) })
}

func actorName(a *anju.Actor) string {
	if a == nil {
		return "anonymous"
	}
	return a.Login
}

// VerifyAudit checks the whole chain in sequence order and returns the number
// of entries checked. The error names the first broken entry.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	var headSeq int64
	var headHash string
	if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return 0, fmt.Errorf("audit head missing: %w", err)
	}
	rows, err := db.query(ctx, `SELECT seq, at, city, actor, action, object, detail, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var v audit.Verifier
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.City, &e.Actor, &e.Action, &e.Object, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return v.Checked(), err
		}
		e.At = fromMicros(at)
		if err := v.Next(e); err != nil {
			return v.Checked(), err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Checked(), err
	}
	return v.Checked(), v.Finish(headSeq, headHash)
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Action string
	Limit  int
	Before int64 // entries with seq below this; 0 for the newest
}

// ListAudit returns entries newest first. Only auditors and administrators
// granted the whole city see its log, because entries name objects anywhere
// in it; others get EFORBIDDEN.
func (db *DB) ListAudit(ctx context.Context, actor *anju.Actor, f AuditFilter) ([]audit.Entry, error) {
	if !actor.HasRoleAt(cityPath(actor.City), anju.RoleAuditor, anju.RoleAdmin) {
		return nil, anju.Errorf(anju.EFORBIDDEN, "only city-wide auditors and administrators may read the audit log")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q, args := auditQuery(actor, f)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.City, &e.Actor, &e.Action, &e.Object, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// auditQuery is ListAudit's query. Its filters and order match the indexes
// audit_log_city_seq and audit_log_city_action_seq (migration 00011), so
// that a page is read backwards from an index and never sorted; the page
// before is keyed by seq, so that reading far back costs what the first
// page does.
func auditQuery(actor *anju.Actor, f AuditFilter) (string, []any) {
	q := `SELECT seq, at, city, actor, action, object, detail, prev_hash, hash FROM audit_log WHERE 1=1`
	var args []any
	if !actor.System {
		q += ` AND city = ?`
		args = append(args, actor.City)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Before > 0 {
		q += ` AND seq < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	return q, append(args, f.Limit)
}

func auditRecord(city, action, object string, detail any) audit.Record {
	return audit.Record{City: city, Action: action, Object: object, Detail: detail}
}
