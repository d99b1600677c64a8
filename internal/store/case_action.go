package store

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/deadline"
	"anju/internal/petition"
	"anju/internal/photo"
)

// ActionInput is a transition request: the workflow input plus the version
// the client last saw (0 = whatever is current).
type ActionInput struct {
	cases.Input
	Version int64 `json:"version"`
	// Photos come with a resolution, an on-site check or a comment,
	// processed by photo.Process; they are stored in the action's
	// transaction or not at all.
	Photos []photo.Photo `json:"-"`

	// mediation says a dispute's mediation step takes the action (see
	// dispute.OwnsCaseAction), and restartClock that the step starts the
	// case's resolution clock again (dispute.Rule.RestartsClock). Only
	// this package sets them.
	mediation, restartClock bool
}

// publicActions are shown to the reporter and on the tracking page; the
// rest (internal comments, supervision, extensions) are for staff.
var publicActions = map[string]bool{
	"submit": true, "accept": true, "reject": true, "dispatch": true, "resolve": true, "verify": true,
	"close": true, "rate": true, "reopen": true, "merge": true,
}

// residentNotified are the events the reporter is told about.
var residentNotified = map[cases.Action]string{
	cases.ActionAccept:  "您的诉求已受理",
	cases.ActionReject:  "您的诉求未予受理",
	cases.ActionResolve: "您的诉求已办理",
	cases.ActionClose:   "您的诉求已办结，请评价",
}

// petitionerNotified is what a petitioner is told, besides the written
// notices and opinions sent to them.
var petitionerNotified = map[cases.Action]string{
	cases.ActionAccept: "您的信访事项已受理，受理告知书将送达您",
	cases.ActionReject: "您的信访事项不予受理，告知书将送达您",
	cases.ActionClose:  "您的信访事项已办结，书面答复意见将送达您",
}

// supporterNotified is what a resident who joined a case ("me too") is told
// on the events its reporter hears of: the same news, not asked to rate.
var supporterNotified = map[cases.Action]string{
	cases.ActionAccept:  "已受理",
	cases.ActionReject:  "未予受理",
	cases.ActionResolve: "已办理",
	cases.ActionClose:   "已办结",
}

// Act applies a workflow action to a case. It returns ENOTFOUND when the case
// is not visible, EFORBIDDEN when the actor's role may not take the action,
// ECONFLICT when the state does not allow it or the case changed since the
// version the client saw, and EINVALID for missing input.
func (db *DB) Act(ctx context.Context, actor *anju.Actor, id int64, action cases.Action, in ActionInput) (Case, error) {
	var out Case
	err := db.inTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.Act(ctx, actor, id, action, in)
		return err
	})
	if err != nil {
		return Case{}, err
	}
	out.AllowedActions = db.allowedActions(actor, out)
	return out, nil
}

// MayAct tells, before the input is read, whether the actor may take action
// on case id now: ENOTFOUND when the case is not visible, EFORBIDDEN for the
// role, ECONFLICT for the state, as Act would answer. The API asks it before
// reading an upload, so that no one processes photos for an action they
// cannot take; Act checks again in its transaction.
func (db *DB) MayAct(ctx context.Context, actor *anju.Actor, id int64, action cases.Action) error {
	c, err := db.getCase(ctx, db, actor, id)
	if err != nil {
		return err
	}
	return cases.Permitted(c.Case, action, db.rolesAt(actor, c)...)
}

// Act is the transition inside a caller's transaction.
func (t *Tx) Act(ctx context.Context, actor *anju.Actor, id int64, action cases.Action, in ActionInput) (Case, error) {
	c, err := t.getCase(ctx, actor, id)
	if err != nil {
		return c, err
	}
	return t.act(ctx, actor, c, action, in)
}

// ActOn is Act on a case as this store returned it earlier (from InsertCase,
// Act or ActOn), sparing the read when the caller follows a case through its
// life, as the demo does. A copy that is no longer current is refused with
// ECONFLICT by the version check of the update, exactly as Act refuses a
// client's stale version; the caller then reads the case again.
func (t *Tx) ActOn(ctx context.Context, actor *anju.Actor, c Case, action cases.Action, in ActionInput) (Case, error) {
	if !caseVisible(actor, c.City, c.regionPath, c.Department, c.reporterUserID.Int64) {
		return c, notFound("case", strconv.FormatInt(c.ID, 10))
	}
	return t.act(ctx, actor, c, action, in)
}

