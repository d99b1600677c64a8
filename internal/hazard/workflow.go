package hazard

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
)

// TaskState is where an inspection task stands.
type TaskState string

const (
	TaskDue    TaskState = "due"    // generated for its period, not yet done
	TaskDone   TaskState = "done"   // inspected, answers recorded
	TaskMissed TaskState = "missed" // its period ended without an inspection
)

// TaskStates lists every task state.
var TaskStates = []TaskState{TaskDue, TaskDone, TaskMissed}

// Valid reports whether s is one of TaskStates.
func (s TaskState) Valid() bool { return slices.Contains(TaskStates, s) }

// TaskAction is something done to an inspection task.
type TaskAction string

const (
	// TaskComplete records an inspection. A missed task may still be
	// completed: the inspection happened, late, and the figures count it
	// as not on time.
	TaskComplete TaskAction = "complete"
	// TaskMiss is the system marking a task whose period ended.
	TaskMiss TaskAction = "miss"
)

// FindingState is where a finding (a failed checklist item) stands.
type FindingState string

const (
	FindingOpen       FindingState = "open"       // its rectification case is filed, not yet with a department
	FindingRectifying FindingState = "rectifying" // the supervising department is rectifying it
	FindingClosed     FindingState = "closed"     // a re-inspection found it rectified
)

// FindingStates lists every finding state.
var FindingStates = []FindingState{FindingOpen, FindingRectifying, FindingClosed}

// Valid reports whether s is one of FindingStates.
func (s FindingState) Valid() bool { return slices.Contains(FindingStates, s) }

// FindingAction is something done to a finding.
type FindingAction string

const (
	// FindingDispatch: the rectification case went to the supervising
	// department.
	FindingDispatch FindingAction = "dispatch"
	// FindingPass: a re-inspection found the hazard rectified.
	FindingPass FindingAction = "pass"
	// FindingSendBack: a re-inspection found it not rectified; the
	// department works on.
	FindingSendBack FindingAction = "send_back"
)

// Rule is one row of a transition table: Action may be taken in any of the
// From states by any of Roles and leaves the object in To.
type Rule[S ~string, A ~string] = cases.TableRule[S, A]

var (
	inspectors = []anju.Role{anju.RoleGridWorker, cases.RoleSystem}
	// Re-inspection verifies the rectification case on site, so it is for
	// those the case workflow lets verify (cases: checker).
	reinspectors = []anju.Role{anju.RoleGridWorker, anju.RoleDispatcher, cases.RoleSystem}
)

// TaskRules is the task table:
//
//	due → done (completed) | missed (its period ended)
//	missed → done (completed late)
var TaskRules = []Rule[TaskState, TaskAction]{
	{Action: TaskComplete, From: []TaskState{TaskDue, TaskMissed}, To: TaskDone, Roles: inspectors},
	{Action: TaskMiss, From: []TaskState{TaskDue}, To: TaskMissed, Roles: []anju.Role{cases.RoleSystem}},
}

// FindingRules is the finding table:
//
//	open → rectifying (dispatched to the supervising department)
//	open | rectifying → closed (re-inspection passed)
//	open | rectifying → the same state, sent back (re-inspection failed)
var FindingRules = []Rule[FindingState, FindingAction]{
	{Action: FindingDispatch, From: []FindingState{FindingOpen}, To: FindingRectifying, Roles: []anju.Role{anju.RoleDispatcher, cases.RoleSystem}},
	{Action: FindingPass, From: []FindingState{FindingOpen, FindingRectifying}, To: FindingClosed, Roles: reinspectors},
	{Action: FindingSendBack, From: []FindingState{FindingOpen}, To: FindingOpen, Roles: reinspectors},
	{Action: FindingSendBack, From: []FindingState{FindingRectifying}, To: FindingRectifying, Roles: reinspectors},
}

// TaskTransition returns the state a task in state s is in after action a
// taken by a party holding roles: EINVALID for an unknown state or action,
// ECONFLICT when a is not allowed in s (a second completion), EFORBIDDEN
// when none of roles may take it.
func TaskTransition(s TaskState, a TaskAction, roles ...anju.Role) (TaskState, error) {
	if !s.Valid() {
		return "", anju.FieldError("state", "unknown task state %q", s)
	}
	return cases.ApplyTable(TaskRules, "inspection task", s, a, roles)
}

// FindingTransition is TaskTransition for findings.
func FindingTransition(s FindingState, a FindingAction, roles ...anju.Role) (FindingState, error) {
	if !s.Valid() {
		return "", anju.FieldError("state", "unknown finding state %q", s)
	}
	return cases.ApplyTable(FindingRules, "finding", s, a, roles)
}

// Result is an inspector's verdict on one checklist item.
type Result string

const (
	Pass Result = "pass"
	Fail Result = "fail"
	NA   Result = "na" // does not apply to this place
)

// Answer is the answer to one checklist item. A failed item needs a
// Finding: what is wrong, which the rectification case carries.
type Answer struct {
	Item    string `json:"item"`
	Result  Result `json:"result"`
	Finding string `json:"finding,omitempty"`
}

// MaxFinding bounds a finding's text.
const MaxFinding = 1000

// ValidateAnswers checks an inspection's answers against the checklist:
// every item answered once, no item that is not on it, a known result, and
// a finding for each failure. It cleans the text and returns EINVALID naming
// the field at fault ("answers", "answers[2].finding").
func ValidateAnswers(c Checklist, answers []Answer) error {
	if len(answers) == 0 {
		return anju.FieldError("answers", "answer every item of the checklist (%d items)", len(c.Items))
	}
	seen := map[string]bool{}
	for i := range answers {
		a := &answers[i]
		a.Finding = anju.CleanText(a.Finding)
		field := fmt.Sprintf("answers[%d]", i)
		if _, ok := c.Item(a.Item); !ok {
			return anju.FieldError(field+".item", "item %q is not on the %s checklist", a.Item, c.Type)
		}
		if seen[a.Item] {
			return anju.FieldError(field+".item", "item %q is answered twice", a.Item)
		}
		seen[a.Item] = true
		switch a.Result {
		case Pass, NA:
		case Fail:
			if anju.Blank(a.Finding) {
				return anju.FieldError(field+".finding", "say what is wrong with %q", a.Item)
			}
		default:
			return anju.FieldError(field+".result", "result must be pass, fail or na, not %q", a.Result)
		}
		if utf8.RuneCountInString(a.Finding) > MaxFinding {
			return anju.FieldError(field+".finding", "finding is longer than %d characters", MaxFinding)
		}
	}
	for _, it := range c.Items {
		if !seen[it.Key] {
			return anju.FieldError("answers", "item %q (%s) is not answered", it.Key, it.Text)
		}
	}
	return nil
}

// CheckPhotos checks the items photos came with against valid answers
// (ValidateAnswers): a photo is evidence of a finding, carried by its
// rectification case, so photos go with failed items only. EINVALID on
// "photos" names the item at fault.
func CheckPhotos(c Checklist, answers []Answer, items []string) error {
	failed := map[string]bool{}
	for _, a := range answers {
		failed[a.Item] = a.Result == Fail
	}
	for _, item := range items {
		if _, ok := c.Item(item); !ok {
			return anju.FieldError("photos", "item %q is not on the %s checklist", item, c.Type)
		}
		if !failed[item] {
			return anju.FieldError("photos", "item %q did not fail: photos go with findings", item)
		}
	}
	return nil
}
