// Package taxonomy is a city's tree of case categories (诉求分类): what a
// case is about, which kind of case it opens by default, how urgent it
// usually is, the response and resolution deadlines per priority, and the
// level of the department that normally handles it.
//
// Codes are digits only, so they mean the same in every language and sort in
// tree order: a group is two digits ("01" to "99"), a second-level category
// adds two ("0102"), and an optional third level two more ("010203"). A
// category's parent is its code without the last two digits. Cases are filed
// under leaves.
//
// A category is never deleted, only deactivated, so that every case keeps a
// valid reference; each saved edit raises its Version (see Change and
// Tree.Update). Default is the taxonomy a new city starts with, modelled on
// 12345 hotline practice and the event classes of digital urban management
// (GB/T 30428).
//
// The package is pure: standard library and the anju, deadline and cases
// packages only.
package taxonomy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/deadline"
)

// Levels of the department that handles a category by default. They are the
// levels of the region tree above the grid: a case starts at the lowest
// level that can handle it and moves up only by escalation.
const (
	LevelCommunity = "community" // 社区（村）居委会
	LevelStreet    = "street"    // 街道（乡镇）
	LevelDistrict  = "district"  // 区（县）职能部门
	LevelCity      = "city"      // 市级职能部门
)

// DepartmentLevels lists every department level, lowest first.
var DepartmentLevels = []string{LevelCommunity, LevelStreet, LevelDistrict, LevelCity}

// Priorities are the priorities every leaf must have deadlines for.
var Priorities = []cases.Priority{cases.PriorityNormal, cases.PriorityUrgent}

// MaxDepth is the number of levels a code may have.
const MaxDepth = 3

// Category is one node of the taxonomy.
type Category struct {
	// Code is two digits per level; see the package comment.
	Code string `json:"code"`
	// Parent is the code of the parent group, empty for a top-level group.
	// It must be Code without its last two digits.
	Parent string `json:"parent,omitempty"`
	// Name is the Chinese name, NameEn the English one.
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
	// Kind is the kind of case a report in this category opens by default.
	Kind cases.Kind `json:"kind"`
	// Leaf says the category takes cases and has no children. It is set
	// explicitly, so that a leaf cannot gain children by accident: it must
	// first be turned into a group.
	Leaf bool `json:"leaf"`
	// DefaultPriority is the priority a new case gets unless the operator
	// says otherwise.
	DefaultPriority cases.Priority `json:"default_priority"`
	// Deadlines holds the response and resolution periods per priority. A
	// priority not listed is inherited from the nearest ancestor that lists
	// it, the way deadline.Policy.Lookup searches; every leaf must end up
	// with both priorities.
	Deadlines map[cases.Priority]deadline.Deadlines `json:"deadlines,omitempty"`
	// DepartmentLevel is one of DepartmentLevels: the level of the
	// department that handles such a case by default.
	DepartmentLevel string `json:"department_level"`
	// Public says the city shows cases of this category in the public list
	// and map (see Public, which has the last word). Only a request
	// category may carry it.
	Public bool `json:"public,omitempty"`
	// Version starts at 1 and is raised by every change (see Change).
	Version int `json:"version"`
	// Active is false for a retired category: old cases keep pointing at
	// it, new cases cannot be filed under it.
	Active bool `json:"active"`
}

// codePattern is one to MaxDepth segments of two digits, none of them "00".
var codePattern = regexp.MustCompile(`^(?:0[1-9]|[1-9][0-9]){1,3}$`)

// ValidCode reports whether code is a well-formed category code.
func ValidCode(code string) bool { return codePattern.MatchString(code) }

// Depth returns the level of a well-formed code: 1 for a group, 2 or 3 below.
func Depth(code string) int { return len(code) / 2 }

// ParentCode returns the code of the parent of a well-formed code, or "" for
// a top-level group.
func ParentCode(code string) string {
	if len(code) <= 2 {
		return ""
	}
	return code[:len(code)-2]
}

// clone returns a copy of c that shares no map with it.
func (c Category) clone() Category {
	if c.Deadlines != nil {
		c.Deadlines = maps.Clone(c.Deadlines)
	}
	return c
}

// invalid builds the EINVALID error for a category, naming its code and the
// field at fault.
func invalid(code, field, format string, args ...any) *anju.Error {
	return anju.FieldError(field, "category %q: %s", code, fmt.Sprintf(format, args...))
}

