package demo

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/petition"
	"anju/internal/store"
)

// The demo's petitions (信访): a few dozen, at every stage of the statute —
// waiting for the decision on acceptance (one past its 15 days), not
// accepted, being handled (with an extension asked for, or granted, and
// one past its conclusion date), concluded with the review window open or
// lapsed, under review, reviewed, under re-review, final, and a repeat of
// a final matter declined — each taken through the real store calls at the
// times its fate draws, over the last eight months, on a clock of its own.
// Deterministic for a seed (and an end of history); a few hundred store
// calls in all.

// petitionFate is where a demo petition is to end up.
type petitionFate int

const (
	fateReceived petitionFate = iota
	fateNoticeLate
	fateDeclined
	fateHandling
	fateExtensionAsked
	fateExtended
	fateOverdue
	fateConcluded
	fateLapsed
	fateReviewing
	fateReviewed
	fateReReviewing
	fateFinal
	numFates
)

// demoPetitions is how many petitions the demo files: every fate three
// times.
const demoPetitions = 3 * int(numFates)

// backDays is how long before the end of history a petition of each fate
// comes in, as a range of days: long enough for its steps to have happened.
var backDays = [numFates][2]int{
	fateReceived: {1, 10}, fateNoticeLate: {19, 30}, fateDeclined: {10, 200}, fateHandling: {15, 50},
	fateExtensionAsked: {65, 72}, fateExtended: {75, 85}, fateOverdue: {90, 130}, fateConcluded: {28, 45},
	fateLapsed: {120, 240}, fateReviewing: {80, 110}, fateReviewed: {125, 150}, fateReReviewing: {165, 190}, fateFinal: {200, 240},
}

var petitionMatters = []struct{ title, text, category string }{
	{"征地补偿款未足额发放", "村集体土地征收补偿款至今未足额发放，多次询问镇政府未获答复，请求依法处理。", "1603"},
	{"安置房逾期未交付", "拆迁安置房约定两年交付，已逾期一年仍未交房，过渡费也已停发。", "1603"},
	{"工程款拖欠导致农民工工资未付", "某建筑公司拖欠工程款，导致三十余名农民工工资至今未付。", "1603"},
	{"社保缴费年限认定有误", "本人在原单位工作期间的社保缴费年限被少认定四年，影响退休待遇。", "1603"},
	{"低保资格被取消", "家中情况未变，低保资格却被取消，未收到任何书面说明。", "1603"},
	{"宅基地确权争议", "本户宅基地确权面积与实际使用面积不符，村委会不予更正。", "1603"},
	{"反映小区违法建设长期未拆除", "小区一楼住户违建阳光房多年，多次举报未见处理。", "1602"},
	{"举报村干部违规发放补贴", "反映村干部在发放农机补贴过程中优亲厚友。", "1602"},
	{"建议增设老旧小区加装电梯补贴", "建议对老旧小区加装电梯给予更高补贴并简化审批。", "1601"},
	{"对派出所处理结果不服", "邻里纠纷报警后派出所处理结果不公，请求重新处理。", "1603"},
}

var petitionNames = []string{"建国", "秀英", "志强", "桂兰", "海涛", "玉梅", "国平", "丽娟", "德明", "淑芬"}

