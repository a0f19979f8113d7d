#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a bounded time each, one after the other, and
# fails when any of them found a crash, a hang or a leak of memory past the limit (the input
# is then in fuzz/artifacts/<target>/; `cargo +nightly fuzz run -s none <target> <file>`
# replays it). `make fuzz` runs this; `make test` does not need it (crates/engine/tests/hostile.rs runs
# the same oracles on stable).
#
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_TARGETS    which targets (default: playbook logic session lead collector)
#   FUZZ_SANITIZER  cargo-fuzz's --sanitizer (default none: the crate forbids unsafe code;
#                   `address` also watches the dependencies' unsafe code, at about half speed)
#   FUZZ_TIMEOUT    seconds one input may take before it counts as a hang (default 30:
#                   coverage instrumentation slows the engine down, and a session input
#                   whose early decision spends its whole budget at every step took 6.8 s)
#   FUZZ_RSS_MB     memory limit in MB (default 2048)
#   FUZZ_ARGS       more libFuzzer flags, e.g. "-max_len=65536 -jobs=2"
#   FUZZ_TOOLCHAIN  the toolchain (default: nightly when installed or installable, else stable)
#
# Toolchain: cargo-fuzz passes nightly-only -Z flags to rustc. Nightly is used when it is
# installed or `rustup toolchain install nightly --profile minimal` can fetch it; otherwise
# stable with RUSTC_BOOTSTRAP=1, which lets the flags through. cargo-fuzz is installed from
# crates.io when missing. Corpus: the committed seeds (fuzz/seeds/<target>/) are read, what
# a run finds is written to fuzz/corpus/<target>/ (ignored by git) and read on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

seconds="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-playbook logic session lead collector}"
sanitizer="${FUZZ_SANITIZER:-none}"
timeout_s="${FUZZ_TIMEOUT:-30}"
rss_mb="${FUZZ_RSS_MB:-2048}"

say() { printf 'fuzz: %s\n' "$*" >&2; }

command -v rustup >/dev/null 2>&1 || { say "rustup is missing: install the Rust toolchain with rustup first"; exit 1; }

toolchain="${FUZZ_TOOLCHAIN:-}"
if [ -z "$toolchain" ]; then
  if rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=nightly
  else
    say "rustup toolchain install nightly --profile minimal"
    if timeout 600 rustup toolchain install nightly --profile minimal >/dev/null 2>&1 \
      && rustup run nightly rustc --version >/dev/null 2>&1; then
      toolchain=nightly
    else
      say "no nightly toolchain to be had: stable with RUSTC_BOOTSTRAP=1"
      toolchain=stable
    fi
  fi
fi
if ! rustup run "$toolchain" rustc --version 2>/dev/null | grep -q nightly; then
  export RUSTC_BOOTSTRAP=1
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  say "cargo install cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

say "building the targets ($toolchain${RUSTC_BOOTSTRAP:+, RUSTC_BOOTSTRAP=1}, sanitizer $sanitizer)"
for t in $targets; do
  cargo "+$toolchain" fuzz build --fuzz-dir fuzz -s "$sanitizer" "$t"
done

failed=()
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  say "$t: ${seconds}s"
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  if ! cargo "+$toolchain" fuzz run --fuzz-dir fuzz -s "$sanitizer" "$t" \
    "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
    -dict=fuzz/fuzz.dict -print_final_stats=1 ${FUZZ_ARGS:-}; then
    failed+=("$t")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  say "FAILED: ${failed[*]}; inputs in fuzz/artifacts/<target>/:"
  for t in "${failed[@]}"; do ls -1 "fuzz/artifacts/$t" 2>/dev/null | sed "s|^|  fuzz/artifacts/$t/|" >&2 || true; done
  exit 1
fi
say "every target ran ${seconds}s without a finding: $targets"
