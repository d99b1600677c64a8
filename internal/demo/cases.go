package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/region"
	"anju/internal/store"
	"anju/internal/taxonomy"
)

// CaseOptions shape the generated history.
type CaseOptions struct {
	Cases int           // how many cases (default 200,000)
	Span  time.Duration // how far back they start (default three years)
	Seed  int64
	Now   time.Time // the end of the history (default: the store's now)
	// Progress, when set, is told how many cases are written so far.
	Progress func(done int)
}

// CaseSummary counts what the generator wrote.
type CaseSummary struct {
	Cases    int
	ByState  map[cases.State]int
	Rated    int
	Reopened int
	Elapsed  time.Duration
}

// phrases are the concrete troubles a report describes, per taxonomy group;
// the generator picks the leaf's name as the subject and one of these as the
// detail, so that texts vary like real ones and still match their category.
var phrases = []string{
	"已经持续好几天了，希望尽快处理", "多次反映没有结果，请相关部门重视", "影响周边居民正常生活",
	"晚上尤其严重，老人孩子休息不好", "存在安全隐患，担心出事", "物业说不归他们管，不知道找谁",
	"拍了照片，可以现场查看", "周末情况更严重", "附近商户也有意见", "希望给个明确答复",
}

// Populate fills the demo city with cases over the past Span, through the
// real intake and workflow code: each case is prepared and inserted, then
// moved through its actions by the staff who would take them, with the clock
// set to when they happen. The scheduler runs once per simulated day, so late
// cases get their warnings, cards and escalations as they would have.
// Commits are grouped by time (sliceBudget) rather than one per event, which
// is what makes it fast.
func Populate(ctx context.Context, db *store.DB, opt CaseOptions) (CaseSummary, error) {
	start := time.Now()
	if opt.Cases <= 0 {
		opt.Cases = 200_000
	}
	if opt.Span <= 0 {
		opt.Span = 3 * 365 * 24 * time.Hour
	}
	if opt.Now.IsZero() {
		opt.Now = db.Now()
	}
	rng := rand.New(rand.NewSource(opt.Seed))
	spec := region.DefaultDemoSpec()
	city := spec.CityCode
	w, err := newWorld(ctx, db, city)
	if err != nil {
		return CaseSummary{}, err
	}
	clock := anju.NewFakeClock(opt.Now.Add(-opt.Span))
	hdb := db.WithClock(clock)

	// Arrival times: more on weekdays and in summer, sorted.
	times := make([]time.Time, opt.Cases)
	first := opt.Now.Add(-opt.Span)
	for i := range times {
		for {
			t := first.Add(time.Duration(rng.Int63n(int64(opt.Span))))
			weight := 1.0
			if wd := t.In(shanghai).Weekday(); wd == time.Saturday || wd == time.Sunday {
				weight = 0.6
			}
			weight *= 0.8 + 0.2*math.Sin(float64(t.YearDay())/365*2*math.Pi-math.Pi/2) // summer peak
			if h := t.In(shanghai).Hour(); h < 7 || h > 22 {
				weight *= 0.2
			}
			if rng.Float64() < weight {
				times[i] = t
				break
			}
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })

	// Intakes are prepared — placed, classified, their text cut into words
	// — on a goroutine of their own, ahead of the single writer, as
	// concurrent requests prepare theirs before the group commit.
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	filings := w.prepare(pctx, db, times, opt.Seed)
	nextFiling, more := filings.next()

	sum := CaseSummary{ByState: map[cases.State]int{}}
	var agenda agendaQueue
	policy := store.DefaultPolicy
	day := first.Truncate(24 * time.Hour)
	dayEnd := func(d time.Time) time.Time {
		if e := d.Add(24 * time.Hour); e.Before(opt.Now) {
			return e
		}
		return opt.Now
	}
	end := dayEnd(day)
	// step takes the next event of the history — a new case, a step of an
	// old one, or the scheduler's pass at the end of the day — and reports
	// whether the history is complete.
	step := func(tx *store.Tx) (bool, error) {
		// Whichever comes first: a new case or a step of an old one.
		var t time.Time
		isNew := more && nextFiling.at.Before(end)
		if isNew {
			if nextFiling.err != nil {
				return false, nextFiling.err
			}
			t = nextFiling.at
		}
		if s, ok := agenda.peek(); ok && s.at.Before(end) && (!isNew || s.at.Before(t)) {
			agenda.pop()
			clock.Set(s.at)
			return false, w.advance(ctx, tx, s, &agenda, rng, &sum)
		}
		if isNew {
			clock.Set(t)
			if err := w.file(ctx, tx, nextFiling, rng, &agenda); err != nil {
				return false, err
			}
			nextFiling, more = filings.next()
			sum.Cases++
			if opt.Progress != nil && sum.Cases%10000 == 0 {
				opt.Progress(sum.Cases)
			}
			return false, nil
		}
		clock.Set(end)
		if _, err := tx.RunDue(ctx, policy, 100_000); err != nil {
			return false, err
		}
		day, end = end, dayEnd(end)
		return !day.Before(opt.Now), nil
	}
	for done := false; !done && ctx.Err() == nil; {
		// The history goes in by slices of time, not of the simulated
		// calendar: a transaction commits once it has run for sliceBudget,
		// so that the server beside the filler, whose writers wait for the
		// same lock, always gets it within a fraction of a second.
		err := hdb.InTx(ctx, func(tx *store.Tx) error {
			began := time.Now()
			for !done && time.Since(began) < sliceBudget {
				var err error
				if done, err = step(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return sum, err
		}
		// No pause: writers of this process queue for the lock and get it
		// at the commit (store/busy.go); one of another process polls for
		// it and retries. A pause of even 1 ms after each slice cost the
		// fill 10–20%.
	}
	if err := fillKinds(ctx, db, w, opt); err != nil {
		return sum, err
	}
	if err := fillPetitions(ctx, db, w, opt.Now, opt.Seed); err != nil {
		return sum, err
	}
	// The early warnings as the scheduler's first pass raises them, among
	// them the large disputes still open.
	if _, err := db.DetectWarnings(ctx, opt.Now, store.WarningPolicy{}); err != nil {
		return sum, err
	}
	st, err := db.CaseStates(ctx, city)
	if err != nil {
		return sum, err
	}
	sum.ByState = st
	sum.Elapsed = time.Since(start)
	return sum, ctx.Err()
}

var shanghai = time.FixedZone("CST", 8*3600)

// sliceBudget is how long one transaction of the fill works before it
// commits. A simulated week to a commit held the write lock for most of a
// second on the 200,000-case fill, and the server's writers timed out behind
// it. The commit's own flush of the rows, search entries and audit records
// gathered adds about two thirds again (measured: 50 ms of work held the
// lock 80–110 ms), hence 30 ms for a hold under 100 ms. Shorter slices
// commit more often, and each commit rewrites the WAL pages of the indexes
// it touched and adds a search-index segment.
const sliceBudget = 30 * time.Millisecond

// world is what the generator knows of the demo city.
type world struct {
	city       string
	grids      []gridInfo
	leaves     []taxonomy.Category
	weights    []float64
	deptsFor   map[string][]store.Department // by category group → departments serving it
	deptByCode map[string]store.Department
	actors     map[string]*anju.Actor
}

type gridInfo struct {
	code string
	name string
	path string
	at   orb.Point
}

func newWorld(ctx context.Context, db *store.DB, city string) (*world, error) {
	w := &world{city: city, deptsFor: map[string][]store.Department{}, deptByCode: map[string]store.Department{}, actors: map[string]*anju.Actor{}}
	grids, err := db.Grids(ctx, city)
	if err != nil {
		return nil, err
	}
	tree, err := db.CityTree(ctx, city)
	if err != nil {
		return nil, err
	}
	for _, g := range grids {
		path, _ := region.PathOf(tree, g.Code)
		c, _ := planar.CentroidArea(g.Geometry)
		w.grids = append(w.grids, gridInfo{code: g.Code, name: g.Name, path: path, at: c})
	}
	tax, err := db.Taxonomy(ctx, city)
	if err != nil {
		return nil, err
	}
	for _, l := range tax.Leaves() {
		if !l.Active {
			continue
		}
		w.leaves = append(w.leaves, l)
		// Street-level matters (city appearance, housing, disputes) are
		// reported most; petitions and rare hazards least.
		wt := 1.0
		switch l.Code[:2] {
		case "01", "03", "04":
			wt = 3
		case "02", "05", "11":
			wt = 2
		case "16":
			wt = 0.2
		}
		w.weights = append(w.weights, wt)
	}
	sys := anju.SystemActor("demo")
	deps, err := db.ListDepartments(ctx, sys, store.DepartmentFilter{})
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		w.deptByCode[d.Code] = d
		for _, c := range d.Categories {
			w.deptsFor[c] = append(w.deptsFor[c], d)
		}
	}
	users, err := db.ListUsers(ctx, sys)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		w.actors[u.Login] = &anju.Actor{UserID: u.ID, Login: u.Login, City: u.City, Grants: u.Grants}
	}
	for _, need := range []string{"operator01", "dispatcher", "supervisor", "resident1"} {
		if w.actors[need] == nil {
			return nil, fmt.Errorf("demo user %s missing", need)
		}
	}
	return w, nil
}

func (w *world) pickLeaf(rng *rand.Rand) taxonomy.Category {
	total := 0.0
	for _, x := range w.weights {
		total += x
	}
	r := rng.Float64() * total
	for i, x := range w.weights {
		if r < x {
			return w.leaves[i]
		}
		r -= x
	}
	return w.leaves[len(w.leaves)-1]
}

// department picks who handles a case as a dispatcher would (属地): the most
// local department at or above the grid that serves the category's group,
// and one time in ten the next one up (a bureau taking a matter over).
func (w *world) department(g gridInfo, cat string, rng *rand.Rand) string {
	var fit []store.Department
	for _, d := range w.deptsFor[cat[:2]] {
		if strings.HasPrefix(g.path, d.RegionPath) {
			fit = append(fit, d)
		}
	}
	if len(fit) == 0 {
		return ""
	}
	slices.SortFunc(fit, func(a, b store.Department) int {
		if d := len(b.RegionPath) - len(a.RegionPath); d != 0 {
			return d
		}
		return strings.Compare(a.Code, b.Code)
	})
	if len(fit) > 1 && rng.Intn(10) == 0 {
		return fit[1].Code
	}
	return fit[0].Code
}

// step is a scheduled workflow action on a generated case.
type step struct {
	at     time.Time
	action cases.Action
	plan   *plan
}

// plan is the fate drawn for a case when it is filed.
type plan struct {
	grid       gridInfo
	category   string
	department string
	late       bool
	returned   bool
	extension  bool
	rating     cases.Rating
	reopen     bool
	reopened   bool
	resident   bool
	reporter   string
	hasPhone   bool
	c          store.Case // as the last step left it
}

// filing is an intake prepared ahead of the writer.
type filing struct {
	at   time.Time
	prep *store.PreparedCase
	plan *plan
	err  error
}

// prepare draws each case's place, category, text and reporter and prepares
// its intake at its time, in order, on a goroutine of its own with its own
// random stream, so that the history stays the same for a seed. Filings
// travel in batches: one channel handover per case woke the writer 200,000
// times.
func (w *world) prepare(ctx context.Context, db *store.DB, times []time.Time, seed int64) *filingStream {
	const batch = 64
	out := make(chan []filing, 8)
	go func() {
		defer close(out)
		rng := rand.New(rand.NewSource(seed ^ 0x5eed))
		clock := anju.NewFakeClock(times[0])
		pdb := db.WithClock(clock)
		for start := 0; start < len(times); start += batch {
			fs := make([]filing, 0, batch)
			for _, t := range times[start:min(start+batch, len(times))] {
				clock.Set(t)
				f := w.prepareOne(ctx, pdb, t, rng)
				fs = append(fs, f)
				if f.err != nil {
					break
				}
			}
			select {
			case out <- fs:
			case <-ctx.Done():
				return
			}
			if fs[len(fs)-1].err != nil {
				return
			}
		}
	}()
	return &filingStream{ch: out}
}

// filingStream hands the writer the prepared filings one at a time.
type filingStream struct {
	ch  <-chan []filing
	buf []filing
}

func (s *filingStream) next() (filing, bool) {
	if len(s.buf) == 0 {
		fs, ok := <-s.ch
		if !ok {
			return filing{}, false
		}
		s.buf = fs
	}
	f := s.buf[0]
	s.buf = s.buf[1:]
	return f, true
}

func (w *world) prepareOne(ctx context.Context, db *store.DB, t time.Time, rng *rand.Rand) filing {
	g := w.grids[rng.Intn(len(w.grids))]
	cat := w.pickLeaf(rng)
	nc := store.NewCase{
		Title:    cat.Name,
		Text:     fmt.Sprintf("%s%s附近%s，%s。", g.name, []string{"小区", "路口", "楼下", "菜市场", "学校"}[rng.Intn(5)], cat.Name, phrases[rng.Intn(len(phrases))]),
		Category: cat.Code,
		Lat:      ptr(g.at[1] + (rng.Float64()-0.5)*1e-5),
		Lon:      ptr(g.at[0] + (rng.Float64()-0.5)*1e-5),
	}
	p := &plan{grid: g, category: cat.Code}
	actor := w.actors["operator01"]
	switch r := rng.Float64(); {
	case r < 0.15:
		nc.Reporter.Anonymous = true
	case r < 0.25:
		p.reporter, p.resident = fmt.Sprintf("resident%d", 1+rng.Intn(3)), true
		actor = w.actors[p.reporter]
	default:
		nc.Reporter.Name = surnames[rng.Intn(len(surnames))] + "先生"
		nc.Reporter.Phone = fmt.Sprintf("1%d%09d", 3+rng.Intn(7), rng.Intn(1_000_000_000))
		p.hasPhone = true
	}
	prep, err := db.PrepareCase(ctx, actor, nc, "")
	if err != nil {
		// A centroid can fall outside an odd-shaped grid's city edge; file
		// by grid code instead.
		nc.Lat, nc.Lon, nc.Grid = nil, nil, g.code
		prep, err = db.PrepareCase(ctx, actor, nc, "")
	}
	return filing{at: t, prep: prep, plan: p, err: err}
}

func (w *world) file(ctx context.Context, tx *store.Tx, f filing, rng *rand.Rand, ag *agendaQueue) error {
	p := f.plan
	c, _, err := tx.InsertCase(ctx, f.prep)
	if err != nil {
		return err
	}
	p.c = c
	p.department = w.department(p.grid, p.category, rng)
	p.late = rng.Float64() < 0.08
	p.returned = rng.Float64() < 0.04
	p.extension = rng.Float64() < 0.03
	if p.hasPhone || p.resident {
		if rng.Float64() < 0.85 {
			switch r := rng.Float64(); {
			case r < 0.76:
				p.rating = cases.RatingSatisfied
			case r < 0.91:
				p.rating = cases.RatingBasically
			default:
				p.rating = cases.RatingUnsatisfied
				p.reopen = rng.Float64() < 0.45
			}
		}
	}
	action := cases.ActionAccept
	if rng.Float64() < 0.03 || p.department == "" {
		action = cases.ActionReject
	}
	ag.push(step{at: f.at.Add(jitter(rng, 20*time.Minute, 3*time.Hour)), action: action, plan: p})
	return nil
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}

func ptr(f float64) *float64 { return &f }

func jitter(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int63n(int64(hi-lo)))
}

