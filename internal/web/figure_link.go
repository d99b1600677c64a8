package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/store"
)

// figureListURL is the workbench list of the cases behind one number of a
// figure (store.FigureCases): the dashboard's filter, the period (the
// workbench's to is the first day not included) and which number.
func figureListURL(f store.FigureFilter, p figures.Period, key figures.Key, count string) string {
	vs := url.Values{}
	vs.Set("figure", string(key))
	if count != store.CountNumerator {
		vs.Set("count", count)
	}
	vs.Set("from", p.From.In(httpx.ChinaTime).Format(time.DateOnly))
	vs.Set("to", p.To.In(httpx.ChinaTime).Format(time.DateOnly))
	for name, val := range map[string]string{"region": f.Region, "department": f.Department,
		"category": f.Category, "kind": string(f.Kind)} {
		if val != "" {
			vs.Set(name, val)
		}
	}
	return workURL(vs)
}

// figureLinks makes the numbers of one figure links to the cases behind
// them: it gives the list of one number (store.CountNumerator,
// store.CountDenominator or a part's key); nil for no links.
type figureLinks func(count string) string

// linkedFigure is figureText with every number that counts cases made a
// link to those cases (the workbench list of store.FigureCases), marked
// with data-figure-n, the number, so that a reader (and the tests) can
// hold the list's length to it. A zero is not a link: there is no list to
// open. Cards are counted one by one and a case may hold two, so their
// total stays text; each colour is a link. part names the part of a shares
// or counts figure x is (PartValue), "" for the figure itself.
func linkedFigure(v *View, key figures.Key, x figures.Value, part string, to figureLinks) template.HTML {
	plain := template.HTML(template.HTMLEscapeString(figureText(v, x)))
	if to == nil {
		return plain
	}
	num, den := store.CountNumerator, store.CountDenominator
	if part != "" {
		num = part
	}
	link := func(count string, n int) string {
		s := strconv.Itoa(n)
		if n == 0 {
			return s
		}
		return `<a href="` + template.HTMLEscapeString(to(count)) + `" data-figure-link="` + string(key) + `" data-figure-count="` +
			template.HTMLEscapeString(count) + `" data-figure-n="` + s + `">` + s + `</a>`
	}
	switch x.Unit {
	case figures.UnitCount, figures.UnitCounts:
		if key == figures.CardsIssued && part == "" {
			return plain
		}
		return template.HTML(link(num, x.Count))
	case figures.UnitShare:
		s, ok := x.Share()
		if !ok {
			return plain
		}
		return withLinks(v, "dash.share.links", fmt.Sprintf("%.1f", s*100), link(num, x.Count), link(den, x.Of))
	case figures.UnitShares:
		return withLinks(v, "dash.over.links", link(den, x.Of))
	case figures.UnitDuration:
		if !x.Known {
			return plain
		}
		return withLinks(v, "dash.duration.links", template.HTMLEscapeString(durationText(v, x.Duration)), link(den, x.Of))
	}
	return plain
}

// withLinks formats the catalogue's message key, escaped, around parts
// (held apart by private-use characters, which escaping leaves alone),
// which are HTML already (links, or words escaped by the caller).
func withLinks(v *View, key string, parts ...string) template.HTML {
	args := make([]any, len(parts))
	for i := range parts {
		args[i] = "\ue000" + strconv.Itoa(i) + "\ue001"
	}
	out := template.HTMLEscapeString(v.T(key, args...))
	for i, p := range parts {
		out = strings.Replace(out, "\ue000"+strconv.Itoa(i)+"\ue001", p, 1)
	}
	return template.HTML(out)
}
