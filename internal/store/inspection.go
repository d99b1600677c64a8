package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
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
	// Checklist is what the inspector answers: the city's checklist of the
	// hazard's type as it stands now (answers recorded under an earlier one
	// keep their item keys).
	Checklist []hazard.Item `json:"checklist,omitempty"`

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
	// HazardName names the place; CaseState and CaseDue are where the
	// rectification case stands and its resolution deadline, the
	// rectification's deadline.
	HazardName string      `json:"hazard_name"`
	CaseState  cases.State `json:"case_state"`
	CaseDue    time.Time   `json:"case_due"`

	city, regionPath string
}

// Reinspectable reports whether the finding waits for a re-inspection: not
// closed, and its department has reported the rectification done (the case
// is resolved).
func (f Finding) Reinspectable() bool {
	return f.State != hazard.FindingClosed && f.CaseState == cases.StateResolved
}

const taskCols = `t.id, t.city, t.hazard_id, h.name, h.type, h.risk_level, h.grid, r.name, t.region_path, h.department,
	t.period_start, t.due_on, t.state, t.done_by, t.done_at`

const taskFrom = ` FROM inspection_tasks t JOIN hazards h ON h.id = t.hazard_id AND h.city = t.city JOIN regions r ON r.code = h.grid`

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
// call created. On a distributed engine it works city by city (eachCity):
// a city that fails, its worker down, leaves the others' tasks created,
// its error a *CityError among those returned.
func (db *DB) GenerateInspectionTasks(ctx context.Context, now time.Time) (int, error) {
	created := 0
	err := db.eachCity(ctx, func(city string) error {
		n, err := db.generateInspectionTasks(ctx, city, now)
		created += n
		return err
	})
	return created, err
}

