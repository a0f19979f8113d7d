#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently: a warm machine skips every step.
# Sources: rustup (rustfmt, clippy, the wasm target), Debian (python3, chromium,
# chromedriver, nodejs/npm when node is missing), crates.io
# (wasm-bindgen-cli at exactly the Cargo.lock version), npm (playwright-core,
# axe-core for the end-to-end tests, terser and binaryen's wasm-opt for dist/, from
# tests/e2e/package-lock.json). See
# shared/TOOLCHAIN.md. Prints nothing when everything is already there.
#
# Usage: scripts/install.sh [core|wasm|browser|all]   (default all)
#   core     rustfmt, clippy, the wasm32 target (lint checks the shell too), python3
#   wasm     core + wasm-bindgen-cli (+ its test runner), wasm-pack, node + terser + binaryen:
#            make dist, test-wasm
#   browser  chromium, chromedriver, node + npm, tests/e2e/node_modules: test-wasm, test-e2e
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'install: %s\n' "$*" >&2; }

need_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

wasm_bindgen_version() {
  # The exact wasm-bindgen version in Cargo.lock (the CLI must match it).
  [ -f Cargo.lock ] || cargo generate-lockfile >/dev/null 2>&1
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

install_core() {
  if ! command -v rustup >/dev/null 2>&1; then
    say "rustup is missing: install the Rust toolchain with rustup first"
    exit 1
  fi
  local have
  have="$(rustup component list --installed 2>/dev/null)"
  for c in rustfmt clippy; do
    if ! grep -q "^$c" <<<"$have"; then
      say "rustup component add $c"
      rustup component add "$c" >/dev/null
    fi
  done
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >/dev/null
  fi
  # scripts/dist.sh repairs the optimised wasm with a few lines of Python.
  command -v python3 >/dev/null 2>&1 || need_apt python3
}

install_wasm() {
  install_core
  local want
  want="$(wasm_bindgen_version)"
  if [ -z "$want" ]; then
    say "cannot find wasm-bindgen in Cargo.lock"
    exit 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ] ||
    [ "$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "cargo install wasm-bindgen-cli --version $want"
    # Exactly the library's version (the CLI refuses a module from another one); it also
    # brings wasm-bindgen-test-runner (make test-wasm). No --locked: the CLI's own lock
    # names a crate version the registry here lacks (TOOLCHAIN.md).
    cargo install -q wasm-bindgen-cli --version "$want" --force
  fi
  # wasm-pack runs the browser tests (make test-wasm) and builds pkg/ (make pkg);
  # scripts/dist.sh builds dist/ with cargo and the wasm-bindgen CLI itself (LTO).
  if ! command -v wasm-pack >/dev/null 2>&1; then
    say "cargo install wasm-pack"
    cargo install -q wasm-pack
  fi
  # terser and binaryen's wasm-opt for scripts/dist.sh.
  install_node_modules
}

# node + npm, and tests/e2e/node_modules: playwright-core and axe-core (the end-to-end
# tests), esbuild (the npm package's test), terser and binaryen (scripts/dist.sh minifies the page's JavaScript with terser
# and optimises the wasm with npm binaryen's wasm-opt, pinned: Debian's 108 is too old).
install_node_modules() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    need_apt nodejs npm
  fi
  # Again whenever package-lock.json changed since the last install (npm writes its own copy
  # into node_modules/.package-lock.json).
  if [ ! -f tests/e2e/node_modules/.package-lock.json ] ||
    [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ] ||
    [ ! -x tests/e2e/node_modules/.bin/esbuild ] || [ ! -x tests/e2e/node_modules/.bin/wasm-opt ]; then
    # npm ci: exactly the versions in package-lock.json.
    say "npm ci (tests/e2e)"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

install_browser() {
  need_apt chromium chromium-driver
  install_node_modules
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -lt 20 ]; then
    say "warning: node $(node --version 2>/dev/null) is older than playwright-core wants (20+)"
  fi
}

case "$what" in
  core) install_core ;;
  wasm) install_wasm ;;
  browser) install_browser ;;
  all) install_wasm; install_browser ;;
  *) echo "usage: $0 [core|wasm|browser|all]" >&2; exit 2 ;;
esac
