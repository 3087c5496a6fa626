# aiclients/sdk-go — one entry point for every developer task.
# `make test` is what CI runs (.ci/run); it installs what it needs itself.

GO      ?= go
GOFILES  = $(shell git ls-files -co --exclude-standard '*.go' | grep -v '^gen/' | grep -v '\.gen\.go$$')

.PHONY: all generate check-generate vet fmt-check lint gotest external spec-diff spec-release test bench bench-build bench-peers demo fuzz

all: test

## generate: regenerate gen/ from specs/ with the pinned oapi-codegen
generate:
	$(GO) generate ./...

## check-generate: regenerate into a temporary copy and fail if gen/ or a pkg/**/*.gen.go differs
check-generate:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -r go.mod go.sum generate.go tools.go specs "$$tmp"/; \
	for d in $$(sed -n 's/^output: *//p' specs/codegen/*.yaml); do mkdir -p "$$tmp/$$(dirname $$d)"; done; \
	( cd "$$tmp" && $(GO) generate . ) || exit 1; \
	mkdir -p "$$tmp/pkg"; \
	gens=$$( (git ls-files -co --exclude-standard 'pkg/*.gen.go'; cd "$$tmp" && find pkg -name '*.gen.go') | grep -v '/testdata/' | sort -u); \
	fail=0; \
	if ! diff -r -u gen "$$tmp/gen" >"$$tmp/gen.diff"; then fail=1; fi; \
	for f in $$gens; do \
	  if ! diff -u "$$f" "$$tmp/$$f" >>"$$tmp/gen.diff" 2>&1; then fail=1; fi; \
	done; \
	if [ $$fail = 1 ]; then \
	  head -n 60 "$$tmp/gen.diff"; \
	  echo "generated code is out of date with specs/: run 'make generate' and commit gen/ and pkg/**/*.gen.go"; exit 1; \
	fi; \
	echo "gen/ and pkg/**/*.gen.go are up to date"

## vet: go vet over every package
vet:
	$(GO) vet ./...

## fmt-check: fail when a hand-written Go file is not gofmt'ed
fmt-check:
	@out=$$(gofmt -l $(GOFILES)); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi; \
	echo "gofmt: clean"

## lint: static checks
lint: vet fmt-check

## gotest: the Go test suite with the race detector (fuzz seeds included)
gotest:
	$(GO) test -race -count=1 ./...

## external: the module in examples/external, which uses the four clients and emulators
## through their public API only, as a user's module would (its own go.mod, replace to here)
external:
	cd examples/external && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## spec-diff: each specs/<svc>.yaml against the bundle of the last release (crosslang/released/):
## lists breaking changes and fails when one comes without a version bump and a changelog entry
## in crosslang/release.json (tools/specdiff, a module of its own so oasdiff stays out of the SDK's)
spec-diff:
	cd tools/specdiff && $(GO) vet ./... && $(GO) test -count=1 ./... && $(GO) run . -repo ../.. dial infsh vectorvein dragoneye

## spec-release: once a version is released, keep its bundles as the base spec-diff compares with
spec-release: specs
	mkdir -p crosslang/released && cp $(foreach s,dial infsh vectorvein dragoneye,dist/$(s).yaml) crosslang/released/

## test: everything CI checks
test: vet fmt-check check-generate gotest external bench-build spec-diff conformance crosslang

## bench: benchmarks (speed and memory targets)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-build: the peer benchmarks (bench/, a module of its own with go-openai and openai-go)
## build, and each client of a case reads the same as the others; make test runs this, not the benchmarks
bench-build:
	cd bench && $(GO) vet ./... && $(GO) test -count=1 -run 'TestGroupsAgree|TestBurstReuse' ./...

## bench-peers: one table of ratios beside the peers from one run: medians of 6 interleaved rounds,
## two bursts of 1,000 concurrent calls with the connections they open, and the Dragoneye decode
## against the official Python SDK (conformance/dragoneye/bench.py); slow (minutes) and noisy
bench-peers:
	cd bench && $(GO) build -o ../bin/benchpeers ./cmd/benchpeers && ../bin/benchpeers -repo .. -rounds 6

## fuzz: each fuzz target for FUZZTIME (default 30s), one after another. Minimizing a new
## interesting input is capped at FUZZMINIMIZE runs: with go test's default (60s per input)
## the decoders of large inputs (the Parquet and ZIP targets) spent nearly all their time
## minimizing and reported a few executions per second. FUZZFLAGS e.g. -parallel=1.
FUZZTIME     ?= 30s
FUZZMINIMIZE ?= 100x
FUZZFLAGS    ?=
# every `func FuzzX` in a test file under pkg/, as <package dir>:<name> (found, not listed, so a new target is fuzzed too)
FUZZTARGETS  ?= $(shell grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' pkg | sed 's|/[^/]*_test.go:func |:|' | sort -u)
fuzz:
	@set -e; for t in $(FUZZTARGETS); do \
	  echo "fuzz: $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
	  $(GO) test ./$${t%%:*} -run='^$$' -fuzz="^$${t#*:}$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZE) $(FUZZFLAGS); \
	done

## demo: the tour — emulators in-process, each service's headline flow with the real clients
demo:
	@echo "demo: building examples/tour (the first build compiles the SDK and its dependencies; later builds are cached)"
	@mkdir -p bin && $(GO) build -o bin/tour ./examples/tour
	@./bin/tour

-include conformance/conformance.mk
-include crosslang/crosslang.mk
