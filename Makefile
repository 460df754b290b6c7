# qualys2kafka developer tasks. `make` alone lists them.
#
# Each recipe runs as one bash script (.ONESHELL) with -euo pipefail, so a
# failing line fails the target and shell variables live across lines.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

GO ?= go
KAFKA := deploy/kafka/kafka.sh
# Tests read Q2K_TEST_KAFKA* to find a real broker; unset, they use an
# in-process fake. Runs meant to use the fake also drop CI, because under
# CI=true internal/kafkatest refuses the fake (it wants the real broker).
NO_KAFKA_ENV := env -u Q2K_TEST_KAFKA -u Q2K_TEST_KAFKA_NAME -u CI

.PHONY: help build demo test test-unit fuzz kafka-start kafka-stop bench lint image clean

# Fuzz targets of the parsers, as package:target. `make test` runs each for
# FUZZTIME_SHORT; `make fuzz` for FUZZTIME.
FUZZ_TARGETS := ./internal/decode:FuzzDecode ./internal/decode:FuzzReadIDSet \
	./internal/record:FuzzDecode ./internal/simulator:FuzzParseQuery \
	./internal/qualys:FuzzSniff ./internal/record:FuzzEncodeDifferential \
	./internal/decode:FuzzDecodeDifferential
FUZZTIME_SHORT ?= 10s
FUZZTIME ?= 10m

help: ## List the targets
	@echo "Targets:"
	awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## Build bin/qualys2kafka
	@$(GO) build -o bin/qualys2kafka ./cmd/qualys2kafka

demo: ## Run the demo (qualys2kafka demo)
	@$(GO) run ./cmd/qualys2kafka demo

test-unit: ## Unit tests only (no real broker: the in-process fake), then a short fuzz run
	@$(NO_KAFKA_ENV) $(GO) test -count=1 ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_SHORT)

fuzz: ## Run each fuzz target for FUZZTIME (default 10m)
	@for t in $(FUZZ_TARGETS); do
		echo "fuzz $${t#*:} in $${t%%:*} for $(FUZZTIME)"
		$(NO_KAFKA_ENV) $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"
	done

# The integration run uses a real broker whenever java is there. The EXIT
# trap stops it whatever happens, and the shell still exits with go test's
# status. Only outside CI may a missing java fall back to the fake Kafka.
# It runs only the packages whose tests talk to Kafka: integration tests,
# and tests that use internal/kafkatest (the rest ran in test-unit).
INTEGRATION_PKGS = $$(grep -rlE --include='*_test.go' '^//go:build integration|internal/kafkatest"' . | xargs -n1 dirname | sort -u)
test: test-unit ## Unit tests, then integration tests against a real Kafka
	@if command -v java >/dev/null 2>&1; then
		trap '$(KAFKA) stop' EXIT
		$(KAFKA) start
		eval "$$($(KAFKA) env)"
		export Q2K_TEST_KAFKA Q2K_TEST_KAFKA_NAME
		echo "integration tests against $$Q2K_TEST_KAFKA_NAME at $$Q2K_TEST_KAFKA"
		$(GO) test -count=1 -tags integration -timeout 10m $(INTEGRATION_PKGS)
	elif [[ "$${CI:-}" == true ]]; then
		echo "make test: java not found; CI needs it to run the real Kafka broker" >&2
		exit 1
	else
		echo "make test: java not found; integration tests use the in-process fake Kafka" >&2
		$(NO_KAFKA_ENV) $(GO) test -count=1 -tags integration -timeout 10m $(INTEGRATION_PKGS)
	fi

kafka-start: ## Start the local test broker (deploy/kafka/kafka.sh start)
	@$(KAFKA) start

kafka-stop: ## Stop the local test broker
	@$(KAFKA) stop

# make bench measures everything in one run, against a real broker started
# as for make test: the Go benchmarks of decoding, Avro encoding and
# publishing, then cmd/benchtable's end-to-end syncs, and prints one table.
# BENCH_PAGE_BYTES is the largest page, decoded streamed and synced as one
# page (e.g. 256M for a quick run). Outputs and child logs: BENCH_OUT.
BENCH_PAGE_BYTES ?= 2G
BENCH_OUT ?= bin/bench
BENCH_PKGS := ./internal/decode ./internal/record ./internal/pipeline
BENCH_RUN := ^Benchmark(Decode|DecodeStream|EncodePage|Publish)$$
bench: ## Speed and memory in one table, end to end into a real Kafka (BENCH_PAGE_BYTES=2G)
	@if ! command -v java >/dev/null 2>&1; then
		echo "make bench: java not found; the figures need the real Kafka broker" >&2
		exit 1
	fi
	trap '$(KAFKA) stop' EXIT
	$(KAFKA) start
	eval "$$($(KAFKA) env)"
	export Q2K_TEST_KAFKA Q2K_TEST_KAFKA_NAME BENCH_PAGE_BYTES='$(BENCH_PAGE_BYTES)'
	mkdir -p '$(BENCH_OUT)'
	$(GO) test -run '^$$' -bench '$(BENCH_RUN)' -benchmem -timeout 30m $(BENCH_PKGS) |
		tee '$(BENCH_OUT)/gotest.txt'
	$(GO) run ./cmd/benchtable -go '$(GO)' -gobench '$(BENCH_OUT)/gotest.txt' \
		-logs '$(BENCH_OUT)' | tee '$(BENCH_OUT)/table.md'
	echo "make bench took $$SECONDS s; table in $(BENCH_OUT)/table.md"

lint: ## gofmt (must list nothing) and go vet
	@unformatted=$$(gofmt -l .)
	if [[ -n "$$unformatted" ]]; then
		echo "gofmt needed on:" >&2
		echo "$$unformatted" >&2
		exit 1
	fi
	$(GO) vet ./...

image: ## Container image (not yet: needs a Docker engine)
	@echo "make image: building a container image needs a Docker engine, which this machine lacks; nothing was built."

clean: ## Remove build output (the Kafka jar cache is kept)
	@rm -rf bin
