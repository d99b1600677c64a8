package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/petition"
)

// Petitions (信访) are cases of kind petition. Their statutory clock is
// package petition's, never stored: every read rebuilds it from the case's
// events (petitionClock), and every case action on a petition is put to it
// in the action's transaction (Tx.act), which refuses what the statute does
// not allow (a review asked after its window, a second extension) and sets
// the case's deadlines from it — so the scheduler's warnings and overdue
// marks, the figures and the lists follow the statute through the case's
// own columns. The petition's steps (accept with a notice, decline, ask for
// the extension, deliver an opinion, ask for review or re-review) are case
// actions with a document, applied through the case workflow (Tx.ActOn).
//
// A petition is always private: no public page or public figure shows one
// (Track, TrackedPhoto, ReporterCase and the public lists leave them out),
// and there is no list of petitioners: the petitioner is the case's
// reporter, encrypted and masked like any reporter.

// Petition is a petition's detail as the API shows it, under "petition" in
// the case's JSON.
type Petition struct {
	CaseID    int64              `json:"case_id"`
	Channel   petition.Channel   `json:"channel,omitempty"`
	First     bool               `json:"first"`
	RepeatOf  int64              `json:"repeat_of,omitempty"`
	Clock     PetitionClock      `json:"clock"`
	Documents []PetitionDocument `json:"documents"`
	// Steps are the petition's steps the reader may take now.
	Steps []petition.Action `json:"steps"`
}

// PetitionClock is the statutory clock as it stands: the stage, each date
// that has come to pass or is due, and what runs now.
type PetitionClock struct {
	Stage               petition.Stage      `json:"stage"`
	ReceivedAt          time.Time           `json:"received_at"`
	AcceptNoticeDue     time.Time           `json:"accept_notice_due"`
	AcceptedAt          *time.Time          `json:"accepted_at,omitempty"`
	DeclineReason       string              `json:"decline_reason,omitempty"`
	ConclusionDue       *time.Time          `json:"conclusion_due,omitempty"`
	Extension           *petition.Extension `json:"extension,omitempty"`
	PendingExtension    *petition.Extension `json:"pending_extension,omitempty"`
	ConcludedAt         *time.Time          `json:"concluded_at,omitempty"`
	ReviewRequestBy     *time.Time          `json:"review_request_by,omitempty"`
	ReviewRequestedAt   *time.Time          `json:"review_requested_at,omitempty"`
	ReviewDue           *time.Time          `json:"review_due,omitempty"`
	ReviewedAt          *time.Time          `json:"reviewed_at,omitempty"`
	ReReviewRequestBy   *time.Time          `json:"re_review_request_by,omitempty"`
	ReReviewRequestedAt *time.Time          `json:"re_review_requested_at,omitempty"`
	ReReviewDue         *time.Time          `json:"re_review_due,omitempty"`
	FinalAt             *time.Time          `json:"final_at,omitempty"`
	// Due is the deadline running now and DueFor what it is for
	// (petition.Clock.DueKind); a petitioner's window when the opinion
	// was delivered, no deadline of the organ's.
	Due     *time.Time `json:"due,omitempty"`
	DueFor  string     `json:"due_for,omitempty"`
	Overdue bool       `json:"overdue"`
	// OpenToSameMatter is false once the same matter is not accepted
	// again (after the re-review, or a window let pass).
	OpenToSameMatter bool `json:"accepts_same_matter_again"`
}

// PetitionDocument is a written document a petition's step issued.
type PetitionDocument struct {
	ID       int64             `json:"id"`
	Kind     petition.Document `json:"kind"`
	Text     string            `json:"text"`
	ReferTo  string            `json:"refer_to,omitempty"`
	Finding  petition.Finding  `json:"finding,omitempty"`
	IssuedBy string            `json:"issued_by,omitempty"`
	IssuedAt time.Time         `json:"issued_at"`
}

// CaseWithPetition is a petition's case with its detail.
type CaseWithPetition struct {
	Case
	Petition *Petition `json:"petition"`
}

