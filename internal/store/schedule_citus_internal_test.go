package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/petition"
	"anju/internal/store/storetest"
)

// TestCitusSchedulerByCity runs the scheduler's steps on the Citus cluster
// of scripts/citus.sh (ANJU_TEST_CITUS; skipped without it), for two
// cities on different workers, through a handle on which Citus refuses
// every statement that needs more than one shard
// (citus.multi_task_query_log_level=error): no step of a pass asks every
// worker. Then a drill without stopping a worker: the first city's shards
// of every distributed table are renamed away on its worker, as if that
// worker were down for them; the pass fails for that city alone, with an
// error naming it, while the other city's cases are marked, carded,
// notified and warned of; with the shards back, the first city's steps
// happen on the next pass.
func TestCitusSchedulerByCity(t *testing.T) {
	citusSchedulerDrill(t, func(t *testing.T, db *DB, dsn, city, node string) func() {
		return downShards(t, db, dsn, city)
	})
}

// TestCitusWorkerDown is the same drill with the first city's worker
// stopped (scripts/citus.sh stop-worker) and started again. It stops a
// worker of the shared cluster, so it runs only when ANJU_TEST_CITUS_DRILL
// is set too, by whoever knows no one else is using the cluster.
func TestCitusWorkerDown(t *testing.T) {
	if os.Getenv("ANJU_TEST_CITUS_DRILL") == "" {
		t.Skip("ANJU_TEST_CITUS_DRILL is not set: this test stops a worker of the cluster")
	}
	citusSchedulerDrill(t, func(t *testing.T, db *DB, dsn, city, node string) func() {
		// Workers take the ports after the coordinator's: worker N is
		// the coordinator's port + N (scripts/citus.sh).
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		coordinator, _ := strconv.Atoi(u.Port())
		_, port, _ := strings.Cut(node, ":")
		p, _ := strconv.Atoi(port)
		n := strconv.Itoa(p - coordinator)
		citus := func(cmd string) {
			t.Helper()
			out, err := exec.Command("../../scripts/citus.sh", cmd, n).CombinedOutput()
			if err != nil {
				t.Fatalf("citus.sh %s %s: %v\n%s", cmd, n, err, out)
			}
		}
		citus("stop-worker")
		started := false
		start := func() {
			if !started {
				started = true
				citus("start-worker")
			}
		}
		t.Cleanup(start)
		return start
	})
}

// citusSchedulerDrill is the two Citus tests' run: down takes city's
// rows on node away and returns the function that brings them back.
func citusSchedulerDrill(t *testing.T, down func(t *testing.T, db *DB, dsn, city, node string) func()) {
	dsn := storetest.CitusDSN(t)
	ctx := context.Background()
	keys := testKeys(t)
	w := openCityWorld(t, dsn, keys)
	if !w.db.distributed {
		t.Fatal("the Citus database is not distributed")
	}
	cityA := "330100"
	_, nodeA := shardOf(t, w.db, "cases", cityA)
	var cityB string
	for i := 2; i < 100 && cityB == ""; i++ {
		c := fmt.Sprintf("33%02d00", i)
		if _, n := shardOf(t, w.db, "cases", c); n != nodeA {
			cityB = c
		}
	}
	if cityB == "" {
		t.Fatal("no city code of 330200…339900 lies on another worker than 330100's")
	}
	w.populate(t, []string{cityA, cityB})

	strict, err := Open(ctx, dsn+"&citus.multi_task_query_log_level=error", Options{Clock: w.clock, Keys: keys,
		PublicURL: "https://anju.example"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { strict.Close() })
	var n int
	if err := strict.sql.QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&n); err == nil || !strings.Contains(err.Error(), "multi-task") {
		t.Fatalf("a statement over every city's cases ran on the strict handle: %v", err)
	}
	sw := &cityWorld{db: strict, clock: w.clock, actors: w.actors, due: w.due}
	var sent sentMessages

	// A day before the deadline: warned, in both cities, each statement
	// on one worker.
	w.clock.Set(w.due.Add(-DefaultPolicy.WarnBefore + time.Minute))
	if err := sw.pass(t, &sent); err != nil {
		t.Fatalf("a day before: %v", err)
	}
	for _, l := range strings.Split(w.state(t), "\n") {
		if strings.HasPrefix(l, "case ") && !strings.Contains(l, "warned=true") {
			t.Errorf("a day before: %s", l)
		}
	}

	// The drill: cityA's rows gone from its worker.
	before := w.state(t)
	heal := down(t, w.db, dsn, cityA, nodeA)
	w.clock.Set(w.due.Add(time.Minute))
	w.checkDown(t, before, sw.pass(t, &sent), cityA, cityB, heal)

	// Back: cityA catches up on the next pass; then the red cards and the
	// escalations of both, each statement on one worker.
	w.clock.Advance(time.Minute)
	if err := sw.pass(t, &sent); err != nil {
		t.Fatalf("with the shards back: %v", err)
	}
	for _, step := range []time.Duration{DefaultPolicy.RedAfter, DefaultPolicy.EscalateAfter} {
		w.clock.Set(w.due.Add(step + time.Minute))
		if err := sw.pass(t, &sent); err != nil {
			t.Fatalf("%v late: %v", step, err)
		}
	}
	state := w.state(t)
	for _, l := range strings.Split(state, "\n") {
		if city, ok := strings.CutPrefix(l, "case "); ok && !strings.Contains(l, `overdue=true card="red" at `+city[:4]+"02,") {
			t.Errorf("after the escalation: %s", l)
		}
		if strings.HasPrefix(l, "outbox ") && !strings.HasSuffix(l, " sent") {
			t.Errorf("not delivered: %s", l)
		}
	}
	for _, city := range []string{cityA, cityB} {
		if !strings.Contains(state, "warning "+city+" overdue_pile") {
			t.Errorf("no warning raised in %s:\n%s", city, state)
		}
	}

	// A petition of each city, left unanswered past its statutory
	// deadlines: its marks and cards replay its events into the petition
	// clock, on its city's worker.
	for _, city := range []string{cityA, cityB} {
		np := NewPetition{NewCase: NewCase{Title: "征地补偿款未足额发放", Text: "村里征地补偿款至今未足额发放，多次询问无果",
			Category: "1603", Lat: ptr(30.05), Lon: ptr(120.02)}}
		first := true
		np.Reporter.Name, np.Reporter.Phone, np.Reporter.IDNumber = "王五", "13900001111", "11010519491231002X"
		np.Petition = petition.Intake{Channel: petition.ChannelLetter, First: &first}
		if _, err := w.db.CreatePetition(ctx, w.actors[city], np); err != nil {
			t.Fatalf("petition in %s: %v", city, err)
		}
	}
	w.clock.Advance(90 * 24 * time.Hour)
	if err := sw.pass(t, &sent); err != nil {
		t.Fatalf("petitions late: %v", err)
	}
	state = w.state(t)
	for _, city := range []string{cityA, cityB} {
		if !strings.Contains(state, "case "+city+" 征地补偿款未足额发放: submitted warned=false overdue=true card=\"red\"") {
			t.Errorf("the petition of %s is not carded:\n%s", city, state)
		}
	}
	logPassTime(t, strict, w.clock)
}

