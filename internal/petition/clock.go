package petition

import (
	"time"

	"anju/internal/anju"
	"anju/internal/deadline"
)

// Statutory periods of the 信访工作条例 (中共中央、国务院, in force 2022-05-01).
//
// The article numbers below are given from our best reading of the 2022 text
// and were checked only against secondary sources, not the official gazette;
// verify them before quoting them to a petitioner. The 2005 State Council
// 信访条例 it replaced had the same periods under different numbers
// (第二十一/二十二条, 第三十三条, 第三十四条, 第三十五条), which is the usual source
// of confusion.
//
// The regulation says "日" for most periods and "工作日" for one; it does not
// say how to count, so the clock counts like the Civil Code (民法典第二百零一条
// and 第二百零三条, as AddCalendarDays documents): the starting day is not
// counted, a period whose last day is a statutory holiday or rest day runs to
// the next working day, and it ends at 24:00 (deadline.Calendar.AddCalendarDays).
const (
	// AcceptNoticeDays: 第二十二条 — an organ that receives a petition
	// directly, or by transfer or assignment (转送、交办), tells the
	// petitioner in writing, 自收到之日起15日内, whether and how it takes the
	// matter up (接收情况以及处理途径和程序), or, for a matter outside its
	// remit and not transferred to it, which organ to address instead.
	// (第二十一条 gives the petition bureaus (信访部门) the same 15 days to
	// register and transfer.)
	AcceptNoticeDays = 15
	// OutOfRemitWorkingDays: 第二十二条第三款 — an organ to which a petition
	// was transferred or assigned, and which holds that it is outside its
	// remit, raises an objection with reasons (提出异议) 自收到之日起5个工作日内
	// to the body that transferred it. This is the only "工作日" period.
	OutOfRemitWorkingDays = 5
	// ConclusionDays: 第三十四条 (we are fairly but not fully sure of the
	// number) — a matter is concluded (办结) 自受理之日起60日内.
	ConclusionDays = 60
	// MaxExtensionDays: 第三十四条 — 情况复杂的，经本机关、单位负责人批准，可以
	// 适当延长办理期限，但延长期限不得超过30日，并告知信访人延期理由. The text
	// allows one extension ("延长期限"), which the clock enforces.
	MaxExtensionDays = 30
	// ReviewRequestDays and ReviewDays: 第三十五条 — a petitioner who does not
	// accept the written opinion may ask the next organ up for a review (复查)
	// 自收到书面答复之日起30日内; that organ gives its written review opinion
	// 自收到复查请求之日起30日内.
	ReviewRequestDays = 30
	ReviewDays        = 30
	// ReReviewRequestDays and ReReviewDays: 第三十六条 — a re-review (复核)
	// may be asked of the organ above the reviewing one 自收到书面答复之日起
	// 30日内, and is concluded 自收到复核请求之日起30日内. A petitioner who still
	// disagrees and petitions again on the same facts and grounds is not
	// accepted again (不再受理).
	ReReviewRequestDays = 30
	ReReviewDays        = 30
)

// Stage is where a petition stands on its statutory clock.
type Stage string

const (
	StageNew               Stage = "new"
	StageReceived          Stage = "received"
	StageDeclined          Stage = "declined" // not taken up here: outside the organ's remit
	StageAccepted          Stage = "accepted"
	StageConcluded         Stage = "concluded"
	StageReviewRequested   Stage = "review_requested"
	StageReviewConcluded   Stage = "review_concluded"
	StageReReviewRequested Stage = "re_review_requested"
	StageFinal             Stage = "final" // re-review concluded
)

// Extension is the one extension of the conclusion period (第三十四条).
type Extension struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Days   int       `json:"days"`
}

// Clock follows one petition through the statutory steps and tells
// what is due when. Every step takes the instant it happened, so that a store
// can rebuild the clock by replaying recorded events; questions about "now"
// (Overdue, AcceptsSameMatterAgain) ask the Clock. Steps return ECONFLICT
// when taken out of order, EINVALID for a zero or backwards time or a bad
// argument. A Clock is not safe for concurrent use.
type Clock struct {
	cal   *deadline.Calendar
	clock anju.Clock
	stage Stage
	last  time.Time // the instant of the latest step

	receivedAt, acceptedAt, concludedAt time.Time
	acceptNoticeDue, outOfRemitDue      time.Time
	conclusionDue                       time.Time
	extension, pending                  *Extension
	declineReason                       string
	reviewRequestBy, reviewDue          time.Time
	reReviewRequestBy, reReviewDue      time.Time
	reviewRequestedAt, reviewedAt       time.Time
	reReviewRequestedAt, finalAt        time.Time
}

