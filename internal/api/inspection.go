package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/httpx"
	"anju/internal/photo"
	"anju/internal/store"
	"anju/internal/upload"
)

func (s *API) handleInspections(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.InspectionFilter{State: hazard.TaskState(q.OneOf("state", "due", "done", "missed")), Region: q.String("region"),
		RiskLevel: hazard.RiskLevel(q.String("risk_level")), HazardID: q.ID("hazard"), DueFrom: q.Day("due_from"), DueTo: q.Day("due_to"),
		Outcome: q.OneOf("outcome", store.OutcomeCounted, store.OutcomeOnTime), Before: q.ID("before"), Limit: q.Int("limit", 50, 1, 200)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.ListInspections(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleInspection(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "inspection")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := s.db.GetInspection(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// handleCompleteInspection takes the answers as JSON, or as a multipart
// form whose field "answers" holds the same JSON array and whose photo
// parts are named photos.<item>: photos of a failed item, which go with its
// rectification case. The task is looked up first, so that nobody's photos
// are read for a task they may not see or may not complete.
func (s *API) handleCompleteInspection(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "inspection")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.db.MayComplete(r.Context(), a, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Answers []hazard.Answer `json:"answers"`
	}
	var photos map[string][]photo.Photo
	if upload.IsMultipart(r) {
		photos, err = readInspectionForm(w, r, &in)
	} else {
		err = decodeJSON(w, r, &in, maxBody)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Answers) > hazard.MaxItems {
		s.writeError(w, r, anju.FieldError("answers", "a checklist has at most %d items", hazard.MaxItems))
		return
	}
	out, err := s.db.CompleteInspection(r.Context(), a, id, in.Answers, photos)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// readInspectionForm reads a multipart completion into v (the JSON body's
// struct) and returns its photos by item.
func readInspectionForm(w http.ResponseWriter, r *http.Request, v any) (map[string][]photo.Photo, error) {
	form, err := upload.ReadTaggedForm(w, r)
	if err != nil {
		return nil, err
	}
	for name := range form.Values {
		if name != "answers" {
			return nil, &anju.Error{Code: anju.EINVALID, Field: name, Message: "unknown field " + strconv.Quote(name)}
		}
	}
	if len(form.Values["answers"]) != 1 {
		return nil, anju.FieldError("answers", "send the answers once, as a JSON array in the field answers")
	}
	// One JSON value, checked as such by Marshal, becomes the body the JSON
	// route would have read, held to the same rules.
	body, err := json.Marshal(struct {
		Answers json.RawMessage `json:"answers"`
	}{json.RawMessage(form.Values.Get("answers"))})
	if err != nil {
		return nil, anju.FieldError("answers", "answers must be a JSON array of {item, result, finding}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, jsonError(err)
	}
	if err := checkText(v); err != nil {
		return nil, err
	}
	photos := map[string][]photo.Photo{}
	for i, p := range form.Photos {
		photos[form.Tags[i]] = append(photos[form.Tags[i]], p)
	}
	return photos, nil
}
