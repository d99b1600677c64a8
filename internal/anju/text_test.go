package anju

import "testing"

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		in, clean string
		blank     bool
	}{
		{"路灯不亮", "路灯不亮", false},
		{"  路灯\t不亮\n第二行  ", "路灯\t不亮\n第二行", false},
		{"路\x00灯\x1b[31m不亮\r\n", "路灯[31m不亮", false},
		{"\x00\x00\x00", "", true},
		{"\u200b\u200c\u200d", "\u200b\u200c\u200d", true},
		{"\u2060\ufeff \u3000\n", "\u2060\ufeff", true},
		{"\u200e\u202e\x7f\u0085", "\u200e\u202e", true},
		{"", "", true},
		{"👨\u200d👩", "👨\u200d👩", false},
		{"a\xffb", "ab", false},
	} {
		got := CleanText(tc.in)
		if got != tc.clean {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.clean)
		}
		if b := Blank(got); b != tc.blank {
			t.Errorf("Blank(CleanText(%q)) = %v, want %v", tc.in, b, tc.blank)
		}
		if b := Blank(tc.in); b != tc.blank {
			t.Errorf("Blank(%q) = %v, want %v", tc.in, b, tc.blank)
		}
	}
}
