package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"anju/internal/anju"
	"anju/internal/audit"
)

// The audit log's chains (package audit). Until migration 00039 every entry
// of every city joined one chain, whose head, audit_head, each appending
// transaction locked: on a distributed engine that row, a reference table on
// every node, made every write of every city touch every node and wait on
// every other city's. That chain is closed as it was, the legacy chain, and
// audit_head keeps its last entry; after it each city's entries form a chain
// of their own, whose head is the city's row of audit_heads, kept with the
// city's other rows, so that appending touches nothing of another city's.
//
// Entry numbers still come from one counter (audit_seq on PostgreSQL; on
// SQLite, the log's highest number under its one writer), so that they stay
// unique: SQLite's audit_log is keyed by seq alone, and rekeying it would
// rewrite the whole log; ListAudit's pages stay keyed by seq alone too. A
// city's chain therefore numbers its entries in rising order with gaps, and
// its hashes hold it together.

// appendAudit writes one audit entry inside tx, chained to the last one of
// its city's chain. The entry is chained when the transaction's rows are
// written (chainAudit), at commit or before a read of the log: taking the
// city's head serialises the city's appenders until they commit, and taken
// last, it does so for the shortest time.
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

// auditState is what a transaction holds of the audit chains: the heads of
// the cities' chains it took, the entries it appended and has not chained
// yet, and on SQLite the last entry number it handed out.
type auditState struct {
	heads   []auditHead
	pending []audit.Entry
	lastSeq int64 // SQLite; 0 until read
}

// auditHead is a city's head as the transaction advanced it.
type auditHead struct {
	city  string
	head  audit.Head
	dirty bool
}

// saved is a copy of s that chaining more entries leaves as it is, to go
// back to after ROLLBACK TO SAVEPOINT.
func (s auditState) saved() auditState {
	return auditState{heads: slices.Clone(s.heads), pending: slices.Clone(s.pending), lastSeq: s.lastSeq}
}

// head is the transaction's head of city's chain, nil when it has not taken it.
func (s *auditState) head(city string) *auditHead {
	for i := range s.heads {
		if s.heads[i].city == city {
			return &s.heads[i]
		}
	}
	return nil
}

// takeAuditHead locks a city's head and reads it; the upsert creates the
// head at the legacy chain's end on the city's first append, and two first
// appenders of a city wait for each other on the key like any two others.
const takeAuditHead = `INSERT INTO audit_heads (city, seq, hash) VALUES (?, ?, ?)
	ON CONFLICT (city) DO UPDATE SET seq = audit_heads.seq RETURNING seq, hash`

// chainAudit gives the pending audit entries their places in their cities'
// chains and gathers them for insertion. A transaction appends to one city's
// chain or a few (an intake group holds the cases of whichever cities came
// in together): it takes each city's head the first time it chains an entry of that city, all it needs at once
// in the order of their codes, so that two transactions never wait for each
// other's heads in a circle — on PostgreSQL in the same round trip as the
// statements queued before, together with the entries' numbers. The heads
// are written once, just before commit (see Tx.flushAudit).
func (t *Tx) chainAudit(ctx context.Context) error {
	if len(t.audit.pending) == 0 {
		return nil
	}
	seqs, err := t.takeAuditHeads(ctx)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	pending := t.audit.pending
	t.audit.pending = nil
	for i, e := range pending {
		h := t.audit.head(e.City)
		e.Seq, e.PrevHash = seqs[i], h.head.Hash
		e.Hash = audit.ComputeHash(e.PrevHash, e)
		if err := t.appendRow(ctx, "audit_log", `(seq, at, city, actor, action, object, detail, prev_hash, hash)`,
			e.Seq, micros(e.At), e.City, e.Actor, e.Action, e.Object, e.Detail, e.PrevHash, e.Hash); err != nil {
			return err
		}
		h.head, h.dirty = audit.Head{Seq: e.Seq, Hash: e.Hash}, true
	}
	return nil
}

