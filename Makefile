# lead-qualifier — the README's commands.
#   make test     installs what is missing, runs every test
#   make preview  installs what is missing, builds, serves http://127.0.0.1:8080
#   make dist     builds dist/
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo
BIN := target/cli/lead-qualifier
PORT ?= 8080

.PHONY: test test-native test-cli test-wasm test-e2e lint deps-core deps-wasm deps-browser dist pkg preview bench bench-widget bench-ab fuzz clean

# Everything: lint, native (unit, property, server, load), the CLI, wasm in headless
# Chromium, then dist/ (size printed, the 64 KB gzip budget enforced) and the end-to-end suites.
test: deps-core lint test-native test-cli test-wasm test-e2e
	@echo "make test: every suite passed"

# rustfmt, clippy, the wasm32 target, python3 (scripts/install.sh; silent when present).
deps-core:
	@scripts/install.sh core

deps-wasm:
	@scripts/install.sh wasm

deps-browser:
	@scripts/install.sh browser

# Every crate natively (the widget is empty there), then the widget for wasm32 as tested,
# as the page's dist build and as dist/dev/'s (no_std, scripts/dist.sh), and the engine
# as the widget builds it (no std, no native parts).
lint: deps-core
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -q -- -D warnings
	$(CARGO) clippy -p lead-qualifier --target wasm32-unknown-unknown --all-targets -q -- -D warnings
	$(CARGO) clippy -p lead-qualifier --target wasm32-unknown-unknown --no-default-features --lib -q -- -D warnings
	$(CARGO) clippy -p lead-qualifier --target wasm32-unknown-unknown --no-default-features --features devtools --lib -q -- -D warnings
	$(CARGO) clippy -p lead-qualifier-engine --target wasm32-unknown-unknown --no-default-features --lib -q -- -D warnings

# Native unit, integration and property tests of the engine (JsonLogic suite, playbook
# errors, flow journeys, early decision vs brute force, leads, the delivery policy) and of
# the command line and collector (crates/cli: the server on a real SQLite file).
test-native:
	$(CARGO) test --workspace -q

$(BIN): $(shell find crates/engine/src crates/cli/src -type f) Cargo.toml crates/engine/Cargo.toml crates/cli/Cargo.toml
	$(CARGO) build --profile cli -q -p lead-qualifier-cli --bin lead-qualifier

# The command line as users run it.
test-cli: $(BIN)
	tests/cli.sh $(BIN)

# dist/: cargo (the widget crate, cdylib, LTO) + wasm-bindgen (--target web) + wasm-opt
# (npm binaryen, pinned) + esbuild (the loader and the glue, one minified script); prints
# the sizes, fails over budget.
# Rebuilt only when what goes into it changed (the widget, the engine, the loader, the
# pipeline, the pinned npm tools), so `make preview` starts at once on an up-to-date dist/.
DIST_INPUTS := $(shell find src crates/engine/src -type f) Cargo.toml Cargo.lock \
	crates/engine/Cargo.toml scripts/dist.sh scripts/bundle.mjs tests/e2e/package-lock.json
dist: dist/lead-qualifier.js
dist/lead-qualifier.js: $(DIST_INPUTS) | deps-wasm
	scripts/dist.sh

# Rendering and state code in headless Chromium through `wasm-pack test`: the widget
# crate's own test module, src/tests.rs, built with the code it tests.
# wasm-pack uses the wasm-bindgen CLI on PATH (installed at exactly the Cargo.lock version,
# so it downloads nothing) and Debian's chromedriver; webdriver.json beside Cargo.toml holds
# the Chromium flags (headless, no sandbox as root).
test-wasm: deps-wasm deps-browser
	wasm-pack test --headless --chrome --chromedriver $${CHROMEDRIVER:-/usr/bin/chromedriver}

# The design card's preview build: `wasm-pack build --target web` of the widget crate into
# pkg/ (with LTO; dist/ adds wasm-opt, the minified loader and the size gate).
pkg: deps-wasm
	wasm-pack build --target web --out-dir pkg

# End-to-end journeys with playwright-core + axe-core against pages with only the two tags.
test-e2e: dist deps-browser $(BIN)
	cd tests/e2e && LQ_BIN=$(CURDIR)/$(BIN) npm test

