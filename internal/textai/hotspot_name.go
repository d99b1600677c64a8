package textai

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Naming a hotspot: "place or group：problem", in words a leader can read
// aloud.
//
// The basis is the place when at least half the reports have a specific
// place, written the way most of them write it: the most frequent city,
// district and place name, joined ("A市" "A5区" "魅力之城小区"). Otherwise
// it is a topic across places, labelled by the class of people most of its
// titles name (a phrase of the group lexicon, "退休教师"), else by the city
// (and district, when nearly all share it).
//
// The problem is a run of whole words of the titles (problemPhrase), never
// keywords glued together: "地铁" "号线" "雅西" "西北方" joined read as
// nonsense. The keywords are still computed — the words of the titles,
// place names cut out, scored by how many of the cluster's titles use the
// word times how rare it is in all reports (the mean IDF of its character
// bigrams) — for callers that list them (the city's own hotspots).

const maxKeywords = 4

// keywordStop are words every complaint uses; they name no problem.
var keywordStop = map[string]bool{
	"问题": true, "反映": true, "关于": true, "投诉": true, "举报": true, "建议": true,
	"希望": true, "请求": true, "咨询": true, "请问": true, "市民": true, "居民": true,
	"业主": true, "严重": true, "何时": true, "什么": true, "为什么": true, "能否": true,
	"是否": true, "怎么": true, "如何": true, "相关": true, "部门": true, "政府": true,
	"领导": true, "尽快": true, "解决": true, "处理": true, "情况": true, "一直": true,
	"现象": true, "存在": true, "强烈": true, "要求": true, "恳请": true, "呼吁": true,
	"有关": true, "我们": true, "本人": true, "给予": true, "进行": true, "可以": true,
	"没有": true, "不能": true, "已经": true, "还是": true, "这个": true, "那个": true,
	"一个": true, "多次": true, "至今": true, "仍然": true, "为何": true, "哪里": true,
	"还有": true, "以及": true, "请求解决": true, "希望解决": true, "关注": true, "帮助": true,
	"小区": true, "社区": true, "附近": true, "旁边": true, "周边": true, "门口": true,
	"重视": true, "一下": true, "怎么办": true, "合理": true, "吗": true, "的": true,
}

// nameHotspot names a cluster; a practice (see gatherPractices) is named
// across its places by their kind ("多家酒店").
func nameHotspot(h *Hotspot, reports []HotspotReport, places []hsPlace, members []int32, practice string, idf *idfTable, lex groupLexicon) {
	// Basis: a place when most reports name one, else a topic across places.
	keyCount := map[string]int{}
	specific := 0
	for _, m := range members {
		if hasSpecificPlace(&reports[m], places[m]) {
			specific++
			keyCount[places[m].key]++
		}
	}
	// A place problem has one place for at least half its reports; reports
	// at many places (涉黄 at nine hotels) make a topic.
	h.Basis = BasisGroup
	if k := mostFrequent(keyCount); 2*keyCount[k] >= len(members) && practice == "" {
		h.Basis = BasisPlace
		h.PlaceKey = k
	}
	cities, districts, names := map[string]int{}, map[string]int{}, map[string]int{}
	for _, m := range members {
		p := places[m]
		if h.Basis == BasisPlace && (p.key != h.PlaceKey || !hasSpecificPlace(&reports[m], p)) {
			continue
		}
		if p.city != "" {
			cities[p.city]++
		}
		if p.district != "" {
			districts[p.district]++
		}
		if p.name != "" && p.kind >= placeTown {
			names[p.name]++
		}
	}
	if h.Basis == BasisPlace {
		name := mostFrequent(names)
		h.Place = mostFrequent(cities) + mostFrequent(districts) + name
		if name == "" && h.PlaceKey != "" && !strings.HasSuffix(h.Place, h.PlaceKey) && reports[members[0]].Place != "" {
			h.Place = h.PlaceKey // a caller-supplied place, such as a grid
		}
	} else {
		// A topic keeps the district only when nearly all its reports
		// share it.
		h.Place = mostFrequent(cities)
		if d := mostFrequent(districts); d != "" && 10*districts[d] >= 8*len(members) {
			h.Place += d
		}
	}
	if h.Place == "" {
		h.Place = "（未注明地点）"
	}

	titles := make([][]string, len(members)) // segmented titles, places cut out
	loaded := loadSegmenter() == nil
	var cut []string
	if h.Basis == BasisPlace && utf8.RuneCountInString(h.PlaceKey) >= 2 && reports[members[0]].Place == "" {
		cut = append(cut, h.PlaceKey) // "绿地海外滩二期": the place, not the problem
	}
	for i, m := range members {
		t := reports[m].Title
		if strings.TrimSpace(stripPlaces(t)) == "" {
			t = firstRunes(reports[m].Text, 60)
		}
		if loaded {
			titles[i] = titleWords(t, cut...)
		}
	}
	h.Keywords = clusterKeywords(titles, idf)
	if loaded {
		h.Group = clusterGroup(titles, lex)
		if practice != "" {
			h.Group = practiceLabel(reports, members)
		}
		users := make([]string, len(members))
		for i, m := range members {
			users[i] = reports[m].User
			if users[i] == "" {
				users[i] = "\x00" + strconv.Itoa(i) // anonymous: each report its own voice
			}
		}
		h.Problem = problemPhrase(titles, users, h.Keywords, h.Basis == BasisGroup)
	}
	if practice != "" {
		h.Problem = practice
	}
	if h.Problem == "" {
		h.Problem = strings.Join(h.Keywords, "")
	}
	label := h.Place
	if h.Basis == BasisGroup && h.Group != "" {
		label = h.Group
	}
	h.Name = label
	if h.Problem != "" {
		h.Name += "：" + h.Problem
	}
}