// NewPetition is a petition's intake: the case (its text, place and
// category, the petitioner as its reporter) with how it came in.
type NewPetition struct {
	NewCase
	Petition petition.Intake `json:"petition"`
}

// petitionRow is a petition's stored detail.
type petitionRow struct {
	channel  petition.Channel
	first    bool
	repeatOf int64
	reviews  int
}

// CreatePetition takes a petition in: the case of kind petition and its
// detail in one transaction. The petitioner is the case's reporter, named
// (the written notices are addressed to them) and stored encrypted. A
// repeat petition may name the earlier one (repeat_of), a petition the
// actor sees. Bad input is EINVALID naming the field, and nothing is
// written.
func (db *DB) CreatePetition(ctx context.Context, actor *anju.Actor, np NewPetition) (CaseWithPetition, error) {
	cp, _, err := db.CreatePetitionOnce(ctx, actor, np, "")
	return cp, err
}

// CreatePetitionOnce is CreatePetition under an idempotency key: the same
// key with the same petition answers the petition filed the first time, and
// false — a letter keyed in twice is one petition, not a repeat petition.
func (db *DB) CreatePetitionOnce(ctx context.Context, actor *anju.Actor, np NewPetition, idemKey string) (CaseWithPetition, bool, error) {
	if err := MayFileCases(actor); err != nil {
		return CaseWithPetition{}, false, err
	}
	if np.Kind != "" && np.Kind != cases.KindPetition {
		return CaseWithPetition{}, false, anju.FieldError("kind", "a petition is a case of kind petition, not %q", np.Kind)
	}
	np.Kind = cases.KindPetition
	if err := np.Petition.Validate(); err != nil {
		return CaseWithPetition{}, false, err
	}
	if np.Reporter.Anonymous || anju.Blank(np.Reporter.Name) {
		return CaseWithPetition{}, false, anju.FieldError("reporter.name", "a petition names its petitioner: the written notices are addressed to them")
	}
	if np.Petition.RepeatOf != 0 {
		earlier, err := db.getCase(ctx, db, actor, np.Petition.RepeatOf)
		if err != nil || earlier.Kind != cases.KindPetition {
			return CaseWithPetition{}, false, anju.FieldError("repeat_of", "petition %d not found", np.Petition.RepeatOf)
		}
	}
	ch := np.Petition.Channel.CaseChannel()
	if np.Channel != "" && np.Channel != ch {
		return CaseWithPetition{}, false, anju.FieldError("channel", "a %s petition comes in by channel %s, not %s", np.Petition.Channel, ch, np.Channel)
	}
	np.Channel = ch
	p, err := db.PrepareCase(ctx, actor, np.NewCase, idemKey)
	if err != nil {
		return CaseWithPetition{}, false, err
	}
	if idemKey != "" {
		p.keyRequest(np, np.Photos)
	}
	p.petition = &petitionRow{channel: np.Petition.Channel, first: *np.Petition.First, repeatOf: np.Petition.RepeatOf}
	var c Case
	created := false
	err = db.inTx(ctx, func(tx *Tx) error {
		var err error
		c, created, err = tx.InsertCase(ctx, p)
		return err
	})
	if err != nil {
		return CaseWithPetition{}, false, err
	}
	cp, err := db.GetPetition(ctx, actor, c.ID)
	return cp, created, err
}

// insertPetition writes the detail row of a petition just filed.
func (t *Tx) insertPetition(ctx context.Context, c *Case, p *petitionRow) error {
	if p == nil {
		p = &petitionRow{}
	}
	var repeat any
	if p.repeatOf != 0 {
		repeat = p.repeatOf
	}
	if _, err := t.exec(ctx, `INSERT INTO petitions (case_id, city, channel, first_petition, repeat_of, reviews, created_at)
		VALUES (?, ?, ?, ?, ?, 0, ?)`, c.ID, c.City, string(p.channel), p.first, repeat, micros(c.CreatedAt)); err != nil {
		return err
	}
	if p.repeatOf != 0 {
		return t.petitionRepeated(ctx, p.repeatOf, c.CreatedAt)
	}
	return nil
}

