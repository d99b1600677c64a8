# Anju — every go command carries -tags ne (the Chinese segmenter needs it).
GO   ?= go
TAGS := ne

.PHONY: all test vet fmt-check build bench

all: build

# fmt-check + vet, then every test with services found/started by scripts/test.sh
# (exports ANJU_TEST_PG and ANJU_CHROME; see the script's header for overrides).
test: fmt-check vet
	GO=$(GO) ./scripts/test.sh

vet:
	$(GO) vet -tags $(TAGS) ./...

fmt-check:
	./scripts/fmt-check.sh

build:
	$(GO) build -tags $(TAGS) -trimpath -o bin/anju ./cmd/anju

bench:
	GO=$(GO) ./scripts/test.sh $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...
