package textai

import (
	"strings"
	"unicode/utf8"
)

// Place extraction from free text.
//
// Messages on a city board rarely carry coordinates, so the place a message is
// about has to come from its words: "A市A5区魅力之城小区", "黄兴路", "金鼎村",
// "春华镇". Chinese has no spaces, so the end of a place name is found by its
// suffix (小区, 路, 村, 街道, …) and its start by the nearest boundary before
// it: punctuation, an administrative code such as "A5区", the end of another
// place name, or a leading function word (反映, 关于, 位于, …) that is trimmed
// off. Names whose core is still long are cut with the segmenter and only
// their trailing words kept, which turns "每天都要过马路" into the generic
// "马路" and then rejects it. This is a pattern extractor, not a gazetteer:
// it finds names a city has never registered, at the price of some noise,
// which the callers tolerate because they prefer names in titles and names
// that several messages share.

// placeKind orders place names from vague to specific; a message's place is
// the most specific name it mentions.
type placeKind uint8

const (
	placeNone     placeKind = iota
	placeCity               // A市
	placeDistrict           // A5区, A7县
	placeTown               // 春华镇, 东湖街道, 黄花乡
	placeRoad               // 黄兴路, 万家丽南路, 大古道巷
	placeSite               // 小区, 村, 社区, 学校, 医院, 市场: a place people live or go to
)

// placeSuffix is one suffix that ends a place name. key says whether the
// suffix belongs to the place key: "魅力之城小区" and "魅力之城" are the same
// estate, so 小区 is dropped from the key, while "黄兴路" is not "黄兴".
type placeSuffix struct {
	s    string
	kind placeKind
	key  bool
}

// placeSuffixes, longest first at each end so that "街道" wins over "道"
// and "大道" over "道".
var placeSuffixes = []placeSuffix{
	{"小区", placeSite, false}, {"社区", placeSite, false}, {"花园", placeSite, true},
	{"家园", placeSite, true}, {"新城", placeSite, true}, {"新村", placeSite, true},
	{"公寓", placeSite, true}, {"公馆", placeSite, true}, {"大厦", placeSite, true},
	{"广场", placeSite, true}, {"山庄", placeSite, true}, {"华府", placeSite, true},
	{"华庭", placeSite, true}, {"嘉园", placeSite, true}, {"安置区", placeSite, true},
	{"幼儿园", placeSite, true}, {"小学", placeSite, true}, {"中学", placeSite, true},
	{"学校", placeSite, true}, {"医院", placeSite, true}, {"市场", placeSite, true},
	{"公园", placeSite, true}, {"车站", placeSite, true}, {"商场", placeSite, true},
	{"超市", placeSite, true}, {"工地", placeSite, true}, {"苑", placeSite, true},
	{"园", placeSite, true},
	{"村", placeSite, true},
	{"街道", placeTown, true}, {"镇", placeTown, true}, {"乡", placeTown, true},
	{"大道", placeRoad, true}, {"路", placeRoad, true}, {"街", placeRoad, true},
	{"巷", placeRoad, true},
}

// suffixBreakers are the characters that, right after a one-character
// suffix, show it is the start of another word instead.
var suffixBreakers = map[string]string{
	"路": "灯面况线人过费基段",
	"街": "坊道",
	"园": "林区艺丁长所内",
	"村": "民委级里干组",
}

// suffixBlockers are characters that, right before a one-character
// suffix, make a common word of it instead of the end of a name: a verb's
// object ("老板跑路", ran off; "带路") or a noun ("广铁集团铁路职工",
// the railway; "线路", "网路").
var suffixBlockers = map[string]string{
	"路": "跑走让问带引铁线网思出",
}

