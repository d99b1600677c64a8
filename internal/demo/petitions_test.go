package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/petition"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// demoPetitions reads the demo city's petitions as the city dispatcher: each
// one's stage, first flag, reviews and documents, in filing order.
func demoPetitionList(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	var out []string
	for cursor := ""; ; {
		l, err := db.ListCases(ctx, sys, store.CaseFilter{Kind: cases.KindPetition, PageSize: 200, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Cases {
			p, err := db.PetitionOf(ctx, sys, c)
			if err != nil {
				t.Fatal(err)
			}
			if p.Channel == "" {
				continue // filed by the general history, not by the petitions' fill
			}
			out = append(out, fmt.Sprintf("%s|%s|%s|%v|%d|%s", c.Title, p.Channel, p.Clock.Stage, p.First, len(p.Documents), c.State))
		}
		if !l.HasMore {
			return out
		}
		cursor = l.Next
	}
}

// TestDemoPetitions: the demo's fill files petitions at every stage of the
// statute, through the store, the same for the same seed; the leaders'
// list of long-unresolved petitions has some, and the figure of first
// petitions settled at first instance has a value.
func TestDemoPetitions(t *testing.T) {
	now := time.Date(2026, 11, 20, 16, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var first []string
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := smallDemo(t, dsn, now)
		got := demoPetitionList(t, db)
		stages := map[petition.Stage]int{}
		repeats := 0
		for _, s := range got {
			var title, channel, stage, first, state string
			var docs int
			fmt.Sscanf(replaceBars(s), "%s %s %s %s %d %s", &title, &channel, &stage, &first, &docs, &state)
			stages[petition.Stage(stage)]++
			if first == "false" && stage == string(petition.StageDeclined) {
				repeats++
			}
		}
		for _, st := range []petition.Stage{petition.StageReceived, petition.StageDeclined, petition.StageAccepted, petition.StageConcluded,
			petition.StageReviewRequested, petition.StageReviewConcluded, petition.StageReReviewRequested, petition.StageFinal} {
			if stages[st] == 0 {
				t.Errorf("no demo petition at stage %s: %v", st, stages)
			}
		}
		if repeats == 0 {
			t.Errorf("no repeat petition declined")
		}
		users, err := db.ListUsers(ctx, anju.SystemActor("t"))
		if err != nil {
			t.Fatal(err)
		}
		var sup *anju.Actor
		for _, u := range users {
			if u.Login == "supervisor" {
				sup = &anju.Actor{UserID: u.ID, Login: u.Login, City: u.City, Grants: u.Grants}
			}
		}
		long, err := db.ListCases(ctx, sup, store.CaseFilter{Queue: cases.QueueLongUnresolved})
		if err != nil || len(long.Cases) == 0 {
			t.Errorf("the long-unresolved list: %d, %v", len(long.Cases), err)
		}
		if first == nil {
			first = got
		} else if fmt.Sprint(first) != fmt.Sprint(got) {
			t.Errorf("the same seed filed other petitions on the second engine:\n%v\n%v", first, got)
		}
	})
}

func replaceBars(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r == '|' {
			out[i] = ' '
		}
	}
	return string(out)
}
