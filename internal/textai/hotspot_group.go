package textai

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"unicode/utf8"
)

// Problems of a class of people, and merging clusters of one problem.
//
// Place blocks miss a problem that a group of residents shares wherever they
// live: retired teachers' allowances, a fraud case with victims all over the
// city, a developer's buyers. Reports that name no place more specific than
// a district are clustered by their words alone in one topic block (with a
// higher similarity bar and a longer window, see HotspotOptions). Then the
// clusters of both kinds are merged when their centroids are alike: a topic
// cluster with the place cluster of the same problem (the 58车贷 messages
// that name "A4区" and those that name a road by mistake), and two clusters
// of one place that leader clustering split. Two clusters at different
// places are never merged unless the reports of one name the other's place
// ("武广新城伊景园滨河苑…" under 武广新城 and 伊景园): the same words at two
// estates are two problems.

// maxMergeRounds bounds the rounds of merging. Two clusters whose parts
// were each too unlike may be alike once whole (the 人才购房补贴 questions
// and the 人才新政 ones, 0.30 as wholes), so merging repeats on the merged
// clusters until nothing changes; three rounds sufficed on the A市 board.
const maxMergeRounds = 10

// topicMergeMargin raises MergeSimilarity for a topic cluster and any
// other that share no rare title word.
const topicMergeMargin = 0.05

