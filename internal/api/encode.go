package api

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

// maxBody bounds every JSON request body; imports have their own larger limit.
const maxBody = 1 << 20

// errorBody is the one shape of every API error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// writeError answers with the error's status and JSON body; internal errors
// are logged with their detail and shown to the client only generically.
func (s *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = store.Transient(err)
	code := anju.ErrorCode(err)
	s.logFailure(w, r, err)
	var body errorBody
	body.Error.Code = code
	body.Error.Message = anju.ErrorMessage(err)
	body.Error.Field = anju.ErrorField(err)
	writeJSON(w, httpx.Status(code), body)
}

// logFailure logs an error that is the server's, not the client's: internal
// errors, and a busy or failing database, which the client is told to retry
// (Retry-After) while the log keeps the cause.
func (s *API) logFailure(w http.ResponseWriter, r *http.Request, err error) {
	switch anju.ErrorCode(err) {
	case anju.EINTERNAL:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case anju.EUNAVAILABLE:
		w.Header().Set("Retry-After", "1")
		s.log.WarnContext(r.Context(), "request refused: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// WriteError is writeError for the server's middleware (a bad token, a
// panic), so that every API error has one shape and one log line.
func (s *API) WriteError(w http.ResponseWriter, r *http.Request, err error) { s.writeError(w, r, err) }

// WriteJSON is writeJSON for the server's own routes (healthz, readyz).
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decodeJSON reads exactly one JSON object into v, refusing unknown fields,
// trailing data and bodies over limit, with messages a client can act on.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return anju.Errorf(anju.EINVALID, "Content-Type must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return anju.Errorf(anju.EINVALID, "request body must hold one JSON object and nothing after it")
	}
	return checkText(v)
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return anju.Errorf(anju.ETOOLARGE, "request body is larger than %d bytes", maxErr.Limit)
	case errors.As(err, &typeErr):
		// The client knows JSON, not Go: name the field's path and the JSON
		// kind it takes, never the Go type behind it.
		if typeErr.Field == "" {
			return anju.Errorf(anju.EINVALID, "request body must be %s, not %s", jsonKind(typeErr.Type), typeErr.Value)
		}
		return &anju.Error{Code: anju.EINVALID, Field: typeErr.Field,
			Message: fmt.Sprintf("field %s must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return anju.Errorf(anju.EINVALID, "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.EOF):
		return anju.Errorf(anju.EINVALID, "request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return anju.Errorf(anju.EINVALID, "malformed JSON: body ends early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &anju.Error{Code: anju.EINVALID, Field: field, Message: fmt.Sprintf("unknown field %q", field)}
	}
	return anju.Errorf(anju.EINVALID, "malformed JSON: %v", err)
}

// jsonKind describes in JSON terms what a value of Go type t is written as.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a valid value"
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
