// Package upload reads multipart/form-data submissions that carry photos —
// a report, an action with its result photos — for the JSON API and the web
// pages alike, within fixed bounds: it is the one place where an upload's
// bytes are read.
package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/photo"
)

// Bounds of one submission.
const (
	// MaxText bounds the text fields together (names and values).
	MaxText = 1 << 20
	// MaxFields bounds how many text fields one submission has.
	MaxFields = 100
	// MaxBody bounds the whole request body: the photos, the text, and
	// 64 KB per part for headers and boundaries.
	MaxBody = photo.MaxPerSubmission*photo.MaxBytes + MaxText + (photo.MaxPerSubmission+MaxFields)*(64<<10)
)

// Form is a submission as read: its text fields and its photos, each
// already checked and re-encoded by photo.Process, in the order sent.
type Form struct {
	Values url.Values
	Photos []photo.Photo
	// Tags are, with ReadTaggedForm, what each photo is of, by the part's
	// name after "photos." (photos.leak is a photo of leak), parallel to
	// Photos; nil with ReadForm.
	Tags []string
}

// IsMultipart tells whether r carries multipart/form-data.
func IsMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// ReadForm reads r's multipart/form-data body part by part, never holding
// more than one uploaded file at a time: each part named photo.Field is read
// into one reused buffer of at most photo.MaxBytes and processed at once, so
// that only its re-encoded result (a few hundred KB) is kept. A file part
// left empty, as browsers send an unused file input, is skipped. Call it
// only after the caller is authorised to submit.
//
// A refused photo does not stop the reading: the remaining text fields are
// still read (and further photos skipped), so that a form can be shown again
// with what was typed; ReadForm then returns the Form with that first error.
// A body over MaxBody or not multipart at all returns a nil Form. Errors are
// *anju.Error or *photo.Error: 400 for malformed input, 413 for a file or a
// body too large.
func ReadForm(w http.ResponseWriter, r *http.Request) (*Form, error) { return readForm(w, r, false) }

// ReadTaggedForm is ReadForm for a submission whose photos are each of
// something named: a photo part is named photo.Field+"."+tag (photos.leak,
// for an inspection's item leak), and Form.Tags holds each photo's tag. A
// part named photo.Field alone is refused, as is an empty or malformed
// tag; the bounds are ReadForm's, over all the photos together.
func ReadTaggedForm(w http.ResponseWriter, r *http.Request) (*Form, error) {
	return readForm(w, r, true)
}

// tagPrefix begins the name of a tagged photo part.
const tagPrefix = photo.Field + "."

// maxTag bounds a tag's length.
const maxTag = 64

func readForm(w http.ResponseWriter, r *http.Request, tagged bool) (*Form, error) {
	if !IsMultipart(r) {
		return nil, anju.Errorf(anju.EINVALID, "Content-Type must be multipart/form-data")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, anju.Errorf(anju.EINVALID, "malformed multipart body: %v", err)
	}
	f := &Form{Values: url.Values{}}
	var refused error
	var buf bytes.Buffer
	text, fields, photos := 0, 0, 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return f, refused
		}
		if err != nil {
			return nil, bodyError(err)
		}
		name := part.FormName()
		if name == "" {
			return nil, anju.Errorf(anju.EINVALID, "a multipart part without a form field name")
		}
		tag, isTagged := strings.CutPrefix(name, tagPrefix)
		isTagged = isTagged && tagged
		if tagged && name == photo.Field {
			return nil, anju.FieldError(photo.Field, "name each photo part %s<what it is of> here, not %s", tagPrefix, name)
		}
		if isTagged && (tag == "" || len(tag) > maxTag || !httpx.PlainText(tag)) {
			return nil, anju.FieldError(photo.Field, "a photo part's name must be %s followed by what it is of", tagPrefix)
		}
		if name == photo.Field || isTagged {
			if buf.Cap() == 0 {
				// Room for the largest file up front: ReadFrom then never
				// grows the buffer by copying, which would hold up to three
				// times the file at once.
				buf.Grow(photo.MaxBytes + 1 + bytes.MinRead)
			}
			buf.Reset()
			n, err := buf.ReadFrom(io.LimitReader(part, photo.MaxBytes+1))
			if err != nil {
				return nil, bodyError(err)
			}
			if n == 0 && part.FileName() == "" {
				continue // a file input left empty
			}
			photos++
			if refused != nil {
				continue
			}
			switch {
			case photos > photo.MaxPerSubmission:
				refused = photo.Numbered(photo.TooMany(), photos)
			case n > photo.MaxBytes:
				refused = photo.Numbered(photo.TooLarge(), photos)
			default:
				p, err := photo.Process(buf.Bytes())
				if err != nil {
					refused = photo.Numbered(err, photos)
					continue
				}
				f.Photos = append(f.Photos, p)
				if tagged {
					f.Tags = append(f.Tags, tag)
				}
			}
			continue
		}
		if part.FileName() != "" {
			return nil, anju.FieldError(name, "only %s may be sent as files; %s is a text field", photo.Field, name)
		}
		fields++
		if fields > MaxFields {
			return nil, anju.Errorf(anju.EINVALID, "more than %d form fields", MaxFields)
		}
		text += len(name)
		b, err := io.ReadAll(io.LimitReader(part, int64(MaxText-text+1)))
		if err != nil {
			return nil, bodyError(err)
		}
		if text += len(b); text > MaxText {
			return nil, anju.Errorf(anju.ETOOLARGE, "the text fields are larger than %d bytes together", MaxText)
		}
		if !httpx.PlainText(name) || !httpx.PlainText(string(b)) {
			return nil, anju.FieldError(name, "%s must be UTF-8 text without NUL characters", name)
		}
		f.Values.Add(name, string(b))
	}
}

// bodyError names a body that ended early or ran over MaxBody.
func bodyError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return anju.Errorf(anju.ETOOLARGE, "request body is larger than %d MB: at most %d photos of %d MB each", maxErr.Limit>>20,
			photo.MaxPerSubmission, photo.MaxBytes>>20)
	}
	return anju.Errorf(anju.EINVALID, "malformed multipart body: %s", strings.TrimPrefix(fmt.Sprint(err), "multipart: "))
}
