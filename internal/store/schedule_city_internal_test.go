package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/hazard"
	"anju/internal/notify"
	"anju/internal/personal"
	"anju/internal/region"
	"anju/internal/store/storetest"
)

// The two cities of the city-by-city tests; the second is the first's
// tree under another code.
var schedCities = []string{"330100", "330200"}

// cityWorld is a database with two cities, each with a department, an
// e-mail subscription to every event, a hazard to inspect, a week's
// hotspots read once and dispatched cases whose deadlines the tests'
// clock walks past.
type cityWorld struct {
	db     *DB
	clock  *anju.FakeClock
	actors map[string]*anju.Actor // city → its dispatcher and operator
	due    time.Time              // the cases' resolution deadline
}

func newCityWorld(t *testing.T, dsn string, keys *personal.Keyring, perCity bool) *cityWorld {
	t.Helper()
	w := openCityWorld(t, dsn, keys)
	// The path a distributed engine takes (eachCity), on any engine.
	w.db.distributed = w.db.distributed || perCity
	w.populate(t, schedCities)
	return w
}

func openCityWorld(t *testing.T, dsn string, keys *personal.Keyring) *cityWorld {
	t.Helper()
	clock := anju.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	db, err := Open(context.Background(), dsn, Options{Clock: clock, Keys: keys, PublicURL: "https://anju.example"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &cityWorld{db: db, clock: clock, actors: map[string]*anju.Actor{}}
}

// populate imports each city and gives it its department, subscription,
// hazard and three dispatched cases.
func (w *cityWorld) populate(t *testing.T, cities []string) {
	t.Helper()
	ctx := context.Background()
	db := w.db
	sys := anju.SystemActor("test")
	for _, city := range cities {
		if _, err := db.ImportRegions(ctx, sys, cityTree(city)); err != nil {
			t.Fatalf("regions of %s: %v", city, err)
		}
		office := "office-" + city
		if _, err := db.SaveDepartment(ctx, sys, Department{Code: office, Name: "街道办", Region: city[:4] + "02001",
			Categories: []string{"01"}}); err != nil {
			t.Fatal(err)
		}
		admin := &anju.Actor{UserID: 1, Login: "admin-" + city, City: city,
			Grants: []anju.Grant{{Role: anju.RoleAdmin, RegionPath: cityPath(city)}}}
		if _, err := db.SaveSubscription(ctx, admin, Subscription{Channel: "email", Target: "ops-" + city + "@anju.example"}); err != nil {
			t.Fatal(err)
		}
		a := &anju.Actor{UserID: 2, Login: "dispatcher-" + city, City: city,
			Grants: []anju.Grant{{Role: anju.RoleDispatcher, RegionPath: cityPath(city)}, {Role: anju.RoleOperator, RegionPath: cityPath(city)}}}
		w.actors[city] = a
		if _, err := db.RegisterHazard(ctx, a, hazard.Hazard{Type: hazard.TypeGas, Name: "燃气调压站", Address: "幸福路1号",
			Lat: 30.05, Lon: 120.02, RiskLevel: hazard.RiskMajor, Owner: "燃气集团"}); err != nil {
			t.Fatalf("hazard in %s: %v", city, err)
		}
		for i := range 3 {
			nc := NewCase{Title: fmt.Sprintf("路灯不亮 %d", i), Text: "小区门口的路灯已经坏了三天，晚上很黑", Category: "0101",
				Lat: ptr(30.05), Lon: ptr(120.02)}
			nc.Reporter.Name, nc.Reporter.Phone = "张三", "1381234123"+fmt.Sprint(i)
			c, _, err := db.CreateCase(ctx, a, nc, "")
			if err != nil {
				t.Fatalf("intake in %s: %v", city, err)
			}
			if _, err := db.Act(ctx, a, c.ID, cases.ActionAccept, ActionInput{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Act(ctx, a, c.ID, cases.ActionDispatch, ActionInput{Input: cases.Input{Department: office}}); err != nil {
				t.Fatal(err)
			}
			w.due = c.Deadlines.Resolution
		}
		// A week's hotspots, read once: the scheduler finds them again
		// until nobody has read them for a day, then drops them.
		if _, err := db.Hotspots(ctx, a, HotspotFilter{Days: 7}); err != nil {
			t.Fatal(err)
		}
	}
}

// cityTree is storetest.SmallCity under city's code.
func cityTree(city string) []region.Region {
	var rs []region.Region
	for _, r := range storetest.SmallCity() {
		r.Code = city[:4] + r.Code[4:]
		if r.Parent != "" {
			r.Parent = city[:4] + r.Parent[4:]
		}
		rs = append(rs, r)
	}
	return rs
}

// sentMessages records what the outbox delivers.
type sentMessages struct {
	mu  sync.Mutex
	got []string
}

func (s *sentMessages) Send(_ context.Context, m notify.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, m.Channel+" "+m.Target+" "+trackingCode.ReplaceAllString(m.Subject, "CODE"))
	return nil
}

// trackingCode matches a formatted tracking code, which is random: the
// tests' two databases give the same case different codes.
var trackingCode = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// pass is the scheduler's store steps, as scheduler.Pass takes them: the
// due steps until none is left, retraining, hotspots, warnings (a
// department's pile at 3 overdue cases, which each city's three make),
// inspection tasks, then the outbox.
func (w *cityWorld) pass(t *testing.T, sender notify.Sender) error {
	t.Helper()
	ctx := context.Background()
	var errs []error
	for {
		n, err := w.db.RunDue(ctx, DefaultPolicy, 2) // 2: several rounds for 3 cases a city
		errs = append(errs, err)
		if !n.More {
			break
		}
	}
	_, err := w.db.RetrainDue(ctx, 24*time.Hour)
	errs = append(errs, err)
	_, err = w.db.RefreshHotspots(ctx, HotspotsEvery)
	errs = append(errs, err)
	_, err = w.db.DetectWarnings(ctx, w.db.Now(), WarningPolicy{OverdueMin: 3})
	errs = append(errs, err)
	_, err = w.db.GenerateInspectionTasks(ctx, w.db.Now())
	errs = append(errs, err)
	for {
		sent, err := w.db.DeliverOutbox(ctx, sender, 2)
		errs = append(errs, err)
		if sent == 0 {
			break
		}
	}
	_, err = w.db.OutboxStatus(ctx)
	errs = append(errs, err)
	return errors.Join(errs...)
}

// state is what the scheduler's steps left in the database, a line for
// each case (its marks, card, handling region and events), notification,
// warning, inspection task and hotspot period, ids and times aside.
func (w *cityWorld) state(t *testing.T) string {
	t.Helper()
	var lines []string
	read := func(q string, format func(cols []string) string) {
		t.Helper()
		rows, err := w.db.sql.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		names, _ := rows.Columns()
		for rows.Next() {
			cols := make([]string, len(names))
			ptrs := make([]any, len(cols))
			for i := range cols {
				ptrs[i] = &cols[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, format(cols))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	read(`SELECT c.city, c.title, c.state, CASE WHEN c.warned THEN 'true' ELSE 'false' END, CASE WHEN c.overdue THEN 'true' ELSE 'false' END,
		c.card, c.handling_region, (SELECT COUNT(*) FROM case_events e WHERE e.case_id = c.id AND e.city = c.city) FROM cases c`,
		func(c []string) string {
			return fmt.Sprintf("case %s %s: %s warned=%s overdue=%s card=%q at %s, %s events", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
		})
	read(`SELECT o.city, COALESCE(c.title, ''), o.channel, o.target, o.subject, o.status
		FROM outbox o LEFT JOIN cases c ON c.id = o.case_id AND c.city = o.city`, func(c []string) string {
		return fmt.Sprintf("outbox %s %s: %s %s %q %s", c[0], c[1], c[2], c[3], trackingCode.ReplaceAllString(c[4], "CODE"), c[5])
	})
	read(`SELECT city, kind, subject FROM warnings`, func(c []string) string {
		return fmt.Sprintf("warning %s %s %s", c[0], c[1], c[2])
	})
	read(`SELECT t.city, h.name, t.period_start, t.due_on, t.state FROM inspection_tasks t JOIN hazards h ON h.id = t.hazard_id AND h.city = t.city`,
		func(c []string) string {
			return fmt.Sprintf("inspection %s %s %s–%s %s", c[0], c[1], c[2], c[3], c[4])
		})
	read(`SELECT city, days, since, CASE WHEN computed_at > 0 THEN 'computed' ELSE 'not computed' END, cases FROM hotspot_runs`,
		func(c []string) string {
			return fmt.Sprintf("hotspots %s %s days since %s: %s, %s cases", c[0], c[1], c[2], c[3], c[4])
		})
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestDueCityByCity: the scheduler's steps taken city by city, as on a
// distributed engine (eachCity), leave what the one pass over every city
// leaves — deadline warnings, overdue marks and yellow cards, red cards,
// escalations, and the notifications of each, delivered; early warnings,
// inspection tasks and hotspots — at every step of the clock.
func TestDueCityByCity(t *testing.T) {
	keys := testKeys(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		whole := newCityWorld(t, dsn, keys, false)
		byCity := newCityWorld(t, otherDSN(t, whole.db), keys, true)
		if whole.state(t) != byCity.state(t) {
			t.Fatalf("the two databases differ before any step:\n%s\n---\n%s", whole.state(t), byCity.state(t))
		}
		for _, step := range []struct {
			name string
			at   time.Duration // from the deadline
			want string        // in every case's line
		}{
			{"a day before", -DefaultPolicy.WarnBefore + time.Minute, "warned=true overdue=false"},
			{"just late", time.Minute, `overdue=true card="yellow"`},
			{"two days late", DefaultPolicy.RedAfter + time.Minute, `card="red"`},
			{"three days late", DefaultPolicy.EscalateAfter + time.Minute, `card="red" at %s02,`},
		} {
			var sent [2]sentMessages
			for i, w := range []*cityWorld{whole, byCity} {
				w.clock.Set(w.due.Add(step.at))
				if err := w.pass(t, &sent[i]); err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
			}
			got, want := byCity.state(t), whole.state(t)
			if got != want {
				t.Fatalf("%s: city by city\n%s\nwant\n%s", step.name, got, want)
			}
			for _, l := range strings.Split(got, "\n") {
				if city, ok := strings.CutPrefix(l, "case "); ok && !strings.Contains(l, strings.ReplaceAll(step.want, "%s", city[:4])) {
					t.Errorf("%s: %s; want %s", step.name, l, step.want)
				}
				if strings.HasPrefix(l, "outbox ") && !strings.HasSuffix(l, " sent") {
					t.Errorf("%s: not delivered: %s", step.name, l)
				}
			}
			slices.Sort(sent[0].got)
			slices.Sort(sent[1].got)
			if len(sent[0].got) == 0 || !slices.Equal(sent[0].got, sent[1].got) {
				t.Errorf("%s: delivered city by city %q, in one pass %q", step.name, sent[1].got, sent[0].got)
			}
		}
		logPassTime(t, whole.db, whole.clock)
		logPassTime(t, byCity.db, byCity.clock)
	})
}

// TestDueCityDown: taken city by city, the scheduler's steps of a city
// that fails — here triggers refuse every change to its rows of the tables
// the steps write, as a stopped worker refuses its shards' — fail alone,
// with an error naming the city: the other city's cases are marked, carded
// and notified, its warning raised, its inspection task and hotspots made,
// and the failed city's steps happen on the first pass after it works
// again, leaving what a pass without the failure leaves.
func TestDueCityDown(t *testing.T) {
	keys := testKeys(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := openCityWorld(t, dsn, keys)
		if w.db.distributed {
			t.Skip("Citus refuses triggers on distributed tables; TestCitusSchedulerByCity drills a city down there")
		}
		w.db.distributed = true // the path a distributed engine takes (eachCity)
		w.populate(t, schedCities)
		down, up := schedCities[0], schedCities[1]
		// Every table the steps write: a change to a row of the down city
		// fails.
		tables := []string{"cases", "outbox", "warnings", "hazards", "inspection_tasks", "hotspot_runs", "hotspots"}
		var fail, heal []string
		if w.db.dialect.name() == "postgres" {
			fail = []string{`CREATE FUNCTION city_down() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'city % is down', TG_ARGV[0]; END $$`}
			for _, table := range tables {
				fail = append(fail, fmt.Sprintf(`CREATE TRIGGER %[1]s_down BEFORE INSERT OR UPDATE ON %[1]s FOR EACH ROW
					WHEN (NEW.city = '%[2]s') EXECUTE FUNCTION city_down('%[2]s')`, table, down),
					fmt.Sprintf(`CREATE TRIGGER %[1]s_delete_down BEFORE DELETE ON %[1]s FOR EACH ROW
					WHEN (OLD.city = '%[2]s') EXECUTE FUNCTION city_down('%[2]s')`, table, down))
				heal = append(heal, fmt.Sprintf(`DROP TRIGGER %[1]s_down ON %[1]s`, table), fmt.Sprintf(`DROP TRIGGER %[1]s_delete_down ON %[1]s`, table))
			}
		} else {
			for _, table := range tables {
				for _, op := range []string{"insert", "update", "delete"} {
					row := "NEW"
					if op == "delete" {
						row = "OLD"
					}
					fail = append(fail, fmt.Sprintf(`CREATE TRIGGER %[1]s_%[3]s_down BEFORE %[3]s ON %[1]s WHEN %[4]s.city = '%[2]s'
						BEGIN SELECT RAISE(ABORT, 'city %[2]s is down'); END`, table, down, op, row))
					heal = append(heal, fmt.Sprintf(`DROP TRIGGER %s_%s_down`, table, op))
				}
			}
		}
		for _, q := range fail {
			if _, err := w.db.sql.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		w.clock.Set(w.due.Add(time.Minute))
		var sent sentMessages
		state := w.checkDown(t, w.state(t), w.pass(t, &sent), down, up)
		for _, want := range []string{"inspection " + up + " ", "hotspots " + up + " 30 days since 0: computed"} {
			if !strings.Contains(state, want) {
				t.Errorf("the working city has no %q:\n%s", want, state)
			}
		}
		if !slices.ContainsFunc(sent.got, func(m string) bool { return strings.Contains(m, "ops-"+up) }) {
			t.Errorf("nothing sent to the working city's subscription: %q", sent.got)
		}

		// The city works again: its steps happen, once.
		for _, q := range heal {
			if _, err := w.db.sql.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		w.clock.Advance(time.Minute)
		if err := w.pass(t, &sent); err != nil {
			t.Fatalf("after the city came back: %v", err)
		}
		whole := newCityWorld(t, otherDSN(t, w.db), keys, false)
		whole.clock.Set(w.clock.Now())
		if err := whole.pass(t, &sentMessages{}); err != nil {
			t.Fatal(err)
		}
		if got, want := w.state(t), whole.state(t); got != want {
			t.Errorf("after the city came back:\n%s\nwant, as without the failure,\n%s", got, want)
		}
	})
}

// checkDown checks a pass just past the cases' deadline, which returned
// err, with city down failing and city up working: the failures are
// down's alone, nothing of down's changed from before (the state before
// the pass), and up's cases are marked overdue and carded, notified and
// warned of. It returns the state, read with down back (heal, when
// given, brings it back: a distributed engine reads every worker).
func (w *cityWorld) checkDown(t *testing.T, before string, err error, down, up string, heal ...func()) string {
	t.Helper()
	cities, others := Failures(err)
	for _, e := range others {
		t.Errorf("a failure that is not a city's: %v", e)
	}
	if len(cities) == 0 {
		t.Errorf("nothing failed with %s down", down)
	}
	for _, ce := range cities {
		if ce.City != down {
			t.Errorf("%s failed with %s down: %v", ce.City, down, ce.Err)
		}
	}
	for _, h := range heal {
		h()
	}
	state := w.state(t)
	of := func(state, city string) string {
		var lines []string
		for _, l := range strings.Split(state, "\n") {
			if strings.Contains(l, " "+city+" ") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	if got, was := of(state, down), of(before, down); got != was {
		t.Errorf("the failed city changed:\n%s\nwas\n%s", got, was)
	}
	for _, l := range strings.Split(state, "\n") {
		switch {
		case strings.HasPrefix(l, "case "+up) && !strings.Contains(l, `overdue=true card="yellow"`):
			t.Errorf("the working city's case is not marked: %s", l)
		case strings.HasPrefix(l, "outbox "+up) && !strings.HasSuffix(l, " sent"):
			t.Errorf("the working city's notification is not delivered: %s", l)
		}
	}
	if !strings.Contains(state, "warning "+up+" overdue_pile") {
		t.Errorf("no warning raised in the working city:\n%s", state)
	}
	return state
}

// testKeys is a fresh data-encryption keyring.
func testKeys(t *testing.T) *personal.Keyring {
	keys, err := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// otherDSN is a fresh database of db's engine.
func otherDSN(t *testing.T, db *DB) string {
	for _, e := range storetest.Engines() {
		if e.Name == db.dialect.name() {
			return e.NewDSN(t)
		}
	}
	t.Fatalf("no engine %s", db.dialect.name())
	return ""
}
