package demo

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/hazard"
	"anju/internal/store"
)

// The demo's hazard register (隐患与风险点): places registered over the two
// years — about half in the survey of the first month, the rest as they
// are found — each owed its inspections by the city's plan, the tasks made
// by the scheduler's own generator (store.GenerateInspectionTasks) run for
// each day of the past, and done by the community's grid leader: most on
// time, some late, a few never. A failed checklist item opens a
// rectification case at the supervising department, which rectifies it;
// a re-inspection closes it or sends it back. The recent ones are still
// open, a few of them past their deadline.

// demoPlan is the demo city's inspection plan: places of major risk every
// week, of high risk every month, of medium risk every quarter and of low
// risk every half year.
var demoPlan = hazard.Plan{hazard.RiskMajor: hazard.Weekly, hazard.RiskHigh: hazard.Monthly,
	hazard.RiskMedium: hazard.Quarterly, hazard.RiskLow: {Every: 6, Unit: hazard.UnitMonth}}

// hazardKind is a sort of place the register holds.
type hazardKind struct {
	typ    hazard.Type
	names  []string // %s is the community's name
	owners []string
	// dept is the supervising department's code suffix and the level it
	// is found at ("city", "district", "street").
	level, dept string
	weight      float64
	risk        [4]float64 // shares of major, high, medium, low
}

var hazardKinds = []hazardKind{
	{hazard.TypeHighRise, []string{"%s小区%d幢高层住宅", "%s商务楼%d号楼"}, []string{"安居物业服务有限公司", "绿城物业服务有限公司", "宜居物业服务有限公司"},
		"street", "office", 3, [4]float64{0.01, 0.1, 0.5, 0.39}},
	{hazard.TypeGas, []string{"%s燃气调压站%d号", "%s餐饮街%d号店燃气间"}, []string{"安居燃气集团有限公司", "味美餐饮管理有限公司"},
		"city", "rqj", 2, [4]float64{0.05, 0.25, 0.5, 0.2}},
	{hazard.TypeConstruction, []string{"%s安置房项目%d标段工地", "%s道路改造工程%d标段"}, []string{"宏远建设集团有限公司", "恒达建筑工程有限公司"},
		"district", "zjj", 1.5, [4]float64{0.04, 0.3, 0.5, 0.16}},
	{hazard.TypeOldHousing, []string{"%s老旧住宅%d号楼", "%s直管公房%d号"}, []string{"区房屋管理中心", "安居物业服务有限公司"},
		"district", "zjj", 2.5, [4]float64{0.02, 0.12, 0.46, 0.4}},
	{hazard.TypeHazardousGoods, []string{"%s五金化工店%d号", "%s危化品仓库%d号"}, []string{"顺发化工贸易有限公司", "安达物流仓储有限公司"},
		"city", "yjglj", 1, [4]float64{0.08, 0.3, 0.42, 0.2}},
	{hazard.TypeCrowdedVenue, []string{"%s农贸市场%d号", "%s文化活动中心%d号馆", "%s小学%d号教学楼"}, []string{"市场服务中心", "街道文化站", "区教育局"},
		"street", "office", 2, [4]float64{0.02, 0.15, 0.5, 0.33}},
	{hazard.TypeWaterBody, []string{"%s河段%d号", "%s山塘%d号"}, []string{"安居水务集团有限公司"},
		"city", "swj", 0.8, [4]float64{0.03, 0.12, 0.45, 0.4}},
	{hazard.TypeSlope, []string{"%s山体边坡%d号"}, []string{"区自然资源和规划分局"},
		"city", "yjglj", 0.6, [4]float64{0.05, 0.2, 0.45, 0.3}},
	{hazard.TypeOther, []string{"%s仓储点%d号", "%s自行车棚%d号"}, []string{"安达物流仓储有限公司", "安居物业服务有限公司"},
		"street", "office", 1, [4]float64{0, 0.05, 0.35, 0.6}},
}

