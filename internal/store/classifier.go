package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/textai"
)

// Suggestion models learn a city's own practice: the category a case was
// finally filed under and the department that finally resolved it, from its
// closed cases. Intake and the operator's form ask them for the three most
// likely of each, with calibrated probabilities.

// Model kinds.
const (
	ModelCategory   = "category"
	ModelDepartment = "department"
)

// trainLimit bounds the examples one training reads: the newest closed
// cases, which also follow a city's changing practice.
const trainLimit = 30_000

// minExamples is the fewest closed cases worth learning from.
const minExamples = 50

// ModelInfo describes one stored model version.
type ModelInfo struct {
	City       string             `json:"city"`
	Kind       string             `json:"kind"`
	Version    int                `json:"version"`
	CreatedAt  time.Time          `json:"created_at"`
	Examples   int                `json:"examples"`
	Evaluation *textai.Evaluation `json:"evaluation"`
}

// Suggested is one suggested category or department.
type Suggested struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Probability float64 `json:"probability"`
}

// Suggestions are the top three categories and departments for a text.
type Suggestions struct {
	Categories  []Suggested `json:"categories"`
	Departments []Suggested `json:"departments"`
	Models      []int       `json:"model_versions,omitempty"` // category, department
}

// TrainSuggestionModels learns new category and department models for the
// city from its closed cases and stores them as new versions with their
// evaluation on held-out cases (every fifth). City-wide administrators and
// the system only; EINVALID when the city has too few closed cases.
func (db *DB) TrainSuggestionModels(ctx context.Context, actor *anju.Actor, city string) ([]ModelInfo, error) {
	if !actor.System && (actor.City != city || !actor.HasRoleAt(cityPath(city), anju.RoleAdmin)) {
		return nil, anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator may train the suggestion models")
	}
	rows, err := db.query(ctx, `SELECT id, title, body, category, department, region_path FROM cases
		WHERE city = ? AND state IN ('closed', 'rated') AND department IS NOT NULL ORDER BY id DESC LIMIT ?`, city, trainLimit)
	if err != nil {
		return nil, err
	}
	var train, test [2][]textai.Example
	n := 0
	for rows.Next() {
		var id int64
		var title, body, cat, dept, path string
		if err := rows.Scan(&id, &title, &body, &cat, &dept, &path); err != nil {
			rows.Close()
			return nil, err
		}
		n++
		part := &train
		if id%5 == 0 { // a split by id is the same on every run
			part = &test
		}
		part[0] = append(part[0], textai.Example{Title: title, Detail: body, Label: cat})
		part[1] = append(part[1], textai.Example{Title: title, Detail: body + placeTokens(path), Label: dept})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n < minExamples || len(test[0]) == 0 {
		return nil, anju.Errorf(anju.EINVALID, "city %s has %d closed cases; at least %d are needed to learn from", city, n, minExamples)
	}
	var out []ModelInfo
	for i, kind := range []string{ModelCategory, ModelDepartment} {
		start := time.Now()
		c, err := textai.TrainContext(ctx, train[i], textai.DefaultTrainOptions())
		if err != nil {
			return nil, fmt.Errorf("train %s model: %w", kind, err)
		}
		ev := c.Evaluate(test[i])
		ev.Method, ev.Date, ev.TrainingSize, ev.TrainSeconds = "holdout", db.clock.Now().UTC(), len(train[i]), time.Since(start).Seconds()
		c.SetEvaluation(&ev)
		var buf bytes.Buffer
		if err := c.Save(&buf); err != nil {
			return nil, err
		}
		evJSON, _ := json.Marshal(ev)
		info := ModelInfo{City: city, Kind: kind, CreatedAt: db.clock.Now().UTC(), Examples: n, Evaluation: &ev}
		err = db.inTx(ctx, func(tx *Tx) error {
			if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM classifier_models WHERE city = ? AND kind = ?`,
				city, kind).Scan(&info.Version); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO classifier_models (city, kind, version, created_at, examples, evaluation, model)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, city, kind, info.Version, micros(info.CreatedAt), n, string(evJSON), buf.Bytes()); err != nil {
				return err
			}
			if err := tx.noteChange(ctx, city, changeModels); err != nil {
				return err
			}
			return tx.appendAudit(ctx, actor, audit.Record{City: city, Action: "model.train", Object: "model:" + kind,
				Detail: map[string]any{"version": info.Version, "examples": n, "macro_f1": ev.MacroF1, "accuracy": ev.Accuracy}})
		})
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	db.models.drop(city)
	return out, nil
}

// placeTokens appends the case's district and street to the text the
// department model reads, as ASCII tokens the classifier's features keep
// whole: which office handles a matter depends on where it is (属地), which
// the words alone cannot say.
func placeTokens(path string) string {
	codes := splitPath(path)
	out := ""
	for i, c := range codes {
		if i == 1 || i == 2 { // district, street
			out += " loc" + c
		}
	}
	return out
}

// SuggestionModels lists a city's stored models, newest first.
func (db *DB) SuggestionModels(ctx context.Context, actor *anju.Actor) ([]ModelInfo, error) {
	rows, err := db.query(ctx, `SELECT kind, version, created_at, examples, evaluation FROM classifier_models
		WHERE city = ? ORDER BY version DESC, kind`, actor.City)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ModelInfo{}
	for rows.Next() {
		m := ModelInfo{City: actor.City}
		var at int64
		var ev string
		if err := rows.Scan(&m.Kind, &m.Version, &at, &m.Examples, &ev); err != nil {
			return nil, err
		}
		m.CreatedAt = fromMicros(at)
		m.Evaluation = &textai.Evaluation{}
		json.Unmarshal([]byte(ev), m.Evaluation)
		out = append(out, m)
	}
	return out, rows.Err()
}

// cityModels are a city's latest loaded models.
type cityModels struct {
	category, department *textai.Classifier
	versions             []int
	createdAt            time.Time
}

func (db *DB) latestModels(ctx context.Context, city string) (*cityModels, error) {
	return db.models.get(city, func() (*cityModels, error) {
		m := &cityModels{}
		for _, kind := range []string{ModelCategory, ModelDepartment} {
			var blob []byte
			var version int
			var at int64
			err := db.queryRow(ctx, `SELECT version, created_at, model FROM classifier_models WHERE city = ? AND kind = ?
				ORDER BY version DESC LIMIT 1`, city, kind).Scan(&version, &at, &blob)
			if err == sql.ErrNoRows {
				return m, nil
			}
			if err != nil {
				return nil, err
			}
			c, err := textai.Load(bytes.NewReader(blob))
			if err != nil {
				return nil, fmt.Errorf("%s model %d: %w", kind, version, err)
			}
			if kind == ModelCategory {
				m.category = c
			} else {
				m.department = c
			}
			m.versions = append(m.versions, version)
			m.createdAt = fromMicros(at)
		}
		return m, nil
	})
}

// Suggest returns the three most likely categories and departments for a
// report's text in the actor's city, the departments for the place given by
// grid (a grid code, or "" when not yet known); empty lists before any model
// exists.
func (db *DB) Suggest(ctx context.Context, actor *anju.Actor, title, text, grid string) (Suggestions, error) {
	s := Suggestions{Categories: []Suggested{}, Departments: []Suggested{}}
	if title == "" && text == "" {
		return s, anju.FieldError("text", "text is required")
	}
	m, err := db.latestModels(ctx, actor.City)
	if err != nil || m.category == nil || m.department == nil {
		return s, err
	}
	s.Models = m.versions
	for _, p := range m.category.Predict(title, text, 3) {
		s.Categories = append(s.Categories, Suggested{Code: p.Label, Name: db.categoryName(ctx, actor.City, p.Label), Probability: round3(p.Probability)})
	}
	sys := anju.SystemActor("suggest")
	where := ""
	if grid != "" {
		if r, ok := db.gridRecord(ctx, actor.City, grid); ok {
			where = placeTokens(r.Path)
		}
	}
	for _, p := range m.department.Predict(title, text+where, 3) {
		name := ""
		if d, err := db.GetDepartment(ctx, sys, p.Label); err == nil {
			name = d.Name
		}
		s.Departments = append(s.Departments, Suggested{Code: p.Label, Name: name, Probability: round3(p.Probability)})
	}
	return s, nil
}

// untrainedRetry is how long RetrainDue leaves a city it found with too few
// closed cases before looking again. Finding that out reads the city's
// cases newest first until trainLimit qualify, which for such a city is all
// of them; the scheduler asks every few seconds.
const untrainedRetry = time.Hour

// RetrainDue retrains every city whose models are older than every, or that
// has none yet and enough closed cases (looked for at most once every
// untrainedRetry). The scheduler calls it; with several servers a city may
// get two versions in one round, which is harmless. A city that fails
// leaves the others retrained, its error a *CityError among those returned.
func (db *DB) RetrainDue(ctx context.Context, every time.Duration) (int, error) {
	cities, err := db.AllCities(ctx)
	if err != nil {
		return 0, err
	}
	trained := 0
	err = forCities(ctx, cities, func(city string) error {
		var at sql.NullInt64
		if err := db.queryRow(ctx, `SELECT MAX(created_at) FROM classifier_models WHERE city = ?`, city).Scan(&at); err != nil {
			return err
		}
		if at.Valid && db.clock.Now().Sub(fromMicros(at.Int64)) < every {
			return nil
		}
		if tried, ok := db.untrained.Load(city); ok && db.clock.Now().Sub(tried.(time.Time)) < min(every, untrainedRetry) {
			return nil
		}
		if _, err := db.TrainSuggestionModels(ctx, anju.SystemActor("scheduler"), city); err != nil {
			if anju.ErrorCode(err) == anju.EINVALID {
				db.untrained.Store(city, db.clock.Now()) // not enough closed cases yet
				return nil
			}
			return err
		}
		trained++
		return nil
	})
	return trained, err
}
