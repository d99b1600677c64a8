package store

import (
	"context"
	"slices"
	"strings"

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
// caller with this phone number reported or added their voice to (Support),
// newest first, at most five: so
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
	ids, err := db.callerCaseIDs(ctx, actor.City, fp)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		// By primary key, the scope applied to the rows read as getCase
		// does: as a predicate it lets SQLite's planner read a city's cases
		// through the path index for a handful of ids.
		ids = padIDs(ids)
		rows, err := db.query(ctx, `SELECT c.id, c.tracking_code, c.state, c.title, c.category, c.grid, g.name, c.address, c.created_at,
			c.city, c.region_path, COALESCE(c.department, ''), COALESCE(c.reporter_user_id, 0)
			FROM cases c JOIN regions g ON g.code = c.grid WHERE c.id IN (`+placeholders(len(ids))+`) AND `+openStates+` AND c.kind <> 'petition'
			ORDER BY c.id DESC`, ids...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s CaseSummary
			var state, city, path, dept string
			var created, reporterUser int64
			if err := rows.Scan(&s.ID, &s.TrackingCode, &state, &s.Title, &s.Category, &s.Grid.Code, &s.Grid.Name, &s.Address, &created,
				&city, &path, &dept, &reporterUser); err != nil {
				rows.Close()
				return nil, err
			}
			if len(out) < maxCallerCases && caseVisible(actor, city, path, dept, reporterUser) {
				s.State, s.CreatedAt = cases.State(state), fromMicros(created)
				out = append(out, s)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Which cases a person reported is personal data: the lookup is
	// recorded like an unmasking, naming the number only masked.
	err = db.Audit(ctx, actor, audit.Record{City: actor.City, Action: "reporter.lookup", Object: "phone:" + personal.MaskPhone(norm),
		Detail: map[string]any{"open_cases": len(out)}})
	return out, err
}

// maxCallerIDs bounds the cases a lookup reads of one person, newest
// first: enough that five open ones in scope are among them.
const maxCallerIDs = 64

// callerCaseIDs returns the newest cases the person with phone fingerprint
// fp reported or added their voice to, in the city. The literal conditions
// on the fingerprint let SQLite use the partial indexes of migration 00016,
// which a bound parameter alone cannot prove it may.
func (db *DB) callerCaseIDs(ctx context.Context, city, fp string) ([]any, error) {
	rows, err := db.query(ctx, db.callerIDsQuery(), city, fp, city, fp, maxCallerIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// callerIDsQuery is callerCaseIDs' query. On PostgreSQL the join names the
// city, which a distributed engine needs to join on the worker; SQLite,
// told that, read the city's cases by cases_city_created instead of the
// reporter's by cases_reporter (TestCallerCasesPlan).
func (db *DB) callerIDsQuery() string {
	if db.dialect.name() == "postgres" {
		return strings.Replace(callerIDs, "rc.reporter_id = r.id", "rc.reporter_id = r.id AND rc.city = r.city", 1)
	}
	return callerIDs
}

const callerIDs = `SELECT id FROM (
	SELECT rc.id AS id FROM reporters r JOIN cases rc ON rc.reporter_id = r.id
		WHERE r.city = ? AND r.fingerprint = ? AND r.fingerprint <> '' AND rc.reporter_id IS NOT NULL
	UNION SELECT s.case_id AS id FROM case_supporters s WHERE s.city = ? AND s.fingerprint = ? AND s.fingerprint <> '') ids
	ORDER BY id DESC LIMIT ?`
