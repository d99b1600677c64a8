package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
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
var DefaultPolicy = Policy{WarnBefore: cases.DueSoon, RedAfter: 48 * time.Hour, EscalateAfter: 72 * time.Hour}

// workingStates are those in which a case's resolution clock runs. The
// pick reads them from cases_open_deadline (migration 00014), whose
// predicate, the open states, they imply.
const workingStates = `(state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress')`

// DueCounts reports what one scheduler pass did.
type DueCounts struct {
	Warned, Overdue, Red, Escalated int
	Settled                         int // figure facts settled (Facts.Settle)
	// More: a warning, mark, card or escalation step took its whole limit
	// (in some city, on a distributed engine), so more may be due.
	More bool
}

func (n *DueCounts) add(o DueCounts) {
	n.Warned, n.Overdue, n.Red, n.Escalated = n.Warned+o.Warned, n.Overdue+o.Overdue, n.Red+o.Red, n.Escalated+o.Escalated
	n.Settled += o.Settled
	n.More = n.More || o.More
}

// CityError is the failure of one city's part of a step that went on for
// the other cities: on a distributed engine each city's rows lie on one
// worker, and a worker that is down fails its cities alone. Steps that
// run city by city return these joined (errors.Join).
type CityError struct {
	City string
	Err  error
}

func (e *CityError) Error() string { return "city " + e.City + ": " + e.Err.Error() }
func (e *CityError) Unwrap() error { return e.Err }

// Failures splits err, as the steps that go on past a failed city return
// it (joined, at any depth), into the failures of single cities and the
// others.
func Failures(err error) (cities []*CityError, others []error) {
	if err == nil {
		return nil, nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			c, o := Failures(e)
			cities, others = append(cities, c...), append(others, o...)
		}
		return cities, others
	}
	if ce, ok := errors.AsType[*CityError](err); ok {
		return []*CityError{ce}, nil
	}
	return nil, []error{err}
}

// eachCity runs fn once with city "" (every city at once) on SQLite and
// plain PostgreSQL, where one statement over every city is the quickest;
// on a distributed engine, once per city, where a statement naming no city
// needs every worker (and fails, all of it, when one is down) and one
// naming a city is answered by that city's worker alone. A city's failure
// does not stop the others: the failures come back joined, each a
// *CityError naming its city.
func (db *DB) eachCity(ctx context.Context, fn func(city string) error) error {
	if !db.distributed {
		return fn("")
	}
	cities, err := db.AllCities(ctx)
	if err != nil {
		return err
	}
	return forCities(ctx, cities, fn)
}

// forCities runs fn for every city, going on after a city's failure; the
// failures come back joined, each a *CityError naming its city.
func forCities(ctx context.Context, cities []string, fn func(city string) error) error {
	var errs []error
	for _, city := range cities {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if err := fn(city); err != nil {
			errs = append(errs, &CityError{City: city, Err: err})
		}
	}
	return errors.Join(errs...)
}

// inCity is the condition "col names city" of a statement eachCity runs,
// with its argument; empty when city is "" (every city).
func inCity(col, city string) (string, []any) {
	if city == "" {
		return "", nil
	}
	return ` AND ` + col + ` = ?`, []any{city}
}

// RunDue performs every scheduled step that has come due, at most limit
// cases per step (and city, on a distributed engine: eachCity). Each step
// is a compare-and-set on the case, committed in batches, so with several
// servers on one database, and across restarts, each step happens exactly
// once. A city whose steps fail (its worker is down) leaves the others'
// done; its error comes back as a *CityError, joined with the others'.
func (db *DB) RunDue(ctx context.Context, p Policy, limit int) (DueCounts, error) {
	var n DueCounts
	err := db.eachCity(ctx, func(city string) error {
		got, err := db.runDue(ctx, db, city, p, limit, db.eachInBatches)
		n.add(got)
		return err
	})
	return n, err
}

// RunDue is the scheduler's pass inside the caller's transaction, for the
// demo, which writes several simulated days to a commit.
func (t *Tx) RunDue(ctx context.Context, p Policy, limit int) (DueCounts, error) {
	return t.db.runDue(ctx, t, "", p, limit, func(ctx context.Context, ids []dueCase, fn func(tx *Tx, c dueCase) (bool, error)) (int, error) {
		return eachIn(t, ids, fn)
	})
}

type dueRunner func(ctx context.Context, ids []dueCase, fn func(tx *Tx, c dueCase) (bool, error)) (int, error)

// dueCase is a case a step came due on, with its city: a distributed
// engine locks a row only by its city (caseBusy).
type dueCase struct {
	id   int64
	city string
}

