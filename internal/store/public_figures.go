package store

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/region"
)

// The city's figures for everyone (GET /figures): a narrow path beside
// CaseFigures that takes no actor, only a city and a calendar month, and
// answers only over public cases — the cases the portal's public list may
// show (publicCaseSQL: a request, filed under a category the city made
// public, neither rejected nor merged). Petitions, disputes, hazards and
// private categories never count; rejected reports are left out too, since
// their category was never vetted and their text may be anything.
//
// Nobody may be singled out, so no figure over fewer than
// PublicFigureMinimum cases is given, and neither is anything from which
// one could be worked out:
//   - A figure whose population (the count for received, the denominator
//     for a share, the cases timed for a time) is under the minimum is
//     withheld as "fewer than": its value does not leave the store.
//   - Complementary suppression. The districts, like the category groups,
//     partition the city's public cases, so the city's count (or a share's
//     numerator and denominator) less the parts shown is the sum of the
//     parts withheld. While that sum is under the minimum, the smallest
//     part still shown is withheld as well; what can be derived is then a
//     figure over at least the minimum, never one part's value. The city
//     total is always kept (when it is itself over the minimum), so the
//     two splits do not leave a second way to derive a cell. Medians do
//     not add up and need no complement.
//   - Time. Only whole calendar months that have ended can be asked for,
//     so two periods never overlap and one cannot be subtracted from
//     another, and a month's received count does not move while it is
//     watched.
//   - Cost. The answer is cached per city and month for
//     PublicFigureTTL; requests in between, and requests arriving while it
//     is counted, share one recount. Months go back at most
//     PublicFigureMonths, so the cache holds a bounded number of entries.

// PublicFigureMinimum is the smallest population a public figure stands on.
const PublicFigureMinimum = 10

// PublicFigureTTL is how long a public answer is reused before a recount.
const PublicFigureTTL = 10 * time.Minute

// PublicFigureMonths is how many months back the public figures reach.
const PublicFigureMonths = 36

// PublicFigureKeys are the figures the public page shows, in its order.
var PublicFigureKeys = []figures.Key{figures.Received, figures.OnTimeResponse, figures.OnTimeResolution,
	figures.ResolutionRate, figures.Satisfaction, figures.TimeToCloseMedian}

// Withheld says why a public figure is not given.
type Withheld string

const (
	// WithheldFewer: the figure stands on fewer than PublicFigureMinimum cases.
	WithheldFewer Withheld = "fewer"
	// WithheldComplement: the figure would let a smaller one be derived.
	WithheldComplement Withheld = "complement"
)

// PublicFigure is one public figure: its value, or why there is none (then
// Value is zero).
type PublicFigure struct {
	Value    figures.Value
	Withheld Withheld
}

// PublicFigureRow is the public figures of one part of the city (or of the
// whole city): a district or a category group.
type PublicFigureRow struct {
	Code, Name, NameEn string
	Figures            map[figures.Key]PublicFigure
}

// PublicFigureSet is a city's public figures for a month.
type PublicFigureSet struct {
	City       string
	Period     figures.Period
	At         time.Time // when they were counted
	Whole      PublicFigureRow
	Districts  []PublicFigureRow
	Categories []PublicFigureRow
}

// PublicMonth is the month a public period covers: p must be one whole
// calendar month (China Standard Time) that has ended by now, at most
// PublicFigureMonths back. It returns the month's first day, or EINVALID
// naming "from" or "to".
func PublicMonth(p figures.Period, now time.Time) (time.Time, error) {
	from := p.From.In(httpx.ChinaTime)
	if from.Day() != 1 || !from.Equal(time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, httpx.ChinaTime)) {
		return time.Time{}, anju.FieldError("from", "a public period starts on the first day of a month")
	}
	if !p.To.Equal(from.AddDate(0, 1, 0)) {
		return time.Time{}, anju.FieldError("to", "a public period is one whole month: it ends on the month's last day")
	}
	n := now.In(httpx.ChinaTime)
	this := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, httpx.ChinaTime)
	if p.To.After(this) {
		return time.Time{}, anju.FieldError("to", "a month's public figures are given once it has ended")
	}
	if from.Before(this.AddDate(0, -PublicFigureMonths, 0)) {
		return time.Time{}, anju.FieldError("from", "public figures reach back %d months", PublicFigureMonths)
	}
	return from, nil
}