// fillPetitions files the demo's petitions in city w, ending at now.
func fillPetitions(ctx context.Context, db *store.DB, w *world, now time.Time, seed int64) error {
	rng := rand.New(rand.NewSource(seed + 16))
	clock := anju.NewFakeClock(now)
	pdb := db.WithClock(clock)
	office := "h-" + w.city + "-xfj"
	if w.actors[office] == nil {
		return fmt.Errorf("demo user %s missing", office)
	}
	a := func(login string) *anju.Actor { return w.actors[login] }
	dept := w.city + "-xfj"
	for i := range demoPetitions {
		fate := petitionFate(i % int(numFates))
		back := backDays[fate]
		received := now.Add(-time.Duration(back[0]*24+rng.Intn((back[1]-back[0])*24+1)) * time.Hour)
		if received = workHours(received, rng); !received.Before(now) {
			received = now.Add(-time.Hour)
		}
		p := &demoPetition{timeline: &timeline{clock: clock, now: now, rng: rng, at: received}, db: pdb}
		m := petitionMatters[rng.Intn(len(petitionMatters))]
		g := w.grids[rng.Intn(len(w.grids))]
		first := rng.Float64() < 0.8
		np := store.NewPetition{NewCase: store.NewCase{Title: m.title, Text: m.text, Category: m.category, Grid: g.code},
			Petition: petition.Intake{Channel: petition.Channels[rng.Intn(len(petition.Channels))], First: &first}}
		np.Reporter.Name = surnames[rng.Intn(len(surnames))] + petitionNames[rng.Intn(len(petitionNames))]
		np.Reporter.Phone = fmt.Sprintf("1%d%09d", 3+rng.Intn(7), rng.Intn(1_000_000_000))
		clock.Set(received)
		cp, err := pdb.CreatePetition(ctx, a("operator01"), np)
		if err != nil {
			return fmt.Errorf("demo petition: %w", err)
		}
		p.id = cp.ID
		final, err := p.run(ctx, fate, a, office, dept)
		if err != nil {
			return fmt.Errorf("demo petition %d (fate %d): %w", p.id, fate, err)
		}
		if final.IsZero() {
			continue
		}
		// The petitioner comes back on the same matter after the
		// re-review: taken in, and declined (不再受理).
		again := final.Add(time.Duration(5+rng.Intn(10)) * 24 * time.Hour)
		if !again.Before(now) {
			continue
		}
		clock.Set(workHours(again, rng))
		no := false
		np.Petition = petition.Intake{Channel: petition.ChannelVisit, First: &no, RepeatOf: cp.ID}
		rp, err := pdb.CreatePetition(ctx, a("operator01"), np)
		if err != nil {
			return fmt.Errorf("demo repeat petition: %w", err)
		}
		clock.Set(clock.Now().Add(26 * time.Hour))
		if _, err := pdb.DeclinePetition(ctx, a("operator01"), rp.ID, petition.Declining{
			Reason:  "该信访事项已经复核终结，信访人以同一事实和理由再次提出，依照《信访工作条例》不再受理",
			ReferTo: "如有新的事实和理由，可向市信访局书面提出"}); err != nil {
			return fmt.Errorf("demo repeat petition %d: %w", rp.ID, err)
		}
	}
	clock.Set(now)
	_, err := pdb.RunDue(ctx, store.DefaultPolicy, 10_000)
	return err
}

// demoPetition is one petition being taken through its steps.
type demoPetition struct {
	*timeline
	db *store.DB
	id int64
}

