package figures

import (
	"flag"
	"os"
	"strings"
	"testing"

	"anju/internal/locale"
)

var updateREADME = flag.Bool("update", false, "rewrite the README's figure table from Definitions")

const (
	readmePath  = "../../README.md"
	tableBegin  = "<!-- figures table: generated from internal/figures by `go test -tags ne ./internal/figures -run README -update` -->"
	tableEnd    = "<!-- end of figures table -->"
	noneInTable = "—"
)

// readmeTable renders Definitions as the README quotes them.
func readmeTable() string {
	var b strings.Builder
	b.WriteString("| key | figure | 指标 | population | numerator | denominator | on time |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	cell := func(s string) string {
		if s == "" {
			return noneInTable
		}
		return strings.ReplaceAll(s, "|", `\|`)
	}
	for _, d := range Definitions() {
		name := "figures." + string(d.Key)
		b.WriteString("| `" + string(d.Key) + "` | " + cell(locale.Printer{Lang: locale.EN}.T(name)) + " | " +
			cell(locale.Printer{Lang: locale.ZH}.T(name)) + " | " + cell(d.Population) + " | " + cell(d.Numerator) +
			" | " + cell(d.Denominator) + " | " + cell(d.OnTime) + " |\n")
	}
	return b.String()
}

// TestREADMEQuotesDefinitions keeps the README's figure table word for word
// what Definitions say; -update rewrites it.
func TestREADMEQuotesDefinitions(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, tableBegin), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README has no figures table between %q and %q", tableBegin, tableEnd)
	}
	want := tableBegin + "\n\n" + readmeTable() + "\n"
	got := readme[i:j]
	if got == want {
		return
	}
	if *updateREADME {
		if err := os.WriteFile(readmePath, []byte(readme[:i]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's figures table is not what Definitions say; run go test -tags ne ./internal/figures -run README -update\n got:\n%s\nwant:\n%s", got, want)
}
