package store

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/auth"
)

// User is a person who signs in: staff or a registered resident.
type User struct {
	ID       int64        `json:"id"`
	City     string       `json:"city"`
	Login    string       `json:"login"`
	Name     string       `json:"name"`
	Disabled bool         `json:"disabled"`
	Grants   []anju.Grant `json:"grants"`
}

// NewUser is the input to CreateUser.
type NewUser struct {
	City     string `json:"city"`
	Login    string `json:"login"`
	Name     string `json:"name"`
	Password string `json:"password"`
	// PasswordHash, when set, is stored as is; the demo uses it to avoid
	// hashing one password two hundred times.
	PasswordHash string `json:"-"`
	// Grant, when set, is the user's first role, given in the same
	// transaction under GrantRole's rules: an administrator who sees only a
	// street could not otherwise find the user they just created (a user
	// without grants is visible city-wide only), and a refused grant leaves
	// no user behind.
	Grant *anju.Grant `json:"grant,omitempty"`
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{1,63}$`)

// CreateUser adds a user without grants. The actor must be an administrator in
// the user's city. Returns EINVALID for bad fields, ECONFLICT for a taken login.
func (db *DB) CreateUser(ctx context.Context, actor *anju.Actor, nu NewUser) (User, error) {
	nu.Login = strings.ToLower(strings.TrimSpace(nu.Login))
	nu.Name = strings.TrimSpace(nu.Name)
	if nu.City == "" && !actor.System {
		nu.City = actor.City
	}
	switch {
	case !loginPattern.MatchString(nu.Login):
		return User{}, anju.FieldError("login", "login must be 2–64 lower-case letters, digits, '.', '_' or '-'")
	case nu.Name == "" || len([]rune(nu.Name)) > 100:
		return User{}, anju.FieldError("name", "name must be 1–100 characters")
	case !actor.System && (nu.City != actor.City || !actor.HasRole(anju.RoleAdmin)):
		return User{}, anju.Errorf(anju.EFORBIDDEN, "only an administrator of the city may create users")
	}
	var city string
	if err := db.queryRow(ctx, `SELECT city FROM regions WHERE code = ? AND level = 'city'`, nu.City).Scan(&city); err != nil {
		return User{}, anju.FieldError("city", "city %q not found", nu.City)
	}
	u := User{City: nu.City, Login: nu.Login, Name: nu.Name, Grants: []anju.Grant{}}
	var first anju.Grant
	if nu.Grant != nil {
		var err error
		if err = grantShape(*nu.Grant); err == nil {
			first, err = db.checkGrant(ctx, actor, u, *nu.Grant)
		}
		if err != nil {
			return User{}, err
		}
	}
	hash := nu.PasswordHash
	if hash == "" {
		var err error
		if hash, err = auth.HashPassword(nu.Password, auth.DefaultParams); err != nil {
			return User{}, err
		}
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO users (city, login, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			u.City, u.Login, u.Name, hash, micros(db.clock.Now())).Scan(&u.ID); err != nil {
			if anju.ErrorCode(db.dialect.translate(err)) == anju.ECONFLICT {
				return anju.FieldError("login", "login %q is taken", u.Login)
			}
			return db.dialect.translate(err)
		}
		if err := tx.appendAudit(ctx, actor, audit.Record{City: u.City, Action: "user.create", Object: "user:" + u.Login,
			Detail: map[string]any{"name": u.Name}}); err != nil {
			return err
		}
		if nu.Grant == nil {
			return nil
		}
		return tx.insertGrant(ctx, actor, u, &first)
	})
	if err == nil && nu.Grant != nil {
		u.Grants = []anju.Grant{first}
	}
	return u, err
}

// SetPassword replaces a user's password. Users may change their own; an
// administrator over all of a user's grants may change anyone's.
func (db *DB) SetPassword(ctx context.Context, actor *anju.Actor, login, password string) error {
	u, err := db.GetUser(ctx, actor, login)
	if err != nil {
		return err
	}
	if u.ID != actor.UserID && !db.administers(ctx, actor, u) {
		return anju.Errorf(anju.EFORBIDDEN, "you may not change the password of %s", login)
	}
	hash, err := auth.HashPassword(password, auth.DefaultParams)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, u.ID); err != nil {
			return err
		}
		// A new password ends every session and revokes every token obtained
		// under the old one: a leaked password's holder keeps nothing.
		if err := tx.endCredentials(ctx, db.clock.Now(), u.ID); err != nil {
			return err
		}
		if err := tx.noteChange(ctx, u.City, changeAuth); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: u.City, Action: "user.password", Object: "user:" + u.Login})
	})
	db.forgetTokens(u.ID)
	return err
}

// administers reports whether actor is an administrator over every grant of u
// (and so may change u); a user with no grants needs a city-wide administrator.
func (db *DB) administers(ctx context.Context, actor *anju.Actor, u User) bool {
	if actor.System {
		return true
	}
	if actor.City != u.City {
		return false
	}
	// u.Grants may have been filtered to the actor's scope; judge on all.
	all, err := db.grantsOf(ctx, u.ID)
	if err != nil {
		return false
	}
	u.Grants = all
	if len(u.Grants) == 0 {
		return actor.HasRoleAt(cityPath(u.City), anju.RoleAdmin)
	}
	for _, g := range u.Grants {
		if !actor.HasRoleAt(g.RegionPath, anju.RoleAdmin) {
			return false
		}
	}
	return true
}

// GrantRole gives a user a role on a region subtree and/or a department. The
// actor must be an administrator over the granted area; nobody may grant
// themselves anything. Returns EINVALID for an unknown role, region or department.
func (db *DB) GrantRole(ctx context.Context, actor *anju.Actor, login string, g anju.Grant) (anju.Grant, error) {
	if err := grantShape(g); err != nil {
		return g, err
	}
	u, err := db.GetUser(ctx, actor, login)
	if err != nil && !(anju.ErrorCode(err) == anju.ENOTFOUND && actor.HasRole(anju.RoleAdmin)) {
		return g, err
	}
	if err != nil {
		// A brand-new user has no grants yet, so scope cannot find them; an
		// administrator in the city may still grant them a first role.
		u, err = db.userByLogin(ctx, login)
		if err != nil || len(u.Grants) > 0 || (!actor.System && u.City != actor.City) {
			return g, notFound("user", login)
		}
	}
	if g, err = db.checkGrant(ctx, actor, u, g); err != nil {
		return g, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := tx.insertGrant(ctx, actor, u, &g); err != nil {
			return err
		}
		return tx.noteChange(ctx, u.City, changeAuth)
	})
	db.forgetTokens(u.ID)
	return g, err
}

// grantShape checks a grant's own fields, before anything is looked up.
func grantShape(g anju.Grant) error {
	if !anju.ValidRole(g.Role) {
		return anju.FieldError("role", "unknown role %q", g.Role)
	}
	if g.Region == "" && g.Department == "" {
		return anju.FieldError("region", "a grant needs a region, a department or both")
	}
	return nil
}

// checkGrant applies the rules of granting g to u and returns g with its
// region and region path resolved: nobody grants themselves; the region and
// department exist in u's city; the department sits inside the region; and
// the actor administers the region.
func (db *DB) checkGrant(ctx context.Context, actor *anju.Actor, u User, g anju.Grant) (anju.Grant, error) {
	if u.ID != 0 && u.ID == actor.UserID && !actor.System {
		return g, anju.Errorf(anju.EFORBIDDEN, "nobody may grant themselves a role")
	}
	// The grant covers its region's subtree; a department grant without a
	// region is given the department's region. A department must
	// sit inside the granted region: a city department granted on a district
	// would otherwise carry the grantee to the department's cases city-wide,
	// beyond the granting administrator's reach.
	var deptPath string
	if g.Department != "" {
		d, err := db.GetDepartment(ctx, actor, g.Department)
		if err != nil || d.City != u.City {
			return g, anju.FieldError("department", "department %s not found", g.Department)
		}
		deptPath = d.RegionPath
		if g.Region == "" {
			g.Region = d.Region
		}
	}
	if g.Region != "" {
		r, err := db.GetRegion(ctx, actor, g.Region)
		if err != nil || r.City != u.City {
			return g, anju.FieldError("region", "region %s not found", g.Region)
		}
		if deptPath != "" && !strings.HasPrefix(deptPath, r.Path) {
			return g, anju.FieldError("department", "department %s does not sit within region %s", g.Department, g.Region)
		}
		g.RegionPath = r.Path
	}
	// The department lies inside the region, so administering the region
	// covers both.
	if !actor.HasRoleAt(g.RegionPath, anju.RoleAdmin) {
		return g, anju.Errorf(anju.EFORBIDDEN, "only an administrator over %s may grant roles there", g.Region)
	}
	return g, nil
}

// insertGrant stores a grant checked by checkGrant, with its audit entry.
func (t *Tx) insertGrant(ctx context.Context, actor *anju.Actor, u User, g *anju.Grant) error {
	var region, dept any
	if g.Region != "" {
		region = g.Region
	}
	if g.Department != "" {
		dept = g.Department
	}
	if err := t.queryRow(ctx, `INSERT INTO grants (city, user_id, role, region, department, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		u.City, u.ID, string(g.Role), region, dept, micros(t.db.clock.Now())).Scan(&g.ID); err != nil {
		return t.db.dialect.translate(err)
	}
	return t.appendAudit(ctx, actor, audit.Record{City: u.City, Action: "permission.grant", Object: "user:" + u.Login,
		Detail: map[string]any{"grant": g.ID, "role": g.Role, "region": g.Region, "department": g.Department}})
}

