package server

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/deadline"
	"anju/internal/store"
	"anju/internal/taxonomy"
	"anju/internal/upload"
)

func (s *Server) handleCreateCase(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	// Before the body, which may be 60 MB of photos.
	if err := store.MayFileCases(a); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in store.NewCase
	if err := decodeSubmission(w, r, &in, &in.Photos); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, created, err := s.db.CreateCase(r.Context(), a, in, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	// The answer is the case with, beside its fields, the open cases it
	// probably duplicates, for the operator to merge. The case is stored
	// already: a failure here only leaves the list empty.
	similar, err := s.db.DuplicatesOf(r.Context(), a, c, 5)
	if err != nil {
		s.log.WarnContext(r.Context(), "similar cases at intake", "case", c.ID, "err", err)
		similar = []store.SimilarCase{}
	}
	// And the categories and departments the city's own history suggests,
	// for the operator to confirm or correct the routing.
	sugg, err := s.db.Suggest(r.Context(), a, c.Title, c.Text, c.Grid.Code)
	if err != nil {
		s.log.WarnContext(r.Context(), "suggestions at intake", "case", c.ID, "err", err)
		sugg = store.Suggestions{Categories: []store.Suggested{}, Departments: []store.Suggested{}}
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, status, struct {
		store.Case
		Similar     []store.SimilarCase `json:"similar"`
		Suggestions store.Suggestions   `json:"suggestions"`
	}{c, similar, sugg})
}

// handleSuggest answers the operator's form before a category is chosen.
func (s *Server) handleSuggest(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Title string   `json:"title"`
		Text  string   `json:"text"`
		Grid  string   `json:"grid"`
		Lat   *float64 `json:"lat"`
		Lon   *float64 `json:"lon"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Lat != nil && in.Lon != nil && in.Grid == "" {
		if code, err := s.db.LocateGrid(r.Context(), a, *in.Lon, *in.Lat); err == nil {
			in.Grid = code
		}
	}
	sugg, err := s.db.Suggest(r.Context(), a, in.Title, in.Text, in.Grid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sugg)
}

func (s *Server) handleTrainModels(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	ms, err := s.db.TrainSuggestionModels(r.Context(), a, a.City)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"models": ms})
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	ms, err := s.db.SuggestionModels(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": ms})
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, anju.Errorf(anju.ENOTFOUND, "case %q not found", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) handleCase(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.db.GetCase(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// caseFilter reads the filters GET /api/v1/cases, /api/v1/queues and
// /api/v1/search share (store.CaseFilterFromQuery, which the workbench page
// reads too).
func caseFilter(r *http.Request) (store.CaseFilter, error) {
	return store.CaseFilterFromQuery(r.URL.Query())
}

// handleCases answers GET /api/v1/cases: a page of the caller's cases, or
// of one workbench queue (queue=), with the filters of caseFilter. The
// answer's next, passed as before=, reads the following page.
func (s *Server) handleCases(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f, err := caseFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.db.ListCases(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// handleQueues answers GET /api/v1/queues: the count of each workbench
// queue the caller sees, under the filters of caseFilter.
func (s *Server) handleQueues(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f, err := caseFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	counts, err := s.db.QueueCounts(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": counts})
}

// handleDispatchCases answers POST /api/v1/cases/dispatch: each of the
// selected cases is dispatched on its own (store.DispatchCases), and the
// answer reports each one.
func (s *Server) handleDispatchCases(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		IDs        []int64         `json:"ids"`
		Versions   map[int64]int64 `json:"versions"`
		Department string          `json:"department"`
		Note       string          `json:"note"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.db.DispatchCases(r.Context(), a, in.IDs, in.Versions, in.Department, cases.Input{Note: in.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
}

func (s *Server) handleCaseAction(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	action := cases.Action(r.PathValue("action"))
	if !validAction(action) {
		s.writeError(w, r, anju.Errorf(anju.ENOTFOUND, "no such action %q", action))
		return
	}
	var in store.ActionInput
	if upload.IsMultipart(r) {
		// Before the body, which may be 60 MB of photos: the case must be
		// visible and the action open to the actor now.
		if err := s.db.MayAct(r.Context(), a, id, action); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if r.ContentLength != 0 {
		if err := decodeSubmission(w, r, &in, &in.Photos); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	c, err := s.db.Act(r.Context(), a, id, action, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func validAction(a cases.Action) bool {
	for _, x := range cases.Actions {
		if x == a {
			return true
		}
	}
	return false
}

func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	es, err := s.db.History(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": es})
}

func (s *Server) handleUnmask(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.db.UnmaskReporter(r.Context(), a, id, in.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // the reporter's personal data
	writeJSON(w, http.StatusOK, map[string]string{"name": d.Name, "phone": d.Phone, "id_number": d.IDNumber, "address": d.Address})
}

// handleTrack is public: the tracking code is the credential.
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	t, err := s.db.Track(r.Context(), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
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

func (s *Server) handleSaveCategory(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
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

func (s *Server) handleCalendarDay(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
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

func (s *Server) handleSaveSubscription(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
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
