package store

import (
	"context"
	"encoding/json"
	"sync"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/deadline"
	"anju/internal/taxonomy"
)

// cityCache holds per-city things that change rarely (the taxonomy, the
// calendar). A change made here drops the city's entry at once; one made by
// another process is seen through change_versions (changes.go) within a
// fraction of a second. Entries also expire after ttl, a backstop.
type cityCache[T any] struct {
	mu      sync.Mutex
	entries map[string]cacheEntry[T]
	ttl     time.Duration
	kind    changeKind
	changes *changeWatch
}

type cacheEntry[T any] struct {
	value   T
	at      time.Time // when its load began
	version int64     // the city's version of kind then
}

func newCityCache[T any](changes *changeWatch, kind changeKind, ttl time.Duration) *cityCache[T] {
	return &cityCache[T]{entries: map[string]cacheEntry[T]{}, ttl: ttl, kind: kind, changes: changes}
}

func (c *cityCache[T]) get(city string, load func() (T, error)) (T, error) {
	// The version is read before the load: a change committed during the
	// load leaves the entry under the older version, loaded again next time.
	version, fresh := c.changes.version(city, c.kind)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[city]; ok && time.Since(e.at) < c.ttl && trust(e.version, version, fresh, e.at) {
		return e.value, nil
	}
	at := time.Now()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.entries[city] = cacheEntry[T]{value: v, at: at, version: version}
	return v, nil
}

func (c *cityCache[T]) drop(city string) {
	c.mu.Lock()
	delete(c.entries, city)
	c.mu.Unlock()
}

// Taxonomy returns the city's current category tree, installing the default
// taxonomy the first time a city needs one.
func (db *DB) Taxonomy(ctx context.Context, city string) (*taxonomy.Tree, error) {
	return db.taxonomies.get(city, func() (*taxonomy.Tree, error) {
		cats, err := db.latestCategories(ctx, city)
		if err != nil {
			return nil, err
		}
		if len(cats) == 0 {
			if err := db.installDefaultTaxonomy(ctx, city); err != nil {
				return nil, err
			}
			if cats, err = db.latestCategories(ctx, city); err != nil {
				return nil, err
			}
		}
		return taxonomy.NewTree(cats)
	})
}

func (db *DB) latestCategories(ctx context.Context, city string) ([]taxonomy.Category, error) {
	rows, err := db.query(ctx, `SELECT body FROM categories WHERE city = ? AND latest ORDER BY code`, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []taxonomy.Category
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var c taxonomy.Category
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// installDefaultTaxonomy writes the shipped taxonomy for a city that has none.
// Two servers racing here both try; the primary key lets one win and the
// other's transaction fail, after which it reads the winner's rows.
func (db *DB) installDefaultTaxonomy(ctx context.Context, city string) error {
	err := db.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM categories WHERE city = ?`, city).Scan(&n); err != nil || n > 0 {
			return err
		}
		now := micros(db.clock.Now())
		for _, c := range taxonomy.Default() {
			if err := tx.insertCategory(ctx, city, c, now); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, anju.SystemActor("taxonomy"), audit.Record{City: city, Action: "taxonomy.install", Object: "city:" + city,
			Detail: map[string]any{"categories": len(taxonomy.Default())}})
	})
	if anju.ErrorCode(err) == anju.ECONFLICT {
		return nil
	}
	return err
}

func (t *Tx) insertCategory(ctx context.Context, city string, c taxonomy.Category, now int64) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var parent any
	if c.Parent != "" {
		parent = c.Parent
	}
	_, err = t.exec(ctx, `INSERT INTO categories (city, code, version, parent, latest, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		city, c.Code, c.Version, parent, true, string(body), now)
	return err
}

// category returns the leaf category a new case may be filed under.
func (db *DB) category(ctx context.Context, city, code string) (taxonomy.Category, error) {
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return taxonomy.Category{}, err
	}
	c, err := tree.Get(code)
	if err != nil {
		return c, anju.FieldError("category", "category %q does not exist", code)
	}
	if !c.Leaf {
		return c, anju.FieldError("category", "category %s (%s) is a group; choose one of its categories", code, c.Name)
	}
	if !c.Active {
		return c, anju.FieldError("category", "category %s (%s) is retired", code, c.Name)
	}
	if c.Deadlines == nil {
		c.Deadlines = map[cases.Priority]deadline.Deadlines{}
	}
	for _, p := range []cases.Priority{cases.PriorityNormal, cases.PriorityUrgent} {
		d, err := tree.Deadlines(code, p)
		if err != nil {
			return c, err
		}
		c.Deadlines[p] = d
	}
	return c, nil
}

func (db *DB) categoryName(ctx context.Context, city, code string) string {
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return ""
	}
	c, err := tree.Get(code)
	if err != nil {
		return ""
	}
	return c.Name
}