// RevokeGrant removes one grant; the same rules as GrantRole apply.
func (db *DB) RevokeGrant(ctx context.Context, actor *anju.Actor, login string, grantID int64) error {
	u, err := db.GetUser(ctx, actor, login)
	if err != nil {
		return err
	}
	for _, g := range u.Grants {
		if g.ID != grantID {
			continue
		}
		if !actor.HasRoleAt(g.RegionPath, anju.RoleAdmin) {
			return anju.Errorf(anju.EFORBIDDEN, "only an administrator over %s may revoke roles there", g.Region)
		}
		err := db.inTx(ctx, func(tx *Tx) error {
			if _, err := tx.exec(ctx, `DELETE FROM grants WHERE id = ?`, grantID); err != nil {
				return err
			}
			if err := tx.noteChange(ctx, u.City, changeAuth); err != nil {
				return err
			}
			return tx.appendAudit(ctx, actor, audit.Record{City: u.City, Action: "permission.revoke", Object: "user:" + u.Login,
				Detail: map[string]any{"grant": g.ID, "role": g.Role, "region": g.Region, "department": g.Department}})
		})
		db.forgetTokens(u.ID)
		return err
	}
	return notFound("grant", login)
}

// GetUser returns a user the actor may see (see listUsers); ENOTFOUND
// otherwise, so that logins outside the actor's reach do not show.
func (db *DB) GetUser(ctx context.Context, actor *anju.Actor, login string) (User, error) {
	us, err := db.listUsers(ctx, actor, `u.login = ?`, []any{strings.ToLower(login)}, 1)
	if err != nil {
		return User{}, err
	}
	if len(us) == 0 {
		return User{}, notFound("user", login)
	}
	return us[0], nil
}

