#!/usr/bin/env bash
# scripts/fmt-check.sh — fail when any Go file in the repo is not gofmt'ed.
# Skips .git, vendor/ and testdata/ (which may hold deliberately bad Go).
set -euo pipefail
cd "$(dirname "$0")/.."
bad=$(find . \( -name .git -o -name vendor -o -name testdata -o -name node_modules \) -prune \
	-o -name '*.go' -type f -print0 | xargs -0 -r "${GOFMT:-gofmt}" -l)
if [[ -n "$bad" ]]; then
	echo "fmt-check: these files need gofmt -w:" >&2
	echo "$bad" >&2
	exit 1
fi
