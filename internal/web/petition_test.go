package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/cases"
	"anju/internal/petition"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

var cst = time.FixedZone("CST", 8*3600)

// withPetitionOffice adds street A's petition office and its handler xf-a.
func withPetitionOffice(t *testing.T, f *webtest.Fixture) {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	if _, err := f.DB.SaveDepartment(ctx, sys, store.Department{Code: "a-xf", Name: "第1街道信访办", Region: "330102001",
		Categories: []string{"16"}}); err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword(webtest.Password, auth.Params{Memory: 1024, Time: 1, Threads: 1})
	if _, err := f.DB.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "xf-a", Name: "孙信访", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.GrantRole(ctx, sys, "xf-a", anju.Grant{Role: anju.RoleHandler, Department: "a-xf"}); err != nil {
		t.Fatal(err)
	}
}

// fileTestPetition files a first petition in street A's first grid as the
// operator, through the store as the API does.
func fileTestPetition(t *testing.T, f *webtest.Fixture) int64 {
	t.Helper()
	ctx := context.Background()
	op, err := f.DB.Authenticate(ctx, "operator", webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := 30.05, 120.02
	first := true
	np := store.NewPetition{NewCase: store.NewCase{Title: "征地补偿款未足额发放", Text: "村里征地补偿款至今未足额发放，多次询问无果",
		Category: "1603", Lat: &lat, Lon: &lon}, Petition: petition.Intake{Channel: petition.ChannelLetter, First: &first}}
	np.Reporter.Name, np.Reporter.Phone = "王五", "13900001111"
	cp, err := f.DB.CreatePetition(ctx, op, np)
	if err != nil {
		t.Fatal(err)
	}
	return cp.ID
}

func actAs(t *testing.T, f *webtest.Fixture, login string, id int64, a cases.Action, in cases.Input) {
	t.Helper()
	ctx := context.Background()
	actor, err := f.DB.Authenticate(ctx, login, webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.Act(ctx, actor, id, a, store.ActionInput{Input: in}); err != nil {
		t.Fatalf("%s %s: %v", login, a, err)
	}
}

// TestPetitionCasePage: a petition's case page shows its statutory clock
// with every date the statute sets, and its steps as forms in place of the
// generic actions they take; a refused step keeps what was typed and says
// what was wrong; the printable notice and opinion read as documents,
// addressed to the petitioner in clear for the office and masked for a
// leader, and answer 404 outside one's area; the page reads in English too.
func TestPetitionCasePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		// The readers sign in now (their cookies live in real time), then
		// the store's clock goes back to dates worked out by hand.
		clk := anju.NewFakeClock(time.Now())
		f := webtest.New(t, dsn, webtest.Options{Clock: clk})
		withPetitionOffice(t, f)
		op, sup, xf, disp, other, en := f.SignIn("operator"), f.SignIn("supervisor"), f.SignIn("xf-a"), f.SignIn("dispatcher"),
			f.SignIn("worker-b"), f.SignIn("dispatcher")
		en.Lang = "en"
		clk.Set(time.Date(2026, 2, 2, 10, 0, 0, 0, cst)) // a Monday before Spring Festival
		id := fileTestPetition(t, f)
		page := "/work/cases/" + itoa(id)
		res := op.Get(page)
		if res.Status != 200 {
			t.Fatalf("case page: %d", res.Status)
		}
		// 15 days from 02-02 end on 02-17, in the break: 02-24, 24:00.
		for _, want := range []string{"信访事项", "法定期限", "书面告知期限", "2026-02-24 24:00", "来信", `id="petition-accept"`,
			`id="petition-decline"`, "已收到，待决定是否受理"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the case page lacks %q", want)
			}
		}
		for _, gone := range []string{`id="act-accept"`, `id="act-reject"`} {
			if strings.Contains(res.Body, gone) {
				t.Errorf("the case page offers the generic form %s beside the petition's step", gone)
			}
		}
		// A blank notice: the form comes back open, with the reason.
		res = op.PostForm("/work/petitions/"+itoa(id)+"/accept", url.Values{"notice": {"  "}})
		if res.Status != 400 || !strings.Contains(res.Body, `id="petition-accept" open`) || !strings.Contains(res.Body, "field-error") {
			t.Errorf("a blank notice: %d", res.Status)
		}
		res = op.PostForm("/work/petitions/"+itoa(id)+"/nonsense", url.Values{"notice": {"x"}})
		if res.Status != 404 {
			t.Errorf("an unknown step: %d", res.Status)
		}
		clk.Set(time.Date(2026, 2, 6, 10, 0, 0, 0, cst))
		res = op.PostForm("/work/petitions/"+itoa(id)+"/accept", url.Values{"notice": {"交第1街道信访办调查处理，办结后书面答复。"}})
		if res.Status != 303 || !strings.Contains(res.Location, "petition_done=accept") {
			t.Fatalf("accept: %d %s", res.Status, res.Location)
		}
		res = op.Get(res.Location)
		// 60 days from 02-06: Tuesday 04-07, after Qingming.
		for _, want := range []string{"已受理，受理告知书可以打印", "办结期限", "2026-04-07 24:00", "交第1街道信访办调查处理", "/work/petitions/" + itoa(id) + "/notice"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("after acceptance the page lacks %q", want)
			}
		}
		notice := "/work/petitions/" + itoa(id) + "/notice"
		res = op.Get(notice)
		for _, want := range []string{"信访事项受理告知书", "王五：", "2026-02-02", "2026-02-06", "交第1街道信访办调查处理", "2026-04-07前", "第1区"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the notice lacks %q", want)
			}
		}
		if res := sup.Get(notice); res.Status != 200 || strings.Contains(res.Body, "王五") || !strings.Contains(res.Body, "王**") {
			t.Errorf("the supervisor's notice: %d, masked? %v", res.Status, !strings.Contains(res.Body, "王五"))
		}
		if res := other.Get(notice); res.Status != 404 {
			t.Errorf("another street's worker: %d", res.Status)
		}
		if res := op.Get("/work/petitions/" + itoa(id) + "/opinion"); res.Status != 409 {
			t.Errorf("an opinion before there is one: %d", res.Status)
		}

		actAs(t, f, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-xf"})
		actAs(t, f, "xf-a", id, cases.ActionStart, cases.Input{})
		res = xf.PostForm("/work/petitions/"+itoa(id)+"/extension", url.Values{"reason": {"需调取档案"}, "days": {"31"}})
		if res.Status != 400 || !strings.Contains(res.Body, `id="petition-extension" open`) || !strings.Contains(res.Body, "需调取档案") {
			t.Errorf("a 31-day extension: %d", res.Status)
		}
		if res := xf.PostForm("/work/petitions/"+itoa(id)+"/extension", url.Values{"reason": {"需调取档案"}, "days": {"20"}}); res.Status != 303 {
			t.Fatalf("extension: %d %s", res.Status, res.Body)
		}
		actAs(t, f, "dispatcher", id, cases.ActionApproveExtension, cases.Input{})
		actAs(t, f, "xf-a", id, cases.ActionResolve, cases.Input{Result: "经核查，差额已补发"})
		clk.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, cst))
		res = disp.Get(page)
		// The extension of 20 days: 80 days from 02-06 end on Monday 04-27.
		for _, want := range []string{"2026-04-27 24:00", "20日：需调取档案", `id="petition-opinion"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the dispatcher's page lacks %q", want)
			}
		}
		if strings.Contains(res.Body, `id="act-close"`) {
			t.Error("the generic close form beside the opinion")
		}
		res = disp.PostForm("/work/petitions/"+itoa(id)+"/opinion", url.Values{"text": {"经调查，您反映的问题属实，已责成补发。"},
			"finding": {"partly_supported"}})
		if res.Status != 303 {
			t.Fatalf("opinion: %d %s", res.Status, res.Body)
		}
		opinion := "/work/petitions/" + itoa(id) + "/opinion"
		res = disp.Get(opinion)
		// Delivered 03-02: a review may be asked until 04-01.
		for _, want := range []string{"信访事项处理意见书", "王五：", "经调查，您反映的问题属实", "处理结论：部分支持", "2026-04-01前", "复查"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the opinion lacks %q", want)
			}
		}
		// The leader records the review; the page then says it is under
		// review with its due date.
		clk.Set(time.Date(2026, 3, 20, 10, 0, 0, 0, cst))
		res = sup.PostForm("/work/petitions/"+itoa(id)+"/review", url.Values{"reason": {"补发金额有误"}})
		if res.Status != 303 {
			t.Fatalf("review: %d %s", res.Status, res.Body)
		}
		res = sup.Get(res.Location)
		// 30 days from 03-20: Sunday 04-19, so Monday 04-20.
		for _, want := range []string{"复查中", "复查办结期限", "2026-04-20 24:00", "复查申请已登记"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("under review the page lacks %q", want)
			}
		}
		if res := sup.Get("/work?queue=long_unresolved"); res.Status != 200 || !strings.Contains(res.Body, "信访积案") ||
			!strings.Contains(res.Body, page) {
			t.Errorf("the leaders' list of long-unresolved petitions: %d", res.Status)
		}
		if res := disp.Get("/work?kind=petition"); res.Status != 200 || !strings.Contains(res.Body, page) {
			t.Errorf("the workbench by kind: %d", res.Status)
		}
		res = en.Get(page)
		for _, want := range []string{"Statutory clock", "Review opinion due", "Under review", "Written documents"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the English page lacks %q", want)
			}
		}
		if res := en.Get(opinion); !strings.Contains(res.Body, "Written opinion on a petition") || !strings.Contains(res.Body, "by 2026-04-01") {
			t.Errorf("the English opinion")
		}
	})
}

// TestPetitionCategoryAdmin: a petition category's periods are the
// statute's: the list says so, the form shows them in words and has no
// deadline fields, and saving the form keeps the stored deadlines.
func TestPetitionCategoryAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		admin := f.SignIn("admin")
		res := admin.Get("/admin/categories?after=1599")
		if !strings.Contains(res.Body, "法定：15日告知 / 60日办结") || !strings.Contains(res.Body, "本表期限对其不适用") {
			t.Errorf("the category list does not say petitions run the statute's periods")
		}
		res = admin.Get("/admin/categories/1603")
		if !strings.Contains(res.Body, "法定期限（信访工作条例）") || strings.Contains(res.Body, `name="normal_response_amount"`) {
			t.Errorf("the petition category's form offers editable deadlines")
		}
		en := f.SignIn("admin")
		en.Lang = "en"
		if res := en.Get("/admin/categories/1603"); !strings.Contains(res.Body, "Statutory periods") {
			t.Errorf("the English form does not say so")
		}
		tree, err := f.DB.Taxonomy(context.Background(), "330100")
		if err != nil {
			t.Fatal(err)
		}
		before, _ := tree.Get("16")
		res = admin.PostForm("/admin/categories", url.Values{"existing": {"1"}, "code": {"16"}, "version": {"1"}, "name": {"信访事项（来信来访）"},
			"name_en": {"Letters and visits"}, "kind": {"petition"}, "default_priority": {"normal"}, "department_level": {"district"},
			"active": {"true"}})
		if res.Status != 303 {
			t.Fatalf("saving a petition group: %d %s", res.Status, res.Body)
		}
		tree, _ = f.DB.Taxonomy(context.Background(), "330100")
		after, _ := tree.Get("16")
		if after.Name != "信访事项（来信来访）" || len(after.Deadlines) != len(before.Deadlines) || after.Deadlines["normal"] != before.Deadlines["normal"] {
			t.Errorf("saved: %+v, was %+v", after, before)
		}
	})
}

// TestPetitionNeverPublic: a petition — even one filed under a category
// the city shows publicly — is on no public page: not its tracking page,
// not the public list, map or figures; the portal offers no petition
// category and refuses one posted anyway.
func TestPetitionNeverPublic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		withPetitionOffice(t, f)
		ctx := context.Background()
		sys := anju.SystemActor("t")
		tree, err := f.DB.Taxonomy(ctx, "330100")
		if err != nil {
			t.Fatal(err)
		}
		light, _ := tree.Get("0101")
		light.Public = true
		if _, err := f.DB.SaveCategory(ctx, sys, light); err != nil {
			t.Fatal(err)
		}
		op, err := f.DB.Authenticate(ctx, "operator", webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		lat, lon := 30.05, 120.02
		first := true
		np := store.NewPetition{NewCase: store.NewCase{Title: "信访：路灯长期不亮", Text: "多次反映路灯不亮无人处理", Category: "0101",
			Lat: &lat, Lon: &lon}, Petition: petition.Intake{Channel: petition.ChannelWeb, First: &first}}
		np.Reporter.Name = "赵六"
		cp, err := f.DB.CreatePetition(ctx, op, np)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.DB.AcceptPetition(ctx, op, cp.ID, petition.Acceptance{Notice: "受理"}); err != nil {
			t.Fatal(err)
		}
		anon := f.Anonymous()
		if res := anon.Get("/track/" + cp.TrackingCode); res.Status != 404 {
			t.Errorf("the petition's tracking page: %d", res.Status)
		}
		for _, path := range []string{"/", "/map/cases.geojson", "/map"} {
			if res := anon.Get(path); res.Status != 200 || strings.Contains(res.Body, "信访：路灯长期不亮") || strings.Contains(res.Body, cp.TrackingCode) {
				t.Errorf("%s shows the petition (%d)", path, res.Status)
			}
		}
		res := anon.Get("/report")
		if res.Status != 200 || strings.Contains(res.Body, `value="1603"`) || strings.Contains(res.Body, "信访事项") {
			t.Errorf("the portal offers a petition category")
		}
		fields := goodReport()
		fields["category"] = "1603"
		res = report(anon, "/report", fields)
		if res.Status != 400 || !strings.Contains(res.Body, `id="category-error"`) {
			t.Errorf("the portal took a petition in: %d %s", res.Status, res.Location)
		}
		list, err := f.DB.ListCases(ctx, sys, store.CaseFilter{Kind: cases.KindPetition})
		if err != nil || len(list.Cases) != 1 {
			t.Errorf("petitions after the portal's refusal: %d, %v", len(list.Cases), err)
		}
	})
}