// advance takes one step and schedules the next.
func (w *world) advance(ctx context.Context, tx *store.Tx, s step, ag *agendaQueue, rng *rand.Rand, sum *CaseSummary) error {
	p := s.plan
	in := cases.Input{}
	who := "operator01"
	var nextAction cases.Action
	var wait time.Duration
	handler := "h-" + p.department
	switch s.action {
	case cases.ActionAccept:
		nextAction, wait = cases.ActionDispatch, jitter(rng, 10*time.Minute, 4*time.Hour)
	case cases.ActionReject:
		in.Reason = "不属于受理范围，已告知诉求人通过其他渠道反映"
	case cases.ActionDispatch:
		who = "dispatcher"
		in.Department = p.department
		nextAction, wait = cases.ActionStart, jitter(rng, 30*time.Minute, 8*time.Hour)
	case cases.ActionReturn:
		who, in.Reason = handler, "该事项不属于本单位职责"
		nextAction, wait = cases.ActionDispatch, jitter(rng, time.Hour, 6*time.Hour)
		p.returned = false
	case cases.ActionStart:
		who = handler
		if p.returned {
			nextAction, wait = cases.ActionReturn, jitter(rng, time.Hour, 24*time.Hour)
			break
		}
		if p.extension {
			nextAction, wait = cases.ActionRequestExtension, jitter(rng, 24*time.Hour, 72*time.Hour)
			break
		}
		nextAction, wait = cases.ActionResolve, w.resolveIn(p, s.at, rng)
	case cases.ActionRequestExtension:
		who, in.Reason, in.Days = handler, "需协调多个部门现场处置", 5
		nextAction, wait = cases.ActionApproveExtension, jitter(rng, time.Hour, 12*time.Hour)
	case cases.ActionApproveExtension:
		who = "dispatcher"
		p.extension = false
		nextAction, wait = cases.ActionResolve, w.resolveIn(p, s.at, rng)
	case cases.ActionResolve:
		who, in.Result = handler, "已安排人员现场处理，问题已解决，并向诉求人反馈。"
		nextAction, wait = cases.ActionVerify, jitter(rng, 2*time.Hour, 48*time.Hour)
	case cases.ActionVerify:
		who, in.Method = "dispatcher", cases.VerifyOnSite
		nextAction, wait = cases.ActionClose, jitter(rng, 30*time.Minute, 8*time.Hour)
	case cases.ActionClose:
		who = "dispatcher"
		in.Outcome = cases.OutcomeSolved
		switch r := rng.Float64(); {
		case r < 0.08:
			in.Outcome = cases.OutcomePartlySolved
		case r < 0.16:
			in.Outcome = cases.OutcomeExplained
		}
		if p.rating != "" {
			nextAction, wait = cases.ActionRate, jitter(rng, 4*time.Hour, 72*time.Hour)
		}
	case cases.ActionRate:
		in.Rating = p.rating
		if p.resident {
			who = p.reporter // a resident rates their own case in the portal
		}
		sum.Rated++
		if p.reopen && !p.reopened {
			nextAction, wait = cases.ActionReopen, jitter(rng, time.Hour, 48*time.Hour)
		}
	case cases.ActionReopen:
		who, in.Reason = "supervisor", "诉求人不满意，重新办理"
		p.reopened = true
		sum.Reopened++
		p.rating = cases.RatingBasically
		nextAction, wait = cases.ActionDispatch, jitter(rng, time.Hour, 8*time.Hour)
	}
	c, err := tx.ActOn(ctx, w.actors[who], p.c, s.action, store.ActionInput{Input: in})
	if anju.ErrorCode(err) == anju.ECONFLICT {
		// The scheduler may have carded or escalated the case since: take
		// the step on the case as it is now.
		c, err = tx.Act(ctx, w.actors[who], p.c.ID, s.action, store.ActionInput{Input: in})
	}
	if err != nil {
		switch anju.ErrorCode(err) {
		case anju.ECONFLICT:
			// The scheduler moved the case meanwhile (an escalation sends
			// it back to be dispatched again): follow the case, not the plan.
			if c, err = tx.Get(ctx, p.c.ID); err != nil {
				return err
			}
			p.c = c
			if c.State == cases.StateAccepted {
				ag.push(step{at: s.at.Add(jitter(rng, time.Hour, 6*time.Hour)), action: cases.ActionDispatch, plan: p})
			}
			return nil
		case anju.EFORBIDDEN, anju.ENOTFOUND:
			// The case left this actor's hands (an escalation took it from
			// the department): a dispatcher sends it out again.
			if c, err = tx.Get(ctx, p.c.ID); err != nil {
				return err
			}
			p.c = c
			if c.State == cases.StateAccepted && s.action != cases.ActionDispatch {
				ag.push(step{at: s.at.Add(jitter(rng, time.Hour, 6*time.Hour)), action: cases.ActionDispatch, plan: p})
			}
			return nil
		}
		return fmt.Errorf("demo case %d %s by %s: %w", p.c.ID, s.action, who, err)
	}
	p.c = c
	if nextAction != "" {
		ag.push(step{at: s.at.Add(wait), action: nextAction, plan: p})
	}
	return nil
}

// resolveIn draws how long the work takes: before the deadline, or for a
// late case, after it.
func (w *world) resolveIn(p *plan, now time.Time, rng *rand.Rand) time.Duration {
	left := p.c.Deadlines.Resolution.Sub(now)
	if p.late {
		return max(left, 0) + jitter(rng, 6*time.Hour, 6*24*time.Hour)
	}
	if left < 2*time.Hour {
		return time.Hour
	}
	return time.Duration(float64(left) * (0.2 + 0.7*rng.Float64()))
}

// agendaQueue is the case history's steps by time.
type agendaQueue = minHeap[step]

func (s step) before(o step) bool { return s.at.Before(o.at) }
