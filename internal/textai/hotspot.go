package textai

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Hotspots (热点问题): reports about the same problem at the same place,
// or of the same class of people across places, over a period, grouped,
// named and ranked.
//
// The method, in four steps:
//
//  1. Place. Each report gets a place key: the Place it came with (a grid
//     code, say), else the most specific place named in its title or the
//     opening of its text (hotspot_place.go). Keys are then reconciled over
//     the whole set: a key that ends with another key several reports use
//     becomes that key ("伊景园滨河苑" → "滨河苑"), and a report that named
//     only its district or nothing is searched for the estate names the
//     other reports established ("A5区魅力之城临街…" → "魅力之城").
//  2. Problem. Reports with a specific place (a town, road or site, or a
//     caller's Place) form one block per place key; all the others — a
//     city, a district or nothing named — form one topic block, where a
//     problem of a class of people (retired teachers, a fraud case's
//     victims) or a city-wide topic gathers. Within each block, reports are
//     taken in time order and join the open cluster whose centroid is most
//     similar to them (cosine of IDF-weighted character-bigram vectors,
//     place names cut out; the same features as the duplicate index), if
//     that similarity reaches MinSimilarity (TopicSimilarity in the topic
//     block, where the report must also share a rare title bigram with the
//     cluster's first report) and the cluster's latest report is within
//     Window (GroupWindow); otherwise they start a cluster (leader
//     clustering). Blocks are independent, so they run in parallel, and
//     within a block an inverted index from bigrams to clusters means a
//     report is compared only with clusters that share a bigram with it.
//  3. Merge. Clusters of one problem that the blocks kept apart are merged
//     (hotspot_group.go): a topic cluster with the place cluster of the same
//     problem, and clusters of one place split by the order of arrival.
//  4. Heat. Clusters with at least MinReports reports are ranked by the heat
//     index (see heat), and the top ones are named "place or group：problem"
//     (hotspot_name.go): the place as most of its reports write it, or the
//     class of people its titles name, then a run of whole words its
//     titles share.
//
// Reporters are an opaque key used only to count distinct reporters: the
// heat index rewards a problem many people raise over one person raising it
// often. Nothing about any reporter is kept, returned or ranked.

// HotspotReport is one message for hotspot discovery. User is an opaque
// reporter key, only counted. Place, if set, is a known place key (such as a
// grid code) that overrides the place found in the text.
type HotspotReport struct {
	ID              int64
	User            string
	Title, Text     string
	At              time.Time
	Likes, Dislikes int
	Place           string
}

// HotspotOptions tune Hotspots; zero values take the defaults.
type HotspotOptions struct {
	// Window is the longest gap between a cluster's latest report and the
	// next one to join it (default 720h, 30 days): a problem raised again
	// after a month of silence is a new episode.
	Window time.Duration
	// MinSimilarity is the cosine between a report and a cluster's centroid
	// needed to join it (default 0.15). The bar is low because the place
	// is already shared: within one place block, reports of one problem
	// in other words score 0.15–0.6 against its centroid, different
	// problems mostly below 0.1.
	MinSimilarity float64
	// TopicSimilarity is MinSimilarity for reports that name no place more
	// specific than a district (default 0.25): they are clustered by what
	// they say alone, across the city.
	TopicSimilarity float64
	// GroupWindow is Window for those reports and for joining a place
	// cluster to a topic cluster (default 4×Window): a policy, a fraud case
	// or an unpaid wage affecting a class of people is raised again months
	// apart.
	GroupWindow time.Duration
	// MergeSimilarity is the cosine between two clusters' centroids at
	// which they are one problem (default 0.3): a topic cluster and a place
	// cluster, or two clusters of one place that leader clustering split.
	MergeSimilarity float64
	// MinReports is the smallest cluster reported (default 2).
	MinReports int
	// Top, if positive, returns only the Top hottest clusters (naming them
	// is the slow part).
	Top int
	// Now is the reference time of the recency term (default: the latest
	// report).
	Now time.Time
	// Workers is the number of goroutines (default GOMAXPROCS).
	Workers int

	anchored bool // clustering the topic block (see titleAnchors)
}

