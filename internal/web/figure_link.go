package web

import (
	"net/url"
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
