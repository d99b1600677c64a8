package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/photo"
	"anju/internal/store"
	"anju/internal/upload"
)

// decodeSubmission reads a case intake or an action into v: a JSON body, or
// multipart/form-data (upload.ReadForm) whose text fields are the JSON's
// fields — nested ones by their dotted path, as errors name them
// (reporter.name) — and whose "photos" parts are photos, processed into
// *photos. The caller has checked that the actor may submit.
func decodeSubmission(w http.ResponseWriter, r *http.Request, v any, photos *[]photo.Photo) error {
	if !upload.IsMultipart(r) {
		return decodeJSON(w, r, v, maxBody)
	}
	form, err := upload.ReadForm(w, r)
	if err != nil {
		return err
	}
	if err := decodeFormFields(form.Values, v); err != nil {
		return err
	}
	*photos = form.Photos
	return nil
}

// decodeFormFields decodes form values into v through the JSON decoder, so
// that a form and a JSON body are held to the same rules and answered with
// the same messages: each value is written as the JSON kind of the field it
// names, an unknown name is refused, and empty values are left out, as a
// form sends every field it shows.
func decodeFormFields(vals map[string][]string, v any) error {
	obj := map[string]any{}
	t := reflect.TypeOf(v).Elem()
	for name, vs := range vals {
		path := strings.Split(name, ".")
		ft, ok := jsonFieldType(t, path)
		if !ok {
			return &anju.Error{Code: anju.EINVALID, Field: name, Message: "unknown field " + strconv.Quote(name)}
		}
		var val any
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String {
			list := []string{}
			for _, s := range vs {
				if s != "" {
					list = append(list, s)
				}
			}
			val = list
		} else {
			if len(vs) > 1 {
				return anju.FieldError(name, "%s is given more than once", name)
			}
			if vs[0] == "" {
				continue
			}
			var err error
			if val, err = formValue(name, vs[0], ft); err != nil {
				return err
			}
		}
		node := obj
		for _, k := range path[:len(path)-1] {
			next, _ := node[k].(map[string]any)
			if next == nil {
				next = map[string]any{}
				node[k] = next
			}
			node = next
		}
		node[path[len(path)-1]] = val
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	return checkText(v)
}

// formValue is s as the JSON value of a field of type t.
func formValue(name, s string, t reflect.Type) (any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return s, nil
	}
	switch t.Kind() {
	case reflect.String:
		return s, nil
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, anju.FieldError(name, "%s must be true or false", name)
		}
		return b, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n int64
		if !jsonNumber(s, &n) {
			return nil, anju.FieldError(name, "%s must be an integer", name)
		}
		return json.Number(s), nil
	case reflect.Float32, reflect.Float64:
		var f float64
		if !jsonNumber(s, &f) {
			return nil, anju.FieldError(name, "%s must be a number", name)
		}
		return json.Number(s), nil
	}
	return nil, anju.FieldError(name, "%s cannot be sent as a form field; send JSON", name)
}

// jsonNumber tells whether s is a number as JSON writes it (strconv would
// also take "+1", "007", "NaN", "Inf" and hexadecimal) that fits dst.
func jsonNumber(s string, dst any) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && s == strings.TrimSpace(s) && json.Unmarshal([]byte(s), dst) == nil
}

// jsonFieldType finds the type of the field at the JSON path in struct
// type t, looking into embedded structs as encoding/json does.
func jsonFieldType(t reflect.Type, path []string) (reflect.Type, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || (f.Anonymous && f.Tag.Get("json") == "") {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name != path[0] {
			continue
		}
		if len(path) == 1 {
			return f.Type, true
		}
		return jsonFieldType(f.Type, path[1:])
	}
	return nil, false
}

// handleCasePhotos lists a case's photos the actor may see.
func (s *API) handleCasePhotos(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ps, err := s.db.CasePhotos(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"photos": ps})
}

func photoID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("photo"), 10, 64)
	if err != nil || id <= 0 {
		return 0, anju.Errorf(anju.ENOTFOUND, "photo %q not found", r.PathValue("photo"))
	}
	return id, nil
}

// handlePhoto serves a photo, or its thumbnail, under its case's scope.
func (s *API) handlePhoto(thumb bool) func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
		id, err := photoID(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p, err := s.db.PhotoContent(r.Context(), a, id, thumb)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		servePhoto(w, r, p)
	}
}

// handleTrackedPhoto serves a public photo of the case with the tracking
// code, which is the credential, as for handleTrack.
func (s *API) handleTrackedPhoto(thumb bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := photoID(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p, err := s.db.TrackedPhoto(r.Context(), r.PathValue("code"), id, thumb)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		servePhoto(w, r, p)
	}
}

// servePhoto answers with the JPEG. Its bytes never change, so it may be
// kept for a year and revalidated by its ETag (304, after the access check);
// "private" keeps it out of shared caches, since who may see it depends on
// who asks. http.ServeContent also answers Range requests.
func servePhoto(w http.ResponseWriter, r *http.Request, p store.PhotoContent) {
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", p.ETag())
	name := "photo-" + strconv.FormatInt(p.ID, 10)
	if p.Thumb {
		name += "-thumb"
	}
	h.Set("Content-Disposition", `inline; filename="`+name+`.jpg"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(p.Data))
}