func (o HotspotOptions) withDefaults() HotspotOptions {
	if o.Window <= 0 {
		o.Window = 720 * time.Hour
	}
	if o.MinSimilarity <= 0 {
		o.MinSimilarity = 0.15
	}
	if o.MinReports <= 0 {
		o.MinReports = 2
	}
	if o.TopicSimilarity <= 0 {
		o.TopicSimilarity = max(o.MinSimilarity, 0.25)
	}
	if o.GroupWindow <= 0 {
		o.GroupWindow = 4 * o.Window
	}
	if o.MergeSimilarity <= 0 {
		o.MergeSimilarity = max(o.MinSimilarity, 0.25)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// Hotspot is one problem at one place: its reports, their count of distinct
// reporters, votes, time span and heat index.
type Hotspot struct {
	Name     string   // place or group, and problem, e.g. "A市A5区魅力之城小区：临街餐饮油烟扰民"
	Basis    string   // BasisPlace or BasisGroup: what holds the reports together
	Place    string   // the place as its reports write it ("A市" for a city-wide topic)
	Group    string   // the people affected, for BasisGroup when the reports name them ("退休教师")
	Problem  string   // the problem in words of the titles ("临街餐饮油烟扰民")
	PlaceKey string   // the key the reports were grouped by ("" for BasisGroup)
	Keywords []string // distinctive problem words, most distinctive first
	Reports  []int64  // report IDs in time order
	Users    int      // distinct reporters
	Likes    int
	Dislikes int
	From, To time.Time
	Heat     float64
}

// Bases of a hotspot.
const (
	BasisPlace = "place" // one problem at one place
	BasisGroup = "group" // one problem of a class of people or a topic, across places
)

// Weights of the heat index.
const (
	heatReports   = 1.0
	heatUsers     = 1.5
	heatVotes     = 0.5
	heatRecency   = 1.0
	heatSpread    = 0.5
	heatHalfLifeD = 30.0
)

// heat is the heat index of a cluster:
//
//	heat = 1.0·ln(1+min(reports, 2·reporters)) + 1.5·ln(1+distinct reporters)
//	     + 0.5·ln(1+max(0, likes − dislikes/2))
//	     + 1.0·2^(−age/30 days) + 0.5·ln(1+days covered)
//
// Every count enters through a logarithm: the tenth report of a problem says
// less than the second, and one message with 2,000 likes must not outrank
// forty residents writing in on their own. Reports beyond two per reporter
// do not count: one resident posting thirty requests is one voice, not a
// hotspot (the board has such a writer). Distinct reporters weigh more
// than reports because many people raising a problem is better evidence
// that it is widespread than one person raising it many times. Likes are
// residents agreeing without writing, so they count, at a third of the
// weight of reporters; a dislike is disagreement rather than a refutation and
// cancels half a like. Recency (age of the latest report against the
// reference time, halving every 30 days) adds at most 1, so that among
// similar problems the current one ranks first without letting a fresh
// pair of messages beat an old problem many people raised. Spread, the days
// between the first and the last report, rewards a problem that persists,
// again on a log scale, so that a year-long problem gains ~3 rather than
// 180 times a one-day one.
func heat(reports, users, likes, dislikes int, from, to, now time.Time) float64 {
	votes := math.Max(0, float64(likes)-float64(dislikes)/2)
	ageD := math.Max(0, now.Sub(to).Hours()/24)
	spanD := math.Max(0, to.Sub(from).Hours()/24)
	return heatReports*math.Log1p(float64(min(reports, 2*users))) +
		heatUsers*math.Log1p(float64(users)) +
		heatVotes*math.Log1p(votes) +
		heatRecency*math.Exp2(-ageD/heatHalfLifeD) +
		heatSpread*math.Log1p(spanD)
}

// hsPlace is what place extraction found in one report.
type hsPlace struct {
	key      string // grouping key
	name     string // as written, e.g. 魅力之城小区
	district string // e.g. A5区
	city     string // e.g. A市
	kind     placeKind
}

// Hotspots groups reports into hotspots and returns those with at least
// opts.MinReports reports, hottest first. It is deterministic: the same
// reports and options give the same result whatever the number of workers.
func Hotspots(reports []HotspotReport, opts HotspotOptions) []Hotspot {
	opts = opts.withDefaults()
	if len(reports) == 0 {
		return nil
	}
	places, vecs, df := extractHotspotReports(reports, opts.Workers)
	reconcilePlaces(reports, places)

	// Blocks by place key, in order of first appearance. Reports that name
	// no place more specific than a district share the topic block.
	blockOf := map[string]int{}
	var blocks [][]int32
	var blockKeys []string
	for i := range reports {
		key := topicBlock
		if hasSpecificPlace(&reports[i], places[i]) {
			key = places[i].key
		}
		b, ok := blockOf[key]
		if !ok {
			b = len(blocks)
			blockOf[key] = b
			blocks = append(blocks, nil)
			blockKeys = append(blockKeys, key)
		}
		blocks[b] = append(blocks[b], int32(i))
	}
	idf := newIDF(df, len(reports))
	anchors := titleAnchors(reports, idf)

	// Cluster the blocks in parallel, biggest first so that one large block
	// does not finish last alone.
	order := make([]int, len(blocks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(blocks[b]) - len(blocks[a]) })
	clusters := make([][]*hsCluster, len(blocks))
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(order) {
					mu.Unlock()
					return
				}
				b := order[next]
				next++
				mu.Unlock()
				o := opts
				if blockKeys[b] == topicBlock {
					// Without a shared place only the words say two reports
					// are one problem, so they must say more; and a problem
					// of a class of people (a policy, a fraud case) lasts
					// months, not weeks.
					o.MinSimilarity, o.Window, o.anchored = opts.TopicSimilarity, opts.GroupWindow, true
				}
				clusters[b] = clusterBlock(reports, blocks[b], vecs, anchors, idf, o)
				for _, c := range clusters[b] {
					c.topic = blockKeys[b] == topicBlock
					c.key = blockKeys[b]
				}
			}
		}()
	}
	wg.Wait()
	var all []*hsCluster
	for b := range blocks {
		all = append(all, clusters[b]...)
	}
	merged, practices := gatherPractices(reports, mergeClusters(reports, places, all, anchors, opts))

	now := opts.Now
	if now.IsZero() {
		for _, r := range reports {
			if r.At.After(now) {
				now = r.At
			}
		}
	}
	var out []Hotspot
	var members [][]int32
	var practice []string
	for ci, c := range merged {
		if len(c) < opts.MinReports {
			continue
		}
		slices.SortStableFunc(c, func(a, b int32) int {
			return cmp.Or(reports[a].At.Compare(reports[b].At), cmp.Compare(a, b))
		})
		out = append(out, summarize(reports, c, now))
		members = append(members, c)
		practice = append(practice, practices[ci])
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		x, y := out[a], out[b]
		if c := cmp.Compare(y.Heat, x.Heat); c != 0 {
			return c
		}
		if c := cmp.Compare(len(y.Reports), len(x.Reports)); c != 0 {
			return c
		}
		return cmp.Compare(x.Reports[0], y.Reports[0])
	})
	if opts.Top > 0 && len(idx) > opts.Top {
		idx = idx[:opts.Top]
	}
	lex := learnGroupLexicon(reports)
	ranked := make([]Hotspot, len(idx))
	for i, j := range idx {
		ranked[i] = out[j]
		nameHotspot(&ranked[i], reports, places, members[j], practice[j], idf, lex)
	}
	return ranked
}

