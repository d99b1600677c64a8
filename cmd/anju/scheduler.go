package main

import (
	"context"
	"flag"
	"log/slog"
	"sync"
	"time"

	"anju/internal/anju"
	"anju/internal/notify"
	"anju/internal/scheduler"
	"anju/internal/store"
)

type schedulerFlags struct {
	interval, warn, red, escalate *time.Duration
}

func addSchedulerFlags(fs *flag.FlagSet, env *cliEnv) schedulerFlags {
	return schedulerFlags{
		interval: fs.Duration("scheduler-interval", envDuration(env, "ANJU_SCHEDULER_INTERVAL", 5*time.Second), "scheduler interval; 0 disables"),
		warn:     fs.Duration("warn-before", store.DefaultPolicy.WarnBefore, "warn before a deadline"),
		red:      fs.Duration("red-after", store.DefaultPolicy.RedAfter, "red card after a deadline"),
		escalate: fs.Duration("escalate-after", store.DefaultPolicy.EscalateAfter, "escalate after a deadline"),
	}
}

// startScheduler runs the deadline and outbox loop in the background and
// returns a function that stops it and waits for it.
func startScheduler(ctx context.Context, env *cliEnv, db *store.DB, log *slog.Logger, f schedulerFlags) (func(), error) {
	if *f.interval <= 0 {
		return func() {}, nil
	}
	cfg, err := notify.ParseConfig(env.getenv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return nil, usageError("notifications: %s", anju.ErrorMessage(err))
	}
	cfg.WebhookAllow = db.WebhookAllow()
	s := &scheduler.Scheduler{DB: db, Sender: cfg.Router(), Interval: *f.interval, Log: log,
		Policy: store.Policy{WarnBefore: *f.warn, RedAfter: *f.red, EscalateAfter: *f.escalate}}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(ctx) })
	return func() { cancel(); wg.Wait() }, nil
}
