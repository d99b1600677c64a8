// Package meeting holds the rules of the two ways residents meet the people
// who govern them face to face: leaders' reception sessions (领导干部下基层
// 接访), where a resident books a slot and a case may be born, and community
// deliberation meetings (村民说事、民情恳谈), where residents propose topics
// beforehand, minutes are kept and each decision becomes a case. It holds the
// states of a session, a meeting and a proposal with the transitions between
// them as data, the slots a session offers, and the validation of every
// input. It does no I/O: the store persists and queries, then asks this
// package what follows.
package meeting

import (
	"strings"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
)

// Rule is one row of a transition table: Action may be taken in any of the
// From states by any of Roles and leaves the object in To.
type Rule[S ~string, A ~string] = cases.TableRule[S, A]

// Organisers are the staff who arrange sessions and meetings and keep their
// records: leaders (supervisors), dispatchers of the governance centre and
// administrators, each within their area.
var Organisers = []anju.Role{anju.RoleSupervisor, anju.RoleDispatcher, anju.RoleAdmin, cases.RoleSystem}

// Bookers may book a slot for a resident who calls or walks in, within their
// area; residents book for themselves on the portal.
var Bookers = []anju.Role{anju.RoleOperator, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor, cases.RoleSystem}

// Limits of the texts and lists of a session or a meeting.
const (
	MaxTitle    = 100 // a leader's title, a meeting's title
	MaxPlace    = 200
	MaxTopic    = 200 // one topic on a session's or meeting's list
	MaxTopics   = 20
	MaxText     = 1000  // a booking's topic, a proposal, a decision
	MaxMinutes  = 20000 // a meeting's minutes
	MaxName     = 50    // a resident's name
	MaxAttendee = 100000
)

// cleanTopics cleans a list of topics, drops the blank ones and checks the
// bounds; field names the list ("topics").
func cleanTopics(field string, topics []string, required bool) ([]string, error) {
	out := []string{}
	for i, t := range topics {
		t = strings.TrimSpace(anju.CleanText(t))
		if anju.Blank(t) {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTopic {
			return nil, anju.FieldError(field, "topic %d is longer than %d characters", i+1, MaxTopic)
		}
		out = append(out, t)
	}
	switch {
	case len(out) == 0 && required:
		return nil, anju.FieldError(field, "list at least one topic")
	case len(out) > MaxTopics:
		return nil, anju.FieldError(field, "at most %d topics", MaxTopics)
	}
	return out, nil
}

// cleanText cleans s and checks it is present (when required) and bounded.
func cleanText(field string, s *string, max int, required bool, what string) error {
	*s = strings.TrimSpace(anju.CleanText(*s))
	switch {
	case required && anju.Blank(*s):
		return anju.FieldError(field, "%s is required", what)
	case utf8.RuneCountInString(*s) > max:
		return anju.FieldError(field, "%s is longer than %d characters", what, max)
	}
	return nil
}
