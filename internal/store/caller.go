package store

import (
	"context"
	"slices"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/personal"
)

// callerRoles take calls or reports for others and so may ask whether the
// person before them already has a case open: the hotline operator above
// all, and the grid worker filing from the street. Never a resident, who
// could otherwise learn what a neighbour has reported by typing a number.
var callerRoles = []anju.Role{anju.RoleOperator, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor}

// maxCallerCases bounds what one lookup shows: a caller with more open
// cases than this is rare, and the list is for adding to one, not a record
// of the person.
const maxCallerCases = 5

// CallerCases returns the open cases, within the actor's case scope, that a
// caller with this phone number reported, newest first, at most five: so
// that an operator with the caller on the line can add them to one instead
// of filing the same problem again. The cases are found by the reporter's
// keyed phone fingerprint, never by decrypting anyone's data, and the phone
// itself is neither stored nor shown: each case carries only its masked
// reporter. Closed cases are never listed — this is not a history of the
// person (see personal.Keyring.Fingerprint) — and every lookup is audited
// with the masked number. Returns an empty list for a phone that is not a
// valid number, EFORBIDDEN for roles that do not take reports for others.
func (db *DB) CallerCases(ctx context.Context, actor *anju.Actor, phone string) ([]CaseSummary, error) {
	out := []CaseSummary{}
	if actor == nil || actor.System || !slices.ContainsFunc(callerRoles, actor.HasRole) {
		return out, anju.Errorf(anju.EFORBIDDEN, "your role may not look up a caller's cases")
	}
	norm := personal.Data{Phone: phone}.Normalized().Phone
	if !personal.ValidPhone(norm) || db.keys == nil {
		return out, nil
	}
	fp := db.keys.Fingerprint(norm)
	sc, args := caseScope(actor)
	// SQLite's CROSS JOIN fixes the loop: the caller's few reporter rows
	// first, then their cases by reporter — never the scope's cases, each
	// checked for its reporter. PostgreSQL plans this itself and allows no
	// ON with CROSS JOIN.
	join := "CROSS JOIN"
	if db.dialect.name() == "postgres" {
		join = "JOIN"
	}
	rows, err := db.query(ctx, `SELECT c.id, c.tracking_code, c.state, c.title, c.category, c.grid, g.name, c.address, c.created_at
		FROM reporters r `+join+` cases c ON c.reporter_id = r.id JOIN regions g ON g.code = c.grid
		WHERE r.city = ? AND r.fingerprint = ? AND c.`+openStates+` AND `+sc+`
		ORDER BY c.id DESC LIMIT ?`, append(append([]any{actor.City, fp}, args...), maxCallerCases)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s CaseSummary
		var state string
		var created int64
		if err := rows.Scan(&s.ID, &s.TrackingCode, &state, &s.Title, &s.Category, &s.Grid.Code, &s.Grid.Name, &s.Address, &created); err != nil {
			return nil, err
		}
		s.State, s.CreatedAt = cases.State(state), fromMicros(created)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Which cases a person reported is personal data: the lookup is
	// recorded like an unmasking, naming the number only masked.
	err = db.Audit(ctx, actor, audit.Record{City: actor.City, Action: "reporter.lookup", Object: "phone:" + personal.MaskPhone(norm),
		Detail: map[string]any{"open_cases": len(out)}})
	return out, err
}