// repeatedPetition is an SQL expression: whether a later petition names
// the case whose id is the expression id as the one it repeats
// (figures.Case.Repeated; the figures ask it of first petitions).
func repeatedPetition(id, city string) string {
	return `EXISTS (SELECT 1 FROM petitions rp WHERE rp.repeat_of = ` + id + ` AND rp.city = ` + city + `)`
}

// petitionRepeated recounts the figures of petition id, which a repeat
// petition just filed names: a first petition whose matter came back was
// not settled at first instance. The earlier case's row is locked first,
// as an action on it locks it before recounting, so that the two recount
// one after the other and neither from a row the other replaced.
func (t *Tx) petitionRepeated(ctx context.Context, id int64, now time.Time) error {
	if _, err := t.exec(ctx, `UPDATE cases SET version = version WHERE id = ?`, id); err != nil {
		return err
	}
	c, err := t.getCase(ctx, anju.SystemActor("petition"), id)
	if err != nil {
		return err
	}
	return t.actFacts(ctx, &c, &c, "", ActionInput{}, now)
}

// readPetitionRow reads the detail of petition id of city: with the city
// named, a distributed engine asks the city's worker alone.
func (db *DB) readPetitionRow(ctx context.Context, q querier, city string, id int64) (petitionRow, error) {
	var r petitionRow
	var repeat sql.NullInt64
	err := q.queryRow(ctx, `SELECT channel, first_petition, repeat_of, reviews FROM petitions WHERE case_id = ? AND city = ?`, id, city).
		Scan(&r.channel, &r.first, &repeat, &r.reviews)
	if err == sql.ErrNoRows {
		// Filed without its row (generated in bulk): a petition of the
		// general intake.
		return petitionRow{}, nil
	}
	r.repeatOf = repeat.Int64
	return r, err
}

