// Package caseexport writes a case list — every case a filter of the list
// keeps, not one page — as a spreadsheet (internal/export), for the JSON
// API (GET /api/v1/cases?format=) and the workbench (GET /work?format=)
// alike: one set of columns, one way to read the rows, one audit entry.
//
// The rows are read through the store's own list (store.ListCases), so the
// export holds exactly what the list shows the same reader, scope and all,
// page after page by its cursor: one page in memory at a time. No column
// holds a reporter's name, phone or address, masked or not.
package caseexport

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/export"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/region"
	"anju/internal/store"
)

// Formats are the formats a case list is exported in.
var Formats = []export.Format{export.CSV, export.XLSX}

// pageSize is the store's largest page: the export reads as few pages as
// the list allows.
const pageSize = 200

// AuditAction is the audit log's name for an export of cases.
const AuditAction = "cases.export"

// columns are the columns' catalogue keys (work.export.col.<name>), in order.
var columns = []string{"tracking_code", "title", "category", "state", "kind", "district", "street", "grid",
	"department", "created", "response_due", "resolution_due", "closed", "overdue", "rating"}

// Header is the export's header row in p's language.
func Header(p locale.Printer) []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = p.T("work.export.col." + c)
	}
	return h
}

// Filename is the download's name: "案件-2026-12-03.xlsx".
func Filename(p locale.Printer, f export.Format, now time.Time) string {
	return export.Filename(p.T("work.export.filename"), now.In(httpx.ChinaTime), f)
}

// Request is one export: who, which cases, in what.
type Request struct {
	Actor  *anju.Actor
	Filter store.CaseFilter
	// Query is the filter as the reader gave it, for the audit entry.
	Query  url.Values
	Format export.Format
	Lang   locale.Lang
}

// Write answers with the export of r. Only staff export (EFORBIDDEN
// otherwise, before anything is read): an export is a copy of the city's
// cases that leaves the system. The filter is checked as the list checks
// it, on the first page, before any byte is sent; an error then is the
// caller's to answer. A failure after the first bytes is an
// *export.PartialError, after which the caller breaks the connection (see
// Abort). Every export is audited — who, the filter, the format and the
// rows — when its last row is read: for XLSX before any byte is sent, for
// CSV before the end; an export whose entry cannot be written fails.
func Write(ctx context.Context, w http.ResponseWriter, db *store.DB, r Request) (int, error) {
	if r.Actor == nil || !r.Actor.Staff() {
		return 0, anju.Errorf(anju.EFORBIDDEN, "only staff may export cases")
	}
	p := locale.Printer{Lang: r.Lang}
	names, err := newNames(ctx, db, r.Actor, p)
	if err != nil {
		return 0, err
	}
	f := r.Filter
	f.Page, f.PageSize, f.Cursor = 0, pageSize, ""
	read := 0
	rows := func(yield func([]any) error) error {
		row := make([]any, len(columns))
		for {
			list, err := db.ListCases(ctx, r.Actor, f)
			if err != nil {
				return err
			}
			for _, c := range list.Cases {
				names.fill(row, c)
				if err := yield(row); err != nil {
					return err
				}
				read++
			}
			if list.Next == "" {
				return auditExport(ctx, db, r, read, true)
			}
			f.Cursor = list.Next
		}
	}
	n, err := export.Write(w, r.Format, Filename(p, r.Format, time.Now()), Header(p), rows)
	if err != nil && read > 0 {
		// What was read may have reached the reader: that is audited too.
		err = errors.Join(err, auditExport(context.WithoutCancel(ctx), db, r, read, false))
	}
	return n, err
}

// Abort breaks the connection of a download that failed after its first
// bytes, so that the reader's browser reports a failed download rather
// than keeping a truncated file as whole.
func Abort() { panic(http.ErrAbortHandler) }

func auditExport(ctx context.Context, db *store.DB, r Request, rows int, complete bool) error {
	q := url.Values{}
	for k, v := range r.Query {
		switch k {
		case "format", "lang", "page", "page_size", "limit", "before", "csrf":
		default:
			q[k] = v
		}
	}
	return db.Audit(ctx, r.Actor, audit.Record{City: r.Actor.City, Action: AuditAction, Object: "cases",
		Detail: map[string]any{"format": r.Format, "filter": q.Encode(), "rows": rows, "complete": complete}})
}

// names turns a case's codes into the words of the reader's language.
type names struct {
	p           locale.Printer
	regions     map[string]string
	departments map[string]string
	categories  func(code, fallback string) string
}

func newNames(ctx context.Context, db *store.DB, a *anju.Actor, p locale.Printer) (*names, error) {
	regions, err := db.RegionNames(ctx, a, region.LevelDistrict, region.LevelStreet)
	if err != nil {
		return nil, err
	}
	depts, err := db.ListDepartments(ctx, a, store.DepartmentFilter{})
	if err != nil {
		return nil, err
	}
	n := &names{p: p, regions: regions, departments: map[string]string{}}
	for _, d := range depts {
		n.departments[d.Code] = d.Name
	}
	tree, err := db.Taxonomy(ctx, a.City)
	if err != nil {
		return nil, err
	}
	n.categories = func(code, fallback string) string {
		c, err := tree.Get(code)
		switch {
		case err != nil && fallback != "":
			return fallback
		case err != nil:
			return code
		case p.Lang == locale.EN && c.NameEn != "":
			return c.NameEn
		}
		return c.Name
	}
	return n, nil
}

// fill writes c's cells into row.
func (n *names) fill(row []any, c store.Case) {
	// The case's path is city, district, street, community, grid.
	level := func(i int) string {
		if i < len(c.Regions) {
			if name, ok := n.regions[c.Regions[i]]; ok {
				return name
			}
			return c.Regions[i]
		}
		return ""
	}
	dept := c.Department
	if name, ok := n.departments[dept]; ok {
		dept = name
	}
	overdue := n.p.T("work.export.no")
	if c.Overdue {
		overdue = n.p.T("work.export.yes")
	}
	rating := ""
	if c.Rating != "" {
		rating = n.p.T("case.rating." + string(c.Rating))
	}
	var closed *time.Time
	if c.ClosedAt != nil {
		t := c.ClosedAt.In(httpx.ChinaTime)
		closed = &t
	}
	copy(row, []any{c.TrackingCode, c.Title, n.categories(c.Category, c.CategoryName),
		n.p.T("state." + string(c.State)), n.p.T("kind." + string(c.Kind)), level(1), level(2), c.Grid.Name,
		dept, c.CreatedAt.In(httpx.ChinaTime), c.Deadlines.Response.In(httpx.ChinaTime),
		c.Deadlines.Resolution.In(httpx.ChinaTime), closed, overdue, rating})
}
