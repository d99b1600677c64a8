package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/dispute"
	"anju/internal/warning"
)

// Disputes (矛盾纠纷) are cases of kind dispute: the case core carries their
// events, deadlines, scope, audit and figures, and this file their detail —
// parties, sessions, outcome, referral and follow-up — in tables of their
// own. The rules are package dispute's; each mediation step is applied to
// the case through the case workflow (Tx.ActOn) in the step's transaction.

// Dispute is a dispute's detail as the API shows it, under "dispute" in the
// case's JSON. Parties appear masked.
type Dispute struct {
	CaseID   int64            `json:"case_id"`
	Type     dispute.Type     `json:"type"`
	TypeName string           `json:"type_name"`
	Amount   float64          `json:"amount"` // yuan
	People   int              `json:"people"`
	State    dispute.State    `json:"state"`
	Parties  []DisputeParty   `json:"parties"`
	Sessions []DisputeSession `json:"sessions"`
	Terms    string           `json:"terms,omitempty"`
	// Signatories are the parties who signed the agreement (ids of
	// Parties); empty for an agreement recorded before they were named,
	// which every party signed.
	Signatories    []int64          `json:"signatories,omitempty"`
	AgreedAt       *time.Time       `json:"agreed_at,omitempty"`
	Referral       dispute.Channel  `json:"referral,omitempty"`
	ReferralResult string           `json:"referral_result,omitempty"`
	ReferralAt     *time.Time       `json:"referral_at,omitempty"`
	FollowUpDue    *time.Time       `json:"follow_up_due,omitempty"`
	FollowUp       *DisputeFollowUp `json:"follow_up,omitempty"`
	// Broken counts the follow-ups that found an agreement broken and sent
	// the dispute back to mediation.
	Broken    int       `json:"broken"`
	FromCase  int64     `json:"from_case,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// AllowedSteps are the mediation steps the reader may take now
	// (dispute.Steps): the case's allowed_actions for its dispute.
	AllowedSteps []dispute.Action `json:"allowed_steps"`

	city string
}

// DisputeParty is a party as shown: masked unless read for an agreement by
// a role that may unmask (DisputeAgreement).
type DisputeParty struct {
	ID       int64             `json:"id"`
	Kind     dispute.PartyKind `json:"kind"`
	Role     dispute.PartyRole `json:"role"`
	Name     string            `json:"name"`
	Phone    string            `json:"phone,omitempty"`
	IDNumber string            `json:"id_number,omitempty"`

	reporterID sql.NullInt64
}

// DisputeSession is a recorded mediation session.
type DisputeSession struct {
	ID int64 `json:"id"`
	dispute.Session
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// DisputeFollowUp is the follow-up visit's finding, once recorded.
type DisputeFollowUp struct {
	Holds bool      `json:"holds"`
	Note  string    `json:"note,omitempty"`
	At    time.Time `json:"at"`
}

// CaseWithDispute is a dispute's case with its detail.
type CaseWithDispute struct {
	Case
	Dispute *Dispute `json:"dispute"`
}

// NewDispute is a dispute's intake: the case (its text, place and
// category) with the dispute, the case it was referred from, if any, and —
// for a mediator who takes a dispute in at his committee — the committee
// that takes it (see CreateDispute).
type NewDispute struct {
	NewCase
	Dispute   dispute.Dispute `json:"dispute"`
	FromCase  int64           `json:"from_case,omitempty"`
	Committee string          `json:"committee,omitempty"`
}

// CreateDispute takes a dispute in: the case of kind dispute, its detail and
// its parties (their personal data encrypted as a reporter's) in one
// transaction, and, for a referral from another case, a note on that case.
// Grid workers, operators, dispatchers and supervisors file it for the
// dispatchers to send to a committee; a mediator takes it in at his own
// committee (人民调解委员会受理), which then holds it at once: the platform
// accepts and dispatches it there and the mediator signs for it, in the
// same transaction (dispute.IntakeCommittee). Every check comes before the
// transaction: bad input is EINVALID naming the field, and nothing is
// written.
func (db *DB) CreateDispute(ctx context.Context, actor *anju.Actor, nd NewDispute) (CaseWithDispute, error) {
	cd, _, err := db.CreateDisputeOnce(ctx, actor, nd, "")
	return cd, err
}

// CreateDisputeOnce is CreateDispute under an idempotency key (the API's
// Idempotency-Key, the intake form's hidden key): the same key with the same
// dispute answers the dispute filed the first time, and false; with another
// dispute (other parties, another type) it is refused.
func (db *DB) CreateDisputeOnce(ctx context.Context, actor *anju.Actor, nd NewDispute, idemKey string) (CaseWithDispute, bool, error) {
	if err := MayFileCases(actor); err != nil {
		return CaseWithDispute{}, false, err
	}
	if nd.Kind != "" && nd.Kind != cases.KindDispute {
		return CaseWithDispute{}, false, anju.FieldError("kind", "a dispute is a case of kind dispute, not %q", nd.Kind)
	}
	nd.Kind = cases.KindDispute
	if err := nd.Dispute.Validate(); err != nil {
		return CaseWithDispute{}, false, err
	}
	var from Case
	if nd.FromCase != 0 {
		var err error
		if from, err = db.getCase(ctx, db, actor, nd.FromCase); err != nil {
			if anju.ErrorCode(err) == anju.ENOTFOUND {
				return CaseWithDispute{}, false, anju.FieldError("from_case", "case %d not found", nd.FromCase)
			}
			return CaseWithDispute{}, false, err
		}
	}
	p, err := db.PrepareCase(ctx, actor, nd.NewCase, idemKey)
	if err != nil {
		return CaseWithDispute{}, false, err
	}
	if idemKey != "" {
		p.keyRequest(nd, nd.Photos)
	}
	committee, err := dispute.IntakeCommittee(actor, p.grid.Path, nd.Committee)
	if err != nil {
		return CaseWithDispute{}, false, err
	}
	now := db.clock.Now()
	var c Case
	created := false
	err = db.inTx(ctx, func(tx *Tx) error {
		var err error
		if c, created, err = tx.InsertCase(ctx, p); err != nil || !created {
			return err
		}
		var fromCase any
		if nd.FromCase != 0 {
			fromCase = nd.FromCase
		}
		d := nd.Dispute
		if _, err := tx.exec(ctx, `INSERT INTO disputes (case_id, city, type, amount_fen, people, state, from_case, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.City, string(d.Type), d.AmountFen(), d.People, string(dispute.StateMediating),
			fromCase, micros(now), micros(now)); err != nil {
			return err
		}
		for i, party := range d.Parties {
			data := party.Personal()
			orgName := ""
			if party.Kind == dispute.Organisation {
				orgName, data.Name = party.Name, ""
			}
			var rid any
			if !data.IsZero() {
				id, err := tx.insertReporter(ctx, c.City, data)
				if err != nil {
					return err
				}
				rid = id
			}
			if _, err := tx.exec(ctx, `INSERT INTO dispute_parties (case_id, city, seq, kind, role, org_name, reporter_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				c.ID, c.City, i, string(party.Kind), string(party.Role), orgName, rid); err != nil {
				return err
			}
		}
		if nd.FromCase != 0 {
			if _, err := tx.ActOn(ctx, actor, from, cases.ActionComment, ActionInput{Input: cases.Input{
				Note: "转为矛盾纠纷调解：案件 " + FormatTrackingCode(c.TrackingCode)}}); err != nil {
				return err
			}
		}
		if committee == "" {
			return nil
		}
		sys := anju.SystemActor("dispute")
		for _, step := range []struct {
			who *anju.Actor
			a   cases.Action
			in  cases.Input
		}{
			{sys, cases.ActionAccept, cases.Input{Note: "调解员受理"}},
			{sys, cases.ActionDispatch, cases.Input{Department: committee}},
			{actor, cases.ActionStart, cases.Input{}},
		} {
			if c, err = tx.ActOn(ctx, step.who, c, step.a, ActionInput{Input: step.in}); err != nil {
				if anju.ErrorField(err) == "department" {
					return anju.FieldError("committee", "%s", anju.ErrorMessage(err))
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return CaseWithDispute{}, false, err
	}
	c.AllowedActions = db.allowedActions(actor, c)
	dd, err := db.readDispute(ctx, db, c.ID)
	if err != nil {
		return CaseWithDispute{}, false, err
	}
	return NewCaseWithDispute(c, db.dressDispute(actor, c, dd)), created, nil
}

// GetDispute returns a dispute's case and detail, parties masked. ENOTFOUND
// for a case the actor may not see, or one that is not a dispute.
func (db *DB) GetDispute(ctx context.Context, actor *anju.Actor, id int64) (CaseWithDispute, error) {
	c, err := db.GetCase(ctx, actor, id)
	if err != nil {
		return CaseWithDispute{}, err
	}
	if c.Kind != cases.KindDispute {
		return CaseWithDispute{}, notFound("dispute", strconv.FormatInt(id, 10))
	}
	d, err := db.readDispute(ctx, db, id)
	if err != nil {
		return CaseWithDispute{}, err
	}
	return NewCaseWithDispute(c, db.dressDispute(actor, c, d)), nil
}

// NewCaseWithDispute is case c with its dispute d (nil for none). The case
// workflow actions a dispute takes only through its mediation steps
// (dispute.OwnsCaseAction) leave its allowed actions, which the steps
// replace (Dispute.AllowedSteps).
func NewCaseWithDispute(c Case, d *Dispute) CaseWithDispute {
	if d != nil {
		c.AllowedActions = slices.DeleteFunc(slices.Clone(c.AllowedActions), dispute.OwnsCaseAction)
	}
	return CaseWithDispute{Case: c, Dispute: d}
}

// dressDispute readies d, the dispute of case c, for actor: what only staff
// read left out, and the steps actor may take.
func (db *DB) dressDispute(actor *anju.Actor, c Case, d *Dispute) *Dispute {
	d = d.forReader(actor)
	d.AllowedSteps = dispute.Steps(d.State, c.State, db.rolesAt(actor, c)...)
	if d.AllowedSteps == nil {
		d.AllowedSteps = []dispute.Action{}
	}
	return d
}

// DisputeOf returns the detail of case c as actor, who read c, may see it,
// or nil when c is not a dispute: the case's JSON carries it under
// "dispute".
func (db *DB) DisputeOf(ctx context.Context, actor *anju.Actor, c Case) (*Dispute, error) {
	if c.Kind != cases.KindDispute {
		return nil, nil
	}
	d, err := db.readDispute(ctx, db, c.ID)
	if anju.ErrorCode(err) == anju.ENOTFOUND {
		// A case of kind dispute filed through the general intake (or
		// before disputes had detail) has none: it is a case, no more.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return db.dressDispute(actor, c, d), nil
}

// forReader leaves out what only staff read: a resident who brought the
// dispute sees its sessions' times and places, not the mediators' notes or
// who recorded them, nor the follow-up visitor's note.
func (d *Dispute) forReader(actor *anju.Actor) *Dispute {
	if d == nil || actor.Staff() {
		return d
	}
	for i := range d.Sessions {
		d.Sessions[i].Notes, d.Sessions[i].RecordedBy = "", ""
	}
	if d.FollowUp != nil {
		d.FollowUp.Note = ""
	}
	return d
}

const disputeCols = `case_id, city, type, amount_fen, people, state, terms, signatories, agreed_at, referral, referral_result,
	referral_at, follow_up_due, follow_up_holds, follow_up_note, follow_up_at, broken, from_case, created_at, updated_at`

func (db *DB) readDispute(ctx context.Context, q querier, id int64) (*Dispute, error) {
	var d Dispute
	var fen, created, updated int64
	var agreed, refAt, due, fuAt, from sql.NullInt64
	var referral sql.NullString
	var holds sql.NullBool
	var fuNote, signatories string
	err := q.queryRow(ctx, `SELECT `+disputeCols+` FROM disputes WHERE case_id = ?`, id).Scan(&d.CaseID, &d.city, &d.Type, &fen,
		&d.People, &d.State, &d.Terms, &signatories, &agreed, &referral, &d.ReferralResult, &refAt, &due, &holds, &fuNote, &fuAt,
		&d.Broken, &from, &created, &updated)
	if err == sql.ErrNoRows {
		return nil, notFound("dispute", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, err
	}
	d.TypeName = d.Type.Name()
	if signatories != "" {
		json.Unmarshal([]byte(signatories), &d.Signatories)
	}
	d.Amount = float64(fen) / 100
	d.Referral, d.FromCase = dispute.Channel(referral.String), from.Int64
	d.AgreedAt, d.ReferralAt, d.FollowUpDue = optTime(agreed), optTime(refAt), optTime(due)
	if holds.Valid {
		d.FollowUp = &DisputeFollowUp{Holds: holds.Bool, Note: fuNote, At: fromMicros(fuAt.Int64)}
	}
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	if d.Parties, err = db.disputeParties(ctx, q, id); err != nil {
		return nil, err
	}
	if d.Sessions, err = db.disputeSessions(ctx, q, id); err != nil {
		return nil, err
	}
	return &d, nil
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func (db *DB) disputeParties(ctx context.Context, q querier, id int64) ([]DisputeParty, error) {
	rows, err := q.query(ctx, `SELECT p.id, p.kind, p.role, p.org_name, p.reporter_id, r.masked FROM dispute_parties p
		LEFT JOIN reporters r ON r.id = p.reporter_id AND r.city = p.city WHERE p.case_id = ? ORDER BY p.seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DisputeParty{}
	for rows.Next() {
		var p DisputeParty
		var org string
		var masked sql.NullString
		if err := rows.Scan(&p.ID, &p.Kind, &p.Role, &org, &p.reporterID, &masked); err != nil {
			return nil, err
		}
		var m ReporterOut
		if masked.Valid {
			json.Unmarshal([]byte(masked.String), &m)
		}
		p.Name, p.Phone, p.IDNumber = m.Name, m.Phone, m.IDNumber
		if p.Kind == dispute.Organisation {
			p.Name = org
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (db *DB) disputeSessions(ctx context.Context, q querier, id int64) ([]DisputeSession, error) {
	rows, err := q.query(ctx, `SELECT id, held_at, place, mediators, attended, notes, recorded_by, recorded_at
		FROM dispute_sessions WHERE case_id = ? ORDER BY held_at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DisputeSession{}
	for rows.Next() {
		var s DisputeSession
		var held, recorded int64
		var mediators, attended string
		if err := rows.Scan(&s.ID, &held, &s.Place, &mediators, &attended, &s.Notes, &s.RecordedBy, &recorded); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(mediators), &s.Mediators)
		json.Unmarshal([]byte(attended), &s.Attended)
		s.HeldAt, s.RecordedAt = fromMicros(held), fromMicros(recorded)
		out = append(out, s)
	}
	return out, rows.Err()
}

// disputeStep applies one mediation step to dispute id in one transaction:
// it reads the case in the actor's scope (ENOTFOUND outside it), asks
// dispute.Transition whether the step may be taken, lets check validate the
// step's input against the dispute, applies the step's case actions through
// the case workflow with the inputs caseInput gives, and lets write record
// the step's detail. The dispute's state moves by compare-and-set, so two
// concurrent steps cannot both take.
func (db *DB) disputeStep(ctx context.Context, actor *anju.Actor, id int64, a dispute.Action,
	check func(d *Dispute, c Case) error, caseInput func(cases.Action, *Dispute) cases.Input,
	write func(tx *Tx, d *Dispute, now time.Time) error) (CaseWithDispute, error) {
	now := db.clock.Now()
	err := db.inTx(ctx, func(tx *Tx) error {
		c, err := tx.getCase(ctx, actor, id)
		if err != nil {
			return err
		}
		if c.Kind != cases.KindDispute {
			return notFound("dispute", strconv.FormatInt(id, 10))
		}
		d, err := db.readDispute(ctx, tx, id)
		if err != nil {
			return err
		}
		rule, err := dispute.Transition(d.State, c.State, a, db.rolesAt(actor, c)...)
		if err != nil {
			return err
		}
		if err := check(d, c); err != nil {
			return err
		}
		for _, ca := range rule.CaseActions {
			who := actor
			if dispute.SystemCloses(ca) {
				who = anju.SystemActor("dispute")
			}
			in := ActionInput{Input: caseInput(ca, d), mediation: true, restartClock: rule.RestartsClock}
			if c, err = tx.ActOn(ctx, who, c, ca, in); err != nil {
				return err
			}
		}
		r, err := tx.exec(ctx, `UPDATE disputes SET state = ?, updated_at = ? WHERE case_id = ? AND state = ?`,
			string(rule.To), micros(now), id, string(d.State))
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return anju.Errorf(anju.ECONFLICT, "dispute %d changed meanwhile; reload it and try again", id)
		}
		return write(tx, d, now)
	})
	if err != nil {
		return CaseWithDispute{}, err
	}
	return db.GetDispute(ctx, actor, id)
}

// RecordDisputeSession records a mediation session held on dispute id, and
// notes it in the case's history (without the parties or the notes).
// EINVALID for a session in the future or parties not of this dispute.
func (db *DB) RecordDisputeSession(ctx context.Context, actor *anju.Actor, id int64, s dispute.Session) (CaseWithDispute, error) {
	return db.disputeStep(ctx, actor, id, dispute.ActionSession,
		func(d *Dispute, c Case) error {
			if err := s.Validate(db.clock.Now()); err != nil {
				return err
			}
			for _, pid := range s.Attended {
				if !hasParty(d, pid) {
					return anju.FieldError("attended", "party %d is not a party to this dispute", pid)
				}
			}
			return nil
		},
		func(cases.Action, *Dispute) cases.Input {
			return cases.Input{Note: fmt.Sprintf("调解会议：%s，%s（调解员：%s）", s.HeldAt.In(db.cityLocation(ctx, actor.City)).Format("2006-01-02 15:04"),
				s.Place, strings.Join(s.Mediators, "、"))}
		},
		func(tx *Tx, d *Dispute, now time.Time) error {
			mediators, _ := json.Marshal(s.Mediators)
			attended, _ := json.Marshal(s.Attended)
			_, err := tx.exec(ctx, `INSERT INTO dispute_sessions (case_id, city, held_at, place, mediators, attended, notes, recorded_by, recorded_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, actor.City, micros(s.HeldAt), s.Place, string(mediators), string(attended), s.Notes,
				actorName(actor), micros(now))
			return err
		})
}

func hasParty(d *Dispute, id int64) bool {
	for _, p := range d.Parties {
		if p.ID == id {
			return true
		}
	}
	return false
}

// RecordDisputeOutcome records how mediation ended: an agreement, whose
// follow-up then falls due after the city's period, or none and the
// channel the dispute is referred to, where it waits, open, for that
// channel's result. Either resolves the case.
func (db *DB) RecordDisputeOutcome(ctx context.Context, actor *anju.Actor, id int64, o dispute.Outcome) (CaseWithDispute, error) {
	return db.disputeStep(ctx, actor, id, o.Action(),
		func(d *Dispute, c Case) error {
			refs := make([]dispute.PartyRef, len(d.Parties))
			for i, p := range d.Parties {
				refs[i] = dispute.PartyRef{ID: p.ID, Role: p.Role}
			}
			return o.Validate(refs)
		},
		func(cases.Action, *Dispute) cases.Input {
			if o.Agreement {
				return cases.Input{Result: join2("调解成功，当事人达成调解协议", o.Note)}
			}
			return cases.Input{Result: join2("调解未达成协议，引导至"+o.Referral.Name(), o.Note)}
		},
		func(tx *Tx, d *Dispute, now time.Time) error {
			if o.Agreement {
				days, err := db.DisputeFollowUpDays(ctx, d.city)
				if err != nil {
					return err
				}
				due := dispute.FollowUpDue(now, days, db.cityLocation(ctx, d.city))
				signed, _ := json.Marshal(o.Parties)
				// A new agreement replaces what an earlier outcome left.
				_, err = tx.exec(ctx, `UPDATE disputes SET terms = ?, signatories = ?, agreed_at = ?, follow_up_due = ?,
					follow_up_holds = NULL, follow_up_note = '', follow_up_at = NULL, referral = NULL, referral_result = '',
					referral_at = NULL WHERE case_id = ?`, o.Terms, string(signed), micros(now), micros(due), id)
				return err
			}
			_, err := tx.exec(ctx, `UPDATE disputes SET referral = ?, referral_at = ?, referral_result = '', terms = '',
				signatories = '', agreed_at = NULL, follow_up_due = NULL, follow_up_holds = NULL, follow_up_note = '',
				follow_up_at = NULL WHERE case_id = ?`, string(o.Referral), micros(now), id)
			return err
		})
}

// RecordReferralResult records the result of the channel a dispute was
// referred to, which takes it off the lists: the case is verified and
// closed as not the platform's to solve, naming the channel.
func (db *DB) RecordReferralResult(ctx context.Context, actor *anju.Actor, id int64, r dispute.ReferralResult) (CaseWithDispute, error) {
	return db.disputeStep(ctx, actor, id, dispute.ActionConclude,
		func(*Dispute, Case) error { return r.Validate() },
		func(ca cases.Action, d *Dispute) cases.Input {
			if ca == cases.ActionVerify {
				return cases.Input{Method: cases.VerifyOnSite, Note: d.Referral.Name() + "结果：" + r.Result}
			}
			return cases.Input{Outcome: cases.OutcomeNotRemit, WhoIs: d.Referral.Name(), Reason: r.Result}
		},
		func(tx *Tx, d *Dispute, now time.Time) error {
			_, err := tx.exec(ctx, `UPDATE disputes SET referral_result = ? WHERE case_id = ?`, r.Result, id)
			return err
		})
}

// RecordFollowUp records the follow-up visit of an agreement, once it is
// due: kept, the dispute is settled (案结事了) and its case verified and
// closed; broken, the case goes back to the mediation committee
// (fail_verification) and the dispute to mediation.
func (db *DB) RecordFollowUp(ctx context.Context, actor *anju.Actor, id int64, f dispute.FollowUp) (CaseWithDispute, error) {
	if err := f.Validate(); err != nil {
		// Which step it is depends on the finding, so the finding is read
		// first; a visit outside the actor's scope is still ENOTFOUND.
		if _, gerr := db.GetDispute(ctx, actor, id); gerr != nil {
			return CaseWithDispute{}, gerr
		}
		return CaseWithDispute{}, err
	}
	return db.disputeStep(ctx, actor, id, f.Action(),
		func(d *Dispute, c Case) error {
			if d.FollowUpDue == nil {
				return anju.Errorf(anju.ECONFLICT, "dispute %d has no agreement to follow up", id)
			}
			return dispute.CheckFollowUp(db.clock.Now(), *d.FollowUpDue)
		},
		func(ca cases.Action, d *Dispute) cases.Input {
			switch ca {
			case cases.ActionVerify:
				return cases.Input{Method: cases.VerifyOnSite, Note: join2("回访：调解协议已履行，案结事了", f.Note)}
			case cases.ActionClose:
				return cases.Input{Outcome: cases.OutcomeSolved, Note: "调解协议履行完毕"}
			}
			return cases.Input{Reason: "回访：调解协议未履行：" + f.Note}
		},
		func(tx *Tx, d *Dispute, now time.Time) error {
			broken := 0
			if f.Action() == dispute.ActionBreak {
				broken = 1
			}
			_, err := tx.exec(ctx, `UPDATE disputes SET follow_up_holds = ?, follow_up_note = ?, follow_up_at = ?, broken = broken + ?
				WHERE case_id = ?`, *f.Holds, f.Note, micros(now), broken, id)
			return err
		})
}

// checkDisputeAction refuses a case workflow action that a dispute takes
// only through its mediation steps (dispute.OwnsCaseAction) when it comes
// any other way: resolving a dispute's case is recording its outcome,
// checking it the follow-up visit or the referral's result. A case of kind
// dispute without detail (general intake) is a case like any other.
func (t *Tx) checkDisputeAction(ctx context.Context, c Case, a cases.Action, in ActionInput) error {
	if c.Kind != cases.KindDispute || in.mediation || !dispute.OwnsCaseAction(a) {
		return nil
	}
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM disputes WHERE case_id = ?`, c.ID).Scan(&n); err != nil || n == 0 {
		return err
	}
	steps := map[cases.Action]string{cases.ActionResolve: "outcome", cases.ActionVerify: "follow-up or referral",
		cases.ActionFailVerification: "follow-up"}
	return anju.Errorf(anju.ECONFLICT, "case %d is a dispute: record its %s (POST /api/v1/disputes/%d/…) instead of %s",
		c.ID, steps[a], c.ID, strings.ReplaceAll(string(a), "_", " "))
}

// reopenDispute follows a dispute's case reopened (by the resident who
// brought it, or a supervisor) with the dispute: one that had ended is
// mediated again (dispute.Reopened), its earlier outcome kept until a new
// one replaces it.
func (t *Tx) reopenDispute(ctx context.Context, id int64, now time.Time) error {
	var state dispute.State
	err := t.queryRow(ctx, `SELECT state FROM disputes WHERE case_id = ?`, id).Scan(&state)
	if err == sql.ErrNoRows || err == nil && dispute.Reopened(state) == state {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE disputes SET state = ?, updated_at = ? WHERE case_id = ? AND state = ?`,
		string(dispute.Reopened(state)), micros(now), id, string(state))
	return err
}

func join2(a, b string) string {
	if anju.Blank(b) {
		return a
	}
	return a + "：" + b
}

// DisputeSettings returns the city's dispute settings as it set them (zero
// fields follow the defaults).
func (db *DB) DisputeSettings(ctx context.Context, city string) (dispute.Settings, error) {
	var st dispute.Settings
	err := db.queryRow(ctx, `SELECT follow_up_days, large_people, large_amount FROM dispute_settings WHERE city = ?`, city).
		Scan(&st.FollowUpDays, &st.LargePeople, &st.LargeAmount)
	if err == sql.ErrNoRows {
		return dispute.Settings{}, nil
	}
	return st, err
}

// DisputeFollowUpDays is the city's follow-up period in calendar days.
func (db *DB) DisputeFollowUpDays(ctx context.Context, city string) (int, error) {
	st, err := db.DisputeSettings(ctx, city)
	if err != nil || st.FollowUpDays == 0 {
		return dispute.DefaultFollowUpDays, err
	}
	return st.FollowUpDays, nil
}

// SetDisputeSettings sets the actor's city's follow-up period and the
// thresholds of a large dispute's warning; city-wide administrators only,
// audited. A new period applies to agreements signed afterwards.
func (db *DB) SetDisputeSettings(ctx context.Context, actor *anju.Actor, st dispute.Settings) error {
	if !actor.System && !actor.HasRoleAt(cityPath(actor.City), anju.RoleAdmin) {
		return anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator may set the dispute settings")
	}
	if err := st.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO dispute_settings (city, follow_up_days, large_people, large_amount) VALUES (?, ?, ?, ?)
			ON CONFLICT (city) DO UPDATE SET follow_up_days = excluded.follow_up_days, large_people = excluded.large_people,
			large_amount = excluded.large_amount`, actor.City, st.FollowUpDays, st.LargePeople, st.LargeAmount); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: actor.City, Action: "city.dispute_settings",
			Object: "city:" + actor.City, Detail: map[string]any{"follow_up_days": st.FollowUpDays,
				"large_people": st.LargePeople, "large_amount": st.LargeAmount}})
	})
}

// DisputeFilter selects disputes for a list.
type DisputeFilter struct {
	// Queue keeps one workbench queue's disputes (dispute.Queues), within
	// the reach of the reader's grants of the roles that see it.
	Queue dispute.Queue
	State dispute.State
	// FollowUpDue keeps the agreements whose follow-up visit is due now:
	// the grid workers' list of visits to make.
	FollowUpDue bool
	Before      int64 // case id; the page after
	Limit       int
}

// DisputeSummary is a dispute in a list: no parties.
type DisputeSummary struct {
	CaseID       int64           `json:"case_id"`
	TrackingCode string          `json:"tracking_code"`
	Title        string          `json:"title"`
	CaseState    cases.State     `json:"case_state"`
	Type         dispute.Type    `json:"type"`
	People       int             `json:"people"`
	Amount       float64         `json:"amount"`
	State        dispute.State   `json:"state"`
	Referral     dispute.Channel `json:"referral,omitempty"`
	FollowUpDue  *time.Time      `json:"follow_up_due,omitempty"`
	Grid         string          `json:"grid"`
	GridName     string          `json:"grid_name"`
	Department   string          `json:"department,omitempty"`
	Sessions     int             `json:"sessions"`
	LastSession  *time.Time      `json:"last_session,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// DisputeList is a page of disputes.
type DisputeList struct {
	Disputes []DisputeSummary `json:"disputes"`
	Next     int64            `json:"next,omitempty"`
}

// ListDisputes lists the disputes the actor may see, newest first, by the
// mediation's state: "referred" is the list of disputes waiting for
// another channel's result, "agreed" those waiting for their follow-up
// (with FollowUpDue, those whose visit is due); or one workbench queue's
// (Queue), which an actor who does not see it is refused (EINVALID on
// "queue", as an unknown one).
//
// The dispute reads join the cases with CROSS JOIN, which SQLite takes in
// the order written: a city holds few disputes among many cases, and
// without statistics SQLite would otherwise read every case in the
// reader's reach to find them (the workbench's dispute counts took 9 s at
// 2,000,000 cases). PostgreSQL plans a CROSS JOIN as any other join.
func (db *DB) ListDisputes(ctx context.Context, actor *anju.Actor, f DisputeFilter) (DisputeList, error) {
	if f.State != "" && !f.State.Valid() {
		return DisputeList{}, anju.FieldError("state", "unknown dispute state %q; one of %v", f.State, dispute.States)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	scope, args := caseScope(actor)
	if f.Queue != "" {
		def, ok := dispute.QueueFor(f.Queue)
		if !ok || !actor.System && !def.Sees(grantRoles(actor)...) {
			return DisputeList{}, anju.FieldError("queue", "%q is not one of your dispute queues", f.Queue)
		}
		scope, args = disputeQueueWhere(actor, def, db.clock.Now())
	}
	q := `SELECT c.id, c.tracking_code, c.title, c.state, d.type, d.people, d.amount_fen, d.state, d.referral, d.follow_up_due, c.grid,
		COALESCE((SELECT r.name FROM regions r WHERE r.code = c.grid), ''), c.department, c.created_at,
		(SELECT COUNT(*) FROM dispute_sessions s WHERE s.case_id = d.case_id AND s.city = d.city),
		(SELECT MAX(s.held_at) FROM dispute_sessions s WHERE s.case_id = d.case_id AND s.city = d.city)
		FROM disputes d CROSS JOIN cases c WHERE c.id = d.case_id AND c.city = d.city AND ` + scope
	if f.State != "" {
		q += ` AND d.state = ?`
		args = append(args, string(f.State))
	}
	if f.FollowUpDue {
		q += ` AND d.state = 'agreed' AND d.follow_up_due <= ?`
		args = append(args, micros(db.clock.Now()))
	}
	if f.Before > 0 {
		q += ` AND d.case_id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY d.case_id DESC LIMIT ?`
	args = append(args, f.Limit+1)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return DisputeList{}, err
	}
	defer rows.Close()
	out := DisputeList{Disputes: []DisputeSummary{}}
	for rows.Next() {
		var s DisputeSummary
		var fen, created int64
		var referral, dept sql.NullString
		var due, last sql.NullInt64
		if err := rows.Scan(&s.CaseID, &s.TrackingCode, &s.Title, &s.CaseState, &s.Type, &s.People, &fen, &s.State,
			&referral, &due, &s.Grid, &s.GridName, &dept, &created, &s.Sessions, &last); err != nil {
			return DisputeList{}, err
		}
		s.Amount, s.Referral, s.FollowUpDue = float64(fen)/100, dispute.Channel(referral.String), optTime(due)
		s.Department, s.CreatedAt, s.LastSession = dept.String, fromMicros(created), optTime(last)
		out.Disputes = append(out.Disputes, s)
	}
	if err := rows.Err(); err != nil {
		return DisputeList{}, err
	}
	if len(out.Disputes) > f.Limit {
		out.Disputes = out.Disputes[:f.Limit]
		out.Next = out.Disputes[f.Limit-1].CaseID
	}
	return out, nil
}

// DisputeQueueCount is one dispute queue the actor sees, with how many
// disputes wait in it.
type DisputeQueueCount struct {
	Queue dispute.Queue `json:"queue"`
	Count int           `json:"count"`
}

// DisputeQueueCounts counts the dispute queues the actor sees (by the roles
// of its grants), in workbench order; none for a reader who mediates,
// visits and dispatches nothing.
func (db *DB) DisputeQueueCounts(ctx context.Context, actor *anju.Actor) ([]DisputeQueueCount, error) {
	if actor == nil {
		return nil, anju.Errorf(anju.EFORBIDDEN, "sign in to see the queues")
	}
	now := db.clock.Now()
	out := []DisputeQueueCount{}
	for _, def := range dispute.Queues() {
		if !actor.System && !def.Sees(grantRoles(actor)...) {
			continue
		}
		where, args := disputeQueueWhere(actor, def, now)
		var n int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM disputes d CROSS JOIN cases c WHERE c.id = d.case_id AND c.city = d.city AND `+where, args...).Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, DisputeQueueCount{Queue: def.Queue, Count: n})
	}
	return out, nil
}

// grantRoles are the roles of the actor's grants.
func grantRoles(a *anju.Actor) []anju.Role {
	var out []anju.Role
	for _, g := range a.Grants {
		out = append(out, g.Role)
	}
	return out
}

// disputeQueueWhere is the predicate of queue def's disputes for actor:
// its states, and the reach of the actor's grants of the roles that see it
// (anju.Grant.Reaches, as grantScope writes it) — a mediator's
// committee, a grid worker's area — never what the actor sees by other
// grants or as a reporter.
func disputeQueueWhere(actor *anju.Actor, def dispute.QueueDef, now time.Time) (string, []any) {
	var conds []string
	var args []any
	in := func(col string, n int) string {
		return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	}
	conds = append(conds, in("d.state", len(def.States)))
	for _, s := range def.States {
		args = append(args, string(s))
	}
	if len(def.CaseStates) > 0 {
		conds = append(conds, in("c.state", len(def.CaseStates)))
		for _, s := range def.CaseStates {
			args = append(args, string(s))
		}
	}
	if def.Due {
		conds = append(conds, "d.follow_up_due <= ?")
		args = append(args, micros(now))
	}
	if !actor.System {
		var grants []anju.Grant
		for _, g := range actor.Grants {
			if slices.Contains(def.Roles, g.Role) {
				grants = append(grants, g)
			}
		}
		parts, gargs := grantScope(&anju.Actor{City: actor.City, Grants: grants}, "c.region_path", "c.department")
		if len(parts) == 0 {
			parts = []string{"1=0"}
		}
		conds = append(conds, "d.city = ?", "("+strings.Join(parts, " OR ")+")")
		args = append(append(args, actor.City), gargs...)
	}
	return strings.Join(conds, " AND "), args
}

// DisputeAgreement is what the printable 调解协议书 shows.
type DisputeAgreement struct {
	CaseWithDispute
	// Unmasked says the parties appear in clear, for a reader whose role
	// needs them (the mediators print the agreement for signing); the read
	// is audited. Others see them masked.
	Unmasked  bool     `json:"unmasked"`
	Mediators []string `json:"mediators"`
	City      string   `json:"city_name"`
}

// GetDisputeAgreement returns the agreement of dispute id for printing: its
// parties are those who signed it (every party, for an agreement recorded
// before signatories were named). The parties are in clear for a role that may unmask a reporter on the
// case (mediators, handlers, dispatchers, operators), and that read is
// audited; masked for everyone else. ECONFLICT when no agreement was
// signed.
func (db *DB) GetDisputeAgreement(ctx context.Context, actor *anju.Actor, id int64) (DisputeAgreement, error) {
	cd, err := db.GetDispute(ctx, actor, id)
	if err != nil {
		return DisputeAgreement{}, err
	}
	if cd.Dispute.AgreedAt == nil {
		return DisputeAgreement{}, anju.Errorf(anju.ECONFLICT, "dispute %d has no agreement", id)
	}
	out := DisputeAgreement{CaseWithDispute: cd, Mediators: []string{}}
	if signed := cd.Dispute.Signatories; len(signed) > 0 {
		out.Dispute.Parties = slices.DeleteFunc(out.Dispute.Parties, func(p DisputeParty) bool { return !slices.Contains(signed, p.ID) })
	}
	seen := map[string]bool{}
	for _, s := range cd.Dispute.Sessions {
		for _, m := range s.Mediators {
			if !seen[m] {
				seen[m] = true
				out.Mediators = append(out.Mediators, m)
			}
		}
	}
	if r, err := db.regionNoGeometry(ctx, cd.City); err == nil {
		out.City = r.Name
	}
	if !db.mayUnmask(actor, cd.Case) {
		return out, nil
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		for i, p := range out.Dispute.Parties {
			if !p.reporterID.Valid {
				continue
			}
			d, err := db.decryptReporter(ctx, tx, cd.City, p.reporterID.Int64)
			if err != nil {
				return err
			}
			if p.Kind == dispute.Person {
				out.Dispute.Parties[i].Name = d.Name
			}
			out.Dispute.Parties[i].Phone, out.Dispute.Parties[i].IDNumber = d.Phone, d.IDNumber
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: cd.City, Action: "dispute.parties.unmask",
			Object: fmt.Sprintf("case:%d", id), Detail: map[string]any{"reason": "调解协议书"}})
	})
	if err != nil {
		return DisputeAgreement{}, err
	}
	out.Unmasked = true
	return out, nil
}

// ---- early warning ----

// largeDisputeCandidates are the open disputes of many people or a large
// sum (warning.LargeDispute, by the city's thresholds where it set them)
// not yet warned of, each addressed to the
// street that holds it, which the district above it sees. The warning is
// about the dispute — its type, size and place — never its parties.
func (db *DB) largeDisputeCandidates(ctx context.Context, city string, now time.Time, p WarningPolicy) ([]candidate, error) {
	st, err := db.DisputeSettings(ctx, city)
	if err != nil {
		return nil, err
	}
	p = p.WithDisputeThresholds(st.LargePeople, st.LargeAmount)
	states := warning.LargeDisputeStates()
	args := []any{city}
	for _, s := range states {
		args = append(args, string(s))
	}
	rows, err := db.query(ctx, `SELECT d.case_id, d.type, d.people, d.amount_fen, c.tracking_code, c.region_path, c.grid
		FROM disputes d CROSS JOIN cases c
		WHERE c.id = d.case_id AND c.city = d.city AND d.city = ? AND d.state IN (`+placeholders(len(states))+`) AND NOT EXISTS (SELECT 1 FROM warnings w
			WHERE w.city = d.city AND w.kind = ? AND w.subject = 'dispute:case:' || CAST(d.case_id AS TEXT))
		ORDER BY d.case_id`, append(args, string(warning.KindLargeDispute))...)
	if err != nil {
		return nil, err
	}
	type row struct {
		id         int64
		typ        dispute.Type
		people     int
		fen        int64
		code, path string
		grid       string
	}
	var big []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.typ, &r.people, &r.fen, &r.code, &r.path, &r.grid); err != nil {
			rows.Close()
			return nil, err
		}
		if warning.LargeDispute(r.people, r.fen, p) {
			big = append(big, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []candidate
	for _, r := range big {
		codes := splitPath(r.path) // city, district, street, community, grid
		if len(codes) < 3 {
			continue
		}
		street, err := db.regionNoGeometry(ctx, codes[2])
		if err != nil {
			return nil, err
		}
		out = append(out, candidate{kind: warning.KindLargeDispute, subject: "dispute:case:" + strconv.FormatInt(r.id, 10),
			window: warning.LargeDisputeWindow, region: street.Code, regionPath: street.Path,
			title: warning.LargeDisputeTitle(FormatTrackingCode(r.code), r.typ.Name(), street.Name, r.people, r.fen),
			detail: map[string]any{"case": r.id, "tracking_code": r.code, "type": r.typ, "people": r.people,
				"amount": float64(r.fen) / 100, "grid": r.grid}})
	}
	return out, nil
}