// takeAuditHeads takes the heads of the pending entries' cities that the
// transaction does not hold yet, and numbers the pending entries: numbers
// taken after the heads, so that a city's entries, numbered by one holder
// of its head after another, rise along its chain.
func (t *Tx) takeAuditHeads(ctx context.Context) ([]int64, error) {
	var cities []string
	for _, e := range t.audit.pending {
		if t.audit.head(e.City) == nil && !slices.Contains(cities, e.City) {
			cities = append(cities, e.City)
		}
	}
	slices.Sort(cities)
	heads := make([]auditHead, len(cities))
	start := t.db.auditLegacy
	n := len(t.audit.pending)
	seqs := make([]int64, 0, n)
	if t.conn == nil {
		for i, city := range cities {
			heads[i].city = city
			if err := t.queryRow(ctx, takeAuditHead, city, start.Seq, start.Hash).Scan(&heads[i].head.Seq, &heads[i].head.Hash); err != nil {
				return nil, err
			}
		}
		if t.audit.lastSeq == 0 {
			// Straight to the transaction: a read of audit_log through
			// t.queryRow would chain the pending entries first, and so
			// come back here. Never below the legacy chain's end, which
			// the city chains follow.
			var last int64
			if err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_log`).Scan(&last); err != nil {
				return nil, err
			}
			t.audit.lastSeq = max(last, start.Seq)
		}
		for range n {
			t.audit.lastSeq++
			seqs = append(seqs, t.audit.lastSeq)
		}
		t.audit.heads = append(t.audit.heads, heads...)
		return seqs, nil
	}
	reads := make([]batchRead, 0, len(cities)+1)
	for i, city := range cities {
		h := &heads[i]
		h.city = city
		reads = append(reads, batchRead{q: t.db.dialect.rebind(takeAuditHead), args: []any{city, start.Seq, start.Hash},
			read: func(br pgx.BatchResults) error { return br.QueryRow().Scan(&h.head.Seq, &h.head.Hash) }})
	}
	reads = append(reads, batchRead{q: t.db.dialect.rebind(`SELECT nextval('audit_seq') FROM generate_series(1, ?)`), args: []any{n},
		read: func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var seq int64
				if err := rows.Scan(&seq); err != nil {
					return err
				}
				seqs = append(seqs, seq)
			}
			return rows.Err()
		}})
	if err := t.pipeline(ctx, reads...); err != nil {
		return nil, err
	}
	if len(seqs) != n {
		return nil, fmt.Errorf("audit_seq handed out %d numbers for %d entries", len(seqs), n)
	}
	t.audit.heads = append(t.audit.heads, heads...)
	return seqs, nil
}

// flushAudit writes the heads the transaction advanced.
func (t *Tx) flushAudit(ctx context.Context) error {
	for _, h := range t.audit.heads {
		if !h.dirty {
			continue
		}
		if err := t.send(ctx, `UPDATE audit_heads SET seq = ?, hash = ? WHERE city = ?`, h.head.Seq, h.head.Hash, h.city); err != nil {
			return err
		}
	}
	return nil
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

// legacyAuditHead reads the legacy chain's head, closed since migration
// 00039: where every city's chain starts.
func (db *DB) legacyAuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash); err != nil {
		return h, fmt.Errorf("audit head missing: %w", err)
	}
	return h, nil
}

const auditColumns = `seq, at, city, actor, action, object, detail, prev_hash, hash`

// eachAuditEntry runs fn on each entry q reads (selecting auditColumns),
// stopping at fn's first error.
func (db *DB) eachAuditEntry(ctx context.Context, fn func(audit.Entry) error, q string, args ...any) error {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanAuditEntry(rows *sql.Rows) (audit.Entry, error) {
	var e audit.Entry
	var at int64
	err := rows.Scan(&e.Seq, &at, &e.City, &e.Actor, &e.Action, &e.Object, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = fromMicros(at)
	return e, err
}

// chainName names a city's chain in a verifier's error.
func chainName(city string) string {
	if city == "" {
		return "the chain of entries of no city"
	}
	return "city " + city
}

// VerifyAudit checks every chain of the log and returns the number of
// entries checked: the legacy chain in sequence order against its head, then
// each city's against its head, which shows a deleted tail. The error names
// the chain (the legacy chain or the city) and its first broken entry. It
// may run while servers append: a city's entries appended while it reads
// are checked too or not at all, never taken for a break.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	legacy, err := db.legacyAuditHead(ctx)
	if err != nil {
		return 0, err
	}
	v := &audit.Verifier{}
	err = db.eachAuditEntry(ctx, v.Next, `SELECT `+auditColumns+` FROM audit_log WHERE seq <= ? ORDER BY seq`, legacy.Seq)
	if err == nil {
		err = v.Finish(legacy.Seq, legacy.Hash)
	}
	if err != nil {
		return v.Checked(), fmt.Errorf("legacy chain: %w", err)
	}
	n := v.Checked()
	// Counted before the heads are read: each entry counted was written
	// with its city's head, so the heads read next cover every one of them.
	var inCities int64
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq > ?`, legacy.Seq).Scan(&inCities); err != nil {
		return n, err
	}
	cities, err := column[string](db.query(ctx, `SELECT city FROM audit_heads ORDER BY city`))
	if err != nil {
		return n, err
	}
	var checked int64
	for _, city := range cities {
		c, err := db.verifyCityAudit(ctx, city, legacy)
		n, checked = n+c, checked+c
		if err != nil {
			return n, err
		}
	}
	if checked < inCities {
		// Every chain holds, and some entries belong to none: a city's
		// head was deleted.
		found, err := column[string](db.query(ctx, `SELECT DISTINCT city FROM audit_log WHERE seq > ?`, legacy.Seq))
		if err != nil {
			return n, err
		}
		for _, city := range found {
			if !slices.Contains(cities, city) {
				return n, fmt.Errorf("%s: its entries have no head (the head was deleted)", chainName(city))
			}
		}
		return n, fmt.Errorf("%d entries after the legacy chain, %d of them in the cities' chains", inCities, checked)
	}
	return n, nil
}

// VerifyAuditCity checks one city's chain against its head and returns the
// number of entries checked; the legacy chain it starts from is taken as
// its head records it (VerifyAudit checks that too). A city with no entry
// since the legacy chain closed has nothing to check.
func (db *DB) VerifyAuditCity(ctx context.Context, city string) (int64, error) {
	legacy, err := db.legacyAuditHead(ctx)
	if err != nil {
		return 0, err
	}
	return db.verifyCityAudit(ctx, city, legacy)
}

// verifyCityAudit checks city's chain from the legacy chain's end to the
// city's head. The head is read after the entries: each entry read was
// committed with a head at least as far on, so that entries short of the
// head are either appended meanwhile, and read next, or deleted; entries
// past it were never appended through the store.
func (db *DB) verifyCityAudit(ctx context.Context, city string, legacy audit.Head) (int64, error) {
	v := audit.CityVerifierAfter(legacy.Seq, legacy.Hash)
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE city = ? AND seq > ? AND seq <= ? ORDER BY seq`
	err := db.eachAuditEntry(ctx, v.Next, q, city, legacy.Seq, int64(1<<63-1))
	var head audit.Head
	found := err == nil
	if err == nil {
		err = db.queryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE city = ?`, city).Scan(&head.Seq, &head.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			found, err = false, nil
			if v.Checked() > 0 {
				err = errors.New("its head is missing")
			}
		}
	}
	if err == nil && found && head.Seq > v.Last().Seq {
		err = db.eachAuditEntry(ctx, v.Next, q, city, v.Last().Seq, head.Seq)
	}
	if err == nil && found {
		err = v.Finish(head.Seq, head.Hash)
	}
	if err != nil {
		return v.Checked(), fmt.Errorf("%s: %w", chainName(city), err)
	}
	return v.Checked(), nil
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
	var out []audit.Entry
	err := db.eachAuditEntry(ctx, func(e audit.Entry) error {
		out = append(out, e)
		return nil
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// auditQuery is ListAudit's query. Its filters and order match the indexes
// audit_log_city_seq and audit_log_city_action_seq (migration 00011), so
// that a page is read backwards from an index and never sorted; the page
// before is keyed by seq, so that reading far back costs what the first
// page does.
func auditQuery(actor *anju.Actor, f AuditFilter) (string, []any) {
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE 1=1`
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
