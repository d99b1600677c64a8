package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// hazardInB registers a gas installation in district B, owes it a task and
// completes it with a failed item, as the system; it returns the ids of the
// hazard, the task and the finding.
func hazardInB(t *testing.T, db *store.DB) (string, string, string) {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	h, err := db.RegisterHazard(ctx, sys, hazard.Hazard{Type: hazard.TypeGas, Name: "乙区调压站", Lat: 30.05, Lon: 120.17,
		RiskLevel: hazard.RiskHigh, Owner: "燃气公司", Department: "b-street"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.GenerateInspectionTasks(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	l, err := db.ListInspections(ctx, sys, store.InspectionFilter{Region: "330105"})
	if err != nil || len(l.Inspections) != 1 {
		t.Fatalf("B's task: %+v %v", l, err)
	}
	in, err := db.CompleteInspection(ctx, sys, l.Inspections[0].ID, []hazard.Answer{{Item: "leak", Result: hazard.Fail, Finding: "阀门漏气"},
		{Item: "alarm", Result: hazard.Pass}, {Item: "hose", Result: hazard.Pass}, {Item: "ventilation", Result: hazard.Pass}}, nil)
	if err != nil || len(in.Findings) != 1 {
		t.Fatalf("B's inspection: %+v %v", in, err)
	}
	return itoa(h.ID), itoa(in.ID), itoa(in.Findings[0].ID)
}

func TestHazardAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		status, body := f.do("worker-a", "POST", "/api/v1/hazards", `{"type":"high_rise","name":"阳光大厦","address":"阳光路8号",
			"lat":30.05,"lon":120.02,"risk_level":"major","owner":"阳光物业公司","department":"a-street"}`)
		if status != 201 {
			t.Fatalf("register: %d %s", status, body)
		}
		var h struct{ ID int64 }
		json.Unmarshal([]byte(body), &h)
		count := func(q string, args ...any) (n int) {
			if err := f.db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, tc := range []struct{ body, field string }{
			{`{"type":"volcano","name":"x","lat":30.05,"lon":120.02,"risk_level":"low","owner":"o"}`, "type"},
			{`{"type":"slope","name":"x","lat":30.05,"lon":120.02,"risk_level":"dire","owner":"o"}`, "risk_level"},
			{`{"type":"slope","name":"x","lat":31.5,"lon":121.5,"risk_level":"low","owner":"o"}`, "lat"},
			{`{"type":"slope","name":"","lat":30.05,"lon":120.02,"risk_level":"low","owner":"o"}`, "name"},
			{`{"type":"slope","name":"x","lat":30.05,"lon":120.02,"risk_level":"low","owner":"o","owner_phone":"139"}`, "owner_phone"},
		} {
			if status, body := f.do("worker-a", "POST", "/api/v1/hazards", tc.body); status != 400 || !strings.Contains(body, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s, want 400 on %s", tc.body, status, body, tc.field)
			}
		}
		if n := count(`SELECT COUNT(*) FROM hazards`); n != 1 {
			t.Errorf("refused registrations wrote: %d hazards", n)
		}
		if status, _ := f.do("handler-a", "POST", "/api/v1/hazards", `{}`); status != 403 {
			t.Errorf("handler registers: %d", status)
		}
		if _, err := f.db.GenerateInspectionTasks(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		status, body = f.do("worker-a", "GET", "/api/v1/inspections?state=due", "")
		var l struct {
			Inspections []struct{ ID int64 }
		}
		if json.Unmarshal([]byte(body), &l); status != 200 || len(l.Inspections) != 1 {
			t.Fatalf("worker A's tasks: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/inspections?state=late", ""); status != 400 || !strings.Contains(body, `"field":"state"`) {
			t.Errorf("bad state: %d %s", status, body)
		}
		if _, body := f.do("worker-b", "GET", "/api/v1/inspections", ""); strings.Contains(body, "阳光") {
			t.Errorf("worker B sees A's task: %s", body)
		}
		task := "/api/v1/inspections/" + itoa(l.Inspections[0].ID) + "/complete"
		if status, body := f.do("worker-a", "POST", task, `{"answers":[]}`); status != 400 || !strings.Contains(body, `"field":"answers"`) {
			t.Errorf("empty answers: %d %s", status, body)
		}
		if status, _ := f.do("worker-b", "POST", task, `{"answers":[]}`); status != 404 {
			t.Errorf("worker B completes A's task: %d", status)
		}
		answers := `{"answers":[{"item":"fire_lane","result":"fail","finding":"消防车通道被私家车占用"},{"item":"exits","result":"pass"},
			{"item":"equipment","result":"pass"},{"item":"ebike","result":"na"},{"item":"facade","result":"pass"}]}`
		if status, body := f.do("worker-a", "POST", task, strings.Replace(answers, "facade", "roof", 1)); status != 400 || !strings.Contains(body, `"field":"answers[4].item"`) {
			t.Errorf("item not on the checklist: %d %s", status, body)
		}
		// The refusals (no answers, another grid's worker, an item not on
		// the checklist) left the task due, with no answer, finding or case.
		taskID := l.Inspections[0].ID
		written := func() string {
			var state string
			f.db.SQL().QueryRow(`SELECT state FROM inspection_tasks WHERE id = $1`, taskID).Scan(&state)
			return fmt.Sprintf("task %s, %d answers, %d findings, %d cases", state, count(`SELECT COUNT(*) FROM inspection_answers`),
				count(`SELECT COUNT(*) FROM hazard_findings`), count(`SELECT COUNT(*) FROM cases`))
		}
		if got := written(); got != "task due, 0 answers, 0 findings, 0 cases" {
			t.Errorf("refused completions wrote: %s", got)
		}
		status, body = f.do("worker-a", "POST", task, answers)
		if status != 200 || !strings.Contains(body, `"state":"done"`) || !strings.Contains(body, `"state":"rectifying"`) {
			t.Fatalf("complete: %d %s", status, body)
		}
		done1 := written()
		if status, _ := f.do("worker-a", "POST", task, answers); status != 409 {
			t.Errorf("second completion: %d", status)
		}
		if got := written(); got != done1 {
			t.Errorf("the second completion wrote: %s, was %s", got, done1)
		}
		var done struct {
			Findings []struct {
				ID     int64 `json:"id"`
				CaseID int64 `json:"case_id"`
			}
		}
		json.Unmarshal([]byte(body), &done)
		if status, body := f.do("dispatcher", "GET", "/api/v1/cases/"+itoa(done.Findings[0].CaseID), ""); status != 200 ||
			!strings.Contains(body, `"department":"a-street"`) || !strings.Contains(body, `"kind":"hazard"`) || !strings.Contains(body, `"category":"1201"`) {
			t.Errorf("rectification case: %d %s", status, body)
		}
		reinspect := "/api/v1/hazards/findings/" + itoa(done.Findings[0].ID) + "/reinspect"
		if status, body := f.do("worker-a", "POST", reinspect, `{}`); status != 400 || !strings.Contains(body, `"field":"passed"`) {
			t.Errorf("reinspect without verdict: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "POST", reinspect, `{"passed":true}`); status != 200 || !strings.Contains(body, `"state":"closed"`) {
			t.Errorf("reinspect: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/hazards/"+itoa(h.ID), ""); status != 200 || !strings.Contains(body, "阳光大厦") {
			t.Errorf("hazard: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/hazards/figures", ""); status != 200 || !strings.Contains(body, `"rectified":1`) {
			t.Errorf("figures: %d %s", status, body)
		}
		if status, body := f.do("admin", "PUT", "/api/v1/hazards/checklists/slope", `{"category":"1209","items":[{"key":"cracks","text":"坡体无裂缝"}]}`); status != 200 {
			t.Errorf("checklist: %d %s", status, body)
		}
		if status, body := f.do("admin", "PUT", "/api/v1/hazards/checklists/volcano", `{"category":"1209","items":[{"key":"a","text":"b"}]}`); status != 400 || !strings.Contains(body, `"field":"type"`) {
			t.Errorf("checklist of an unknown type: %d %s", status, body)
		}
		if status, _ := f.do("worker-a", "PUT", "/api/v1/hazards/checklists/slope", `{}`); status != 403 {
			t.Errorf("worker edits a checklist: %d", status)
		}
		if status, body := f.do("admin", "PUT", "/api/v1/hazards/plan/major", `{"every":2,"unit":"week"}`); status != 200 || !strings.Contains(body, `"major":{"every":2,"unit":"week"}`) {
			t.Errorf("plan: %d %s", status, body)
		}
	})
}

// TestHazardAPIPhotosAndLists: a completion as a multipart form with a
// photo of its finding, which lands on the rectification case; the case's
// JSON carries its finding; a register entry changed by PUT; the lists
// behind the figures.
func TestHazardAPIPhotosAndLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		status, body := f.do("worker-a", "POST", "/api/v1/hazards", `{"type":"gas","name":"幸福小区调压站","address":"幸福路1号",
			"lat":30.05,"lon":120.02,"risk_level":"high","owner":"燃气集团","department":"a-street"}`)
		if status != 201 {
			t.Fatalf("register: %d %s", status, body)
		}
		var h struct {
			ID      int64
			Version int64
		}
		json.Unmarshal([]byte(body), &h)
		if _, err := f.db.GenerateInspectionTasks(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		_, body = f.do("worker-a", "GET", "/api/v1/inspections?hazard="+itoa(h.ID), "")
		var l struct {
			Inspections []struct{ ID int64 }
		}
		if json.Unmarshal([]byte(body), &l); len(l.Inspections) != 1 {
			t.Fatalf("the hazard's tasks: %s", body)
		}
		task := "/api/v1/inspections/" + itoa(l.Inspections[0].ID) + "/complete"
		answers := `[{"item":"leak","result":"fail","finding":"阀门漏气"},{"item":"alarm","result":"pass"},{"item":"hose","result":"na"},{"item":"ventilation","result":"pass"}]`
		pic := photoFile(t, "small.webp")
		for _, tc := range []struct {
			name  string
			parts []formPart
			field string
		}{
			{"a photo of a passed item", []formPart{field("answers", answers), {name: "photos.alarm", file: pic, filename: "a.jpg"}}, "photos"},
			{"an untagged photo", []formPart{field("answers", answers), photoPart(pic)}, "photos"},
			{"answers not JSON", []formPart{field("answers", "leak=fail")}, "answers"},
			{"answers twice", []formPart{field("answers", answers), field("answers", answers)}, "answers"},
			{"an unknown field", []formPart{field("answers", answers), field("note", "x")}, "note"},
			{"an unknown answer field", []formPart{field("answers", `[{"item":"leak","result":"pass","score":1}]`)}, ""},
		} {
			if status, body := f.postForm("worker-a", task, tc.parts); status != 400 || tc.field != "" && !strings.Contains(body, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s", tc.name, status, body)
			}
		}
		if status, _ := f.postForm("worker-b", task, []formPart{field("answers", answers), {name: "photos.leak", file: pic, filename: "a.jpg"}}); status != 404 {
			t.Errorf("worker B sends photos to A's task: %d", status)
		}
		if f.count("case_photos") != 0 || f.count("hazard_findings") != 0 {
			t.Fatalf("refused completions wrote %d photos, %d findings", f.count("case_photos"), f.count("hazard_findings"))
		}
		status, body = f.postForm("worker-a", task, []formPart{field("answers", answers), {name: "photos.leak", file: pic, filename: "a.jpg"}})
		if status != 200 {
			t.Fatalf("complete with a photo: %d %s", status, body)
		}
		var done struct {
			Findings []struct {
				ID     int64 `json:"id"`
				CaseID int64 `json:"case_id"`
			}
		}
		json.Unmarshal([]byte(body), &done)
		if len(done.Findings) != 1 {
			t.Fatalf("findings: %s", body)
		}
		if status, body := f.postForm("worker-a", task, []formPart{field("answers", answers)}); status != 409 {
			t.Errorf("a second completion as a form: %d %s", status, body)
		}
		cid := itoa(done.Findings[0].CaseID)
		if status, body := f.do("worker-a", "GET", "/api/v1/cases/"+cid+"/photos", ""); status != 200 || strings.Count(body, `"id"`) != 1 {
			t.Errorf("the finding's photo on its case: %d %s", status, body)
		}
		if status, body := f.do("dispatcher", "GET", "/api/v1/cases/"+cid, ""); status != 200 || !strings.Contains(body, `"hazard":{`) ||
			!strings.Contains(body, `"hazard_name":"幸福小区调压站"`) || !strings.Contains(body, `"item":"leak"`) {
			t.Errorf("the case's hazard detail: %d %s", status, body)
		}
		// Lists behind the figures.
		for path, want := range map[string]int{
			"/api/v1/hazards/findings?state=open&risk_level=high":  1,
			"/api/v1/hazards/findings?state=open&risk_level=major": 0,
			"/api/v1/hazards/findings?state=closed":                0,
			"/api/v1/inspections?outcome=on_time&risk_level=high":  1,
			"/api/v1/inspections?outcome=counted":                  1,
		} {
			status, body := f.do("worker-a", "GET", path, "")
			if status != 200 || strings.Count(body, `"risk_level"`) != want {
				t.Errorf("%s: %d %s, want %d", path, status, body, want)
			}
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/hazards/findings?closed_from=2026-02-30", ""); status != 400 || !strings.Contains(body, `"field":"closed_from"`) {
			t.Errorf("a bad day: %d %s", status, body)
		}
		// The task falls due within the fortnight.
		today := time.Now().In(hazard.China).Format(time.DateOnly)
		fortnight := time.Now().In(hazard.China).AddDate(0, 0, 14).Format(time.DateOnly)
		if status, body := f.do("worker-a", "GET", "/api/v1/hazards/figures?from="+today+"&to="+fortnight, ""); status != 200 || !strings.Contains(body, `"done_on_time":1`) {
			t.Errorf("figures of the fortnight: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/hazards/figures?from=2020-01-01&to=2020-01-31", ""); status != 200 || !strings.Contains(body, `"tasks_counted":0`) {
			t.Errorf("figures of a month long past: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/hazards/figures?from="+today+"&to=2020-01-01", ""); status != 400 || !strings.Contains(body, `"field":"to"`) {
			t.Errorf("a period that ends before it begins: %d %s", status, body)
		}
		// The register entry changes.
		upd := `{"type":"gas","name":"幸福小区调压站","address":"幸福路1号","lat":30.05,"lon":120.03,"risk_level":"major","owner":"燃气集团","department":"a-street","version":` + itoa(h.Version) + `}`
		if status, body := f.do("handler-a", "PUT", "/api/v1/hazards/"+itoa(h.ID), upd); status != 403 {
			t.Errorf("a handler changes the register: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "PUT", "/api/v1/hazards/"+itoa(h.ID), strings.Replace(upd, `"version"`, `"versio"`, 1)); status != 400 {
			t.Errorf("no version: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "PUT", "/api/v1/hazards/"+itoa(h.ID), upd); status != 200 || !strings.Contains(body, `"risk_level":"major"`) {
			t.Errorf("update: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "PUT", "/api/v1/hazards/"+itoa(h.ID), upd); status != 409 {
			t.Errorf("update from a stale copy: %d %s", status, body)
		}
	})
}
