package taxonomy

import (
	"slices"
	"strings"
)

// Search returns the active leaves whose names — Chinese or English, their
// own or a group's above them — hold every word of q (English without
// regard to case), in code order, at most limit. An operator types "路灯"
// or "垃圾 清运" and picks from the answer while the caller waits.
func (t *Tree) Search(q string, limit int) []Category {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 || limit <= 0 {
		return nil
	}
	var out []Category
	for _, c := range t.all {
		if !c.Leaf || !c.Active {
			continue
		}
		names := strings.ToLower(c.Name + " " + c.NameEn)
		for p := ParentCode(c.Code); p != ""; p = ParentCode(p) {
			g := t.all[t.byCode[p]]
			names += " " + strings.ToLower(g.Name+" "+g.NameEn)
		}
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(names, w) }) {
			out = append(out, c.clone())
			if len(out) == limit {
				break
			}
		}
	}
	return out
}
