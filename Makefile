# Anju — every go command carries -tags ne (the Chinese segmenter needs it).
GO   ?= go
TAGS := ne

.PHONY: all test vet fmt-check check-tracked check-deps build bench test-citus

all: build

# fmt-check + check-tracked + check-deps + vet, then every test with services found/started by scripts/test.sh
# (exports ANJU_TEST_PG and ANJU_CHROME; see the script's header for overrides).
test: fmt-check check-tracked check-deps vet
	GO=$(GO) ./scripts/test.sh

vet:
	$(GO) vet -tags $(TAGS) ./...

fmt-check:
	./scripts/fmt-check.sh

# No keys, databases, executables or files over 2 MB in git (allow-list:
# scripts/tracked-allow.txt).
check-tracked:
	./scripts/check-tracked.sh

build:
	$(GO) build -tags $(TAGS) -trimpath -o bin/anju ./cmd/anju

bench:
	GO=$(GO) ./scripts/test.sh $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

check-deps:
	./scripts/check-deps.sh

# Anju on Citus (distributed PostgreSQL): a coordinator and two workers on
# local ports (Citus built once from ../shared/vendor/citus and cached), the
# store tests on it, then bench intake and bench reads (CITUS_BENCH_CASES,
# default 2,000,000). Not part of `make test`; see README "Citus".
test-citus:
	GO=$(GO) ./scripts/test-citus.sh
