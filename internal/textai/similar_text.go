package textai

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Text features shared by the duplicate index and hotspot clustering.
//
// A report becomes a bag of character unigrams and bigrams of its CJK runs
// plus ASCII words and numbers, hashed to 64 bits (collisions are
// negligible at that width). Character bigrams were chosen over words for the
// same reasons as in the classifier (features.go): no segmenter on the hot
// path (gse is ~20× slower than this scanner), and unknown words such as
// estate names or slang still overlap in their bigrams. Unigrams let
// "灯坏了" meet "路灯不亮" through 灯 and "噪音" meet "太吵" through nothing
// but context, which is why paraphrases need them; IDF keeps common
// characters from dominating. On the hand-made pairs of similar_test.go,
// unigram weights 0.25, 0.5, 0.75 and 1 gave recall 0.91, 0.97, 0.97 and
// 1.0 at precision ≥ 0.97, so they weigh the same as bigrams. The title is counted twice because residents put the
// problem in the title and the story in the text.
//
// Place names found by findPlaces are cut out before counting: where a
// problem is belongs to the place score, and leaving "魅力之城小区" in the
// text would make every complaint about that estate look alike.

const (
	unigramWeight = 1.0
	// maxTextRunes bounds the text read per report: the opening says what the
	// problem is, and some messages run to 7,000 characters.
	maxTextRunes = 400
)

// termVec is a sparse vector of hashed terms sorted by key.
type termVec struct {
	keys []uint64
	val  []float32
}

// termScratch collects hashed terms of one report; it is not safe for
// concurrent use.
type termScratch struct {
	raw []uint64
}

// addText appends the terms of text, skipping the byte ranges of places
// (sorted by Pos) and reading at most maxRunes runes.
func (s *termScratch) addText(text string, places []placeMention, maxRunes int) {
	var prev rune
	var tok uint64
	flushTok := func() {
		if tok != 0 {
			s.raw = append(s.raw, tok|3)
			tok = 0
		}
	}
	p := 0
	runes := 0
	for i := 0; i < len(text); {
		if p < len(places) && i >= places[p].Pos {
			if i < places[p].End {
				flushTok()
				prev = 0
				i = places[p].End
			}
			p++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		if runes++; runes > maxRunes {
			break
		}
		r = normRune(r)
		if isHan(r) {
			flushTok()
			s.raw = append(s.raw, mix64(uint64(r))&^3|1)
			if prev != 0 {
				s.raw = append(s.raw, mix64(uint64(prev)<<21|uint64(r))&^3|2)
			}
			prev = r
			continue
		}
		prev = 0
		if r >= '0' && r <= '9' && tok == 0 {
			// A house or building number ("3栋", "4栋2单元", "5号楼") is
			// part of the address, not of the problem: skip the digits
			// and the unit character after them.
			for i < len(text) && text[i] >= '0' && text[i] <= '9' {
				i++
			}
			for u, n := utf8.DecodeRuneInString(text[i:]); n > 0 && strings.ContainsRune("栋幢号楼期组单元层室", u); u, n = utf8.DecodeRuneInString(text[i:]) {
				i += n
			}
			continue
		}
		if isASCIIWord(r) {
			if tok = (tok ^ uint64(r)) * 0x100000001b3; tok == 0 {
				tok = 1
			}
			continue
		}
		flushTok()
	}
	flushTok()
}

// vec turns the collected terms into a termVec with sublinear term
// frequencies (1+ln tf) and empties the scratch. The low two bits of a key
// say its type: 1 unigram, 2 bigram, 3 ASCII word.
func (s *termScratch) vec() termVec {
	slices.Sort(s.raw)
	var v termVec
	for i := 0; i < len(s.raw); {
		j := i + 1
		for j < len(s.raw) && s.raw[j] == s.raw[i] {
			j++
		}
		w := tfWeight(uint16(min(j-i, math.MaxUint16)))
		if s.raw[i]&3 == 1 {
			w *= unigramWeight
		}
		v.keys = append(v.keys, s.raw[i])
		v.val = append(v.val, w)
		i = j
	}
	s.raw = s.raw[:0]
	return v
}

// problemVec is the term vector of a report's problem: title twice and the
// opening of the text, with the place names cut out.
func (s *termScratch) problemVec(title, text string, titlePlaces, textPlaces []placeMention) termVec {
	s.addText(title, titlePlaces, maxTextRunes)
	s.addText(title, titlePlaces, maxTextRunes)
	s.addText(text, textPlaces, maxTextRunes)
	return s.vec()
}

// weightedCosine is the cosine of a and b after scaling every term by
// weight(key) (an IDF); with weight nil every term weighs 1.
func weightedCosine(a, b termVec, weight func(uint64) float32) float64 {
	var dot, na, nb float64
	w := func(k uint64) float64 {
		if weight == nil {
			return 1
		}
		x := float64(weight(k))
		return x * x
	}
	i, j := 0, 0
	for i < len(a.keys) || j < len(b.keys) {
		switch {
		case j >= len(b.keys) || (i < len(a.keys) && a.keys[i] < b.keys[j]):
			x := float64(a.val[i])
			na += x * x * w(a.keys[i])
			i++
		case i >= len(a.keys) || b.keys[j] < a.keys[i]:
			y := float64(b.val[j])
			nb += y * y * w(b.keys[j])
			j++
		default:
			x, y, ww := float64(a.val[i]), float64(b.val[j]), w(a.keys[i])
			dot += x * y * ww
			na += x * x * ww
			nb += y * y * ww
			i++
			j++
		}
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return math.Min(1, dot/math.Sqrt(na*nb))
}