// petitionClock rebuilds the statutory clock of petition c from its events,
// on its city's calendar and the store's clock.
func (db *DB) petitionClock(ctx context.Context, q querier, c Case) (*petition.Clock, error) {
	cal, err := db.calendar(ctx, c.City)
	if err != nil {
		return nil, err
	}
	rows, err := q.query(ctx, `SELECT action, data, at FROM case_events WHERE case_id = ? AND city = ? ORDER BY id`, c.ID, c.City)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []petition.Event
	for rows.Next() {
		var action, data string
		var at int64
		if err := rows.Scan(&action, &data, &at); err != nil {
			return nil, err
		}
		switch cases.Action(action) {
		case cases.ActionAccept, cases.ActionReject, cases.ActionRequestExtension, cases.ActionDenyExtension,
			cases.ActionApproveExtension, cases.ActionClose, cases.ActionReopen:
		default:
			continue
		}
		e := petition.Event{Action: cases.Action(action), At: fromMicros(at)}
		var d struct {
			Reason string `json:"reason"`
			Days   int    `json:"days"`
		}
		json.Unmarshal([]byte(data), &d)
		e.Reason, e.Days = d.Reason, d.Days
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	pc := petition.NewClock(cal, db.clock)
	_, err = petition.Replay(pc, c.CreatedAt, events)
	return pc, err
}

// petitionAct is the statute's part of case action on petition c, inside
// the action's transaction: the action is put to the clock rebuilt from the
// case's events (its refusal refuses the action), a repeat petition is not
// accepted on a matter closed to petitions, and the case's deadlines become
// the clock's. It returns the clock after the action.
func (t *Tx) petitionAct(ctx context.Context, c Case, action cases.Action, in cases.Input, now time.Time) (*petition.Clock, error) {
	db := t.db
	pc, err := db.petitionClock(ctx, t, c)
	if err != nil {
		return nil, err
	}
	row, err := db.readPetitionRow(ctx, t, c.City, c.ID)
	if err != nil {
		return nil, err
	}
	if action == cases.ActionAccept && row.repeatOf != 0 {
		earlier, err := t.getCase(ctx, anju.SystemActor("petition"), row.repeatOf)
		if err != nil {
			return nil, err
		}
		ec, err := db.petitionClock(ctx, t, earlier)
		if err != nil {
			return nil, err
		}
		if err := petition.CheckRepeat(ec); err != nil {
			return nil, err
		}
	}
	before := pc.Reviews()
	if err := pc.Apply(petition.Event{Action: action, At: now, Reason: in.Reason, Days: in.Days}); err != nil {
		return nil, err
	}
	if n := pc.Reviews(); n != before {
		if _, err := t.exec(ctx, `INSERT INTO petitions (case_id, city, reviews, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (`+t.db.dialect.cityKey("case_id")+`) DO UPDATE SET reviews = excluded.reviews`, c.ID, c.City, n, micros(c.CreatedAt)); err != nil {
			return nil, err
		}
	}
	return pc, nil
}

// GetPetition returns a petition's case and detail. ENOTFOUND for a case
// the actor may not see, or one that is not a petition.
func (db *DB) GetPetition(ctx context.Context, actor *anju.Actor, id int64) (CaseWithPetition, error) {
	c, err := db.GetCase(ctx, actor, id)
	if err != nil {
		return CaseWithPetition{}, err
	}
	if c.Kind != cases.KindPetition {
		return CaseWithPetition{}, notFound("petition", strconv.FormatInt(id, 10))
	}
	p, err := db.PetitionOf(ctx, actor, c)
	return CaseWithPetition{Case: c, Petition: p}, err
}

// PetitionOf returns the detail of case c as actor, who read c, may see
// it, or nil when c is not a petition: the case's JSON carries it under
// "petition".
func (db *DB) PetitionOf(ctx context.Context, actor *anju.Actor, c Case) (*Petition, error) {
	if c.Kind != cases.KindPetition {
		return nil, nil
	}
	row, err := db.readPetitionRow(ctx, db, c.City, c.ID)
	if err != nil {
		return nil, err
	}
	pc, err := db.petitionClock(ctx, db, c)
	if err != nil {
		return nil, err
	}
	p := &Petition{CaseID: c.ID, Channel: row.channel, First: row.first, RepeatOf: row.repeatOf, Clock: clockView(pc),
		Steps: petition.Allowed(pc.Stage(), c.State, db.rolesAt(actor, c)...)}
	if p.Steps == nil {
		p.Steps = []petition.Action{}
	}
	if p.Documents, err = db.petitionDocuments(ctx, c.ID); err != nil {
		return nil, err
	}
	if !actor.Staff() {
		// The petitioner reads what was sent to them, not who wrote it.
		for i := range p.Documents {
			p.Documents[i].IssuedBy = ""
		}
	}
	return p, nil
}

func clockView(pc *petition.Clock) PetitionClock {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	v := PetitionClock{Stage: pc.Stage(), ReceivedAt: pc.ReceivedAt().UTC(), AcceptNoticeDue: pc.AcceptNoticeDue().UTC(),
		AcceptedAt: opt(pc.AcceptedAt()), DeclineReason: pc.DeclineReason(), ConclusionDue: opt(pc.ConclusionDue()),
		ConcludedAt: opt(pc.ConcludedAt()), ReviewRequestBy: opt(pc.ReviewRequestBy()), ReviewRequestedAt: opt(pc.ReviewRequestedAt()),
		ReviewDue: opt(pc.ReviewDue()), ReviewedAt: opt(pc.ReviewedAt()), ReReviewRequestBy: opt(pc.ReReviewRequestBy()),
		ReReviewRequestedAt: opt(pc.ReReviewRequestedAt()), ReReviewDue: opt(pc.ReReviewDue()), FinalAt: opt(pc.FinalAt()),
		DueFor: pc.DueKind(), Overdue: pc.Overdue(), OpenToSameMatter: pc.AcceptsSameMatterAgain()}
	if e, ok := pc.Extension(); ok {
		e.At = e.At.UTC()
		v.Extension = &e
	}
	if e, ok := pc.PendingExtension(); ok {
		e.At = e.At.UTC()
		v.PendingExtension = &e
	}
	if due, _ := pc.Due(); !due.IsZero() {
		v.Due = opt(due)
	}
	return v
}

func (db *DB) petitionDocuments(ctx context.Context, id int64) ([]PetitionDocument, error) {
	rows, err := db.query(ctx, `SELECT id, kind, body, refer_to, finding, issued_by, issued_at FROM petition_documents
		WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PetitionDocument{}
	for rows.Next() {
		var d PetitionDocument
		var at int64
		if err := rows.Scan(&d.ID, &d.Kind, &d.Text, &d.ReferTo, &d.Finding, &d.IssuedBy, &at); err != nil {
			return nil, err
		}
		d.IssuedAt = fromMicros(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// petitionStep applies one step of petition id in one transaction: it
// reads the case in the actor's scope (ENOTFOUND outside it, or for a case
// that is not a petition), asks petition.Transition whether the step may be
// taken now (EFORBIDDEN for the role, ECONFLICT for the stage or the case's
// state), applies the step's case actions through the case workflow with
// the inputs caseInput gives — the statutory clock checks each — and
// records the document the step issues, if any.
func (db *DB) petitionStep(ctx context.Context, actor *anju.Actor, id int64, a petition.Action,
	caseInput func(cases.Action) cases.Input, doc *PetitionDocument) (CaseWithPetition, error) {
	err := db.inTx(ctx, func(tx *Tx) error {
		c, err := tx.getCase(ctx, actor, id)
		if err != nil {
			return err
		}
		if c.Kind != cases.KindPetition {
			return notFound("petition", strconv.FormatInt(id, 10))
		}
		pc, err := db.petitionClock(ctx, tx, c)
		if err != nil {
			return err
		}
		from := pc.Stage()
		rule, err := petition.Transition(from, c.State, a, db.rolesAt(actor, c)...)
		if err != nil {
			return err
		}
		for _, ca := range rule.Plan(c.State) {
			if ca == cases.ActionEscalate {
				// The review is the next organ up's; a petition handled
				// at city level stays there.
				up, err := db.parentRegion(ctx, c.HandlingRegion)
				if err != nil {
					return err
				}
				if up == "" {
					continue
				}
			}
			if c, err = tx.ActOn(ctx, actor, c, ca, ActionInput{Input: caseInput(ca)}); err != nil {
				return err
			}
		}
		if doc == nil {
			return nil
		}
		doc.Kind = petition.DocumentOf(a, from)
		_, err = tx.exec(ctx, `INSERT INTO petition_documents (case_id, city, kind, body, refer_to, finding, issued_by, issued_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, c.City, string(doc.Kind), doc.Text, doc.ReferTo, string(doc.Finding),
			actorName(actor), micros(db.clock.Now()))
		return err
	})
	if err != nil {
		return CaseWithPetition{}, err
	}
	return db.GetPetition(ctx, actor, id)
}

