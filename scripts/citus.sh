#!/usr/bin/env bash
# scripts/citus.sh — a Citus cluster (a coordinator and two workers) on this
# machine, for running Anju on a distributed PostgreSQL (`make test-citus`).
#
# Usage:
#   scripts/citus.sh start   # build Citus once (cached), install it, start the
#                            # three nodes; prints the coordinator's DSN
#   scripts/citus.sh dsn     # print the DSN of database DB (default test)
#   scripts/citus.sh stop    # stop the three nodes (their data is kept)
#   scripts/citus.sh stop-worker N / start-worker N   # N = 1 or 2 (fault drills)
#
# Citus is built from ../shared/vendor/citus (CITUS_VENDOR): the tarball,
# with the one patch its README explains, against Debian's PostgreSQL 15. The
# build is installed with DESTDIR into a cache keyed by the sha256 of the
# tarball and of the patch, so a second run only copies the files into
# PostgreSQL's lib and extension directories (when they differ). Anju does
# not link Citus: it talks to the coordinator over the PostgreSQL protocol.
#
# Environment honoured:
#   CITUS_VENDOR    dir of citus-13.2.2.tar.gz and the patch
#                   (default: ../shared/vendor/citus from the repository)
#   CITUS_CACHE     cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/anju-citus)
#   CITUS_DATA      the nodes' data dirs (default CITUS_CACHE/nodes; as root,
#                   where the postgres user runs them: /var/tmp/anju-citus)
#   CITUS_PORT      the coordinator's port; the workers take the next two
#                   (default 55432)
#   ANJU_NO_INSTALL=1  never apt-get install the build dependencies
#   DB              database name for `start`/`dsn` (default test)
set -euo pipefail