// ListUsers lists the users the actor may see, by login. The directory is
// for administrators and, by name, for a department's staff; anyone else
// gets EFORBIDDEN rather than a list holding only themselves.
func (db *DB) ListUsers(ctx context.Context, actor *anju.Actor) ([]User, error) {
	if !actor.System && !actor.HasRole(anju.RoleAdmin) && len(actor.Departments()) == 0 {
		return nil, anju.Errorf(anju.EFORBIDDEN, "only administrators and department staff may list users")
	}
	return db.listUsers(ctx, actor, "1=1", nil, 1000)
}

// ListUsersAfter is ListUsers one page at a time: at most limit users (1 to
// 500) whose logins sort after the given one, so that a page far down the
// directory costs what the first does.
func (db *DB) ListUsersAfter(ctx context.Context, actor *anju.Actor, after string, limit int) ([]User, error) {
	if !actor.System && !actor.HasRole(anju.RoleAdmin) && len(actor.Departments()) == 0 {
		return nil, anju.Errorf(anju.EFORBIDDEN, "only administrators and department staff may list users")
	}
	if limit < 1 || limit > 500 {
		limit = 50
	}
	return db.listUsers(ctx, actor, "u.login > ?", []any{strings.ToLower(after)}, limit)
}

// adminGrants returns the actor with only its administrator grants: the
// scope over which it may see users and their grants.
func adminGrants(a *anju.Actor) *anju.Actor {
	if a.System {
		return a
	}
	out := &anju.Actor{UserID: a.UserID, Login: a.Login, City: a.City}
	for _, g := range a.Grants {
		if g.Role == anju.RoleAdmin {
			out.Grants = append(out.Grants, g)
		}
	}
	return out
}