// AcceptPetition accepts petition id (受理) and records its written notice:
// how the matter will be handled. The conclusion falls due 60 days later.
// A repeat petition on a matter closed to petitions is ECONFLICT: decline
// it instead.
func (db *DB) AcceptPetition(ctx context.Context, actor *anju.Actor, id int64, in petition.Acceptance) (CaseWithPetition, error) {
	if err := in.Validate(); err != nil {
		return CaseWithPetition{}, db.afterScope(ctx, actor, id, err)
	}
	return db.petitionStep(ctx, actor, id, petition.ActionAccept,
		func(cases.Action) cases.Input { return cases.Input{Note: "受理告知：" + in.Notice} },
		&PetitionDocument{Text: in.Notice})
}

// DeclinePetition does not accept petition id, outside the organ's remit,
// and records its written notice: why, and where the petitioner should
// turn (第二十二条). The case is rejected with that reason.
func (db *DB) DeclinePetition(ctx context.Context, actor *anju.Actor, id int64, in petition.Declining) (CaseWithPetition, error) {
	if err := in.Validate(); err != nil {
		return CaseWithPetition{}, db.afterScope(ctx, actor, id, err)
	}
	return db.petitionStep(ctx, actor, id, petition.ActionDecline,
		func(cases.Action) cases.Input {
			return cases.Input{Reason: in.Reason + "；请向" + in.ReferTo + "反映"}
		},
		&PetitionDocument{Text: in.Reason, ReferTo: in.ReferTo})
}

