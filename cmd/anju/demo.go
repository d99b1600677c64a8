package main

import (
	"strings"
	"sync"

	"anju/internal/cases"
	"context"
	"fmt"
	"time"

	"anju/internal/demo"
	"anju/internal/region"
	"anju/internal/store"
)

func init() {
	register(command{
		name:    "demo",
		summary: "create (or reuse) a demo city and serve it",
		usage: `Usage: anju demo [--db DSN] [--addr HOST:PORT] [--seed N]

Creates a deterministic demo city unless the database holds one already —
6 districts, 40 streets, 300 communities and 3,000 grids tiling the city,
141 departments at city, district and street level (a people's mediation
committee per street) and 598 staff users in every role — then serves it
like 'anju serve' and prints the URL and the demo logins, and fills in its
history: the cases, and over its last two years disputes, the hazard
register with its inspections, reception sessions, community meetings and
petitions (sized by --cases). Running it again reuses the data.

Flags:
  --db DSN          database (ANJU_DB; default ` + defaultDB + `)
  --addr HOST:PORT  listen address (ANJU_ADDR; default 127.0.0.1:8080)
  --seed N          seed of the generated city and its history (default 1)
  --cases N         cases of history to file through the real intake and workflow (default 200000)
  --log-level L     debug, info, warn or error (default warn: the demo keeps the terminal quiet)
  --no-serve        build the demo city and exit
  --metrics-addr, --metrics-token, --hash-slots   as for 'anju serve'`,
		run: runDemo,
	})
}

func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("demo", env)
	af := addAppFlags(fs, env)
	sf := addSchedulerFlags(fs, env)
	db := af.db
	addr := fs.String("addr", envOr(env, "ANJU_ADDR", "127.0.0.1:8080"), "listen address")
	seed := fs.Int64("seed", 1, "seed")
	logLevel := fs.String("log-level", envOr(env, "ANJU_LOG_LEVEL", "warn"), "log level")
	noServe := fs.Bool("no-serve", false, "build only")
	nCases := fs.Int("cases", 200_000, "cases of history to generate")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the history fill to this file")
	ef := addEdgeFlags(fs, env)
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	lc, err := ef.config(listenConfig{addr: *addr, grace: 20 * time.Second})
	if err != nil {
		return err
	}
	log, err := newLogger(env.stderr, *logLevel)
	if err != nil {
		return err
	}
	sdb, err := openApp(ctx, env, af, true)
	if err != nil {
		return err
	}
	defer sdb.Close()
	start := time.Now()
	sum, err := demo.Ensure(ctx, sdb, *seed)
	if err != nil {
		return err
	}
	if sum.Created {
		fmt.Fprintf(env.stdout, "Created demo city %s in %.1fs (seed %d).\n", sum.City, time.Since(start).Seconds(), *seed)
	} else {
		fmt.Fprintf(env.stdout, "Reusing the demo city %s in %s.\n", sum.City, *db)
	}
	fmt.Fprintf(env.stdout, "  %d districts, %d streets, %d communities, %d grids; %d departments; %d users\n",
		sum.Regions[region.LevelDistrict], sum.Regions[region.LevelStreet], sum.Regions[region.LevelCommunity],
		sum.Regions[region.LevelGrid], sum.Departments, sum.Users)
	states, err := sdb.CaseStates(ctx, sum.City)
	if err != nil {
		return err
	}
	populate := func() error {
		fmt.Fprintf(env.stdout, "Filing %d cases over three years through the intake and workflow code…\n", *nCases)
		// The history goes in through a handle of its own whose commits, a
		// simulated week each, do not wait for the disk (23 s of a 143 s fill
		// was waiting for it): a power cut during the fill may cost its last
		// days and leaves a consistent, shorter history; the server's own
		// handle keeps full durability for every case it acknowledges.
		// It waits out a busy database (another program holding the lock)
		// rather than giving up the history.
		fill, err := openAppWith(ctx, env, af, false, store.Options{RelaxedCommits: true, BusyRetry: time.Minute})
		if err != nil {
			return err
		}
		defer fill.Close()
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
		cs, err := demo.Populate(ctx, fill, demo.CaseOptions{Cases: *nCases, Seed: *seed, Progress: func(n int) {
			fmt.Fprintf(env.stdout, "  %d cases\n", n)
		}})
		// How long the fill kept other writers waiting at most, also when
		// it was stopped.
		fmt.Fprintf(env.stdout, "  longest write transaction %d ms\n", fill.LongestTx().Milliseconds())
		if err != nil {
			return fmt.Errorf("demo cases: %w", err)
		}
		fmt.Fprintf(env.stdout, "  %d cases in %.1fs: %s; %d rated, %d reopened\n", cs.Cases, cs.Elapsed.Seconds(),
			formatStates(cs.ByState), cs.Rated, cs.Reopened)
		return nil
	}
	fill := len(states) == 0 && *nCases > 0
	if !fill {
		fmt.Fprintf(env.stdout, "  cases: %s\n", formatStates(states))
	}
	if fill && *noServe {
		if err := populate(); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.stdout, "Demo logins (password %q for all):\n", demo.Password)
	for _, l := range sum.Logins {
		fmt.Fprintf(env.stdout, "  %-12s %-28s %s\n", l.Role, l.Login, l.Scope)
	}
	if *noServe {
		return nil
	}
	if !fill {
		stop, err := startScheduler(ctx, env, sdb, log, sf)
		if err != nil {
			return err
		}
		defer stop()
	} else {
		// The city is usable at once; its history fills in behind it. The
		// scheduler starts when the history is complete: run against today's
		// clock, it would find every case of the simulated past overdue while
		// the filler is still working it. The filler stops with the server,
		// before the database closes.
		var wg sync.WaitGroup
		var stopScheduler func()
		wg.Go(func() {
			if err := populate(); err != nil {
				if ctx.Err() == nil {
					fmt.Fprintf(env.stderr, "anju: %v\n", err)
				}
				return
			}
			stop, err := startScheduler(ctx, env, sdb, log, sf)
			if err != nil {
				fmt.Fprintf(env.stderr, "anju: %v\n", err)
				return
			}
			stopScheduler = stop
		})
		defer func() {
			wg.Wait()
			if stopScheduler != nil {
				stopScheduler()
			}
		}()
	}
	return serveHTTP(ctx, env, sdb, log, lc, func(url string) {
		fmt.Fprintf(env.stdout, "Anju is running at %s/ — sign in as admin. Press Ctrl-C to stop.\n", url)
	})
}

func formatStates(m map[cases.State]int) string {
	var parts []string
	total := 0
	for _, st := range cases.States {
		if m[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, m[st]))
			total += m[st]
		}
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}
