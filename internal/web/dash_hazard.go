package web

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"anju/internal/figures"
	"anju/internal/hazard"
	"anju/internal/store"
)

// The dashboard's hazard section: package hazard's figures over the
// dashboard's region and period (store.HazardFigures) — inspections done on
// time of those due in the period, findings open now, and the median time
// to rectify of those closed in the period — by risk level and in all, the
// gravest first. Every count links to the list behind it: the tasks
// (/work/inspections with outcome=) and findings (/work/findings),
// which select the same rows as the figures count. The department,
// category and kind filters are the cases'; the section says it follows
// region and period only.

// hazardColumns are the section's columns after the risk level.
var hazardColumns = []string{"on_time", "open", "rectified", "median"}

// dashHazards fills the section.
func (w *Web) dashHazards(ctx context.Context, v *View, p *dashPage, region string, period figures.Period) error {
	from, to := hazard.Day(period.From), hazard.Day(store.LastDay(period))
	fig, err := w.db.HazardFigures(ctx, v.Actor, store.HazardFigureQuery{Region: region, From: from, To: to})
	if err != nil {
		return err
	}
	c := dashChart{ID: "hazards", Title: v.T("dash.hazards.title"), Caption: v.T("dash.hazards.caption", from.Format(time.DateOnly), to.Format(time.DateOnly)),
		Head: v.T("dash.hazards.col.risk")}
	for _, col := range hazardColumns {
		c.Columns = append(c.Columns, dashColumn{Label: v.T("dash.hazards.col." + col)})
	}
	days := url.Values{}
	days.Set("due_from", from.Format(time.DateOnly))
	days.Set("due_to", to.Format(time.DateOnly))
	closed := url.Values{}
	closed.Set("closed_from", from.Format(time.DateOnly))
	closed.Set("closed_to", to.Format(time.DateOnly))
	row := func(label string, level hazard.RiskLevel, x hazard.Counts) dashRow {
		with := func(base url.Values, set ...string) url.Values {
			vs := url.Values{"figure": {"hazards"}}
			for k, val := range base {
				vs[k] = val
			}
			if region != "" {
				vs.Set("region", region)
			}
			if level != "" {
				vs.Set("risk_level", string(level))
			}
			for i := 0; i+1 < len(set); i += 2 {
				vs.Set(set[i], set[i+1])
			}
			return vs
		}
		none := template.HTML(template.HTMLEscapeString(v.T("figures.none")))
		onTime := none
		if x.OnTimeShare != nil {
			onTime = withLinks(v, "dash.share.links", fmt.Sprintf("%.1f", *x.OnTimeShare*100),
				hazardLink("/work/inspections", with(days, "outcome", store.OutcomeOnTime), "on_time", x.DoneOnTime),
				hazardLink("/work/inspections", with(days, "outcome", store.OutcomeCounted), "counted", x.TasksCounted))
		}
		median := none
		if x.MedianRectifyDays != nil {
			// In hours under two days, as the dashboard's other times.
			median = template.HTML(template.HTMLEscapeString(durationText(v, time.Duration(*x.MedianRectifyDays*24*float64(time.Hour)))))
		}
		return dashRow{Label: label, Cells: []template.HTML{onTime,
			template.HTML(hazardLink("/work/findings", with(nil, "state", "open"), "open", x.Open)),
			template.HTML(hazardLink("/work/findings", with(closed, "state", "closed"), "rectified", x.Rectified)),
			median}}
	}
	for _, r := range fig.ByRisk {
		name := v.T("hazard.risk." + string(r.RiskLevel))
		c.Rows = append(c.Rows, row(name, r.RiskLevel, r.Counts))
	}
	c.Rows = append(c.Rows, row(v.T("dash.hazards.all"), "", fig.Counts))
	p.Hazards = c
	return nil
}

// hazardLink is n as a link to the list behind it, marked as the
// dashboard's other figures are (data-figure-n, the number the list must
// hold); a zero is no link, there being no list to open.
func hazardLink(path string, vs url.Values, count string, n int) string {
	s := strconv.Itoa(n)
	if n == 0 {
		return s
	}
	return `<a href="` + template.HTMLEscapeString(path+"?"+vs.Encode()) + `" data-figure-link="hazards" data-figure-count="` + count +
		`" data-figure-n="` + s + `">` + s + `</a>`
}
