#!/usr/bin/env bash
# Builds dist/, the files a page loads:
#   lead-qualifier.js      the one file a page includes: the loader (src/loader.js) and the
#                          wasm-bindgen glue it imports (--target web), bundled and
#                          minified by esbuild (scripts/bundle.mjs)
#   lead_qualifier_bg.wasm the widget crate (cdylib) after wasm-opt
#   *.d.ts                 types for bundler users (not loaded by pages)
# and dist/dev/, the same files built with the `devtools` feature: the page build plus
# `check()` and a handle's `trace()`, for the playground and for tools that validate
# playbooks in a browser. Landing pages load dist/; only dist/ counts against the budgets.
# Then prints raw / gzip / brotli sizes against two figures:
#   target  65536 B (64 KB gzip), the gate for everything a page loads;
#   budget  what `make dist` (and so `make test`) fails above: the target itself, so no
#           change can grow the page past it. Any byte won back is kept.
# LQ_GZIP_BUDGET overrides the budget, in bytes; LQ_NAMED=FILE keeps a named copy for twiggy.
#
# The pipeline is the one a Rust/wasm engineer expects, each step a tool: `cargo build` of
# the widget crate (cdylib only, so the release profile's LTO applies), the wasm-bindgen CLI
# with the arguments wasm-pack passes it, npm binaryen's wasm-opt (pinned) for the size
# passes and the short import and export names, esbuild for the JavaScript. Nothing here
# edits a wasm or a script by hand.
#
# `--no-default-features`: the widget without std (its `std` feature, src/lib.rs). Its
# panic handler is a bare trap, so LTO drops every panic message, `Location` and formatting
# routine a panic would have fed (-5.4 KB gzip): what the page runs is otherwise the same
# code as the std build `make test-wasm` checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

target=65536
budget=${LQ_GZIP_BUDGET:-65536}
out=dist
tmp=$(mktemp -d)
# A build that fails anywhere (the size gate included) leaves no dist/lead-qualifier.js, so
# `make dist`, which rebuilds only when that file is older than its inputs, tries again.
ok=0
trap 'rm -rf "$tmp"; [ "$ok" = 1 ] || rm -f "$out/lead-qualifier.js"' EXIT

# npm's binaryen and esbuild, pinned in tests/e2e/package.json (scripts/install.sh wasm
# installs them). binaryen reads the wasm's target_features section itself, so what rustc
# and wasm-bindgen emit needs no --enable flags (Debian's wasm-opt 108 did, and then broke
# the externref table's export, WebAssembly/binaryen#4711).
wasm_opt=tests/e2e/node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "dist: $wasm_opt is missing (scripts/install.sh wasm)" >&2; exit 1; }
command -v node >/dev/null || { echo "dist: node is missing (scripts/install.sh wasm)" >&2; exit 1; }

# After -Oz: flattening and re-looping the control flow, merging functions that differ only
# in constants, and -Oz until nothing shrinks (-0.55 KB gzip; about 9 s).
# --low-memory-unused: Rust places its stack and data at 1 MiB and above, so the low 1 KiB
# is never addressed; binaryen may then fold constant offsets into loads (-0.6 KB gzip).
passes="-Oz --flatten --rereloop -Oz --merge-similar-functions -Oz --converge --low-memory-unused"

# The wasm cargo writes (wherever the target directory is).
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
wasm="$target_dir/wasm32-unknown-unknown/release/lead_qualifier.wasm"

# One build of the widget: FEATURES (cargo flags beside --no-default-features) into OUT.
build() {
local features="$1" out="$2" work="$tmp/$3"
mkdir -p "$work"
cargo build -q -p lead-qualifier --lib --release --target wasm32-unknown-unknown \
  --no-default-features $features
wasm-bindgen "$wasm" --out-dir "$work/pkg" --typescript --target web --out-name lead_qualifier

# LQ_NAMED=FILE also writes the same optimisation with function names kept, for
# `twiggy top FILE` (the names are what the dist wasm strips).
if [ -n "${LQ_NAMED:-}" ] && [ "$out" = dist ]; then
  "$wasm_opt" $passes -g "$work/pkg/lead_qualifier_bg.wasm" -o "$LQ_NAMED"
fi

"$wasm_opt" $passes "$work/pkg/lead_qualifier_bg.wasm" -o "$work/sized.wasm"
# Short import and export names (`a`, `b`, ...; the import module `a`), with the map
# printed for the glue: wasm-bindgen's `__wbg_<name>_<16 hex>` names, written in the wasm
# and again in the glue, cost 3 KB gzip. Then what the page does not need: names, the
# producers and target-features sections.
"$wasm_opt" "$work/sized.wasm" --minify-imports-and-exports-and-modules \
  --strip-debug --strip-producers --strip-target-features -o "$work/opt.wasm" >"$work/names.json"
node scripts/bundle.mjs "$work/pkg/lead_qualifier.js" "$work/names.json" src/loader.js "$work/lead-qualifier.js" "$3"

rm -rf "$out"
mkdir -p "$out"
cp "$work/lead-qualifier.js" "$out/lead-qualifier.js"
cp "$work/analytics.js" "$out/analytics.js"
cp "$work/display.js" "$out/display.js"
cp "$work/variants.js" "$out/variants.js"
cp "$work/gate.js" "$out/gate.js"
cp src/loader.d.ts "$out/lead-qualifier.d.ts"
cp "$work/pkg/lead_qualifier.d.ts" "$out/"
cp "$work/opt.wasm" "$out/lead_qualifier_bg.wasm"
}

