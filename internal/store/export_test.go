package store

import "context"

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
