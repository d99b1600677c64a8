package anju

import (
	"strings"
	"unicode"
)

// CleanText is the one rule for free text people type into Anju (a case's
// title, text and address, an action's note, reason or result, a calendar
// note): control characters other than newline and tab are removed, since
// a NUL or an escape has no meaning in a complaint and breaks terminals,
// exports and some drivers, and surrounding whitespace is trimmed. Invisible
// format characters stay, because joiners belong inside emoji and scripts;
// Blank tells whether anything visible is left.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	if strings.IndexFunc(s, dropped) >= 0 {
		s = strings.Map(func(r rune) rune {
			if dropped(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

func dropped(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }

// Blank reports whether s says nothing: it holds only whitespace, control
// characters and format characters (Unicode category Cf: zero-width spaces
// and joiners U+200B–U+200D, the word joiner U+2060, the byte-order mark
// U+FEFF, direction marks…), which show as an empty text.
func Blank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsSpace(r) && !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r)
	}) < 0
}