// NewClock returns a clock at StageNew that counts days on cal
// (Default if nil) and reads the time from clk (the wall clock if nil).
func NewClock(cal *deadline.Calendar, clk anju.Clock) *Clock {
	if cal == nil {
		cal = deadline.Default()
	}
	if clk == nil {
		clk = anju.SystemClock{}
	}
	return &Clock{cal: cal, clock: clk, stage: StageNew}
}

// Stage returns the current stage.
func (p *Clock) Stage() Stage { return p.stage }

var stageWords = map[Stage]string{
	StageNew:               "not yet received",
	StageReceived:          "received",
	StageDeclined:          "declined",
	StageAccepted:          "accepted",
	StageConcluded:         "concluded",
	StageReviewRequested:   "under review",
	StageReviewConcluded:   "reviewed",
	StageReReviewRequested: "under re-review",
	StageFinal:             "finally concluded after re-review",
}

// step checks that the petition is at stage want and that t is a real
// instant not before the previous step.
func (p *Clock) step(verb string, want Stage, t time.Time) error {
	if p.stage != want {
		return anju.Errorf(anju.ECONFLICT, "cannot %s a petition that is %s", verb, stageWords[p.stage])
	}
	if t.IsZero() {
		return anju.FieldError("at", "the time of the step is missing")
	}
	if t.Before(p.last) {
		return anju.FieldError("at", "%s at %s is before the previous step at %s", verb, t.Format(time.DateTime), p.last.Format(time.DateTime))
	}
	return nil
}

// Received records that the organ received the petition at t. From then the
// written notice of acceptance is due within AcceptNoticeDays days
// (AcceptNoticeDue), and, if the petition was transferred to this organ and
// it is outside its remit, the objection within OutOfRemitWorkingDays working
// days (OutOfRemitDue). The clock cannot tell a direct petition from a
// transferred one; the caller shows OutOfRemitDue only for transferred ones.
func (p *Clock) Received(t time.Time) error {
	if err := p.step("receive", StageNew, t); err != nil {
		return err
	}
	p.stage, p.last, p.receivedAt = StageReceived, t, t
	p.acceptNoticeDue = p.cal.AddCalendarDays(t, AcceptNoticeDays)
	p.outOfRemitDue = p.cal.AddWorkingDays(t, OutOfRemitWorkingDays)
	return nil
}

// Declined records at t that the organ does not take the petition up because
// it is outside its remit: the petitioner was told which organ to address, or
// the transferring body was sent an objection (第二十二条). It ends the clock;
// it does not bar the petition from the organ that has the remit, so
// AcceptsSameMatterAgain stays true. reason is required.
func (p *Clock) Declined(t time.Time, reason string) error {
	if err := p.step("decline", StageReceived, t); err != nil {
		return err
	}
	if anju.Blank(reason) {
		return anju.FieldError("reason", "say why the petition is not taken up and where the petitioner should turn")
	}
	p.stage, p.last, p.declineReason = StageDeclined, t, reason
	return nil
}

// Accepted records that the petition was accepted (受理) at t; the conclusion
// is due ConclusionDays days later (第三十四条).
func (p *Clock) Accepted(t time.Time) error {
	if err := p.step("accept", StageReceived, t); err != nil {
		return err
	}
	p.stage, p.last, p.acceptedAt = StageAccepted, t, t
	p.conclusionDue = p.cal.AddCalendarDays(t, ConclusionDays)
	return nil
}

// Extend records at t the one extension of the conclusion period by days
// (1..MaxExtensionDays) for reason, approved by the organ's head; the caller
// must send the reason to the petitioner (第三十四条: 并告知信访人延期理由). The
// new due date is ConclusionDays+days after acceptance, counted as one period.
// It returns ECONFLICT if the petition is not accepted and open, if it was
// already extended, or if the period has already run out (an extension must
// be granted while the period runs — our reading; the text does not say it),
// and EINVALID for a missing reason or days outside 1..30.
func (p *Clock) Extend(t time.Time, reason string, days int) error {
	if err := p.CheckExtension(t, reason, days); err != nil {
		return err
	}
	p.extension = &Extension{At: t, Reason: reason, Days: days}
	p.last = t
	p.conclusionDue = p.cal.AddCalendarDays(p.acceptedAt, ConclusionDays+days)
	return nil
}

