// Package anju holds the vocabulary every other package shares: the error type
// with its codes, the acting user and their scope, and the clock. It imports
// nothing but the standard library so that domain packages can depend on it.
package anju

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP edge maps each to a status; nothing else needs to.
const (
	EINVALID       = "invalid"       // bad input: 400 or 422
	ENOTFOUND      = "not_found"     // absent, or outside the actor's scope: 404
	EUNAUTHORIZED  = "unauthorized"  // no or bad credentials: 401
	EFORBIDDEN     = "forbidden"     // visible, but the role may not do this: 403
	ECONFLICT      = "conflict"      // state does not allow it now, or a stale version: 409
	EUNPROCESSABLE = "unprocessable" // well-formed but semantically refused (e.g. idempotency mismatch): 422
	ETOOMANY       = "too_many"      // throttled: 429
	ETOOLARGE      = "too_large"     // body over the limit: 413
	EUNAVAILABLE   = "unavailable"   // the database is busy or failing for now: 503 with Retry-After
	EINTERNAL      = "internal"      // anything else: 500, details only in the log
)

// Error is the one error type that carries a user-facing message. Field names
// the input field at fault, when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an EINVALID error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic message because their text may leak implementation details.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
