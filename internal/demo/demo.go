// Package demo builds the demo city: a deterministic region tree, the city's
// departments and staff, written through the same store code as real data.
package demo

import (
	"context"
	"fmt"
	"math/rand"
	"slices"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/department"
	"anju/internal/region"
	"anju/internal/store"
)

// Password is the password of every demo user. It is printed by `anju demo`;
// a demo database must never hold real data.
const Password = "anju-demo-2026"

// Summary says what the demo holds.
type Summary struct {
	City        string
	Created     bool // false when an existing demo city was reused
	Regions     map[region.Level]int
	Departments int
	Users       int
	Logins      []Login // one example login per role
}

// Login is a demo account to show the user.
type Login struct {
	Role  anju.Role
	Login string
	Scope string
}

// Ensure creates the demo city with the given seed unless the database holds
// it already, and returns what it holds.
func Ensure(ctx context.Context, db *store.DB, seed int64) (Summary, error) {
	spec := region.DefaultDemoSpec()
	sys := anju.SystemActor("demo")
	s := Summary{City: spec.CityCode}
	if _, err := db.GetRegion(ctx, sys, spec.CityCode); err == nil {
		return s, describe(ctx, db, &s)
	} else if anju.ErrorCode(err) != anju.ENOTFOUND {
		return s, err
	}
	s.Created = true
	regions := region.GenerateDemoCity(seed, spec)
	if _, err := db.ImportRegions(ctx, sys, regions); err != nil {
		return s, fmt.Errorf("demo regions: %w", err)
	}
	rng := rand.New(rand.NewSource(seed))
	tree := newTree(regions)
	deps, err := createDepartments(ctx, db, sys, tree, rng)
	if err != nil {
		return s, err
	}
	if err := createUsers(ctx, db, sys, tree, deps, rng); err != nil {
		return s, err
	}
	return s, describe(ctx, db, &s)
}

type tree struct {
	city       region.Region
	byLevel    map[region.Level][]region.Region
	childrenOf map[string][]region.Region
}

func newTree(rs []region.Region) tree {
	t := tree{byLevel: map[region.Level][]region.Region{}, childrenOf: map[string][]region.Region{}}
	for _, r := range rs {
		t.byLevel[r.Level] = append(t.byLevel[r.Level], r)
		if r.Level == region.LevelCity {
			t.city = r
		} else {
			t.childrenOf[r.Parent] = append(t.childrenOf[r.Parent], r)
		}
	}
	return t
}

// Bureaus at city level with the categories each handles.
var cityBureaus = []struct {
	suffix, name string
	categories   []string
}{
	{"cgj", "城市管理局", []string{"01", "04", "13", "14"}},
	{"jtj", "交通运输局", []string{"02"}},
	{"zjj", "住房和城乡建设局", []string{"03"}},
	{"sthjj", "生态环境局", []string{"04"}},
	{"swj", "水务集团", []string{"05"}},
	{"gdj", "供电公司", []string{"05"}},
	{"rqj", "燃气集团", []string{"05", "12"}},
	{"scjgj", "市场监督管理局", []string{"06"}},
	{"rsj", "人力资源和社会保障局", []string{"07"}},
	{"jyj", "教育局", []string{"08"}},
	{"wjw", "卫生健康委员会", []string{"09"}},
	{"gaj", "公安局", []string{"10"}},
	{"yjglj", "应急管理局", []string{"12"}},
	{"sfj", "司法局", []string{"11"}},
	{"xfj", "信访局", []string{"16"}},
	{"mzj", "民政局", []string{"15"}},
	{"rxzx", "12345政务服务便民热线中心", []string{"17"}},
}

// Bureaus in every district.
var districtBureaus = []struct {
	suffix, name string
	categories   []string
}{
	{"cgj", "城市管理局", []string{"01", "04", "02"}},
	{"zjj", "住房和城乡建设局", []string{"03"}},
	{"scjgj", "市场监督管理局", []string{"06"}},
	{"gafj", "公安分局", []string{"10"}},
}

