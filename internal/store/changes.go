package store

import (
	"context"
	"sync"
	"time"
)

// Several servers on one database each keep a few things in memory: a
// city's taxonomy and calendar, its departments' places, its webhook
// subscriptions, its classifier models and region places, and the actors
// of API tokens. A change made through one server drops its own copy at
// once. The others learn of it through change_versions: the change's
// transaction adds one to its city's and kind's row (Tx.noteChange), and
// every handle reads that small table (a few rows per city) every
// changePoll in the background. A cached value remembers the version it
// was loaded under and is used only while that is still the version seen,
// so a change reaches every server within changePoll and a query. If the
// table cannot be read (the database is away), nothing older than
// changeStale is trusted: values are loaded again rather than served stale.

// changeKind names what a change_versions row counts.
type changeKind string

const (
	changeAuth          changeKind = "auth" // users' passwords, grants, tokens and disabling: the token cache
	changeDepartments   changeKind = "departments"
	changeTaxonomy      changeKind = "taxonomy"
	changeCalendar      changeKind = "calendar"
	changeSubscriptions changeKind = "subscriptions"
	changeModels        changeKind = "models"
	changeRegions       changeKind = "regions"
)

const (
	// changePoll is how often a handle reads change_versions.
	changePoll = 250 * time.Millisecond
	// changeStale is how old the last successful read may be before cached
	// values older than it are no longer trusted.
	changeStale = time.Second
)

type changeKey struct {
	city string
	kind changeKind
}

// changeWatch follows change_versions for one handle (and the handles
// WithClock makes from it). It starts at its first use, so that commands
// that never cache anything never poll.
type changeWatch struct {
	db    *DB
	every time.Duration

	start, end sync.Once
	stop       chan struct{}
	done       chan struct{}

	mu       sync.RWMutex
	versions map[changeKey]int64
	epochs   map[changeKind]int64 // per kind, one more at every change seen in any city
	polledAt time.Time            // when the last successful read began
}

func newChangeWatch(db *DB) *changeWatch {
	return &changeWatch{db: db, every: changePoll, stop: make(chan struct{}), done: make(chan struct{}),
		versions: map[changeKey]int64{}, epochs: map[changeKind]int64{}}
}

// begin reads the versions once and starts following them.
func (w *changeWatch) begin() {
	w.start.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), changeStale)
		w.poll(ctx)
		cancel()
		go w.run()
	})
}

func (w *changeWatch) run() {
	defer close(w.done)
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), changeStale)
			w.poll(ctx)
			cancel()
		}
	}
}

// close stops the polling, if it started; it may be called again.
func (w *changeWatch) close() {
	w.end.Do(func() {
		started := true
		w.start.Do(func() { started = false })
		close(w.stop)
		if started {
			<-w.done
		}
	})
}

// poll reads every version and moves on the epochs of the kinds that
// changed.
func (w *changeWatch) poll(ctx context.Context) error {
	began := time.Now()
	rows, err := w.db.query(ctx, `SELECT city, kind, version FROM change_versions`)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[changeKey]int64{}
	for rows.Next() {
		var k changeKey
		var v int64
		if err := rows.Scan(&k.city, &k.kind, &v); err != nil {
			return err
		}
		seen[k] = v
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, v := range seen {
		if w.versions[k] != v {
			w.versions[k] = v
			w.epochs[k.kind]++
		}
	}
	w.polledAt = began
	return nil
}

// version is the version of (city, kind) last seen; fresh reports whether
// it was read within changeStale.
func (w *changeWatch) version(city string, kind changeKind) (v int64, fresh bool) {
	w.begin()
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.versions[changeKey{city, kind}], time.Since(w.polledAt) < changeStale
}

// epoch moves on whenever a change of kind is seen in any city.
func (w *changeWatch) epoch(kind changeKind) (e int64, fresh bool) {
	w.begin()
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.epochs[kind], time.Since(w.polledAt) < changeStale
}

// trust reports whether a value loaded at loaded under version then may
// still be served, now that the version is now: the versions agree, and
// either the versions were read lately or the value is itself that young.
func trust(then, now int64, fresh bool, loaded time.Time) bool {
	return then == now && (fresh || time.Since(loaded) < changeStale)
}

// noteChange tells the other servers, once the transaction commits, that
// the city's things of kind changed.
func (t *Tx) noteChange(ctx context.Context, city string, kind changeKind) error {
	_, err := t.exec(ctx, `INSERT INTO change_versions (city, kind, version) VALUES (?, ?, 1)
		ON CONFLICT (city, kind) DO UPDATE SET version = change_versions.version + 1`, city, string(kind))
	return err
}
