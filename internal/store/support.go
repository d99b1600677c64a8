package store

import (
	"context"
	"strconv"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/personal"
	"anju/internal/taxonomy"
)

// Supporter is a resident who adds their voice to an open case ("me too")
// instead of filing the same problem again. A name and phone are optional;
// with a phone they are told of the case's progress as its reporter is, and
// are counted once however often they press the button.
type Supporter struct {
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Anonymous bool   `json:"anonymous"`
}

// Supported is the outcome of Support.
type Supported struct {
	CaseID       int64  `json:"case_id"`
	TrackingCode string `json:"tracking_code"`
	// Supporters is the case's count after this call.
	Supporters int `json:"supporters"`
	// Added is false when the person had already added their voice, or is
	// the case's own reporter: the count did not change.
	Added bool `json:"added"`
}

// Support adds a resident's voice to case id. Staff may add it to any open
// case they can see (a caller on the hotline); anyone else — a resident, the
// public portal — to an open case that is public (PublicCase). The contact is
// stored encrypted like a reporter's and the call is audited. Returns
// ENOTFOUND for a case the actor may not see, ECONFLICT for one no longer
// open, EINVALID naming supporter.name or supporter.phone for bad contact
// data.
func (db *DB) Support(ctx context.Context, actor *anju.Actor, id int64, s Supporter) (Supported, error) {
	d := personal.Data{Name: s.Name, Phone: s.Phone}.Normalized()
	if s.Anonymous && !d.IsZero() {
		return Supported{}, anju.FieldError("supporter.anonymous", "an anonymous voice carries no name or phone")
	}
	if err := d.ValidateAs("supporter"); err != nil {
		return Supported{}, err
	}
	fp := ""
	if d.Phone != "" {
		if db.keys == nil {
			return Supported{}, anju.Errorf(anju.EINTERNAL, "no data-encryption key is configured (ANJU_DATA_KEYS)")
		}
		fp = db.keys.Fingerprint(d.Phone)
	}
	var out Supported
	err := db.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.support(ctx, actor, id, d, fp)
		return err
	})
	if anju.ErrorCode(err) == anju.ECONFLICT && fp != "" {
		// Two presses of the same person raced; the other one counted.
		var n int
		var code string
		if db.queryRow(ctx, `SELECT supporters, tracking_code FROM cases WHERE id = ?`, id).Scan(&n, &code) == nil {
			if db.supportedBy(ctx, db, id, fp) {
				return Supported{CaseID: id, TrackingCode: code, Supporters: n}, nil
			}
		}
	}
	return out, err
}

func (t *Tx) support(ctx context.Context, actor *anju.Actor, id int64, d personal.Data, fp string) (Supported, error) {
	db := t.db
	c, err := t.getCase(ctx, anju.SystemActor("support"), id)
	if err == nil && !caseVisible(actor, c.City, c.regionPath, c.Department, c.reporterUserID.Int64) {
		var public bool
		if public, err = db.PublicCase(ctx, c); err == nil && (!public || actor == nil || c.City != actor.City) {
			err = notFound("case", strconv.FormatInt(id, 10))
		}
	}
	if err != nil {
		return Supported{}, err
	}
	if !c.State.Open() {
		return Supported{}, anju.Errorf(anju.ECONFLICT, "case %s is %s; report the problem anew if it is back",
			FormatTrackingCode(c.TrackingCode), c.State)
	}
	out := Supported{CaseID: c.ID, TrackingCode: c.TrackingCode, Supporters: c.Supporters}
	if fp != "" {
		var own string
		if c.reporterID.Valid {
			if err := t.queryRow(ctx, `SELECT fingerprint FROM reporters WHERE id = ?`, c.reporterID.Int64).Scan(&own); err != nil {
				return out, err
			}
		}
		if own == fp || db.supportedBy(ctx, t, c.ID, fp) {
			return out, nil
		}
	}
	var reporterID any
	if !d.IsZero() {
		if reporterID, err = t.insertReporter(ctx, c.City, d); err != nil {
			return out, err
		}
	}
	now := micros(db.clock.Now())
	if _, err := t.exec(ctx, `INSERT INTO case_supporters (city, case_id, reporter_id, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)`,
		c.City, c.ID, reporterID, fp, now); err != nil {
		return out, db.dialect.translate(err)
	}
	// The count is not part of the workflow: no new version, so that a
	// voice added while staff work on the case never conflicts with them.
	if err := t.queryRow(ctx, `UPDATE cases SET supporters = supporters + 1 WHERE id = ? RETURNING supporters`, c.ID).Scan(&out.Supporters); err != nil {
		return out, err
	}
	out.Added = true
	return out, t.appendAudit(ctx, actor, audit.Record{City: c.City, Action: "case.support", Object: "case:" + strconv.FormatInt(c.ID, 10),
		Detail: map[string]any{"supporters": out.Supporters, "contact": reporterID != nil}})
}

// supportedBy reports whether the person with phone fingerprint fp has
// already added their voice to case id.
func (db *DB) supportedBy(ctx context.Context, q querier, id int64, fp string) bool {
	var one int
	return q.queryRow(ctx, `SELECT 1 FROM case_supporters WHERE case_id = ? AND fingerprint = ?`, id, fp).Scan(&one) == nil
}

// supporterContacts returns the reporters rows of the supporters of case id
// who left a contact, for its notifications.
func (t *Tx) supporterContacts(ctx context.Context, id int64) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT reporter_id FROM case_supporters WHERE case_id = ? AND reporter_id IS NOT NULL ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var rid int64
		if err := rows.Scan(&rid); err != nil {
			return nil, err
		}
		out = append(out, rid)
	}
	return out, rows.Err()
}

// PublicCase reports whether c may be shown to everyone: the taxonomy's rule
// (taxonomy.Public: a request under a category the city made public) for a
// case that is neither rejected nor merged into another. publicCaseSQL is
// the same rule in SQL.
func (db *DB) PublicCase(ctx context.Context, c Case) (bool, error) {
	if c.State == cases.StateRejected || c.State == cases.StateMerged {
		return false, nil
	}
	tree, err := db.Taxonomy(ctx, c.City)
	if err != nil {
		return false, err
	}
	cat, err := tree.Get(c.Category)
	if err != nil {
		return false, nil
	}
	return taxonomy.Public(cat, c.Kind), nil
}
