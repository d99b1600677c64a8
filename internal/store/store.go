// Package store is the one database/sql implementation of Anju's services. It
// serves SQLite (modernc.org/sqlite, embedded) and PostgreSQL (pgx) from the
// same code; the few differences live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/deadline"
	"anju/internal/notify"
	"anju/internal/personal"
	"anju/internal/taxonomy"
)

//go:embed migrations
var migrations embed.FS

// DB is an open Anju database on one engine.
type DB struct {
	sql     *sql.DB
	dialect dialect
	clock   anju.Clock
	dsn     string
	locator *locator
	// distributed: the database is a Citus cluster's coordinator
	// (migration 00034), where a statement that locks rows must name
	// their city (ClaimOutbox).
	distributed bool
	// auditLegacy is the head of the closed legacy audit chain, where
	// every city's chain starts (audit.go); read once, it never moves.
	auditLegacy audit.Head

	keys          *personal.Keyring
	publicURL     string
	webhookAllow  notify.AllowList
	taxonomies    *cityCache[*taxonomy.Tree]
	calendars     *cityCache[*deadline.Calendar]
	subscriptions *cityCache[[]Subscription]
	dispatchable  *cityCache[map[string]departmentPlace]
	intake        *intakeBatcher
	stmts         *sync.Map // query → *sql.Stmt
	preparing     *sync.Map // query → true while a transaction has it prepared in the background
	tokenCache    *sync.Map // token hash → tokenEntry
	// untrained: city → when RetrainDue last found it with too few
	// closed cases to learn from (classifier.go).
	untrained     *sync.Map
	changes       *changeWatch
	similar       *similarIndexes
	models        *cityCache[*cityModels]
	publicFigures *publicFigureCache
	regionPlaces  *cityCache[map[string]regionPlace]
	nstmts        *atomic.Int64
	checkpoints   *checkpointer // SQLite only
	gate          writeGate     // SQLite only: the file's writers queue here (busy.go)
	txStats       *txStats
	health        *writeHealth
	busyRetry     time.Duration
	// observeTrips, when set (by tests), is told the round trips of every
	// PostgreSQL write transaction as it ends.
	observeTrips func(trips int)
	// queried, when set (by tests), sees every query DB.query runs, as
	// sent: the figure tests explain the plans of a dashboard's reads.
	queried func(q string, args []any)
	// bound, when set (Tx.Bound), is the transaction every statement
	// and transaction of this handle runs in.
	bound *Tx
}

// Options tune Open. The zero value is what production uses.
type Options struct {
	Clock anju.Clock // defaults to the system clock
	// Keys encrypt reporters' personal data; intake of personal data fails
	// without them.
	Keys *personal.Keyring
	// PublicURL is the base of links sent to residents (tracking pages).
	PublicURL string
	// IndexRecheck is how often the spatial index asks whether another
	// process changed the region tree (default 2 s).
	IndexRecheck time.Duration
	// RelaxedCommits lets a commit return before its log reaches the disk
	// (SQLite synchronous=NORMAL in WAL mode, PostgreSQL
	// synchronous_commit=off): a crash or power cut may lose the last
	// commits but never leaves the database inconsistent. For bulk loads
	// whose input can be written again, like the demo's history; never for
	// serving, where an acknowledged case must survive.
	RelaxedCommits bool
	// CheckpointEvery is how often an SQLite handle copies its write-ahead
	// log into the database in the background (default 1 s).
	CheckpointEvery time.Duration
	// checkpointRestartFrames is the log length (pages) past which the
	// background checkpoint empties the log file (default 64 MiB); tests
	// set it low.
	checkpointRestartFrames int
	// WebhookAllow lists the internal webhook receivers subscriptions may
	// name and deliveries may reach (serve --webhook-allow).
	WebhookAllow notify.AllowList
	// BusyRetry is how long a write that found the database busy (locked
	// by another process past SQLite's busy timeout, a lock timeout on
	// PostgreSQL) is tried again before EUNAVAILABLE is returned. For
	// commands a person runs; a server answers 503 at once instead.
	BusyRetry time.Duration
	// Logf reports what Open did at length (default log.Printf): counting
	// the figures of a database migrated from before the rollups.
	Logf func(format string, args ...any)
}

