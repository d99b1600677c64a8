// Package scheduler runs the clocks inside `anju serve`: deadline warnings,
// overdue marks, supervision cards, automatic escalation, hazard inspection
// tasks, the hotspots of the periods people read, and delivery (and
// re-delivery) of the notification outbox. Every step it takes is a
// compare-and-set in the store, so several servers may run it at once.
package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"anju/internal/notify"
	"anju/internal/store"
	"anju/internal/warning"
)

// Scheduler is the loop; the zero Interval means every 5 seconds.
type Scheduler struct {
	DB       *store.DB
	Policy   store.Policy
	Sender   notify.Sender
	Interval time.Duration
	Log      *slog.Logger

	training   atomic.Bool
	clustering atomic.Bool
	bg         sync.WaitGroup // background retraining and clustering, waited for when Run ends
}

// batch bounds the work of one step so that a backlog is worked off in
// short transactions rather than one long one.
const batch = 200

// Run works until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	interval := s.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Pass(ctx, log)
		select {
		case <-ctx.Done():
			s.bg.Wait()
			return
		case <-t.C:
		}
	}
}

// RetrainEvery is how old a city's suggestion models may grow before the
// scheduler learns new ones from its closed cases.
const RetrainEvery = 24 * time.Hour

// retrain starts a retraining in the background when none is running:
// learning from tens of thousands of cases takes a while, and deadlines
// must not wait for it.
func (s *Scheduler) retrain(ctx context.Context, log *slog.Logger) {
	if !s.training.CompareAndSwap(false, true) {
		return
	}
	s.bg.Go(func() {
		defer s.training.Store(false)
		n, err := s.DB.RetrainDue(ctx, RetrainEvery)
		if err != nil && ctx.Err() != nil {
			return // stopped for shutdown: the next start retrains
		}
		logFailure(ctx, log, "suggestion models", err, nil)
		if n > 0 {
			log.InfoContext(ctx, "suggestion models retrained", "cities", n)
		}
	})
}

// hotspots finds the due hotspots in the background when no finding is
// running: a city's month of texts takes seconds to cluster, and deadlines
// must not wait for it. Each period is claimed in the store, so that one
// server of several finds it.
func (s *Scheduler) hotspots(ctx context.Context, log *slog.Logger) {
	if !s.clustering.CompareAndSwap(false, true) {
		return
	}
	s.bg.Go(func() {
		defer s.clustering.Store(false)
		n, err := s.DB.RefreshHotspots(ctx, store.HotspotsEvery)
		if err != nil && ctx.Err() != nil {
			return // stopped for shutdown: the next start finds them
		}
		logFailure(ctx, log, "hotspots", err, nil)
		if n > 0 {
			log.InfoContext(ctx, "hotspots found", "periods", n)
		}
	})
}

// Pass runs every due step until none is left, then delivers the outbox.
// On a distributed engine the store works city by city, and a city whose
// worker is down fails alone: its failure is logged, with the city, once
// a step and pass, and the other cities' steps go on.
func (s *Scheduler) Pass(ctx context.Context, log *slog.Logger) {
	logged := map[string]bool{}
	for ctx.Err() == nil {
		n, err := s.DB.RunDue(ctx, s.Policy, batch)
		logFailure(ctx, log, "scheduler", err, logged)
		if n != (store.DueCounts{}) {
			log.InfoContext(ctx, "scheduler", "warned", n.Warned, "overdue", n.Overdue, "red", n.Red, "escalated", n.Escalated)
		}
		if !n.More {
			break
		}
	}
	s.retrain(ctx, log)
	s.hotspots(ctx, log)
	n, err := s.DB.DetectWarnings(ctx, s.DB.Now(), warning.Default)
	logFailure(ctx, log, "warnings", err, nil)
	if n.Total() > 0 {
		log.InfoContext(ctx, "warnings", "raised", n)
	}
	created, err := s.DB.GenerateInspectionTasks(ctx, s.DB.Now())
	logFailure(ctx, log, "inspection tasks", err, nil)
	if created > 0 {
		log.InfoContext(ctx, "inspection tasks", "created", created)
	}
	s.pruneOutbox(ctx, log)
	if s.Sender == nil {
		return
	}
	for ctx.Err() == nil {
		sent, err := s.DB.DeliverOutbox(ctx, s.Sender, 50)
		logFailure(ctx, log, "outbox", err, logged)
		if sent == 0 {
			return
		}
	}
}

// pruneRound and pruneRounds bound the outbox's pruning in a pass: a
// database that never pruned holds two notifications a case, and deleting
// them all at once would hold the pass (and SQLite's writer) for minutes;
// 10,000 a pass, every 5 seconds, takes them off in the background.
const (
	pruneRound  = 1000
	pruneRounds = 10
)

// pruneOutbox deletes the notifications settled more than
// store.OutboxKeep ago.
func (s *Scheduler) pruneOutbox(ctx context.Context, log *slog.Logger) {
	pruned := 0
	for range pruneRounds {
		n, err := s.DB.PruneOutbox(ctx, s.DB.Now().Add(-store.OutboxKeep), pruneRound)
		logFailure(ctx, log, "outbox pruning", err, nil)
		pruned += n
		if n < pruneRound || ctx.Err() != nil {
			break
		}
	}
	if pruned > 0 {
		log.DebugContext(ctx, "outbox pruned", "notifications", pruned)
	}
}

// logFailure logs err of step: a line for each city that failed (a
// *store.CityError), and one for any other failure. With logged, a
// failure already logged in this pass is not logged again: a step that
// works off the other cities' backlog round by round meets it each round.
func logFailure(ctx context.Context, log *slog.Logger, step string, err error, logged map[string]bool) {
	once := func(key string) bool {
		if logged == nil {
			return true
		}
		seen := logged[step+"\x00"+key]
		logged[step+"\x00"+key] = true
		return !seen
	}
	cities, others := store.Failures(err)
	for _, ce := range cities {
		if once("city " + ce.City) {
			log.ErrorContext(ctx, step, "city", ce.City, "err", ce.Err)
		}
	}
	for _, e := range others {
		if once(e.Error()) {
			log.ErrorContext(ctx, step, "err", e)
		}
	}
}
