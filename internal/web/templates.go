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

//go:embed templates
var templateFS embed.FS

// pages maps a page's name — its path under templates/ without .html, e.g.
// "portal/report" — to the page parsed with the layout. All are parsed at
// start-up: a template that does not parse is a start-up panic, and so is
// rendering a page that does not exist.
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
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"caseURL":  caseURL,
	"photoURL": photoURL,
}

func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") || path == "templates/layout.html" {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".html")
		t := template.Must(layout.Clone())
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
