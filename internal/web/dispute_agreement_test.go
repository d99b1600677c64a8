package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/cases"
	"anju/internal/department"
	"anju/internal/dispute"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// withMediation adds street A's people's mediation committee and its
// mediator, mediator-a (赵调解).
func withMediation(t *testing.T, f *webtest.Fixture) {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	if _, err := f.DB.SaveDepartment(ctx, sys, store.Department{Code: "a-mediation", Name: "第1街道人民调解委员会",
		Type: department.TypeMediationCommittee, Region: "330102001"}); err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword(webtest.Password, auth.Params{Memory: 1024, Time: 1, Threads: 1})
	if _, err := f.DB.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "mediator-a", Name: "赵调解", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.GrantRole(ctx, sys, "mediator-a", anju.Grant{Role: anju.RoleMediator, Department: "a-mediation"}); err != nil {
		t.Fatal(err)
	}
}

// agreedDispute files a dispute in street A, sends it to the street's
// mediation committee and has its mediator record two sessions and an
// agreement, all through the store as the API does.
func agreedDispute(t *testing.T, f *webtest.Fixture) int64 {
	t.Helper()
	ctx := context.Background()
	withMediation(t, f)
	worker, _ := f.DB.Authenticate(ctx, "worker-a", webtest.Password)
	disp, _ := f.DB.Authenticate(ctx, "dispatcher", webtest.Password)
	med, err := f.DB.Authenticate(ctx, "mediator-a", webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := 30.05, 120.02
	nd := store.NewDispute{NewCase: store.NewCase{Title: "楼上装修噪声", Text: "楼上连续三周夜间装修，协商无果", Category: "1101", Lat: &lat, Lon: &lon}}
	nd.Dispute = dispute.Dispute{Type: dispute.TypeNeighbour, Amount: 1200, People: 2, Parties: []dispute.Party{
		{Kind: dispute.Person, Role: dispute.Applicant, Name: "李四", Phone: "13912345678", IDNumber: "11010519491231002X"},
		{Kind: dispute.Organisation, Role: dispute.Respondent, Name: "幸福装饰有限公司", Phone: "13698765432"}}}
	cd, err := f.DB.CreateDispute(ctx, worker, nd)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		a    *anju.Actor
		what cases.Action
		in   cases.Input
	}{{disp, cases.ActionAccept, cases.Input{}}, {disp, cases.ActionDispatch, cases.Input{Department: "a-mediation"}}, {med, cases.ActionStart, cases.Input{}}} {
		if _, err := f.DB.Act(ctx, step.a, cd.ID, step.what, store.ActionInput{Input: step.in}); err != nil {
			t.Fatal(err)
		}
	}
	parties := []int64{cd.Dispute.Parties[0].ID, cd.Dispute.Parties[1].ID}
	for i, m := range [][]string{{"赵调解"}, {"赵调解", "钱调解"}} {
		if _, err := f.DB.RecordDisputeSession(ctx, med, cd.ID, dispute.Session{HeldAt: time.Now().Add(time.Duration(i-3) * time.Hour),
			Place: "第1社区调解室", Mediators: m, Attended: parties}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.DB.RecordDisputeOutcome(ctx, med, cd.ID, dispute.Outcome{Agreement: true, Terms: "被申请人于十日内赔偿申请人1200元。",
		Parties: parties}); err != nil {
		t.Fatal(err)
	}
	return cd.ID
}

// TestDisputeAgreementPage: the mediator's printout names the parties in
// clear with a signature line for each party and mediator; the grid
// worker's shows them masked; another street's worker gets 404, and a
// dispute without agreement has no printout.
func TestDisputeAgreementPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		id := agreedDispute(t, f)
		path := "/work/disputes/" + itoa(id) + "/agreement"
		res := f.SignIn("mediator-a").Get(path)
		if res.Status != 200 {
			t.Fatalf("mediator: %d %s", res.Status, res.Body)
		}
		for _, want := range []string{"人民调解协议书", "李四", "11010519491231002X", "幸福装饰有限公司", "第1街道人民调解委员会",
			"被申请人于十日内赔偿申请人1200元", "1200 元", "一式 3 份", "调解员 钱调解"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("mediator's agreement lacks %q", want)
			}
		}
		if n := strings.Count(res.Body, `class="sign-line"`); n != 4 {
			t.Errorf("%d signature lines, want 4 (two parties, two mediators)", n)
		}
		res = f.SignIn("worker-a").Get(path)
		if res.Status != 200 || strings.Contains(res.Body, "李四") || !strings.Contains(res.Body, "李**") || strings.Contains(res.Body, "13912345678") {
			t.Errorf("worker's agreement: %d, masked? %v", res.Status, !strings.Contains(res.Body, "李四"))
		}
		if res := f.SignIn("worker-b").Get(path); res.Status != 404 {
			t.Errorf("worker B: %d", res.Status)
		}
		if res := f.SignIn("worker-a").Get("/work/disputes/999999/agreement"); res.Status != 404 {
			t.Errorf("no such dispute: %d", res.Status)
		}
	})
}
