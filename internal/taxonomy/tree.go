package taxonomy

import (
	"slices"
	"strings"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/deadline"
)

// Tree is a validated taxonomy. It is immutable once built and safe for
// concurrent use; every method returns copies.
type Tree struct {
	all      []Category // sorted by code, which is tree order
	byCode   map[string]int
	children map[string][]int // "" holds the top-level groups
}

// NewTree validates cats as one whole taxonomy and builds its tree. The
// order of cats does not matter.
//
// Returns EINVALID, naming the category code and the field, if a category
// is invalid on its own (see Category.Validate), a code is listed twice, a
// parent is missing or is a leaf, a group has no children, two siblings share
// a name, an active category sits under an inactive one, or a leaf has no
// deadlines for some priority either itself or through its ancestors.
func NewTree(cats []Category) (*Tree, error) {
	t := &Tree{
		all:      make([]Category, 0, len(cats)),
		byCode:   make(map[string]int, len(cats)),
		children: map[string][]int{},
	}
	for _, c := range cats {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		t.all = append(t.all, c.clone())
	}
	slices.SortFunc(t.all, func(a, b Category) int { return strings.Compare(a.Code, b.Code) })
	for i, c := range t.all {
		if _, dup := t.byCode[c.Code]; dup {
			return nil, invalid(c.Code, "code", "the code is listed twice")
		}
		t.byCode[c.Code] = i
	}
	// Codes sort parents before children, so each parent is checked before
	// its children are attached to it.
	for i, c := range t.all {
		if c.Parent != "" {
			pi, ok := t.byCode[c.Parent]
			if !ok {
				return nil, invalid(c.Code, "parent", "parent %q does not exist", c.Parent)
			}
			p := t.all[pi]
			if p.Leaf {
				return nil, invalid(c.Code, "parent", "parent %q is a leaf; make it a group (leaf=false) first", c.Parent)
			}
			if c.Active && !p.Active {
				return nil, invalid(c.Code, "active", "an active category cannot sit under the inactive %q", c.Parent)
			}
		}
		for _, j := range t.children[c.Parent] {
			if t.all[j].Name == c.Name {
				return nil, invalid(c.Code, "name", "%q is also the name of its sibling %q", c.Name, t.all[j].Code)
			}
		}
		t.children[c.Parent] = append(t.children[c.Parent], i)
	}
	for _, c := range t.all {
		if !c.Leaf && len(t.children[c.Code]) == 0 {
			return nil, invalid(c.Code, "leaf", "a group must have children; mark it a leaf if it takes cases itself")
		}
		if c.Leaf {
			for _, p := range Priorities {
				if _, err := t.Deadlines(c.Code, p); err != nil {
					return nil, invalid(c.Code, "deadlines", "no %s deadlines on the category or any of its groups", p)
				}
			}
		}
	}
	return t, nil
}

// Len returns the number of categories, active or not.
func (t *Tree) Len() int { return len(t.all) }

// All returns every category in code order, which is tree order: each group
// is followed by its descendants.
func (t *Tree) All() []Category {
	out := make([]Category, len(t.all))
	for i, c := range t.all {
		out[i] = c.clone()
	}
	return out
}

// Get returns the category with the given code. Returns ENOTFOUND if there
// is none.
func (t *Tree) Get(code string) (Category, error) {
	i, ok := t.byCode[code]
	if !ok {
		return Category{}, anju.Errorf(anju.ENOTFOUND, "category %q does not exist", code)
	}
	return t.all[i].clone(), nil
}

// Children returns the direct children of code in code order; none for a
// leaf or an unknown code.
func (t *Tree) Children(code string) []Category {
	if code == "" {
		return nil
	}
	return t.pick(t.children[code])
}

// Roots returns the top-level groups in code order.
func (t *Tree) Roots() []Category { return t.pick(t.children[""]) }

// Leaves returns every leaf, active or not, in code order.
func (t *Tree) Leaves() []Category {
	var out []Category
	for _, c := range t.all {
		if c.Leaf {
			out = append(out, c.clone())
		}
	}
	return out
}

// PublicCodes returns the codes of the leaves whose cases may be public
// (Public), in code order.
func (t *Tree) PublicCodes() []string {
	var out []string
	for _, c := range t.all {
		if c.Leaf && Public(c, PublicKind) {
			out = append(out, c.Code)
		}
	}
	return out
}

// LeavesUnder returns the leaves at or below code in code order; a leaf
// returns itself and an unknown code nothing.
func (t *Tree) LeavesUnder(code string) []Category {
	if !t.has(code) {
		return nil
	}
	var out []Category
	for _, c := range t.all {
		if c.Leaf && strings.HasPrefix(c.Code, code) {
			out = append(out, c.clone())
		}
	}
	return out
}

