#!/usr/bin/env bash
# scripts/vendor-assets.sh — fetch the browser libraries the web pages embed
# from npm, copy the files used into internal/web/static/vendor/ (served from
# the binary, no CDN) and record name, version, licence and sha256 of each in
# internal/web/static/vendor/VERSIONS. axe-core (the accessibility checker,
# tests only) goes to internal/web/webtest/ (embedded by the browser tests).
#
# Usage: scripts/vendor-assets.sh            # the pinned versions below
#        HTMX=2.0.x LEAFLET=1.9.x scripts/vendor-assets.sh   # refresh
set -euo pipefail
HTMX=${HTMX:-2.0.11}
LEAFLET=${LEAFLET:-1.9.4}
AXE=${AXE:-4.14.1}
ECHARTS=${ECHARTS:-6.1.0}

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/internal/web/static/vendor
testdata=$root/internal/web/webtest
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$testdata"

fetch() { # package version -> dir of the unpacked package
	local tgz
	tgz=$(cd "$work" && npm pack --silent "$1@$2" | tail -1)
	mkdir -p "$work/$1" && tar -xzf "$work/$tgz" -C "$work/$1" && rm -f "$work/$tgz"
	echo "$work/$1/package"
}
licence() { node -e 'console.log(require(process.argv[1]).license||"")' "$1/package.json"; }

{
	echo "# Vendored browser libraries (written by scripts/vendor-assets.sh; do not edit)"
	echo "# file	package	version	licence	sha256"
} >"$out/VERSIONS"
record() { # file package version licence
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(sha256sum "$out/$1" | cut -d' ' -f1)" >>"$out/VERSIONS"
}

d=$(fetch htmx.org "$HTMX")
cp "$d/dist/htmx.min.js" "$out/htmx.min.js"
record htmx.min.js htmx.org "$HTMX" "$(licence "$d")"

d=$(fetch leaflet "$LEAFLET")
cp "$d/dist/leaflet.js" "$out/leaflet.js"
cp "$d/dist/leaflet.css" "$out/leaflet.css"
mkdir -p "$out/images"
cp "$d"/dist/images/*.png "$out/images/"
record leaflet.js leaflet "$LEAFLET" "$(licence "$d")"
record leaflet.css leaflet "$LEAFLET" "$(licence "$d")"
for f in "$out"/images/*.png; do record "images/$(basename "$f")" leaflet "$LEAFLET" "$(licence "$d")"; done
cp "$d/LICENSE" "$out/LICENSE.leaflet"

if [[ -n "$ECHARTS" ]]; then
	d=$(fetch echarts "$ECHARTS")
	cp "$d/dist/echarts.common.min.js" "$out/echarts.common.min.js"
	record echarts.common.min.js echarts "$ECHARTS" "$(licence "$d")"
	cp "$d/LICENSE" "$out/LICENSE.echarts"
fi

d=$(fetch axe-core "$AXE")
cp "$d/axe.min.js" "$testdata/axe.min.js"
printf 'axe.min.js\taxe-core\t%s\t%s\t%s\n' "$AXE" "$(licence "$d")" "$(sha256sum "$testdata/axe.min.js" | cut -d' ' -f1)" >"$testdata/AXE_VERSION"
echo "vendored into $out:"; cat "$out/VERSIONS"
