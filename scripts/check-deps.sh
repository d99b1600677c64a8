#!/usr/bin/env bash
# scripts/check-deps.sh — fail when README.md's dependency table does not
# list every module go.mod requires directly at the version the build uses.
# govulncheck cannot reach its database from here; the table is the record
# of what is built in, to check against advisories by hand.
# README (default README.md) names another file to check.
set -euo pipefail
cd "$(dirname "$0")/.."
readme=${README:-README.md}
missing=0
while read -r mod ver; do
	[[ -z "$mod" ]] && continue
	m=${mod//./\\.} v=${ver//./\\.}
	if ! grep -Eq "^\| *\`?${m}\`? *\| *\`?${v}\`? *\|" "$readme"; then
		echo "check-deps: $readme lacks the row | $mod | $ver |" >&2
		missing=1
	fi
done < <(go list -tags ne -m -f '{{if and (not .Indirect) (not .Main)}}{{.Path}} {{.Version}}{{end}}' all)
exit $missing
