// Package locale holds Anju's message catalogues (Chinese first, English
// second) and picks the reader's language. Every word a page or an error
// shows a person comes from here, by key; code and templates hold keys only.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
)

// Lang is a catalogue's language tag.
type Lang string

const (
	ZH Lang = "zh" // the default
	EN Lang = "en"
)

// Langs lists the catalogues, the default first.
var Langs = []Lang{ZH, EN}

// Valid reports whether l has a catalogue.
func (l Lang) Valid() bool { return l == ZH || l == EN }

//go:embed messages/*/*.json
var files embed.FS

// catalogues maps language → key → message; loaded at start-up, a broken
// file being a programming error.
var catalogues = load()

// load reads messages/<lang>/*.json: one file per area of the product
// (common, portal, work, …) so that each area's words sit together; a key
// defined twice is a start-up panic.
func load() map[Lang]map[string]string {
	out := map[Lang]map[string]string{}
	for _, l := range Langs {
		m := map[string]string{}
		names, err := fs.Glob(files, "messages/"+string(l)+"/*.json")
		if err != nil || len(names) == 0 {
			panic(fmt.Sprintf("locale %s: no catalogue files", l))
		}
		for _, name := range names {
			b, err := files.ReadFile(name)
			if err != nil {
				panic(err)
			}
			var part map[string]string
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("locale %s: %v", name, err))
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic(fmt.Sprintf("locale %s: key %q defined twice", name, k))
				}
				m[k] = v
			}
		}
		out[l] = m
	}
	return out
}

// Keys returns the keys of l's catalogue, sorted.
func Keys(l Lang) []string {
	keys := make([]string, 0, len(catalogues[l]))
	for k := range catalogues[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether key is in l's catalogue.
func Has(l Lang, key string) bool {
	_, ok := catalogues[l][key]
	return ok
}

// Printer says messages in one language.
type Printer struct{ Lang Lang }

// T returns the message for key, formatted with args (fmt verbs in the
// message). A missing key shows itself, bracketed, so that it is seen and the
// catalogue test catches it.
func (p Printer) T(key string, args ...any) string {
	msg, ok := catalogues[p.Lang][key]
	if !ok {
		msg, ok = catalogues[ZH][key]
	}
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Cookie is the name of the cookie that remembers the reader's choice.
const Cookie = "lang"

// FromRequest picks the reader's language: the lang query parameter (which
// the caller then remembers with Remember), else the cookie, else the first
// supported language of Accept-Language, else Chinese.
func FromRequest(r *http.Request) (lang Lang, chosen bool) {
	if l := Lang(r.URL.Query().Get("lang")); l.Valid() {
		return l, true
	}
	if c, err := r.Cookie(Cookie); err == nil && Lang(c.Value).Valid() {
		return Lang(c.Value), false
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language")), false
}

// fromAcceptLanguage returns the supported language with the highest weight
// (ties: the one listed first); Chinese when none is supported.
func fromAcceptLanguage(header string) Lang {
	best, bestQ := ZH, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if l := Lang(primary); l.Valid() && q > bestQ && q > 0 {
			best, bestQ = l, q
		}
	}
	return best
}

// Remember sets the cookie that keeps l for a year.
func Remember(w http.ResponseWriter, r *http.Request, l Lang) {
	http.SetCookie(w, &http.Cookie{Name: Cookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, HttpOnly: true})
}

// Name is a language's name in that language, as a switch to it shows it.
func (l Lang) Name() string {
	if l == EN {
		return "English"
	}
	return "中文"
}

// Other is the language a switch offers.
func (l Lang) Other() Lang {
	if l == EN {
		return ZH
	}
	return EN
}