// clusterKeywords scores the words of the titles by how many titles use
// them times how rare they are in all reports (the mean IDF of their
// character bigrams) and returns the best few that do not overlap.
func clusterKeywords(titles [][]string, idf *idfTable) []string {
	type stat struct {
		docs  int
		first int // first member index using the word, for a stable order
	}
	stats := map[string]*stat{}
	for i, words := range titles {
		seen := map[string]bool{}
		for _, w := range words {
			w = strings.TrimSpace(w)
			if utf8.RuneCountInString(w) < 2 || !hasWordRune(w) || keywordStop[w] || isDigits(w) || seen[w] {
				continue
			}
			seen[w] = true
			s := stats[w]
			if s == nil {
				s = &stat{first: i}
				stats[w] = s
			}
			s.docs++
		}
	}
	type scored struct {
		w     string
		score float64
		first int
	}
	var cand []scored
	var s termScratch
	for w, st := range stats {
		s.addText(w, nil, 64)
		v := s.vec()
		var sum float64
		var n int
		for _, k := range v.keys {
			if k&3 != 1 {
				sum += float64(idf.weight(k))
				n++
			}
		}
		if n == 0 {
			continue
		}
		// The share of titles using the word counts more than its rarity:
		// a word only one report uses is not the cluster's problem.
		share := float64(st.docs) / float64(len(titles))
		cand = append(cand, scored{w, share * share * sum / float64(n), st.first})
	}
	slices.SortFunc(cand, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.first, b.first), strings.Compare(a.w, b.w))
	})
	var out []string
	for _, c := range cand {
		if len(out) == maxKeywords {
			break
		}
		overlap := false
		for _, k := range out {
			if strings.Contains(k, c.w) || strings.Contains(c.w, k) {
				overlap = true
				break
			}
		}
		if !overlap {
			out = append(out, c.w)
		}
	}
	return out
}

// Problem phrases are at most this many runes: a leader reads them aloud.
const (
	maxPhraseRunes = 16
	maxPhraseWords = 8
)

// phraseEdgeStop are words a problem phrase neither starts nor ends with:
// the boilerplate of complaints (关于, 咨询, 的问题) and function words.
var phraseEdgeStop = map[string]bool{
	"关于": true, "咨询": true, "反映": true, "投诉": true, "举报": true, "请问": true, "建议": true,
	"希望": true, "请求": true, "恳请": true, "强烈": true, "要求": true, "请": true, "再次": true,
	"问题": true, "情况": true, "事宜": true, "一事": true, "相关": true, "有关": true, "何时": true,
	"什么": true, "为什么": true, "为何": true, "能否": true, "是否": true, "如何": true, "怎么": true,
	"怎么办": true, "市民": true, "居民": true, "本人": true, "我们": true, "我": true, "尽快": true,
	"解决": true, "处理": true, "给予": true, "进行": true, "一下": true, "能不能": true, "可以": true,
	"可否": true, "这个": true, "哪里": true, "呼吁": true, "关注": true, "帮助": true, "重视": true,
	"领导": true, "政府": true, "部门": true, "盼": true, "急需": true, "亟待": true, "求助": true,
	"的": true, "了": true, "和": true, "与": true, "及": true, "在": true, "对": true, "是": true,
	"吗": true, "呢": true, "吧": true, "啊": true, "呀": true, "把": true, "被": true, "给": true,
	"让": true, "向": true, "从": true, "到": true, "为": true, "就": true, "都": true, "也": true,
	"还": true, "又": true, "很": true, "太": true, "请求解决": true, "希望解决": true, "盼解决": true,
	"有": true, "没有": true, "不": true, "谁": true, "该": true, "此": true, "这": true, "那": true,
	"能": true, "要": true, "会": true, "将": true, "应": true, "应该": true, "需要": true, "必须": true,
	"还要": true, "无": true, "拖到": true, "时候": true, "可": true, "已": true, "已经": true, "仍": true,
	"仍然": true, "才能": true, "竟然": true, "居然": true, "到底": true, "究竟": true, "何": true, "多久": true,
}

