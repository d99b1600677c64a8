package petition

import (
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/deadline"
)

var sh = deadline.Shanghai()

func at(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, sh) }

// endOf is 24:00 of y-m-d in Shanghai, the way day deadlines end.
func endOf(y int, m time.Month, d int) time.Time { return time.Date(y, m, d+1, 0, 0, 0, 0, sh) }

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := anju.ErrorCode(err); got != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	if field != "" && anju.ErrorField(err) != field {
		t.Fatalf("error = %v, want field %s", err, field)
	}
}

// TestPetitionFullPath drives one petition through every step, received on
// 2025-09-30 just before the National Day break and finally concluded after
// re-review in 2026, moving a fake clock from step to step.
func TestPetitionFullPath(t *testing.T) {
	clk := anju.NewFakeClock(at(2025, 9, 30, 10, 0))
	p := NewClock(deadline.Default(), clk)
	if p.Stage() != StageNew || !p.AcceptsSameMatterAgain() {
		t.Fatalf("new clock: %s", p.Stage())
	}
	if due, _ := p.Due(); !due.IsZero() {
		t.Errorf("new clock has a due date %v", due)
	}

	type step struct {
		name      string
		at        time.Time
		do        func(time.Time) error
		stage     Stage
		due       time.Time
		overdueAt time.Time // the clock is moved here after the step; zero means no organ deadline
	}
	steps := []step{
		// 15 days from 09-30 end on 10-15, a Wednesday.
		{"received", at(2025, 9, 30, 10, 0), p.Received, StageReceived, endOf(2025, 10, 15), endOf(2025, 10, 15).Add(time.Second)},
		// 60 days from 10-10 end on 12-09.
		{"accepted", at(2025, 10, 10, 9, 0), p.Accepted, StageAccepted, endOf(2025, 12, 9), endOf(2025, 12, 9).Add(time.Second)},
		// Extended by 23 days: 83 days from 10-10 is 2026-01-01, New Year,
		// so the period runs to the 调休 Sunday 2026-01-04.
		{"extended", at(2025, 12, 1, 9, 0), func(t time.Time) error { return p.Extend(t, "需要现场测绘 site survey", 23) },
			StageAccepted, endOf(2026, 1, 4), endOf(2026, 1, 4).Add(time.Second)},
		// Opinion delivered 2026-01-04; 30 days end on 02-03, a Tuesday.
		{"concluded", at(2026, 1, 4, 15, 0), p.Concluded, StageConcluded, endOf(2026, 2, 3), time.Time{}},
		// Review asked on the last day of the window; 30 days from 02-03
		// end on 03-05.
		{"review requested", at(2026, 2, 3, 23, 0), p.ReviewRequested, StageReviewRequested, endOf(2026, 3, 5), endOf(2026, 3, 5).Add(time.Second)},
		// Review opinion 03-10; the re-review window ends 04-09.
		{"review concluded", at(2026, 3, 10, 10, 0), p.ReviewConcluded, StageReviewConcluded, endOf(2026, 4, 9), time.Time{}},
		// Re-review asked 04-01: 30 days end on 05-01, Labour Day, so the
		// period runs past the 05-01..05-05 break to 05-06.
		{"re-review requested", at(2026, 4, 1, 10, 0), p.ReReviewRequested, StageReReviewRequested, endOf(2026, 5, 6), endOf(2026, 5, 6).Add(time.Second)},
		{"re-review concluded", at(2026, 4, 28, 10, 0), p.ReReviewConcluded, StageFinal, time.Time{}, time.Time{}},
	}
	for _, s := range steps {
		clk.Set(s.at)
		if err := s.do(s.at); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if p.Stage() != s.stage {
			t.Fatalf("%s: stage %s, want %s", s.name, p.Stage(), s.stage)
		}
		due, what := p.Due()
		if !due.Equal(s.due) {
			t.Errorf("%s: due %v (%s), want %v", s.name, due, what, s.due)
		}
		if p.Overdue() {
			t.Errorf("%s: overdue right after the step", s.name)
		}
		if !s.overdueAt.IsZero() {
			clk.Set(s.due)
			if p.Overdue() {
				t.Errorf("%s: overdue at 24:00 of the last day", s.name)
			}
			clk.Set(s.overdueAt)
			if !p.Overdue() {
				t.Errorf("%s: not overdue after %v", s.name, s.due)
			}
		}
		if s.stage != StageFinal && !p.AcceptsSameMatterAgain() {
			t.Errorf("%s: closed to petitions too early", s.name)
		}
	}
	if p.AcceptsSameMatterAgain() {
		t.Error("after re-review the same matter must not be accepted again")
	}
	if got := p.OutOfRemitDue(); !got.Equal(endOf(2025, 10, 14)) {
		// 5 working days from 09-30: 10-09, 10-10, 10-11 (调休 Saturday), 10-13, 10-14.
		t.Errorf("OutOfRemitDue = %v", got)
	}
	if !p.AcceptNoticeDue().Equal(endOf(2025, 10, 15)) || !p.ConclusionDue().Equal(endOf(2026, 1, 4)) ||
		!p.ReviewRequestBy().Equal(endOf(2026, 2, 3)) || !p.ReviewDue().Equal(endOf(2026, 3, 5)) ||
		!p.ReReviewRequestBy().Equal(endOf(2026, 4, 9)) || !p.ReReviewDue().Equal(endOf(2026, 5, 6)) {
		t.Error("a recorded due date changed after later steps")
	}
	if e, ok := p.Extension(); !ok || e.Days != 23 {
		t.Errorf("Extension = %v, %v", e, ok)
	}
}

