package web

import (
	"anju/internal/department"
	"anju/internal/store"
)

// departmentGroup is the departments of one type, as a dispatch select
// offers them under the type's name (an <optgroup>).
type departmentGroup struct {
	Label       string
	Departments []store.Department
}

// departmentsByType groups departments by type, government first then in
// the order of department.Types, each group in the order given (the store
// orders those serving a case by category, then nearness). Empty types are
// left out.
func departmentsByType(v *View, ds []store.Department) []departmentGroup {
	var out []departmentGroup
	for _, t := range department.Types {
		g := departmentGroup{Label: v.T(t.MessageKey())}
		for _, d := range ds {
			if d.Type == t {
				g.Departments = append(g.Departments, d)
			}
		}
		if len(g.Departments) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// departmentChoices are departments as the workbench's choice groups.
func departmentChoices(v *View, ds []store.Department) []choiceGroup {
	var out []choiceGroup
	for _, g := range departmentsByType(v, ds) {
		cg := choiceGroup{Label: g.Label}
		for _, d := range g.Departments {
			cg.Options = append(cg.Options, choice{Value: d.Code, Label: d.Name})
		}
		out = append(out, cg)
	}
	return out
}