// Open connects to dsn ("sqlite:PATH" or a postgres:// URL), applies pending
// migrations and returns the database. It returns EINVALID for a DSN it does
// not understand.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db, err := open(dsn, opts)
	if err != nil {
		return nil, err
	}
	db.keys = opts.Keys
	db.webhookAllow = opts.WebhookAllow
	db.publicURL = strings.TrimSuffix(opts.PublicURL, "/")
	if db.publicURL == "" {
		db.publicURL = "http://127.0.0.1:8080"
	}
	if opts.IndexRecheck > 0 {
		db.locator.recheck = opts.IndexRecheck
	}
	db.changes = newChangeWatch(db)
	db.taxonomies = newCityCache[*taxonomy.Tree](db.changes, changeTaxonomy, 5*time.Second)
	db.regionPlaces = newCityCache[map[string]regionPlace](db.changes, changeRegions, 5*time.Second)
	db.calendars = newCityCache[*deadline.Calendar](db.changes, changeCalendar, time.Minute)
	db.subscriptions = newCityCache[[]Subscription](db.changes, changeSubscriptions, 5*time.Second)
	db.dispatchable = newCityCache[map[string]departmentPlace](db.changes, changeDepartments, 5*time.Second)
	db.intake = &intakeBatcher{db: db}
	db.stmts, db.preparing, db.nstmts = &sync.Map{}, &sync.Map{}, &atomic.Int64{}
	db.tokenCache = &sync.Map{}
	db.untrained = &sync.Map{}
	db.similar = &similarIndexes{cities: map[string]*citySimilar{}}
	db.models = newCityCache[*cityModels](db.changes, changeModels, time.Minute)
	db.publicFigures = newPublicFigureCache()
	db.txStats, db.health = &txStats{}, &writeHealth{}
	db.busyRetry = opts.BusyRetry
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.dialect.name() == "postgres" {
		if err := db.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&db.distributed); err != nil {
			db.Close()
			return nil, err
		}
	}
	if db.auditLegacy, err = db.legacyAuditHead(ctx); err != nil {
		db.Close()
		return nil, err
	}
	logf := opts.Logf
	if logf == nil {
		logf = log.Printf
	}
	if err := db.rebuildMissingFigures(ctx, logf); err != nil {
		db.Close()
		return nil, err
	}
	if db.dialect.name() == "sqlite" {
		db.checkpoints = startCheckpointer(db.sql, opts.CheckpointEvery, opts.checkpointRestartFrames)
	}
	return db, nil
}