// TestPetitionSpringFestival: a transferred petition received just before
// Spring Festival 2026.
func TestPetitionSpringFestival(t *testing.T) {
	p := NewClock(nil, anju.NewFakeClock(at(2026, 2, 9, 10, 0)))
	if err := p.Received(at(2026, 2, 9, 10, 0)); err != nil {
		t.Fatal(err)
	}
	// 15 days from Monday 02-09 end on 02-24, the first working day after
	// the break: exactly on it.
	if got := p.AcceptNoticeDue(); !got.Equal(endOf(2026, 2, 24)) {
		t.Errorf("AcceptNoticeDue = %v", got)
	}
	// 5 working days: 02-10..02-13 and the 调休 Saturday 02-14.
	if got := p.OutOfRemitDue(); !got.Equal(endOf(2026, 2, 14)) {
		t.Errorf("OutOfRemitDue = %v", got)
	}
	p2 := NewClock(nil, nil)
	_ = p2.Received(at(2026, 2, 6, 10, 0))
	// 15 days from 02-06 end on Saturday 02-21, inside the break: 02-24.
	if got := p2.AcceptNoticeDue(); !got.Equal(endOf(2026, 2, 24)) {
		t.Errorf("AcceptNoticeDue from 02-06 = %v", got)
	}
}

func TestPetitionDeclined(t *testing.T) {
	p := NewClock(nil, anju.NewFakeClock(at(2025, 9, 30, 10, 0)))
	_ = p.Received(at(2025, 9, 30, 10, 0))
	wantCode(t, p.Declined(at(2025, 10, 9, 10, 0), ""), anju.EINVALID, "reason")
	if err := p.Declined(at(2025, 10, 9, 10, 0), "属于法院管辖 for the court"); err != nil {
		t.Fatal(err)
	}
	if p.Stage() != StageDeclined || !p.AcceptsSameMatterAgain() || p.Overdue() || p.DeclineReason() == "" {
		t.Errorf("declined: stage %s", p.Stage())
	}
	wantCode(t, p.Accepted(at(2025, 10, 10, 10, 0)), anju.ECONFLICT, "")
}