// topicBlock is the block key of reports without a specific place; no place
// key is empty, so it cannot collide.
const topicBlock = ""

// hasSpecificPlace reports whether a report is placed more precisely than
// its district: a caller-supplied place, or a town, road or site named in
// its words.
func hasSpecificPlace(r *HotspotReport, p hsPlace) bool {
	return r.Place != "" || (p.kind >= placeTown && p.key != "")
}

// extractHotspotReports finds every report's place and problem vector and
// counts the document frequency of terms, in parallel.
func extractHotspotReports(reports []HotspotReport, workers int) ([]hsPlace, []termVec, map[uint64]int32) {
	places := make([]hsPlace, len(reports))
	vecs := make([]termVec, len(reports))
	dfs := make([]map[uint64]int32, workers)
	var wg sync.WaitGroup
	chunk := (len(reports) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(len(reports), (w+1)*chunk)
		dfs[w] = map[uint64]int32{}
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s termScratch
			df := dfs[w]
			for i := lo; i < hi; i++ {
				r := &reports[i]
				places[i] = reportPlace(r)
				v := reportVec(&s, r)
				vecs[i] = v
				for _, k := range v.keys {
					df[k]++
				}
			}
		}()
	}
	wg.Wait()
	df := dfs[0]
	for _, m := range dfs[1:] {
		for k, n := range m {
			df[k] += n
		}
	}
	return places, vecs, df
}