// findingTexts are what an inspector writes of a failed item, by item key.
var findingTexts = map[string]string{
	"fire_lane": "消防车通道被私家车占用，设置的隔离桩缺失", "exits": "安全出口被杂物堵塞，常闭式防火门处于开启状态",
	"equipment": "部分灭火器压力不足，消火栓箱内水带缺失", "ebike": "楼道内停放电动自行车并飞线充电",
	"facade": "外墙瓷砖空鼓，存在脱落风险", "leak": "调压箱接口处有轻微燃气味，阀门锈蚀", "alarm": "可燃气体报警器未通电",
	"hose": "燃气软管老化龟裂，长度超过2米", "ventilation": "用气场所封闭，排风扇损坏", "enclosure": "工地围挡局部倒伏，警示标志缺失",
	"edges": "楼层临边防护栏杆缺失，作业人员未系安全带", "machinery": "塔吊限位装置失效，未见检验合格标志",
	"hot_work": "动火作业未办理审批，现场未配备灭火器", "structure": "承重墙出现贯通裂缝，楼体有轻微倾斜",
	"roof": "屋面渗漏，阳台雨篷松动", "wiring": "楼道电线私拉乱接，线路老化破损", "passage": "楼道堆放大量杂物",
	"license": "出入库台账缺失", "storage": "危险品混存，储存量超过核定数量", "no_living": "仓库内设有员工宿舍",
	"lighting": "应急照明灯损坏，疏散指示标志不亮", "capacity": "高峰时段人员超员，无人疏导", "signs": "禁止游泳警示牌缺失",
	"railings": "临水护栏缺损两处", "rescue": "救生圈缺失", "patrol": "暑期无人巡查值守", "cracks": "坡顶出现新增裂缝",
	"drainage": "截水沟堵塞积水", "retaining": "挡土墙局部鼓胀开裂", "warning": "监测设施损坏", "general": "现场堆放易燃物",
	"responsible": "安全责任人未明确，制度未上墙",
}

// fillHazards registers the demo's places and inspects them day by day
// over the two years.
func fillHazards(ctx context.Context, k *kindsWorld, n int, seed int64) error {
	rng := rand.New(rand.NewSource(seed + 12))
	first := k.now.Add(-kindsSpan)
	admin, err := k.actor("admin")
	if err != nil {
		return err
	}
	registrar, err := k.actor("dispatcher")
	if err != nil {
		return err
	}
	k.clock.Set(first.Add(-24 * time.Hour))
	for _, l := range hazard.RiskLevels {
		if _, err := k.db.SaveHazardPlan(ctx, admin, l, demoPlan[l]); err != nil {
			return fmt.Errorf("demo hazard plan: %w", err)
		}
	}
	checklists := map[hazard.Type]hazard.Checklist{}
	cls, err := k.db.Checklists(ctx, admin)
	if err != nil {
		return err
	}
	for _, c := range cls {
		checklists[c.Type] = c
	}
	// When each place is registered: half in the first month's survey.
	regs := make([]time.Time, n)
	for i := range regs {
		if rng.Float64() < 0.5 {
			regs[i] = first.Add(time.Duration(rng.Int63n(int64(30 * 24 * time.Hour))))
		} else {
			regs[i] = first.Add(time.Duration(rng.Int63n(int64(kindsSpan))))
		}
	}
	slices.SortFunc(regs, func(a, b time.Time) int { return a.Compare(b) })
	total := 0.0
	for _, hk := range hazardKinds {
		total += hk.weight
	}
	hz := &hazardFill{kindsWorld: k, ctx: ctx, rng: rng, checklists: checklists, hazards: map[int64]store.Hazard{}}
	sys := anju.SystemActor("demo")
	var lastTask int64
	var days []time.Time
	for day := hazard.DayStart(hazard.Day(first)); day.Before(k.now); day = day.AddDate(0, 0, 1) {
		days = append(days, day)
	}
	return k.inSlices(ctx, len(days), func(i int) error {
		day := days[i]
		// The scheduler's pass at the start of the day owes the places
		// their tasks and marks the tasks of ended periods missed.
		pass := day.Add(30 * time.Minute)
		k.clock.Set(pass)
		made, err := k.db.GenerateInspectionTasks(ctx, pass)
		if err != nil {
			return fmt.Errorf("demo inspection tasks: %w", err)
		}
		// The tasks just made are the newest due ones.
		newest := lastTask
		for before := int64(0); made > 0; {
			l, err := k.db.ListInspections(ctx, sys, store.InspectionFilter{State: hazard.TaskDue, Before: before, Limit: min(made, 200)})
			if err != nil {
				return err
			}
			more := l.Next != 0
			for _, t := range l.Inspections {
				if t.ID <= lastTask {
					more = false
					break
				}
				newest = max(newest, t.ID)
				hz.plan(t, day)
			}
			if !more {
				break
			}
			before, made = l.Next, made-len(l.Inspections)
		}
		lastTask = newest
		end := day.AddDate(0, 0, 1)
		for len(regs) > 0 && regs[0].Before(end) {
			r := regs[0]
			regs = regs[1:]
			k.clock.Set(workHours(r, rng))
			if err := hz.register(ctx, registrar, total); err != nil {
				return err
			}
		}
		return hz.agenda.runUntil(end, k.now, k.clock)
	})
}

