package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

// usersPage is the directory: one page of users after a login.
type usersPage struct {
	Users []store.User
	Next  string
}

func (w *Web) handleAdminUsers(rw http.ResponseWriter, r *http.Request, v *View) {
	after := httpx.NewQuery(r).String("after")
	us, err := w.db.ListUsersAfter(r.Context(), v.Actor, after, adminPageSize+1)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := usersPage{Users: us}
	if len(us) > adminPageSize {
		p.Users = us[:adminPageSize]
		p.Next = p.Users[adminPageSize-1].Login
	}
	v.Title = v.T("admin.users")
	w.render(rw, r, v, http.StatusOK, "admin/users", p)
}

// newUserPage is the form that creates a user, with an optional first role.
type newUserPage struct {
	Form  *form
	Roles []anju.Role
}

func (w *Web) handleAdminUserNew(rw http.ResponseWriter, r *http.Request, v *View) {
	w.showNewUser(rw, r, v, nil)
}

func (w *Web) showNewUser(rw http.ResponseWriter, r *http.Request, v *View, f *form) {
	v.Title = v.T("admin.user.new")
	w.render(rw, r, v, formStatus(f), "admin/user_new", newUserPage{Form: f, Roles: anju.Roles})
}

// handleAdminUserCreate creates a user through the API's store call; a first
// role, when chosen, is given in the same transaction under the rules of
// granting, so that a refused role leaves no user behind.
func (w *Web) handleAdminUserCreate(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	nu := store.NewUser{Login: q.String("login"), Name: q.String("name"), Password: r.PostForm.Get("password")}
	if role := q.String("role"); role != "" {
		nu.Grant = &anju.Grant{Role: anju.Role(role), Region: q.String("region"), Department: q.String("department")}
	}
	var u store.User
	err := w.auth.Hashing(rw, r, func() (err error) {
		u, err = w.db.CreateUser(r.Context(), v.Actor, nu)
		return err
	})
	if err != nil {
		r.PostForm.Del("password") // never sent back into the page
		if f := w.refusal(rw, r, v, err); f != nil {
			w.showNewUser(rw, r, v, f)
		}
		return
	}
	seeOther(rw, r, "/admin/users/"+url.PathEscape(u.Login)+"?done=user_created")
}

// userPage is one user: their grants, tokens and whether they may sign in,
// with a form for each change. Forms holds the refused form by name
// ("grant", "token", "disabled", "revoke"); NewToken is a token just minted,
// shown this once.
type userPage struct {
	User        store.User
	Tokens      []store.APIToken
	TokensShown bool
	Roles       []anju.Role
	Forms       map[string]*form
	NewToken    string
}

func (w *Web) handleAdminUser(rw http.ResponseWriter, r *http.Request, v *View) {
	w.showUser(rw, r, v, userPage{})
}

// showUser renders the user page; a user the reader may not see is the 404 page.
func (w *Web) showUser(rw http.ResponseWriter, r *http.Request, v *View, p userPage) {
	ctx := r.Context()
	u, err := w.db.GetUser(ctx, v.Actor, r.PathValue("login"))
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.User, p.Roles = u, anju.Roles
	// Tokens are shown to an administrator over all of the user's roles,
	// as the store allows; others see the grants they administer only.
	switch ts, err := w.db.ListAPITokens(ctx, v.Actor, u.Login); {
	case err == nil:
		p.Tokens, p.TokensShown = ts, true
	case anju.ErrorCode(err) != anju.ENOTFOUND:
		w.fail(rw, r, v, err)
		return
	}
	status := http.StatusOK
	for _, f := range p.Forms {
		status = formStatus(f)
	}
	v.Title = u.Name + " (" + u.Login + ")"
	w.render(rw, r, v, status, "admin/user", p)
}

// userRefused shows the user page again with the refused form named name.
func (w *Web) userRefused(rw http.ResponseWriter, r *http.Request, v *View, name string, err error) {
	if f := w.refusal(rw, r, v, err); f != nil {
		w.showUser(rw, r, v, userPage{Forms: map[string]*form{name: f}})
	}
}

func (w *Web) handleAdminGrant(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	login := r.PathValue("login")
	g := anju.Grant{Role: anju.Role(q.String("role")), Region: q.String("region"), Department: q.String("department")}
	if _, err := w.db.GrantRole(r.Context(), v.Actor, login, g); err != nil {
		w.userRefused(rw, r, v, "grant", err)
		return
	}
	seeOther(rw, r, "/admin/users/"+url.PathEscape(login)+"?done=granted")
}

func (w *Web) handleAdminRevoke(rw http.ResponseWriter, r *http.Request, v *View) {
	login := r.PathValue("login")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		err = anju.FieldError("id", "grant id must be a number")
	} else {
		err = w.db.RevokeGrant(r.Context(), v.Actor, login, id)
	}
	if err != nil {
		w.userRefused(rw, r, v, "revoke", err)
		return
	}
	seeOther(rw, r, "/admin/users/"+url.PathEscape(login)+"?done=revoked")
}

// maxTokenDays bounds a token's lifetime as the form asks it, in days.
const maxTokenDays = 3650

// handleAdminTokenCreate mints a token and shows it once, on the answer to
// the POST itself: it is never stored, so no later page could show it.
func (w *Web) handleAdminTokenCreate(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	nt := store.NewAPIToken{Name: q.String("name")}
	if days := q.Int("expires_days", 0, 1, maxTokenDays); days > 0 {
		nt.ExpiresIn = time.Duration(days) * 24 * time.Hour
	}
	err := q.Err()
	var tok string
	if err == nil {
		tok, _, err = w.db.IssueAPIToken(r.Context(), v.Actor, r.PathValue("login"), nt)
	}
	if err != nil {
		w.userRefused(rw, r, v, "token", err)
		return
	}
	v.Flash = v.T("admin.done.token_created")
	w.showUser(rw, r, v, userPage{NewToken: tok})
}

func (w *Web) handleAdminTokenRevoke(rw http.ResponseWriter, r *http.Request, v *View) {
	login := r.PathValue("login")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		err = anju.FieldError("id", "token id must be a number")
	} else {
		err = w.db.RevokeAPIToken(r.Context(), v.Actor, login, id)
	}
	if err != nil {
		w.userRefused(rw, r, v, "token_revoke", err)
		return
	}
	seeOther(rw, r, "/admin/users/"+url.PathEscape(login)+"?done=token_revoked")
}

func (w *Web) handleAdminDisable(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	login := r.PathValue("login")
	disabled := q.Bool("disabled")
	err := q.Err()
	if err == nil {
		err = w.db.SetDisabled(r.Context(), v.Actor, login, disabled)
	}
	if err != nil {
		w.userRefused(rw, r, v, "disabled", err)
		return
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	seeOther(rw, r, "/admin/users/"+url.PathEscape(login)+"?done="+done)
}
