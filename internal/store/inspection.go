package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/hazard"
	"anju/internal/photo"
)

// Inspection is an inspection task with its hazard and, once done, its
// answers.
type Inspection struct {
	ID          int64            `json:"id"`
	City        string           `json:"city"`
	HazardID    int64            `json:"hazard_id"`
	HazardName  string           `json:"hazard_name"`
	HazardType  hazard.Type      `json:"hazard_type"`
	RiskLevel   hazard.RiskLevel `json:"risk_level"`
	Grid        GridRef          `json:"grid"`
	PeriodStart string           `json:"period_start"`
	DueOn       string           `json:"due_on"`
	State       hazard.TaskState `json:"state"`
	DoneBy      string           `json:"done_by,omitempty"`
	DoneAt      *time.Time       `json:"done_at,omitempty"`
	Answers     []hazard.Answer  `json:"answers,omitempty"`
	Findings    []Finding        `json:"findings,omitempty"`

	regionPath, department string
}

// Finding is a failed checklist item and the rectification case it opened.
type Finding struct {
	ID         int64               `json:"id"`
	HazardID   int64               `json:"hazard_id"`
	TaskID     int64               `json:"task_id"`
	Item       string              `json:"item"`
	Text       string              `json:"text"`
	RiskLevel  hazard.RiskLevel    `json:"risk_level"`
	Department string              `json:"department,omitempty"`
	CaseID     int64               `json:"case_id"`
	State      hazard.FindingState `json:"state"`
	SentBack   int                 `json:"sent_back"`
	OpenedAt   time.Time           `json:"opened_at"`
	ClosedAt   *time.Time          `json:"closed_at,omitempty"`

	city, regionPath string
}

const taskCols = `t.id, t.city, t.hazard_id, h.name, h.type, h.risk_level, h.grid, r.name, t.region_path, h.department,
	t.period_start, t.due_on, t.state, t.done_by, t.done_at`

const taskFrom = ` FROM inspection_tasks t JOIN hazards h ON h.id = t.hazard_id JOIN regions r ON r.code = h.grid`

func scanTask(row interface{ Scan(...any) error }) (Inspection, error) {
	var in Inspection
	var dept, doneBy sql.NullString
	var doneAt sql.NullInt64
	err := row.Scan(&in.ID, &in.City, &in.HazardID, &in.HazardName, &in.HazardType, &in.RiskLevel, &in.Grid.Code, &in.Grid.Name,
		&in.regionPath, &dept, &in.PeriodStart, &in.DueOn, &in.State, &doneBy, &doneAt)
	in.department, in.DoneBy = dept.String, doneBy.String
	if doneAt.Valid {
		t := fromMicros(doneAt.Int64)
		in.DoneAt = &t
	}
	return in, err
}

