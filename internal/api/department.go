package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/department"
	"anju/internal/httpx"
	"anju/internal/store"
)

func (s *API) handleDepartments(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	ds, err := s.db.ListDepartments(r.Context(), a, store.DepartmentFilter{Region: q.String("region"), Category: q.String("category"),
		Type: department.Type(q.String("type"))})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ds == nil {
		ds = []store.Department{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"departments": ds})
}

func (s *API) handleDepartment(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	d, err := s.db.GetDepartment(r.Context(), a, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *API) handleSaveDepartment(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Name       string          `json:"name"`
		Type       department.Type `json:"type"`
		Region     string          `json:"region"`
		Categories []string        `json:"categories"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.db.SaveDepartment(r.Context(), a, store.Department{Code: r.PathValue("code"), Name: in.Name, Type: in.Type,
		Region: in.Region, Categories: in.Categories})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
