package store_test

// What several servers on one database share: the sign-in throttle's and
// the portal limit's counts, and word of a change to what each keeps in
// memory. Two handles on one database stand for two servers.

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestLimiterAcrossHandles: attempts counted through one handle count on
// the other; a wait, a success, a cancel and parallel attempts behave as
// auth.Throttle says whichever handle takes them; rows that count no more
// are deleted; and however many keys are tried, a kind holds no more rows
// than its buckets.
func TestLimiterAcrossHandles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := anju.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		open := func() *store.DB {
			db, err := store.Open(ctx, dsn, store.Options{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		dbA, dbB := open(), open()
		rule := auth.Throttle{Free: 3, Base: time.Minute, Max: 15 * time.Minute}
		a, b := dbA.Limiter("signin", rule, true), dbB.Limiter("signin", rule, true)
		reserve := func(l *store.Limiter, keys ...string) (store.LimitTicket, bool, time.Duration) {
			t.Helper()
			tk, ok, wait, err := l.Reserve(ctx, keys)
			if err != nil {
				t.Fatal(err)
			}
			return tk, ok, wait
		}

		// Three free attempts, taken on alternate servers; the fourth waits
		// on both.
		for i, l := range []*store.Limiter{a, b, a} {
			if _, ok, _ := reserve(l, "login:x", "addr:1"); !ok {
				t.Fatalf("free attempt %d refused", i+1)
			}
		}
		for _, l := range []*store.Limiter{b, a} {
			if _, ok, wait := reserve(l, "login:x", "addr:9"); ok || wait != time.Minute {
				t.Errorf("fourth attempt on the login: ok=%v wait=%v, want a wait of 1m", ok, wait)
			}
			if _, ok, wait := reserve(l, "login:other", "addr:1"); ok || wait != time.Minute {
				t.Errorf("fourth attempt from the address: ok=%v wait=%v, want a wait of 1m", ok, wait)
			}
		}
		clock.Advance(time.Minute)
		if _, ok, _ := reserve(b, "login:x", "addr:1"); !ok {
			t.Fatal("refused after the wait")
		}
		if _, ok, wait := reserve(a, "login:x", "addr:2"); ok || wait != 2*time.Minute {
			t.Errorf("after the fifth: ok=%v wait=%v, want 2m", ok, wait)
		}

		// A success on one server clears the login for the other; the
		// address keeps the failures of other guesses.
		tk, ok, _ := reserve(a, "login:guess", "addr:3")
		if !ok {
			t.Fatal("guess refused")
		}
		if err := a.Settle(ctx, tk, false); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, ok, _ := reserve(b, "login:y", "addr:4"); !ok {
				t.Fatal("login y refused")
			}
		}
		tk, ok, _ = reserve(a, "login:y", "addr:3") // login y's third: a wait starts
		if !ok {
			t.Fatal("the right password's attempt refused")
		}
		if err := b.Settle(ctx, tk, true); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, ok, _ := reserve(b, "login:y", fmt.Sprintf("addr:y%d", i)); !ok {
				t.Errorf("after a success, free attempt %d on the login refused", i+1)
			}
		}
		// Address 3 had two attempts and got one back: two more pass.
		for _, login := range []string{"login:z", "login:w"} {
			if _, ok, _ := reserve(b, login, "addr:3"); !ok {
				t.Fatalf("address 3 refused for %s", login)
			}
		}
		if _, ok, _ := reserve(a, "login:v", "addr:3"); ok {
			t.Error("a success gave the address back more than its own attempt")
		}

		// A cancelled attempt is given back.
		for range 5 {
			tk, ok, _ := reserve(a, "login:c", "addr:5")
			if !ok {
				t.Fatal("a cancelled attempt stayed counted")
			}
			if err := b.Cancel(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}

		// Parallel attempts on both servers: exactly the free ones pass.
		var passed atomic.Int64
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Go(func() {
				l := a
				if i%2 == 1 {
					l = b
				}
				if _, ok, _, err := l.Reserve(ctx, []string{"login:p", "addr:p"}); err != nil {
					t.Error(err)
				} else if ok {
					passed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := passed.Load(); n != int64(rule.Free) {
			t.Errorf("%d of 30 parallel attempts on two servers passed, want %d", n, rule.Free)
		}

		// A quarter of an hour later every count is forgotten and the next
		// attempt deletes the rows.
		rows := func(kind string) int64 {
			var n int64
			q := `SELECT COUNT(*) FROM throttle_buckets WHERE kind = ?`
			if dbA.Engine() == "postgres" {
				q = strings.Replace(q, "?", "$1", 1)
			}
			if err := dbA.SQL().QueryRow(q, kind).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := rows("signin"); n < 10 {
			t.Fatalf("%d rows counted", n)
		}
		clock.Advance(rule.Max + 3*time.Minute)
		fresh := dbB.Limiter("signin", rule, true)
		if _, ok, _ := reserve(fresh, "login:x", "addr:1"); !ok {
			t.Fatal("refused after the counts were forgotten")
		}
		if n := rows("signin"); n != 2 {
			t.Errorf("%d rows after pruning, want the 2 just counted", n)
		}

		// A spray of made-up names fills at most the buckets there are;
		// names sharing a bucket share its count, which only tightens the
		// limit.
		bound := dbA.Limiter("bound", rule, false)
		bound.SetBuckets(16)
		for i := range 400 {
			reserve(bound, fmt.Sprintf("addr:spray%d", i))
		}
		if n := rows("bound"); n > 16 {
			t.Errorf("a spray of 400 keys made %d rows in 16 buckets", n)
		}
		if _, ok, _ := reserve(bound, "addr:never-seen"); ok {
			t.Error("with every bucket past the free attempts, a new key passed")
		}
	})
}

// TestChangesAcrossHandles: a revoked token, a changed grant, a new
// department and a renamed category, each made through one server, are
// what the other serves as soon as it has read change_versions, though it
// held them in memory and its caches' time has not run out.
func TestChangesAcrossHandles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		other, err := store.Open(ctx, dsn, store.Options{Clock: w.clock})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		poll := func() {
			t.Helper()
			if err := other.PollChanges(ctx); err != nil {
				t.Fatal(err)
			}
		}

		// A token revoked on the first server.
		tok, err := w.db.CreateAPIToken(ctx, system, "worker-a", "t")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.ActorByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		ts, err := w.db.ListAPITokens(ctx, system, "worker-a")
		if err != nil {
			t.Fatal(err)
		}
		if err := w.db.RevokeAPIToken(ctx, system, "worker-a", ts[0].ID); err != nil {
			t.Fatal(err)
		}
		poll()
		if _, err := other.ActorByToken(ctx, tok); anju.ErrorCode(err) != anju.EUNAUTHORIZED {
			t.Errorf("a token revoked on another server: %v", err)
		}

		// A grant given and taken on the first server.
		tok, _ = w.db.CreateAPIToken(ctx, system, "worker-b", "t")
		if a, err := other.ActorByToken(ctx, tok); err != nil || len(a.Grants) != 1 {
			t.Fatalf("worker-b: %+v %v", a, err)
		}
		g, err := w.db.GrantRole(ctx, system, "worker-b", anju.Grant{Role: anju.RoleSupervisor, Region: "330105"})
		if err != nil {
			t.Fatal(err)
		}
		poll()
		if a, err := other.ActorByToken(ctx, tok); err != nil || !a.HasRole(anju.RoleSupervisor) {
			t.Errorf("a grant given on another server: %+v %v", a, err)
		}
		if err := w.db.RevokeGrant(ctx, system, "worker-b", g.ID); err != nil {
			t.Fatal(err)
		}
		poll()
		if a, err := other.ActorByToken(ctx, tok); err != nil || a.HasRole(anju.RoleSupervisor) {
			t.Errorf("a grant revoked on another server: %+v %v", a, err)
		}

		// A department created on the first server takes dispatches on the
		// other, whose list of departments was loaded before.
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		dispatch := func() error {
			_, err := other.Act(ctx, w.actors["dispatcher"], c.ID, cases.ActionDispatch, store.ActionInput{Input: cases.Input{Department: "a-new"}})
			return err
		}
		if err := dispatch(); anju.ErrorField(err) != "department" {
			t.Fatalf("dispatch to a department not yet made: %v", err)
		}
		if _, err := w.db.SaveDepartment(ctx, system, store.Department{Code: "a-new", Name: "新科室", Region: "330102001", Categories: []string{"01"}}); err != nil {
			t.Fatal(err)
		}
		poll()
		if err := dispatch(); err != nil {
			t.Errorf("dispatch to a department made on another server: %v", err)
		}

		// A category renamed on the first server.
		tree, err := other.Taxonomy(ctx, "330100")
		if err != nil {
			t.Fatal(err)
		}
		cat, err := tree.Get("0101")
		if err != nil {
			t.Fatal(err)
		}
		cat.Name = "路灯不亮（改）"
		admin := mustUser(t, w.db, "city-admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"})
		if _, err := w.db.SaveCategory(ctx, admin, cat); err != nil {
			t.Fatal(err)
		}
		poll()
		tree, err = other.Taxonomy(ctx, "330100")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := tree.Get("0101"); got.Name != cat.Name {
			t.Errorf("a category renamed on another server is called %q there", got.Name)
		}
	})
}

