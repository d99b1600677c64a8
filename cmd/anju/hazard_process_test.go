package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/store/storetest"
)

// createdTasks sums the inspection tasks a server's log says it created
// (the scheduler logs each pass that created some, at info level), and
// returns the lines that report a failure to generate them.
func createdTasks(log string) (int, []string) {
	n := 0
	var failed []string
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Level   string `json:"level"`
			Msg     string `json:"msg"`
			Created int    `json:"created"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "inspection tasks" {
			continue
		}
		// A pass cut short by the server's shutdown is no failure.
		if line.Level == "ERROR" && !strings.Contains(sc.Text(), "context canceled") {
			failed = append(failed, sc.Text())
		}
		n += line.Created
	}
	return n, failed
}

// TestHazardTasksTwoProcesses runs two 'anju serve' processes, each with
// its scheduler, on one PostgreSQL database over more hazards than one
// generation pass reads at once, and checks that every hazard is owed
// exactly one task for the current period of its risk level: the two
// servers together created as many as there are hazards, none twice. Then
// the hazards' next checks are set back, as if a server had died between
// creating tasks and moving them on, and both passes find the tasks
// already there; a restarted server adds nothing either.
func TestHazardTasksTwoProcesses(t *testing.T) {
	var pg storetest.Engine
	for _, e := range storetest.Engines() {
		if e.Name == "postgres" {
			pg = e
		}
	}
	dsn := pg.NewDSN(t) // skips without ANJU_TEST_PG, fails in CI
	bin := anjuBinary(t)
	keyFile := t.TempDir() + "/data.key"
	anjuRun(t, bin, "demo", "--no-serve", "--cases", "0", "--db", dsn, "--data-key-file", keyFile)
	db := openSQL(t, dsn)
	ctx := context.Background()
	w, err := workloadFromDB(ctx, db.db, "330100")
	if err != nil {
		t.Fatal(err)
	}

	// More hazards than GenerateInspectionTasks reads in one batch (500),
	// of every risk level, registered through the store as the API does.
	const n = 520
	sys := anju.SystemActor("test")
	rng := rand.New(rand.NewPCG(3, 4))
	points := make([][2]float64, n)
	for i := range points {
		nc := w.intake(rng)
		points[i] = [2]float64{*nc.Lat, *nc.Lon}
	}
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for k := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += 4 {
				h, err := db.db.RegisterHazard(ctx, sys, hazard.Hazard{Type: hazard.Types[i%len(hazard.Types)], Name: fmt.Sprintf("隐患点%03d", i),
					Lat: points[i][0], Lon: points[i][1], RiskLevel: hazard.RiskLevels[i%len(hazard.RiskLevels)], Owner: "物业服务公司"})
				if err != nil {
					errs <- fmt.Errorf("hazard %d: %w", i, err)
					return
				}
				ids[i] = strconv.FormatInt(h.ID, 10)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	in := "(" + strings.Join(ids, ",") + ")"
	today := hazard.Day(time.Now()).Format(time.DateOnly)
	// Not owed anything until both servers run, so that both passes meet
	// the same hazards at once.
	db.exec(`UPDATE hazards SET next_check = ? WHERE id IN `+in, hazard.Day(time.Now()).AddDate(0, 0, 1).Format(time.DateOnly))

	started := time.Now().UnixMicro()
	serveArgs := []string{"--db", dsn, "--data-key-file", keyFile, "--scheduler-interval", "100ms", "--log-level", "info"}
	a := startServer(t, bin, "server A", "127.0.0.1:"+freePort(t), serveArgs...)
	b := startServer(t, bin, "server B", "127.0.0.1:"+freePort(t), serveArgs...)
	// waitTasks waits until every hazard has been looked at today: its next
	// check moved past today, its task created.
	waitTasks := func(when string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for db.int(`SELECT COUNT(*) FROM hazards WHERE id IN `+in+` AND next_check > ?`, today) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: after 60 s, %d of %d hazards moved on", when, db.int(`SELECT COUNT(*) FROM hazards WHERE id IN `+in+` AND next_check > ?`, today), n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	check := func(when string) {
		t.Helper()
		if got := db.int(`SELECT COUNT(*) FROM inspection_tasks WHERE hazard_id IN ` + in); got != n {
			t.Errorf("%s: %d tasks for %d hazards", when, got, n)
		}
		if twice := db.int(`SELECT COUNT(*) FROM (SELECT hazard_id FROM inspection_tasks WHERE hazard_id IN ` + in + ` GROUP BY hazard_id HAVING COUNT(*) > 1) x`); twice != 0 {
			t.Errorf("%s: %d hazards have more than one task", when, twice)
		}
		// Each task is the period of today under its hazard's frequency.
		plan := hazard.DefaultPlan()
		rows, err := db.db.SQL().Query(`SELECT h.risk_level, t.period_start, t.due_on FROM inspection_tasks t JOIN hazards h ON h.id = t.hazard_id WHERE t.hazard_id IN ` + in)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var level, start, due string
			if err := rows.Scan(&level, &start, &due); err != nil {
				t.Fatal(err)
			}
			p, _ := hazard.Schedule(plan.Frequency(hazard.RiskLevel(level)), hazard.Day(time.Now()))
			if start != p.Start.Format(time.DateOnly) || due != p.End.Format(time.DateOnly) {
				t.Errorf("%s: a %s hazard's task covers %s to %s, want %v", when, level, start, due, p)
				break
			}
		}
	}
	db.exec(`UPDATE hazards SET next_check = ? WHERE id IN `+in, today)
	waitTasks("two schedulers")
	// Let both run a few more passes over hazards with nothing owed.
	time.Sleep(500 * time.Millisecond)
	check("two schedulers")

	// As if a server had died between creating the tasks and moving the
	// hazards on: both find every task already there.
	db.exec(`UPDATE hazards SET next_check = ? WHERE id IN `+in, today)
	waitTasks("next checks set back")
	time.Sleep(500 * time.Millisecond)
	a.stop()
	b.stop()
	check("next checks set back")
	createdA, failedA := createdTasks(a.stderr.String())
	createdB, failedB := createdTasks(b.stderr.String())
	if len(failedA)+len(failedB) > 0 {
		t.Errorf("generation failed: %v %v", failedA, failedB)
	}
	// The demo city may hold hazards of its own, owed tasks too: the two
	// servers created at least ours, and exactly as many as were created
	// while they ran.
	all := int(db.int(`SELECT COUNT(*) FROM inspection_tasks WHERE created_at >= ?`, started))
	if createdA+createdB != all || all < n {
		t.Errorf("server A created %d tasks and server B %d; %d were created, %d of them ours", createdA, createdB, all, n)
	}
	t.Logf("server A created %d tasks, server B %d", createdA, createdB)

	// A restarted server finds nothing left to do.
	c := startServer(t, bin, "server C", "127.0.0.1:"+freePort(t), serveArgs...)
	time.Sleep(time.Second)
	c.stop()
	if createdC, failed := createdTasks(c.stderr.String()); createdC != 0 || len(failed) > 0 {
		t.Errorf("a restarted scheduler created %d tasks (%v)", createdC, failed)
	}
	check("after a restart")
}
