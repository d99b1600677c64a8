package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/personal"
)

// insertReporter stores a reporter's personal data encrypted and returns its
// id. The row id is part of the ciphertext's associated data, so that a
// ciphertext copied to another row or city does not decrypt: the
// transaction hands the id out first (nextID) and the row goes in sealed in
// one statement.
func (t *Tx) insertReporter(ctx context.Context, city string, d personal.Data) (int64, error) {
	return t.insertPersonal(ctx, city, d, true)
}

// insertPetitioner stores a petitioner's personal data as insertReporter
// does, but with no phone fingerprint: nothing links a petitioner's
// petitions to each other or to their other cases (Anju keeps a list of
// petitions, never of petitioners), and the caller lookup cannot find them.
func (t *Tx) insertPetitioner(ctx context.Context, city string, d personal.Data) (int64, error) {
	return t.insertPersonal(ctx, city, d, false)
}

func (t *Tx) insertPersonal(ctx context.Context, city string, d personal.Data, linkable bool) (int64, error) {
	if t.db.keys == nil {
		return 0, anju.Errorf(anju.EINTERNAL, "no data-encryption key is configured (ANJU_DATA_KEYS)")
	}
	d = d.Normalized()
	masked, _ := json.Marshal(ReporterOut{Name: personal.MaskName(d.Name), Phone: personal.MaskPhone(d.Phone),
		IDNumber: personal.MaskIDNumber(d.IDNumber), Address: personal.MaskAddress(d.Address)})
	fp := ""
	if d.Phone != "" && linkable {
		fp = t.db.keys.Fingerprint(d.Phone)
	}
	now := micros(t.db.clock.Now())
	id, err := t.nextID(ctx, "reporters")
	if err != nil {
		return 0, err
	}
	keyID, ct, err := t.db.keys.EncryptData(d, personal.AAD(city, "reporters", id))
	if err != nil {
		return 0, err
	}
	return id, t.send(ctx, `INSERT INTO reporters (id, city, key_id, ciphertext, masked, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, city, keyID, ct, string(masked), fp, now)
}

// decryptReporter reads reporter id of city: with the city named, a
// distributed engine asks the city's worker alone.
func (db *DB) decryptReporter(ctx context.Context, q querier, city string, id int64) (personal.Data, error) {
	var keyID string
	var ct []byte
	if err := q.queryRow(ctx, `SELECT key_id, ciphertext FROM reporters WHERE id = ? AND city = ?`, id, city).Scan(&keyID, &ct); err != nil {
		return personal.Data{}, err
	}
	if db.keys == nil {
		return personal.Data{}, anju.Errorf(anju.EINTERNAL, "no data-encryption key is configured")
	}
	return db.keys.DecryptData(keyID, ct, personal.AAD(city, "reporters", id))
}

// unmaskRoles may read a reporter's personal data, for calling them back,
// handling or mediating the case.
var unmaskRoles = []anju.Role{anju.RoleOperator, anju.RoleDispatcher, anju.RoleHandler, anju.RoleMediator}

func (db *DB) mayUnmask(actor *anju.Actor, c Case) bool {
	if actor.System {
		return true
	}
	for _, r := range db.rolesAt(actor, c) {
		if slices.Contains(unmaskRoles, r) {
			return true
		}
	}
	return false
}

// CanUnmaskReporter reports whether UnmaskReporter would give the actor the
// personal data of case c's reporter (given a reason): a role that needs it,
// and a reporter who left any. Pages offer the form only then.
func (db *DB) CanUnmaskReporter(actor *anju.Actor, c Case) bool {
	return c.reporterID.Valid && db.mayUnmask(actor, c)
}

// UnmaskReporter returns the reporter's personal data in clear. It is allowed
// to the roles that need it on the case, requires a reason, and every call is
// audited. ENOTFOUND for an invisible case, EFORBIDDEN for other roles.
func (db *DB) UnmaskReporter(ctx context.Context, actor *anju.Actor, caseID int64, reason string) (personal.Data, error) {
	c, err := db.GetCase(ctx, actor, caseID)
	if err != nil {
		return personal.Data{}, err
	}
	if !db.mayUnmask(actor, c) {
		return personal.Data{}, anju.Errorf(anju.EFORBIDDEN, "your role may not read the reporter's personal data")
	}
	if strings.TrimSpace(reason) == "" {
		return personal.Data{}, anju.FieldError("reason", "say why you need the reporter's personal data")
	}
	if !c.reporterID.Valid {
		return personal.Data{}, anju.Errorf(anju.ENOTFOUND, "case %d has no reporter data (anonymous)", caseID)
	}
	var d personal.Data
	err = db.inTx(ctx, func(tx *Tx) error {
		var err error
		if d, err = db.decryptReporter(ctx, tx, c.City, c.reporterID.Int64); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: c.City, Action: "reporter.unmask", Object: fmt.Sprintf("case:%d", caseID),
			Detail: map[string]any{"reason": reason}})
	})
	return d, err
}

// RotateKeys re-encrypts every reporter row not under the current key, in
// batches, and returns how many rows moved.
func (db *DB) RotateKeys(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, anju.Errorf(anju.EINVALID, "no data-encryption keys configured")
	}
	moved := 0
	for {
		rows, err := db.query(ctx, `SELECT id, city, key_id, ciphertext FROM reporters WHERE key_id <> ? ORDER BY id LIMIT 500`, db.keys.CurrentKeyID())
		if err != nil {
			return moved, err
		}
		type row struct {
			id      int64
			city, k string
			ct      []byte
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.city, &r.k, &r.ct); err != nil {
				rows.Close()
				return moved, err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if len(batch) == 0 {
			return moved, nil
		}
		err = db.inTx(ctx, func(tx *Tx) error {
			for _, r := range batch {
				// The fingerprint's key derives from the current data key, so
				// it is computed afresh with the row: otherwise a caller's
				// cases filed before a rotation would no longer be found.
				aad := personal.AAD(r.city, "reporters", r.id)
				d, err := db.keys.DecryptData(r.k, r.ct, aad)
				if err != nil {
					return fmt.Errorf("reporter %d: %w", r.id, err)
				}
				k, ct, err := db.keys.EncryptData(d, aad)
				if err != nil {
					return fmt.Errorf("reporter %d: %w", r.id, err)
				}
				fp := ""
				if d.Phone != "" {
					fp = db.keys.Fingerprint(d.Phone)
				}
				// A row kept without one (a petitioner's) stays so.
				if _, err := tx.exec(ctx, `UPDATE reporters SET key_id = ?, ciphertext = ?,
					fingerprint = CASE WHEN fingerprint = '' THEN '' ELSE ? END WHERE id = ? AND key_id = ?`,
					k, ct, fp, r.id, r.k); err != nil {
					return err
				}
				// A supporter's row keeps a copy, which counts each person
				// once per case and finds the caller's cases.
				if _, err := tx.exec(ctx, `UPDATE case_supporters SET fingerprint = ? WHERE reporter_id = ?`, fp, r.id); err != nil {
					return err
				}
			}
			return tx.appendAudit(ctx, anju.SystemActor("keys"), audit.Record{City: batch[0].city, Action: "keys.rotate",
				Object: "reporters", Detail: map[string]any{"rows": len(batch), "to": db.keys.CurrentKeyID()}})
		})
		if err != nil {
			return moved, err
		}
		moved += len(batch)
	}
}