log() { printf 'citus.sh: %s\n' "$*" >&2; }
die() { printf 'citus.sh: ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [[ "$(id -u)" == 0 ]]; }

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
VENDOR=${CITUS_VENDOR:-$REPO/../shared/vendor/citus}
[[ -d "$VENDOR" ]] || VENDOR=/work/shared/vendor/citus
TARBALL=$VENDOR/citus-13.2.2.tar.gz
PATCH=$VENDOR/pg15-have-createdb-privilege.patch
CACHE=${CITUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/anju-citus}
DATA=${CITUS_DATA:-$CACHE/nodes}
if is_root && [[ -z "${CITUS_DATA:-}" ]]; then DATA=/var/tmp/anju-citus; fi
PORT=${CITUS_PORT:-55432}
PORTS=("$PORT" "$((PORT + 1))" "$((PORT + 2))")
NAMES=(coordinator worker1 worker2)
DB=${DB:-test}
PGBIN=/usr/lib/postgresql/15/bin
RUNAS=()
if is_root; then RUNAS=(runuser -u postgres --); fi

# ---------------------------------------------------------------- build -----
BUILD_DEPS=(make gcc postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev libssl-dev
	libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev)

install_deps() {
	local missing=() p
	for p in "${BUILD_DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[[ ${#missing[@]} == 0 ]] && return 0
	if ! is_root || [[ "${ANJU_NO_INSTALL:-}" == 1 ]]; then
		die "missing build dependencies: ${missing[*]} (run as root or install them)"
	fi
	log "installing build dependencies: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

# build prints the staged install dir (DESTDIR) of this tarball and patch,
# building it when the cache has none.
build() {
	[[ -f "$TARBALL" && -f "$PATCH" ]] || die "no Citus source in $VENDOR"
	local key stage src
	key=$(cat "$TARBALL" "$PATCH" | sha256sum | cut -c1-16)
	stage=$CACHE/build-$key/stage
	if [[ -f "$CACHE/build-$key/done" ]]; then
		echo "$stage"
		return 0
	fi
	install_deps
	src=$CACHE/build-$key/src
	rm -rf "$CACHE/build-$key"
	mkdir -p "$src"
	log "building Citus in $CACHE/build-$key (≈ 1.5 min on 2 cores; log: $CACHE/build-$key/build.log)"
	(
		cd "$src"
		tar xzf "$TARBALL" --strip-components=1 2>/dev/null || tar xzf "$TARBALL"
		# git archive may or may not wrap the tree in a top directory.
		if [[ ! -f configure ]]; then
			d=$(find . -maxdepth 2 -name configure -printf '%h\n' | head -n 1)
			cd "$d"
		fi
		patch -p1 <"$PATCH"
		./configure --without-libcurl PG_CONFIG="$PGBIN/pg_config"
		make -j"$(nproc)"
		make install DESTDIR="$stage"
	) >"$CACHE/build-$key/build.log" 2>&1 || {
		tail -n 30 "$CACHE/build-$key/build.log" >&2
		die "Citus build failed (log: $CACHE/build-$key/build.log)"
	}
	touch "$CACHE/build-$key/done"
	echo "$stage"
}

# install copies the staged build into PostgreSQL's directories when a file
# there differs (the build writes only citus* files).
install_citus() {
	local stage=$1 f rel changed=
	while IFS= read -r -d '' f; do
		rel=${f#"$stage"}
		if ! cmp -s "$f" "$rel" 2>/dev/null; then
			is_root || die "Citus is not installed in $(dirname "$rel") and this is not root"
			mkdir -p "$(dirname "$rel")"
			cp -f "$f" "$rel"
			changed=1
		fi
	done < <(find "$stage" -type f -print0)
	[[ -n "$changed" ]] && log "installed Citus into $($PGBIN/pg_config --pkglibdir) and $($PGBIN/pg_config --sharedir)/extension"
	return 0
}

# ---------------------------------------------------------------- nodes -----
datadir() { echo "$DATA/$1"; }

psql_port() { # PORT DB SQL
	"$PGBIN/psql" "postgres://postgres@127.0.0.1:$1/$2?sslmode=disable" -X -qAt -v ON_ERROR_STOP=1 -c "$3" </dev/null
}

start_node() { # INDEX
	local name=${NAMES[$1]} port=${PORTS[$1]} dir
	dir=$(datadir "$name")
	if [[ ! -f "$dir/PG_VERSION" ]]; then
		mkdir -p "$dir"
		chmod 700 "$dir"
		if is_root; then chown postgres: "$DATA" "$dir"; fi
		"${RUNAS[@]}" "$PGBIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir.initdb.log" 2>&1 \
			|| { cat "$dir.initdb.log" >&2; die "initdb $name failed"; }
		cat >>"$dir/postgresql.conf" <<EOF
# scripts/citus.sh
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 300
fsync = off
full_page_writes = off
shared_buffers = 256MB
max_prepared_transactions = 100
citus.shard_count = 32
EOF
	fi
	if "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
		return 0
	fi
	(cd / && "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$dir" -l "$dir.log" -w -t 60 start >/dev/null) \
		|| { tail -n 20 "$dir.log" >&2; die "$name did not start on port $port"; }
}

stop_node() { # INDEX
	local dir
	dir=$(datadir "${NAMES[$1]}")
	[[ -f "$dir/postmaster.pid" ]] || return 0
	(cd / && "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null) || true
}

# ensure_db creates database DB on every node with the extension, and
# registers the workers with its coordinator (Citus keeps its metadata per
# database).
ensure_db() { # DB
	local db=$1 i
	for i in 0 1 2; do
		if [[ "$(psql_port "${PORTS[$i]}" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
			psql_port "${PORTS[$i]}" postgres "CREATE DATABASE \"$db\""
		fi
		psql_port "${PORTS[$i]}" "$db" "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS citus" >/dev/null
	done
	if [[ "$(psql_port "${PORTS[0]}" "$db" "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0")" != 2 ]]; then
		psql_port "${PORTS[0]}" "$db" "SELECT citus_set_coordinator_host('127.0.0.1', ${PORTS[0]})" >/dev/null
		psql_port "${PORTS[0]}" "$db" "SELECT citus_add_node('127.0.0.1', ${PORTS[1]})" >/dev/null
		psql_port "${PORTS[0]}" "$db" "SELECT citus_add_node('127.0.0.1', ${PORTS[2]})" >/dev/null
	fi
}

dsn() { echo "postgres://postgres@127.0.0.1:${PORTS[0]}/$1?sslmode=disable"; }

case "${1:-start}" in
start)
	stage=$(build)
	install_citus "$stage"
	mkdir -p "$DATA"
	for i in 0 1 2; do start_node "$i"; done
	ensure_db "$DB"
	log "coordinator 127.0.0.1:${PORTS[0]}, workers ${PORTS[1]} and ${PORTS[2]} (data: $DATA)"
	dsn "$DB"
	;;
dsn)
	dsn "$DB"
	;;
stop)
	for i in 2 1 0; do stop_node "$i"; done
	;;
stop-worker)
	[[ "${2:-}" == 1 || "${2:-}" == 2 ]] || die "stop-worker 1|2"
	stop_node "$2"
	;;
start-worker)
	[[ "${2:-}" == 1 || "${2:-}" == 2 ]] || die "start-worker 1|2"
	start_node "$2"
	;;
*)
	die "usage: $0 start|dsn|stop|stop-worker N|start-worker N"
	;;
esac
