// Package storetest opens real databases for tests: a fresh SQLite file and a
// fresh PostgreSQL schema, so that one suite runs unchanged on both engines.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Engine is a database engine available to tests.
type Engine struct {
	Name string
	// NewDSN returns the DSN of a fresh, empty database that is removed when
	// the test ends.
	NewDSN func(t testing.TB) string
}

// CI reports whether the tests run in CI, where a missing service is a
// failure rather than a reason to skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Engines returns SQLite and, when ANJU_TEST_PG names a server, PostgreSQL.
// Without ANJU_TEST_PG the PostgreSQL run is skipped, except in CI, where it
// fails the test.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", NewDSN: sqliteDSN},
		{Name: "postgres", NewDSN: postgresDSN},
	}
}

// Each runs fn once per engine as a subtest with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, e.NewDSN(t))
		})
	}
}

func sqliteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "anju.db")
}

// PostgresURL returns the server tests use, skipping (or failing in CI) when
// there is none.
func PostgresURL(t testing.TB) string {
	base := os.Getenv("ANJU_TEST_PG")
	if base == "" {
		if CI() {
			t.Fatal("ANJU_TEST_PG is not set; in CI the PostgreSQL tests must run (make test sets it)")
		}
		t.Skip("ANJU_TEST_PG is not set; run 'make test' to find or start PostgreSQL")
	}
	return base
}

// CitusDSN returns the DSN of a fresh schema on the Citus cluster named by
// ANJU_TEST_CITUS (scripts/citus.sh prints it; `make test-citus` sets it),
// skipping the test when it is unset: the cluster is built and started on
// request, not by `make test`.
func CitusDSN(t testing.TB) string {
	base := os.Getenv("ANJU_TEST_CITUS")
	if base == "" {
		t.Skip("ANJU_TEST_CITUS is not set; run 'make test-citus' to start a Citus cluster")
	}
	return schemaDSN(t, base)
}

func postgresDSN(t testing.TB) string { return schemaDSN(t, PostgresURL(t)) }

// schemaDSN creates a throwaway schema on the server at base and returns a
// DSN whose search_path points at it; pgx passes unknown URL parameters to
// the server as run-time settings.
func schemaDSN(t testing.TB, base string) string {
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", base, err)
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("the test PostgreSQL server does not answer: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("the test PostgreSQL URL is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
