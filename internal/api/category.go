package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/deadline"
	"anju/internal/store"
	"anju/internal/taxonomy"
)

func (s *API) handleCategories(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	tree, err := s.db.Taxonomy(r.Context(), a.City)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": categoryNodes(tree, "")})
}

// categoryNode is a category with its resolved deadlines and children.
type categoryNode struct {
	taxonomy.Category
	Deadlines map[cases.Priority]deadline.Deadlines `json:"deadlines"`
	Children  []categoryNode                        `json:"children,omitempty"`
}

func categoryNodes(tree *taxonomy.Tree, parent string) []categoryNode {
	var kids []taxonomy.Category
	if parent == "" {
		kids = tree.Roots()
	} else {
		kids = tree.Children(parent)
	}
	out := make([]categoryNode, 0, len(kids))
	for _, c := range kids {
		n := categoryNode{Category: c, Deadlines: map[cases.Priority]deadline.Deadlines{}}
		for _, p := range []cases.Priority{cases.PriorityNormal, cases.PriorityUrgent} {
			if d, err := tree.Deadlines(c.Code, p); err == nil {
				n.Deadlines[p] = d
			}
		}
		if !c.Leaf {
			n.Children = categoryNodes(tree, c.Code)
		}
		out = append(out, n)
	}
	return out
}

func (s *API) handleSaveCategory(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in taxonomy.Category
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Code == "" {
		in.Code = r.PathValue("code")
	}
	if in.Code != r.PathValue("code") {
		s.writeError(w, r, anju.FieldError("code", "code in the body differs from the URL"))
		return
	}
	c, err := s.db.SaveCategory(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *API) handleCalendarDay(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Kind deadline.DayKind `json:"kind"`
		Note string           `json:"note"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.db.SetCalendarDay(r.Context(), a, r.PathValue("date"), in.Kind, in.Note); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *API) handleSaveSubscription(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in store.Subscription
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	sub, err := s.db.SaveSubscription(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sub)
}
