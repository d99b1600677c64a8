#!/usr/bin/env bash
# scripts/check-tracked.sh — fail when git tracks a file that must not be in
# the repository: a key (*.key, a PEM private key, an Anju data-key line), a
# database (*.db and its -wal/-shm, SQLite's header), an executable (ELF,
# Mach-O or PE, or the x bit on a file without #!), or a file over 2 MB.
# Paths listed in scripts/tracked-allow.txt (one per line, # comments) are
# exempt from every check. Run by `make test`; prints one line per offending
# file and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
max=$((2 * 1024 * 1024))

declare -A allowed=()
if [[ -f scripts/tracked-allow.txt ]]; then
	while IFS= read -r line || [[ -n "$line" ]]; do
		line=${line%%#*}
		line=${line#"${line%%[![:space:]]*}"}
		line=${line%"${line##*[![:space:]]}"}
		[[ -n "$line" ]] && allowed[$line]=1
	done <scripts/tracked-allow.txt
fi

# A data-key file line: ID:BASE64 of 32 bytes (see internal/personal).
keyline='^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/_-]{43}=?[[:space:]]*$'

bad=0
report() {
	printf 'check-tracked: %s: %s\n' "$1" "$2" >&2
	bad=1
}

# The index says what is tracked and with which mode; the content is read
# from the work tree (files deleted there but still tracked are skipped).
while IFS= read -r -d '' entry; do
	mode=${entry%% *}
	path=${entry#*$'\t'}
	[[ -n "${allowed[$path]:-}" ]] && continue
	[[ -f "$path" && ! -L "$path" ]] || continue
	case "$path" in
	*.key | *.pem | *.p12 | *.pfx) report "$path" "a key file"; continue ;;
	*.db | *.db-wal | *.db-shm | *.sqlite | *.sqlite3) report "$path" "a database file"; continue ;;
	esac
	size=$(wc -c <"$path")
	if ((size > max)); then
		report "$path" "$size bytes, over the 2 MB limit (add it to scripts/tracked-allow.txt only if it must be tracked)"
		continue
	fi
	magic=$(head -c 16 "$path" | od -An -tx1 | tr -d ' \n')
	case "$magic" in
	53514c69746520666f726d6174203300*) report "$path" "an SQLite database"; continue ;;
	7f454c46*) report "$path" "an ELF executable"; continue ;;
	feedface* | feedfacf* | cefaedfe* | cffaedfe* | cafebabe*) report "$path" "a Mach-O executable"; continue ;;
	4d5a*) report "$path" "a PE (Windows) executable"; continue ;;
	esac
	if grep -qE -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----' "$path" 2>/dev/null; then
		report "$path" "holds a PEM private key"
		continue
	fi
	if grep -qE -- "$keyline" "$path" 2>/dev/null; then
		report "$path" "holds an Anju data key (ID:BASE64KEY line)"
		continue
	fi
	if [[ "$mode" == 100755 && "${magic:0:4}" != 2321 ]]; then
		report "$path" "executable bit set on a file that is not a #! script"
	fi
done < <(git ls-files -s -z | sed -z 's/^\([0-7]*\) [0-9a-f]* [0-9]*\t/\1 \t/')

if ((bad)); then
	echo "check-tracked: remove these files from git (git rm --cached FILE) and ignore them" >&2
	exit 1
fi
