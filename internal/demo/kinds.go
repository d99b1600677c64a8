package demo

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
)

// The demo's other kinds — disputes, the hazard register with its
// inspections, reception sessions and community meetings — are written
// after the history of requests, each through the same store calls a
// person's clicks make, on a clock of its own (like the petitions): each
// thing is taken through its steps at the times its fate draws, over the
// last two years, and stops where the history ends.

// kindsSpan is how far back the other kinds go.
const kindsSpan = 2 * 365 * 24 * time.Hour

// kindSizes is how many of each kind the demo writes: for the default
// history of 200,000 requests, 2,000 disputes, 2,400 places on the hazard
// register, 600 reception sessions and 600 meetings; a smaller history
// gets proportionally fewer, never so few that a fate goes missing.
type kindSizes struct {
	disputes, hazards, receptions, meetings int
}

func sizesFor(requests int) kindSizes {
	scale := func(full, least int) int { return max(least, full*requests/200_000) }
	return kindSizes{disputes: scale(2000, 30), hazards: scale(2400, 40), receptions: scale(600, 16), meetings: scale(600, 16)}
}

// fillKinds writes the other kinds, sized by the history's requests.
func fillKinds(ctx context.Context, db *store.DB, w *world, opt CaseOptions) error {
	k, err := newKindsWorld(ctx, w, db, opt.Now)
	if err != nil {
		return err
	}
	size := sizesFor(opt.Cases)
	for _, fill := range []func() error{
		func() error { return fillDisputes(ctx, k, size.disputes, opt.Seed) },
		func() error { return fillHazards(ctx, k, size.hazards, opt.Seed) },
		func() error { return fillReceptions(ctx, k, size.receptions, opt.Seed) },
		func() error { return fillMeetings(ctx, k, size.meetings, opt.Seed) },
	} {
		if err := fill(); err != nil {
			return err
		}
	}
	return nil
}