func open(dsn string, opts Options) (*DB, error) {
	clock := opts.Clock
	if clock == nil {
		clock = anju.SystemClock{}
	}
	engine, err := EngineOf(dsn)
	if err != nil {
		return nil, err
	}
	switch engine {
	case "sqlite":
		path := strings.TrimPrefix(dsn, "sqlite:")
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		// The database holds reporters' (encrypted) personal data and every
		// account's password hash: a new one is created readable by its
		// owner only. SQLite gives its -wal and -shm files the mode of the
		// database file, so they follow.
		if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create database: %w", err)
		}
		// Pragmas are set here, in one place. WAL lets readers run beside the
		// writer; synchronous=FULL makes an acknowledged commit survive power
		// loss, not only a crash; _txlock=immediate takes the write lock at
		// BEGIN so that read-then-write transactions never deadlock on upgrade.
		// A 64 MiB page cache and memory-mapped reads keep a city's working
		// set out of read system calls (a tenth of the demo's CPU before).
		//
		// The WAL is checkpointed by a goroutine of the handle, outside any
		// commit (see checkpoint.go); SQLite's own checkpoint, which runs
		// inside the commit that crosses it, is only a backstop at 256 MiB.
		// Reads are memory-mapped up to 2 GiB, so that a database past
		// SQLite's 256 MiB default (the demo's is 1.1 GB) stays mapped.
		// Each of the 16 connections keeps its own page cache, in the
		// process's private memory: 16 MiB each holds them to 256 MiB,
		// where 64 MiB allowed 1 GiB (a server over a 10,000,000-case
		// file reached 1.46 GB in all), and the file's pages stay in the
		// kernel's shared, evictable cache; bench reads at 2,000,000
		// cases timed no read slower.
		sync := "FULL"
		if opts.RelaxedCommits {
			sync = "NORMAL"
		}
		// busy_timeout bounds how long a writer waits for another process's
		// transaction before its request is answered 503: writers of this
		// process queue on the file's gate instead (busy.go), and no
		// transaction of Anju's holds the lock for more than a fraction of
		// a second.
		q := "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(" + strconv.Itoa(int(busyTimeout/time.Millisecond)) + ")&_pragma=foreign_keys(1)" +
			"&_pragma=synchronous(" + sync + ")&_pragma=cache_size(-16384)&_pragma=mmap_size(2147418112)" +
			"&_pragma=wal_autocheckpoint(" + strconv.Itoa(autoCheckpointSize) + ")&_pragma=temp_store(memory)&_txlock=immediate"
		sdb, err := sql.Open("sqlite", "file:"+path+q)
		if err != nil {
			return nil, err
		}
		// Readers run beside the one writer in WAL mode; keep their
		// connections open, since opening one (pragmas, prepared statements)
		// costs more than most queries. database/sql keeps only two idle
		// connections unless told otherwise.
		sdb.SetMaxOpenConns(16)
		sdb.SetMaxIdleConns(16)
		return &DB{sql: sdb, dialect: sqliteDialect{}, clock: clock, dsn: dsn, locator: newLocator(), gate: gateFor(path)}, nil
	default: // postgres
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, anju.Errorf(anju.EINVALID, "bad postgres DSN: %v", err)
		}
		q := u.Query()
		if opts.RelaxedCommits {
			q.Set("synchronous_commit", "off") // pgx sends unknown parameters as session settings
		}
		// Every statement is prepared once (DB.stmt) and planned at each
		// run for its own parameters. Left to choose, PostgreSQL keeps a
		// generic plan after five runs when the custom ones cost as much:
		// five searches for a common word, best read newest first, left
		// every later search reading the whole index in order for a rare
		// word (7–10 s at 300,000 cases instead of 0.1–0.4 s); the queues
		// likewise kept plans made for other scopes. Planning costs a
		// fraction of a millisecond.
		if !q.Has("plan_cache_mode") {
			q.Set("plan_cache_mode", "force_custom_plan")
		}
		u.RawQuery = q.Encode()
		connDSN := u.String()
		pdb, err := sql.Open("pgx", connDSN)
		if err != nil {
			return nil, anju.Errorf(anju.EINVALID, "bad postgres DSN: %v", err)
		}
		// As many idle connections as open ones: under load a smaller idle
		// pool closes and reopens sessions by the hundred.
		pdb.SetMaxOpenConns(20)
		pdb.SetMaxIdleConns(20)
		pdb.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{sql: pdb, dialect: postgresDialect{}, clock: clock, dsn: dsn, locator: newLocator()}, nil
	}
}

// EngineOf names the engine of a DSN, "sqlite" or "postgres", or returns
// EINVALID for one Open would refuse, so that callers can check a DSN before
// acting on it (generating a key file beside it, say).
func EngineOf(dsn string) (string, error) {
	switch {
	case dsn == "sqlite:":
		return "", anju.Errorf(anju.EINVALID, "sqlite DSN needs a path: sqlite:PATH")
	case strings.HasPrefix(dsn, "sqlite:"):
		return "sqlite", nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", nil
	}
	return "", anju.Errorf(anju.EINVALID, "database must be sqlite:PATH or a postgres:// URL, not %q", dsn)
}