// createDepartments makes 17 city bureaus, 4 bureaus per district and one
// office (with a police station and judicial office on every fourth street)
// and a people's mediation committee per street: 141 departments for the
// default city. A committee's code sorts after the street's other
// departments, so that a dispatcher sends a neighbours' quarrel reported
// as a request to the street office first, as before committees existed.
func createDepartments(ctx context.Context, db *store.DB, sys *anju.Actor, t tree, rng *rand.Rand) ([]store.Department, error) {
	var deps []store.Department
	for _, b := range cityBureaus {
		deps = append(deps, store.Department{Code: t.city.Code + "-" + b.suffix, Name: t.city.Name + b.name, Region: t.city.Code, Categories: b.categories})
	}
	for _, d := range t.byLevel[region.LevelDistrict] {
		for _, b := range districtBureaus {
			deps = append(deps, store.Department{Code: d.Code + "-" + b.suffix, Name: d.Name + b.name, Region: d.Code, Categories: b.categories})
		}
	}
	for i, st := range t.byLevel[region.LevelStreet] {
		deps = append(deps, store.Department{Code: st.Code + "-office", Name: st.Name + "办事处", Region: st.Code,
			Categories: []string{"01", "03", "04", "11", "12", "13", "14", "15", "17"}})
		if i%4 == 0 {
			deps = append(deps,
				store.Department{Code: st.Code + "-pcs", Name: st.Name + "派出所", Region: st.Code, Categories: []string{"10", "11"}},
				store.Department{Code: st.Code + "-sfs", Name: st.Name + "司法所", Region: st.Code, Categories: []string{"11"}},
			)
		}
		deps = append(deps, store.Department{Code: committeeOf(st.Code), Name: st.Name + "人民调解委员会", Region: st.Code,
			Type: department.TypeMediationCommittee, Categories: []string{"11"}})
	}
	for i, d := range deps {
		saved, err := db.SaveDepartment(ctx, sys, d)
		if err != nil {
			return nil, fmt.Errorf("demo department %s: %w", d.Code, err)
		}
		deps[i] = saved
	}
	return deps, nil
}

