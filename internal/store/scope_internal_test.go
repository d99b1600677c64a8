package store

import (
	"testing"

	"anju/internal/anju"
)

// TestCaseVisible checks the Go form of the case scope against the rule
// caseScope writes in SQL, on the cases a street-A worker, a department
// handler, a resident and a city dispatcher may and may not see.
func TestCaseVisible(t *testing.T) {
	const a, b = "/330100/330102/330102001/330102001001/330102001001001/", "/330100/330105/330105001/330105001001/330105001001001/"
	worker := &anju.Actor{UserID: 1, City: "330100", Grants: []anju.Grant{{Role: anju.RoleGridWorker, RegionPath: "/330100/330102/330102001/"}}}
	handler := &anju.Actor{UserID: 2, City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Department: "b-office", RegionPath: "/330100/330105/330105001/"}}}
	resident := &anju.Actor{UserID: 3, City: "330100", Grants: []anju.Grant{{Role: anju.RoleResident, RegionPath: "/330100/"}}}
	dispatcher := &anju.Actor{UserID: 4, City: "330100", Grants: []anju.Grant{{Role: anju.RoleDispatcher, RegionPath: "/330100/"}}}
	for _, tc := range []struct {
		name     string
		actor    *anju.Actor
		city     string
		path     string
		dept     string
		reporter int64
		want     bool
	}{
		{"worker, own street", worker, "330100", a, "", 0, true},
		{"worker, other street", worker, "330100", b, "", 0, false},
		{"handler, own department's case elsewhere", handler, "330100", a, "b-office", 0, true},
		{"handler, undispatched case in its street", handler, "330100", b, "", 0, false},
		{"resident, own case", resident, "330100", b, "", 3, true},
		{"resident, another's case", resident, "330100", b, "", 9, false},
		{"dispatcher, city", dispatcher, "330100", b, "", 0, true},
		{"dispatcher, other city", dispatcher, "110100", "/110100/110101/", "", 0, false},
		{"system", anju.SystemActor("t"), "110100", b, "", 0, true},
	} {
		if got := caseVisible(tc.actor, tc.city, tc.path, tc.dept, tc.reporter); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