// Close releases the connections.
func (db *DB) Close() error {
	if db.intake != nil {
		db.intake.close()
	}
	if db.checkpoints != nil {
		db.checkpoints.stop()
	}
	if db.changes != nil {
		db.changes.close()
	}
	return db.sql.Close()
}

// Engine names the engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name() }

// SQL exposes the pool for metrics collectors and tests that must reach
// behind the store (e.g. to tamper with the audit log).
func (db *DB) SQL() *sql.DB { return db.sql }

// WebhookAllow is the allow list the store was opened with, for the
// scheduler's default webhook sender.
func (db *DB) WebhookAllow() notify.AllowList { return db.webhookAllow }

// Now is the store's clock.
func (db *DB) Now() time.Time { return db.clock.Now() }

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+db.dialect.name())
	if err != nil {
		return nil, err
	}
	// Migration numbers are handed out to work done side by side, and the
	// work lands in any order: a database already at 00014 still takes
	// 00012 when it arrives, rather than refusing to start. Each migration
	// touches only its own tables and indexes, so the order does not matter.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	gd := goose.DialectSQLite3
	if db.dialect.name() == "postgres" {
		gd = goose.DialectPostgres
		// Several servers may start at once on one PostgreSQL database; the
		// session lock makes exactly one of them migrate.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gd, db.sql, sub, opts...)
}

func (db *DB) migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", db.dialect.name(), err)
	}
	return nil
}

// Ready reports whether the database answers, takes writes and has run
// every migration.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	if err := db.writable(ctx); err != nil {
		return err
	}
	p, err := db.provider()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return errors.New("migrations pending")
	}
	return nil
}

// querier is what both *DB and *Tx offer: queries with ? placeholders.
type querier interface {
	exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a transaction with the dialect's placeholder rewriting.
type Tx struct {
	// tx runs the transaction's statements: the *sql.Tx on SQLite, the
	// held connection behind the pipeline on PostgreSQL (pipeline.go).
	tx    sqlRunner
	sqlTx *sql.Tx // SQLite
	db    *DB
	audit auditState
	// search holds the index entries written in this transaction, inserted
	// together just before commit (see flushSearch).
	search []pendingDoc
	// rows holds the rows of append-only tables not yet inserted (see
	// rowbuf.go), in the order of bufferedTables.
	rows     [3]rowBuffer
	lastIDs  map[string]int64 // ids handed out by nextID
	noMerges map[string]bool  // city → none of its cases is merged (mergedReporters)
	stmts    map[string]*sql.Stmt
	flushErr error
	// figs holds the changes to case_facts and the rollups, written
	// summed before commit (figure_facts.go).
	figs figureBuffer
	// unprepared: run statements as they come, prepared on no other
	// connection (RebuildFigures: preparing a write on a table the
	// transaction locked would wait for the transaction).
	unprepared bool
	// conn is the PostgreSQL connection the transaction runs on, for the
	// write pipeline (pipeline.go); nil on SQLite.
	conn *sql.Conn
	// queued holds the statements sent and not yet run (pipeline.go).
	queued []queuedStmt
	// syncErr is the first error of a queued statement: the cause of the
	// errors of the statements after it, which the server refuses.
	syncErr error
	// freeIDs holds ids taken from PostgreSQL's sequences and not yet
	// used (takeIDs).
	freeIDs  map[string][]int64
	idsTaken map[string]int // how many takeIDs took of each table
	// idem holds the idempotency keys the transaction knows, read for a
	// whole intake group at once (see intakeBatcher.commit) or inserted.
	idem map[idemRef]idemEntry
	// trips counts the round trips of a PostgreSQL transaction.
	trips int
}

// insertID runs an INSERT and returns the new row's id. SQLite reports it
// without RETURNING, which turns the insert into a query and, measured,
// doubles its cost there; PostgreSQL has no other way.
func (t *Tx) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	if t.db.dialect.name() == "postgres" {
		err := t.queryRow(ctx, q+` RETURNING id`, args...).Scan(&id)
		return id, err
	}
	r, err := t.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.LastInsertId()
}