// CheckExtension answers as Extend would for an extension of days asked at
// t for reason, without granting it: the store asks it when a handler
// requests the extension, before the organ's head approves it.
func (p *Clock) CheckExtension(t time.Time, reason string, days int) error {
	if err := p.step("extend", StageAccepted, t); err != nil {
		return err
	}
	if p.extension != nil {
		return anju.Errorf(anju.ECONFLICT, "the period was already extended on %s; it can be extended only once (第三十四条)", p.extension.At.In(p.cal.Location()).Format(time.DateOnly))
	}
	if t.After(p.conclusionDue) {
		return anju.Errorf(anju.ECONFLICT, "the period ended at %s; an extension must be granted before it runs out", p.fmt(p.conclusionDue))
	}
	if anju.Blank(reason) {
		return anju.FieldError("reason", "an extension needs a reason, which the petitioner is told")
	}
	if days < 1 || days > MaxExtensionDays {
		return anju.FieldError("days", "an extension is 1 to %d days, not %d (第三十四条)", MaxExtensionDays, days)
	}
	return nil
}

// Concluded records that the written opinion (信访处理意见书) reached the
// petitioner at t; from then a review may be requested within
// ReviewRequestDays days (第三十五条 counts from 收到书面答复, so t is the time
// of delivery, not of signing).
func (p *Clock) Concluded(t time.Time) error {
	if err := p.step("conclude", StageAccepted, t); err != nil {
		return err
	}
	p.stage, p.last, p.concludedAt = StageConcluded, t, t
	p.reviewRequestBy = p.cal.AddCalendarDays(t, ReviewRequestDays)
	return nil
}

// ReviewRequested records that the next organ up received a request for
// review (复查) at t; its opinion is due ReviewDays days later. It returns
// ECONFLICT if the request came after the window (ReviewRequestBy).
func (p *Clock) ReviewRequested(t time.Time) error {
	if err := p.step("request a review of", StageConcluded, t); err != nil {
		return err
	}
	if t.After(p.reviewRequestBy) {
		return anju.Errorf(anju.ECONFLICT, "the review had to be requested by %s; the petition is no longer open to review", p.fmt(p.reviewRequestBy))
	}
	p.stage, p.last, p.reviewRequestedAt = StageReviewRequested, t, t
	p.reviewDue = p.cal.AddCalendarDays(t, ReviewDays)
	return nil
}

// ReviewConcluded records that the review opinion reached the petitioner at
// t; a re-review may be requested within ReReviewRequestDays days.
func (p *Clock) ReviewConcluded(t time.Time) error {
	if err := p.step("conclude the review of", StageReviewRequested, t); err != nil {
		return err
	}
	p.stage, p.last, p.reviewedAt = StageReviewConcluded, t, t
	p.reReviewRequestBy = p.cal.AddCalendarDays(t, ReReviewRequestDays)
	return nil
}

// ReReviewRequested records that the organ above the reviewing one received a
// request for re-review (复核) at t; its opinion is due ReReviewDays days
// later. It returns ECONFLICT if the request came after the window.
func (p *Clock) ReReviewRequested(t time.Time) error {
	if err := p.step("request a re-review of", StageReviewConcluded, t); err != nil {
		return err
	}
	if t.After(p.reReviewRequestBy) {
		return anju.Errorf(anju.ECONFLICT, "the re-review had to be requested by %s; the petition is no longer open to re-review", p.fmt(p.reReviewRequestBy))
	}
	p.stage, p.last, p.reReviewRequestedAt = StageReReviewRequested, t, t
	p.reReviewDue = p.cal.AddCalendarDays(t, ReReviewDays)
	return nil
}

// ReReviewConcluded records the re-review opinion at t. The matter is final:
// the same matter on the same facts and grounds is not accepted again
// (第三十六条).
func (p *Clock) ReReviewConcluded(t time.Time) error {
	if err := p.step("conclude the re-review of", StageReReviewRequested, t); err != nil {
		return err
	}
	p.stage, p.last, p.finalAt = StageFinal, t, t
	return nil
}