func (t *Tx) act(ctx context.Context, actor *anju.Actor, c Case, action cases.Action, in ActionInput) (Case, error) {
	db := t.db
	id := c.ID
	if in.Version != 0 && in.Version != c.Version {
		return c, anju.Errorf(anju.ECONFLICT, "case %d changed since version %d (now %d); reload it and try again", id, in.Version, c.Version)
	}
	in.Input = in.Input.Clean()
	if utf8.RuneCountInString(in.Note) > maxNote || utf8.RuneCountInString(in.Reason) > maxNote || utf8.RuneCountInString(in.Result) > maxNote {
		return c, anju.FieldError("note", "text is longer than %d characters", maxNote)
	}
	if err := checkPhotos(action, in.Photos); err != nil {
		return c, err
	}
	roles := db.rolesAt(actor, c)
	res, err := cases.Transition(c.Case, action, in.Input, roles...)
	if err != nil {
		return c, err
	}
	if err := db.checkReporterWindow(ctx, c, action, roles); err != nil {
		return c, err
	}
	if err := t.checkDisputeAction(ctx, c, action, in); err != nil {
		return c, err
	}
	now := db.clock.Now()
	// A petition's statutory clock has its say on every action, and its
	// deadlines are the clock's (package petition), never the taxonomy's.
	var pc *petition.Clock
	if c.Kind == cases.KindPetition {
		if pc, err = t.petitionAct(ctx, c, action, in.Input, now); err != nil {
			return c, err
		}
	}
	next := c
	next.Case = res.Case
	data := map[string]any{}
	cols := map[string]any{} // the columns the update writes

	switch action {
	case cases.ActionAccept:
		cols["responded_at"] = micros(now)
	case cases.ActionDispatch:
		places, err := db.departmentPlaces(ctx, t, c.City)
		if err != nil {
			return c, err
		}
		d, ok := places[in.Department]
		if !ok {
			return c, anju.FieldError("department", "department %s not found", in.Department)
		}
		if !d.serves(c) {
			return c, anju.FieldError("department", "department %s does not serve the case's place", in.Department)
		}
		data["department"], data["department_name"] = in.Department, d.name
		if c.responded() {
			break
		}
		cols["responded_at"] = micros(now)
	case cases.ActionResolve:
		cols["resolved_at"] = micros(now)
	case cases.ActionFailVerification:
		if !in.restartClock {
			break
		}
		_, res, err := db.dueDates(ctx, c.City, c.Category, c.CategoryVersion, c.Priority, now)
		if err != nil {
			return c, err
		}
		next.Deadlines.Resolution = res.UTC()
		cols["warned"], cols["escalated_due"], cols["overdue"] = false, 0, false
		next.Case.Card = ""
		next.Overdue = false
	case cases.ActionClose:
		cols["closed_at"] = micros(now)
		closedAt := now.UTC()
		next.ClosedAt = &closedAt
	case cases.ActionReopen:
		// The clocks start again (a petition's: its review's, below).
		if pc == nil {
			resp, res, err := db.dueDates(ctx, c.City, c.Category, c.CategoryVersion, c.Priority, now)
			if err != nil {
				return c, err
			}
			next.Deadlines = Deadlines{Response: resp.UTC(), Resolution: res.UTC()}
		}
		if c.Reopened == 0 {
			// The first response stays judged against the first deadline
			// (package figures), which the case no longer holds.
			data[reopenFirstResponseDue] = c.Deadlines.Response.UTC().Format(time.RFC3339Nano)
		}
		cols["closed_at"] = nil
		next.ClosedAt = nil
		cols["warned"], cols["escalated_due"], cols["overdue"] = false, 0, false
		next.Case.Card = ""
		next.Overdue = false
	case cases.ActionRequestExtension:
		data["days"] = in.Days
	case cases.ActionApproveExtension:
		days := c.Case.ExtensionDays
		data["days"] = days
		if pc != nil {
			break // the clock extended the conclusion, counted from acceptance (below)
		}
		cal, err := db.calendar(ctx, c.City)
		if err != nil {
			return c, err
		}
		next.Deadlines.Resolution = cal.Due(c.Deadlines.Resolution, deadline.Duration{Amount: days, Unit: deadline.WorkingDays}).UTC()
		if next.Deadlines.Resolution.After(now) {
			next.Overdue = false
			cols["warned"], cols["overdue"] = false, false
		}
	case cases.ActionEscalate:
		up, err := db.parentRegion(ctx, c.HandlingRegion)
		if err != nil {
			return c, err
		}
		if up == "" {
			return c, anju.Errorf(anju.ECONFLICT, "case %d is already handled at city level; it cannot go higher", id)
		}
		data["from_region"], data["to_region"] = c.HandlingRegion, up
		next.HandlingRegion = up
	case cases.ActionMerge:
		if in.Target == id {
			return c, anju.FieldError("target", "a case cannot be merged into itself")
		}
		m, err := t.getCase(ctx, actor, in.Target)
		if err != nil {
			return c, anju.FieldError("target", "case %d not found", in.Target)
		}
		if !m.State.Open() || m.State == cases.StateMerged {
			return c, anju.FieldError("target", "case %d is %s; merge into an open case", in.Target, m.State)
		}
		data["into"] = FormatTrackingCode(m.TrackingCode)
		cols["closed_at"] = micros(now)
		closedAt := now.UTC()
		next.ClosedAt = &closedAt
	}
	if pc != nil {
		resp, res := pc.CaseDeadlines()
		next.Deadlines = Deadlines{Response: resp.UTC(), Resolution: res.UTC()}
		// A new statutory deadline is a new clock for the scheduler: warned
		// and marked overdue afresh.
		if !res.Equal(c.Deadlines.Resolution) && res.After(now) {
			next.Overdue = false
			cols["warned"], cols["overdue"] = false, false
		}
	}
	if next.State == cases.StateMerged {
		cols["merged_into"] = in.Target
		delete(t.noMerges, c.City) // the city has a merged case now
	}

	wf, _ := json.Marshal(next.Case)
	// Only what the transition changed is written: an index whose columns
	// are not set is left alone (the department's, at most transitions),
	// and a flag the scheduler sets without a new version (overdue,
	// warned) is not overwritten from a copy of the case that predates it.
	cols["state"], cols["version"], cols["workflow"], cols["updated_at"] = string(next.State), next.Version, string(wf), micros(now)
	if next.Department != c.Department {
		var dept any
		if next.Department != "" {
			dept = next.Department
		}
		cols["department"] = dept
	}
	if next.Card != c.Card {
		cols["card"] = string(next.Card)
	}
	if next.HandlingRegion != c.HandlingRegion {
		cols["handling_region"] = next.HandlingRegion
	}
	if !next.Deadlines.Response.Equal(c.Deadlines.Response) {
		cols["response_due"] = micros(next.Deadlines.Response)
	}
	if !next.Deadlines.Resolution.Equal(c.Deadlines.Resolution) {
		cols["resolution_due"] = micros(next.Deadlines.Resolution)
	}
	if err := t.updateCase(ctx, id, c.City, c.Version, cols); err != nil {
		return c, err
	}
	if err := t.actFacts(ctx, &c, &next, action, in, now); err != nil {
		return c, err
	}
	if c.Kind == cases.KindHazard {
		if err := t.followFinding(ctx, id, action, now); err != nil {
			return c, err
		}
	}
	next.UpdatedAt = now.UTC()
	if action == cases.ActionResolve { // the reply becomes searchable
		if err := t.indexCase(ctx, &next, false); err != nil {
			return c, err
		}
	}
	note := in.Note
	if note == "" {
		note = firstNonEmpty(in.Reason, in.Result, in.WhoIs)
	}
	for k, v := range map[string]string{"reason": in.Reason, "result": in.Result, "outcome": string(in.Outcome),
		"rating": string(in.Rating), "card": string(in.Card), "who_is": in.WhoIs, "method": string(in.Method)} {
		if v != "" {
			data[k] = v
		}
	}
	byReporter := slices.Contains(roles, cases.RoleReporter)
	public := publicActions[string(action)] || (action == cases.ActionComment && byReporter)
	if len(in.Photos) > 0 {
		data["photos"] = len(in.Photos)
	}
	event, err := t.appendEvent(ctx, actor, &next, res.Event, note, public, data)
	if err != nil {
		return c, err
	}
	if err := t.insertPhotos(ctx, &next, event, action, photosPublic(action, byReporter), in.Photos); err != nil {
		return c, err
	}
	if action == cases.ActionReopen && c.Kind == cases.KindDispute {
		if err := t.reopenDispute(ctx, id, now); err != nil {
			return c, err
		}
	}
	return next, nil
}

