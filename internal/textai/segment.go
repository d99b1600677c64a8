package textai

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"

	"github.com/go-ego/gse"
)

// Build with -tags ne.
//
// gse embeds its own dictionaries (Japanese, traditional and simplified
// Chinese, stop words and an IDF table, about 38 MB of text) through
// dict_embed.go, which is compiled unless the build tag "ne" is set. Anju
// never uses that embed: it ships only the simplified-Chinese dictionary,
// gzipped (5.1 MB → 2.0 MB), below, and loads it with LoadDictStr.
//
// Measured with gse v0.80.3 and Go 1.26: the linker drops gse's embedded
// strings when nothing reachable refers to them, so with this package as it
// is the tag changes the binary by a few bytes. But as soon as any code in
// the binary calls gse.NewEmbed, LoadDictEmbed or LoadStopEmbed, or reads
// gse.ZhIdf, all of it is linked in: a program calling gse.NewEmbed("zh_s")
// is 35.9 MB without the tag and 3.5 MB with it. Building with -tags ne
// keeps that from happening by accident (those loaders then load nothing).
//
// gse's default loader (gse.New / LoadDict) reads its dictionary from the
// module-cache path recorded at compile time, which does not exist on a
// server; we only ever call LoadDictStr, which parses a string and touches
// no file (TestSegmentDeployed checks this with a -trimpath binary run
// from an empty directory).

//go:embed dict/zh_s_1.txt.gz
var zhDictGz []byte

// customWordFreq is the frequency given to words a city adds. It is high
// enough that the shortest-path segmentation keeps such a word whole (jieba's
// "suggest_freq" idea) without being so high that it swallows neighbouring
// characters that form more likely words.
const customWordFreq = 100000

// segmenter is the process-wide gse segmenter. Loading the dictionary takes a
// few seconds and ~100 MB of memory, so it happens on first use, never at
// program start: commands and servers that never segment never pay for it.
var segmenter struct {
	once sync.Once
	err  error
	mu   sync.RWMutex // guards seg.Dict against AddWords during Segment
	seg  gse.Segmenter
}

func loadSegmenter() error {
	segmenter.once.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(zhDictGz))
		if err != nil {
			segmenter.err = fmt.Errorf("textai: open embedded dictionary: %w", err)
			return
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			segmenter.err = fmt.Errorf("textai: read embedded dictionary: %w", err)
			return
		}
		segmenter.seg.SkipLog = true
		// LoadDictStr parses the text in memory; unlike LoadDict it never
		// looks for files next to gse's source.
		if err := segmenter.seg.LoadDictStr(string(raw)); err != nil {
			segmenter.err = fmt.Errorf("textai: load dictionary: %w", err)
		}
	})
	return segmenter.err
}

// LoadSegmenter loads the segmentation dictionary now rather than at the first
// call of Segment, so that a server can warm up in the background. It is safe
// to call more than once and from several goroutines.
func LoadSegmenter() error { return loadSegmenter() }

// AddWords adds a city's own words — place and estate names, department
// names — to the segmentation dictionary so that Segment keeps them whole.
// Blank entries are ignored. It loads the dictionary first if needed.
func AddWords(words []string) error {
	if err := loadSegmenter(); err != nil {
		return err
	}
	segmenter.mu.Lock()
	defer segmenter.mu.Unlock()
	added := false
	for _, w := range words {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if err := segmenter.seg.AddToken(w, customWordFreq); err != nil {
			return fmt.Errorf("textai: add word %q: %w", w, err)
		}
		added = true
	}
	if added {
		// Path costs depend on the total frequency, so recompute them once
		// after the batch rather than once per word (AddTokenForce).
		segmenter.seg.CalcToken()
	}
	return nil
}

// Segment splits text into words in search mode, suitable for a full-text
// index: long words are returned together with the dictionary words inside
// them (中华人民共和国 also yields 中华, 人民, 共和国). Punctuation and
// whitespace are dropped and ASCII letters are lower-cased. It returns nil if
// the dictionary cannot be loaded, which only happens if the binary is corrupt.
func Segment(text string) []string {
	if loadSegmenter() != nil {
		return nil
	}
	// gse's search mode never returns a whole input as one word ("路灯"
	// comes back as 路 / 灯), so a short query would miss what the same word
	// finds inside a sentence. Framing the text with punctuation makes it a
	// sentence; the marks are dropped below with the rest of the punctuation.
	segmenter.mu.RLock()
	raw := segmenter.seg.CutSearch("。" + text + "。")
	segmenter.mu.RUnlock()
	out := raw[:0]
	for _, w := range raw {
		w = strings.TrimSpace(w)
		if !hasWordRune(w) {
			continue
		}
		out = append(out, lowerASCII(w))
	}
	return out
}

// hasWordRune reports whether s contains a letter or a digit, which is what
// separates a word from punctuation, symbols and spaces.
func hasWordRune(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

// lowerASCII lower-cases ASCII letters only, leaving full-width and other
// scripts alone, and does not allocate when there is nothing to change.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
