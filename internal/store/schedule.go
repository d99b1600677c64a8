package store

import (
	"context"
	"fmt"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

// Policy says when the scheduler warns, supervises and escalates. The zero
// value of a field turns that step off.
type Policy struct {
	WarnBefore    time.Duration // warn this long before the resolution deadline
	RedAfter      time.Duration // a red card this long after it (a yellow card comes at the deadline)
	EscalateAfter time.Duration // escalate one level this long after it
}

// DefaultPolicy warns a day ahead, gives a red card two days late and
// escalates three days late.
var DefaultPolicy = Policy{WarnBefore: 24 * time.Hour, RedAfter: 48 * time.Hour, EscalateAfter: 72 * time.Hour}

// workingStates are those in which a case's resolution clock runs, written
// as the literal predicate of the partial index cases_working_due (migration
// 00003): an engine uses a partial index only for a query that repeats its
// predicate, which a placeholder list would not.
const workingStates = `state IN ('submitted', 'accepted', 'dispatched', 'returned', 'in_progress')`

// DueCounts reports what one scheduler pass did.
type DueCounts struct {
	Warned, Overdue, Red, Escalated int
}

// RunDue performs every scheduled step that has come due, at most limit
// cases per step. Each step is a compare-and-set on the case in its own
// transaction, so with several servers on one database, and across restarts,
// each step happens exactly once.
func (db *DB) RunDue(ctx context.Context, p Policy, limit int) (DueCounts, error) {
	var n DueCounts
	now := db.clock.Now()
	sys := anju.SystemActor("scheduler")
	pick := func(where string, args ...any) ([]int64, error) {
		rows, err := db.query(ctx, `SELECT id FROM cases WHERE `+workingStates+` AND `+where+` ORDER BY resolution_due LIMIT ?`,
			append(args, limit)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}

	if p.WarnBefore > 0 {
		ids, err := pick(`NOT warned AND resolution_due <= ? AND resolution_due > ?`, micros(now.Add(p.WarnBefore)), micros(now))
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			err := db.inTx(ctx, func(tx *Tx) error {
				r, err := tx.exec(ctx, `UPDATE cases SET warned = TRUE WHERE id = ? AND NOT warned`, id)
				if err != nil {
					return err
				}
				if k, _ := r.RowsAffected(); k != 1 {
					return nil // another scheduler did it
				}
				c, err := tx.getCase(ctx, sys, id)
				if err != nil {
					return err
				}
				n.Warned++
				_, err = tx.appendEvent(ctx, sys, &c, cases.Event{Action: "deadline_warning", From: c.State, To: c.State, Version: c.Version},
					fmt.Sprintf("resolution deadline %s", c.Deadlines.Resolution.Format(time.RFC3339)), false, nil)
				return err
			})
			if err != nil {
				return n, err
			}
		}
	}

	// Overdue: mark it and issue a yellow card, in one transaction.
	ids, err := pick(`NOT overdue AND resolution_due <= ?`, micros(now))
	if err != nil {
		return n, err
	}
	for _, id := range ids {
		err := db.inTx(ctx, func(tx *Tx) error {
			r, err := tx.exec(ctx, `UPDATE cases SET overdue = TRUE WHERE id = ? AND NOT overdue`, id)
			if err != nil {
				return err
			}
			if k, _ := r.RowsAffected(); k != 1 {
				return nil
			}
			n.Overdue++
			_, err = tx.Act(ctx, sys, id, cases.ActionSupervise, ActionInput{Input: cases.Input{Card: cases.CardYellow,
				Note: "overdue: the resolution deadline has passed"}})
			return err
		})
		if err != nil {
			return n, err
		}
	}

	if p.RedAfter > 0 {
		ids, err := pick(`overdue AND card = 'yellow' AND resolution_due <= ?`, micros(now.Add(-p.RedAfter)))
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			err := db.inTx(ctx, func(tx *Tx) error {
				c, err := tx.getCase(ctx, sys, id)
				if err != nil || c.Card != cases.CardYellow {
					return err
				}
				n.Red++
				_, err = tx.Act(ctx, sys, id, cases.ActionSupervise, ActionInput{Version: c.Version,
					Input: cases.Input{Card: cases.CardRed, Note: fmt.Sprintf("overdue by more than %s", p.RedAfter)}})
				return err
			})
			if err != nil && anju.ErrorCode(err) != anju.ECONFLICT {
				return n, err
			}
		}
	}

	if p.EscalateAfter > 0 {
		// escalated_due remembers the deadline an escalation answered, so a
		// case escalates once per deadline, not once per pass.
		ids, err := pick(`overdue AND resolution_due <= ? AND escalated_due <> resolution_due`, micros(now.Add(-p.EscalateAfter)))
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			err := db.inTx(ctx, func(tx *Tx) error {
				r, err := tx.exec(ctx, `UPDATE cases SET escalated_due = resolution_due WHERE id = ? AND escalated_due <> resolution_due`, id)
				if err != nil {
					return err
				}
				if k, _ := r.RowsAffected(); k != 1 {
					return nil
				}
				_, err = tx.Act(ctx, sys, id, cases.ActionEscalate, ActionInput{Input: cases.Input{
					Reason: fmt.Sprintf("automatic: overdue by more than %s", p.EscalateAfter)}})
				if anju.ErrorCode(err) == anju.ECONFLICT {
					return nil // already at city level: nothing higher to go to
				}
				if err == nil {
					n.Escalated++
				}
				return err
			})
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