// TestPetitionWindowsLapse: a petitioner who lets the review or re-review
// window pass cannot bring the same matter again.
func TestPetitionWindowsLapse(t *testing.T) {
	clk := anju.NewFakeClock(at(2025, 9, 1, 10, 0))
	p := NewClock(nil, clk)
	for _, err := range []error{
		p.Received(at(2025, 9, 1, 10, 0)),
		p.Accepted(at(2025, 9, 5, 10, 0)),
		// Opinion delivered 09-16: 30 days end on 10-16.
		p.Concluded(at(2025, 9, 16, 10, 0)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !p.ReviewRequestBy().Equal(endOf(2025, 10, 16)) {
		t.Fatalf("ReviewRequestBy = %v", p.ReviewRequestBy())
	}
	clk.Set(endOf(2025, 10, 16))
	if !p.AcceptsSameMatterAgain() {
		t.Error("closed at 24:00 of the last day of the window")
	}
	clk.Advance(time.Second)
	if p.AcceptsSameMatterAgain() {
		t.Error("open after the review window lapsed")
	}
	wantCode(t, p.ReviewRequested(clk.Now()), anju.ECONFLICT, "")

	// The same with the re-review window, which ends in the 2025 National
	// Day break (08-29 + 30 = 09-28, the 调休 Sunday: a working day).
	clk.Set(at(2025, 7, 1, 10, 0))
	q := NewClock(nil, clk)
	for _, err := range []error{
		q.Received(at(2025, 7, 1, 10, 0)),
		q.Accepted(at(2025, 7, 2, 10, 0)),
		q.Concluded(at(2025, 7, 20, 10, 0)),
		q.ReviewRequested(at(2025, 7, 25, 10, 0)),
		q.ReviewConcluded(at(2025, 8, 29, 10, 0)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !q.ReReviewRequestBy().Equal(endOf(2025, 9, 28)) {
		t.Fatalf("ReReviewRequestBy = %v", q.ReReviewRequestBy())
	}
	clk.Set(at(2025, 9, 29, 0, 1))
	if q.AcceptsSameMatterAgain() {
		t.Error("open after the re-review window lapsed")
	}
	wantCode(t, q.ReReviewRequested(clk.Now()), anju.ECONFLICT, "")
	if err := q.ReReviewRequested(at(2025, 9, 28, 17, 0)); err != nil {
		t.Errorf("a request recorded inside the window was refused: %v", err)
	}
}

func TestPetitionErrors(t *testing.T) {
	t0 := at(2025, 11, 3, 10, 0)
	accepted := func() *Clock {
		p := NewClock(nil, anju.NewFakeClock(t0))
		_ = p.Received(t0)
		_ = p.Accepted(t0.Add(time.Hour))
		return p
	}
	tests := []struct {
		name  string
		do    func() error
		code  string
		field string
	}{
		{"accept before receipt", func() error { return NewClock(nil, nil).Accepted(t0) }, anju.ECONFLICT, ""},
		{"receive twice", func() error {
			p := NewClock(nil, nil)
			_ = p.Received(t0)
			return p.Received(t0)
		}, anju.ECONFLICT, ""},
		{"zero time", func() error { return NewClock(nil, nil).Received(time.Time{}) }, anju.EINVALID, "at"},
		{"backwards time", func() error {
			p := NewClock(nil, nil)
			_ = p.Received(t0)
			return p.Accepted(t0.Add(-time.Hour))
		}, anju.EINVALID, "at"},
		{"extend before acceptance", func() error {
			p := NewClock(nil, nil)
			_ = p.Received(t0)
			return p.Extend(t0, "x", 10)
		}, anju.ECONFLICT, ""},
		{"extend without reason", func() error { return accepted().Extend(t0.Add(2*time.Hour), "", 10) }, anju.EINVALID, "reason"},
		{"extend by 31 days", func() error { return accepted().Extend(t0.Add(2*time.Hour), "x", 31) }, anju.EINVALID, "days"},
		{"extend by 0 days", func() error { return accepted().Extend(t0.Add(2*time.Hour), "x", 0) }, anju.EINVALID, "days"},
		{"extend twice", func() error {
			p := accepted()
			if err := p.Extend(t0.Add(2*time.Hour), "x", 10); err != nil {
				return err
			}
			return p.Extend(t0.Add(3*time.Hour), "y", 10)
		}, anju.ECONFLICT, ""},
		{"extend after the period ran out", func() error { return accepted().Extend(t0.AddDate(0, 0, 70), "x", 10) }, anju.ECONFLICT, ""},
		{"conclude before acceptance", func() error {
			p := NewClock(nil, nil)
			_ = p.Received(t0)
			return p.Concluded(t0)
		}, anju.ECONFLICT, ""},
		{"review before conclusion", func() error { return accepted().ReviewRequested(t0.Add(2 * time.Hour)) }, anju.ECONFLICT, ""},
		{"review concluded before requested", func() error { return accepted().ReviewConcluded(t0.Add(2 * time.Hour)) }, anju.ECONFLICT, ""},
		{"re-review before review", func() error {
			p := accepted()
			_ = p.Concluded(t0.Add(2 * time.Hour))
			return p.ReReviewRequested(t0.Add(3 * time.Hour))
		}, anju.ECONFLICT, ""},
		{"re-review concluded before requested", func() error { return accepted().ReReviewConcluded(t0.Add(2 * time.Hour)) }, anju.ECONFLICT, ""},
		{"anything after final", func() error {
			p := accepted()
			for _, f := range []func(time.Time) error{p.Concluded, p.ReviewRequested, p.ReviewConcluded, p.ReReviewRequested, p.ReReviewConcluded} {
				if err := f(t0.Add(2 * time.Hour)); err != nil {
					return err
				}
			}
			return p.ReviewRequested(t0.Add(3 * time.Hour))
		}, anju.ECONFLICT, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.do(), tt.code, tt.field) })
	}
}
