#!/usr/bin/env bash
# scripts/test.sh — find (or start) the services Anju's tests need, then run
# the tests. Called by `make test` (and `make bench`) from the repo root.
#
# Usage:
#   scripts/test.sh                # go test -tags ne <defaults> ${GO_TEST_PKGS:-./...}
#   scripts/test.sh CMD [ARGS...]  # run CMD with the same environment instead
#
# PostgreSQL, first that works:
#   1. $ANJU_TEST_PG, when set (used as given);
#   2. the local server at $ANJU_TEST_PG_PROBE (default 127.0.0.1:5432), as
#      postgres://postgres@HOST:PORT/test?sslmode=disable, verified with a real
#      query (database `test` is created there if missing);
#   3. a throwaway cluster (Debian's initdb/pg_ctl, installed with apt when
#      missing and root) in a temp dir on a free port, trust auth, database
#      `test`; stopped and deleted on exit whatever the result.
# pg_dump/pg_restore (backup tests): from PATH, the cluster's bindir, or
# apt-installed (postgresql-client) when missing and root.
# Chromium: $ANJU_CHROME when set, else /usr/bin/chromium (apt-installed when
# missing and root).
#
# Environment honoured:
#   CI=true                 fail (not skip) when PostgreSQL/Chromium can't be had;
#                           adds -count=1 to go test
#   ANJU_TEST_PG            PostgreSQL URL to use as is (path 1)
#   ANJU_TEST_PG_LOCAL=skip don't probe the local server (forces path 3 unless
#                           ANJU_TEST_PG is set)
#   ANJU_TEST_PG_PROBE      host:port of the local server (default 127.0.0.1:5432)
#   ANJU_PG_BINDIR          dir holding initdb/pg_ctl (default: newest
#                           /usr/lib/postgresql/*/bin)
#   ANJU_CHROME             Chromium binary to use as is; "skip" = don't look
#   ANJU_NO_INSTALL=1       never apt-get install anything
#   GO                      go binary (default go)
#   GO_TEST_PKGS            packages to test (default ./...; space-separated)
#   GO_TEST_TIMEOUT         go test -timeout (default 20m)
#   GO_TEST_P               go test -p (default 2)
#   GO_TEST_FLAGS           extra go test flags (space-separated, e.g. "-race -v")
set -euo pipefail