// run takes the petition to its fate; it returns when the re-review
// concluded, for a final one.
func (p *demoPetition) run(ctx context.Context, fate petitionFate, a func(string) *anju.Actor, office, dept string) (time.Time, error) {
	db, id := p.db, p.id
	act := func(login string, action cases.Action, in cases.Input) error {
		_, err := db.Act(ctx, a(login), id, action, store.ActionInput{Input: in})
		return err
	}
	if fate == fateReceived || fate == fateNoticeLate {
		return time.Time{}, nil
	}
	if fate == fateDeclined {
		if !p.after(1, 10) {
			return time.Time{}, nil
		}
		_, err := db.DeclinePetition(ctx, a("dispatcher"), id, []petition.Declining{
			{Reason: "该事项已进入诉讼程序，属人民法院管辖", ReferTo: "区人民法院"},
			{Reason: "该事项属劳动争议，应依法申请劳动人事争议仲裁", ReferTo: "区劳动人事争议仲裁委员会"},
		}[p.rng.Intn(2)])
		return time.Time{}, err
	}
	if !p.after(1, 9) {
		return time.Time{}, nil
	}
	if _, err := db.AcceptPetition(ctx, a("operator01"), id, petition.Acceptance{
		Notice: "本机关已依法受理，交市信访局会同有关部门调查处理，自受理之日起60日内书面答复。"}); err != nil {
		return time.Time{}, err
	}
	// handle dispatches the case to the petition bureau, which signs for
	// it the next working hours.
	handle := func() error {
		if !p.after(0.05, 0.3) {
			return errStop
		}
		if err := act("dispatcher", cases.ActionDispatch, cases.Input{Department: dept}); err != nil {
			return err
		}
		if !p.after(0.5, 2) {
			return errStop
		}
		return act(office, cases.ActionStart, cases.Input{})
	}
	// answer has the bureau report its result and the office deliver the
	// opinion, after days.
	answer := func(minDays, maxDays float64, what string) error {
		if !p.after(minDays, maxDays) {
			return errStop
		}
		if err := act(office, cases.ActionResolve, cases.Input{Result: "经调查核实，已就" + what + "形成处理意见，报送审核。"}); err != nil {
			return err
		}
		if !p.after(0.5, 2) {
			return errStop
		}
		finding := []petition.Finding{petition.Supported, petition.PartlySupported, petition.NotSupported, petition.NotSupported}[p.rng.Intn(4)]
		text := map[petition.Finding]string{
			petition.Supported:       "经调查核实，您反映的问题属实。已责成有关部门在三十日内依法予以解决，并将结果告知您。",
			petition.PartlySupported: "经调查核实，您反映的问题部分属实。对属实部分，已责成有关部门依法纠正；其余诉求缺乏事实和政策依据，不予支持。",
			petition.NotSupported:    "经调查核实，有关部门的处理符合法律法规和政策规定，您的诉求缺乏事实和政策依据，不予支持。",
		}[finding]
		_, err := db.RecordPetitionOpinion(ctx, a("dispatcher"), id, petition.Opinion{Text: text, Finding: finding})
		return err
	}
	review := func(step petition.Action, minDays, maxDays float64) error {
		if !p.after(minDays, maxDays) {
			return errStop
		}
		_, err := db.RequestPetitionReview(ctx, a("supervisor"), id, step, petition.ReviewRequest{
			Reason: "信访人认为处理意见认定事实不清、适用政策不当"})
		return err
	}
	steps := []func() error{handle}
	switch fate {
	case fateExtensionAsked, fateExtended:
		steps = append(steps, func() error {
			if !p.after(40, 50) {
				return errStop
			}
			if _, err := db.RequestPetitionExtension(ctx, a(office), id, petition.ExtensionRequest{
				Reason: "涉及多个部门，需调取历史档案并组织现场核查", Days: 15 + p.rng.Intn(16)}); err != nil {
				return err
			}
			if fate == fateExtensionAsked || !p.after(0.5, 3) {
				return errStop
			}
			return act("dispatcher", cases.ActionApproveExtension, cases.Input{Note: "经负责人批准延期"})
		})
	case fateConcluded, fateLapsed:
		steps = append(steps, func() error { return answer(10, 25, "您反映的问题") })
	case fateReviewing, fateReviewed, fateReReviewing, fateFinal:
		steps = append(steps, func() error { return answer(12, 30, "您反映的问题") },
			func() error { return review(petition.ActionReview, 5, 20) }, handle)
		if fate != fateReviewing {
			steps = append(steps, func() error { return answer(10, 20, "复查请求") })
		}
		if fate == fateReReviewing || fate == fateFinal {
			steps = append(steps, func() error { return review(petition.ActionReReview, 5, 20) }, handle)
		}
		if fate == fateFinal {
			steps = append(steps, func() error { return answer(8, 15, "复核请求") })
		}
	}
	for _, s := range steps {
		if err := s(); err == errStop {
			return time.Time{}, nil
		} else if err != nil {
			return time.Time{}, err
		}
	}
	if fate == fateFinal {
		return p.at, nil
	}
	return time.Time{}, nil
}

// errStop ends a petition's steps where the history ends.
var errStop = fmt.Errorf("the history ends before this step")

// workHours moves t forward into the office hours (09:00–17:00 China time)
// of its day, or of the next day after hours, where a petition office's
// steps happen.
func workHours(t time.Time, rng *rand.Rand) time.Time {
	l := t.In(shanghai)
	switch h := l.Hour(); {
	case h >= 9 && h < 17:
		return t
	case h >= 17:
		l = l.AddDate(0, 0, 1)
	}
	return time.Date(l.Year(), l.Month(), l.Day(), 9+rng.Intn(8), rng.Intn(60), 0, 0, shanghai)
}
