package web

import (
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/locale"
)

// The administration pages (/admin/…) put in forms what the JSON API and the
// CLI already do: every change is the same store call as the API handler's,
// so scope rules and audit entries are the API's. Pages are for holders of
// the admin role; the audit log also for auditors. A section the store would
// refuse the reader (the taxonomy, for all but city-wide administrators) is
// left off the index, and refused by the store if reached anyway.

// adminPageSize is the length of every admin list's page.
const adminPageSize = 50

// adminOnly adapts a staff page that needs one of roles somewhere; anyone
// else gets the 403 page.
func (w *Web) adminOnly(h func(http.ResponseWriter, *http.Request, *View), roles ...anju.Role) http.Handler {
	if len(roles) == 0 {
		roles = []anju.Role{anju.RoleAdmin}
	}
	return w.staff(func(rw http.ResponseWriter, r *http.Request, v *View) {
		if done := r.URL.Query().Get("done"); done != "" && locale.Has(locale.ZH, "admin.done."+done) {
			v.Flash = v.T("admin.done." + done)
		}
		for _, role := range roles {
			if v.Actor.HasRole(role) {
				if err := plainForm(r); err != nil {
					w.fail(rw, r, v, err)
					return
				}
				h(rw, r, v)
				return
			}
		}
		w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "administration needs the %s role", roles[0]))
	})
}

// adminSection is one entry of the /admin index.
type adminSection struct {
	Path, Title, Hint string
}

// adminSections lists the sections the reader may use, in the index's order.
func adminSections(v *View) []adminSection {
	a := v.Actor
	var out []adminSection
	add := func(ok bool, path, key string) {
		if ok {
			out = append(out, adminSection{Path: path, Title: v.T(key), Hint: v.T(key + "_hint")})
		}
	}
	admin, cityAdmin := a.HasRole(anju.RoleAdmin), a.CityWide(anju.RoleAdmin)
	add(admin, "/admin/users", "admin.users")
	add(admin, "/admin/departments", "admin.departments")
	add(cityAdmin, "/admin/categories", "admin.categories")
	add(cityAdmin, "/admin/calendar", "admin.calendar")
	add(cityAdmin, "/admin/hazards", "admin.hazards")
	add(admin, "/admin/notifications", "admin.notifications")
	add(a.CityWide(anju.RoleAuditor, anju.RoleAdmin), "/admin/audit", "admin.audit")
	return out
}

func (w *Web) handleAdminIndex(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("nav.admin")
	w.render(rw, r, v, http.StatusOK, "admin/index", adminSections(v))
}

// form is what a form page needs to show a form again after a refusal: what
// was typed, the reason, and the field at fault.
type form struct {
	Values url.Values
	Error  string
	Field  string
	Status int
}

// Get is the value typed into a field.
func (f *form) Get(name string) string {
	if f == nil || f.Values == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Has reports whether a multi-valued field (checkboxes) holds value.
func (f *form) Has(name, value string) bool {
	if f == nil || f.Values == nil {
		return false
	}
	for _, x := range f.Values[name] {
		if x == value {
			return true
		}
	}
	return false
}

// Invalid reports whether the refusal names field.
func (f *form) Invalid(name string) bool { return f != nil && f.Field == name }

// refused is the form typed in r with err's reason, said in the reader's
// language, and the status to answer with.
func refused(v *View, r *http.Request, err error) *form {
	f := &form{Values: r.PostForm, Field: anju.ErrorField(err), Status: httpx.Status(anju.ErrorCode(err))}
	switch anju.ErrorCode(err) {
	case anju.EFORBIDDEN:
		f.Error = v.T("admin.refused", anju.ErrorMessage(err))
	case anju.ENOTFOUND:
		f.Error = v.T("admin.not_found", anju.ErrorMessage(err))
	default:
		f.Error = errorMessage(v, err)
	}
	return f
}

// refusal turns err from a store change into the form to show again when it
// is about what was typed or who typed it; any other error (the database
// busy or failing) gets the error page, and refusal returns nil.
func (w *Web) refusal(rw http.ResponseWriter, r *http.Request, v *View, err error) *form {
	switch anju.ErrorCode(err) {
	case anju.EINVALID, anju.EFORBIDDEN, anju.ECONFLICT, anju.EUNPROCESSABLE, anju.ENOTFOUND:
		return refused(v, r, err)
	}
	w.fail(rw, r, v, err)
	return nil
}

// formStatus is the status a refused form is shown with.
// refusedForm is, on a page of several forms, the form refused and shown
// again with its message, and which of the page's forms it was.
type refusedForm struct {
	Form    *form
	FormFor string
}

// Failed is the refused form when it was the form for.
func (p refusedForm) Failed(formFor string) *form {
	if p.FormFor == formFor {
		return p.Form
	}
	return nil
}

// Value is what was typed into a field of the refused form for.
func (p refusedForm) Value(formFor, name string) string {
	if f := p.Failed(formFor); f != nil {
		return f.Get(name)
	}
	return ""
}

func formStatus(f *form) int {
	if f == nil || f.Status == 0 {
		return http.StatusOK
	}
	return f.Status
}

// idString is an id as a page key.
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// plainForm refuses a posted form with a field that is not plain text
// (httpx.PlainText), before any of it reaches the store.
func plainForm(r *http.Request) error {
	for k, vs := range r.PostForm {
		if !httpx.PlainText(k) {
			return anju.Errorf(anju.EINVALID, "form field names must be UTF-8 text without NUL characters")
		}
		for _, x := range vs {
			if !httpx.PlainText(x) {
				return anju.FieldError(k, "%s must be UTF-8 text without NUL characters", k)
			}
		}
	}
	return nil
}
