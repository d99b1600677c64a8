package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/meeting"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// receptionDay is a session of street A led by leader-a, a district A
// supervisor: Wednesday 09:00–10:00 in Beijing, three slots of 20 minutes,
// one resident each.
func receptionDay(w *caseWorld) meeting.Session {
	start := monday.Add(48 * time.Hour)
	return meeting.Session{Leader: "leader-a", LeaderTitle: "第1区区长", Region: "330102001", Place: "第1街道便民服务中心",
		Start: start, End: start.Add(time.Hour), Topics: []string{"老旧小区改造", "停车难"}, SlotMinutes: 20, Capacity: 1}
}

func booking(at time.Time, name string) meeting.Booking {
	return meeting.Booking{Slot: at, Name: name, Phone: "13812345678", Topic: "小区加装电梯的补贴"}
}

func TestReceptionLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		leader := mustUser(t, w.db, "leader-a", anju.Grant{Role: anju.RoleSupervisor, Region: "330102"})
		public := anju.PublicActor("330100", "web")
		in := receptionDay(w)
		// Bad input names the field and writes nothing.
		for field, change := range map[string]func(*meeting.Session){
			"region":       func(s *meeting.Session) { s.Region = "330105001" }, // street B, outside the leader's area
			"leader":       func(s *meeting.Session) { s.Leader = "worker-b" },  // works in street B
			"slot_minutes": func(s *meeting.Session) { s.SlotMinutes = 3 },
			"start":        func(s *meeting.Session) { s.Start = monday.Add(-time.Hour) },
		} {
			bad := receptionDay(w)
			change(&bad)
			if _, err := w.db.CreateReception(ctx, leader, bad); anju.ErrorField(err) != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		if l, _ := w.db.ListReceptions(ctx, system, store.ReceptionFilter{}); len(l.Sessions) != 0 {
			t.Fatalf("bad input wrote %d sessions", len(l.Sessions))
		}
		s, err := w.db.CreateReception(ctx, leader, in)
		if err != nil {
			t.Fatal(err)
		}
		if s.State != meeting.SessionDraft || s.LeaderName != "leader-a" || len(s.SlotList) != 3 || s.SlotList[2].Free != 1 {
			t.Fatalf("created %+v", s)
		}
		// A draft is not bookable by residents: it does not exist for them.
		if _, err := w.db.BookSlot(ctx, public, s.ID, booking(in.Start, "王芳")); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Fatalf("booking a draft: %v", err)
		}
		if _, err := w.db.ActOnReception(ctx, w.actors["operator"], s.ID, meeting.SessionPublish); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Fatalf("operator publishes: %v", err)
		}
		if s, err = w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionPublish); err != nil || s.State != meeting.SessionPublished {
			t.Fatalf("publish: %+v %v", s, err)
		}
		if ps, err := w.db.PublicReceptions(ctx, "330100", 10); err != nil || len(ps) != 1 || ps[0].Leader != "" || ps[0].LeaderTitle != "第1区区长" {
			t.Fatalf("public sessions: %+v %v", ps, err)
		}
		// A resident books the first slot on the portal; their data is
		// kept masked.
		b, err := w.db.BookSlot(ctx, public, s.ID, booking(in.Start, "王芳"))
		if err != nil || len(b.Code) != 12 || b.Name != "王**" || b.Phone != "138****5678" {
			t.Fatalf("booking: %+v %v", b, err)
		}
		// The slot is full now: 409 for the operator booking a caller.
		if _, err := w.db.BookSlot(ctx, w.actors["operator"], s.ID, booking(in.Start, "李雷")); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("full slot: %v", err)
		}
		// Bad input names the field.
		for field, bk := range map[string]meeting.Booking{
			"slot":  booking(in.Start.Add(10*time.Minute), "李雷"), // not a slot
			"phone": {Slot: in.Start.Add(20 * time.Minute), Name: "李雷", Phone: "12", Topic: "x"},
			"name":  {Slot: in.Start.Add(20 * time.Minute), Phone: "13812345678", Topic: "x"},
		} {
			if _, err := w.db.BookSlot(ctx, w.actors["operator"], s.ID, bk); anju.ErrorField(err) != field {
				t.Errorf("booking %s: %v", field, err)
			}
		}
		// Street B's staff see nothing of it.
		if _, err := w.db.GetReception(ctx, w.actors["worker-b"], s.ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B reads: %v", err)
		}
		if _, err := w.db.BookSlot(ctx, w.actors["worker-b"], s.ID, booking(in.Start.Add(20*time.Minute), "李雷")); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B books: %v", err)
		}
		if l, _ := w.db.ListReceptions(ctx, w.actors["worker-b"], store.ReceptionFilter{}); len(l.Sessions) != 0 {
			t.Errorf("worker B lists %d sessions", len(l.Sessions))
		}
		// Holding before the start is refused; then the session starts.
		if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionHold); anju.ErrorCode(err) != anju.EINVALID {
			t.Fatalf("hold early: %v", err)
		}
		w.clock.Set(in.Start.Add(25 * time.Minute))
		if _, err := w.db.BookSlot(ctx, w.actors["operator"], s.ID, booking(in.Start.Add(20*time.Minute), "李雷")); anju.ErrorField(err) != "slot" {
			t.Fatalf("past slot: %v", err)
		}
		// A case cannot be born before the session is held.
		sc := store.SessionCase{NewCase: streetLight(), BookingID: b.ID}
		sc.Reporter.Name, sc.Reporter.Phone = "", ""
		if _, err := w.db.FileSessionCase(ctx, leader, s.ID, sc); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("case before held: %v", err)
		}
		if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionHold); err != nil {
			t.Fatal(err)
		}
		// A place outside the session's street is refused.
		far := sc
		far.Lon = f(120.17)
		if _, err := w.db.FileSessionCase(ctx, leader, s.ID, far); anju.ErrorField(err) != "lat" {
			t.Fatalf("case in street B: %v", err)
		}
		c, err := w.db.FileSessionCase(ctx, leader, s.ID, sc)
		if err != nil {
			t.Fatal(err)
		}
		if c.Channel != cases.ChannelReception || c.Reporter.Name != "王**" {
			t.Fatalf("case born at the session: %+v %+v", c.Case, c.Reporter)
		}
		if _, err := w.db.FileSessionCase(ctx, leader, s.ID, sc); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("second case of a booking: %v", err)
		}
		// The leader follows it on their own list; another leader does not.
		mine, err := w.db.LeaderCases(ctx, leader, 0, 50)
		if err != nil || len(mine.Cases) != 1 || mine.Cases[0].ID != c.ID || mine.Cases[0].SessionID != s.ID || mine.Cases[0].Leader != "leader-a" {
			t.Fatalf("leader's list: %+v %v", mine, err)
		}
		if other, _ := w.db.LeaderCases(ctx, w.actors["supervisor"], 0, 50); len(other.Cases) != 0 {
			t.Fatalf("another leader's list: %+v", other)
		}
		if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionClose); err != nil {
			t.Fatal(err)
		}
		// Through the workflow: on the list until it is closed.
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", c.ID, cases.ActionResolve, cases.Input{Result: "已加装电梯补贴到位"})
		w.act(t, "worker-a", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		if mine, _ := w.db.LeaderCases(ctx, leader, 0, 50); len(mine.Cases) != 1 || mine.Cases[0].State != cases.StateVerified {
			t.Fatalf("verified case left the list: %+v", mine)
		}
		w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		if mine, _ := w.db.LeaderCases(ctx, leader, 0, 50); len(mine.Cases) != 0 {
			t.Fatalf("closed case still on the list: %+v", mine)
		}
		got, err := w.db.GetReception(ctx, leader, s.ID)
		if err != nil || got.State != meeting.SessionClosed || len(got.Cases) != 1 || got.Cases[0].State != cases.StateClosed ||
			len(got.Bookings) != 1 || got.Bookings[0].CaseID != c.ID {
			t.Fatalf("session afterwards: %+v %v", got, err)
		}
	})
}