// stmt returns the prepared statement for q, preparing it on first use.
// Parsing SQL was a quarter of the store's CPU time on SQLite; a statement
// prepared once is reused on every connection and inside transactions
// (database/sql re-binds it to the transaction's connection). Queries built
// per request (scope predicates) are few in shape; past maxStmts new ones
// simply run unprepared.
func (db *DB) stmt(ctx context.Context, q string) *sql.Stmt {
	if v, ok := db.stmts.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if db.nstmts.Load() >= maxStmts {
		return nil
	}
	st, err := db.sql.PrepareContext(ctx, q)
	if err != nil {
		return nil // the unprepared path reports the error
	}
	if v, loaded := db.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	db.nstmts.Add(1)
	return st
}

const maxStmts = 1000

// stmt returns q's prepared statement bound to this transaction, binding it
// once: database/sql makes a new bound copy at every Tx.StmtContext call and
// keeps each until the transaction ends (a week of the demo's history, some
// 13,000 statements, made as many).
//
// A statement not yet prepared runs unprepared this once and is prepared
// for the pool in the background: preparing it here would wait for a second
// connection while the transaction holds one, and with every connection
// held by a transaction doing the same (a burst of sign-ins on PostgreSQL,
// twenty at once) none would ever come.
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if t.unprepared || t.sqlTx == nil {
		// PostgreSQL: pgx prepares and keeps the statements of each
		// connection itself.
		return nil
	}
	if st, ok := t.stmts[q]; ok {
		return st
	}
	v, ok := t.db.stmts.Load(q)
	if !ok {
		if _, running := t.db.preparing.LoadOrStore(q, true); !running && t.db.nstmts.Load() < maxStmts {
			go func() {
				t.db.stmt(context.Background(), q)
				t.db.preparing.Delete(q)
			}()
		}
		return nil
	}
	bound := t.sqlTx.StmtContext(ctx, v.(*sql.Stmt))
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = bound
	return bound
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.readsBuffered(q) {
		if err := t.flushRows(ctx, strings.Contains(q, "audit_log")); err != nil {
			return nil, err
		}
	}
	q = t.db.dialect.rebind(q)
	if len(t.queued) > 0 {
		return t.execQueued(ctx, q, args)
	}
	if st := t.stmt(ctx, q); st != nil {
		r, err := st.ExecContext(ctx, args...)
		return r, t.db.dialect.translate(err)
	}
	r, err := t.tx.ExecContext(ctx, q, args...)
	return r, t.db.dialect.translate(err)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if t.readsBuffered(q) {
		if err := t.flushRows(ctx, strings.Contains(q, "audit_log")); err != nil {
			return nil, err
		}
	}
	if err := t.sync(ctx); err != nil {
		return nil, err
	}
	q = t.db.dialect.rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		r, err := st.QueryContext(ctx, args...)
		return r, t.db.dialect.translate(err)
	}
	r, err := t.tx.QueryContext(ctx, q, args...)
	return r, t.db.dialect.translate(err)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if t.readsBuffered(q) {
		if err := t.flushRows(ctx, strings.Contains(q, "audit_log")); err != nil && t.flushErr == nil {
			t.flushErr = err // a Row cannot carry it; the commit reports it
		}
	}
	if err := t.sync(ctx); err != nil && t.flushErr == nil {
		t.flushErr = err
	}
	q = t.db.dialect.rebind(q)
	if st := t.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// exec runs a statement outside a transaction: a write of its own, which
// queues for the write lock like a transaction.
func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if db.bound != nil {
		return db.bound.boundExec(ctx, q, args...)
	}
	var r sql.Result
	err := db.retryBusy(ctx, func() error {
		var err error
		r, err = db.execOnce(ctx, q, args...)
		return err
	})
	return r, err
}