// updateCase writes a transition's columns for case id, whose version the
// caller's copy holds; it returns ECONFLICT when the stored case is no longer
// at that version (another writer, or a copy that went stale). The check is
// made at once, never deferred to the pipeline's next round trip
// (pipeline.go): callers take the conflict as an answer and go on in the
// same transaction (the demo's history follows a case the scheduler moved).
func (t *Tx) updateCase(ctx context.Context, id int64, city string, version int64, cols map[string]any) error {
	q, args := caseUpdate(cols, id, city, version)
	r, err := t.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return anju.Errorf(anju.ECONFLICT, "case %d was changed by someone else at the same moment; reload it and try again", id)
	}
	return nil
}

// caseUpdate is updateCase's statement.
func caseUpdate(cols map[string]any, id int64, city string, version int64) (string, []any) {
	var q strings.Builder
	q.WriteString(`UPDATE cases SET `)
	args := make([]any, 0, len(cols)+2)
	// In a fixed order, so that each shape of the statement is one
	// prepared statement.
	for i, col := range slices.Sorted(maps.Keys(cols)) {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(col + ` = ?`)
		args = append(args, cols[col])
	}
	q.WriteString(` WHERE id = ? AND city = ? AND version = ?`)
	return q.String(), append(args, id, city, version)
}