// AcceptsSameMatterAgain reports whether the petition procedure is still
// open for this matter: false once it is final after re-review (第三十六条),
// and also once the petitioner let the review or re-review window pass
// without asking. The latter is not in the words of 第三十五/三十六条 but is the
// rule applied in practice (国家信访局, 依法逐级走访 procedures, 2014: 无正当理由
// 超过规定期限未请求复查（复核）的，不再受理); a city may need to revisit it. While a
// matter is in progress it is true, and a new petition on it belongs to this
// one rather than starting another.
func (p *Clock) AcceptsSameMatterAgain() bool {
	now := p.clock.Now()
	switch p.stage {
	case StageFinal:
		return false
	case StageConcluded:
		return !now.After(p.reviewRequestBy)
	case StageReviewConcluded:
		return !now.After(p.reReviewRequestBy)
	}
	return true
}

// Due returns the deadline running at the current stage and what it is for,
// or a zero time when nothing runs (new, declined, final). In the concluded
// stages it is the end of the petitioner's window, not an organ's duty.
func (p *Clock) Due() (time.Time, string) {
	switch p.stage {
	case StageReceived:
		return p.acceptNoticeDue, "written notice of acceptance (第二十二条)"
	case StageAccepted:
		return p.conclusionDue, "conclusion (第三十四条)"
	case StageConcluded:
		return p.reviewRequestBy, "last day to request a review (第三十五条)"
	case StageReviewRequested:
		return p.reviewDue, "review opinion (第三十五条)"
	case StageReviewConcluded:
		return p.reReviewRequestBy, "last day to request a re-review (第三十六条)"
	case StageReReviewRequested:
		return p.reReviewDue, "re-review opinion (第三十六条)"
	}
	return time.Time{}, ""
}

// Overdue reports whether an organ's deadline (not a petitioner's window) is
// running and now past.
func (p *Clock) Overdue() bool {
	switch p.stage {
	case StageReceived, StageAccepted, StageReviewRequested, StageReReviewRequested:
		due, _ := p.Due()
		return p.clock.Now().After(due)
	}
	return false
}

// AcceptNoticeDue is when the written notice on receipt is due (zero before
// Received).
func (p *Clock) AcceptNoticeDue() time.Time { return p.acceptNoticeDue }

// OutOfRemitDue is when an objection to a transfer outside the organ's remit
// is due (zero before Received).
func (p *Clock) OutOfRemitDue() time.Time { return p.outOfRemitDue }

// ConclusionDue is when the matter must be concluded, extension included
// (zero before Accepted).
func (p *Clock) ConclusionDue() time.Time { return p.conclusionDue }

// Extension returns the extension, if one was granted.
func (p *Clock) Extension() (Extension, bool) {
	if p.extension == nil {
		return Extension{}, false
	}
	return *p.extension, true
}

// ReviewRequestBy is the end of the window to request a review.
func (p *Clock) ReviewRequestBy() time.Time { return p.reviewRequestBy }

// ReviewDue is when the review opinion is due.
func (p *Clock) ReviewDue() time.Time { return p.reviewDue }

// ReReviewRequestBy is the end of the window to request a re-review.
func (p *Clock) ReReviewRequestBy() time.Time { return p.reReviewRequestBy }

// ReReviewDue is when the re-review opinion is due.
func (p *Clock) ReReviewDue() time.Time { return p.reReviewDue }

// DeclineReason is why the petition was declined, if it was.
func (p *Clock) DeclineReason() string { return p.declineReason }

func (p *Clock) fmt(due time.Time) string { return p.cal.FormatDue(due) }

// ReceivedAt is when the petition was received (zero before Received).
func (p *Clock) ReceivedAt() time.Time { return p.receivedAt }

// AcceptedAt is when it was accepted (zero before Accepted).
func (p *Clock) AcceptedAt() time.Time { return p.acceptedAt }

// ConcludedAt is when the first-instance opinion reached the petitioner.
func (p *Clock) ConcludedAt() time.Time { return p.concludedAt }

// ReviewRequestedAt is when a review was requested.
func (p *Clock) ReviewRequestedAt() time.Time { return p.reviewRequestedAt }

// ReviewedAt is when the review opinion reached the petitioner.
func (p *Clock) ReviewedAt() time.Time { return p.reviewedAt }

// ReReviewRequestedAt is when a re-review was requested.
func (p *Clock) ReReviewRequestedAt() time.Time { return p.reReviewRequestedAt }

// FinalAt is when the re-review opinion reached the petitioner.
func (p *Clock) FinalAt() time.Time { return p.finalAt }

// Calendar is the calendar the clock counts on.
func (p *Clock) Calendar() *deadline.Calendar { return p.cal }