// genericPlaces are words that end like a place name but name no place.
var genericPlaces = map[string]bool{
	"马路": true, "道路": true, "公路": true, "水泥路": true, "小路": true, "山路": true,
	"出路": true, "思路": true, "线路": true, "网路": true, "一路": true, "走路": true,
	"修路": true, "铁路": true, "高速公路": true, "步行街": true, "大街": true, "街道": true,
	"农村": true, "乡村": true, "城乡": true, "本村": true, "全村": true, "该村": true,
	"村村": true, "新农村": true, "家乡": true, "下乡": true, "城镇": true, "乡镇": true,
	"集镇": true, "小区": true, "社区": true, "该小区": true, "本小区": true, "我小区": true,
	"老小区": true, "新小区": true, "各小区": true, "花园": true, "家园": true, "公园": true,
	"幼儿园": true, "小学": true, "中学": true, "学校": true, "医院": true, "市场": true,
	"车站": true, "广场": true, "公寓": true, "大厦": true, "新城": true, "新村": true,
	"村里": true, "街巷": true, "老街": true, "商业街": true, "美食街": true, "公办小学": true,
	"公办幼儿园": true, "民办幼儿园": true, "私立学校": true, "民办学校": true,
	"培训学校": true, "人民医院": true, "中心医院": true, "农贸市场": true, "菜市场": true,
	"安置区": true, "主干道": true, "人行道": true, "车道": true, "过道": true, "通道": true,
	"工地": true, "建筑工地": true, "施工工地": true, "商场": true, "超市": true, "校园": true,
	"菜园": true, "果园": true, "家长": true, "乐园": true, "花园小区": true, "园": true,
	"住宅小区": true, "居民小区": true, "商品房小区": true, "城市道路": true, "市政道路": true,
}

// leadingWords are words that often stand right before a place name inside
// the same run of characters; they are trimmed from the start of a name.
var leadingWords = []string{
	"坐落在", "座落在", "位于", "地处", "住在", "反映", "关于", "投诉", "举报", "咨询",
	"请问", "建议", "希望", "要求", "请求", "强烈", "市民", "居民", "业主", "本人",
	"我们", "我家", "家住", "就是", "目前", "现在", "对于", "针对", "紧邻", "靠近",
	"附近", "旁边", "整治", "治理", "解决", "处理", "改造", "规划", "建设", "开发",
	"请", "在", "于", "的", "和", "与", "及", "对", "是", "我", "从", "到", "至", "向",
	"把", "被", "给", "为", "将", "由", "该", "此", "本", "这", "那", "个", "原",
}

// A place name is at most maxPlaceRunes long; a longer candidate is cut
// with the segmenter.
const (
	maxPlaceRunes = 10
	maxCoreRunes  = 7
)

// placeMention is one place name found in a text.
type placeMention struct {
	Name string    // as written, e.g. "魅力之城小区"
	Key  string    // the grouping key, e.g. "魅力之城"
	Kind placeKind //
	Pos  int       // byte offset in the text
	End  int       // byte offset just after the name
}

// isAdminCode reports an administrative code at the start of s, such as
// "A市", "A5区", "K9县", the anonymised form the board uses, and returns
// its length in bytes and kind.
func isAdminCode(s string) (int, placeKind) {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		return 0, placeNone
	}
	i := 1
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	switch r {
	case '市':
		return i + n, placeCity
	case '区', '县':
		return i + n, placeDistrict
	}
	return 0, placeNone
}