// mergeClusters merges the clusters of the blocks (see above) and returns
// the members of each resulting cluster. It is deterministic for a given
// order of clusters.
//
// The search for partners walks an inverted index from terms to the
// blocks' clusters, built once, skipping terms in many clusters (common,
// so light, and their posting lists would make the search quadratic in a
// city of many places); the pairs found are scored exactly on the merged
// centroids. Each round searches only from the clusters that grew in the
// round before.
func mergeClusters(reports []HotspotReport, places []hsPlace, all []*hsCluster, anchors [][]uint64, opts HotspotOptions) [][]int32 {
	for _, c := range all {
		if !c.topic {
			c.keys = map[string]int{c.key: len(c.members)}
		}
	}
	same := samePlaceFunc(reports, places)
	cores := make([][]uint64, len(all))
	pl := make([]string, len(all))
	parent := make([]int32, len(all))
	dirty := make([]bool, len(all))
	type posting struct {
		c int32
		w float32
	}
	postings := map[uint64][]posting{}
	for ci, c := range all {
		cores[ci] = clusterCore(c.members, anchors)
		pl[ci] = c.place()
		parent[ci] = int32(ci)
		// A pair needs one cluster of two reports or more: two lone
		// reports that resemble each other were already compared in their
		// block, or sit at two different places.
		dirty[ci] = len(c.members) >= 2
		inv := float32(1 / math.Sqrt(math.Max(c.norm2, 1e-12)))
		for k, w := range c.centroid {
			postings[k] = append(postings[k], posting{int32(ci), w * inv})
		}
	}
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	maxPostings := max(64, len(all)/50)
	type pair struct {
		a, b int32
		sim  float64
	}
	dot := map[int32]float64{}
	for range maxMergeRounds {
		var pairs []pair
		for ci, c := range all {
			if !dirty[ci] || find(int32(ci)) != int32(ci) {
				continue
			}
			clear(dot)
			inv := 1 / math.Sqrt(math.Max(c.norm2, 1e-12))
			for k, w := range c.centroid {
				ps := postings[k]
				if len(ps) > maxPostings {
					continue
				}
				x := float64(w) * inv
				for _, p := range ps {
					if r := find(p.c); int(r) != ci {
						dot[r] += x * float64(p.w)
					}
				}
			}
			for cj, approx := range dot {
				o := all[cj]
				if approx < opts.MergeSimilarity/4 || (dirty[cj] && int(cj) < ci) {
					continue // too far, or found from cj's side
				}
				window := opts.GroupWindow
				if pl[ci] != "" && pl[cj] != "" {
					window = opts.Window
				}
				if gap := max(o.first.Sub(c.last), c.first.Sub(o.last)); gap > window {
					continue
				}
				need := opts.MergeSimilarity
				if pl[ci] == "" || pl[cj] == "" {
					// Without a shared place only the words say two clusters
					// are one problem, and a question's words are shared by
					// many ("何时开工建设" asked of a park, a bridge, a metro
					// line): a topic needs more, or a rare word in common.
					need += topicMergeMargin
				}
				if sharesAnchor(cores[ci], cores[cj]) {
					need = opts.MergeSimilarity / 2
				}
				d := centroidCosine(c, o)
				if d < need && d >= 0.8*opts.MergeSimilarity && (namesPlace(reports, c, pl[ci], pl[cj]) || namesPlace(reports, o, pl[cj], pl[ci])) {
					need = d
				}
				if d >= need {
					pairs = append(pairs, pair{int32(ci), cj, d})
				}
			}
		}
		if len(pairs) == 0 {
			break
		}
		slices.SortFunc(pairs, func(x, y pair) int {
			return cmp.Or(cmp.Compare(y.sim, x.sim), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
		})
		clear(dirty)
		for _, p := range pairs {
			a, b := find(p.a), find(p.b)
			if a == b || (pl[a] != "" && pl[b] != "" && pl[a] != pl[b] && !same(pl[a], pl[b])) {
				continue
			}
			if b < a {
				a, b = b, a
			}
			parent[b] = a
			all[a].absorb(all[b])
			cores[a] = clusterCore(all[a].members, anchors)
			pl[a] = all[a].place()
			dirty[a] = true
		}
	}
	var out [][]int32
	for i, c := range all {
		if find(int32(i)) == int32(i) {
			out = append(out, c.members)
		}
	}
	return out
}

// absorb adds o's reports, centroid, span and place keys to c.
func (c *hsCluster) absorb(o *hsCluster) {
	var d float64
	for k, w := range o.centroid {
		old := c.centroid[k]
		d += float64(old) * float64(w)
		c.centroid[k] = old + w
	}
	c.norm2 += o.norm2 + 2*d
	c.members = append(c.members, o.members...)
	if c.keys == nil {
		c.keys = map[string]int{}
	}
	for k, n := range o.keys {
		c.keys[k] += n
	}
	if o.first.Before(c.first) {
		c.first = o.first
	}
	if o.last.After(c.last) {
		c.last = o.last
	}
}

// clusterCore returns the rare title bigrams (see titleAnchors) that at
// least half of a cluster's titles use, sorted. Two clusters whose cores
// meet are about the same named thing ("58车贷"), so they merge at half the
// usual similarity: their texts tell the story in different words, and the
// name they share is the evidence.
func clusterCore(members []int32, anchors [][]uint64) []uint64 {
	count := map[uint64]int{}
	for _, m := range members {
		for _, k := range anchors[m] {
			count[k]++
		}
	}
	var out []uint64
	for k, n := range count {
		if 2*n >= len(members) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// centroidCosine is the cosine of two clusters' centroids.
func centroidCosine(a, b *hsCluster) float64 {
	if len(b.centroid) < len(a.centroid) {
		a, b = b, a
	}
	var d float64
	for k, w := range a.centroid {
		d += float64(w) * float64(b.centroid[k])
	}
	return d / math.Sqrt(math.Max(a.norm2*b.norm2, 1e-24))
}

// place is the place key that holds at least half a cluster's reports,
// "" for a topic: a cluster is a place problem, and two such are merged
// only at one place, while a topic may take in a place cluster or a few
// reports placed here and there ("在A市买公寓能享受人才新政购房补贴吗" is
// keyed by 买公寓).
func (c *hsCluster) place() string {
	best, bn := "", 0
	for k, n := range c.keys {
		if n > bn || (n == bn && k < best) {
			best, bn = k, n
		}
	}
	if 2*bn >= len(c.members) {
		return best
	}
	return ""
}

// samePlaceFunc returns whether two place keys are one place written two
// ways: one starts the other, or at least half the reports under one key
// also name the other in their titles. Titles only, and counted once up front, because clusters at
// different places that look alike are many in a city (one problem at a
// hundred estates) and each pair is asked.
func samePlaceFunc(reports []HotspotReport, places []hsPlace) func(x, y string) bool {
	n := map[string]int{}
	names := map[string]map[string]int{} // key → other keys its titles name → reports
	for i := range reports {
		if reports[i].Place != "" || !hasSpecificPlace(&reports[i], places[i]) {
			continue
		}
		k := places[i].key
		n[k]++
		for _, m := range findPlaces(reports[i].Title, false) {
			if m.Key == k || m.Kind < placeTown {
				continue
			}
			if names[k] == nil {
				names[k] = map[string]int{}
			}
			names[k][m.Key]++
		}
	}
	return func(x, y string) bool {
		if utf8.RuneCountInString(x) >= 2 && utf8.RuneCountInString(y) >= 2 && (strings.HasPrefix(x, y) || strings.HasPrefix(y, x)) {
			return true // "丽发小区" and "丽发新城": the short name of the estate
		}
		return 2*names[x][y] >= max(1, n[x]) && names[x][y] > 0 || 2*names[y][x] >= max(1, n[y]) && names[y][x] > 0
	}
}

// groupSuffixes end the words that name a class of people.
var groupSuffixes = []string{
	"人员", "群体", "司机", "教师", "老师", "业主", "家长", "学生", "工人", "农民工", "骑手",
	"受害者", "受害人", "职工", "员工", "老人", "患者", "病人", "村民", "商户", "考生",
	"购房者", "投资人", "出借人", "军人", "士官", "医生", "护士", "租户", "残疾人", "农民",
	"干部", "辅警", "协警", "快递员", "环卫工", "保安", "教职工", "民办教师", "代课教师",
	"个体户", "摊贩", "毕业生", "党员", "退伍军人", "老兵", "车主", "住户", "拆迁户",
}

// genericGroups name everyone and so no group.
var genericGroups = map[string]bool{"居民": true, "市民": true, "群众": true, "百姓": true, "老百姓": true, "人员": true}

// isGroupWord reports whether a word names a class of people.
func isGroupWord(w string) bool {
	if genericGroups[w] {
		return false
	}
	for _, s := range groupSuffixes {
		if strings.HasSuffix(w, s) {
			return true
		}
	}
	return false
}

func mentionsGroup(s string) bool {
	for _, g := range groupSuffixes {
		if strings.Contains(s, g) {
			return true
		}
	}
	return false
}

// groupLexicon counts, over all reports, the titles using each group phrase:
// a group word (教师, 职工) alone or with the word before it (退休教师,
// 铁路职工). Phrases used by only one title are idiosyncratic ("我家老人")
// and not kept.
type groupLexicon map[string]int

// learnGroupLexicon builds the lexicon from the titles; it needs the
// segmenter and returns nil without it.
func learnGroupLexicon(reports []HotspotReport) groupLexicon {
	if loadSegmenter() != nil {
		return nil
	}
	lex := groupLexicon{}
	for i := range reports {
		// Segmenting is the slow part; most titles name no group.
		if !mentionsGroup(reports[i].Title) {
			continue
		}
		for _, g := range groupPhrases(titleWords(reports[i].Title)) {
			lex[g]++
		}
	}
	for g, n := range lex {
		if n < 2 {
			delete(lex, g)
		}
	}
	return lex
}

// groupPhrases returns the distinct group phrases in a segmented title.
func groupPhrases(words []string) []string {
	var out []string
	add := func(g string) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	for i, w := range words {
		if !isGroupWord(w) {
			continue
		}
		add(w)
		if i > 0 && isModifier(words[i-1]) {
			add(words[i-1] + w)
		}
	}
	return out
}

// isModifier reports whether a word can qualify a group word: a content
// word of two runes or more ("退休", "铁路", "58车贷"), not a verb of
// complaint or a function word.
func isModifier(w string) bool {
	return utf8.RuneCountInString(w) >= 2 && hasWordRune(w) && !keywordStop[w] && !phraseEdgeStop[w] &&
		!strings.ContainsAny(w, "的了") && !isDigits(w)
}

// titleWords segments a title with its place names, and the names in cut
// (a cluster's own place as its reports write it without a suffix), cut
// out.
func titleWords(title string, cut ...string) []string {
	t := stripPlaces(title)
	for _, c := range cut {
		if c != "" {
			t = strings.ReplaceAll(t, c, "，")
		}
	}
	segmenter.mu.RLock()
	words := segmenter.seg.Cut(t, true)
	segmenter.mu.RUnlock()
	return words
}

// clusterGroup returns the group phrase that most of a cluster's titles
// use, the longest among those nearly as used as the most used; "" when
// none is used by a third of the titles.
func clusterGroup(words [][]string, lex groupLexicon) string {
	docs := map[string]int{}
	for _, ws := range words {
		for _, g := range groupPhrases(ws) {
			if lex[g] > 0 {
				docs[g]++
			}
		}
	}
	need := max(2, (len(words)+2)/3)
	best, bestN := "", 0
	for _, n := range docs {
		bestN = max(bestN, n)
	}
	if bestN < need {
		return ""
	}
	for g, n := range docs {
		if 3*n < 2*bestN {
			continue
		}
		if best == "" || utf8.RuneCountInString(g) > utf8.RuneCountInString(best) ||
			(utf8.RuneCountInString(g) == utf8.RuneCountInString(best) && (n > docs[best] || (n == docs[best] && g < best))) {
			best = g
		}
	}
	return best
}

// namesPlace reports whether a topic cluster (place "") names the place key
// of another cluster in the title or text of a third of its reports: the
// railway staff who write of "广铁职工住宅项目" and, in one of three, of
// "伊景园.滨河苑" write about that estate's problem, in words of their
// own (0.24 against it). The name is the evidence, so the pair merges a
// little below the usual similarity (at 0.8 of it); no lower, because a
// text names roads and estates nearby as well as its own.
func namesPlace(reports []HotspotReport, c *hsCluster, place, other string) bool {
	if place != "" || utf8.RuneCountInString(other) < 3 {
		return false
	}
	n := 0
	for _, m := range c.members {
		if strings.Contains(reports[m].Title, other) || strings.Contains(reports[m].Text, other) {
			n++
		}
	}
	return n > 0 && 3*n >= len(c.members)
}