// TestReceptionLastSeatRace books the last seat from two goroutines at
// once: one booking and one conflict, on both engines.
func TestReceptionLastSeatRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		leader := mustUser(t, w.db, "leader-a", anju.Grant{Role: anju.RoleSupervisor, Region: "330102"})
		in := receptionDay(w)
		s, err := w.db.CreateReception(ctx, leader, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionPublish); err != nil {
			t.Fatal(err)
		}
		last := in.Start.Add(40 * time.Minute)
		for round := 0; round < 5; round++ {
			// Each round races for the last seat of a fresh session.
			if round > 0 {
				in.Start, in.End = in.Start.Add(2*time.Hour), in.End.Add(2*time.Hour)
				last = in.Start.Add(40 * time.Minute)
				if s, err = w.db.CreateReception(ctx, leader, in); err != nil {
					t.Fatal(err)
				}
				if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionPublish); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, errs[i] = w.db.BookSlot(ctx, anju.PublicActor("330100", "web"), s.ID, booking(last, []string{"王芳", "李雷"}[i]))
				}(i)
			}
			wg.Wait()
			ok, conflict := 0, 0
			for _, err := range errs {
				switch anju.ErrorCode(err) {
				case "":
					ok++
				case anju.ECONFLICT:
					conflict++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 || conflict != 1 {
				t.Fatalf("round %d: %d bookings, %d conflicts", round, ok, conflict)
			}
			got, _ := w.db.GetReception(ctx, leader, s.ID)
			if len(got.Bookings) != 1 || got.SlotList[2].Free != 0 {
				t.Fatalf("round %d: %+v", round, got.Bookings)
			}
		}
		// Two seats a slot and three callers at once: the two who read
		// the same seat free both get one, the third is refused.
		in.Start, in.End, in.Capacity = in.Start.Add(2*time.Hour), in.End.Add(2*time.Hour), 2
		if s, err = w.db.CreateReception(ctx, leader, in); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionPublish); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = w.db.BookSlot(ctx, w.actors["operator"], s.ID, booking(in.Start, "王芳"))
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if anju.ErrorCode(err) != anju.ECONFLICT {
				t.Fatal(err)
			}
		}
		if ok != 2 {
			t.Fatalf("two seats: %d bookings (%v)", ok, errs)
		}
	})
}
