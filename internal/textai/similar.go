package textai

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Near-duplicate reports.
//
// Two reports are likely the same problem when they say the same thing, about
// the same place, at about the same time. Each of the three gets a score in
// [0,1] and the scores are combined as a weighted geometric mean,
//
//	Score = Text^0.6 · Place^0.25 · Time^0.15
//
// A geometric mean rather than a sum because each factor must be able to
// veto: the same words 5 km apart are two broken lights, not one, and two
// different problems at one door are two cases. With a weighted sum the
// place and time alone would carry two unrelated reports from the same
// building over any useful threshold. Text weighs most because it is the
// only evidence of what the problem is; place next; time least, because a
// broken street light stays broken and is reported again a week later.
//
//   - Text is the cosine of the reports' problem vectors (similar_text.go:
//     character unigrams and bigrams, place names cut out), weighted by IDF
//     inside a SimilarityIndex and unweighted in CompareReports.
//   - Place is 1/(1+(d/300 m)²) from the great-circle distance d when both
//     reports have coordinates: 0.8 at 150 m, 0.5 at 300 m, 0.08 at 1 km — a
//     noisy site is heard and reported from a few hundred metres. Without
//     coordinates, the same grid scores 1 and different grids 0.2 (grids are
//     a few hundred metres across, so neighbours may still be the same
//     place); without grids either, the place named in the text is used (same
//     name 0.9, different names 0.01: two named estates or roads are two
//     places, and the same words there are two problems), and when nothing is known the score
//     is a neutral 0.5.
//   - Time is exp(−h/336) for h hours apart: 0.93 a day apart, 0.37 two
//     weeks apart.
//
// DuplicateThreshold was chosen on the hand-made pairs of similar_test.go
// (the only labelled duplicates we have, so the figures there are
// optimistic): the lowest true pair scored 0.378 and the highest negative
// 0.354, and 0.37 sits between them, nearer the negatives because a missed
// duplicate costs a second case while a false merge loses a report.

// Weights of the combined score, exponents of a weighted geometric mean.
const (
	SimilarityTextWeight  = 0.6
	SimilarityPlaceWeight = 0.25
	SimilarityTimeWeight  = 0.15
)

// DuplicateThreshold is the combined score at and above which two reports
// are considered the same problem.
const DuplicateThreshold = 0.37

const (
	placeHalfDistanceM = 300.0
	timeScaleHours     = 336.0
	placeUnknown       = 0.5
	placeSameGrid      = 1.0
	placeOtherGrid     = 0.2
	placeSameName      = 0.9
	placeOtherName     = 0.01
)

// Report is an open report as the duplicate index sees it. Lat and Lon are
// WGS-84 degrees, used only when HasLocation is set; Grid is the grid code,
// if known.
type Report struct {
	ID          int64
	Title, Text string
	Lat, Lon    float64
	HasLocation bool
	Grid        string
	At          time.Time
}

// Match is the comparison of a report with another one, identified by ID.
// DistanceM is −1 when either report lacks coordinates.
type Match struct {
	ID         int64
	Score      float64
	TextScore  float64
	PlaceScore float64
	TimeScore  float64
	DistanceM  float64
	HoursApart float64
}

// Duplicate reports whether the match reaches DuplicateThreshold.
func (m Match) Duplicate() bool { return m.Score >= DuplicateThreshold }

// simDoc is a report reduced to what scoring needs.
type simDoc struct {
	id       int64
	vec      termVec
	lat, lon float64
	hasLoc   bool
	grid     string
	place    string // key of the place named in the text, if any
	at       time.Time
	norm     float32 // IDF-weighted norm when added, for candidate ranking
	dead     bool
}

func prepareReport(s *termScratch, r Report) simDoc {
	tp := findPlaces(r.Title, false)
	xp := findPlaces(r.Text, false)
	best, _ := primaryPlace(r.Title, r.Text, false)
	d := simDoc{
		id: r.ID, lat: r.Lat, lon: r.Lon, hasLoc: r.HasLocation, grid: r.Grid, at: r.At,
		vec: s.problemVec(r.Title, r.Text, tp, xp),
	}
	if best.Kind >= placeRoad {
		d.place = best.Key
	}
	return d
}

// CompareReports scores two reports without corpus statistics (every term
// weighs the same). A SimilarityIndex scores better, with IDF weights from
// the reports it holds.
func CompareReports(a, b Report) Match {
	var s termScratch
	da, db := prepareReport(&s, a), prepareReport(&s, b)
	return combine(da, db, weightedCosine(da.vec, db.vec, nil))
}

