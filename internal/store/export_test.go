package store

// SetGatherLimit sets the most candidates a list gathers on SQLite rather
// than reading in order, and returns the limit before: below zero every
// list reads in order, very high every list gathers. Tests run both ways.
func SetGatherLimit(n int) int {
	old := gatherLimit
	gatherLimit = n
	return old
}
