package web

import (
	"context"
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/taxonomy"
)

// The resident portal's shared parts: the city it serves, who files, the
// per-address limit, and category names in the reader's language.

// portalCity is the city the portal serves: the first (in a deployment,
// the only) city of the database.
func (w *Web) portalCity(ctx context.Context) (string, error) {
	cities, err := w.db.AllCities(ctx)
	if err != nil {
		return "", err
	}
	if len(cities) == 0 {
		return "", anju.Errorf(anju.ENOTFOUND, "no city is set up yet")
	}
	return cities[0], nil
}

// geoActor reads public geography (region names and shapes, which grid a
// point lies in) for the portal's pages.
var geoActor = anju.SystemActor("web:portal")

// filer is who files a report from the portal: a signed-in resident as
// themself, anyone else as the public portal (channel web), which is also
// the one rate-limited.
func filer(v *View, city string) (actor *anju.Actor, public bool) {
	if v.Actor != nil && v.Actor.HasRole(anju.RoleResident) && !v.Staff() {
		return v.Actor, false
	}
	return anju.PublicActor(city, "web"), true
}

// allowReport counts one report (or "me too") of the client's address
// against the limit and reports whether it may go ahead; when not, err is
// the ETOOMANY to show, with Retry-After set.
func (w *Web) allowReport(rw http.ResponseWriter, r *http.Request) error {
	_, ok, wait, err := w.limit.Reserve(r.Context(), []string{"portal:" + httpx.ClientAddr(r)})
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	secs := int(wait.Seconds()) + 1
	rw.Header().Set("Retry-After", strconv.Itoa(secs))
	return anju.Errorf(anju.ETOOMANY, "too many reports from this address; try again in %d s", secs)
}

// categoryName is a category's name in the reader's language.
func categoryName(lang locale.Lang, c taxonomy.Category) string {
	if lang == locale.EN && c.NameEn != "" {
		return c.NameEn
	}
	return c.Name
}