GO=${GO:-go}
CI=${CI:-}
in_ci() { [[ "$CI" == "true" || "$CI" == "1" ]]; }
log() { printf 'test.sh: %s\n' "$*" >&2; }
die() { printf 'test.sh: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [[ "$(id -u)" == 0 ]]; }
can_install() { is_root && [[ "${ANJU_NO_INSTALL:-}" != 1 ]] && command -v apt-get >/dev/null; }

# ---------------------------------------------------------------- apt -------
APT_UPDATED=
apt_install() {
	can_install || return 1
	export DEBIAN_FRONTEND=noninteractive
	local made_policy=
	# Don't start system services as a side effect of the install.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	local rc=0 aptlog
	aptlog=$(mktemp "${TMPDIR:-/tmp}/anju-apt.XXXXXX.log")
	log "installing with apt-get: $* (log: $aptlog)"
	if [[ -z "$APT_UPDATED" ]]; then
		apt-get update -q </dev/null >>"$aptlog" 2>&1 || rc=$?
		APT_UPDATED=1
	fi
	if [[ $rc == 0 ]]; then
		apt-get install -y -q --no-install-recommends "$@" </dev/null >>"$aptlog" 2>&1 || rc=$?
	fi
	if [[ -n "$made_policy" ]]; then rm -f /usr/sbin/policy-rc.d; fi
	if [[ $rc != 0 ]]; then
		log "apt-get failed (exit $rc); last lines of $aptlog:"
		tail -n 20 "$aptlog" >&2
		return "$rc"
	fi
	rm -f "$aptlog"
}

# ---------------------------------------------------------- PostgreSQL ------
redact() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

pg_bindir() {
	local d
	if [[ -n "${ANJU_PG_BINDIR:-}" ]]; then
		d=$ANJU_PG_BINDIR
	else
		d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	fi
	[[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && echo "$d"
	return 0
}

PSQL=
find_psql() {
	if command -v psql >/dev/null; then PSQL=psql; return 0; fi
	local d; d=$(pg_bindir)
	if [[ -n "$d" && -x "$d/psql" ]]; then PSQL="$d/psql"; return 0; fi
	return 1
}

pg_query_ok() { # URL -> 0 when `select 1` works
	[[ "$(PGCONNECT_TIMEOUT=5 "$PSQL" "$1" -X -qAtc 'select 1' </dev/null 2>/dev/null)" == 1 ]]
}

tcp_open() { # HOST PORT
	timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

PG_TMP=
PG_RUNAS=()
PG_BIN=
cleanup() {
	local rc=$?
	set +e
	if [[ -n "$PG_TMP" ]]; then
		if [[ -f "$PG_TMP/data/postmaster.pid" ]]; then
			(cd "$PG_TMP" && "${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w -t 30 stop) >/dev/null 2>&1 \
				|| log "warning: could not stop throwaway PostgreSQL in $PG_TMP"
		fi
		rm -rf "$PG_TMP"
	fi
	exit "$rc"
}
CHILD=
on_signal() { # forward to the test run's process group, then exit (runs cleanup)
	if [[ -n "$CHILD" ]]; then
		kill -TERM -- "-$CHILD" 2>/dev/null || kill -TERM "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

start_throwaway_pg() {
	PG_BIN=$(pg_bindir)
	if [[ -z "$PG_BIN" ]]; then
		apt_install postgresql || true
		PG_BIN=$(pg_bindir)
	fi
	[[ -n "$PG_BIN" ]] || return 1
	find_psql || return 1

	local base=${TMPDIR:-/tmp}
	PG_TMP=$(mktemp -d "$base/anju-pg.XXXXXX") || return 1
	chmod 755 "$PG_TMP" && mkdir "$PG_TMP/sock" || return 1
	if is_root; then
		# postgres refuses to run as root.
		local user=postgres
		if ! id "$user" >/dev/null 2>&1; then
			user=anju-pg
			id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
		fi
		chown "$user" "$PG_TMP" "$PG_TMP/sock" || return 1
		PG_RUNAS=(runuser -u "$user" --)
	fi

	(cd "$PG_TMP" && "${PG_RUNAS[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust \
		-E UTF8 --locale=C.UTF-8 --no-sync) >"$PG_TMP/initdb.log" 2>&1 || {
		log "initdb failed:"; tail -n 20 "$PG_TMP/initdb.log" >&2; return 1; }

	local try port
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 30000))
		tcp_open 127.0.0.1 "$port" && continue
		if (cd "$PG_TMP" && "${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
			-o "-p $port -k $PG_TMP/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start) >/dev/null 2>&1; then
			local admin="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
			"$PSQL" "$admin" -X -qc 'CREATE DATABASE test' </dev/null >/dev/null || return 1
			ANJU_TEST_PG="postgres://postgres@127.0.0.1:$port/test?sslmode=disable"
			pg_query_ok "$ANJU_TEST_PG" || return 1
			PG_SOURCE="throwaway cluster (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $PG_TMP)"
			return 0
		fi
		log "throwaway PostgreSQL did not start on port $port; retrying"
		tail -n 5 "$PG_TMP/server.log" >&2 2>/dev/null || true
	done
	return 1
}

PG_SOURCE=
if [[ -n "${ANJU_TEST_PG:-}" ]]; then
	PG_SOURCE="ANJU_TEST_PG"
	if find_psql && ! pg_query_ok "$ANJU_TEST_PG"; then
		in_ci && die "ANJU_TEST_PG=$(redact "$ANJU_TEST_PG") does not answer a query (CI=true)"
		log "warning: ANJU_TEST_PG=$(redact "$ANJU_TEST_PG") does not answer a query with psql"
	fi
else
	if [[ "${ANJU_TEST_PG_LOCAL:-}" != skip ]]; then
		probe=${ANJU_TEST_PG_PROBE:-127.0.0.1:5432}
		host=${probe%:*} port=${probe##*:}
		if tcp_open "$host" "$port"; then
			if ! find_psql; then apt_install postgresql-client || true; find_psql || true; fi
			if [[ -n "$PSQL" ]]; then
				url="postgres://postgres@$host:$port/test?sslmode=disable"
				if ! pg_query_ok "$url"; then
					# Server answers but may lack database `test`.
					"$PSQL" "postgres://postgres@$host:$port/postgres?sslmode=disable" -X -qc 'CREATE DATABASE test' \
						</dev/null >/dev/null 2>&1 || true
				fi
				if pg_query_ok "$url"; then
					ANJU_TEST_PG=$url
					PG_SOURCE="local server $host:$port"
				else
					log "local server at $host:$port answers TCP but not a query as postgres@…/test; not using it"
				fi
			fi
		fi
	fi
	if [[ -z "${ANJU_TEST_PG:-}" ]]; then
		if ! start_throwaway_pg; then
			ANJU_TEST_PG=
			msg="no PostgreSQL for the tests: ANJU_TEST_PG unset, no usable local server, and a throwaway cluster could not be installed/started"
			in_ci && die "$msg (CI=true)"
			log "warning: $msg; PostgreSQL tests will skip"
		fi
	fi
fi
if [[ -n "${ANJU_TEST_PG:-}" ]]; then
	export ANJU_TEST_PG
	log "PostgreSQL: $PG_SOURCE: $(redact "$ANJU_TEST_PG")"
else
	unset ANJU_TEST_PG
	log "PostgreSQL: none"
fi

# pg_dump and pg_restore, for the backup tests (anju backup/restore run them).
if [[ -n "${ANJU_TEST_PG:-}" ]] && ! command -v pg_dump >/dev/null; then
	d=$(pg_bindir)
	if [[ -n "$d" && -x "$d/pg_dump" ]]; then
		export PATH="$d:$PATH"
	else
		apt_install postgresql-client || true
	fi
	if ! command -v pg_dump >/dev/null; then
		in_ci && die "pg_dump not found and could not be installed (CI=true)"
		log "warning: pg_dump not found; PostgreSQL backup tests will skip"
	fi
fi

# ------------------------------------------------------------ Chromium ------
find_chrome() {
	local c
	for c in /usr/bin/chromium chromium chromium-browser google-chrome-stable google-chrome; do
		if command -v "$c" >/dev/null; then command -v "$c"; return 0; fi
	done
	return 1
}
if [[ "${ANJU_CHROME:-}" == skip ]]; then
	unset ANJU_CHROME
elif [[ -n "${ANJU_CHROME:-}" ]]; then
	[[ -x "$ANJU_CHROME" ]] || command -v "$ANJU_CHROME" >/dev/null || {
		in_ci && die "ANJU_CHROME=$ANJU_CHROME is not executable (CI=true)"
		log "warning: ANJU_CHROME=$ANJU_CHROME is not executable"; }
	export ANJU_CHROME
else
	if ! chrome=$(find_chrome); then
		apt_install chromium || true
		chrome=$(find_chrome) || chrome=
	fi
	if [[ -n "$chrome" ]]; then
		export ANJU_CHROME=$chrome
		log "Chromium: $ANJU_CHROME"
		# Screenshots must show Chinese: Chromium draws nothing legible without a CJK font.
		if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
			apt_install fonts-wqy-microhei || log "warning: no CJK font; screenshots will show boxes for Chinese"
		fi
	else
		in_ci && die "Chromium not found and could not be installed (CI=true); set ANJU_CHROME"
		log "warning: Chromium not found; browser tests will skip"
	fi
fi

# ------------------------------------------------------------------ run -----
if [[ $# -eq 0 ]]; then
	# -artifacts keeps what tests save (the browser tests' screenshots) under test-output/.
	# go test needs the folder to exist, and a fresh clone (CI) has none.
	mkdir -p "$PWD/test-output"
	args=(test -tags ne -p "${GO_TEST_P:-2}" -timeout "${GO_TEST_TIMEOUT:-20m}" -artifacts -outputdir "$PWD/test-output")
	in_ci && args+=(-count=1)
	# shellcheck disable=SC2206 # word splitting intended
	args+=(${GO_TEST_FLAGS:-} ${GO_TEST_PKGS:-./...})
	set -- "$GO" "${args[@]}"
fi
# Run in the background, in its own process group, so that a signal to this
# script still reaches the tests and the EXIT trap (cluster cleanup) runs.
set -m
"$@" </dev/null &
CHILD=$!
set +m
rc=0
wait "$CHILD" || rc=$?
CHILD=
exit "$rc"