// dueDates computes a case's clocks from its category and priority. A case
// keeps its category version; the periods come from the current tree, since a
// city that shortens a deadline means it for reopened cases too.
func (db *DB) dueDates(ctx context.Context, city, code string, version int, p cases.Priority, start time.Time) (time.Time, time.Time, error) {
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	d, err := tree.Deadlines(code, p)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	cal, err := db.calendar(ctx, city)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return cal.Due(start, d.Response), cal.Due(start, d.Resolution), nil
}

// SaveCategory creates or edits one category of the city's taxonomy as a new
// version; only city-wide administrators may. Returns EINVALID for an edit the
// tree refuses, ECONFLICT for an edit made from a stale version.
func (db *DB) SaveCategory(ctx context.Context, actor *anju.Actor, c taxonomy.Category) (taxonomy.Category, error) {
	if !actor.System && !actor.HasRoleAt(cityPath(actor.City), anju.RoleAdmin) {
		return c, anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator may edit the taxonomy")
	}
	city := actor.City
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return c, err
	}
	next := tree.All()
	replaced := false
	for i := range next {
		if next[i].Code == c.Code {
			next[i], replaced = c, true
		}
	}
	if !replaced {
		if c.Version == 0 {
			c.Version = 1
		}
		next = append(next, c)
	}
	_, changed, err := tree.Update(next)
	if err != nil {
		return c, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		now := micros(db.clock.Now())
		for _, ch := range changed {
			if _, err := tx.exec(ctx, `UPDATE categories SET latest = FALSE WHERE city = ? AND code = ? AND latest`, city, ch.Code); err != nil {
				return err
			}
			if err := tx.insertCategory(ctx, city, ch, now); err != nil {
				return err
			}
			if err := tx.appendAudit(ctx, actor, audit.Record{City: city, Action: "category.save", Object: "category:" + ch.Code,
				Detail: map[string]any{"version": ch.Version, "name": ch.Name, "active": ch.Active}}); err != nil {
				return err
			}
		}
		return tx.noteChange(ctx, city, changeTaxonomy)
	})
	db.taxonomies.drop(city)
	if err != nil {
		return c, err
	}
	for _, ch := range changed {
		if ch.Code == c.Code {
			return ch, nil
		}
	}
	return c, nil
}

// calendar returns the city's working-day calendar: the national one with the
// city's overrides.
func (db *DB) calendar(ctx context.Context, city string) (*deadline.Calendar, error) {
	return db.calendars.get(city, func() (*deadline.Calendar, error) {
		rows, err := db.query(ctx, `SELECT day, kind, note FROM calendar_overrides WHERE city = ? ORDER BY day`, city)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var overrides []deadline.Override
		for rows.Next() {
			var day, kind, note string
			if err := rows.Scan(&day, &kind, &note); err != nil {
				return nil, err
			}
			d, err := deadline.ParseDate(day)
			if err != nil {
				return nil, err
			}
			overrides = append(overrides, deadline.Override{Date: d, Kind: deadline.DayKind(kind), Note: note})
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return deadline.New(deadline.Config{Overrides: overrides})
	})
}

// MaxCalendarNote bounds a calendar day's note: it names the day (国庆节,
// 调休上班), and is shown beside every date that falls on it.
const MaxCalendarNote = 200

// SetCalendarDay records a city's own holiday or working day; only city-wide
// administrators may. Returns EINVALID for a bad date or kind, or a note
// longer than MaxCalendarNote.
func (db *DB) SetCalendarDay(ctx context.Context, actor *anju.Actor, day string, kind deadline.DayKind, note string) error {
	if !actor.System && !actor.HasRoleAt(cityPath(actor.City), anju.RoleAdmin) {
		return anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator may change the calendar")
	}
	d, err := deadline.ParseDate(day)
	if err != nil {
		return anju.FieldError("date", "date must be YYYY-MM-DD")
	}
	if kind != deadline.Holiday && kind != deadline.Workday {
		return anju.FieldError("kind", "kind must be %q or %q", deadline.Holiday, deadline.Workday)
	}
	if note = anju.CleanText(note); anju.Blank(note) {
		note = ""
	}
	if utf8.RuneCountInString(note) > MaxCalendarNote {
		return anju.FieldError("note", "note is longer than %d characters", MaxCalendarNote)
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM calendar_overrides WHERE city = ? AND day = ?`, actor.City, d.String()); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO calendar_overrides (city, day, kind, note) VALUES (?, ?, ?, ?)`, actor.City, d.String(), string(kind), note); err != nil {
			return err
		}
		if err := tx.noteChange(ctx, actor.City, changeCalendar); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: actor.City, Action: "calendar.set", Object: "day:" + d.String(),
			Detail: map[string]any{"kind": kind, "note": note}})
	})
	db.calendars.drop(actor.City)
	return err
}