// listUsers returns the users matching where that the actor may see: the
// actor themselves; as an administrator, users holding a grant inside the
// administered subtrees (and, city-wide, users without grants yet); and the
// colleagues holding a grant in one of the actor's departments, by login and
// name only. Grants outside the actor's administered subtrees are left out,
// since they would name places and duties the actor has no business with.
func (db *DB) listUsers(ctx context.Context, actor *anju.Actor, where string, args []any, limit int) ([]User, error) {
	cc, cargs := cityClause(actor, "u.city")
	admin := adminGrants(actor)
	sc, sargs := subtreeScope(admin, "r.path")
	vis := `u.id = ? OR EXISTS (SELECT 1 FROM grants g
			LEFT JOIN departments d ON d.code = g.department
			JOIN regions r ON r.code = COALESCE(g.region, d.region)
			WHERE g.user_id = u.id AND ` + sc + `)`
	vargs := append([]any{actor.UserID}, sargs...)
	if actor.System || admin.HasRoleAt(cityPath(actor.City), anju.RoleAdmin) {
		vis += ` OR NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id)`
	}
	if ds := actor.Departments(); len(ds) > 0 {
		vis += ` OR EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id AND g.department IN (` + placeholders(len(ds)) + `))`
		for _, d := range ds {
			vargs = append(vargs, d)
		}
	}
	q := `SELECT u.id, u.city, u.login, u.name, u.disabled FROM users u WHERE ` + where + ` AND ` + cc +
		` AND (` + vis + `) ORDER BY u.login LIMIT ?`
	all := append(append(append(append([]any{}, args...), cargs...), vargs...), limit)
	rows, err := db.query(ctx, q, all...)
	if err != nil {
		return nil, err
	}
	var us []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.City, &u.Login, &u.Name, &u.Disabled); err != nil {
			rows.Close()
			return nil, err
		}
		us = append(us, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range us {
		gs, err := db.grantsOf(ctx, us[i].ID)
		if err != nil {
			return nil, err
		}
		us[i].Grants = gs[:0]
		for _, g := range gs {
			if actor.System || us[i].ID == actor.UserID || insideScope(admin, g.RegionPath) {
				us[i].Grants = append(us[i].Grants, g)
			}
		}
	}
	return us, nil
}