// hazardFill is the state of the register's fill.
type hazardFill struct {
	*kindsWorld
	ctx        context.Context // the fill's, which the queued steps run in
	rng        *rand.Rand
	checklists map[hazard.Type]hazard.Checklist
	hazards    map[int64]store.Hazard
	agenda     events
	counter    int
}

// register adds one place, drawn from the kinds, at a grid of the city.
func (hz *hazardFill) register(ctx context.Context, registrar *anju.Actor, total float64) error {
	rng := hz.rng
	r := rng.Float64() * total
	hk := hazardKinds[len(hazardKinds)-1]
	for _, x := range hazardKinds {
		if r < x.weight {
			hk = x
			break
		}
		r -= x.weight
	}
	risk := hazard.RiskLow
	p := rng.Float64()
	for i, share := range hk.risk {
		if p < share {
			risk = hazard.RiskLevels[i]
			break
		}
		p -= share
	}
	hz.counter++
	// A centroid can fall outside an odd-shaped grid; another grid then.
	for try := 0; ; try++ {
		g := hz.grids[rng.Intn(len(hz.grids))]
		var dept string
		switch hk.level {
		case "city":
			dept = hz.city + "-" + hk.dept
		case "district":
			dept = g.code[:6] + "-" + hk.dept
		default:
			dept = g.code[:9] + "-" + hk.dept
		}
		h := hazard.Hazard{Type: hk.typ, Name: fmt.Sprintf(hk.names[rng.Intn(len(hk.names))], hz.regionNames[g.code[:12]], 1+hz.counter%40),
			Address: g.name + "内", Lat: g.at[1] + (rng.Float64()-0.5)*1e-5, Lon: g.at[0] + (rng.Float64()-0.5)*1e-5,
			RiskLevel: risk, Owner: hk.owners[rng.Intn(len(hk.owners))], Department: dept}
		saved, err := hz.db.RegisterHazard(ctx, registrar, h)
		if anju.ErrorField(err) == "lat" && try < 10 {
			continue
		}
		if err != nil {
			return fmt.Errorf("demo hazard: %w", err)
		}
		hz.hazards[saved.ID] = saved
		return nil
	}
}

// plan draws when the task t, made on day, is done: most within their
// period, some late, a few never.
func (hz *hazardFill) plan(t store.Inspection, day time.Time) {
	due, err := hazard.ParseDay(t.DueOn)
	if err != nil {
		return
	}
	last := hazard.DayStart(due).Add(24 * time.Hour)
	var at time.Time
	switch r := hz.rng.Float64(); {
	case r < 0.04:
		return // never inspected: the task stays missed
	case r < 0.11:
		at = last.Add(time.Duration(1+hz.rng.Intn(10)) * 24 * time.Hour)
	default:
		at = day.Add(time.Duration(hz.rng.Int63n(int64(last.Sub(day)))))
	}
	at = workHours(at, hz.rng)
	hz.agenda.push(at, func() error { return hz.inspect(t, at) })
}

// inspect completes task t as the grid leader of its place's community.
func (hz *hazardFill) inspect(t store.Inspection, at time.Time) error {
	ctx := hz.ctx
	h := hz.hazards[t.HazardID]
	inspector, err := hz.actor(gridLeaderOf(h.Grid.Code[:12]))
	if err != nil {
		return err
	}
	fail := map[hazard.RiskLevel]float64{hazard.RiskMajor: 0.05, hazard.RiskHigh: 0.035, hazard.RiskMedium: 0.02, hazard.RiskLow: 0.012}[h.RiskLevel]
	var answers []hazard.Answer
	for _, it := range hz.checklists[h.Type].Items {
		a := hazard.Answer{Item: it.Key, Result: hazard.Pass}
		switch r := hz.rng.Float64(); {
		case r < fail:
			a.Result, a.Finding = hazard.Fail, findingTexts[it.Key]
			if a.Finding == "" {
				a.Finding = "现场检查不符合要求：" + it.Text
			}
		case r < fail+0.03:
			a.Result = hazard.NA
		}
		answers = append(answers, a)
	}
	done, err := hz.db.CompleteInspection(ctx, inspector, t.ID, answers, nil)
	if err != nil {
		return fmt.Errorf("demo inspection %d: %w", t.ID, err)
	}
	for _, f := range done.Findings {
		hz.rectify(f, h, at, inspector)
	}
	return nil
}