// phraseTailStop are words a problem phrase does not end with: they open
// a predicate ("毫无" 进展, "涉嫌" 诈骗) that the phrase would cut.
var phraseTailStop = map[string]bool{
	"毫无": true, "涉嫌": true, "无法": true, "不能": true, "迟迟": true, "一直": true, "还未": true,
	"仍未": true, "未": true, "不给": true, "导致": true, "存在": true, "关于": true, "因为": true,
}

// problemPhrase names a cluster's problem with words of its titles: the
// run of whole words (a span of one title's segmentation, boilerplate cut
// from its ends) that best trades length against the number of titles
// using it (runes × √titles), so that "58车贷恶性退出", used by 4 of 15
// titles, beats "58车贷", used by all: the thing and what went wrong with
// it, rather than the thing alone. Titles are counted once per reporter:
// one person's two posts do not make their wording the cluster's. A run
// needs a fifth of the titles (two at least); a cluster whose titles share
// no such run, or share only one short word, is named by the clause of the
// title that holds most of its keywords. Either way the phrase is words the
// residents wrote, in their order, never a bag of fragments.
func problemPhrase(titles [][]string, users []string, keywords []string, topic bool) string {
	type stat struct {
		docs, first int
		users       map[string]bool
	}
	spans := map[string]*stat{}
	for i, words := range titles {
		seen := map[string]bool{}
		for _, cl := range clauses(words) {
			for a := range cl {
				if phraseEdgeStop[cl[a]] {
					continue
				}
				runes := 0
				for b := a; b < len(cl) && b-a < maxPhraseWords; b++ {
					runes += utf8.RuneCountInString(cl[b])
					if runes > maxPhraseRunes {
						break
					}
					if phraseEdgeStop[cl[b]] || phraseTailStop[cl[b]] || runes < 2 {
						continue
					}
					sp := strings.Join(cl[a:b+1], "")
					if seen[sp] || !hasContentWord(cl[a:b+1]) {
						continue
					}
					seen[sp] = true
					st := spans[sp]
					if st == nil {
						st = &stat{first: i, users: map[string]bool{}}
						spans[sp] = st
					}
					if !st.users[users[i]] {
						st.users[users[i]] = true
						st.docs++
					}
				}
			}
		}
	}
	need := max(2, (len(titles)+4)/5)
	best, bestScore := "", 0.0
	for sp, st := range spans {
		if st.docs < need {
			continue
		}
		score := float64(min(utf8.RuneCountInString(sp), 12)) * math.Sqrt(float64(st.docs))
		if topic {
			// Across places a run few reporters share is mostly one
			// estate's or one shop's name ("尚心海悦楼盘精装" in a
			// cluster about 精装 flats of five developers).
			score = float64(min(utf8.RuneCountInString(sp), 12)) * float64(st.docs)
		}
		if score > bestScore || (score == bestScore && (st.docs > spans[best].docs ||
			(st.docs == spans[best].docs && (st.first < spans[best].first || (st.first == spans[best].first && sp < best))))) {
			best, bestScore = sp, score
		}
	}
	if utf8.RuneCountInString(best) >= 4 || (topic && best != "") {
		if ext := extendPhrase(best, titles, users, topic); utf8.RuneCountInString(ext) >= 4 {
			return ext
		}
	}
	// The clause that holds most keywords (and the short shared phrase, if
	// any), trimmed of boilerplate and cut to whole words.
	var bestClause []string
	bestHits := -1
	for _, words := range titles {
		for _, cl := range clauses(words) {
			cl = trimEdges(cl)
			s := strings.Join(cl, "")
			hits := 0
			for _, k := range keywords {
				if strings.Contains(s, k) {
					hits++
				}
			}
			if best != "" && strings.Contains(s, best) {
				hits += len(keywords) + 1
			}
			if hits > bestHits || (hits == bestHits && len(s) > 0 && len(s) < len(strings.Join(bestClause, ""))) {
				bestClause, bestHits = cl, hits
			}
		}
	}
	return fitWords(bestClause, best)
}

// maxExtendedRunes bounds a shared phrase grown inside one title.
const maxExtendedRunes = 14

