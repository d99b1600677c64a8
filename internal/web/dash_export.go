package web

import (
	"errors"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"anju/internal/caseexport"
	"anju/internal/export"
)

// The dashboard's tables as files (GET /dash?…&format=csv|xlsx&table=…):
// the figures table, the trend, the category breakdown and the two
// rankings, each with the words and numbers the page shows, for the same
// filter. A table is small (a row per figure, day, category, department or
// region), so it is written whole.

// dashTables are the tables a dashboard exports, by their query name.
var dashTables = []string{"figures", "trend", "categories", "departments", "regions"}

// exportLink is one download of a table.
type exportLink struct{ Label, URL string }

// exports are the downloads of table of this dashboard.
func (p *dashPage) exports(v *View, table string) []exportLink {
	return []exportLink{{v.T("dash.export.csv"), p.exportURL(table, "csv")}, {v.T("dash.export.xlsx"), p.exportURL(table, "xlsx")}}
}

// exportURL is the address of table of this dashboard as a file.
func (p *dashPage) exportURL(table, format string) string {
	vs := url.Values{}
	for n, val := range p.Values {
		vs[n] = val
	}
	vs.Set("table", table)
	vs.Set("format", format)
	return "/dash?" + vs.Encode()
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plainCell is a table cell's words without its links.
func plainCell(cell template.HTML) string {
	return html.UnescapeString(tags.ReplaceAllString(string(cell), ""))
}

// dashExport writes table of page p in format, or says what is wrong.
func (w *Web) dashExport(rw http.ResponseWriter, r *http.Request, v *View, p *dashPage, format, table string) {
	f, err := export.ParseFormat(format, export.CSV, export.XLSX)
	if err != nil || !slices.Contains(dashTables, tableOrFigures(table)) {
		p.Error, p.Field = v.T("dash.bad.export"), ""
		w.render(rw, r, v, http.StatusBadRequest, "dash/index", p)
		return
	}
	table = tableOrFigures(table)
	var header []string
	var rows [][]string
	if table == "figures" {
		header = []string{v.T("dash.col.figure"), v.T("dash.col.value"), v.T("dash.col.change"), v.T("dash.col.year_change")}
		for _, row := range p.Rows {
			rows = append(rows, []string{row.Label, plainCell(row.Cell), row.Change, row.YearChange})
		}
	} else {
		c := map[string]*dashChart{"trend": &p.Trend, "categories": &p.Breakdown, "departments": &p.DeptRank, "regions": &p.RegionRank}[table]
		header = []string{c.Head}
		for _, col := range c.Columns {
			header = append(header, col.Label)
		}
		for _, row := range c.Rows {
			line := []string{row.Label}
			for _, cell := range row.Cells {
				line = append(line, plainCell(cell))
			}
			rows = append(rows, line)
		}
	}
	name := export.Filename("anju-dash-"+table, w.db.Now(), f)
	_, err = export.Write(rw, f, name, header, func(yield func([]any) error) error {
		for _, row := range rows {
			cells := make([]any, len(row))
			for i, c := range row {
				cells[i] = c
			}
			if err := yield(cells); err != nil {
				return err
			}
		}
		return nil
	})
	var partial *export.PartialError
	switch {
	case errors.As(err, &partial):
		w.log.ErrorContext(r.Context(), "export failed midway", "path", r.URL.Path, "err", err)
		caseexport.Abort()
	case err != nil:
		w.fail(rw, r, v, err)
	}
}

// tableOrFigures is the table asked for, the figures table when none.
func tableOrFigures(table string) string {
	if table == "" {
		return "figures"
	}
	return table
}