// combine fills a Match for b seen from a, given their text score.
func combine(a, b simDoc, text float64) Match {
	m := Match{ID: b.id, TextScore: text, DistanceM: -1}
	switch {
	case a.hasLoc && b.hasLoc:
		m.DistanceM = HaversineM(a.lat, a.lon, b.lat, b.lon)
		q := m.DistanceM / placeHalfDistanceM
		m.PlaceScore = 1 / (1 + q*q)
	case a.grid != "" && b.grid != "":
		m.PlaceScore = placeOtherGrid
		if a.grid == b.grid {
			m.PlaceScore = placeSameGrid
		}
	case a.place != "" && b.place != "":
		m.PlaceScore = placeOtherName
		if a.place == b.place {
			m.PlaceScore = placeSameName
		}
	default:
		m.PlaceScore = placeUnknown
	}
	m.HoursApart = math.Abs(a.at.Sub(b.at).Hours())
	m.TimeScore = math.Exp(-m.HoursApart / timeScaleHours)
	if text > 0 && m.PlaceScore > 0 {
		m.Score = math.Exp(SimilarityTextWeight*math.Log(text) +
			SimilarityPlaceWeight*math.Log(m.PlaceScore) +
			SimilarityTimeWeight*math.Log(m.TimeScore))
	}
	return m
}

// HaversineM is the great-circle distance in metres between two points
// given in degrees.
func HaversineM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371008.8
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// SimilarityIndex finds the reports most likely to duplicate a new one among
// many open reports. It keeps an inverted index from character bigrams (and
// ASCII words) to reports: a query walks only the posting lists of its own
// bigrams, skipping bigrams so common that they say nothing (in more than a
// tenth of the reports, which also bounds the work), accumulates an
// IDF-weighted overlap, ranks the reports it reached by a cheap combined
// score (overlap, distance, time), and scores exactly only the best few
// dozen. Unigrams take part in the exact score but not in the search:
// their posting lists are long and a duplicate always shares bigrams.
//
// Posting lists are kept per square of the map (cellM on a side): a report
// farther than farM from the query cannot score as the same problem, so a
// query with a place walks only the lists of its own square and the eight
// around it, plus those of reports without a place. The work of a query then
// grows with the open reports near it rather than with the whole city's:
// BenchmarkSimilarityQuery, 100,000 open reports over 110 km, went from
// 399 to 215 µs a query (in the demo city, 40 km across, intake throughput
// did not change measurably).
// It is safe for concurrent use.
type SimilarityIndex struct {
	mu       sync.RWMutex
	docs     []simDoc
	slot     map[int64]int32
	postings map[cellTerm][]posting
	cells    map[cell]bool // squares that ever held a report
	df       map[uint64]int32
	live     int
	scratch  sync.Pool // *queryScratch
}

// farM is the distance beyond which two reports cannot score as the same
// problem: at 5 km the place factor alone caps the score near 0.25.
const farM = 5000.0

// cellM is the side of a square of the posting lists, a little over farM so
// that two reports within farM of each other always lie in the same or
// adjacent squares despite the flat projection.
const cellM = farM * 1.01

// cell is a square of the map; noPlace holds the reports without a place.
type cell struct{ x, y int32 }

var noPlace = cell{math.MinInt32, math.MinInt32}

type cellTerm struct {
	c   cell
	key uint64
}

// cellOf projects a place onto the squares: latitude in metres north,
// longitude in metres east at the equator's scale times the cosine of the
// latitude, which over a city's extent differs from the true distance by
// far less than the margin in cellM.
func cellOf(d *simDoc) cell {
	if !d.hasLoc {
		return noPlace
	}
	y := d.lat * 111195
	x := d.lon * 111195 * math.Cos(d.lat*math.Pi/180)
	return cell{int32(math.Floor(x / cellM)), int32(math.Floor(y / cellM))}
}

type posting struct {
	slot int32
	w    float32
}

type queryScratch struct {
	acc     []float32
	touched []int32
	cells   []cell
	terms   termScratch
	idf     map[uint64]float32 // IDF weights computed during one query
}

// NewSimilarityIndex returns an empty index.
func NewSimilarityIndex() *SimilarityIndex {
	return &SimilarityIndex{slot: map[int64]int32{}, postings: map[cellTerm][]posting{}, cells: map[cell]bool{}, df: map[uint64]int32{}}
}

// Len returns the number of reports in the index.
func (ix *SimilarityIndex) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Add adds a report, replacing any report with the same ID.
func (ix *SimilarityIndex) Add(r Report) {
	var s termScratch
	d := prepareReport(&s, r)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(r.ID)
	slot := int32(len(ix.docs))
	c := cellOf(&d)
	ix.cells[c] = true
	for i, k := range d.vec.keys {
		ix.df[k]++
		if k&3 != 1 {
			ct := cellTerm{c, k}
			ix.postings[ct] = append(ix.postings[ct], posting{slot, d.vec.val[i]})
		}
	}
	ix.live++
	var nn float64
	for i, k := range d.vec.keys {
		x := float64(d.vec.val[i] * ix.idfLocked(k))
		nn += x * x
	}
	d.norm = float32(math.Sqrt(nn))
	ix.docs = append(ix.docs, d)
	ix.slot[r.ID] = slot
}

// Remove removes the report with the given ID (closed or merged) and
// reports whether it was there. Its postings are dropped lazily.
func (ix *SimilarityIndex) Remove(id int64) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.removeLocked(id)
}