// Ancestors returns the groups above code, nearest first (parent, then its
// parent); none for a top-level group or an unknown code.
func (t *Tree) Ancestors(code string) []Category {
	if !t.has(code) {
		return nil
	}
	var out []Category
	for p := ParentCode(code); p != ""; p = ParentCode(p) {
		out = append(out, t.all[t.byCode[p]].clone())
	}
	return out
}

// Lineage returns code followed by the codes of its ancestors, most specific
// first: the argument list deadline.Policy.Lookup expects, as in
// policy.Lookup(priority, tree.Lineage(code)...). It is nil for an unknown
// code.
func (t *Tree) Lineage(code string) []string {
	if !t.has(code) {
		return nil
	}
	var out []string
	for c := code; c != ""; c = ParentCode(c) {
		out = append(out, c)
	}
	return out
}

// Deadlines returns the deadlines for a case of the given priority in the
// category code: the category's own, else those of its nearest ancestor
// that sets them. Every leaf has both priorities. Returns EINVALID for an
// unknown priority and ENOTFOUND for an unknown code or a group on whose
// path no deadlines are set.
func (t *Tree) Deadlines(code string, p cases.Priority) (deadline.Deadlines, error) {
	if !p.Valid() {
		return deadline.Deadlines{}, anju.FieldError("priority", "unknown priority %q", p)
	}
	if !t.has(code) {
		return deadline.Deadlines{}, anju.Errorf(anju.ENOTFOUND, "category %q does not exist", code)
	}
	for c := code; c != ""; c = ParentCode(c) {
		if d, ok := t.all[t.byCode[c]].Deadlines[p]; ok {
			return d, nil
		}
	}
	return deadline.Deadlines{}, anju.Errorf(anju.ENOTFOUND, "category %q has no %s deadlines", code, p)
}

// Policy returns the taxonomy's deadlines as a deadline.Policy: one rule per
// category and priority that the category sets itself, followed by the
// city-wide default rules of deadline.DefaultPolicy, so that the result
// passes Policy.Validate and a case with no category still gets deadlines.
// policy.Lookup(p, tree.Lineage(code)...) then gives the same deadlines as
// tree.Deadlines(code, p).
func (t *Tree) Policy() deadline.Policy {
	var rules []deadline.Rule
	for _, c := range t.all {
		for _, p := range Priorities {
			if d, ok := c.Deadlines[p]; ok {
				rules = append(rules, deadline.Rule{Category: c.Code, Priority: string(p), Deadlines: d})
			}
		}
	}
	return deadline.Policy{Rules: append(rules, deadline.DefaultPolicy().Rules...)}
}

// Update applies a whole edited taxonomy, next, to t and returns the new tree
// and the categories that changed or were added, in code order. Each
// category of t that next lists again goes through Change, so it keeps its
// version if unchanged and gets the next one otherwise; a category new to
// next must have Version 1.
//
// Returns EINVALID if next leaves out a category of t (categories are never
// deleted; deactivate them instead) or fails NewTree, ECONFLICT as Change
// does for an edit made from a stale version.
func (t *Tree) Update(next []Category) (*Tree, []Category, error) {
	seen := make(map[string]bool, len(next))
	saved := make([]Category, 0, len(next))
	var changed []Category
	for _, c := range next {
		if seen[c.Code] {
			return nil, nil, invalid(c.Code, "code", "the code is listed twice")
		}
		seen[c.Code] = true
		i, ok := t.byCode[c.Code]
		if !ok {
			if c.Version != 1 {
				return nil, nil, invalid(c.Code, "version", "a new category starts at version 1, not %d", c.Version)
			}
			saved = append(saved, c)
			changed = append(changed, c.clone())
			continue
		}
		s, err := Change(t.all[i], c)
		if err != nil {
			return nil, nil, err
		}
		if s.Version != t.all[i].Version {
			changed = append(changed, s.clone())
		}
		saved = append(saved, s)
	}
	for _, c := range t.all {
		if !seen[c.Code] {
			return nil, nil, invalid(c.Code, "active", "a category cannot be deleted, since cases may refer to it; deactivate it (active=false)")
		}
	}
	nt, err := NewTree(saved)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(changed, func(a, b Category) int { return strings.Compare(a.Code, b.Code) })
	return nt, changed, nil
}

func (t *Tree) has(code string) bool {
	_, ok := t.byCode[code]
	return ok
}

// pick returns copies of the categories at the given indices.
func (t *Tree) pick(idx []int) []Category {
	out := make([]Category, 0, len(idx))
	for _, i := range idx {
		out = append(out, t.all[i].clone())
	}
	return out
}