// insideScope reports whether path lies within one of the actor's subtrees.
func insideScope(a *anju.Actor, path string) bool {
	for _, p := range a.ScopePaths() {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (db *DB) userByLogin(ctx context.Context, login string) (User, error) {
	var u User
	err := db.queryRow(ctx, `SELECT id, city, login, name, disabled FROM users WHERE login = ?`, strings.ToLower(login)).
		Scan(&u.ID, &u.City, &u.Login, &u.Name, &u.Disabled)
	if err == sql.ErrNoRows {
		return u, notFound("user", login)
	}
	if err != nil {
		return u, err
	}
	u.Grants, err = db.grantsOf(ctx, u.ID)
	return u, err
}

// grantsOf loads a user's grants with the region path each covers: the
// granted region's, or else the department's region's.
func (db *DB) grantsOf(ctx context.Context, userID int64) ([]anju.Grant, error) {
	rows, err := db.query(ctx, `SELECT g.id, g.role, COALESCE(g.region, ''), COALESCE(g.department, ''), COALESCE(r.path, '')
		FROM grants g LEFT JOIN departments d ON d.code = g.department
		LEFT JOIN regions r ON r.code = COALESCE(g.region, d.region)
		WHERE g.user_id = ? ORDER BY g.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	gs := []anju.Grant{}
	for rows.Next() {
		var g anju.Grant
		var role string
		if err := rows.Scan(&g.ID, &role, &g.Region, &g.Department, &g.RegionPath); err != nil {
			return nil, err
		}
		g.Role = anju.Role(role)
		gs = append(gs, g)
	}
	return gs, rows.Err()
}

func (db *DB) actorOf(ctx context.Context, u User) *anju.Actor {
	return &anju.Actor{UserID: u.ID, Login: u.Login, City: u.City, Grants: u.Grants}
}

// Authenticate checks a login and password and returns the actor. Every
// outcome is audited. It returns EUNAUTHORIZED with one message for an unknown
// login, a wrong password and a disabled account, so as not to reveal which.
func (db *DB) Authenticate(ctx context.Context, login, password string) (*anju.Actor, error) {
	u, err := db.userByLogin(ctx, login)
	var hash string
	if err == nil {
		err = db.queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash)
	}
	fail := anju.Errorf(anju.EUNAUTHORIZED, "wrong login or password")
	if err != nil {
		if anju.ErrorCode(err) != anju.ENOTFOUND {
			return nil, err
		}
		// Do the work a wrong password does, one hash at the same cost and one
		// audit entry, so that timing does not reveal which logins exist.
		auth.CheckPassword(dummyHash, password)
		name := strings.ToValidUTF8(login[:min(len(login), 64)], "")
		db.Audit(ctx, &anju.Actor{Login: name}, audit.Record{Action: "login.fail", Object: "user:" + name})
		return nil, fail
	}
	if !auth.CheckPassword(hash, password) || u.Disabled {
		db.Audit(ctx, &anju.Actor{Login: u.Login}, audit.Record{City: u.City, Action: "login.fail", Object: "user:" + u.Login})
		return nil, fail
	}
	a := db.actorOf(ctx, u)
	if err := db.Audit(ctx, a, audit.Record{City: u.City, Action: "login", Object: "user:" + u.Login}); err != nil {
		return nil, err
	}
	return a, nil
}

var dummyHash, _ = auth.HashPassword("not a real password", auth.DefaultParams)

// SessionTTL is how long a browser session lasts.
const SessionTTL = 12 * time.Hour

// CreateSession opens a browser session for the actor and returns its secret,
// which only the cookie holds; the database keeps its hash.
func (db *DB) CreateSession(ctx context.Context, actor *anju.Actor) (string, time.Time, error) {
	token, hash := auth.NewToken("")
	now := db.clock.Now()
	exp := now.Add(SessionTTL)
	_, err := db.exec(ctx, `INSERT INTO sessions (token_hash, city, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hash, actor.City, actor.UserID, micros(now), micros(exp))
	return token, exp, err
}

// EndSession deletes a session; unknown tokens are ignored.
func (db *DB) EndSession(ctx context.Context, token string) error {
	_, err := db.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, auth.HashToken(token))
	return err
}

// ActorBySession returns the actor of a live session, EUNAUTHORIZED otherwise.
func (db *DB) ActorBySession(ctx context.Context, token string) (*anju.Actor, error) {
	var userID int64
	err := db.queryRow(ctx, `SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?`,
		auth.HashToken(token), micros(db.clock.Now())).Scan(&userID)
	return db.actorByUserID(ctx, userID, err)
}

// APIToken describes an API token; its secret is shown once, at creation,
// and never stored.
type APIToken struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	Revoked   bool       `json:"revoked"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// NewAPIToken is the input to IssueAPIToken: an expiry as a lifetime or as a
// time, at most one of them; a token with neither never expires.
type NewAPIToken struct {
	Name      string
	ExpiresIn time.Duration
	ExpiresAt time.Time
}

// CreateAPIToken issues a token that does not expire; see IssueAPIToken.
func (db *DB) CreateAPIToken(ctx context.Context, actor *anju.Actor, login, name string) (string, error) {
	tok, _, err := db.IssueAPIToken(ctx, actor, login, NewAPIToken{Name: name})
	return tok, err
}

// IssueAPIToken issues an API token for a user: to themselves, or by an
// administrator over the user. It returns the secret once; only its hash is
// kept. EINVALID for an expiry not in the future.
func (db *DB) IssueAPIToken(ctx context.Context, actor *anju.Actor, login string, in NewAPIToken) (string, APIToken, error) {
	u, err := db.tokenOwner(ctx, actor, login)
	if err != nil {
		return "", APIToken{}, err
	}
	now := db.clock.Now()
	t := APIToken{Name: strings.TrimSpace(in.Name), CreatedAt: fromMicros(micros(now))}
	if t.Name == "" {
		t.Name = "api"
	}
	switch {
	case in.ExpiresIn != 0 && !in.ExpiresAt.IsZero():
		return "", t, anju.FieldError("expires_in", "give a lifetime or an expiry time, not both")
	case in.ExpiresIn < 0:
		return "", t, anju.FieldError("expires_in", "a token's lifetime must be positive, such as 720h")
	case in.ExpiresIn > 0:
		in.ExpiresAt = now.Add(in.ExpiresIn)
	}
	var expires any
	if !in.ExpiresAt.IsZero() {
		if !in.ExpiresAt.After(now) {
			return "", t, anju.FieldError("expires_at", "a token's expiry must lie in the future")
		}
		e := fromMicros(micros(in.ExpiresAt))
		t.ExpiresAt, expires = &e, micros(e)
	}
	token, hash := auth.NewToken("anju_")
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO api_tokens (city, user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			u.City, u.ID, t.Name, hash, micros(now), expires).Scan(&t.ID); err != nil {
			return err
		}
		detail := map[string]any{"token": t.ID, "name": t.Name}
		if t.ExpiresAt != nil {
			detail["expires_at"] = t.ExpiresAt
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: u.City, Action: "token.create", Object: "user:" + u.Login, Detail: detail})
	})
	return token, t, err
}

// tokenOwner returns the user whose tokens the actor may manage: the actor
// themselves, or a user the actor administers. ENOTFOUND otherwise.
func (db *DB) tokenOwner(ctx context.Context, actor *anju.Actor, login string) (User, error) {
	u, err := db.userByLogin(ctx, login)
	if err != nil {
		return u, err
	}
	if !actor.System && u.ID != actor.UserID && !db.administers(ctx, actor, u) {
		return u, notFound("user", login)
	}
	return u, nil
}

// ListAPITokens lists a user's tokens, newest first, to the user or an
// administrator over them.
func (db *DB) ListAPITokens(ctx context.Context, actor *anju.Actor, login string) ([]APIToken, error) {
	u, err := db.tokenOwner(ctx, actor, login)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT id, name, created_at, expires_at, revoked, revoked_at FROM api_tokens
		WHERE user_id = ? ORDER BY id DESC`, u.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ts := []APIToken{}
	for rows.Next() {
		var t APIToken
		var created int64
		var expires, revokedAt sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &created, &expires, &t.Revoked, &revokedAt); err != nil {
			return nil, err
		}
		t.CreatedAt = fromMicros(created)
		if expires.Valid {
			e := fromMicros(expires.Int64)
			t.ExpiresAt = &e
		}
		if revokedAt.Valid {
			r := fromMicros(revokedAt.Int64)
			t.RevokedAt = &r
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// RevokeAPIToken revokes one of a user's tokens, for the user or an
// administrator over them; it stops working in this process at once (see
// ActorByToken for others). ENOTFOUND for another user's or an unknown token.
func (db *DB) RevokeAPIToken(ctx context.Context, actor *anju.Actor, login string, id int64) error {
	u, err := db.tokenOwner(ctx, actor, login)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `UPDATE api_tokens SET revoked = TRUE, revoked_at = ? WHERE id = ? AND user_id = ? AND NOT revoked`,
			micros(db.clock.Now()), id, u.ID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			var revoked bool
			if err := tx.queryRow(ctx, `SELECT revoked FROM api_tokens WHERE id = ? AND user_id = ?`, id, u.ID).Scan(&revoked); err != nil {
				return notFound("token", strconv.FormatInt(id, 10))
			}
			return nil // already revoked: revoking again changes nothing
		}
		if err := tx.noteChange(ctx, u.City, changeAuth); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: u.City, Action: "token.revoke", Object: "user:" + u.Login,
			Detail: map[string]any{"token": id}})
	})
	db.forgetTokens(u.ID)
	return err
}