// RequestPetitionExtension asks, for the department handling petition id,
// for the one extension of its conclusion period (at most 30 days, with
// the reason the petitioner is told); the organ's head grants it with the
// case's approve_extension, which moves the conclusion to 60 + days after
// the acceptance.
func (db *DB) RequestPetitionExtension(ctx context.Context, actor *anju.Actor, id int64, in petition.ExtensionRequest) (CaseWithPetition, error) {
	if err := in.Validate(); err != nil {
		return CaseWithPetition{}, db.afterScope(ctx, actor, id, err)
	}
	return db.petitionStep(ctx, actor, id, petition.ActionExtend,
		func(cases.Action) cases.Input { return cases.Input{Reason: in.Reason, Days: in.Days} }, nil)
}

// RecordPetitionOpinion records the written opinion delivered to the
// petitioner — the first instance's (处理意见书), the review's (复查意见书) or
// the re-review's (复核意见书), by the petition's stage — once the
// department reported its result: the case is verified and closed with the
// opinion's finding, and the petitioner's window for the next step opens.
func (db *DB) RecordPetitionOpinion(ctx context.Context, actor *anju.Actor, id int64, in petition.Opinion) (CaseWithPetition, error) {
	if err := in.Validate(); err != nil {
		return CaseWithPetition{}, db.afterScope(ctx, actor, id, err)
	}
	return db.petitionStep(ctx, actor, id, petition.ActionOpinion,
		func(ca cases.Action) cases.Input {
			if ca == cases.ActionVerify {
				return cases.Input{Method: cases.VerifyOnSite, Note: "审核承办单位办理结果，出具书面意见"}
			}
			return cases.Input{Outcome: in.Finding.Outcome(), Note: "书面意见已送达信访人"}
		},
		&PetitionDocument{Text: in.Text, Finding: in.Finding})
}

// RequestPetitionReview records the petitioner's request for review (复查,
// step review) or re-review (复核, step re_review) as the organ above
// received it: within 30 days of the opinion, or ECONFLICT. The case is
// reopened and goes up a level, where it is dispatched and answered by a
// new opinion within 30 days.
func (db *DB) RequestPetitionReview(ctx context.Context, actor *anju.Actor, id int64, step petition.Action, in petition.ReviewRequest) (CaseWithPetition, error) {
	if step != petition.ActionReview && step != petition.ActionReReview {
		return CaseWithPetition{}, anju.FieldError("action", "not a review step: %q", step)
	}
	if err := in.Validate(); err != nil {
		return CaseWithPetition{}, db.afterScope(ctx, actor, id, err)
	}
	what := "复查"
	if step == petition.ActionReReview {
		what = "复核"
	}
	return db.petitionStep(ctx, actor, id, step,
		func(ca cases.Action) cases.Input {
			if ca == cases.ActionReopen {
				return cases.Input{Reason: "信访人申请" + what + "：" + in.Reason}
			}
			return cases.Input{Reason: what + "由上一级机关办理"}
		}, nil)
}

// afterScope returns err for petition id unless the actor may not see the
// petition at all, which is ENOTFOUND first: bad input on a case outside
// one's scope says nothing about it.
func (db *DB) afterScope(ctx context.Context, actor *anju.Actor, id int64, err error) error {
	if _, gerr := db.GetPetition(ctx, actor, id); gerr != nil {
		return gerr
	}
	return err
}