// LastFullMonth is the calendar month (China Standard Time) before now's.
func LastFullMonth(now time.Time) figures.Period {
	n := now.In(httpx.ChinaTime)
	this := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, httpx.ChinaTime)
	return figures.Period{From: this.AddDate(0, -1, 0), To: this}
}

// publicFigureCache holds the public answers per city and month.
type publicFigureCache struct {
	mu       sync.Mutex
	entries  map[string]*publicFigureEntry
	recounts atomic.Int64
}

type publicFigureEntry struct {
	done  chan struct{} // closed once value and err are set
	value *PublicFigureSet
	err   error
	at    time.Time
}

func newPublicFigureCache() *publicFigureCache {
	return &publicFigureCache{entries: map[string]*publicFigureEntry{}}
}

// get returns the entry for key, counting it with load when there is none
// or it is older than PublicFigureTTL; callers arriving during a count wait
// for it. Errors are not kept.
func (c *publicFigureCache) get(key string, now time.Time, load func() (*PublicFigureSet, error)) (*PublicFigureSet, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		select {
		case <-e.done:
			if now.Sub(e.at) < PublicFigureTTL && e.err == nil {
				c.mu.Unlock()
				return e.value, nil
			}
		default:
			c.mu.Unlock()
			<-e.done
			return e.value, e.err
		}
	}
	for k, e := range c.entries { // expired entries go before they pile up
		select {
		case <-e.done:
			if now.Sub(e.at) >= PublicFigureTTL {
				delete(c.entries, k)
			}
		default:
		}
	}
	e := &publicFigureEntry{done: make(chan struct{}), at: now}
	c.entries[key] = e
	c.mu.Unlock()
	c.recounts.Add(1)
	e.value, e.err = load()
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	close(e.done)
	return e.value, e.err
}

// PublicFigures returns the public figures of city for the month starting
// at month (see PublicMonth), for the whole city, each district and each
// category group holding a public category, withheld as the rules above
// say. It needs no actor: it reads only public cases. EINVALID for a month
// PublicMonth refuses.
func (db *DB) PublicFigures(ctx context.Context, city string, month time.Time) (*PublicFigureSet, error) {
	now := db.clock.Now()
	p := figures.Period{From: month, To: month.In(httpx.ChinaTime).AddDate(0, 1, 0)}
	if _, err := PublicMonth(p, now); err != nil {
		return nil, err
	}
	key := city + "|" + month.In(httpx.ChinaTime).Format("2006-01")
	return db.publicFigures.get(key, now, func() (*PublicFigureSet, error) {
		// The count must not be cut short by the first caller leaving:
		// others wait on it.
		return db.countPublicFigures(context.WithoutCancel(ctx), city, p)
	})
}