func (ix *SimilarityIndex) removeLocked(id int64) bool {
	s, ok := ix.slot[id]
	if !ok {
		return false
	}
	d := &ix.docs[s]
	for _, k := range d.vec.keys {
		if ix.df[k]--; ix.df[k] <= 0 {
			delete(ix.df, k)
		}
	}
	d.dead = true
	d.vec = termVec{}
	delete(ix.slot, id)
	ix.live--
	return true
}

// idfLocked is the smoothed inverse document frequency of a term.
func (ix *SimilarityIndex) idfLocked(k uint64) float32 {
	return float32(math.Log(1 + float64(ix.live+1)/float64(ix.df[k]+1)))
}

// Compare scores two reports with the index's IDF weights; neither needs
// to be in the index.
func (ix *SimilarityIndex) Compare(a, b Report) Match {
	var s termScratch
	da, db := prepareReport(&s, a), prepareReport(&s, b)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return combine(da, db, weightedCosine(da.vec, db.vec, ix.idfLocked))
}

// Query returns up to k reports of the index most likely to be the same
// problem as r, best first, excluding r's own ID. Matches below
// DuplicateThreshold are included (callers show them as "possibly related");
// use Match.Duplicate to decide.
func (ix *SimilarityIndex) Query(r Report, k int) []Match {
	if k <= 0 {
		return nil
	}
	qs, _ := ix.scratch.Get().(*queryScratch)
	if qs == nil {
		qs = &queryScratch{}
	}
	defer ix.scratch.Put(qs)
	q := prepareReport(&qs.terms, r)

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(qs.acc) < len(ix.docs) {
		qs.acc = make([]float32, len(ix.docs)+len(ix.docs)/4)
	}
	acc, touched := qs.acc, qs.touched[:0]
	// The squares to walk: the query's own and the eight around it, and
	// the reports without a place; a query without a place walks all.
	near := qs.cells[:0]
	if q.hasLoc {
		c := cellOf(&q)
		for dy := int32(-1); dy <= 1; dy++ {
			for dx := int32(-1); dx <= 1; dx++ {
				if n := (cell{c.x + dx, c.y + dy}); ix.cells[n] {
					near = append(near, n)
				}
			}
		}
		if ix.cells[noPlace] {
			near = append(near, noPlace)
		}
	} else {
		for c := range ix.cells {
			near = append(near, c)
		}
	}
	qs.cells = near
	maxPostings := int32(max(1000, ix.live/10))
	for i, key := range q.vec.keys {
		if key&3 == 1 {
			continue
		}
		if df := ix.df[key]; df == 0 || df > maxPostings {
			continue
		}
		idf := ix.idfLocked(key)
		w := q.vec.val[i] * idf * idf
		for _, c := range near {
			for _, p := range ix.postings[cellTerm{c, key}] {
				if acc[p.slot] == 0 {
					touched = append(touched, p.slot)
				}
				acc[p.slot] += w * p.w
			}
		}
	}
	type cand struct {
		slot int32
		s    float32
	}
	var qn float64
	for i, key := range q.vec.keys {
		x := float64(q.vec.val[i] * ix.idfLocked(key))
		qn += x * x
	}
	qn = math.Sqrt(qn)
	cands := make([]cand, 0, len(touched))
	// Reports in the squares walked but farther than farM are dropped on a
	// flat-earth distance before the exact scoring.
	mPerDegLon := 111195 * math.Cos(q.lat*math.Pi/180)
	for _, s := range touched {
		d := &ix.docs[s]
		if q.hasLoc && d.hasLoc {
			dy, dx := (d.lat-q.lat)*111195, (d.lon-q.lon)*mPerDegLon
			if dx*dx+dy*dy > farM*farM {
				acc[s] = 0
				continue
			}
		}
		if !d.dead && d.id != r.ID && d.norm > 0 && qn > 0 {
			// A cheap combined score from the bigram overlap: it ranks
			// the candidates with their place and time, so that a report
			// next door in other words is not crowded out by the same
			// words across the city.
			approx := math.Min(1, float64(acc[s])/(float64(d.norm)*qn))
			cands = append(cands, cand{s, float32(combine(q, *d, approx).Score)})
		}
		acc[s] = 0
	}
	qs.touched = touched[:0]
	limit := max(4*k, 24)
	if len(cands) > limit {
		slices.SortFunc(cands, func(a, b cand) int {
			if a.s != b.s {
				if a.s > b.s {
					return -1
				}
				return 1
			}
			return int(a.slot - b.slot)
		})
		cands = cands[:limit]
	}
	out := make([]Match, 0, len(cands))
	// The candidates share many terms; a logarithm per term per candidate
	// was a twentieth of intake's CPU, so each term's weight is computed once.
	if qs.idf == nil {
		qs.idf = map[uint64]float32{}
	}
	clear(qs.idf)
	idf := func(k uint64) float32 {
		if v, ok := qs.idf[k]; ok {
			return v
		}
		v := ix.idfLocked(k)
		qs.idf[k] = v
		return v
	}
	for _, c := range cands {
		d := ix.docs[c.slot]
		out = append(out, combine(q, d, weightedCosine(q.vec, d.vec, idf)))
	}
	slices.SortFunc(out, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}