// reportPlace extracts the place of one report.
func reportPlace(r *HotspotReport) hsPlace {
	best, district := primaryPlace(r.Title, r.Text, true)
	p := hsPlace{name: best.Name, kind: best.Kind, district: district}
	for _, m := range findPlaces(r.Title, false) {
		if m.Kind == placeCity {
			p.city = m.Name
			break
		}
	}
	if p.city == "" && district != "" {
		p.city = district[:1] + "市"
	}
	switch {
	case r.Place != "":
		p.key, p.kind = r.Place, placeSite
	case best.Kind >= placeTown:
		p.key = best.Key
	case best.Kind == placeCity:
		p.key = best.Name
	default:
		p.key = p.city // "" when nothing at all is named
	}
	return p
}

// reportVec is the problem vector of a report without unigrams, which
// clustering does not need.
func reportVec(s *termScratch, r *HotspotReport) termVec {
	v := s.problemVec(r.Title, r.Text, findPlaces(r.Title, false), findPlaces(r.Text, false))
	n := 0
	for i, k := range v.keys {
		if k&3 != 1 {
			v.keys[n], v.val[n] = k, v.val[i]
			n++
		}
	}
	v.keys, v.val = v.keys[:n], v.val[:n]
	return v
}

// reconcilePlaces merges place keys across reports (see step 1 above).
func reconcilePlaces(reports []HotspotReport, places []hsPlace) {
	count := map[string]int{}
	for i := range places {
		if places[i].kind >= placeRoad && reports[i].Place == "" {
			count[places[i].key]++
		}
	}
	// Established names: used by two reports or more, at least 3 runes.
	established := func(k string) bool { return count[k] >= 2 && utf8.RuneCountInString(k) >= 3 }
	// canon maps a key to its longest proper suffix that is established and
	// more used ("万科魅力之城" → "魅力之城").
	canon := func(k string) string {
		for j := 0; j < len(k); {
			_, n := utf8.DecodeRuneInString(k[j:])
			j += n
			if j < len(k) && established(k[j:]) && count[k[j:]] > count[k] {
				return k[j:]
			}
		}
		return k
	}
	byPrefix := map[string][]string{}
	for k := range count {
		if established(k) {
			byPrefix[firstRunes(k, 2)] = append(byPrefix[firstRunes(k, 2)], k)
		}
	}
	for _, ks := range byPrefix {
		slices.SortFunc(ks, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	}
	for i := range places {
		p := &places[i]
		if reports[i].Place != "" {
			continue
		}
		// An established name in the title beats a name found in the text
		// or a vaguer one: "A市万科魅力之城未交房业主孩子不能上小区配套小学"
		// is about 万科魅力之城, not about "业主孩子不能上小区".
		if k := findEstablished(reports[i].Title, byPrefix); k != "" && k != p.key &&
			(p.kind < placeSite || count[k] >= count[p.key] || !strings.Contains(reports[i].Title, p.name)) {
			p.key, p.name, p.kind = k, k, placeSite
		}
		if p.kind >= placeRoad {
			p.key = canon(p.key)
		}
	}
}

func firstRunes(s string, n int) string {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return s[:i]
}

// findEstablished returns the first established name in text, longest
// first at each position.
func findEstablished(text string, byPrefix map[string][]string) string {
	for i := 0; i < len(text); {
		_, n := utf8.DecodeRuneInString(text[i:])
		for _, k := range byPrefix[firstRunes(text[i:], 2)] {
			if strings.HasPrefix(text[i:], k) {
				return k
			}
		}
		i += n
	}
	return ""
}

// idfTable weights terms by smoothed inverse document frequency.
type idfTable struct {
	df map[uint64]int32
	n  float64
}

func newIDF(df map[uint64]int32, n int) *idfTable { return &idfTable{df: df, n: float64(n)} }

func (t *idfTable) weight(k uint64) float32 {
	return float32(math.Log(1 + (t.n+1)/float64(t.df[k]+1)))
}

// unitVec weights a vector by IDF and normalises it.
func (t *idfTable) unitVec(v termVec) termVec {
	var ss float64
	for i, k := range v.keys {
		v.val[i] *= t.weight(k)
		ss += float64(v.val[i]) * float64(v.val[i])
	}
	if ss > 0 {
		inv := float32(1 / math.Sqrt(ss))
		for i := range v.val {
			v.val[i] *= inv
		}
	}
	return v
}

// hsCluster is a cluster being built: the sum of its members' unit vectors.
type hsCluster struct {
	centroid    map[uint64]float32
	norm2       float64
	first, last time.Time
	members     []int32
	anchors     []uint64       // rare title bigrams of its first report (topic block)
	topic       bool           // from the topic block: no specific place
	key         string         // the place key of its block
	keys        map[string]int // reports per place key, once merging starts (see place)
}

// clusterBlock runs leader clustering over one place block in time order.
func clusterBlock(reports []HotspotReport, block []int32, vecs []termVec, titleAnchors [][]uint64, idf *idfTable, opts HotspotOptions) []*hsCluster {
	slices.SortStableFunc(block, func(a, b int32) int {
		return cmp.Or(reports[a].At.Compare(reports[b].At), cmp.Compare(a, b))
	})
	var clusters []*hsCluster
	postings := map[uint64][]int32{} // term → clusters whose centroid has it
	dot := map[int32]float64{}
	for _, ri := range block {
		r := &reports[ri]
		var anchors []uint64
		if opts.anchored {
			anchors = titleAnchors[ri]
		}
		v := idf.unitVec(vecs[ri]) // each report is in one block: weighting in place is safe
		clear(dot)
		for i, k := range v.keys {
			for _, c := range postings[k] {
				dot[c] += float64(v.val[i]) * float64(clusters[c].centroid[k])
			}
		}
		best, bestSim := int32(-1), opts.MinSimilarity
		for c, d := range dot {
			cl := clusters[c]
			if r.At.Sub(cl.last) > opts.Window {
				continue
			}
			sim := d / math.Sqrt(cl.norm2)
			if opts.anchored && len(cl.anchors) > 0 && !sharesAnchor(cl.anchors, anchors) {
				continue
			}
			if sim > bestSim || (sim == bestSim && best >= 0 && c < best) {
				best, bestSim = c, sim
			}
		}
		if best < 0 {
			best = int32(len(clusters))
			clusters = append(clusters, &hsCluster{centroid: make(map[uint64]float32, len(v.keys)), anchors: anchors})
		}
		cl := clusters[best]
		var d float64
		for i, k := range v.keys {
			old, ok := cl.centroid[k]
			if !ok {
				postings[k] = append(postings[k], best)
			}
			d += float64(old) * float64(v.val[i])
			cl.centroid[k] = old + v.val[i]
		}
		cl.norm2 += 2*d + 1
		if r.At.After(cl.last) {
			cl.last = r.At
		}
		if cl.first.IsZero() {
			cl.first = r.At
		}
		cl.members = append(cl.members, ri)
	}
	return clusters
}

// summarize counts a cluster's reports, reporters and votes and computes its
// heat. Names are filled in later, for the clusters returned only.
func summarize(reports []HotspotReport, members []int32, now time.Time) Hotspot {
	h := Hotspot{Reports: make([]int64, len(members))}
	users := make(map[string]struct{}, len(members))
	for i, m := range members {
		r := &reports[m]
		h.Reports[i] = r.ID
		if r.User != "" {
			users[r.User] = struct{}{}
		} else {
			users["\x00"+strconv.Itoa(i)] = struct{}{} // anonymous: count each report
		}
		h.Likes += r.Likes
		h.Dislikes += r.Dislikes
		if h.From.IsZero() || r.At.Before(h.From) {
			h.From = r.At
		}
		if r.At.After(h.To) {
			h.To = r.At
		}
	}
	h.Users = len(users)
	h.Heat = heat(len(members), h.Users, h.Likes, h.Dislikes, h.From, h.To, now)
	return h
}

// maxAnchorShare is the largest share of reports a bigram may occur in
// and still anchor a topic. At 1%, or counted over titles only, 补贴,
// 公积金 and 开工建设 anchor and the topic block gathers every question
// about them; at 0.5% the anchors are names: 车贷, 温斯顿, 雅西.
const maxAnchorShare = 0.005

// titleAnchors returns, for each report, the rare bigrams of its title
// (places cut out), sorted. Without a place to hold them together, the
// reports of a topic cluster must share something rare in their titles
// with its first report — "车贷", "温斯" — and not just the words of any
// question ("什么时候开工建设" about a park, a bridge and a metro line).
func titleAnchors(reports []HotspotReport, idf *idfTable) [][]uint64 {
	var s termScratch
	out := make([][]uint64, len(reports))
	limit := int32(max(3, maxAnchorShare*idf.n))
	for i := range reports {
		s.addText(reports[i].Title, findPlaces(reports[i].Title, false), maxTextRunes)
		for _, k := range s.vec().keys {
			if k&3 == 2 && idf.df[k] <= limit {
				out[i] = append(out[i], k)
			}
		}
	}
	return out
}

// sharesAnchor reports whether two sorted key lists intersect.
func sharesAnchor(a, b []uint64) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			return true
		}
	}
	return false
}
