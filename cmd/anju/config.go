package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/store"
)

// defaultDB is where Anju keeps its data when told nothing else.
const defaultDB = "sqlite:./anju-data/anju.db"

// newFlags returns a flag set that reports errors to us rather than exiting.
func newFlags(name string, env *cliEnv) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseArgs parses args and turns flag errors into usage errors; it refuses
// stray positional arguments unless allowed.
func parseArgs(fs *flag.FlagSet, args []string, positional bool) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return usageError("see 'anju help %s'", fs.Name())
		}
		return usageError("%s: %v", fs.Name(), err)
	}
	if !positional && fs.NArg() > 0 {
		return usageError("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// envOr returns the environment value of key, or def when unset.
func envOr(env *cliEnv, key, def string) string {
	if v := env.getenv(key); v != "" {
		return v
	}
	return def
}

func dbFlag(fs *flag.FlagSet, env *cliEnv) *string {
	return fs.String("db", envOr(env, "ANJU_DB", defaultDB), "database: sqlite:PATH or a postgres:// URL (env ANJU_DB)")
}

// openDB opens the database for a command a person runs: a write that finds
// the database busy (a server or a demo fill writing beside it) is tried
// again for a while rather than failing at once.
func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	return openStore(ctx, dsn, store.Options{BusyRetry: cliBusyRetry})
}

// cliBusyRetry is how long a command keeps trying a busy write.
const cliBusyRetry = 20 * time.Second

// openStore opens the database, turning a DSN it does not understand into a
// usage error.
func openStore(ctx context.Context, dsn string, opts store.Options) (*store.DB, error) {
	db, err := store.Open(ctx, dsn, opts)
	if err != nil {
		if anju.ErrorCode(err) == anju.EINVALID {
			return nil, usageError("%s", anju.ErrorMessage(err))
		}
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// newLogger writes JSON logs to w at the named level.
func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, usageError("log level must be debug, info, warn or error, not %q", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