# The widget in headless Chromium, the engine step time (native), the collector's
# throughput and p99 latency on loopback. Benchmarks print figures; they assert nothing.
bench: bench-widget
	$(CARGO) bench -p lead-qualifier-engine --bench step
	$(CARGO) bench -p lead-qualifier-cli --bench server_load

# Gzip/brotli bytes of what a page loads from dist/, time to the first question (median
# of 10), longest main-thread task. A benchmark: prints figures, asserts nothing.
bench-widget: dist deps-browser $(BIN)
	LQ_BIN=$(CURDIR)/$(BIN) node tests/e2e/bench-widget.mjs

# Two builds of the widget in turns (default: a copy of dist/ made before a change,
# target/ab-before, against dist/): median first question of each, the paired difference.
AB_A ?= target/ab-before
AB_B ?= dist
bench-ab: dist deps-browser
	node tests/e2e/bench-ab.mjs $(AB_A) $(AB_B)

# The cargo-fuzz targets in fuzz/ (playbook, logic, session, lead, collector), FUZZ_SECONDS
# each (default 60), one after the other; fails on a crash, a hang or memory past the limit,
# the input in fuzz/artifacts/. Needs nightly cargo-fuzz: scripts/fuzz.sh installs what is
# missing (stable with RUSTC_BOOTSTRAP=1 where nightly cannot be had). Not part of `make
# test`, which runs the same oracles on stable (crates/engine/tests/hostile.rs). FUZZ_TARGETS picks targets.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# The preview's database starts with 400 synthetic leads of the demo playbook and sales'
# feedback on them (companies of 201+ win 5 times as often), so the dashboard at /admin/
# has something to show; the admin token is $(PREVIEW_TOKEN) unless LQ_ADMIN_TOKEN is set.
PREVIEW_TOKEN := preview-admin-token-0123
preview: dist $(BIN)
	@[ -e leads.sqlite ] || $(BIN) simulate examples/demo-request.json --leads 400 --seed 1 \
	  --truth examples/synthetic/demo-request.truth.json --out target/preview-seed --db leads.sqlite
	@echo "dashboard: http://127.0.0.1:$(PORT)/admin/ (admin token: $${LQ_ADMIN_TOKEN:-$(PREVIEW_TOKEN)})"
	LQ_ADMIN_TOKEN=$${LQ_ADMIN_TOKEN:-$(PREVIEW_TOKEN)} $(BIN) serve --port $(PORT) --db leads.sqlite --playbooks examples

clean:
	$(CARGO) clean
	rm -rf dist pkg

# Benchmarks that print figures. bench-hostile: the collector under a hostile-input soak on
# loopback (≤ 60 s, ≤ 200 hostile connections: slow heads and bodies; deep, wide, malformed,
# oversize, mistyped, unknown-playbook and tampered bodies) while a well-behaved client posts
# 1,000 leads: its p99 and nothing lost, PASS/FAIL; exits non-zero only when the server dies
# or a lead is lost. bench-parse: ~1 MB playbooks of several shapes checked in process and
# with the CLI ($(BIN)): ms and MB/s per shape. bench-delivery: forwarding (serve --config,
# receivers in the bench on loopback, < 1 min): POST-to-arrival p50/p90/p99/max at a webhook
# and at Slack (1,000 leads); a receiver that drops, answers 500 and 429 and hangs, with a
# kill -9 and restart midway (2,000 leads: acknowledged, stored, delivered, wire duplicates,
# lost); server_load's req/s without and with forwarding; exits non-zero when a lead is lost.
.PHONY: bench-hostile bench-parse bench-delivery bench-backtest
bench-hostile:
	$(CARGO) bench -p lead-qualifier-cli --bench hostile_soak

bench-parse: $(BIN)
	$(CARGO) bench -p lead-qualifier-cli --bench parse_size

bench-delivery:
	$(CARGO) bench -p lead-qualifier-cli --bench delivery

# Funnel analytics ingest: 16 clients post batches of 20 visit events to POST /api/events on
# loopback for LQ_BENCH_SECONDS (default 10); prints events/s (target 5,000) and p99, then
# reads the funnel back (exit non-zero only for a failed request or a wrong count).
.PHONY: bench-events
bench-events:
	$(CARGO) bench -p lead-qualifier-cli --bench events_load

# The backtest of 100,000 synthetic leads of examples/demo-request.json (made first through
# real sessions, timed apart), natively: seconds and µs a lead, the target ≤ 2 s.
bench-backtest:
	$(CARGO) bench -p lead-qualifier-engine --bench backtest
