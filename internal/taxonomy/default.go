package taxonomy

import (
	"bytes"
	_ "embed"
	"encoding/json"
)

// defaultJSON is the taxonomy a new city starts with: 17 groups and their
// leaves, one category per line. It was written for Anju, modelled on the
// categories of 12345 hotlines and on the event classes of digital urban
// management (GB/T 30428), with these deadline conventions:
//   - consultations: contact in 1 working day, answer in 5;
//   - complaints: contact in 1 working day, resolve in 15 (the usual
//     12345 rule); quick municipal fixes (street lights, bins) in 5;
//   - emergencies (gas leak, collapsed manhole, burst main, power outage,
//     person trapped in a lift): urgent by default, contact within 1 clock
//     hour and make safe or restore within a few hours, day and night;
//   - disputes: contact in 1 working day, mediate within 30 days, the month
//     people's mediation usually takes;
//   - hazards: contact in 4 working hours, rectify in days;
//   - petitions (信访): the written notice within 15 days and conclusion
//     within 60 days of the 信访工作条例, for reference only: a petition's
//     deadlines come from the statutory clock of package petition, and a
//     petition category's periods cannot be edited (Change).
//
// Groups carry deadlines for their leaves to inherit; a leaf lists its own
// only where they differ.
//
//go:embed default.json
var defaultJSON []byte

var defaultTree = func() *Tree {
	var cats []Category
	dec := json.NewDecoder(bytes.NewReader(defaultJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cats); err != nil {
		// The file is part of the binary and a test loads it, so this
		// cannot happen in a released build.
		panic("taxonomy: default.json: " + err.Error())
	}
	t, err := NewTree(cats)
	if err != nil {
		panic("taxonomy: default.json: " + err.Error())
	}
	return t
}()

// Default returns the default taxonomy in code order, every category at
// version 1 and active (a copy; callers may modify it).
func Default() []Category { return defaultTree.All() }

// DefaultTree returns the default taxonomy as a tree.
func DefaultTree() *Tree { return defaultTree }
