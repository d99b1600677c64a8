package locale

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// Every key is said in every language, and no message is left empty or
// untranslated (an English message equal to the Chinese one is allowed only
// for codes and names without Chinese characters).
func TestCataloguesMatch(t *testing.T) {
	zh, en := Keys(ZH), Keys(EN)
	for _, k := range zh {
		if !Has(EN, k) {
			t.Errorf("key %q has no English message", k)
		}
	}
	for _, k := range en {
		if !Has(ZH, k) {
			t.Errorf("key %q has no Chinese message", k)
		}
	}
	for _, l := range Langs {
		for _, k := range Keys(l) {
			msg := Printer{l}.T(k)
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s: key %q is empty", l, k)
			}
			if l == EN && hasHan(msg) {
				t.Errorf("en: key %q is still Chinese: %q", k, msg)
			}
		}
	}
	if !slices.Equal(zh, en) {
		t.Errorf("catalogues differ: %d zh keys, %d en keys", len(zh), len(en))
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestFromRequest(t *testing.T) {
	for _, c := range []struct {
		url, cookie, accept string
		want                Lang
		chosen              bool
	}{
		{"/", "", "", ZH, false},
		{"/", "", "en-US,en;q=0.9", EN, false},
		{"/", "", "fr-FR, en;q=0.5, zh;q=0.8", ZH, false},
		{"/", "", "de, en;q=0.3", EN, false},
		{"/", "", "en;q=0", ZH, false},
		{"/", "en", "zh-CN", EN, false},
		{"/", "xx", "en", EN, false},
		{"/?lang=en", "zh", "zh", EN, true},
		{"/?lang=zh", "en", "en", ZH, true},
		{"/?lang=fr", "en", "", EN, false},
	} {
		r := httptest.NewRequest("GET", c.url, nil)
		if c.cookie != "" {
			r.Header.Set("Cookie", Cookie+"="+c.cookie)
		}
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		got, chosen := FromRequest(r)
		if got != c.want || chosen != c.chosen {
			t.Errorf("%s cookie=%q accept=%q: got %s,%v want %s,%v", c.url, c.cookie, c.accept, got, chosen, c.want, c.chosen)
		}
	}
}

func TestPrinterFormats(t *testing.T) {
	if got := (Printer{EN}).T("error.too_many", 3); !strings.Contains(got, "3") {
		t.Errorf("formatted message lacks its argument: %q", got)
	}
	if got := (Printer{EN}).T("no.such.key"); got != "[no.such.key]" {
		t.Errorf("missing key shows %q", got)
	}
}