// Validate checks a category on its own, without its tree: the code, that
// the parent is the code's prefix, names, kind, default priority, department
// level, version, and every deadline it lists. It returns EINVALID naming the
// code and the field.
func (c Category) Validate() error {
	if !ValidCode(c.Code) {
		return invalid(c.Code, "code", "a code is 2, 4 or 6 digits, each pair from 01 to 99")
	}
	if want := ParentCode(c.Code); c.Parent != want {
		if want == "" {
			return invalid(c.Code, "parent", "a two-digit group has no parent, not %q", c.Parent)
		}
		return invalid(c.Code, "parent", "the parent must be %q, the code without its last two digits, not %q", want, c.Parent)
	}
	if Depth(c.Code) == MaxDepth && !c.Leaf {
		return invalid(c.Code, "leaf", "a category at level %d must be a leaf", MaxDepth)
	}
	if strings.TrimSpace(c.Name) == "" {
		return invalid(c.Code, "name", "the name is empty")
	}
	if strings.TrimSpace(c.NameEn) == "" {
		return invalid(c.Code, "name_en", "the English name is empty")
	}
	if !c.Kind.Valid() {
		return invalid(c.Code, "kind", "unknown kind %q", c.Kind)
	}
	if !c.DefaultPriority.Valid() {
		return invalid(c.Code, "default_priority", "unknown priority %q", c.DefaultPriority)
	}
	if !slices.Contains(DepartmentLevels, c.DepartmentLevel) {
		return invalid(c.Code, "department_level", "department level %q is none of %s", c.DepartmentLevel, strings.Join(DepartmentLevels, ", "))
	}
	if c.Public && c.Kind != cases.KindRequest {
		return invalid(c.Code, "public", "only request categories can be public; a %s is never shown publicly", c.Kind)
	}
	if c.Version < 1 {
		return invalid(c.Code, "version", "the version starts at 1, not %d", c.Version)
	}
	for _, p := range slices.Sorted(maps.Keys(c.Deadlines)) {
		if err := validateDeadlines(c.Code, p, c.Deadlines[p]); err != nil {
			return err
		}
	}
	return nil
}

func validateDeadlines(code string, p cases.Priority, d deadline.Deadlines) error {
	if !p.Valid() {
		return invalid(code, "deadlines", "deadlines for unknown priority %q", p)
	}
	if err := d.Validate(); err != nil {
		return invalid(code, "deadlines", "%s: %s", p, anju.ErrorMessage(err))
	}
	if approxHours(d.Response) > approxHours(d.Resolution) {
		return invalid(code, "deadlines", "%s: the response period (%d %s) is longer than the resolution period (%d %s)",
			p, d.Response.Amount, d.Response.Unit, d.Resolution.Amount, d.Resolution.Unit)
	}
	return nil
}

// approxHours is the rough elapsed time of a period in hours, only for
// comparing periods in different units: a working day is taken as 7/5 of a
// calendar day (five working days a week) and a working hour as 1/7 of a
// working day (seven office hours a day). Holidays make real periods longer,
// which does not matter for telling a response period from a longer
// resolution period.
func approxHours(d deadline.Duration) float64 {
	n := float64(d.Amount)
	switch d.Unit {
	case deadline.WorkingDays:
		return n * 24 * 7 / 5
	case deadline.WorkingHours:
		return n * 24 * 7 / 5 / 7
	case deadline.CalendarDays:
		return n * 24
	default: // deadline.Hours
		return n
	}
}

// equal reports whether a and b say the same thing, Version aside. A nil and
// an empty deadline map are the same.
func equal(a, b Category) bool {
	return a.Code == b.Code && a.Parent == b.Parent && a.Name == b.Name && a.NameEn == b.NameEn &&
		a.Kind == b.Kind && a.Leaf == b.Leaf && a.DefaultPriority == b.DefaultPriority &&
		a.DepartmentLevel == b.DepartmentLevel && a.Active == b.Active && a.Public == b.Public &&
		maps.Equal(a.Deadlines, b.Deadlines)
}

// Change checks an edit of the category old into next and returns what is to
// be saved: old itself, unchanged, when next says the same thing, otherwise
// next with Version old.Version+1. next must carry the version it was edited
// from.
//
// Returns EINVALID if next is not a valid category or changes the code (a
// category cannot move or be renumbered; retire it and add a new one), and
// ECONFLICT if next.Version is not old.Version (the edit started from a stale
// copy). A leaf may become a group and a group a leaf, and a category may be
// deactivated or reactivated; whether that fits the rest of the tree (a group
// turned leaf must have no children) is checked by NewTree and Tree.Update.
// There is no deletion: set Active to false. A petition category's
// deadlines cannot change (EINVALID on deadlines), nor can a category take
// or leave the petition kind with other deadlines: petitions run the
// statute's clock (package petition), which no city edits, so editable
// periods would say what does not happen.
func Change(old, next Category) (Category, error) {
	if next.Code != old.Code {
		return Category{}, invalid(old.Code, "code", "a category's code cannot change (to %q); deactivate it and add a new one", next.Code)
	}
	if next.Version != old.Version {
		return Category{}, anju.Errorf(anju.ECONFLICT, "category %q: edited from version %d, but the current version is %d", old.Code, next.Version, old.Version)
	}
	if err := next.Validate(); err != nil {
		return Category{}, err
	}
	if (old.Kind == cases.KindPetition || next.Kind == cases.KindPetition) && !maps.Equal(old.Deadlines, next.Deadlines) {
		return Category{}, invalid(old.Code, "deadlines", "a petition's periods are set by the 信访工作条例 (the written notice within 15 days, "+
			"the conclusion within 60 days of acceptance, one extension of at most 30 days, reviews within 30 days), not by the taxonomy: they cannot be edited")
	}
	if equal(old, next) {
		return old.clone(), nil
	}
	next = next.clone()
	next.Version = old.Version + 1
	return next, nil
}

// Public reports whether a case of kind filed under category c may be shown
// to everyone (the public list and map, "me too"): only a request, and only
// under a request category the city marked public. Disputes, hazards,
// petitions and anything about a person's own circumstances never are,
// whatever the flag says. This is the one rule; the store's public list
// applies it in SQL through PublicCodes and PublicKind.
func Public(c Category, kind cases.Kind) bool {
	return c.Public && c.Kind == PublicKind && kind == PublicKind
}

// PublicKind is the only kind of case ever shown publicly.
const PublicKind = cases.KindRequest
