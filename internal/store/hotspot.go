package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/textai"
)

// HotspotFilter selects the cases hotspots are found in.
type HotspotFilter struct {
	Days   int    // the period ending now, 1–366 (default 30)
	Region string // a region code inside the actor's scope (default: all of it)
	Top    int    // at most this many hotspots, 1–100 (default 20)
}

// Hotspot is one problem at one place over the period. Reporters are only
// counted, never listed.
type Hotspot struct {
	Name        string    `json:"name"`
	Basis       string    `json:"basis"`           // "place": one problem in one community; "group": one problem of a class of people across communities
	Group       string    `json:"group,omitempty"` // the people affected, for basis "group" when the reports name them
	Place       GridRef   `json:"place"`           // the community (or grid) the reports come from; empty for basis "group"
	Keywords    []string  `json:"keywords"`
	Count       int       `json:"count"`
	Reporters   int       `json:"reporters"` // distinct reporters
	Heat        float64   `json:"heat"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	SampleCases []int64   `json:"sample_cases"`
}

// HotspotList is the answer of Hotspots.
type HotspotList struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Cases     int       `json:"cases"`     // cases looked at
	Truncated bool      `json:"truncated"` // more cases than maxHotspotCases: the newest were used
	Hotspots  []Hotspot `json:"hotspots"`
}

// maxHotspotCases bounds the text held in memory for one request.
const maxHotspotCases = 50000

// Hotspots groups the actor-visible cases of the period into problems at
// places (textai.Hotspots, each report placed at its community) and returns
// the hottest. Reporters enter only as an opaque key — the keyed phone
// fingerprint or the resident's user id — to be counted. EINVALID for a bad
// period or size, ENOTFOUND for a region outside the actor's scope.
func (db *DB) Hotspots(ctx context.Context, actor *anju.Actor, f HotspotFilter) (HotspotList, error) {
	if f.Days == 0 {
		f.Days = 30
	}
	if f.Days < 1 || f.Days > 366 {
		return HotspotList{}, anju.FieldError("days", "days must be between 1 and 366")
	}
	if f.Top == 0 {
		f.Top = 20
	}
	if f.Top < 1 || f.Top > 100 {
		return HotspotList{}, anju.FieldError("top", "top must be between 1 and 100")
	}
	now := db.clock.Now()
	out := HotspotList{From: now.Add(-time.Duration(f.Days) * 24 * time.Hour).UTC(), To: now.UTC(), Hotspots: []Hotspot{}}
	sc, args := caseScope(actor)
	q := `SELECT ` + reportCols + ` FROM cases c LEFT JOIN reporters r ON r.id = c.reporter_id AND r.city = c.city
		WHERE ` + sc + ` AND c.created_at >= ? AND c.created_at <= ?`
	args = append(args, micros(out.From), micros(now))
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return HotspotList{}, err
		}
		q += ` AND c.region_path >= ? AND c.region_path < ?`
		args = append(args, r.Path, subtreeUpper(r.Path))
	}
	q += ` ORDER BY c.created_at DESC LIMIT ?`
	args = append(args, maxHotspotCases+1)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return HotspotList{}, err
	}
	reports, paths, err := scanCaseReports(rows)
	if err != nil {
		return HotspotList{}, err
	}
	for i := range reports {
		reports[i].Place = placeOfPath(paths[i])
	}
	if len(reports) > maxHotspotCases {
		reports, out.Truncated = reports[:maxHotspotCases], true
	}
	out.Cases = len(reports)
	// Oldest first: textai clusters in time order and is deterministic for a
	// given input order.
	for i, j := 0, len(reports)-1; i < j; i, j = i+1, j-1 {
		reports[i], reports[j] = reports[j], reports[i]
	}
	users := map[int64]string{}
	for _, r := range reports {
		users[r.ID] = r.User
	}
	names := map[string]string{}
	for _, h := range textai.Hotspots(reports, textai.HotspotOptions{Top: f.Top, Now: now, Workers: 2}) {
		place := GridRef{Code: h.PlaceKey}
		if n, ok := names[h.PlaceKey]; ok {
			place.Name = n
		} else if h.PlaceKey != "" { // "" for basis "group": no community to name
			if rr, err := db.regionNoGeometry(ctx, h.PlaceKey); err == nil {
				place.Name, names[h.PlaceKey] = rr.Name, rr.Name
			}
		}
		name := place.Name
		if h.Basis == textai.BasisGroup {
			name = h.Group
		}
		if len(h.Keywords) > 0 {
			name += " — " + joinKeywords(h.Keywords, 3)
		}
		out.Hotspots = append(out.Hotspots, Hotspot{Name: name, Basis: h.Basis, Group: h.Group, Place: place, Keywords: h.Keywords, Count: len(h.Reports),
			Reporters: distinctReporters(h.Reports, users), Heat: round3(h.Heat), From: h.From.UTC(), To: h.To.UTC(),
			SampleCases: h.Reports[:min(5, len(h.Reports))]})
	}
	return out, nil
}

// reportCols are the columns scanCaseReports reads, from cases c and
// reporters r.
const reportCols = `c.id, c.title, c.body, c.region_path, c.created_at, r.fingerprint, c.reporter_user_id`

// scanCaseReports reads cases as text analysis sees them, each with its
// region path and an opaque reporter key (see reporterKey), and closes rows.
func scanCaseReports(rows *sql.Rows) ([]textai.HotspotReport, []string, error) {
	defer rows.Close()
	var reports []textai.HotspotReport
	var paths []string
	for rows.Next() {
		var r textai.HotspotReport
		var path string
		var created int64
		var fp sql.NullString
		var uid sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Title, &r.Text, &path, &created, &fp, &uid); err != nil {
			return nil, nil, err
		}
		r.At, r.User = fromMicros(created), reporterKey(fp, uid)
		reports, paths = append(reports, r), append(paths, path)
	}
	return reports, paths, rows.Err()
}

// placeOfPath is the community of a grid's path, or the deepest region when
// the path stops above community level.
func placeOfPath(path string) string {
	codes := splitPath(path)
	if len(codes) >= 4 {
		return codes[3]
	}
	if len(codes) == 0 {
		return ""
	}
	return codes[len(codes)-1]
}

// reporterKey is an opaque key for counting distinct reporters: the keyed
// hash of the phone, else the resident's user id; "" when neither is known.
func reporterKey(fp sql.NullString, uid sql.NullInt64) string {
	switch {
	case fp.Valid && fp.String != "":
		return "f:" + fp.String
	case uid.Valid:
		return "u:" + strconv.FormatInt(uid.Int64, 10)
	}
	return ""
}

// distinctReporters counts the known reporters of ids; a report with no
// known reporter (anonymous, no phone) counts as one of its own, as in
// textai.
func distinctReporters(ids []int64, users map[int64]string) int {
	seen := map[string]bool{}
	n := 0
	for _, id := range ids {
		u := users[id]
		if u == "" {
			n++
			continue
		}
		if !seen[u] {
			seen[u] = true
			n++
		}
	}
	return n
}

func joinKeywords(ks []string, n int) string {
	s := ""
	for i, k := range ks[:min(n, len(ks))] {
		if i > 0 {
			s += "、"
		}
		s += k
	}
	return s
}
