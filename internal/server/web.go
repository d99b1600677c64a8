package server

import (
	"embed"
	"html/template"
	"net/http"

	"anju/internal/anju"
	"anju/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = map[string]*template.Template{
	"login": template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/login.html")),
	"home":  template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/home.html")),
}

type pageData struct {
	Title string
	User  *store.User
	Error string
	Login string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "no-store") // pages show the signed-in user
	w.WriteHeader(status)
	if err := pages[page].ExecuteTemplate(w, page+".html", d); err != nil {
		s.log.ErrorContext(r.Context(), "render", "page", page, "err", err)
	}
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if anju.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", pageData{Title: "登录"})
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, r, http.StatusBadRequest, "login", pageData{Title: "登录", Error: "表单无效 Invalid form"})
		return
	}
	login := r.PostForm.Get("login")
	if _, err := s.login(w, r, login, r.PostForm.Get("password")); err != nil {
		msg := "账号或密码错误 Wrong login or password"
		if anju.ErrorCode(err) != anju.EUNAUTHORIZED {
			msg = anju.ErrorMessage(err)
		}
		s.logFailure(w, r, err)
		s.render(w, r, statusOf(anju.ErrorCode(err)), "login", pageData{Title: "登录", Error: msg, Login: login})
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleLogoutForm(w http.ResponseWriter, r *http.Request) {
	s.logout(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	a := anju.ActorFrom(r.Context())
	if a == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u, err := s.db.GetUser(r.Context(), a, a.Login)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", pageData{Title: "工作台", User: &u})
}