// inSlices takes steps 0 to n-1 — a dispute, a session, a day of the
// register — in transactions of sliceBudget of work each, as the history
// goes in: the store's calls a step makes (each its own transaction when
// a person clicks) run in the slice's, through k.db bound to it: a
// transaction per call made the kinds, at a tenth of the history's work,
// commit several times as often as it. A step is the unit: one longer
// than the budget (a busy day of the register) is a slice of its own. A
// slice run again (another process held the database) starts again at
// its first step, with the draws and queues where the failed run left
// them, as the history's slices do.
func (k *kindsWorld) inSlices(ctx context.Context, n int, step func(i int) error) error {
	defer func() { k.db = k.base }()
	for i := 0; i < n; {
		from := i
		err := k.base.InTx(ctx, func(tx *store.Tx) error {
			k.db, i = tx.Bound(), from
			for began := time.Now(); i < n && time.Since(began) < sliceBudget; i++ {
				if err := step(i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// timeline is one thing's time as the demo takes it through its steps.
type timeline struct {
	clock *anju.FakeClock
	now   time.Time // the end of the history
	rng   *rand.Rand
	at    time.Time // when the last step happened
}

// start puts the timeline at t, moved into the working hours of its day.
func (p *timeline) start(t time.Time) {
	p.at = workHours(t, p.rng)
	p.clock.Set(p.at)
}

// after moves the time on by days (a fraction) into working hours and
// reports whether that is still in the past of the history's end.
func (p *timeline) after(minDays, maxDays float64) bool {
	d := minDays + p.rng.Float64()*(maxDays-minDays)
	t := workHours(p.at.Add(time.Duration(d*24*float64(time.Hour))), p.rng)
	if !t.Before(p.now) {
		return false
	}
	p.at = t
	p.clock.Set(t)
	return true
}

// kindsWorld is what the kinds' fills share: the world, the store on a
// clock of their own, and the end of the history.
type kindsWorld struct {
	*world
	// db is the store on the kinds' clock, bound to the transaction of
	// the slice being written (inSlices); base the same outside any.
	db, base *store.DB
	clock    *anju.FakeClock
	now      time.Time
	byCode   map[string]gridInfo
	// regionNames are the names of the city's regions by code.
	regionNames map[string]string
	// mediatorOf is the login of each street's mediator, by street code;
	// mediators the names of the people who mediate there.
	mediatorOf map[string]string
	mediators  map[string][]string
	// supervisorOf is each district's supervisor, dispatcherOf each
	// street's dispatcher: the leaders who receive residents.
	supervisorOf, dispatcherOf map[string]string
}

func newKindsWorld(ctx context.Context, w *world, db *store.DB, now time.Time) (*kindsWorld, error) {
	clock := anju.NewFakeClock(now)
	base := db.WithClock(clock)
	k := &kindsWorld{world: w, db: base, base: base, clock: clock, now: now, byCode: map[string]gridInfo{},
		regionNames: map[string]string{}, mediatorOf: map[string]string{}, mediators: map[string][]string{},
		supervisorOf: map[string]string{}, dispatcherOf: map[string]string{}}
	for _, g := range w.grids {
		k.byCode[g.code] = g
	}
	tree, err := db.CityTree(ctx, w.city)
	if err != nil {
		return nil, err
	}
	for _, r := range tree {
		k.regionNames[r.Code] = r.Name
	}
	for login, a := range w.actors {
		for _, g := range a.Grants {
			switch {
			case g.Role == anju.RoleMediator && strings.HasSuffix(g.Department, committeeOf("")):
				k.mediatorOf[strings.TrimSuffix(g.Department, committeeOf(""))] = login
			case g.Role == anju.RoleSupervisor && len(g.Region) == 6 && g.Region != w.city:
				k.supervisorOf[g.Region] = login
			case g.Role == anju.RoleDispatcher && len(g.Region) == 9:
				k.dispatcherOf[g.Region] = login
			}
		}
	}
	return k, nil
}

// timeline starts a timeline at t with random stream rng.
func (k *kindsWorld) timeline(rng *rand.Rand, t time.Time) *timeline {
	tl := &timeline{clock: k.clock, now: k.now, rng: rng}
	tl.start(t)
	return tl
}

// publishedTimeline is the timeline of a session or meeting held at start
// and published daysBefore days ahead of it; one still ahead was published
// within the last day (the simulated clock never passes now).
func (k *kindsWorld) publishedTimeline(rng *rand.Rand, start time.Time, daysBefore int, upcoming bool) *timeline {
	tl := k.timeline(rng, start.Add(-time.Duration(daysBefore)*24*time.Hour))
	if upcoming {
		tl.at = k.now.Add(-time.Duration(1+rng.Intn(24)) * time.Hour)
		k.clock.Set(tl.at)
	}
	return tl
}

// actor is the demo user with login, or an error naming it.
func (k *kindsWorld) actor(login string) (*anju.Actor, error) {
	if a := k.actors[login]; a != nil {
		return a, nil
	}
	return nil, fmt.Errorf("demo user %s missing", login)
}

// bornCase is a case filed face to face (at a reception session, of a
// meeting's decision), waiting to be worked once its session is over.
type bornCase struct {
	id        int64
	at        time.Time
	grid, cat string
}

// workBorn works the cases born at one session through to their end, each
// on its own timeline from its filing, with result as the handler's word.
func (k *kindsWorld) workBorn(ctx context.Context, rng *rand.Rand, cs []bornCase, result string) error {
	for _, c := range cs {
		if err := k.workCase(ctx, k.timeline(rng, c.at), c.id, c.grid, c.cat, result); err != nil {
			return err
		}
	}
	return nil
}

// workCase takes a case born face to face (at a reception session, of a
// meeting's decision) through the workflow as the history's requests go:
// accepted, dispatched to the department that serves the place and
// category, signed for, resolved, checked on site and closed, each step
// days after the one before, until the history ends. The steps go in one
// transaction, the clock set to each step's time, as the history's do.
func (k *kindsWorld) workCase(ctx context.Context, tl *timeline, id int64, grid, category, result string) error {
	g, ok := k.byCode[grid]
	if !ok {
		return fmt.Errorf("demo case %d: grid %s unknown", id, grid)
	}
	dept := k.department(g, category, tl.rng)
	if dept == "" {
		return fmt.Errorf("demo case %d: no department serves category %s at %s", id, category, grid)
	}
	type step struct {
		who    string
		action cases.Action
		in     cases.Input
	}
	steps := []struct {
		min, max float64
		step
	}{
		{0.05, 0.5, step{"operator01", cases.ActionAccept, cases.Input{}}},
		{0.05, 0.5, step{"dispatcher", cases.ActionDispatch, cases.Input{Department: dept}}},
		{0.2, 2, step{"h-" + dept, cases.ActionStart, cases.Input{}}},
		{2, 20, step{"h-" + dept, cases.ActionResolve, cases.Input{Result: result}}},
		{0.5, 4, step{"dispatcher", cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite}}},
		{0.05, 1, step{"dispatcher", cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved}}},
	}
	// The times are drawn first: the transaction may run twice.
	var when []time.Time
	for _, s := range steps {
		if !tl.after(s.min, s.max) {
			break
		}
		when = append(when, tl.at)
	}
	return k.db.InTx(ctx, func(tx *store.Tx) error {
		for i, at := range when {
			s := steps[i]
			a, err := k.actor(s.who)
			if err != nil {
				return err
			}
			k.clock.Set(at)
			if _, err := tx.Act(ctx, a, id, s.action, store.ActionInput{Input: s.in}); err != nil {
				return fmt.Errorf("demo case %d %s by %s: %w", id, s.action, s.who, err)
			}
		}
		return nil
	})
}

// personName draws a Chinese name.
func personName(rng *rand.Rand) string {
	return surnames[rng.Intn(len(surnames))] + givenNames[rng.Intn(len(givenNames))]
}

var givenNames = []string{"建国", "秀英", "志强", "桂兰", "海涛", "玉梅", "国平", "丽娟", "德明", "淑芬", "伟", "芳", "娜", "敏", "静",
	"磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "文博", "子涵", "浩然", "欣怡", "宇轩", "梓萱"}

// mobile draws a mobile phone number.
func mobile(rng *rand.Rand) string {
	return fmt.Sprintf("1%d%09d", 3+rng.Intn(7), rng.Intn(1_000_000_000))
}