// GenerateInspectionTasks owes every active hazard whose next check has
// come a task for the current period of its risk level's frequency
// (hazard.Schedule), in the hazard's grid, and marks the tasks whose period
// ended undone as missed. It is safe to run from several servers at once:
// a task is keyed by hazard and period and inserted with ON CONFLICT DO
// NOTHING, so each is created exactly once. It returns how many tasks this
// call created.
func (db *DB) GenerateInspectionTasks(ctx context.Context, now time.Time) (int, error) {
	today := hazard.Day(now)
	todayS := today.Format(time.DateOnly)
	missed, err := hazard.TaskTransition(hazard.TaskDue, hazard.TaskMiss, cases.RoleSystem)
	if err != nil {
		return 0, err
	}
	// The scheduler calls this every few seconds: a read first, so that a
	// pass with nothing to mark takes no write lock.
	var any int
	switch err := db.queryRow(ctx, `SELECT 1 FROM inspection_tasks WHERE state = ? AND due_on < ? LIMIT 1`,
		string(hazard.TaskDue), todayS).Scan(&any); err {
	case nil:
		if _, err := db.exec(ctx, `UPDATE inspection_tasks SET state = ? WHERE state = ? AND due_on < ?`,
			string(missed), string(hazard.TaskDue), todayS); err != nil {
			return 0, err
		}
	case sql.ErrNoRows:
	default:
		return 0, err
	}
	plans := map[string]hazard.Plan{}
	created := 0
	const batch = 500
	for ctx.Err() == nil {
		type owed struct {
			id         int64
			city, path string
			risk       hazard.RiskLevel
		}
		rows, err := db.query(ctx, `SELECT id, city, region_path, risk_level FROM hazards WHERE active AND next_check <= ?
			ORDER BY next_check, id LIMIT ?`, todayS, batch)
		if err != nil {
			return created, err
		}
		var due []owed
		for rows.Next() {
			var o owed
			if err := rows.Scan(&o.id, &o.city, &o.path, &o.risk); err != nil {
				rows.Close()
				return created, err
			}
			due = append(due, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return created, err
		}
		for _, o := range due {
			if _, ok := plans[o.city]; !ok {
				if plans[o.city], err = db.hazardPlan(ctx, o.city); err != nil {
					return created, err
				}
			}
		}
		n := 0
		err = db.inTx(ctx, func(tx *Tx) error {
			n = 0
			for _, o := range due {
				p, next := hazard.Schedule(plans[o.city].Frequency(o.risk), today)
				r, err := tx.exec(ctx, `INSERT INTO inspection_tasks (city, hazard_id, region_path, period_start, due_on, state, created_at)
					VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hazard_id, period_start) DO NOTHING`,
					o.city, o.id, o.path, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), string(hazard.TaskDue), micros(now))
				if err != nil {
					return err
				}
				k, _ := r.RowsAffected()
				n += int(k)
				if _, err := tx.exec(ctx, `UPDATE hazards SET next_check = ? WHERE id = ? AND next_check <= ?`,
					next.Format(time.DateOnly), o.id, todayS); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return created, err
		}
		created += n
		if len(due) < batch {
			break
		}
	}
	return created, ctx.Err()
}

// InspectionFilter narrows ListInspections.
type InspectionFilter struct {
	State  hazard.TaskState
	Region string // tasks of hazards inside this region; ENOTFOUND outside the actor's scope
	Before int64
	Limit  int // 1 to 200, default 50
}

// InspectionList is one page of inspection tasks, the most recent first.
type InspectionList struct {
	Inspections []Inspection `json:"inspections"`
	Next        int64        `json:"next,omitempty"`
}

// ListInspections returns the inspection tasks of the hazards the actor
// may see: a grid worker's are those of their grid. EINVALID for an
// unknown state or bad limit.
func (db *DB) ListInspections(ctx context.Context, actor *anju.Actor, f InspectionFilter) (InspectionList, error) {
	limit, err := listLimit(f.Limit)
	if err != nil {
		return InspectionList{}, err
	}
	sc, args := hazardScope(actor, "h")
	q := `SELECT ` + taskCols + taskFrom + ` WHERE ` + sc
	if f.State != "" {
		if !f.State.Valid() {
			return InspectionList{}, anju.FieldError("state", "state must be due, done or missed")
		}
		q += ` AND t.state = ?`
		args = append(args, string(f.State))
	}
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return InspectionList{}, err
		}
		q += ` AND t.region_path >= ? AND t.region_path < ?`
		args = append(args, r.Path, subtreeUpper(r.Path))
	}
	if f.Before > 0 {
		q += ` AND t.id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY t.id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return InspectionList{}, err
	}
	defer rows.Close()
	out := InspectionList{Inspections: []Inspection{}}
	for rows.Next() {
		in, err := scanTask(rows)
		if err != nil {
			return out, err
		}
		out.Inspections = append(out.Inspections, in)
	}
	if len(out.Inspections) > limit {
		out.Inspections = out.Inspections[:limit]
		out.Next = out.Inspections[limit-1].ID
	}
	return out, rows.Err()
}

// GetInspection returns one task the actor may see, with its answers and
// findings, or ENOTFOUND.
func (db *DB) GetInspection(ctx context.Context, actor *anju.Actor, id int64) (Inspection, error) {
	in, err := db.getTask(ctx, db, actor, id)
	if err != nil {
		return in, err
	}
	rows, err := db.query(ctx, `SELECT item, result, finding FROM inspection_answers WHERE task_id = ? ORDER BY item`, id)
	if err != nil {
		return in, err
	}
	defer rows.Close()
	for rows.Next() {
		var a hazard.Answer
		if err := rows.Scan(&a.Item, &a.Result, &a.Finding); err != nil {
			return in, err
		}
		in.Answers = append(in.Answers, a)
	}
	if err := rows.Err(); err != nil {
		return in, err
	}
	in.Findings, err = db.listFindings(ctx, actor, `f.task_id = ?`, []any{id}, 200)
	return in, err
}

func (db *DB) getTask(ctx context.Context, q querier, actor *anju.Actor, id int64) (Inspection, error) {
	in, err := scanTask(q.queryRow(ctx, `SELECT `+taskCols+taskFrom+` WHERE t.id = ?`, id))
	if err == nil && !hazardVisible(actor, in.City, in.regionPath, in.department) {
		err = sql.ErrNoRows
	}
	if err == sql.ErrNoRows {
		return Inspection{}, notFound("inspection", strconv.FormatInt(id, 10))
	}
	return in, err
}

// CompleteInspection records the answers of an inspection task. Each failed
// item opens a rectification case through the case intake (kind hazard, in
// the category of the city's checklist, filed by the inspector from grid
// patrol, with the photos given for that item), which the inspector accepts
// and the platform dispatches to the hazard's supervising department when it
// has one; the finding follows it. All of it is written in one transaction
// or none of it. ENOTFOUND when the task is not visible, EFORBIDDEN for a
// role that does not inspect, ECONFLICT for a task already done, EINVALID
// naming the answer at fault.
func (db *DB) CompleteInspection(ctx context.Context, actor *anju.Actor, id int64, answers []hazard.Answer, photos map[string][]photo.Photo) (Inspection, error) {
	task, err := db.getTask(ctx, db, actor, id)
	if err != nil {
		return task, err
	}
	done, err := hazard.TaskTransition(task.State, hazard.TaskComplete, hazardRoles(actor, task.regionPath, task.department)...)
	if err != nil {
		return task, err
	}
	h, err := db.getHazard(ctx, db, actor, task.HazardID)
	if err != nil {
		return task, err
	}
	cl, err := db.checklist(ctx, db, h.City, h.Type)
	if err != nil {
		return task, err
	}
	if err := hazard.ValidateAnswers(cl, answers); err != nil {
		return task, err
	}
	for item := range photos {
		if _, ok := cl.Item(item); !ok {
			return task, anju.FieldError("photos", "item %q is not on the %s checklist", item, h.Type)
		}
	}
	// The cases are prepared (place, category, clocks, search words) before
	// the transaction, as CreateCase does.
	type pending struct {
		a hazard.Answer
		p *PreparedCase
	}
	var fails []pending
	for _, a := range answers {
		if a.Result != hazard.Fail {
			continue
		}
		it, _ := cl.Item(a.Item)
		nc := NewCase{Title: truncateRunes(h.Name+"："+it.Text, MaxCaseTitle),
			Text:     truncateRunes(a.Finding+"\n\n隐患点："+h.Name+"（"+h.Address+"），责任单位："+h.Owner+"。检查项："+it.Text, MaxCaseText),
			Category: cl.CategoryOf(a.Item), Kind: cases.KindHazard, Lat: &h.Lat, Lon: &h.Lon, Address: h.Address,
			Channel: cases.ChannelGridPatrol, Photos: photos[a.Item]}
		if h.RiskLevel == hazard.RiskMajor {
			nc.Priority = cases.PriorityUrgent
		}
		p, err := db.PrepareCase(ctx, actor, nc, "")
		if err != nil {
			if f := anju.ErrorField(err); f == "category" {
				return task, anju.Errorf(anju.EUNPROCESSABLE, "the %s checklist opens cases in category %s, which the city's taxonomy refuses: %s",
					h.Type, nc.Category, anju.ErrorMessage(err))
			}
			return task, err
		}
		fails = append(fails, pending{a, p})
	}
	now := db.clock.Now()
	sys := anju.SystemActor("hazard")
	err = db.inTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `UPDATE inspection_tasks SET state = ?, done_by = ?, done_at = ?, done_on = ? WHERE id = ? AND state = ?`,
			string(done), actorName(actor), micros(now), hazard.Day(now).Format(time.DateOnly), id, string(task.State))
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return anju.Errorf(anju.ECONFLICT, "inspection %d was completed meanwhile", id)
		}
		for _, a := range answers {
			if _, err := tx.exec(ctx, `INSERT INTO inspection_answers (task_id, item, result, finding) VALUES (?, ?, ?, ?)`,
				id, a.Item, string(a.Result), a.Finding); err != nil {
				return err
			}
		}
		for _, f := range fails {
			c, _, err := tx.InsertCase(ctx, f.p)
			if err != nil {
				return err
			}
			if c, err = tx.ActOn(ctx, actor, c, cases.ActionAccept, ActionInput{Input: cases.Input{Note: "巡查发现隐患"}}); err != nil {
				return err
			}
			state := hazard.FindingOpen
			if h.Department != "" {
				if c, err = tx.ActOn(ctx, sys, c, cases.ActionDispatch, ActionInput{Input: cases.Input{Department: h.Department, Note: "隐患整改：交行业主管部门"}}); err != nil {
					return err
				}
				if state, err = hazard.FindingTransition(state, hazard.FindingDispatch, cases.RoleSystem); err != nil {
					return err
				}
			}
			var dept any
			if h.Department != "" {
				dept = h.Department
			}
			if _, err := tx.exec(ctx, `INSERT INTO hazard_findings (city, hazard_id, task_id, item, text, risk_level, region_path, department,
				case_id, state, sent_back, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
				h.City, h.ID, id, f.a.Item, f.a.Finding, string(h.RiskLevel), h.regionPath, dept, c.ID, string(state), micros(now), micros(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return task, err
	}
	return db.GetInspection(ctx, actor, id)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

const findingCols = `f.id, f.city, f.hazard_id, f.task_id, f.item, f.text, f.risk_level, f.region_path, f.department, f.case_id,
	f.state, f.sent_back, f.opened_at, f.closed_at`

func scanFinding(row interface{ Scan(...any) error }) (Finding, error) {
	var f Finding
	var dept sql.NullString
	var opened int64
	var closed sql.NullInt64
	err := row.Scan(&f.ID, &f.city, &f.HazardID, &f.TaskID, &f.Item, &f.Text, &f.RiskLevel, &f.regionPath, &dept, &f.CaseID,
		&f.State, &f.SentBack, &opened, &closed)
	f.Department, f.OpenedAt = dept.String, fromMicros(opened)
	if closed.Valid {
		t := fromMicros(closed.Int64)
		f.ClosedAt = &t
	}
	return f, err
}

func (db *DB) listFindings(ctx context.Context, actor *anju.Actor, where string, args []any, limit int) ([]Finding, error) {
	sc, sargs := hazardScope(actor, "f")
	rows, err := db.query(ctx, `SELECT `+findingCols+` FROM hazard_findings f WHERE `+where+` AND `+sc+` ORDER BY f.id LIMIT ?`,
		append(append(args, sargs...), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Reinspect records a re-inspection of a finding. Passed, it closes the
// finding and, when the department has reported its rectification (the
// case is resolved), verifies the case on site as the inspector and closes
// it as solved; not passed, it sends the finding back and, with a resolved
// case, fails the case's verification so that the department works on. A
// case not yet resolved gets the re-inspection as a comment. Note is
// required when sending back. ENOTFOUND when the finding is not visible,
// EFORBIDDEN for a role that does not re-inspect, ECONFLICT for a closed
// finding.
func (db *DB) Reinspect(ctx context.Context, actor *anju.Actor, id int64, passed bool, note string) (Finding, error) {
	note = anju.CleanText(note)
	if utf8.RuneCountInString(note) > hazard.MaxFinding {
		return Finding{}, anju.FieldError("note", "note is longer than %d characters", hazard.MaxFinding)
	}
	action := hazard.FindingPass
	if !passed {
		action = hazard.FindingSendBack
		if anju.Blank(note) {
			return Finding{}, anju.FieldError("note", "say what is still wrong")
		}
	}
	var out Finding
	err := db.inTx(ctx, func(tx *Tx) error {
		f, err := scanFinding(tx.queryRow(ctx, `SELECT `+findingCols+` FROM hazard_findings f WHERE f.id = ?`, id))
		if err == nil && !hazardVisible(actor, f.city, f.regionPath, f.Department) {
			err = sql.ErrNoRows
		}
		if err == sql.ErrNoRows {
			return notFound("finding", strconv.FormatInt(id, 10))
		}
		if err != nil {
			return err
		}
		next, err := hazard.FindingTransition(f.State, action, hazardRoles(actor, f.regionPath, f.Department)...)
		if err != nil {
			return err
		}
		c, err := tx.getCase(ctx, anju.SystemActor("hazard"), f.CaseID)
		if err != nil {
			return err
		}
		switch {
		case c.State == cases.StateResolved && passed:
			if c, err = tx.ActOn(ctx, actor, c, cases.ActionVerify, ActionInput{Input: cases.Input{Method: cases.VerifyOnSite, Note: firstNonEmpty(note, "复查：已整改")}}); err != nil {
				return err
			}
			if _, err = tx.ActOn(ctx, anju.SystemActor("hazard"), c, cases.ActionClose, ActionInput{Input: cases.Input{Outcome: cases.OutcomeSolved, Note: "复查合格，隐患已整改"}}); err != nil {
				return err
			}
		case c.State == cases.StateResolved:
			if _, err = tx.ActOn(ctx, actor, c, cases.ActionFailVerification, ActionInput{Input: cases.Input{Reason: "复查未通过：" + note}}); err != nil {
				return err
			}
		case c.State.Open():
			text := "复查：已整改"
			if !passed {
				text = "复查未通过：" + note
			} else if note != "" {
				text += "。" + note
			}
			if _, err = tx.ActOn(ctx, actor, c, cases.ActionComment, ActionInput{Input: cases.Input{Note: text}}); err != nil {
				return err
			}
		}
		now := db.clock.Now()
		q := `UPDATE hazard_findings SET state = ?, updated_at = ?`
		args := []any{string(next), micros(now)}
		if next == hazard.FindingClosed {
			q += `, closed_at = ?`
			args = append(args, micros(now))
			at := fromMicros(micros(now))
			f.ClosedAt = &at
		} else {
			q += `, sent_back = sent_back + 1`
			f.SentBack++
		}
		r, err := tx.exec(ctx, q+` WHERE id = ? AND state = ?`, append(args, id, string(f.State))...)
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return anju.Errorf(anju.ECONFLICT, "finding %d changed meanwhile", id)
		}
		f.State = next
		out = f
		return nil
	})
	return out, err
}

// HazardFigures are the register's figures for the actor's area or a
// region in it (ENOTFOUND outside the actor's scope), as of now: inspections
// done on time, open findings by risk level, median time to rectify.
func (db *DB) HazardFigures(ctx context.Context, actor *anju.Actor, regionCode string) (hazard.Figures, error) {
	if !actor.Staff() {
		return hazard.Figures{}, anju.Errorf(anju.EFORBIDDEN, "hazard figures are for staff")
	}
	where, args := "1=1", []any{}
	if regionCode != "" {
		r, err := db.GetRegion(ctx, actor, regionCode)
		if err != nil {
			return hazard.Figures{}, err
		}
		where, args = "region_path >= ? AND region_path < ?", []any{r.Path, subtreeUpper(r.Path)}
	}
	tsc, targs := hazardScope(actor, "h")
	rows, err := db.query(ctx, `SELECT t.due_on, t.done_on`+taskFrom+` WHERE `+strings.ReplaceAll(where, "region_path", "t.region_path")+` AND `+tsc,
		append(append([]any{}, args...), targs...)...)
	if err != nil {
		return hazard.Figures{}, err
	}
	var tasks []hazard.TaskRow
	for rows.Next() {
		var due string
		var done sql.NullString
		if err := rows.Scan(&due, &done); err != nil {
			rows.Close()
			return hazard.Figures{}, err
		}
		d, err := hazard.ParseDay(due)
		if err != nil {
			rows.Close()
			return hazard.Figures{}, fmt.Errorf("task due %q: %w", due, err)
		}
		row := hazard.TaskRow{Due: d}
		if done.Valid {
			x, err := hazard.ParseDay(done.String)
			if err != nil {
				rows.Close()
				return hazard.Figures{}, fmt.Errorf("task done %q: %w", done.String, err)
			}
			row.Done = &x
		}
		tasks = append(tasks, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return hazard.Figures{}, err
	}
	fsc, fargs := hazardScope(actor, "f")
	frows, err := db.query(ctx, `SELECT f.risk_level, f.state, f.opened_at, f.closed_at FROM hazard_findings f WHERE `+
		strings.ReplaceAll(where, "region_path", "f.region_path")+` AND `+fsc, append(append([]any{}, args...), fargs...)...)
	if err != nil {
		return hazard.Figures{}, err
	}
	defer frows.Close()
	var findings []hazard.FindingRow
	for frows.Next() {
		var x hazard.FindingRow
		var opened int64
		var closed sql.NullInt64
		if err := frows.Scan(&x.Risk, &x.State, &opened, &closed); err != nil {
			return hazard.Figures{}, err
		}
		x.Opened = fromMicros(opened)
		if closed.Valid {
			t := fromMicros(closed.Int64)
			x.ClosedAt = &t
		}
		findings = append(findings, x)
	}
	if err := frows.Err(); err != nil {
		return hazard.Figures{}, err
	}
	return hazard.Compute(hazard.Day(db.clock.Now()), tasks, findings), nil
}