// createUsers makes the city's staff: an administrator, city-wide operators,
// dispatchers, supervisors and auditors; district and street dispatchers and
// supervisors; a mediator per street, who mediates for the street's
// committee; a handler per department; grid workers on sampled grids and a
// grid leader (网格长) per community, who inspects its hazards and
// convenes its meetings; and a few residents. Every user shares one password hash,
// computed once: argon2id is slow on purpose, and two hundred hashes would
// cost the demo half a minute.
func createUsers(ctx context.Context, db *store.DB, sys *anju.Actor, t tree, deps []store.Department, rng *rand.Rand) error {
	hash, err := auth.HashPassword(Password, auth.DefaultParams)
	if err != nil {
		return err
	}
	add := func(login, name string, grants ...anju.Grant) error {
		if _, err := db.CreateUser(ctx, sys, store.NewUser{City: t.city.Code, Login: login, Name: name, PasswordHash: hash}); err != nil {
			return fmt.Errorf("demo user %s: %w", login, err)
		}
		for _, g := range grants {
			if _, err := db.GrantRole(ctx, sys, login, g); err != nil {
				return fmt.Errorf("demo grant for %s: %w", login, err)
			}
		}
		return nil
	}
	city := t.city.Code
	type u struct {
		login, name string
		g           anju.Grant
	}
	users := []u{
		{"admin", "系统管理员", anju.Grant{Role: anju.RoleAdmin, Region: city}},
		{"auditor", "审计员", anju.Grant{Role: anju.RoleAuditor, Region: city}},
		{"supervisor", "市督办", anju.Grant{Role: anju.RoleSupervisor, Region: city}},
		{"dispatcher", "市派遣员", anju.Grant{Role: anju.RoleDispatcher, Region: city}},
	}
	for i := 1; i <= 12; i++ {
		users = append(users, u{fmt.Sprintf("operator%02d", i), fmt.Sprintf("接线员%02d", i), anju.Grant{Role: anju.RoleOperator, Region: city}})
	}
	for i, d := range t.byLevel[region.LevelDistrict] {
		users = append(users,
			u{fmt.Sprintf("d%d-dispatcher", i+1), d.Name + "派遣员", anju.Grant{Role: anju.RoleDispatcher, Region: d.Code}},
			u{fmt.Sprintf("d%d-supervisor", i+1), d.Name + "督办", anju.Grant{Role: anju.RoleSupervisor, Region: d.Code}},
			u{fmt.Sprintf("d%d-admin", i+1), d.Name + "管理员", anju.Grant{Role: anju.RoleAdmin, Region: d.Code}},
		)
	}
	for i, st := range t.byLevel[region.LevelStreet] {
		users = append(users,
			u{fmt.Sprintf("s%02d-dispatcher", i+1), st.Name + "派遣员", anju.Grant{Role: anju.RoleDispatcher, Region: st.Code}},
			u{fmt.Sprintf("s%02d-mediator", i+1), st.Name + "调解员", anju.Grant{Role: anju.RoleMediator, Region: st.Code}},
		)
	}
	type extra struct {
		login string
		g     anju.Grant
	}
	// Grants beyond a user's first: a street's mediator mediates for its
	// committee (a department grant), which takes in the disputes he files.
	var extras []extra
	for i, st := range t.byLevel[region.LevelStreet] {
		extras = append(extras, extra{fmt.Sprintf("s%02d-mediator", i+1), anju.Grant{Role: anju.RoleMediator, Department: committeeOf(st.Code)}})
	}
	for _, d := range deps {
		users = append(users, u{"h-" + d.Code, d.Name + "承办人", anju.Grant{Role: anju.RoleHandler, Department: d.Code}})
	}
	grids := slices.Clone(t.byLevel[region.LevelGrid])
	rng.Shuffle(len(grids), func(i, j int) { grids[i], grids[j] = grids[j], grids[i] })
	for i, g := range grids[:min(40, len(grids))] {
		users = append(users, u{fmt.Sprintf("gw%03d", i+1), g.Name + "网格员", anju.Grant{Role: anju.RoleGridWorker, Region: g.Code}})
	}
	for i := 1; i <= 3; i++ {
		users = append(users, u{fmt.Sprintf("resident%d", i), fmt.Sprintf("居民%d", i), anju.Grant{Role: anju.RoleResident, Region: city}})
	}
	for _, c := range t.byLevel[region.LevelCommunity] {
		users = append(users, u{gridLeaderOf(c.Code), c.Name + "网格长", anju.Grant{Role: anju.RoleGridWorker, Region: c.Code}})
	}
	for _, x := range users {
		if err := add(x.login, x.name, x.g); err != nil {
			return err
		}
	}
	for _, x := range extras {
		if _, err := db.GrantRole(ctx, sys, x.login, x.g); err != nil {
			return fmt.Errorf("demo grant for %s: %w", x.login, err)
		}
	}
	return nil
}

// committeeOf is the code of the people's mediation committee of the street
// with code street.
func committeeOf(street string) string { return street + "-tjw" }

// gridLeaderOf is the login of the grid leader of the community with code
// community.
func gridLeaderOf(community string) string { return "gl" + community }

// describe counts what the demo city holds and picks one login per role.
func describe(ctx context.Context, db *store.DB, s *Summary) error {
	sys := anju.SystemActor("demo")
	s.Regions = map[region.Level]int{}
	tree, err := db.CityTree(ctx, s.City)
	if err != nil {
		return err
	}
	for _, r := range tree {
		s.Regions[r.Level]++
	}
	deps, err := db.ListDepartments(ctx, sys, store.DepartmentFilter{})
	if err != nil {
		return err
	}
	s.Departments = len(deps)
	users, err := db.ListUsers(ctx, sys)
	if err != nil {
		return err
	}
	s.Users = len(users)
	// One login per role, the one with the narrowest region (a region's
	// code grows with its depth): the example grid worker works a grid, not
	// a community as its grid leader does.
	shown := map[anju.Role]int{}
	for _, u := range users {
		for _, g := range u.Grants {
			scope := g.Region
			if g.Department != "" {
				scope = g.Department
			}
			l := Login{Role: g.Role, Login: u.Login, Scope: scope}
			i, seen := shown[g.Role]
			switch {
			case !seen:
				shown[g.Role] = len(s.Logins)
				s.Logins = append(s.Logins, l)
			case g.Department == "" && len(g.Region) > len(s.Logins[i].Scope):
				s.Logins[i] = l
			}
		}
	}
	slices.SortFunc(s.Logins, func(a, b Login) int {
		return slices.Index(anju.Roles, a.Role) - slices.Index(anju.Roles, b.Role)
	})
	return nil
}