// generateInspectionTasks is GenerateInspectionTasks for city, or for
// every city when city is "".
func (db *DB) generateInspectionTasks(ctx context.Context, city string, now time.Time) (int, error) {
	today := hazard.Day(now)
	todayS := today.Format(time.DateOnly)
	missed, err := hazard.TaskTransition(hazard.TaskDue, hazard.TaskMiss, cases.RoleSystem)
	if err != nil {
		return 0, err
	}
	cond, cityArgs := inCity("city", city)
	// The scheduler calls this every few seconds: a read first, so that a
	// pass with nothing to mark takes no write lock.
	var one int
	switch err := db.queryRow(ctx, `SELECT 1 FROM inspection_tasks WHERE state = ? AND due_on < ?`+cond+` LIMIT 1`,
		append([]any{string(hazard.TaskDue), todayS}, cityArgs...)...).Scan(&one); err {
	case nil:
		if _, err := db.exec(ctx, `UPDATE inspection_tasks SET state = ? WHERE state = ? AND due_on < ?`+cond,
			append([]any{string(missed), string(hazard.TaskDue), todayS}, cityArgs...)...); err != nil {
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
		rows, err := db.query(ctx, `SELECT id, city, region_path, risk_level FROM hazards WHERE active AND next_check <= ?`+cond+`
			ORDER BY next_check, id LIMIT ?`, append(append([]any{todayS}, cityArgs...), batch)...)
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
					VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
					o.city, o.id, o.path, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), string(hazard.TaskDue), micros(now))
				if err != nil {
					return err
				}
				k, _ := r.RowsAffected()
				n += int(k)
				if _, err := tx.exec(ctx, `UPDATE hazards SET next_check = ? WHERE id = ? AND city = ? AND next_check <= ?`,
					next.Format(time.DateOnly), o.id, o.city, todayS); err != nil {
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
	State     hazard.TaskState
	Region    string // tasks of hazards inside this region; ENOTFOUND outside the actor's scope
	RiskLevel hazard.RiskLevel
	HazardID  int64
	// DueFrom and DueTo keep the tasks due on those days (both included;
	// see hazard.Day), as the figures count a period's tasks.
	DueFrom, DueTo time.Time
	// Outcome keeps the tasks the on-time figure counts (OutcomeCounted)
	// or those of them done on time (OutcomeOnTime), as of today.
	Outcome string
	Before  int64
	Limit   int // 1 to 200, default 50
}

// The outcomes an InspectionFilter selects: the tasks behind the two
// numbers of the on-time figure (hazard.Counted, hazard.OnTime).
const (
	OutcomeCounted = "counted"
	OutcomeOnTime  = "on_time"
)

// taskOutcome is the SQL of an outcome on day today, the same rule as
// hazard.Counted and hazard.OnTime over the same columns (done_on is set
// exactly when a task is done).
func taskOutcome(outcome string, today time.Time) (string, []any, error) {
	switch outcome {
	case OutcomeCounted:
		return `(t.done_on IS NOT NULL OR t.due_on < ?)`, []any{today.Format(time.DateOnly)}, nil
	case OutcomeOnTime:
		return `(t.done_on IS NOT NULL AND t.done_on <= t.due_on)`, nil, nil
	}
	return "", nil, anju.FieldError("outcome", "outcome must be %s or %s", OutcomeCounted, OutcomeOnTime)
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
	where, args, err := db.inspectionWhere(ctx, actor, f)
	if err != nil {
		return InspectionList{}, err
	}
	if f.Before > 0 {
		where += ` AND t.id < ?`
		args = append(args, f.Before)
	}
	rows, err := db.query(ctx, `SELECT `+taskCols+taskFrom+` WHERE `+where+` ORDER BY t.id DESC LIMIT ?`, append(args, limit+1)...)
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

// CountInspections counts the tasks ListInspections pages through (Before
// and Limit aside): the length of a list behind a figure.
func (db *DB) CountInspections(ctx context.Context, actor *anju.Actor, f InspectionFilter) (int, error) {
	where, args, err := db.inspectionWhere(ctx, actor, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.queryRow(ctx, `SELECT COUNT(*)`+taskFrom+` WHERE `+where, args...).Scan(&n)
	return n, err
}

// inspectionWhere is the condition of f over taskFrom, with its arguments.
func (db *DB) inspectionWhere(ctx context.Context, actor *anju.Actor, f InspectionFilter) (string, []any, error) {
	q, args := hazardScope(actor, "h")
	if f.State != "" {
		if !f.State.Valid() {
			return "", nil, anju.FieldError("state", "state must be due, done or missed")
		}
		q += ` AND t.state = ?`
		args = append(args, string(f.State))
	}
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return "", nil, err
		}
		q += ` AND t.region_path >= ? AND t.region_path < ?`
		args = append(args, r.Path, subtreeUpper(r.Path))
	}
	if f.RiskLevel != "" {
		if !f.RiskLevel.Valid() {
			return "", nil, anju.FieldError("risk_level", "unknown risk level %q", f.RiskLevel)
		}
		q += ` AND h.risk_level = ?`
		args = append(args, string(f.RiskLevel))
	}
	if f.HazardID > 0 {
		q += ` AND t.hazard_id = ?`
		args = append(args, f.HazardID)
	}
	if !f.DueFrom.IsZero() {
		q += ` AND t.due_on >= ?`
		args = append(args, f.DueFrom.Format(time.DateOnly))
	}
	if !f.DueTo.IsZero() {
		q += ` AND t.due_on <= ?`
		args = append(args, f.DueTo.Format(time.DateOnly))
	}
	if f.Outcome != "" {
		cond, a, err := taskOutcome(f.Outcome, hazard.Day(db.clock.Now()))
		if err != nil {
			return "", nil, err
		}
		q += ` AND ` + cond
		args = append(args, a...)
	}
	return q, args, nil
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
	if in.Findings, err = db.listFindings(ctx, actor, `f.task_id = ?`, []any{id}, 200); err != nil {
		return in, err
	}
	cl, err := db.checklist(ctx, db, in.City, in.HazardType)
	in.Checklist = cl.Items
	return in, err
}

// MayComplete tells whether the actor may complete task id now, before
// anything of the completion is read: ENOTFOUND when the task is not
// visible, EFORBIDDEN for a role that does not inspect, ECONFLICT for a task
// already done. It returns the task as GetInspection does.
func (db *DB) MayComplete(ctx context.Context, actor *anju.Actor, id int64) (Inspection, error) {
	in, err := db.GetInspection(ctx, actor, id)
	if err != nil {
		return in, err
	}
	_, err = hazard.TaskTransition(in.State, hazard.TaskComplete, hazardRoles(actor, in.regionPath, in.department)...)
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
	var photoItems []string
	for item, ps := range photos {
		if len(ps) > 0 {
			photoItems = append(photoItems, item)
		}
	}
	if err := hazard.CheckPhotos(cl, answers, photoItems); err != nil {
		return task, err
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
			if _, err := tx.exec(ctx, `INSERT INTO inspection_answers (task_id, city, item, result, finding) VALUES (?, ?, ?, ?, ?)`,
				id, h.City, a.Item, string(a.Result), a.Finding); err != nil {
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
			var dept any
			if h.Department != "" {
				dept = h.Department
			}
			if _, err := tx.exec(ctx, `INSERT INTO hazard_findings (city, hazard_id, task_id, item, text, risk_level, region_path, department,
				case_id, state, sent_back, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
				h.City, h.ID, id, f.a.Item, f.a.Finding, string(h.RiskLevel), h.regionPath, dept, c.ID, string(hazard.FindingOpen), micros(now), micros(now)); err != nil {
				return err
			}
			// The dispatch moves the finding on (followFinding).
			if h.Department != "" {
				if _, err = tx.ActOn(ctx, sys, c, cases.ActionDispatch, ActionInput{Input: cases.Input{Department: h.Department, Note: "隐患整改：交行业主管部门"}}); err != nil {
					return err
				}
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
	f.state, f.sent_back, f.opened_at, f.closed_at, h.name, c.state, c.resolution_due`

const findingFrom = ` FROM hazard_findings f JOIN hazards h ON h.id = f.hazard_id AND h.city = f.city JOIN cases c ON c.id = f.case_id AND c.city = f.city`

func scanFinding(row interface{ Scan(...any) error }) (Finding, error) {
	var f Finding
	var dept sql.NullString
	var opened, due int64
	var closed sql.NullInt64
	err := row.Scan(&f.ID, &f.city, &f.HazardID, &f.TaskID, &f.Item, &f.Text, &f.RiskLevel, &f.regionPath, &dept, &f.CaseID,
		&f.State, &f.SentBack, &opened, &closed, &f.HazardName, &f.CaseState, &due)
	f.Department, f.OpenedAt, f.CaseDue = dept.String, fromMicros(opened), fromMicros(due)
	if closed.Valid {
		t := fromMicros(closed.Int64)
		f.ClosedAt = &t
	}
	return f, err
}

func (db *DB) listFindings(ctx context.Context, actor *anju.Actor, where string, args []any, limit int) ([]Finding, error) {
	sc, sargs := hazardScope(actor, "f")
	rows, err := db.query(ctx, `SELECT `+findingCols+findingFrom+` WHERE `+where+` AND `+sc+` ORDER BY f.id LIMIT ?`,
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

// FindingFilter narrows ListFindings.
type FindingFilter struct {
	// State is "open" (not yet closed: open or rectifying), "closed", or
	// "" for both.
	State     string
	RiskLevel hazard.RiskLevel
	Region    string // findings inside this region; ENOTFOUND outside the actor's scope
	HazardID  int64
	// Reinspect keeps the findings waiting for a re-inspection
	// (Finding.Reinspectable).
	Reinspect bool
	// ClosedFrom and ClosedTo keep the findings closed on those days (in
	// China, both included; see hazard.Day), as the figures count the
	// rectified ones of a period.
	ClosedFrom, ClosedTo time.Time
	Before               int64 // findings with smaller ids: FindingList.Next of the page before
	Limit                int   // 1 to 200, default 50
}

// FindingList is one page of findings, the most recent first.
type FindingList struct {
	Findings []Finding `json:"findings"`
	Next     int64     `json:"next,omitempty"`
}

// ListFindings returns the findings of the hazards the actor may see.
// EINVALID for an unknown state or risk level or a bad limit.
func (db *DB) ListFindings(ctx context.Context, actor *anju.Actor, f FindingFilter) (FindingList, error) {
	limit, err := listLimit(f.Limit)
	if err != nil {
		return FindingList{}, err
	}
	where, args, err := db.findingWhere(ctx, actor, f)
	if err != nil {
		return FindingList{}, err
	}
	if f.Before > 0 {
		where += ` AND f.id < ?`
		args = append(args, f.Before)
	}
	rows, err := db.query(ctx, `SELECT `+findingCols+findingFrom+` WHERE `+where+` ORDER BY f.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return FindingList{}, err
	}
	defer rows.Close()
	out := FindingList{Findings: []Finding{}}
	for rows.Next() {
		x, err := scanFinding(rows)
		if err != nil {
			return out, err
		}
		out.Findings = append(out.Findings, x)
	}
	if len(out.Findings) > limit {
		out.Findings = out.Findings[:limit]
		out.Next = out.Findings[limit-1].ID
	}
	return out, rows.Err()
}

// CountFindings counts the findings ListFindings pages through (Before and
// Limit aside): the length of a list behind a figure.
func (db *DB) CountFindings(ctx context.Context, actor *anju.Actor, f FindingFilter) (int, error) {
	where, args, err := db.findingWhere(ctx, actor, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.queryRow(ctx, `SELECT COUNT(*)`+findingFrom+` WHERE `+where, args...).Scan(&n)
	return n, err
}

// findingWhere is the condition of f over findingFrom, with its arguments.
func (db *DB) findingWhere(ctx context.Context, actor *anju.Actor, f FindingFilter) (string, []any, error) {
	where, args := hazardScope(actor, "f")
	add := func(cond string, a ...any) { where += " AND " + cond; args = append(args, a...) }
	switch f.State {
	case "":
	case "open":
		add(`f.state <> ?`, string(hazard.FindingClosed))
	case "closed":
		add(`f.state = ?`, string(hazard.FindingClosed))
	default:
		return "", nil, anju.FieldError("state", "state must be open or closed")
	}
	if f.RiskLevel != "" {
		if !f.RiskLevel.Valid() {
			return "", nil, anju.FieldError("risk_level", "unknown risk level %q", f.RiskLevel)
		}
		add(`f.risk_level = ?`, string(f.RiskLevel))
	}
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return "", nil, err
		}
		add(`f.region_path >= ? AND f.region_path < ?`, r.Path, subtreeUpper(r.Path))
	}
	if f.HazardID > 0 {
		add(`f.hazard_id = ?`, f.HazardID)
	}
	if f.Reinspect {
		add(`f.state <> ? AND c.state = ?`, string(hazard.FindingClosed), string(cases.StateResolved))
	}
	if !f.ClosedFrom.IsZero() {
		add(`f.closed_at >= ?`, micros(hazard.DayStart(f.ClosedFrom)))
	}
	if !f.ClosedTo.IsZero() {
		add(`f.closed_at < ?`, micros(hazard.DayStart(f.ClosedTo.AddDate(0, 0, 1))))
	}
	return where, args, nil
}

// CaseWithFinding is a rectification case with the finding it was opened
// for, its detail as a case of kind hazard.
type CaseWithFinding struct {
	Case
	Hazard *Finding `json:"hazard"`
}

// HazardOf is the finding a rectification case was opened for, for the
// case's page and JSON: nil for a case of another kind, a hazard case filed
// by hand, or a finding the actor may not see (a department the case went
// to that does not supervise the place).
func (db *DB) HazardOf(ctx context.Context, actor *anju.Actor, c Case) (*Finding, error) {
	if c.Kind != cases.KindHazard {
		return nil, nil
	}
	f, err := scanFinding(db.queryRow(ctx, `SELECT `+findingCols+findingFrom+` WHERE f.case_id = ?`, c.ID))
	if err == sql.ErrNoRows || err == nil && !hazardVisible(actor, f.city, f.regionPath, f.Department) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// GetFinding returns one finding the actor may see, or ENOTFOUND.
func (db *DB) GetFinding(ctx context.Context, actor *anju.Actor, id int64) (Finding, error) {
	return db.getFinding(ctx, db, actor, id)
}

func (db *DB) getFinding(ctx context.Context, q querier, actor *anju.Actor, id int64) (Finding, error) {
	f, err := scanFinding(q.queryRow(ctx, `SELECT `+findingCols+findingFrom+` WHERE f.id = ?`, id))
	if err == nil && !hazardVisible(actor, f.city, f.regionPath, f.Department) {
		err = sql.ErrNoRows
	}
	if err == sql.ErrNoRows {
		return Finding{}, notFound("finding", strconv.FormatInt(id, 10))
	}
	return f, err
}

// moveFinding writes a finding's transition from state from to to: a
// send-back is counted, a closing dated. ECONFLICT when the finding is no
// longer in from.
func (t *Tx) moveFinding(ctx context.Context, id int64, from, to hazard.FindingState, action hazard.FindingAction, now time.Time) error {
	q := `UPDATE hazard_findings SET state = ?, updated_at = ?`
	args := []any{string(to), micros(now)}
	switch {
	case to == hazard.FindingClosed:
		q += `, closed_at = ?`
		args = append(args, micros(now))
	case action == hazard.FindingSendBack:
		q += `, sent_back = sent_back + 1`
	}
	r, err := t.exec(ctx, q+` WHERE id = ? AND state = ?`, append(args, id, string(from))...)
	if err != nil {
		return err
	}
	if k, _ := r.RowsAffected(); k != 1 {
		return anju.Errorf(anju.ECONFLICT, "finding %d changed meanwhile", id)
	}
	return nil
}

// followFinding keeps a rectification case's finding in step with the
// case, whichever page the action came from: dispatched to a department,
// the finding is being rectified; verified on site as done, it is closed;
// failed on site, it is sent back. The case's workflow has already judged
// who may act, so the finding's transition is taken as the platform's. An
// action the finding's table has no row for in its state (a second
// dispatch, to another department) leaves it as it is.
func (t *Tx) followFinding(ctx context.Context, caseID int64, action cases.Action, now time.Time) error {
	fa, ok := map[cases.Action]hazard.FindingAction{cases.ActionDispatch: hazard.FindingDispatch,
		cases.ActionVerify: hazard.FindingPass, cases.ActionFailVerification: hazard.FindingSendBack}[action]
	if !ok {
		return nil
	}
	var id int64
	var state hazard.FindingState
	switch err := t.queryRow(ctx, `SELECT id, state FROM hazard_findings WHERE case_id = ?`, caseID).Scan(&id, &state); err {
	case nil:
	case sql.ErrNoRows:
		return nil // a hazard case filed by hand, not by an inspection
	default:
		return err
	}
	next, err := hazard.FindingTransition(state, fa, cases.RoleSystem)
	if anju.ErrorCode(err) == anju.ECONFLICT {
		return nil
	}
	if err != nil {
		return err
	}
	return t.moveFinding(ctx, id, state, next, fa, now)
}

// Reinspect records a re-inspection of a finding. Passed, it closes the
// finding and, when the department has reported its rectification (the
// case is resolved), verifies the case on site as the inspector and closes
// it as solved; not passed, it sends the finding back and, with a resolved
// case, fails the case's verification so that the department works on (the
// case's actions move the finding: followFinding). A case not yet resolved
// gets the re-inspection as a comment. Note is required when sending back.
// ENOTFOUND when the finding is not visible, EFORBIDDEN for a role that
// does not re-inspect, ECONFLICT for a closed finding.
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
		f, err := db.getFinding(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		next, err := hazard.FindingTransition(f.State, action, hazardRoles(actor, f.regionPath, f.Department)...)
		if err != nil {
			return err
		}
		sys := anju.SystemActor("hazard")
		c, err := tx.getCase(ctx, sys, f.CaseID)
		if err != nil {
			return err
		}
		switch {
		case c.State == cases.StateResolved && passed:
			if c, err = tx.ActOn(ctx, actor, c, cases.ActionVerify, ActionInput{Input: cases.Input{Method: cases.VerifyOnSite, Note: firstNonEmpty(note, "复查：已整改")}}); err != nil {
				return err
			}
			if _, err = tx.ActOn(ctx, sys, c, cases.ActionClose, ActionInput{Input: cases.Input{Outcome: cases.OutcomeSolved, Note: "复查合格，隐患已整改"}}); err != nil {
				return err
			}
		case c.State == cases.StateResolved:
			if _, err = tx.ActOn(ctx, actor, c, cases.ActionFailVerification, ActionInput{Input: cases.Input{Reason: "复查未通过：" + note}}); err != nil {
				return err
			}
		default:
			if c.State.Open() {
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
			if err := tx.moveFinding(ctx, id, f.State, next, action, db.clock.Now()); err != nil {
				return err
			}
		}
		out, err = db.getFinding(ctx, tx, actor, id)
		return err
	})
	return out, err
}

// HazardFigureQuery narrows HazardFigures: a region in the actor's scope
// (ENOTFOUND outside it), and a period of days (both included; zero for no
// bound) in which the tasks counted fell due and the rectified findings
// were closed. Open findings are those open now, whatever the period.
type HazardFigureQuery struct {
	Region   string
	From, To time.Time
}

// HazardFigures are the register's figures for the actor's area or a
// region in it, as of now: inspections done on time, open findings by risk
// level, median time to rectify (package hazard computes them).
func (db *DB) HazardFigures(ctx context.Context, actor *anju.Actor, fq HazardFigureQuery) (hazard.Figures, error) {
	if !actor.Staff() {
		return hazard.Figures{}, anju.Errorf(anju.EFORBIDDEN, "hazard figures are for staff")
	}
	if !fq.From.IsZero() && !fq.To.IsZero() && fq.To.Before(fq.From) {
		return hazard.Figures{}, anju.FieldError("to", "the period ends before it begins")
	}
	var lo, hi string
	if fq.Region != "" {
		r, err := db.GetRegion(ctx, actor, fq.Region)
		if err != nil {
			return hazard.Figures{}, err
		}
		lo, hi = r.Path, subtreeUpper(r.Path)
	}
	// where is the region's condition on alias x, the scope's on alias
	// scope and, for
	// a period column col (a day, else an instant), the period's, with its
	// arguments.
	where := func(x, scope, col string, day bool) (string, []any) {
		cond, args := "1=1", []any{}
		if lo != "" {
			cond += " AND " + x + ".region_path >= ? AND " + x + ".region_path < ?"
			args = append(args, lo, hi)
		}
		if col != "" && !fq.From.IsZero() {
			cond += " AND " + col + " >= ?"
			if day {
				args = append(args, fq.From.Format(time.DateOnly))
			} else {
				args = append(args, micros(hazard.DayStart(fq.From)))
			}
		}
		if col != "" && !fq.To.IsZero() {
			if day {
				cond += " AND " + col + " <= ?"
				args = append(args, fq.To.Format(time.DateOnly))
			} else {
				cond += " AND " + col + " < ?"
				args = append(args, micros(hazard.DayStart(fq.To.AddDate(0, 0, 1))))
			}
		}
		sc, sargs := hazardScope(actor, scope)
		return cond + " AND " + sc, append(args, sargs...)
	}
	// Tasks in scope by their hazard, in the region by their own path, as
	// ListInspections selects them, so that its lists hold what is counted.
	tw, targs := where("t", "h", "t.due_on", true)
	rows, err := db.query(ctx, `SELECT h.risk_level, t.due_on, t.done_on FROM inspection_tasks t JOIN hazards h ON h.id = t.hazard_id AND h.city = t.city WHERE `+tw, targs...)
	if err != nil {
		return hazard.Figures{}, err
	}
	var tasks []hazard.TaskRow
	for rows.Next() {
		var row hazard.TaskRow
		var due string
		var done sql.NullString
		if err := rows.Scan(&row.Risk, &due, &done); err != nil {
			rows.Close()
			return hazard.Figures{}, err
		}
		if row.Due, err = hazard.ParseDay(due); err != nil {
			rows.Close()
			return hazard.Figures{}, fmt.Errorf("task due %q: %w", due, err)
		}
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
	// The findings open now, and those closed in the period.
	open, oargs := where("f", "f", "", false)
	closed, cargs := where("f", "f", "f.closed_at", false)
	frows, err := db.query(ctx, `SELECT f.risk_level, f.state, f.opened_at, f.closed_at FROM hazard_findings f WHERE (f.state <> ? AND `+open+
		`) OR (f.state = ? AND `+closed+`)`, append(append(append([]any{string(hazard.FindingClosed)}, oargs...), string(hazard.FindingClosed)), cargs...)...)
	if err != nil {
		return hazard.Figures{}, err
	}
	defer frows.Close()
	var findings []hazard.FindingRow
	for frows.Next() {
		var x hazard.FindingRow
		var opened int64
		var closedAt sql.NullInt64
		if err := frows.Scan(&x.Risk, &x.State, &opened, &closedAt); err != nil {
			return hazard.Figures{}, err
		}
		x.Opened = fromMicros(opened)
		if closedAt.Valid {
			t := fromMicros(closedAt.Int64)
			x.ClosedAt = &t
		}
		findings = append(findings, x)
	}
	if err := frows.Err(); err != nil {
		return hazard.Figures{}, err
	}
	return hazard.Compute(hazard.Day(db.clock.Now()), tasks, findings), nil
}
