#!/usr/bin/env bash
# scripts/test-citus.sh — Anju on a Citus cluster (`make test-citus`): starts
# the coordinator and two workers of scripts/citus.sh (Citus built once and
# cached), runs the store test suite on it (every PostgreSQL test, and the
# Citus-only TestCitusPlacement), then `anju bench intake` and `anju bench
# reads` on databases of their own. The cluster is left running
# (`scripts/citus.sh stop` stops it).
#
# Environment honoured:
#   CITUS_BENCH_CASES   cases for bench reads (default 2000000; ≈ 1 h to
#                       grow on two cores)
#   CITUS_SKIP_TESTS=1  benchmarks only;  CITUS_SKIP_BENCH=1  tests only
#   GO_TEST_RUN         -run pattern for the store tests (default: all)
#   and scripts/citus.sh's (CITUS_PORT, CITUS_CACHE, CITUS_DATA).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
GO=${GO:-go}
log() { printf 'test-citus.sh: %s\n' "$*" >&2; }

dsn=$(scripts/citus.sh start)
rc=0
if [[ "${CITUS_SKIP_TESTS:-}" != 1 ]]; then
	# Each test migrates a schema of its own; 4 shards per table (2 per
	# worker) instead of 32 keep that to seconds.
	test_dsn="$dsn&citus.shard_count=4"
	log "store tests on Citus ($dsn)"
	ANJU_TEST_PG=$test_dsn ANJU_TEST_CITUS=$test_dsn "$GO" test -tags ne -count=1 -timeout 90m \
		${GO_TEST_RUN:+-run "$GO_TEST_RUN"} ./internal/store/ || rc=$?
fi
if [[ "${CITUS_SKIP_BENCH:-}" != 1 ]]; then
	mkdir -p bin
	"$GO" build -tags ne -o bin/anju ./cmd/anju
	for db in bench_intake bench_reads; do
		# A fresh database for intake, so that each run measures the same.
		if [[ $db == bench_intake ]]; then
			/usr/lib/postgresql/15/bin/psql "${dsn%%/test*}/postgres?sslmode=disable" -X -qAt -c "DROP DATABASE IF EXISTS bench_intake WITH (FORCE)" >/dev/null
			for p in 1 2; do
				port=$(( ${CITUS_PORT:-55432} + p ))
				/usr/lib/postgresql/15/bin/psql "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" -X -qAt \
					-c "DROP DATABASE IF EXISTS bench_intake WITH (FORCE)" >/dev/null
			done
		fi
		DB=$db scripts/citus.sh start >/dev/null
	done
	# The benchmarks' data-encryption key, kept beside the cluster rather
	# than in ./anju-data.
	key=${CITUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/anju-citus}/bench-data.key
	bdsn=$(DB=bench_intake scripts/citus.sh dsn)
	log "anju bench intake on Citus"
	bin/anju bench intake --db "$bdsn" --data-key-file "$key" --clients 16 --duration 10s || rc=$?
	rdsn=$(DB=bench_reads scripts/citus.sh dsn)
	log "anju bench reads --cases ${CITUS_BENCH_CASES:-2000000} on Citus"
	bin/anju bench reads --db "$rdsn" --data-key-file "$key" --cases "${CITUS_BENCH_CASES:-2000000}" || rc=$?
fi
exit "$rc"