func (db *DB) execOnce(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := db.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer db.gate.leave()
	q = db.dialect.rebind(q)
	var r sql.Result
	var err error
	if st := db.stmt(ctx, q); st != nil {
		r, err = st.ExecContext(ctx, args...)
	} else {
		r, err = db.sql.ExecContext(ctx, q, args...)
	}
	db.health.record(db, err)
	return r, db.dialect.translate(err)
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if db.bound != nil {
		return db.bound.boundQuery(ctx, q, args...)
	}
	q = db.dialect.rebind(q)
	if db.queried != nil {
		db.queried(q, args)
	}
	if st := db.stmt(ctx, q); st != nil {
		r, err := st.QueryContext(ctx, args...)
		return r, db.dialect.translate(err)
	}
	r, err := db.sql.QueryContext(ctx, q, args...)
	return r, db.dialect.translate(err)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if db.bound != nil {
		return db.bound.boundQueryRow(ctx, q, args...)
	}
	q = db.dialect.rebind(q)
	if db.queried != nil {
		db.queried(q, args)
	}
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.sql.QueryRowContext(ctx, q, args...)
}

// inTx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise, so that nothing is ever half-written.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.bound != nil {
		return fn(db.bound)
	}
	return db.retryBusy(ctx, func() error {
		for attempt := 0; ; attempt++ {
			retry, err := db.attemptTx(ctx, fn)
			if err != nil && retry && attempt < 5 {
				continue
			}
			return err
		}
	})
}

// attemptTx runs fn once, holding the file's gate from BEGIN to the end of
// COMMIT or ROLLBACK, and reports whether a failure is worth another try.
func (db *DB) attemptTx(ctx context.Context, fn func(tx *Tx) error) (bool, error) {
	if err := db.gate.enter(ctx); err != nil {
		return false, err
	}
	defer db.gate.leave()
	if db.dialect.name() == "postgres" {
		return db.attemptPipelinedTx(ctx, fn)
	}
	sqlTx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		db.health.record(db, err)
		return false, db.dialect.translate(err)
	}
	began := time.Now()
	defer func() { db.txStats.observe(time.Since(began)) }()
	tx := &Tx{tx: sqlTx, sqlTx: sqlTx, db: db}
	err = tx.run(ctx, fn)
	if err != nil {
		sqlTx.Rollback()
		tx.recycleRows()
		db.health.record(db, err)
		return db.dialect.retryable(err), db.dialect.translate(err)
	}
	err = sqlTx.Commit()
	tx.recycleRows()
	db.health.record(db, err)
	if err != nil {
		return db.dialect.retryable(err), db.dialect.translate(err)
	}
	return false, nil
}

// run runs fn in the transaction and writes what it gathered for the
// commit: the search entries, the rows, the audit entries (the audit heads
// last, so that concurrent PostgreSQL transactions wait for each other only
// from there to their commit).
func (t *Tx) run(ctx context.Context, fn func(tx *Tx) error) error {
	err := fn(t)
	if err == nil {
		err = t.flushErr
	}
	if err == nil {
		err = t.flushSearch(ctx)
	}
	if err == nil {
		err = t.flushAll(ctx)
	}
	if err == nil {
		err = t.flushAudit(ctx)
	}
	return err
}

// column reads a one-column result into a slice: column[int64](db.query(…)).
func column[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// micros stores times as integer microseconds since the Unix epoch on both
// engines: one representation, exact round trips, cheap comparisons, and a
// byte-identical input to the audit hash whichever engine wrote it.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func notFound(what, key string) error {
	return anju.Errorf(anju.ENOTFOUND, "%s %s not found", what, key)
}

// WithClock returns a handle on the same database whose notion of now comes
// from clock; the demo uses it to write three years of history.
func (db *DB) WithClock(clock anju.Clock) *DB {
	cp := *db
	cp.clock = clock
	cp.intake = &intakeBatcher{db: &cp}
	return &cp
}