// rectify schedules a finding's rectification: the department signs for
// the case and rectifies the place, a re-inspection passes it (one in
// eight sent back once first). A recent one may be left with the
// department, some of those past their deadline.
func (hz *hazardFill) rectify(f store.Finding, h store.Hazard, found time.Time, inspector *anju.Actor) {
	rng := hz.rng
	handler := hz.actors["h-"+f.Department]
	if handler == nil {
		return // no department: the finding waits for a dispatcher
	}
	ctx := hz.ctx
	stall := hz.now.Sub(found) < 120*24*time.Hour && rng.Float64() < 0.3
	sendBack := rng.Float64() < 0.125
	at := found
	next := func(minDays, maxDays float64, do func() error) {
		at = workHours(at.Add(time.Duration((minDays+rng.Float64()*(maxDays-minDays))*24*float64(time.Hour))), rng)
		hz.agenda.push(at, do)
	}
	act := func(action cases.Action, in cases.Input) error {
		_, err := hz.db.Act(ctx, handler, f.CaseID, action, store.ActionInput{Input: in})
		if err != nil {
			return fmt.Errorf("demo rectification case %d %s: %w", f.CaseID, action, err)
		}
		return nil
	}
	resolution := cases.Input{Result: "已督促" + h.Owner + "完成整改：" + f.Text + "，问题已消除，请复查。"}
	var resolve, reinspect, reinspectLater func() error
	resolve = func() error {
		if err := act(cases.ActionResolve, resolution); err != nil {
			return err
		}
		next(1, 7, reinspect)
		return nil
	}
	// reinspectLater is queued at the rectification's time, which the
	// start's transaction writes: it queues the re-inspection after it.
	reinspectLater = func() error {
		next(1, 7, reinspect)
		return nil
	}
	reinspect = func() error {
		passed := !sendBack
		note := ""
		if !passed {
			note = "整改不到位，" + f.Text
			sendBack = false
		}
		if _, err := hz.db.Reinspect(ctx, inspector, f.ID, passed, note); err != nil {
			return fmt.Errorf("demo re-inspection of finding %d: %w", f.ID, err)
		}
		if !passed {
			next(2, 10, resolve)
		}
		return nil
	}
	next(0.2, 2, func() error {
		if stall {
			return act(cases.ActionStart, cases.Input{})
		}
		// Signed for and, days later, rectified: one transaction, the
		// clock set to each step's time, as the history's steps go.
		started := at
		next(2, 15, reinspectLater)
		resolved := at
		if !resolved.Before(hz.now) {
			return act(cases.ActionStart, cases.Input{})
		}
		return hz.db.InTx(ctx, func(tx *store.Tx) error {
			for _, s := range []struct {
				at     time.Time
				action cases.Action
				in     cases.Input
			}{{started, cases.ActionStart, cases.Input{}}, {resolved, cases.ActionResolve, resolution}} {
				hz.clock.Set(s.at)
				if _, err := tx.Act(ctx, handler, f.CaseID, s.action, store.ActionInput{Input: s.in}); err != nil {
					return fmt.Errorf("demo rectification case %d %s: %w", f.CaseID, s.action, err)
				}
			}
			return nil
		})
	})
}

// events is a queue of the steps of the demo's things, by time: the
// steps whose time is in the history run in order, each on the clock set
// to its time; a step may queue later ones.
type events struct {
	minHeap[event]
	seq int
}

type event struct {
	at  time.Time
	seq int
	do  func() error
}

// before keeps steps of the same time in the order they were queued.
func (e event) before(o event) bool {
	if c := e.at.Compare(o.at); c != 0 {
		return c < 0
	}
	return e.seq < o.seq
}

func (q *events) push(at time.Time, do func() error) {
	q.seq++
	q.minHeap.push(event{at: at, seq: q.seq, do: do})
}

// runUntil runs the steps before end that lie before the history's end
// now; those after now never happen.
func (q *events) runUntil(end, now time.Time, clock *anju.FakeClock) error {
	for len(q.h) > 0 && q.h[0].at.Before(end) {
		e := q.pop()
		if !e.at.Before(now) {
			continue
		}
		clock.Set(e.at)
		if err := e.do(); err != nil {
			return err
		}
	}
	return nil
}