func (c Case) responded() bool {
	return c.State != cases.StateSubmitted && c.State != cases.StateAccepted
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (db *DB) parentRegion(ctx context.Context, code string) (string, error) {
	var parent *string
	if err := db.queryRow(ctx, `SELECT parent FROM regions WHERE code = ?`, code).Scan(&parent); err != nil {
		return "", err
	}
	if parent == nil {
		return "", nil
	}
	return *parent, nil
}

// eventAudit is the detail of a case event's audit entry; a struct marshals
// several times faster than a map, with the same keys in the same order.
type eventAudit struct {
	Event   int64       `json:"event"`
	From    cases.State `json:"from"`
	To      cases.State `json:"to"`
	Version int64       `json:"version"`
}

// appendEvent records an event, its audit entry and its notifications, all in
// the transaction of the state change they report.
func (t *Tx) appendEvent(ctx context.Context, actor *anju.Actor, c *Case, ev cases.Event, note string, public bool, data map[string]any) (int64, error) {
	now := t.db.clock.Now()
	body, _ := json.Marshal(data)
	id, err := t.nextID(ctx, "case_events")
	if err == nil {
		err = t.appendRow(ctx, "case_events", `(id, city, case_id, version, action, from_state, to_state, actor, note, public, data, at)`,
			id, c.City, c.ID, ev.Version, string(ev.Action), string(ev.From), string(ev.To), actorName(actor), note, public, string(body), micros(now))
	}
	if err != nil {
		return 0, err
	}
	if err := t.appendAudit(ctx, actor, audit.Record{City: c.City, Action: "case." + string(ev.Action),
		Object: "case:" + strconv.FormatInt(c.ID, 10), Detail: eventAudit{id, ev.From, ev.To, ev.Version}}); err != nil {
		return 0, err
	}
	return id, t.enqueueNotifications(ctx, c, id, ev, note)
}
