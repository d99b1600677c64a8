// Package export writes a table — a header and rows streamed one at a
// time — as CSV, XLSX or GeoJSON, for every list, ranking and figure table
// a reader may download. It knows nothing of the store: a table is its
// header and a function that yields the rows, each read, written and
// dropped before the next, so that an export of a million rows takes the
// memory of one.
//
// Cells are typed. A string is text; ints and floats are numbers; a
// time.Time is a date and time in its own location (callers pass the
// city's clock); nil and a zero time are empty; an orb.Geometry is the
// feature's geometry in GeoJSON and its WKT text elsewhere. Pointers to
// these are read through, nil as empty.
//
// Formula injection (OWASP "CSV injection"): a spreadsheet runs a text
// cell that begins with = + - @ (or a tab or carriage return, which some
// strip before looking) as a formula. Every text cell that begins with one
// of them, or with its full-width form, is written with a leading
// apostrophe, in CSV and XLSX alike, and in GeoJSON's properties too, since
// a GeoJSON file is opened in spreadsheets as well. Only text is
// neutralised: a number such as -3 is written as the number it is, since
// the cell's type says it is no formula — the reason cells are typed
// rather than written as strings.
package export

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"anju/internal/anju"
)

// Format is a file format of an export.
type Format string

const (
	CSV     Format = "csv"
	XLSX    Format = "xlsx"
	GeoJSON Format = "geojson"
)

// Formats lists every format.
var Formats = []Format{CSV, XLSX, GeoJSON}

// ContentType is the format's media type.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case GeoJSON:
		return "application/geo+json"
	}
	return "application/octet-stream"
}

// ParseFormat reads the format= of a request: "" when none is asked for
// (the page or JSON as usual), EINVALID on field "format" for a format
// that is not one of allowed (every format when allowed is empty).
func ParseFormat(s string, allowed ...Format) (Format, error) {
	if s == "" {
		return "", nil
	}
	if len(allowed) == 0 {
		allowed = Formats
	}
	for _, f := range allowed {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(allowed))
	for i, f := range allowed {
		names[i] = string(f)
	}
	return "", anju.FieldError("format", "format must be one of %s", strings.Join(names, ", "))
}

// Rows yields a table's rows, one at a time, and stops at the first error
// yield returns. Each row must have a cell for every column of the header;
// a row is not kept after yield returns, so it may be reused.
type Rows func(yield func(row []any) error) error

// Filename is an export's file name: base, the day in t's location, and the
// format's extension ("案件-2026-12-03.csv").
func Filename(base string, t time.Time, f Format) string {
	return base + "-" + t.Format("2006-01-02") + "." + string(f)
}

// PartialError is a failure after the first bytes went out: the reader
// holds part of a file, and the only honest answer left is to break the
// connection (panic(http.ErrAbortHandler)) so that the download fails.
type PartialError struct {
	Rows int // rows written before the failure
	Err  error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("export failed after %d rows: %v", e.Rows, e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }

// Write answers an HTTP request with the table as a download named
// filename (see Filename). Nothing is written — no status, no header —
// until the first row is in hand (for XLSX, until the last), so that an
// error of rows before then is returned as it came, for the caller to
// answer as it answers any error. A later error is a *PartialError. n is
// the number of rows written.
func Write(w http.ResponseWriter, f Format, filename string, header []string, rows Rows) (n int, err error) {
	start := func() {
		h := w.Header()
		h.Set("Content-Type", f.ContentType())
		h.Set("Content-Disposition", ContentDisposition(filename))
		h.Set("X-Content-Type-Options", "nosniff")
		// The file holds what the reader may see now; no shared cache
		// keeps it for another.
		h.Set("Cache-Control", "private, no-store")
		w.WriteHeader(http.StatusOK)
	}
	// An export of a million rows runs a minute or more — the rows are
	// read page by page, the workbook zipped at the end — past the write
	// timeout a server sets for ordinary answers.
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTime)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	return Stream(&lazyWriter{w: w, start: start}, f, header, rows)
}

// writeTime is how long a download may take to send.
const writeTime = 30 * time.Minute

// xlsxSlots bounds the workbooks made at once: each holds up to 33 MB of
// its sheet in memory (TestExportMemory) while it is written. A fifth
// waits for one of four to finish.
var xlsxSlots = make(chan struct{}, 4)

// ContentDisposition is the header value that offers a download named
// filename: an ASCII fallback for old clients and the name itself in
// UTF-8 (RFC 6266, RFC 5987's filename*), so that a Chinese name arrives
// whole.
func ContentDisposition(filename string) string {
	var fallback strings.Builder
	for _, r := range filename {
		switch {
		case r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' || r == '%' || r == ';':
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(r)
		}
	}
	v := mime.FormatMediaType("attachment", map[string]string{"filename": fallback.String()})
	// url.PathEscape leaves characters RFC 5987's attr-char does not allow
	// (such as ':' and '@'): every byte outside attr-char is escaped.
	return v + "; filename*=UTF-8''" + rfc5987Escape(filename)
}

func rfc5987Escape(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Stream writes the table to w in format f. Like Write, it writes nothing
// to w before the first row is in hand (XLSX: before the last), and a
// later error of rows or of w is a *PartialError.
func Stream(w io.Writer, f Format, header []string, rows Rows) (int, error) {
	var t tableWriter
	switch f {
	case CSV:
		t = newCSV(w, header)
	case XLSX:
		xlsxSlots <- struct{}{}
		defer func() { <-xlsxSlots }()
		x, err := newXLSX(w, header)
		if err != nil {
			return 0, err
		}
		t = x
	case GeoJSON:
		t = newGeoJSON(w, header)
	default:
		return 0, anju.FieldError("format", "unknown format %q", f)
	}
	n := 0
	started := false
	err := rows(func(row []any) error {
		if len(row) != len(header) {
			return fmt.Errorf("export: a row of %d cells under a header of %d", len(row), len(header))
		}
		if !started {
			if err := t.begin(); err != nil {
				return err
			}
			started = true
		}
		if err := t.row(row); err != nil {
			return err
		}
		n++
		return nil
	})
	if err == nil && !started {
		err = t.begin()
	}
	if err == nil {
		err = t.end()
	} else {
		t.abort()
	}
	if err != nil && t.wrote() {
		return n, &PartialError{Rows: n, Err: err}
	}
	return n, err
}

// tableWriter is one format's writer: begin writes what comes before the
// rows, end what comes after; wrote reports whether any byte reached the
// destination.
type tableWriter interface {
	begin() error
	row([]any) error
	end() error
	abort()
	wrote() bool
}

// lazyWriter calls start before its first byte.
type lazyWriter struct {
	w       io.Writer
	start   func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}

// touchWriter knows whether anything was written to its destination (or
// tried to be: a failed write may have sent the response's header).
type touchWriter struct {
	w       io.Writer
	touched bool
}

func (t *touchWriter) Write(p []byte) (int, error) {
	t.touched = true
	return t.w.Write(p)
}

// Neutralise returns text as a spreadsheet shows it and never runs it:
// with an apostrophe before a leading = + - @ tab or carriage return (or a
// full-width = + - @).
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	for _, p := range []string{"＝", "＋", "－", "＠"} {
		if strings.HasPrefix(s, p) {
			return "'" + s
		}
	}
	return s
}

// errRowType is a cell of a type the package does not write.
var errRowType = errors.New("export: unsupported cell type")
