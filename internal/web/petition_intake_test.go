package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"anju/internal/cases"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// petitionForm is a first petition by letter in street A's first grid.
func petitionForm() url.Values {
	return url.Values{"file": {"1"}, "channel": {"letter"}, "first": {"yes"}, "category": {"1603"},
		"text": {"村里征地补偿款至今未足额发放，多次询问无果"}, "title": {"征地补偿款未足额发放"}, "grid": {"330102001001001"},
		"name": {"王五"}, "phone": {"13900001111"}, "petitioner_address": {"第1社区3幢"}}
}

// filePetitionAs files form through the page and returns the new case's id.
func filePetitionAs(t *testing.T, c *webtest.Client, form url.Values) int64 {
	t.Helper()
	return fileOnPage(t, c, "/work/petitions/new", form)
}

// TestPetitionIntakePage: the petition office takes a petition in on its
// page — by letter, with its petitioner — and the case shows its channel
// where every case's channel is shown; a repeat petition names the earlier
// one and is no first petition; bad input is said at its field with what
// was typed kept, and writes nothing; only the office opens the page.
func TestPetitionIntakePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		withPetitionOffice(t, f)
		op := f.SignIn("operator")

		res := op.Get("/work/petitions/new")
		if res.Status != 200 {
			t.Fatalf("the page: %d", res.Status)
		}
		for _, want := range []string{`name="channel" value="letter"`, `name="channel" value="visit"`, "来信", "来访", "网上信访",
			`<option value="1603"`, `name="repeat_of"`, `name="first" value="yes"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(res.Body, `<option value="0101"`) {
			t.Errorf("the page offers a request's category")
		}
		if home := op.Get("/work"); !strings.Contains(home.Body, `href="/work/petitions/new"`) {
			t.Errorf("the workbench does not link the petition intake")
		}
		for _, login := range []string{"worker-a", "handler-a", "xf-a"} {
			if res := f.SignIn(login).Get("/work/petitions/new"); res.Status != 403 {
				t.Errorf("%s opens the petition intake: %d", login, res.Status)
			}
			if home := f.SignIn(login).Get("/work"); strings.Contains(home.Body, `href="/work/petitions/new"`) {
				t.Errorf("the workbench links the petition intake for %s", login)
			}
		}

		// Bad input: the field's message, the typed text kept, nothing written.
		for _, tc := range []struct {
			name       string
			edit       func(url.Values)
			field, msg string
		}{
			{"no channel", func(v url.Values) { v.Del("channel") }, "channel", "请选择信访形式"},
			{"a fax", func(v url.Values) { v.Set("channel", "fax") }, "channel", "请选择信访形式"},
			{"first unsaid", func(v url.Values) { v.Del("first") }, "first", "请说明是否初信初访"},
			{"first and a repeat", func(v url.Values) { v.Set("repeat_of", "1") }, "repeat_of", "前次信访的案件编号不对"},
			{"no such earlier petition", func(v url.Values) { v.Del("first"); v.Set("repeat_of", "999999") }, "repeat_of", "前次信访的案件编号不对"},
			{"an earlier petition that is no number", func(v url.Values) { v.Del("first"); v.Set("repeat_of", "第三次") }, "repeat_of", "前次信访的案件编号不对"},
			{"no petitioner", func(v url.Values) { v.Del("name") }, "name", "请填写信访人姓名"},
			{"a bad phone", func(v url.Values) { v.Set("phone", "123") }, "phone", "电话号码格式不对"},
			{"a bad ID number", func(v url.Values) { v.Set("id_number", "110101199003070000") }, "id_number", "身份证号码格式不对"},
			{"no text", func(v url.Values) { v.Set("text", " ") }, "text", "请填写问题描述"},
			{"no category", func(v url.Values) { v.Del("category") }, "category", "请选择一个有效的分类"},
			{"no place", func(v url.Values) { v.Del("grid") }, "grid", "请用“查找地点”选定一个网格"},
		} {
			form := petitionForm()
			tc.edit(form)
			res := op.PostForm("/work/petitions/new", form)
			if res.Status != 400 || !strings.Contains(res.Body, `id="`+tc.field+`-error"`) || !strings.Contains(res.Body, tc.msg) ||
				!strings.Contains(res.Body, `value="征地补偿款未足额发放"`) {
				t.Errorf("%s: %d %s", tc.name, res.Status, brief(res.Body))
			}
		}
		// A search for the place comes back with the places found and what
		// was typed.
		form := petitionForm()
		form.Del("file")
		form.Del("grid")
		form.Set("place_q", "第1社区")
		if res := op.PostForm("/work/petitions/new", form); res.Status != 200 || !strings.Contains(res.Body, `name="pick_place" value="330102001001001"`) ||
			!strings.Contains(res.Body, `value="13900001111"`) {
			t.Errorf("place search: %d %s", res.Status, brief(res.Body))
		}
		var n int
		f.DB.SQL().QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d cases after refusals", n)
		}

		// Filed: a letter is the case's channel, on the case page and in
		// the store's case, and the statutory clock runs.
		id := filePetitionAs(t, op, petitionForm())
		page := op.Get("/work/cases/" + itoa(id))
		for _, want := range []string{"<dt>来源渠道</dt><dd>来信</dd>", "信访事项", "书面告知期限", "王**"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the case page lacks %q", want)
			}
		}
		ctx := context.Background()
		disp, err := f.DB.Authenticate(ctx, "dispatcher", webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := f.DB.GetPetition(ctx, disp, id)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Channel != cases.ChannelLetter || cp.Petition.Channel != "letter" || !cp.Petition.First || cp.Kind != cases.KindPetition {
			t.Errorf("filed: channel %s, petition %+v", cp.Channel, cp.Petition)
		}
		// A visit on the same matter names it: no first petition.
		form = petitionForm()
		form.Set("channel", "visit")
		form.Del("first")
		form.Set("repeat_of", itoa(id))
		again := filePetitionAs(t, op, form)
		rp, err := f.DB.GetPetition(ctx, disp, again)
		if err != nil {
			t.Fatal(err)
		}
		if rp.Channel != cases.ChannelVisit || rp.Petition.First || rp.Petition.RepeatOf != id {
			t.Errorf("the repeat: channel %s, petition %+v", rp.Channel, rp.Petition)
		}
		if page := op.Get("/work/cases/" + itoa(again)); !strings.Contains(page.Body, "<dd>来访</dd>") || !strings.Contains(page.Body, "前次信访 #"+itoa(id)) {
			t.Errorf("the repeat's case page: %s", brief(page.Body))
		}
	})
}

// TestKindIntakeFormsFileOnce: the dispute and petition intake forms carry
// a key of their own, so that pressing "file" twice (or a browser resending
// the post) files one case and both answers lead to it.
func TestKindIntakeFormsFileOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		withPetitionOffice(t, f)
		op := f.SignIn("operator")
		formKey := regexp.MustCompile(`<input type="hidden" name="key" value="(web-[A-Za-z0-9_-]+)">`)
		for _, tc := range []struct {
			path  string
			form  url.Values
			table string
		}{
			{"/work/petitions/new", petitionForm(), "petitions"},
			{"/work/disputes/new", disputeForm(), "disputes"},
		} {
			m := formKey.FindStringSubmatch(op.Get(tc.path).Body)
			if m == nil {
				t.Fatalf("%s has no key", tc.path)
			}
			other := formKey.FindStringSubmatch(op.Get(tc.path).Body)
			if other == nil || other[1] == m[1] {
				t.Fatalf("%s: two openings of the form share a key", tc.path)
			}
			tc.form.Set("key", m[1])
			first := fileOnPage(t, op, tc.path, tc.form)
			if again := fileOnPage(t, op, tc.path, tc.form); again != first {
				t.Errorf("%s filed twice: %d and %d", tc.path, first, again)
			}
			var n int
			f.DB.SQL().QueryRow(`SELECT COUNT(*) FROM ` + tc.table).Scan(&n)
			if n != 1 {
				t.Errorf("%s: %d %s stored, want 1", tc.path, n, tc.table)
			}
		}
	})
}
