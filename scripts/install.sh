#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently: a warm machine skips every step.
# Sources: rustup (wasm target), Debian (chromium, chromedriver, binaryen's wasm-opt),
# crates.io (wasm-bindgen-cli at exactly the Cargo.lock version, wasm-pack), npm
# (playwright-core, axe-core for the end-to-end tests). See shared/TOOLCHAIN.md.
#
# Usage: scripts/install.sh [core|wasm|browser|all]   (default all)
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

install_wasm() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  need_apt binaryen
  local want
  want="$(wasm_bindgen_version)"
  if [ -z "$want" ]; then
    say "cannot find wasm-bindgen in Cargo.lock"
    exit 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "cargo install wasm-bindgen-cli --version $want"
    # No --locked: its lock names a crate version the registry here lacks (TOOLCHAIN.md).
    cargo install -q wasm-bindgen-cli --version "$want" --force
  fi
  if ! command -v wasm-pack >/dev/null 2>&1; then
    say "cargo install wasm-pack"
    cargo install -q wasm-pack
  fi
}

install_browser() {
  need_apt chromium chromium-driver
  if ! command -v node >/dev/null 2>&1; then
    need_apt nodejs npm
  fi
  if [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/axe-core ]; then
    say "npm install (tests/e2e)"
    (cd tests/e2e && npm install --no-audit --no-fund --silent)
  fi
}

case "$what" in
  core) ;;
  wasm) install_wasm ;;
  browser) install_browser ;;
  all) install_wasm; install_browser ;;
  *) echo "usage: $0 [core|wasm|browser|all]" >&2; exit 2 ;;
esac
