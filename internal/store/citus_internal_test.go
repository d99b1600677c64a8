package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/personal"
	"anju/internal/store/storetest"
)

// TestCitusPlacement runs on the Citus cluster of scripts/citus.sh
// (ANJU_TEST_CITUS; skipped without it): two cities' cases lie on different
// workers, in the shards Citus names for them, and a city's list, search
// and transition are each planned as one task on one worker (a router
// plan) — the work of one city never waits on another city's worker.
func TestCitusPlacement(t *testing.T) {
	dsn := storetest.CitusDSN(t)
	ctx := context.Background()
	keys, err := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, dsn, Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	worker := func(city string) (shard int64, node string) { return citusWorker(t, db, city) }
	cityA := "330100"
	_, nodeA := worker(cityA)
	// The second city: the first code whose rows Citus puts on the other
	// worker (a city's worker is its hash's; which codes land where is
	// Citus's choice).
	var cityB string
	for i := 2; i < 100 && cityB == ""; i++ {
		c := fmt.Sprintf("33%02d00", i)
		if _, n := worker(c); n != nodeA {
			cityB = c
		}
	}
	if cityB == "" {
		t.Fatal("no city code of 330200…339900 lies on another worker than 330100's")
	}

	sys := anju.SystemActor("test")
	actors := map[string]*anju.Actor{}
	ids := map[string]int64{}
	for _, city := range []string{cityA, cityB} {
		if _, err := db.ImportRegions(ctx, sys, cityTree(city)); err != nil {
			t.Fatalf("regions of %s: %v", city, err)
		}
		actors[city] = &anju.Actor{UserID: 1, Login: "dispatcher-" + city, City: city,
			Grants: []anju.Grant{{Role: anju.RoleDispatcher, RegionPath: cityPath(city)}, {Role: anju.RoleOperator, RegionPath: cityPath(city)}}}
		nc := NewCase{Title: "路灯不亮", Text: "小区门口的路灯已经坏了三天，晚上很黑", Category: "0101", Lat: ptr(30.05), Lon: ptr(120.02)}
		nc.Reporter.Name, nc.Reporter.Phone = "张三", "13812341234"
		c, _, err := db.CreateCase(ctx, actors[city], nc, "")
		if err != nil {
			t.Fatalf("intake in %s: %v", city, err)
		}
		ids[city] = c.ID
	}

	// Each case is in its city's shard on its city's worker, read there
	// directly, and not on the other worker.
	schema := dsnParam(t, dsn, "search_path")
	for _, city := range []string{cityA, cityB} {
		shard, node := worker(city)
		for _, other := range []string{nodeA, otherNode(t, db, nodeA)} {
			var n int
			err := workerDB(t, dsn, other).QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM %s.cases_%d WHERE id = $1`, schema, shard),
				ids[city]).Scan(&n)
			switch {
			case other == node && (err != nil || n != 1):
				t.Errorf("case %d of %s is not in shard %d on %s: %d rows, %v", ids[city], city, shard, node, n, err)
			case other != node && err == nil && n != 0:
				t.Errorf("case %d of %s is on %s too", ids[city], city, other)
			}
		}
	}
	if _, nodeB := worker(cityB); nodeB == nodeA {
		t.Fatalf("%s and %s share worker %s", cityA, cityB, nodeA)
	}

	// A city's reads and a transition, as Citus plans them.
	router := func(name, q string, args ...any) {
		t.Helper()
		plan := citusPlan(t, db, q, args...)
		if strings.Count(plan, "Task Count:") != 1 || !strings.Contains(plan, "Task Count: 1\n") {
			t.Errorf("%s is not answered by one worker:\n%s", name, plan)
		}
	}
	a := actors[cityA]
	for _, f := range []CaseFilter{{PageSize: 50}, {PageSize: 50, Queue: cases.QueueToDispatch},
		{PageSize: 50, Order: cases.OrderTimeLeft}, {PageSize: 50, Text: "路灯"}} {
		q, args, _, err := db.caseListQuery(ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		router(fmt.Sprintf("the list %+v", f), q, args...)
	}
	pq, err := parseSearch("路灯")
	if err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{"relevance", "time"} {
		p, err := db.planSearch(ctx, a, SearchQuery{Sort: sort, Page: 1, PageSize: 20}, pq)
		if err != nil {
			t.Fatal(err)
		}
		q, args, _, _ := db.searchSQL(p)
		router("the search by "+sort, q, args...)
	}
	router("reading a case", caseInCity, ids[cityA], cityA)
	q, args := caseUpdate(map[string]any{"state": "accepted", "version": 2}, ids[cityA], cityA, 1)
	router("a transition", q, args...)
	if _, err := db.Act(ctx, a, ids[cityA], cases.ActionAccept, ActionInput{}); err != nil {
		t.Fatalf("accept in %s: %v", cityA, err)
	}
}

func ptr(v float64) *float64 { return &v }

// citusWorker is the shard of cases holding a city's rows and the worker
// holding the shard, as Citus's metadata has it.
func citusWorker(t *testing.T, db *DB, city string) (shard int64, node string) {
	t.Helper()
	if err := db.sql.QueryRowContext(context.Background(), `SELECT s.shardid, s.nodename || ':' || s.nodeport FROM citus_shards s
		WHERE s.shardid = get_shard_id_for_distribution_column('cases', $1::text)`, city).Scan(&shard, &node); err != nil {
		t.Fatal(err)
	}
	return shard, node
}

// citusPlan is Citus's EXPLAIN of q (without running it).
func citusPlan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.sql.QueryContext(context.Background(), `EXPLAIN `+db.dialect.rebind(q), args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.TrimSpace(line) + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func dsnParam(t *testing.T, dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}

// otherNode is the worker that is not node.
func otherNode(t *testing.T, db *DB, node string) string {
	var other string
	if err := db.sql.QueryRow(`SELECT nodename || ':' || nodeport FROM pg_dist_node
		WHERE groupid > 0 AND noderole = 'primary' AND nodename || ':' || nodeport <> $1 LIMIT 1`, node).Scan(&other); err != nil {
		t.Fatal(err)
	}
	return other
}

// workerDB connects to a worker (host:port) directly, with the DSN's user
// and database.
func workerDB(t *testing.T, dsn, node string) *sql.DB {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = node
	u.RawQuery = "sslmode=disable"
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestCitusAuditHeads runs on the Citus cluster (ANJU_TEST_CITUS): a
// city's audit head lies with the city's rows, in the cases' colocation
// group, while the closed legacy head stays a reference table; taking a
// city's head, writing it and reading its chain are each planned as one
// task on the city's worker; two cities on different workers append and
// their chains verify.
func TestCitusAuditHeads(t *testing.T) {
	dsn := storetest.CitusDSN(t)
	ctx := context.Background()
	db, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	placement := func(table string) (method string, colocation int64) {
		t.Helper()
		if err := db.sql.QueryRowContext(ctx, `SELECT partmethod, colocationid FROM pg_dist_partition WHERE logicalrelid = $1::regclass`,
			table).Scan(&method, &colocation); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		return method, colocation
	}
	_, reporters := placement("reporters")
	if method, colocation := placement("audit_heads"); method != "h" || colocation != reporters {
		t.Errorf("audit_heads: distribution %q in colocation group %d, want hash by city in the cases' group %d", method, colocation, reporters)
	}
	if method, _ := placement("audit_head"); method != "n" {
		t.Errorf("audit_head: distribution %q, want a reference table", method)
	}
	router := func(name, q string, args ...any) {
		t.Helper()
		plan := citusPlan(t, db, q, args...)
		if strings.Count(plan, "Task Count:") != 1 || !strings.Contains(plan, "Task Count: 1\n") {
			t.Errorf("%s is not answered by one worker:\n%s", name, plan)
		}
	}
	router("taking a city's head", takeAuditHead, "330100", 0, "")
	router("writing a city's head", `UPDATE audit_heads SET seq = ?, hash = ? WHERE city = ?`, 1, "x", "330100")
	router("reading a city's chain", `SELECT `+auditColumns+` FROM audit_log WHERE city = ? AND seq > ? AND seq <= ? ORDER BY seq`, "330100", 0, 10)

	cityA, cityB := "330100", ""
	_, nodeA := citusWorker(t, db, cityA)
	for i := 2; i < 100 && cityB == ""; i++ {
		c := fmt.Sprintf("33%02d00", i)
		if _, n := citusWorker(t, db, c); n != nodeA {
			cityB = c
		}
	}
	if cityB == "" {
		t.Fatal("no city code of 330200…339900 lies on another worker than 330100's")
	}
	sys := anju.SystemActor("test")
	for i := range 5 {
		for _, city := range []string{cityA, cityB} {
			if err := db.Audit(ctx, sys, auditRecord(city, "test.citus", fmt.Sprint(i), nil)); err != nil {
				t.Fatalf("append to %s: %v", city, err)
			}
		}
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 10 {
		t.Fatalf("verify: %d %v", n, err)
	}
}