// shardOf is the shard of table holding city's rows and its worker, as
// Citus's metadata has them.
func shardOf(t *testing.T, db *DB, table, city string) (shard int64, node string) {
	t.Helper()
	if err := db.sql.QueryRow(`SELECT s.shardid, s.nodename || ':' || s.nodeport FROM citus_shards s
		WHERE s.shardid = get_shard_id_for_distribution_column($1, $2::text)`, table, city).Scan(&shard, &node); err != nil {
		t.Fatal(err)
	}
	return shard, node
}

// downShards renames city's shard of every distributed table on its
// worker, so that every statement reaching them fails as with the worker
// down, and returns the function that puts them back (also run when the
// test ends).
func downShards(t *testing.T, db *DB, dsn, city string) func() {
	t.Helper()
	tables, err := column[string](db.sql.Query(`SELECT c.relname FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
		WHERE c.relnamespace = current_schema()::regnamespace AND p.partmethod = 'h' ORDER BY 1`))
	if err != nil || len(tables) == 0 {
		t.Fatalf("distributed tables: %v %v", tables, err)
	}
	schema := dsnParam(t, dsn, "search_path")
	var back []string
	for _, table := range tables {
		shard, node := shardOf(t, db, table, city)
		name := fmt.Sprintf("%s_%d", table, shard)
		wdb := workerDB(t, dsn, node)
		if _, err := wdb.Exec(fmt.Sprintf(`ALTER TABLE %s.%s RENAME TO %s_down`, schema, name, name)); err != nil {
			t.Fatalf("take %s away on %s: %v", name, node, err)
		}
		back = append(back, node+"\x00"+fmt.Sprintf(`ALTER TABLE %s.%s_down RENAME TO %s`, schema, name, name))
	}
	healed := false
	heal := func() {
		if healed {
			return
		}
		healed = true
		for _, b := range back {
			node, q, _ := strings.Cut(b, "\x00")
			if _, err := workerDB(t, dsn, node).Exec(q); err != nil {
				t.Errorf("put back: %v", err)
			}
		}
	}
	t.Cleanup(heal)
	return heal
}

// logPassTime logs how long the store steps that scheduler.Pass takes
// every 5 seconds take on db (whose clock is clock) when nothing is due:
// the due steps, the warnings (inside their minimum interval: nothing),
// inspection tasks and the outbox; the median of 7 passes 5 s apart.
func logPassTime(t *testing.T, db *DB, clock *anju.FakeClock) {
	t.Helper()
	ctx := context.Background()
	policy := WarningPolicy{MinInterval: 5 * time.Minute}
	if _, err := db.DetectWarnings(ctx, db.Now(), policy); err != nil {
		t.Fatal(err)
	}
	var took []time.Duration
	for range 7 {
		clock.Advance(5 * time.Second)
		began := time.Now()
		if _, err := db.RunDue(ctx, DefaultPolicy, 200); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DetectWarnings(ctx, db.Now(), policy); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GenerateInspectionTasks(ctx, db.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeliverOutbox(ctx, &sentMessages{}, 50); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(began))
	}
	slices.Sort(took)
	t.Logf("an idle scheduler pass (%s, city by city: %v): median %v, min %v, max %v",
		db.dialect.name(), db.distributed, took[len(took)/2], took[0], took[len(took)-1])
}