// SetDisabled disables or re-enables a user, for an administrator over them;
// nobody may disable themselves. Disabling ends the user's sessions and
// revokes their tokens, so that re-enabling gives back no old credential.
func (db *DB) SetDisabled(ctx context.Context, actor *anju.Actor, login string, disabled bool) error {
	u, err := db.userByLogin(ctx, login)
	if err != nil {
		return err
	}
	if !actor.System && u.ID == actor.UserID {
		return anju.Errorf(anju.EFORBIDDEN, "nobody may disable or enable themselves")
	}
	if !db.administers(ctx, actor, u) {
		if _, err := db.GetUser(ctx, actor, login); err != nil {
			return err
		}
		return anju.Errorf(anju.EFORBIDDEN, "only an administrator over all of %s's roles may disable them", login)
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, u.ID); err != nil {
			return err
		}
		if err := tx.noteChange(ctx, u.City, changeAuth); err != nil {
			return err
		}
		if disabled {
			if err := tx.endCredentials(ctx, db.clock.Now(), u.ID); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: u.City, Action: action, Object: "user:" + u.Login})
	})
	db.forgetTokens(u.ID)
	return err
}

// endCredentials ends every session of a user and revokes every token.
func (t *Tx) endCredentials(ctx context.Context, now time.Time, userID int64) error {
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return err
	}
	_, err := t.exec(ctx, `UPDATE api_tokens SET revoked = TRUE, revoked_at = ? WHERE user_id = ? AND NOT revoked`, micros(now), userID)
	return err
}

