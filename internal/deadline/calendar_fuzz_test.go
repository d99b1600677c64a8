package deadline

import (
	"os"
	"strings"
	"testing"

	"anju/internal/anju"
)

// FuzzParseCSV feeds arbitrary bytes to the calendar reader a city's own
// overrides go through: no panic, every refusal an EINVALID error, and every
// accepted row a valid date that is a holiday or a workday.
func FuzzParseCSV(f *testing.F) {
	national, err := os.ReadFile("calendar/cn-2025-2026.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(national)
	for _, s := range []string{
		"date,kind,occasion\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节\n",
		"2027-10-01,holiday,\"国庆节、中秋节\"\n",
		"date,kind,occasion\n2027-02-30,holiday,x\n",
		"date,kind\n2027-01-01,holiday\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		days, err := ParseCSV(strings.NewReader(string(data)))
		if err != nil {
			if c := anju.ErrorCode(err); c != anju.EINVALID {
				t.Fatalf("error with code %s: %v", c, err)
			}
			return
		}
		for _, d := range days {
			if d.Kind != Holiday && d.Kind != Workday {
				t.Fatalf("accepted kind %q", d.Kind)
			}
			if _, err := ParseDate(d.Date.String()); err != nil {
				t.Fatalf("accepted date %v that does not parse back: %v", d.Date, err)
			}
		}
	})
}
