package store_test

import (
	"context"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/meeting"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

func TestMeetingLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		wa, wb := w.actors["worker-a"], w.actors["worker-b"]
		public := anju.PublicActor("330100", "web")
		start := monday.Add(72 * time.Hour)
		in := meeting.Meeting{Community: "330102001001", Title: "第1社区民情恳谈会", Place: "社区议事厅", Start: start,
			End: start.Add(2 * time.Hour), Topics: []string{"电动车充电棚选址"}}
		// Another district's community, or a street, is refused by field;
		// nothing is written.
		for _, code := range []string{"330105001001", "330102001"} {
			bad := in
			bad.Community = code
			if _, err := w.db.CreateMeeting(ctx, wa, bad); anju.ErrorField(err) != "community" {
				t.Errorf("community %s: %v", code, err)
			}
		}
		if l, _ := w.db.ListMeetings(ctx, system, store.MeetingFilter{}); len(l.Meetings) != 0 {
			t.Fatalf("bad input wrote %d meetings", len(l.Meetings))
		}
		m, err := w.db.CreateMeeting(ctx, wa, in)
		if err != nil || m.State != meeting.Scheduled || m.CommunityName != "第1社区" {
			t.Fatalf("create: %+v %v", m, err)
		}
		// Residents propose; one leaves a name and phone, kept masked.
		p1, err := w.db.ProposeTopic(ctx, public, m.ID, meeting.Proposal{Text: "楼道堆物清理", Name: "赵敏", Phone: "13912345678"})
		if err != nil || p1.Phone != "139****5678" || p1.State != meeting.ProposalPending {
			t.Fatalf("proposal: %+v %v", p1, err)
		}
		p2, err := w.db.ProposeTopic(ctx, public, m.ID, meeting.Proposal{Text: "广场舞音量"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.ProposeTopic(ctx, public, m.ID, meeting.Proposal{Text: "x", Name: "赵敏"}); anju.ErrorField(err) != "phone" {
			t.Errorf("name without phone: %v", err)
		}
		if _, err := w.db.ModerateProposal(ctx, public, m.ID, p1.ID, meeting.ProposalAccept); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("resident moderates: %v", err)
		}
		if _, err := w.db.ModerateProposal(ctx, wb, m.ID, p1.ID, meeting.ProposalAccept); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B moderates: %v", err)
		}
		if p, err := w.db.ModerateProposal(ctx, wa, m.ID, p1.ID, meeting.ProposalAccept); err != nil || p.State != meeting.ProposalAccepted {
			t.Fatalf("accept: %+v %v", p, err)
		}
		if _, err := w.db.ModerateProposal(ctx, wa, m.ID, p2.ID, meeting.ProposalDecline); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.ModerateProposal(ctx, wa, m.ID, p2.ID, meeting.ProposalAccept); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("moderated twice: %v", err)
		}
		// Minutes only after the meeting was held; holding only once it
		// has started; proposals only before.
		if _, err := w.db.RecordMinutes(ctx, wa, m.ID, meeting.Minutes{Text: "议定两件事", Attendees: 30}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("minutes before held: %v", err)
		}
		if _, err := w.db.ActOnMeeting(ctx, wa, m.ID, meeting.ActionHold); anju.ErrorField(err) != "start" {
			t.Fatalf("hold early: %v", err)
		}
		w.clock.Set(start.Add(time.Hour))
		if _, err := w.db.ProposeTopic(ctx, public, m.ID, meeting.Proposal{Text: "迟到的议题"}); anju.ErrorField(err) != "text" {
			t.Fatalf("proposal after start: %v", err)
		}
		if _, err := w.db.ActOnMeeting(ctx, wa, m.ID, meeting.ActionHold); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.RecordDecision(ctx, wa, m.ID, meeting.Decision{Text: "建充电棚", Category: "0101"}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("decision before minutes: %v", err)
		}
		if _, err := w.db.RecordMinutes(ctx, wa, m.ID, meeting.Minutes{Text: "x", Attendees: 0}); anju.ErrorField(err) != "attendees" {
			t.Fatalf("minutes without attendees: %v", err)
		}
		if m, err = w.db.RecordMinutes(ctx, wa, m.ID, meeting.Minutes{Text: "到会居民30人，议定充电棚选址与楼道清理。", Attendees: 30}); err != nil ||
			m.State != meeting.Minuted || m.Minutes == nil || m.Minutes.RecordedBy != "worker-a" {
			t.Fatalf("minutes: %+v %v", m, err)
		}
		if _, err := w.db.RecordMinutes(ctx, wa, m.ID, meeting.Minutes{Text: "again", Attendees: 3}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("second minutes: %v", err)
		}
		// Two decisions, two cases in the community; bad ones write nothing.
		for field, d := range map[string]meeting.Decision{
			"category": {Text: "建充电棚", Category: "9999"},
			"grid":     {Text: "建充电棚", Category: "0101", Grid: "330105001001001"},
		} {
			if _, err := w.db.RecordDecision(ctx, wa, m.ID, d); anju.ErrorField(err) != field {
				t.Errorf("decision %s: %v", field, err)
			}
		}
		if _, err := w.db.RecordDecision(ctx, wb, m.ID, meeting.Decision{Text: "x", Category: "0101"}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B decides: %v", err)
		}
		d1, err := w.db.RecordDecision(ctx, wa, m.ID, meeting.Decision{Text: "在3号楼旁建电动车充电棚", Category: "0101"})
		if err != nil {
			t.Fatal(err)
		}
		d2, err := w.db.RecordDecision(ctx, wa, m.ID, meeting.Decision{Text: "清理各楼道堆物", Category: "0101", Grid: "330102001001002"})
		if err != nil {
			t.Fatal(err)
		}
		if d1.Case.ID == 0 || d2.Case.ID == d1.Case.ID || d2.Case.Grid.Code != "330102001001002" || d1.Case.Grid.Code != "330102001001001" {
			t.Fatalf("decisions: %+v %+v", d1, d2)
		}
		c, err := w.db.GetCase(ctx, wa, d1.Case.ID)
		if err != nil || c.Channel != cases.ChannelReception {
			t.Fatalf("decision's case: %+v %v", c, err)
		}
		// The first is followed to its end on the meeting's page.
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", c.ID, cases.ActionResolve, cases.Input{Result: "充电棚已建成"})
		w.act(t, "worker-a", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		got, err := w.db.GetMeeting(ctx, wa, m.ID)
		if err != nil || len(got.Decisions) != 2 || got.Decisions[0].Case.State != cases.StateClosed ||
			got.Decisions[1].Case.State != cases.StateSubmitted || len(got.Proposals) != 2 || got.Proposals[0].State != meeting.ProposalAccepted {
			t.Fatalf("meeting afterwards: %+v %v", got, err)
		}
		if _, err := w.db.GetMeeting(ctx, wb, m.ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B reads: %v", err)
		}
		if l, _ := w.db.ListMeetings(ctx, wb, store.MeetingFilter{}); len(l.Meetings) != 0 {
			t.Errorf("worker B lists %d meetings", len(l.Meetings))
		}
	})
}
