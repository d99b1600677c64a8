package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"anju/internal/cases"
	"anju/internal/figures"
)

// BulkCase is a generated case for benchmarks of reading at scale: it goes
// into the cases table and the search index only — no reporter, event, audit
// entry or notification — so it must never be used for real intake.
type BulkCase struct {
	Title, Text, Address string
	Category             string
	Grid                 string // a grid code of the city
	State                cases.State
	CreatedAt            time.Time
	doc                  *searchDoc
}

// PrepareBulk segments a bulk case's text for the search index; callers run
// it on several goroutines, since segmentation is most of the cost.
func (db *DB) PrepareBulk(ctx context.Context, city string, bc *BulkCase) error {
	doc, err := db.newSearchDoc(ctx, db, city, bc.Title, bc.Address, bc.Text, "")
	bc.doc = doc
	return err
}

// BulkLoadForBenchmark inserts prepared bulk cases in one transaction with
// multi-row statements. Benchmarks only: see BulkCase.
func (db *DB) BulkLoadForBenchmark(ctx context.Context, city string, bcs []BulkCase) error {
	const rowsPer = 200
	return db.inTx(ctx, func(tx *Tx) error {
		for start := 0; start < len(bcs); start += rowsPer {
			part := bcs[start:min(start+rowsPer, len(bcs))]
			var q strings.Builder
			q.WriteString(`INSERT INTO cases (city, tracking_code, kind, channel, priority, state, version, title, body,
				category, category_version, address, grid, region_path, handling_region, anonymous, workflow,
				created_at, updated_at, response_due, resolution_due, overdue) VALUES `)
			args := make([]any, 0, len(part)*22)
			now := micros(db.clock.Now())
			codes := make(map[string]int, len(part))
			for i, bc := range part {
				if i > 0 {
					q.WriteString(",")
				}
				q.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
				g := bc.Grid
				path := bulkPath(city, g)
				wf, _ := json.Marshal(cases.Case{Kind: cases.KindRequest, Channel: cases.ChannelImport, Priority: cases.PriorityNormal, State: bc.State, Version: 1})
				at := micros(bc.CreatedAt)
				code := newTrackingCode()
				codes[code] = i
				args = append(args, city, code, string(cases.KindRequest), string(cases.ChannelImport),
					string(cases.PriorityNormal), string(bc.State), 1, bc.Title, bc.Text, bc.Category, 1, bc.Address, g, path,
					g[:9], false, string(wf), at, at, at+86_400_000_000, at+15*86_400_000_000,
					// Open past its deadline: the scheduler would have marked it.
					bc.State.Open() && at+15*86_400_000_000 < now)
			}
			q.WriteString(" RETURNING id, tracking_code")
			rows, err := tx.tx.QueryContext(ctx, db.dialect.rebind(q.String()), args...)
			if err != nil {
				return db.dialect.translate(err)
			}
			ids := make([]int64, len(part))
			for rows.Next() {
				var id int64
				var code string
				if err := rows.Scan(&id, &code); err != nil {
					rows.Close()
					return err
				}
				ids[codes[code]] = id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for i, bc := range part {
				at := micros(bc.CreatedAt)
				fc := figures.Case{Case: cases.Case{ID: ids[i], Kind: cases.KindRequest, Channel: cases.ChannelImport,
					Priority: cases.PriorityNormal, State: bc.State, Version: 1}, CreatedAt: fromMicros(at),
					ResponseDue: fromMicros(at + 86_400_000_000), ResolutionDue: fromMicros(at + 15*86_400_000_000)}
				tx.putFacts(nil, newFactRow(fc, city, bc.Category, "", bulkPath(city, bc.Grid), db.clock.Now()))
			}
			var f strings.Builder
			fargs := make([]any, 0, len(part)*5)
			if db.dialect.name() == "postgres" {
				f.WriteString(`INSERT INTO case_search (case_id, city, doc) VALUES `)
				for i, bc := range part {
					if i > 0 {
						f.WriteString(",")
					}
					f.WriteString(`(?, ?, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') ||
						setweight(to_tsvector('simple', ?), 'C'))`)
					fargs = append(fargs, ids[i], city, bc.doc.title, bc.doc.address, bc.doc.body)
				}
			} else {
				f.WriteString(`INSERT INTO case_fts (rowid, title, address, body, reply) VALUES `)
				for i, bc := range part {
					if i > 0 {
						f.WriteString(",")
					}
					f.WriteString(`(?, ?, ?, ?, '')`)
					fargs = append(fargs, ids[i], bc.doc.title, bc.doc.address, bc.doc.body)
				}
			}
			if _, err := tx.tx.ExecContext(ctx, db.dialect.rebind(f.String()), fargs...); err != nil {
				return db.dialect.translate(err)
			}
		}
		return nil
	})
}

// bulkPath is the path of grid g, whose code holds its ancestors'.
func bulkPath(city, g string) string {
	return "/" + city + "/" + g[:6] + "/" + g[:9] + "/" + g[:12] + "/" + g + "/"
}

// CountCases counts a city's cases.
func (db *DB) CountCases(ctx context.Context, city string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM cases WHERE city = ?`, city).Scan(&n)
	return n, err
}

// AnalyzeAfterBulkLoad gives PostgreSQL's planner the statistics of what a
// bulk load wrote, as autovacuum would some minutes later: right after a
// million rows it plans from the empty tables' statistics. SQLite's queries
// are written so that they need none (TestCaseListPlans), and stay without.
func (db *DB) AnalyzeAfterBulkLoad(ctx context.Context) error {
	if db.dialect.name() != "postgres" {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, "ANALYZE")
	return err
}