func dueCases(rows *sql.Rows, err error) ([]dueCase, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dueCase
	for rows.Next() {
		var c dueCase
		if err := rows.Scan(&c.id, &c.city); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// runDue runs the due steps of city, or of every city when city is "".
// Each step names the case's city in every statement, so that on a
// distributed engine it runs on the city's worker alone.
func (db *DB) runDue(ctx context.Context, q querier, city string, p Policy, limit int, each dueRunner) (DueCounts, error) {
	var n DueCounts
	now := db.clock.Now()
	sys := anju.SystemActor("scheduler")
	cityCond, cityArgs := inCity("city", city)
	pick := func(where string, args ...any) ([]dueCase, error) {
		args = append(append(args, cityArgs...), limit)
		return dueCases(q.query(ctx, `SELECT id, city FROM cases WHERE `+workingStates+` AND `+where+cityCond+` ORDER BY resolution_due LIMIT ?`,
			args...))
	}
	full := func(done int) {
		n.More = n.More || done >= limit
	}

	if p.WarnBefore > 0 {
		ids, err := pick(`NOT warned AND resolution_due <= ? AND resolution_due > ?`, micros(now.Add(p.WarnBefore)), micros(now))
		if err != nil {
			return n, err
		}
		done, err := each(ctx, ids, func(tx *Tx, d dueCase) (bool, error) {
			r, err := tx.exec(ctx, `UPDATE cases SET warned = TRUE WHERE id = ? AND city = ? AND NOT warned`, d.id, d.city)
			if err != nil {
				return false, err
			}
			if k, _ := r.RowsAffected(); k != 1 {
				return false, nil // another scheduler did it
			}
			c, err := tx.getCaseIn(ctx, sys, d.id, d.city)
			if err != nil {
				return false, err
			}
			_, err = tx.appendEvent(ctx, sys, &c, cases.Event{Action: "deadline_warning", From: c.State, To: c.State, Version: c.Version},
				fmt.Sprintf("resolution deadline %s", c.Deadlines.Resolution.Format(time.RFC3339)), false, nil)
			return err == nil, err
		})
		n.Warned += done
		full(done)
		if err != nil {
			return n, err
		}
	}

	// Overdue: mark it and issue a yellow card, in one transaction. A
	// deadline is missed by anything strictly after it (24:00 of a
	// statutory period's last day is still in time).
	ids, err := pick(`NOT overdue AND resolution_due < ?`, micros(now))
	if err != nil {
		return n, err
	}
	done, err := each(ctx, ids, func(tx *Tx, d dueCase) (bool, error) {
		r, err := tx.exec(ctx, `UPDATE cases SET overdue = TRUE WHERE id = ? AND city = ? AND NOT overdue`, d.id, d.city)
		if err != nil {
			return false, err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return false, nil
		}
		c, err := tx.getCaseIn(ctx, sys, d.id, d.city)
		if err != nil {
			return false, err
		}
		_, err = tx.ActOn(ctx, sys, c, cases.ActionSupervise, ActionInput{Input: cases.Input{Card: cases.CardYellow,
			Note: "overdue: the resolution deadline has passed"}})
		return err == nil, err
	})
	n.Overdue += done
	full(done)
	if err != nil {
		return n, err
	}

	if p.RedAfter > 0 {
		ids, err := pick(`overdue AND card = 'yellow' AND resolution_due <= ?`, micros(now.Add(-p.RedAfter)))
		if err != nil {
			return n, err
		}
		done, err := each(ctx, ids, func(tx *Tx, d dueCase) (bool, error) {
			c, err := tx.getCaseIn(ctx, sys, d.id, d.city)
			if err != nil || c.Card != cases.CardYellow {
				return false, err
			}
			_, err = tx.ActOn(ctx, sys, c, cases.ActionSupervise, ActionInput{
				Input: cases.Input{Card: cases.CardRed, Note: fmt.Sprintf("overdue by more than %s", p.RedAfter)}})
			if anju.ErrorCode(err) == anju.ECONFLICT {
				return false, nil // another scheduler carded it
			}
			return err == nil, err
		})
		n.Red += done
		full(done)
		if err != nil {
			return n, err
		}
	}

	if p.EscalateAfter > 0 {
		// escalated_due remembers the deadline an escalation answered, so a
		// case escalates once per deadline, not once per pass.
		ids, err := pick(`overdue AND resolution_due <= ? AND escalated_due <> resolution_due`, micros(now.Add(-p.EscalateAfter)))
		if err != nil {
			return n, err
		}
		done, err := each(ctx, ids, func(tx *Tx, d dueCase) (bool, error) {
			r, err := tx.exec(ctx, `UPDATE cases SET escalated_due = resolution_due WHERE id = ? AND city = ? AND escalated_due <> resolution_due`,
				d.id, d.city)
			if err != nil {
				return false, err
			}
			if k, _ := r.RowsAffected(); k != 1 {
				return false, nil
			}
			c, err := tx.getCaseIn(ctx, sys, d.id, d.city)
			if err != nil {
				return false, err
			}
			_, err = tx.ActOn(ctx, sys, c, cases.ActionEscalate, ActionInput{Input: cases.Input{
				Reason: fmt.Sprintf("automatic: overdue by more than %s", p.EscalateAfter)}})
			if anju.ErrorCode(err) == anju.ECONFLICT {
				return false, nil // already at city level: nothing higher to go to
			}
			return err == nil, err
		})
		n.Escalated += done
		full(done)
		if err != nil {
			return n, err
		}
	}
	// Figure facts whose clocks ran out, or whose open case sits in the
	// last bucket of both piles for good, move into the rollups (Settle).
	last := micros(now.Add(-figures.AgeBuckets[len(figures.AgeBuckets)-2].Below))
	if tx, ok := q.(*Tx); ok {
		// The rows of case_facts the transaction changed are gathered
		// until its commit: written first, the query finds them as they are.
		if err := tx.flushFigures(ctx); err != nil {
			return n, err
		}
	}
	ids, err = dueCases(q.query(ctx, `SELECT case_id, city FROM case_facts WHERE flags <> 0 AND (
		(flags & 1 <> 0 AND created_at <= ? AND resolution_due <= ?) OR (flags & 2 <> 0 AND response_due < ?)
		OR (flags & 4 <> 0 AND resolution_due < ?))`+cityCond+` LIMIT ?`,
		append(append([]any{last, last, micros(now), micros(now)}, cityArgs...), limit)...))
	if err != nil {
		return n, err
	}
	done, err = each(ctx, ids, func(tx *Tx, d dueCase) (bool, error) { return tx.settleFacts(ctx, d.id, d.city, now) })
	n.Settled += done
	return n, err
}

// dueBatch is how many cases one scheduler transaction takes: a commit per
// case made a pass after downtime (or the demo's three years) wait on
// thousands of disk flushes, while each step's compare-and-set keeps it
// exactly-once in a batch as well as alone.
const dueBatch = 100

// eachInBatches runs fn for every id, dueBatch ids to a transaction, and
// returns how many calls reported a step done in the batches that committed:
// a batch that fails leaves nothing, and its steps come due again on the
// next pass.
func (db *DB) eachInBatches(ctx context.Context, ids []dueCase, fn func(tx *Tx, c dueCase) (bool, error)) (int, error) {
	total := 0
	for start := 0; start < len(ids); {
		var done, taken int
		if err := db.inTx(ctx, func(tx *Tx) error {
			// A batch also ends after dueBatchTime, so that the steps of a
			// slow pass (a loaded machine, a case with many subscribers)
			// do not keep the other writers waiting.
			began := time.Now()
			done, taken = 0, 0 // a retried transaction counts afresh
			for _, c := range ids[start:min(start+dueBatch, len(ids))] {
				if taken > 0 && time.Since(began) >= dueBatchTime {
					break
				}
				busy, err := tx.caseBusy(ctx, c.id, c.city)
				if err != nil {
					return err
				}
				ok := false
				if !busy {
					if ok, err = fn(tx, c); err != nil {
						return err
					}
				}
				taken++
				if ok {
					done++
				}
			}
			return nil
		}); err != nil {
			return total, err
		}
		start += taken
		total += done
	}
	return total, nil
}

// caseBusy takes case id's row for the batch, or reports that another
// transaction holds it (a transition, another server's batch): the step is
// then left to the next pass rather than waited for, since a batch of a
// hundred steps should not stand behind one person's transaction. (A
// city's audit head, which every writer of the city takes, is taken at the
// end of each transaction, after its cases: chainAudit.) SQLite runs one writer at a
// time.
func (t *Tx) caseBusy(ctx context.Context, id int64, city string) (bool, error) {
	if t.db.dialect.name() != "postgres" {
		return false, nil
	}
	var got int64
	err := t.queryRow(ctx, `SELECT id FROM cases WHERE id = ? AND city = ?`+t.db.dialect.skipLocked(), id, city).Scan(&got)
	if err != sql.ErrNoRows {
		return false, err
	}
	// Held by another transaction, or not there at all (the step then
	// finds that out itself).
	err = t.queryRow(ctx, `SELECT id FROM cases WHERE id = ? AND city = ?`, id, city).Scan(&got)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// dueBatchTime bounds how long one batch of due steps holds the database.
const dueBatchTime = 50 * time.Millisecond

// eachIn takes one due step on each case inside tx and counts those taken.
func eachIn(tx *Tx, ids []dueCase, fn func(tx *Tx, c dueCase) (bool, error)) (int, error) {
	done := 0
	for _, c := range ids {
		ok, err := fn(tx, c)
		if err != nil {
			return done, err
		}
		if ok {
			done++
		}
	}
	return done, nil
}
