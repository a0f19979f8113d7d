# lead-qualifier — the README's commands.
#   make test     installs what is missing, runs every test
#   make preview  installs what is missing, builds, serves http://127.0.0.1:8080
#   make dist     builds dist/
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo
BIN := target/cli/lead-qualifier
PORT ?= 8080

.PHONY: test test-native test-cli test-wasm test-e2e lint deps-wasm deps-browser dist preview bench clean

# test-wasm and test-e2e join this list when the widget lands (issue 3).
test: lint test-native test-cli
	@echo "make test: every suite passed"

deps-wasm:
	@scripts/install.sh wasm

deps-browser:
	@scripts/install.sh browser

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -q -- -D warnings

# Native unit, integration and property tests: JsonLogic suite, playbook errors, flow
# journeys, early decision vs brute force, leads, the delivery policy, the server.
test-native:
	$(CARGO) test -q

$(BIN): $(shell find src -name '*.rs') Cargo.toml
	$(CARGO) build --profile cli -q --bin lead-qualifier

# The command line as users run it.
test-cli: $(BIN)
	tests/cli.sh $(BIN)

# dist/: wasm-pack (--target web) + one wasm-opt -Oz pass; prints the sizes, fails over budget.
dist: deps-wasm
	scripts/dist.sh

# Rendering and state code in headless Chromium (wasm-bindgen-test).
test-wasm: deps-wasm deps-browser
	CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test web

# End-to-end journeys with playwright-core + axe-core against pages with only the two tags.
test-e2e: dist deps-browser
	cd tests/e2e && npm test

bench: dist deps-browser $(BIN)
	$(CARGO) bench --bench step
	node tests/e2e/bench-widget.mjs

preview: dist $(BIN)
	$(BIN) serve --port $(PORT) --db leads.sqlite --playbooks examples

clean:
	$(CARGO) clean
	rm -rf dist pkg