func (db *DB) countPublicFigures(ctx context.Context, city string, p figures.Period) (*PublicFigureSet, error) {
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return nil, err
	}
	publicCodes := tree.PublicCodes()
	public, args := publicCaseSQL(publicCodes)
	where := `c.city = ? AND c.created_at >= ? AND c.created_at < ? AND ` + public
	args = append([]any{city, micros(p.From), micros(p.To)}, args...)
	const from = " FROM cases c"
	cs, dims, reopened, err := db.figureFacts(ctx, db, from, where, args)
	if err != nil {
		return nil, err
	}
	if err := db.figureEvents(ctx, db, from, where, args, cs, reopened); err != nil {
		return nil, err
	}
	now := db.clock.Now()
	out := &PublicFigureSet{City: city, Period: p, At: now}

	// Every district and every public group is listed, those without a
	// case too: leaving them out would say they have none.
	districts, err := db.listRegions(ctx, `city = ? AND level = ?`, []any{city, string(region.LevelDistrict)}, false)
	if err != nil {
		return nil, err
	}
	byDistrict := map[string][]figures.Case{}
	byGroup := map[string][]figures.Case{}
	for i := range cs {
		if codes := splitPath(dims[i].path); len(codes) > 1 {
			byDistrict[codes[1]] = append(byDistrict[codes[1]], cs[i])
		}
		if len(dims[i].category) >= 2 {
			byGroup[dims[i].category[:2]] = append(byGroup[dims[i].category[:2]], cs[i])
		}
	}
	compute := func(part []figures.Case) map[figures.Key]figures.Value {
		all := figures.Compute(part, p, now)
		kept := make(map[figures.Key]figures.Value, len(PublicFigureKeys))
		for _, k := range PublicFigureKeys {
			kept[k] = all[k]
		}
		return kept
	}
	total := compute(cs)
	var dvals, gvals []map[figures.Key]figures.Value
	for _, d := range districts {
		out.Districts = append(out.Districts, PublicFigureRow{Code: d.Code, Name: d.Name})
		dvals = append(dvals, compute(byDistrict[d.Code]))
	}
	for _, g := range tree.Roots() {
		if !slices.ContainsFunc(publicCodes, func(code string) bool { return len(code) >= 2 && code[:2] == g.Code }) {
			continue
		}
		out.Categories = append(out.Categories, PublicFigureRow{Code: g.Code, Name: g.Name, NameEn: g.NameEn})
		gvals = append(gvals, compute(byGroup[g.Code]))
	}
	out.Whole = PublicFigureRow{Code: city, Figures: map[figures.Key]PublicFigure{}}
	if r, err := db.listRegions(ctx, `code = ?`, []any{city}, false); err == nil && len(r) == 1 {
		out.Whole.Name = r[0].Name
	}
	for _, k := range PublicFigureKeys {
		out.Whole.Figures[k] = withhold(total[k], populationOf(total[k]) < PublicFigureMinimum)
	}
	splitPublic(out.Whole, out.Districts, dvals)
	splitPublic(out.Whole, out.Categories, gvals)
	return out, nil
}

// populationOf is how many cases a figure stands on.
func populationOf(v figures.Value) int {
	if v.Unit == figures.UnitCount {
		return v.Count
	}
	return v.Of
}

func withhold(v figures.Value, fewer bool) PublicFigure {
	if fewer {
		return PublicFigure{Withheld: WithheldFewer}
	}
	return PublicFigure{Value: v}
}

// splitPublic fills the rows of one partition of the city's public cases
// from their values, withholding the parts under the minimum and, for the
// figures that add up, their complements (see the top of this file).
func splitPublic(city PublicFigureRow, rows []PublicFigureRow, vals []map[figures.Key]figures.Value) {
	for i := range rows {
		rows[i].Figures = map[figures.Key]PublicFigure{}
	}
	for _, k := range PublicFigureKeys {
		hidden, hiddenSum := make([]bool, len(rows)), 0
		for i := range rows {
			if n := populationOf(vals[i][k]); n < PublicFigureMinimum {
				hidden[i], hiddenSum = true, hiddenSum+n
			}
		}
		complement := make([]bool, len(rows))
		adds := k != figures.TimeToCloseMedian
		if adds && city.Figures[k].Withheld == "" && slices.Contains(hidden, true) {
			for hiddenSum < PublicFigureMinimum {
				next := -1
				for i := range rows {
					if !hidden[i] && (next < 0 || populationOf(vals[i][k]) < populationOf(vals[next][k])) {
						next = i
					}
				}
				if next < 0 {
					break // every part withheld: they add up to the city's total, itself over the minimum
				}
				hidden[next], complement[next] = true, true
				hiddenSum += populationOf(vals[next][k])
			}
		}
		for i := range rows {
			switch {
			case complement[i]:
				rows[i].Figures[k] = PublicFigure{Withheld: WithheldComplement}
			default:
				rows[i].Figures[k] = withhold(vals[i][k], hidden[i])
			}
		}
	}
}

// PublicFigureRecounts is how many times the public figures were counted
// since the store was opened: the cache's work, for tests and metrics.
func (db *DB) PublicFigureRecounts() int64 { return db.publicFigures.recounts.Load() }
