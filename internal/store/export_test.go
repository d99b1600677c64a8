package store

import (
	"context"
	"maps"
	"time"

	"anju/internal/anju"
)

// SetGatherLimit sets the most candidates a list gathers on SQLite rather
// than reading in order, and returns the limit before: below zero every
// list reads in order, very high every list gathers. Tests run both ways.
func SetGatherLimit(n int) int {
	old := gatherLimit
	gatherLimit = n
	return old
}

// SetMaxFigureCases sets the most cases one figures recount reads, and
// returns the limit before.
func SetMaxFigureCases(n int) int {
	old := maxFigureCases
	maxFigureCases = n
	return old
}

// ForgetFirstResponseDue removes from every reopening the first response
// deadline it recorded, as in a database written before reopenings did.
func (db *DB) ForgetFirstResponseDue(ctx context.Context) error {
	_, err := db.exec(ctx, `UPDATE case_events SET data = '{}' WHERE action = 'reopen'`)
	return err
}

// PollChanges reads change_versions at once, as the handle's background
// poll does every changePoll.
func (db *DB) PollChanges(ctx context.Context) error {
	db.changes.begin()
	return db.changes.poll(ctx)
}

// SetBuckets sets how many buckets the limiter counts keys in.
func (l *Limiter) SetBuckets(n int64) { l.buckets = n }

// SetMatchLimits sets how many of the newest matches a search ranks and a
// list's text filter keeps (both n), and returns the limits before.
func SetMatchLimits(n int) func() {
	ranked, kept := searchRanked, textFilterKept
	searchRanked, textFilterKept = n, n
	return func() { searchRanked, textFilterKept = ranked, kept }
}

// SetSearchWalked sets how many of the newest matches a search by
// relevance looks through, on both engines, and the fewest for which a
// scope or a filter may gather its cases first (SQLite); it returns a
// function that restores them.
func SetSearchWalked(walked, gatherMin int) func() {
	before, min := maps.Clone(searchWalked), searchGatherMin
	for e := range searchWalked {
		searchWalked[e] = walked
	}
	searchGatherMin = gatherMin
	return func() { searchWalked, searchGatherMin = before, min }
}

// HotspotsOnRead finds the hotspots as Hotspots did on every read before
// they were stored: among the cases the actor sees, created in the last
// days days.
func (db *DB) HotspotsOnRead(ctx context.Context, actor *anju.Actor, days, top int) (HotspotList, error) {
	sc, args := caseScope(actor)
	now := db.clock.Now()
	found, err := db.findHotspots(ctx, sc, args, now.Add(-time.Duration(days)*24*time.Hour).UTC(), now.UTC(), top)
	return found.list, err
}

// StoredHotspots counts the stored hotspots of every run.
func (db *DB) StoredHotspots(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM hotspots`).Scan(&n)
	return n, err
}