// ActorByToken returns the actor of a live API token, EUNAUTHORIZED otherwise.
// Machine clients send a token with every request, and resolving one is three
// queries, so actors are cached for tokenCacheTTL. A revocation, disabling,
// password change or grant change in this process clears the user's entries
// at once (see forgetTokens); one made by another process (the CLI, another
// server) is seen through change_versions (changes.go) and clears every
// entry within a fraction of a second. An expired token is refused even when
// cached.
func (db *DB) ActorByToken(ctx context.Context, token string) (*anju.Actor, error) {
	hash := auth.HashToken(token)
	now := db.clock.Now()
	epoch, fresh := db.changes.epoch(changeAuth)
	if v, ok := db.tokenCache.Load(hash); ok {
		e := v.(tokenEntry)
		if now.Sub(e.at) < tokenCacheTTL && (e.expires.IsZero() || now.Before(e.expires)) && trust(e.epoch, epoch, fresh, e.loaded) {
			return e.actor, nil
		}
		db.tokenCache.Delete(hash)
	}
	loaded := time.Now()
	var userID int64
	var expires sql.NullInt64
	err := db.queryRow(ctx, `SELECT user_id, expires_at FROM api_tokens WHERE token_hash = ? AND NOT revoked
		AND (expires_at IS NULL OR expires_at > ?)`, hash, micros(now)).Scan(&userID, &expires)
	a, err := db.actorByUserID(ctx, userID, err)
	if err == nil {
		e := tokenEntry{actor: a, at: now, loaded: loaded, epoch: epoch}
		if expires.Valid {
			e.expires = fromMicros(expires.Int64)
		}
		db.tokenCache.Store(hash, e)
	}
	return a, err
}

const tokenCacheTTL = 5 * time.Second

type tokenEntry struct {
	actor   *anju.Actor
	at      time.Time // on the store's clock, for the TTL and expiry
	loaded  time.Time // on the wall clock, for trust
	epoch   int64     // of changeAuth when it was loaded
	expires time.Time
}

// forgetTokens drops the cached actors of a user, after a change to their
// credentials, so that this process does not serve them for the rest of
// tokenCacheTTL. The change's transaction noted it for the others
// (Tx.noteChange).
func (db *DB) forgetTokens(userID int64) {
	db.tokenCache.Range(func(k, v any) bool {
		if v.(tokenEntry).actor.UserID == userID {
			db.tokenCache.Delete(k)
		}
		return true
	})
}

func (db *DB) actorByUserID(ctx context.Context, userID int64, lookupErr error) (*anju.Actor, error) {
	if lookupErr == sql.ErrNoRows {
		return nil, anju.Errorf(anju.EUNAUTHORIZED, "session expired or credentials not valid; sign in again")
	}
	if lookupErr != nil {
		return nil, lookupErr
	}
	var u User
	err := db.queryRow(ctx, `SELECT id, city, login, name, disabled FROM users WHERE id = ?`, userID).
		Scan(&u.ID, &u.City, &u.Login, &u.Name, &u.Disabled)
	if err != nil || u.Disabled {
		return nil, anju.Errorf(anju.EUNAUTHORIZED, "account disabled")
	}
	if u.Grants, err = db.grantsOf(ctx, u.ID); err != nil {
		return nil, err
	}
	return db.actorOf(ctx, u), nil
}