build "" "$out" page
build "--features devtools" "$out/dev" dev

# dist/ is also the npm package: `npm install ./dist` (or `npm pack dist`), then
# `import { mount } from 'lead-qualifier'` in a bundler, or the script tag as the README
# shows. The loader finds the wasm beside itself (`new URL(..., import.meta.url)`): a
# bundler that does not copy it (esbuild) needs `lead_qualifier_bg.wasm` copied next to
# the bundle; `lead-qualifier/dev` is the development build. tests/e2e/package.test.mjs
# packs it, installs it into a scratch project, bundles it with esbuild and runs it.
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
cat >"$out/package.json" <<JSON
{
  "name": "lead-qualifier",
  "version": "$version",
  "description": "Qualify leads inside the web page: a playbook engine compiled to WebAssembly",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "./lead-qualifier.js",
  "types": "./lead-qualifier.d.ts",
  "exports": {
    ".": { "types": "./lead-qualifier.d.ts", "default": "./lead-qualifier.js" },
    "./dev": { "types": "./dev/lead-qualifier.d.ts", "default": "./dev/lead-qualifier.js" },
    "./lead_qualifier_bg.wasm": "./lead_qualifier_bg.wasm",
    "./dev/lead_qualifier_bg.wasm": "./dev/lead_qualifier_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["*.js", "*.d.ts", "*.wasm", "dev/"],
  "sideEffects": true
}
JSON

# Sizes. Brotli through the brotli CLI or Node's zlib, whichever exists.
brotli_size() {
  if command -v brotli >/dev/null; then
    brotli -q 11 -c "$1" | wc -c
  elif command -v node >/dev/null; then
    node -e 'const z=require("zlib");process.stdout.write(String(z.brotliCompressSync(require("fs").readFileSync(process.argv[1]),{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length))' "$1"
  else
    echo -
  fi
}
printf '%-28s %9s %9s %9s\n' file raw gzip brotli
raw_t=0 gz_t=0 br_t=0
for f in "$out"/*; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  raw=$(wc -c <"$f")
  gz=$(gzip -9c "$f" | wc -c)
  br=$(brotli_size "$f")
  case "$name" in
    *.d.ts) printf '%-28s %9d %9d %9s  (types, not loaded)\n' "$name" "$raw" "$gz" "$br"; continue ;;
    package.json) printf '%-28s %9d %9d %9s  (npm metadata, not loaded)\n' "$name" "$raw" "$gz" "$br"; continue ;;
    analytics.js) printf '%-28s %9d %9d %9s  (only for a playbook with analytics)\n' "$name" "$raw" "$gz" "$br"; continue ;;
    gate.js) printf '%-28s %9d %9d %9s  (on the first click on a gated link)\n' "$name" "$raw" "$gz" "$br"; continue ;;
    variants.js) printf '%-28s %9d %9d %9s  (only for a playbook with variants)\n' "$name" "$raw" "$gz" "$br"; continue ;;
    display.js) printf '%-28s %9d %9d %9s  (only for a popup, slide-in or bubble)\n' "$name" "$raw" "$gz" "$br"; continue ;;
  esac
  printf '%-28s %9d %9d %9s\n' "$name" "$raw" "$gz" "$br"
  raw_t=$((raw_t + raw)) gz_t=$((gz_t + gz))
  [ "$br" != - ] && br_t=$((br_t + br))
done
printf '%-28s %9d %9d %9s\n' 'total (what a page loads)' "$raw_t" "$gz_t" "$br_t"
dev_gz=0
for f in "$out"/dev/*.js "$out"/dev/*.wasm; do
  dev_gz=$((dev_gz + $(gzip -9c "$f" | wc -c)))
done
echo "dist/dev/ (the development build: + check, trace; the playground's): $dev_gz bytes gzip"
if [ "$gz_t" -gt "$target" ]; then
  echo "dist: gzip total $gz_t bytes is $((gz_t - target)) bytes over the 64 KB target ($target bytes)"
else
  echo "dist: gzip total $gz_t bytes, within the 64 KB target ($target bytes)"
fi
if [ "$gz_t" -gt "$budget" ]; then
  echo "dist: gzip total $gz_t bytes is over the budget of $budget bytes: the page download grew" >&2
  exit 1
fi
ok=1