// PetitionPrint is what a printable petition document shows.
type PetitionPrint struct {
	CaseWithPetition
	// Document is the notice or opinion printed; nil for a step taken
	// through the plain case action, which recorded none: the page then
	// prints the statute's standard words with the case's own result.
	Document *PetitionDocument `json:"document,omitempty"`
	// Kind is the document printed (an opinion's by its stage).
	Kind petition.Document `json:"kind"`
	// Petitioner is the case's reporter, in clear for a reader whose role
	// may unmask it (the office prints the document to send it; audited),
	// masked otherwise.
	Petitioner ReporterOut `json:"petitioner"`
	Unmasked   bool        `json:"unmasked"`
	// Organ is the name of the region handling the petition, and City the
	// city's.
	Organ string `json:"organ"`
	City  string `json:"city_name"`
}

// Printable documents of a petition.
const (
	PrintNotice  = "notice"
	PrintOpinion = "opinion"
)

// GetPetitionPrint returns petition id's notice (the acceptance's or the
// refusal's) or its latest opinion for printing. ECONFLICT when it has
// none yet: no decision on acceptance, or no opinion delivered.
func (db *DB) GetPetitionPrint(ctx context.Context, actor *anju.Actor, id int64, which string) (PetitionPrint, error) {
	cp, err := db.GetPetition(ctx, actor, id)
	if err != nil {
		return PetitionPrint{}, err
	}
	out := PetitionPrint{CaseWithPetition: cp}
	clk := cp.Petition.Clock
	var kinds []petition.Document
	switch which {
	case PrintNotice:
		switch {
		case clk.AcceptedAt != nil:
			out.Kind = petition.DocAcceptNotice
		case clk.Stage == petition.StageDeclined:
			out.Kind = petition.DocDeclineNotice
		default:
			return PetitionPrint{}, anju.Errorf(anju.ECONFLICT, "petition %d has no decision on its acceptance yet", id)
		}
		kinds = []petition.Document{out.Kind}
	case PrintOpinion:
		switch {
		case clk.FinalAt != nil:
			out.Kind = petition.DocReReviewOpinion
		case clk.ReviewedAt != nil:
			out.Kind = petition.DocReviewOpinion
		case clk.ConcludedAt != nil:
			out.Kind = petition.DocOpinion
		default:
			return PetitionPrint{}, anju.Errorf(anju.ECONFLICT, "petition %d has no written opinion yet", id)
		}
		kinds = []petition.Document{out.Kind}
	default:
		return PetitionPrint{}, anju.FieldError("document", "unknown document %q: notice or opinion", which)
	}
	for i := len(cp.Petition.Documents) - 1; i >= 0; i-- {
		if d := cp.Petition.Documents[i]; d.Kind == kinds[0] {
			out.Document = &d
			break
		}
	}
	if r, err := db.regionNoGeometry(ctx, cp.HandlingRegion); err == nil {
		out.Organ = r.Name
	}
	if r, err := db.regionNoGeometry(ctx, cp.City); err == nil {
		out.City = r.Name
	}
	if cp.Reporter != nil {
		out.Petitioner = *cp.Reporter
	}
	if !db.mayUnmask(actor, cp.Case) || !cp.reporterID.Valid {
		return out, nil
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		d, err := db.decryptReporter(ctx, tx, cp.City, cp.reporterID.Int64)
		if err != nil {
			return err
		}
		out.Petitioner = ReporterOut{Name: d.Name, Phone: d.Phone, IDNumber: d.IDNumber, Address: d.Address}
		return tx.appendAudit(ctx, actor, audit.Record{City: cp.City, Action: "petition.petitioner.unmask",
			Object: fmt.Sprintf("case:%d", id), Detail: map[string]any{"reason": string(out.Kind)}})
	})
	if err != nil {
		return PetitionPrint{}, err
	}
	out.Unmasked = true
	return out, nil
}
