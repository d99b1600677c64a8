package region

import (
	"testing"

	"anju/internal/anju"
)

func TestLevelOf(t *testing.T) {
	tests := []struct {
		code, parent string
		want         Level
		ok           bool
	}{
		{"330100", "", LevelCity, true},
		{"330102", "330100", LevelDistrict, true},
		{"330102001", "330102", LevelStreet, true},
		{"330102001001", "330102001", LevelCommunity, true},
		{"330102001001003", "330102001001", LevelGrid, true},
		{"3301020", "", "", false},
		{"33010a", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		got, err := LevelOf(tt.code, tt.parent)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("LevelOf(%q, %q) = %q, %v; want %q, ok=%v", tt.code, tt.parent, got, err, tt.want, tt.ok)
		}
	}
	for i, l := range Levels {
		if l.Depth() != i || !l.Valid() || l.Label() == "" {
			t.Errorf("level %s: depth %d", l, l.Depth())
		}
	}
	if Level("town").Valid() || Level("town").CodeLen() != 0 {
		t.Error("unknown level is valid")
	}
}

func TestValidateCode(t *testing.T) {
	tests := []struct {
		level        Level
		code, parent string
		field        string // "" when valid
	}{
		{LevelCity, "330100", "", ""},
		{LevelCity, "110000", "", ""},
		{LevelCity, "330102", "", "code"},
		{LevelCity, "330100", "330000", "parent"},
		{LevelDistrict, "330102", "330100", ""},
		{LevelDistrict, "110101", "110000", ""},
		{LevelDistrict, "330100", "330100", "code"},
		{LevelDistrict, "330200", "330100", "code"},
		{LevelDistrict, "340102", "330100", "code"},
		{LevelDistrict, "330102", "", "parent"},
		{LevelStreet, "330102001", "330102", ""},
		{LevelStreet, "330103001", "330102", "code"},
		{LevelStreet, "330102000", "330102", "code"},
		{LevelStreet, "33010200", "330102", "code"},
		{LevelCommunity, "330102001001", "330102001", ""},
		{LevelCommunity, "330102001001", "330102", "parent"},
		{LevelGrid, "330102001001003", "330102001001", ""},
		{LevelGrid, "330102001002003", "330102001001", "code"},
		{Level("town"), "330102001", "330102", "level"},
	}
	for _, tt := range tests {
		err := ValidateCode(tt.level, tt.code, tt.parent)
		if tt.field == "" {
			if err != nil {
				t.Errorf("ValidateCode(%s, %s, %s) = %v", tt.level, tt.code, tt.parent, err)
			}
			continue
		}
		if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != tt.field {
			t.Errorf("ValidateCode(%s, %s, %s) = %v, want EINVALID on field %s", tt.level, tt.code, tt.parent, err, tt.field)
		}
	}
}

func TestPath(t *testing.T) {
	if got := Path("330100", "330102", "330102001"); got != "/330100/330102/330102001/" {
		t.Errorf("Path = %q", got)
	}
	if got := Path(); got != "/" {
		t.Errorf("Path() = %q", got)
	}
}