// findPlaces returns the place names in text in order of appearance.
// Segment is used only for overlong candidates, so with segment == false
// (the fast path the benchmarks and the similarity index use) long
// candidates keep their trailing maxCoreRunes runes instead.
func findPlaces(text string, segment bool) []placeMention {
	var out []placeMention
	// start is the byte offset where the current candidate may begin.
	start := 0
	for i := 0; i < len(text); {
		if n, kind := isAdminCode(text[i:]); n > 0 && (i == 0 || !isASCIIAlnumByte(text[i-1])) {
			out = append(out, placeMention{Name: text[i : i+n], Key: text[i : i+n], Kind: kind, Pos: i, End: i + n})
			i += n
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isHan(r) && !isASCIIAlnumByte(text[i]) {
			i += n
			start = i
			continue
		}
		matched := false
		if isHan(r) {
			for _, suf := range placeSuffixes {
				if !strings.HasPrefix(text[i:], suf.s) {
					continue
				}
				end := i + len(suf.s)
				if stop, ok := suffixBreakers[suf.s]; ok {
					// 路灯, 路面, 街坊, 园区: the character starts another word.
					if next, _ := utf8.DecodeRuneInString(text[end:]); strings.ContainsRune(stop, next) {
						break
					}
				}
				if blockers, ok := suffixBlockers[suf.s]; ok && i > start {
					if prev, _ := utf8.DecodeLastRuneInString(text[start:i]); strings.ContainsRune(blockers, prev) {
						i = end
						start = end
						matched = true
						break
					}
				}
				m, ok, generic := placeAt(text, start, i, end, suf, segment)
				if ok {
					// "金桂苑小区": 苑 ends the name, 小区 belongs to it.
					for _, tail := range []string{"小区", "社区"} {
						if suf.s != tail && strings.HasPrefix(text[end:], tail) {
							m.Name += tail
							m.End += len(tail)
							end += len(tail)
						}
					}
					out = append(out, m)
					i = end
					start = end
					matched = true
				} else if generic {
					// "步行街大古道巷": the next name starts after the generic word.
					i = end
					start = end
					matched = true
				}
				break
			}
		}
		if !matched {
			i += n
		}
	}
	return out
}

func isASCIIAlnumByte(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// notInNames are characters that occur in clauses but hardly ever in the
// name of an estate, road or village.
const notInNames = "了的不没很太吗呢吧被把都就还也又让给说想要"

// placeAt builds the place name text[start:end] whose suffix starts at sufPos,
// trimming leading words and rejecting generic words; generic reports that
// the name was rejected as a generic word (马路, 步行街).
func placeAt(text string, start, sufPos, end int, suf placeSuffix, segment bool) (m placeMention, ok, generic bool) {
	core := text[start:sufPos]
	for trimmed := true; trimmed; {
		trimmed = false
		for _, w := range leadingWords {
			if strings.HasPrefix(core, w) && utf8.RuneCountInString(core)-utf8.RuneCountInString(w) >= 2 {
				core = core[len(w):]
				trimmed = true
				break
			}
		}
	}
	if utf8.RuneCountInString(core) > maxCoreRunes {
		core = trailingCore(core, segment)
	}
	// Digits at the start belong to a house number ("3栋"), not the name.
	core = strings.TrimLeft(core, "0123456789")
	name := core + suf.s
	if genericPlaces[name] || genericPlaces[core] {
		return placeMention{}, false, true
	}
	if utf8.RuneCountInString(core) < 2 && suf.kind != placeSite || core == "" ||
		isLeadingWord(core) || // "投诉小区": no name, only a verb
		strings.ContainsAny(core, notInNames) || // "坏了晚上看不见路"
		utf8.RuneCountInString(name) > maxPlaceRunes {
		return placeMention{}, false, false
	}
	key := name
	if !suf.key {
		key = core
		if utf8.RuneCountInString(core) < 2 {
			return placeMention{}, false, false
		}
	}
	return placeMention{Name: name, Key: key, Kind: suf.kind, Pos: sufPos - len(core), End: end}, true, false
}

// trailingCore keeps the last words of an overlong name core: with the
// segmenter, whole words while they fit in maxCoreRunes; without it, the
// last maxCoreRunes runes.
func trailingCore(core string, segment bool) string {
	if segment && loadSegmenter() == nil {
		segmenter.mu.RLock()
		words := segmenter.seg.Cut(core, false)
		segmenter.mu.RUnlock()
		n, i := 0, len(words)
		for i > 0 {
			w := utf8.RuneCountInString(words[i-1])
			if n+w > maxCoreRunes {
				break
			}
			n += w
			i--
		}
		out := strings.Join(words[i:], "")
		// One-character words at the front are usually particles (的, 在).
		for utf8.RuneCountInString(out) > 2 {
			r, sz := utf8.DecodeRuneInString(out)
			if !strings.ContainsRune("的在了和与到从是要过也都就还把被对向", r) {
				break
			}
			out = out[sz:]
		}
		return out
	}
	rs := []rune(core)
	return string(rs[len(rs)-maxCoreRunes:])
}

// primaryPlace chooses the place a message is about: the most specific name
// in its title, else the most specific name in the opening of its text
// (later sentences wander to other places), earliest on ties. It returns
// the mentions of the title and opening too, for naming.
func primaryPlace(title, text string, segment bool) (best placeMention, district string) {
	pick := func(ms []placeMention) {
		for _, m := range ms {
			if m.Kind == placeDistrict && district == "" {
				district = m.Name
			}
			if m.Kind > best.Kind {
				best = m
			}
		}
	}
	pick(findPlaces(title, segment))
	if best.Kind < placeTown {
		opening := text
		if len(opening) > 300 { // ~100 CJK runes
			cut := 300
			for cut > 0 && !utf8.RuneStart(opening[cut]) {
				cut--
			}
			opening = opening[:cut]
		}
		var prev placeMention
		prev, best = best, placeMention{}
		pick(findPlaces(opening, segment))
		if prev.Kind >= best.Kind {
			best = prev
		}
	}
	return best, district
}

func isLeadingWord(s string) bool {
	for _, w := range leadingWords {
		if s == w {
			return true
		}
	}
	return keywordStop[s]
}