// TestSchedulerSkipsBusyCase: a scheduler's batch does not wait for a case
// another transaction holds (a transition on another server), since that
// transaction may be waiting for the audit head the batch holds; the step is
// taken on a later pass, once.
func TestSchedulerSkipsBusyCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		var ids []int64
		for range 2 {
			c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		c, err := w.db.GetCase(ctx, w.actors["operator"], ids[0])
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Set(c.Deadlines.Resolution.Add(time.Minute))
		p := store.Policy{WarnBefore: store.DefaultPolicy.WarnBefore, RedAfter: time.Hour, EscalateAfter: time.Hour}
		if w.db.Engine() == "postgres" {
			// Another connection holds the first case's row, as a transition
			// does until it commits.
			other, err := w.db.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := other.ExecContext(ctx, `SELECT id FROM cases WHERE id = $1 AND city = $2 FOR UPDATE`, ids[0], "330100"); err != nil {
				t.Fatal(err)
			}
			wait, cancel := context.WithTimeout(ctx, 20*time.Second)
			n, err := w.db.RunDue(wait, p, 100)
			cancel()
			if err != nil || n.Overdue != 1 {
				t.Errorf("a pass with one case held by another transaction: %+v %v, want the other case only", n, err)
			}
			other.Rollback()
		}
		total := 0
		for range 2 {
			n, err := w.db.RunDue(ctx, p, 100)
			if err != nil {
				t.Fatal(err)
			}
			total += n.Overdue
		}
		want := 2
		if w.db.Engine() == "postgres" {
			want = 1 // the first pass took the other case
		}
		if total != want {
			t.Errorf("later passes marked %d cases overdue, want %d", total, want)
		}
	})
}

// TestTransient: an error saying the database dropped the connection or
// could not be reached is one to retry (503); any other stays what it was.
func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"administrator shutdown (a restart)", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, anju.EUNAVAILABLE},
		{"server starting", fmt.Errorf("query: %w", &pgconn.PgError{Code: "57P03"}), anju.EUNAVAILABLE},
		{"connection failure", &pgconn.PgError{Code: "08006"}, anju.EUNAVAILABLE},
		{"bad connection", fmt.Errorf("exec: %w", driver.ErrBadConn), anju.EUNAVAILABLE},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, anju.EUNAVAILABLE},
		{"a unique violation", &pgconn.PgError{Code: "23505"}, anju.EINTERNAL},
		{"a plain error", errors.New("boom"), anju.EINTERNAL},
		{"a field error", anju.FieldError("x", "bad"), anju.EINVALID},
		{"nothing", nil, ""},
	} {
		if got := anju.ErrorCode(store.Transient(tc.err)); got != tc.code {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.code)
		}
	}
}
