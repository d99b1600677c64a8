package petition

import (
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

// A petition is a case of kind petition, and its statutory steps are case
// actions: the clock is never stored, it is rebuilt by replaying the case's
// events (Replay), and a new action is put to the rebuilt clock (Apply)
// before the store writes it. One reading of the statute, used by the store,
// the scheduler (through the deadlines the store keeps from it) and the
// pages alike:
//
//	submit            received (the case's receipt)
//	accept            accepted (受理, 第二十二条 notice)
//	reject            declined (not taken up: outside the remit)
//	request_extension the extension asked for (checked, not yet granted)
//	deny_extension    the request withdrawn
//	approve_extension the one extension granted (第三十四条)
//	close             the opinion delivered: first instance, review or re-review
//	reopen            a review (复查) or re-review (复核) requested (第三十五/三十六条)
//
// Every other case action (dispatch, start, resolve, verify, escalate, …)
// leaves the statutory clock as it is.

// Event is a case event as the clock reads it.
type Event struct {
	Action cases.Action
	At     time.Time
	Reason string // why a petition was declined or an extension asked for
	Days   int    // the days of an extension asked for
}

// Apply moves the clock by one event of its case, or refuses it with the
// clock's errors: ECONFLICT for a step the statute does not allow now (a
// review asked after its window, a second extension, a petition reopened
// after its re-review), EINVALID naming the field for bad input. Events
// that are not statutory steps are accepted and change nothing.
func (p *Clock) Apply(e Event) error {
	switch e.Action {
	case ActionSubmitted:
		return p.Received(e.At)
	case cases.ActionAccept:
		return p.Accepted(e.At)
	case cases.ActionReject:
		return p.Declined(e.At, e.Reason)
	case cases.ActionRequestExtension:
		if err := p.CheckExtension(e.At, e.Reason, e.Days); err != nil {
			return err
		}
		p.pending = &Extension{At: e.At, Reason: e.Reason, Days: e.Days}
	case cases.ActionDenyExtension:
		p.pending = nil
	case cases.ActionApproveExtension:
		if p.pending == nil {
			return anju.Errorf(anju.ECONFLICT, "no extension was asked for")
		}
		if err := p.Extend(e.At, p.pending.Reason, p.pending.Days); err != nil {
			return err
		}
		p.pending = nil
	case cases.ActionClose:
		switch p.stage {
		case StageReviewRequested:
			return p.ReviewConcluded(e.At)
		case StageReReviewRequested:
			return p.ReReviewConcluded(e.At)
		}
		return p.Concluded(e.At)
	case cases.ActionReopen:
		switch p.stage {
		case StageConcluded:
			return p.ReviewRequested(e.At)
		case StageReviewConcluded:
			return p.ReReviewRequested(e.At)
		case StageFinal:
			return anju.Errorf(anju.ECONFLICT, "the petition was finally concluded by its re-review; the same matter is not taken up again (第三十六条)")
		}
		return anju.Errorf(anju.ECONFLICT, "a petition that is %s cannot be taken to review", stageWords[p.stage])
	}
	return nil
}

// ActionSubmitted is the case event of a petition's receipt.
const ActionSubmitted cases.Action = "submit"

// Replay rebuilds the clock of a petition received at receivedAt from its
// case's events in the order they happened, counting days on the clock's
// calendar. The receipt is the case's own; submit events are passed over.
// An event the clock refuses is passed over too: every step since the
// clock was enforced was checked by Apply before it was written, so only a
// history recorded before that can hold one, and a petition is not to be
// stuck by its past. It returns how many events it passed over that way.
func Replay(p *Clock, receivedAt time.Time, events []Event) (int, error) {
	if err := p.Received(receivedAt); err != nil {
		return 0, err
	}
	skipped := 0
	for _, e := range events {
		if e.Action == ActionSubmitted {
			continue
		}
		if err := p.Apply(e); err != nil {
			skipped++
		}
	}
	return skipped, nil
}

// CaseDeadlines are the clocks its case keeps for lists, figures and the
// scheduler: Response is the written notice of acceptance (the case's first
// response); Resolution is the organ's deadline running now — the notice
// while the petition waits for a decision, then the conclusion (extension
// included), the review and the re-review opinions — or, when none runs,
// the last that did. Both are zero before Received.
func (p *Clock) CaseDeadlines() (response, resolution time.Time) {
	switch p.stage {
	case StageReceived, StageDeclined:
		resolution = p.acceptNoticeDue
	case StageAccepted, StageConcluded:
		resolution = p.conclusionDue
	case StageReviewRequested, StageReviewConcluded:
		resolution = p.reviewDue
	case StageReReviewRequested, StageFinal:
		resolution = p.reReviewDue
	}
	return p.acceptNoticeDue, resolution
}

// DueKind names the deadline Due returns, for words at the edge:
// accept_notice, conclusion, review_request, review, re_review_request,
// re_review, or "" when nothing runs.
func (p *Clock) DueKind() string {
	return map[Stage]string{StageReceived: "accept_notice", StageAccepted: "conclusion", StageConcluded: "review_request",
		StageReviewRequested: "review", StageReviewConcluded: "re_review_request", StageReReviewRequested: "re_review"}[p.stage]
}

// PendingExtension is the extension asked for and not yet decided.
func (p *Clock) PendingExtension() (Extension, bool) {
	if p.pending == nil {
		return Extension{}, false
	}
	return *p.pending, true
}

// Reviews counts the reviews requested: 0, 1 (复查) or 2 (复查 and 复核).
func (p *Clock) Reviews() int {
	switch p.stage {
	case StageReviewRequested, StageReviewConcluded:
		return 1
	case StageReReviewRequested, StageFinal:
		return 2
	}
	return 0
}