// extendPhrase grows the shared phrase best, inside one title that holds
// it, by the neighbouring words other reporters use too, so that the thing
// the titles share ("58车贷") comes with what they say about it ("恶性退出"):
// of the runs of whole words of a clause that contain best, at most
// maxExtendedRunes long and ending on words at least two reporters use, the
// one whose shared words are used by the most reporters in all, less a
// cost for each word few use. For a topic, a shared word is one a third of
// its reporters use.
func extendPhrase(best string, titles [][]string, users []string, topic bool) string {
	wordUsers := map[string]map[string]bool{}
	for i, words := range titles {
		for _, w := range words {
			if phraseEdgeStop[w] || keywordStop[w] || !hasWordRune(w) {
				continue
			}
			if wordUsers[w] == nil {
				wordUsers[w] = map[string]bool{}
			}
			wordUsers[w][users[i]] = true
		}
	}
	// A one-rune word at an edge is mostly the rest of a name cut out
	// ("国际城" → "城").
	// A topic grows only by words a third of its reporters use, so that
	// one venue's name does not stand for nine ("华天楚水源足浴涉黄").
	need := 2
	if topic {
		distinct := map[string]bool{}
		for _, u := range users {
			distinct[u] = true
		}
		need = max(2, (len(distinct)+2)/3)
	}
	shared := func(w string) bool { return len(wordUsers[w]) >= need && utf8.RuneCountInString(w) >= 2 }
	out, outScore := best, 0
	for _, words := range titles {
		for _, cl := range clauses(words) {
			for a := range cl {
				if !shared(cl[a]) {
					continue
				}
				runes, score := 0, 0
				seen := map[string]bool{}
				for b := a; b < len(cl); b++ {
					runes += utf8.RuneCountInString(cl[b])
					if runes > maxExtendedRunes {
						break
					}
					if !seen[cl[b]] {
						seen[cl[b]] = true
						// A word few others use costs what a shared one
						// gains at least: "华天楚水源足浴涉黄" is one
						// venue, "酒店涉黄" the topic.
						if n := len(wordUsers[cl[b]]); n >= need {
							score += n
						} else {
							score -= need
						}
					}
					if !shared(cl[b]) || phraseTailStop[cl[b]] {
						continue
					}
					sp := strings.Join(cl[a:b+1], "")
					if !strings.Contains(sp, best) {
						continue
					}
					if score > outScore || (score == outScore && len(sp) < len(out)) {
						out, outScore = sp, score
					}
				}
			}
		}
	}
	return out
}

// clauses splits segmented words at punctuation and spaces.
func clauses(words []string) [][]string {
	var out [][]string
	var cur []string
	for _, w := range words {
		if strings.TrimSpace(w) == "" || !hasWordRune(w) {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, w)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func trimEdges(cl []string) []string {
	for len(cl) > 0 && phraseEdgeStop[cl[0]] {
		cl = cl[1:]
	}
	for len(cl) > 0 && phraseEdgeStop[cl[len(cl)-1]] {
		cl = cl[:len(cl)-1]
	}
	return cl
}

// fitWords returns whole words of a clause within maxPhraseRunes, keeping
// must (a word run inside the clause) if the clause holds it.
func fitWords(cl []string, must string) string {
	total := 0
	for _, w := range cl {
		total += utf8.RuneCountInString(w)
	}
	if total <= maxPhraseRunes {
		return strings.Join(cl, "")
	}
	// Slide a window of whole words; prefer the one holding must, then the
	// earliest.
	for _, needMust := range []bool{true, false} {
		for a := range cl {
			runes := 0
			b := a
			for b < len(cl) && runes+utf8.RuneCountInString(cl[b]) <= maxPhraseRunes {
				runes += utf8.RuneCountInString(cl[b])
				b++
			}
			win := trimEdges(cl[a:b])
			s := strings.Join(win, "")
			if s != "" && (!needMust || must == "" || strings.Contains(s, must)) {
				return s
			}
		}
	}
	return ""
}

func hasContentWord(ws []string) bool {
	for _, w := range ws {
		if utf8.RuneCountInString(w) >= 2 && hasWordRune(w) && !keywordStop[w] && !phraseEdgeStop[w] {
			return true
		}
	}
	return false
}

func indexOr(s, sub string) int {
	if i := strings.Index(s, sub); i >= 0 {
		return i
	}
	return math.MaxInt
}

// mostFrequent returns the most frequent key, the longest on ties, then the
// first in byte order; "" for an empty map.
func mostFrequent(m map[string]int) string {
	best, bn := "", 0
	for k, n := range m {
		if n > bn || (n == bn && (len(k) > len(best) || (len(k) == len(best) && k < best))) {
			best, bn = k, n
		}
	}
	return best
}

// stripPlaces replaces the place names and administrative codes of text by
// a comma, so that they do not become keywords.
func stripPlaces(text string) string {
	ms := findPlaces(text, false)
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	prev := 0
	for _, m := range ms {
		b.WriteString(text[prev:m.Pos])
		b.WriteString("，")
		prev = m.End
	}
	b.WriteString(text[prev:])
	return b.String()
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
