package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"anju/internal/httpx"
)

//go:embed templates templates/*/_*.html
var templateFS embed.FS

// pages maps a page's name — its path under templates/ without .html, e.g.
// "portal/report" — to the page parsed with the layout. All are parsed at
// start-up: a template that does not parse is a start-up panic, and so is
// rendering a page that does not exist. A file whose name starts with "_"
// is no page but partials shared by every page of its folder
// (templates/admin/_form.html).
var pages = parsePages()

// funcs are the helpers templates share; words come from View.T, not here.
var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(httpx.ChinaTime).Format("2006-01-02 15:04")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(httpx.ChinaTime).Format("2006-01-02")
	},
	// dueDate says a deadline: one that ends at midnight, as day periods
	// do (package deadline), as 24:00 of its last day, not 00:00 of the
	// next.
	"dueDate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		l := t.In(httpx.ChinaTime)
		if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
			return l.Add(-time.Nanosecond).Format("2006-01-02") + " 24:00"
		}
		return l.Format("2006-01-02 15:04")
	},
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"caseURL":  caseURL,
	"photoURL": photoURL,
	// args builds the argument of a partial template from name-value pairs:
	// {{template "field" args "Form" .Data.Form "Name" "login"}}.
	"args": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("args: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("args: name %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") || path == "templates/layout.html" {
			return err
		}
		if strings.HasPrefix(d.Name(), "_") {
			return nil // a partial, parsed with every page of its folder
		}
		name := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".html")
		t := template.Must(layout.Clone())
		dir := path[:strings.LastIndexByte(path, '/')]
		if partials, _ := fs.Glob(templateFS, dir+"/_*.html"); len(partials) > 0 {
			if _, err := t.ParseFS(templateFS, partials...); err != nil {
				return fmt.Errorf("template %s: %w", name, err)
			}
		}
		if _, err := t.ParseFS(templateFS, path); err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return fmt.Errorf("template %s defines no \"content\"", name)
		}
		out[name] = t
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

func lookupPage(name string) *template.Template {
	t, ok := pages[name]
	if !ok {
		panic("web: no page template " + name)
	}
	return t
}
