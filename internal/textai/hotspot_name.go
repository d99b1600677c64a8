package textai

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Naming a hotspot: "place — problem".
//
// The place is written the way most of the cluster's reports write it: the
// most frequent city, district and place name, joined ("A市" "A5区"
// "魅力之城小区"). The problem is the words of the titles, with place names
// cut out and segmented by gse, scored by how many of the cluster's titles
// use the word times how rare the word is in all reports (the mean IDF of
// its character bigrams, from the statistics clustering already computed,
// so naming needs no second pass over the data). The best four words that do
// not overlap one another are the keywords; the name joins them in the order
// they appear in the title that holds most of them, which reads like a title
// ("临街餐饮油烟噪音扰民").

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

func nameHotspot(h *Hotspot, reports []HotspotReport, places []hsPlace, members []int32, idf *idfTable) {
	cities, districts, names := map[string]int{}, map[string]int{}, map[string]int{}
	for _, m := range members {
		p := places[m]
		h.PlaceKey = p.key // equal for all members of a block
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
	name := mostFrequent(names)
	h.Place = mostFrequent(cities) + mostFrequent(districts) + name
	if name == "" && h.PlaceKey != "" && !strings.HasSuffix(h.Place, h.PlaceKey) && reports[members[0]].Place != "" {
		h.Place = h.PlaceKey // a caller-supplied place, such as a grid
	}
	if h.Place == "" {
		h.Place = "（未注明地点）"
	}

	// Keywords.
	type stat struct {
		docs  int
		first int // first member index using the word, for a stable order
	}
	stats := map[string]*stat{}
	titles := make([][]string, len(members))
	loaded := loadSegmenter() == nil
	for i, m := range members {
		t := stripPlaces(reports[m].Title)
		if t == "" {
			t = stripPlaces(firstRunes(reports[m].Text, 60))
		}
		var words []string
		if loaded {
			segmenter.mu.RLock()
			words = segmenter.seg.Cut(t, true)
			segmenter.mu.RUnlock()
		}
		seen := map[string]bool{}
		for _, w := range words {
			w = strings.TrimSpace(w)
			if utf8.RuneCountInString(w) < 2 || !hasWordRune(w) || keywordStop[w] || isDigits(w) || seen[w] {
				continue
			}
			seen[w] = true
			titles[i] = append(titles[i], w)
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
		share := float64(st.docs) / float64(len(members))
		cand = append(cand, scored{w, share * share * sum / float64(n), st.first})
	}
	slices.SortFunc(cand, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.first, b.first), strings.Compare(a.w, b.w))
	})
	for _, c := range cand {
		if len(h.Keywords) == maxKeywords {
			break
		}
		overlap := false
		for _, k := range h.Keywords {
			if strings.Contains(k, c.w) || strings.Contains(c.w, k) {
				overlap = true
				break
			}
		}
		if !overlap {
			h.Keywords = append(h.Keywords, c.w)
		}
	}
	// Order the keywords as the title that holds most of them does.
	best, bestN := "", -1
	for i, m := range members {
		n := 0
		for _, k := range h.Keywords {
			if slices.Contains(titles[i], k) {
				n++
			}
		}
		if n > bestN {
			best, bestN = reports[m].Title, n
		}
	}
	ordered := slices.Clone(h.Keywords)
	slices.SortStableFunc(ordered, func(a, b string) int {
		return cmp.Compare(indexOr(best, a), indexOr(best, b))
	})
	h.Name = h.Place
	if len(ordered) > 0 {
		h.Name += " — " + strings.Join(ordered, "")
	}
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
