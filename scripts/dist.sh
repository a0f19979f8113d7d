#!/usr/bin/env bash
# Builds dist/, the files a page loads:
#   lead-qualifier.js      the one file a page includes: the loader (src/web/loader.js)
#                          with the wasm-bindgen glue (--target web) inlined
#   lead_qualifier_bg.wasm the engine, after wasm-opt (-Oz and size passes, $passes)
#   *.d.ts                 types for bundler users (not loaded by pages)
# and dist/dev/, the same files built with the `devtools` feature: the page build plus
# `check()` and a handle's `trace()`, for the playground and for tools that validate
# playbooks in a browser. Landing pages load dist/; only dist/ counts against the budgets.
# then prints raw / gzip / brotli sizes against two figures:
#   target  65536 B (64 KB gzip), the gate for everything a page loads (the architecture
#           issue raised it from 60 KB so that the code can be typed and plain);
#   budget  what `make dist` (and so `make test`) fails above: the target itself, so no
#           change can grow the page past it. Any byte won back is kept.
# LQ_GZIP_BUDGET overrides the budget, in bytes; LQ_NAMED=FILE keeps a named copy for twiggy.
#
# The wasm is built by `cargo rustc --crate-type cdylib`, not `cargo build` (nor wasm-pack,
# which runs `cargo build`): with the `["cdylib", "rlib"]` of Cargo.toml, rustc silently
# skips the release profile's `lto = true` (rust-lang/cargo#9672), and the dist wasm then
# kept whatever a vtable or a panic message named (-7.9 KB gzip). Then the wasm-bindgen CLI
# with exactly the arguments wasm-pack passed it (same output, byte for byte), and one
# explicit pass of npm binaryen's wasm-opt (pinned). Stripping happens in wasm-opt too
# (`strip = true` in Cargo would hide the target features from wasm-bindgen).
#
# `--no-default-features`: the library without std (Cargo.toml's `std` feature, src/lib.rs).
# Its panic handler is a bare trap, so LTO drops every panic message, `Location` and
# formatting routine a panic would have fed (-5.4 KB gzip): what the page runs is otherwise
# the same code as the std build `make test-wasm` checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

target=65536
budget=${LQ_GZIP_BUDGET:-65536}
out=dist
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# JavaScript without its comment lines and indentation (about 1 KB less gzipped); the .d.ts
# files keep the documentation. wasm-bindgen's glue and the loader put comments on lines
# of their own and have no multi-line strings, so dropping whole comment lines is safe.
strip_js() {
  awk '
    /^[ \t]*\/\* @ts-self-types/ { print; next }
    inblock { if ($0 ~ /\*\//) inblock = 0; next }
    /^[ \t]*\/\*/ { if ($0 !~ /\*\//) inblock = 1; next }
    /^[ \t]*\/\// { next }
    /^[ \t]*$/ { next }
    { sub(/^[ \t]+/, ""); print }
  ' "$1" >"$2"
}
# Minified with terser (tests/e2e's devDependency, installed by scripts/install.sh wasm)
# when present: about 1 KB less gzipped than the comment strip alone. --module keeps the
# exports' names and `import.meta.url`; property names (the wasm's import object) are
# never mangled. Without terser the comment strip above is the fallback.
terser=tests/e2e/node_modules/.bin/terser
min_js() {
  if [ -x "$terser" ] && command -v node >/dev/null; then
    "$terser" "$1" --module --ecma 2020 --compress passes=2 --mangle --comments /@ts-self-types/ -o "$2"
  else
    strip_js "$1" "$2"
  fi
}

passes="-Oz --flatten --rereloop -Oz --merge-similar-functions -Oz --converge"
# npm's binaryen, pinned in tests/e2e/package.json (scripts/install.sh wasm installs it):
# it reads the wasm's target_features section itself, so what rustc and wasm-bindgen emit
# needs no --enable flags. Debian's wasm-opt 108 did, and then broke the externref table's
# export (WebAssembly/binaryen#4711), which this script used to patch back by hand.
wasm_opt=tests/e2e/node_modules/.bin/wasm-opt
[ -x "$wasm_opt" ] || { echo "dist: $wasm_opt is missing (scripts/install.sh wasm)" >&2; exit 1; }

# One build of the library: FEATURES (cargo flags beside --no-default-features) into OUT.
# dist/ is the page's build; dist/dev/ adds the `devtools` feature (`check`, `trace()`)
# for the playground and tooling.
build() {
local features="$1" out="$2" work="$tmp/$3"
mkdir -p "$work"
# The cdylib's path from cargo's own report (wherever the target directory is).
wasm=$(cargo rustc -q --lib --crate-type cdylib --release --target wasm32-unknown-unknown \
  --no-default-features $features --message-format json-render-diagnostics | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "lead_qualifier":
        print(*[f for f in m["filenames"] if f.endswith(".wasm")])
')
[ -f "$wasm" ] || { echo "dist: cargo reported no wasm for the library" >&2; exit 1; }
wasm-bindgen "$wasm" --out-dir "$work/pkg" --typescript --target web --out-name lead_qualifier

# Rust's panic entry points become a bare trap before wasm-opt runs. With `panic = "abort"`
# a panic already ends in a trap, and the library's panic handler is nothing but one, so
# only what a failure path does before it goes: core's panic functions, the
# `unwrap`/`expect`/slice/borrow/allocation failure paths, which still pass their
# arguments on (11 functions, -0.26 KB gzip; std's names in the list match nothing since
# the dist build is no_std, and are kept for a std build). Found by name in the name
# section wasm-bindgen keeps; each one never returns (`-> !`), so a body of `unreachable`
# is exactly what it ended in. No name section: nothing is snipped.
#
# Also snipped: wasm-bindgen's closure invoke shims (`closures::_::invoke::h…`) that no
# export names. Each closure signature's `describe` took the address of its shims, which
# puts them in the function table; the CLI reads the describes, removes them and exports
# the one shim the glue calls, but the table entries keep the other ~40 alive (the table
# is not exported and Rust never calls a shim through a vtable, so none is reachable):
# -0.6 KB gzip. A shim whose hash an export's name carries is kept.
snip='^(core(\[[0-9a-f]+\])?::(panicking::|option::(unwrap|expect)_failed|result::unwrap_failed|str::slice_error_fail|slice::index::slice_\w*fail|cell::panic_already|cell::lazy::panic_poisoned)|std(\[[0-9a-f]+\])?::thread::local::panic_access_error|alloc(\[[0-9a-f]+\])?::(raw_vec::capacity_overflow|raw_vec::handle_error|alloc::handle_alloc_error)|__rustc(\[[0-9a-f]+\])?::rust_begin_unwind$)'
python3 - "$work/pkg/lead_qualifier_bg.wasm" "$work/snipped.wasm" "$snip" <<'PY'
import re, sys
sys.path.insert(0, "scripts")  # dist.sh runs from the repository root
from wasmbin import leb, limits, uleb

path, out = sys.argv[1], sys.argv[2]
pat = re.compile(sys.argv[3])
b = open(path, "rb").read()
secs = []
i = 8
while i < len(b):
    sid = b[i]
    size, j = leb(b, i + 1)
    secs.append((sid, j, j + size))
    i = j + size
imported = 0
names = {}
exported = set()
dead = re.compile(r"^wasm_bindgen::convert::closures::_::invoke::h[0-9a-f]+$")
for sid, s, e in secs:
    if sid == 2:
        n, k = leb(b, s)
        for _ in range(n):
            for _ in range(2):
                l, k = leb(b, k)
                k += l
            kind = b[k]; k += 1
            if kind == 0:
                _, k = leb(b, k); imported += 1
            elif kind == 1:
                k = limits(b, k + 1)
            elif kind == 2:
                k = limits(b, k)
            else:
                k += 2
    if sid == 7:
        n, k = leb(b, s)
        for _ in range(n):
            l, k = leb(b, k)
            exported.update(re.findall(r"h[0-9a-f]{16}", b[k:k + l].decode("utf-8", "replace")))
            k += l
            _, k = leb(b, k + 1)
    if sid == 0:
        l, k = leb(b, s)
        if b[k:k + l] != b"name":
            continue
        k += l
        while k < e:
            sub = b[k]; sz, k = leb(b, k + 1)
            if sub == 1:
                n, m = leb(b, k)
                for _ in range(n):
                    idx, m = leb(b, m)
                    l, m = leb(b, m)
                    names[idx] = b[m:m + l].decode("utf-8", "replace")
                    m += l
            k += sz
res = bytearray(b[:8])
snipped = []
for sid, s, e in secs:
    body = b[s:e]
    if sid == 10 and names:
        n, k = leb(b, s)
        new = bytearray(uleb(n))
        for f in range(n):
            sz, k2 = leb(b, k)
            name = names.get(imported + f, "")
            unused = dead.search(name) and name[-17:] not in exported
            if pat.search(name) or unused:
                new += b"\x03\x00\x00\x0b"  # size 3: no locals, unreachable, end
                snipped.append(name)
            else:
                new += b[k:k2 + sz]
            k = k2 + sz
        body = bytes(new)
    res.append(sid)
    res += uleb(len(body))
    res += body
open(out, "wb").write(res)
print("dist: %d functions snipped (panic paths, unused closure shims)" % len(snipped), file=sys.stderr)
PY

# LQ_NAMED=FILE also writes the same optimisation with function names kept, for
# `twiggy top FILE` (the names are what the dist wasm strips).
if [ -n "${LQ_NAMED:-}" ] && [ "$out" = dist ]; then
  "$wasm_opt" $passes -g --low-memory-unused "$work/snipped.wasm" -o "$LQ_NAMED"
fi

# --low-memory-unused: Rust places its stack and data at 1 MiB and above, so the low 1 KiB
# is never addressed; binaryen may then fold constant offsets into loads (-0.6 KB gzip).
# $passes: after -Oz, flattening and re-looping the control flow, merging functions that
# differ only in constants, and -Oz until nothing shrinks (-0.55 KB gzip; about 9 s).
"$wasm_opt" $passes --low-memory-unused \
  --strip-debug --strip-producers --strip-target-features \
  "$work/snipped.wasm" -o "$work/opt.wasm"

# Short import names. wasm-bindgen names each import of the glue `__wbg_<name>_<16 hex>`
# (130-odd of them); the random hex compresses badly, and each name is written twice,
# in the wasm's import section and as a key of the glue's import object (-3.6 KB gzip).
# Every import of the glue's module whose name is a key of that object exactly once (and
# appears nowhere else) becomes `a`, `b`, ..., in both files; the module name itself
# becomes `a` when the glue writes it once, as that object's key. Anything unexpected
# leaves a name as it was. Exports likewise: each one the glue only reads as `wasm.<name>`
# is renamed there too (`__wbindgen_malloc` is written 5 times), and an exported global the
# glue never reads (wasm-bindgen's `__abort_handler`, `__instance_terminated`) is dropped.
python3 - "$work/opt.wasm" "$work/pkg/lead_qualifier.js" <<'PY'
import re, sys
sys.path.insert(0, "scripts")  # dist.sh runs from the repository root
from wasmbin import leb, limits, uleb

def name(s):
    b = s.encode()
    return uleb(len(b)) + b

wasm_path, js_path = sys.argv[1], sys.argv[2]
b = open(wasm_path, "rb").read()
js = open(js_path).read()
MODULE = "./lead_qualifier_bg.js"
ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

def short(i):
    s = ALPHA[i % 52]
    i //= 52
    while i:
        s += ALPHA[i % 52]
        i //= 52
    return s

def key_pattern(field):
    # the field as a key of the import object: `name:` not preceded by a name character
    return re.compile(r"(?<![\w$])" + re.escape(field) + r"(?=\s*:)")

# The module name can go short too when the glue names it exactly once, as that key.
module_key = '"' + MODULE + '"'
new_module = MODULE
if js.count(MODULE) == 1 and js.count(module_key + ":") == 1:
    new_module = "a"

out = bytearray(b[:8])
i = 8
renamed = exported = dropped = 0
while i < len(b):
    sid = b[i]
    size, j = leb(b, i + 1)
    body = b[j:j + size]
    if sid == 2:
        n, k = leb(b, j)
        new = bytearray(uleb(n))
        for _ in range(n):
            l, k2 = leb(b, k)
            mod = b[k2:k2 + l].decode()
            k = k2 + l
            l, k2 = leb(b, k)
            field = b[k2:k2 + l].decode()
            k = k2 + l
            d0 = k
            kind = b[k]
            k += 1
            if kind == 0:
                _, k = leb(b, k)
            elif kind == 1:
                k = limits(b, k + 1)
            elif kind == 2:
                k = limits(b, k)
            elif kind == 3:
                k += 2
            else:
                sys.exit("dist: unknown import kind %d" % kind)
            desc = b[d0:k]
            if mod == MODULE:
                pat = key_pattern(field)
                if len(re.findall(r"(?<![\w$])" + re.escape(field) + r"(?![\w$])", js)) == 1 and len(pat.findall(js)) == 1:
                    s = short(renamed)
                    js = pat.sub(s, js)
                    field = s
                    renamed += 1
                mod = new_module
            new += name(mod) + name(field) + desc
        body = bytes(new)
    elif sid == 7:
        n, k = leb(b, j)
        kept = bytearray()
        count = 0
        for _ in range(n):
            l, k2 = leb(b, k)
            field = b[k2:k2 + l].decode()
            k = k2 + l
            desc = b[k:k + 1]
            _, k3 = leb(b, k + 1)
            desc = b[k:k3]
            k = k3
            anywhere = len(re.findall(r"(?<![\w$])" + re.escape(field) + r"(?![\w$])", js))
            if anywhere == 0 and desc[0] == 3:
                dropped += 1  # a global the glue never reads
                continue
            as_member = re.compile(r"(?<=\bwasm\.)" + re.escape(field) + r"(?![\w$])")
            if anywhere and len(as_member.findall(js)) == anywhere:
                s = short(exported)
                js = as_member.sub(s, js)
                field = s
                exported += 1
            kept += name(field) + desc
            count += 1
        body = uleb(count) + bytes(kept)
    out.append(sid)
    out += uleb(len(body))
    out += body
    i = j + size
if new_module != MODULE:
    js = js.replace(module_key + ":", new_module + ":")
open(wasm_path, "wb").write(out)
open(js_path, "w").write(js)
print("dist: %d imports and %d exports renamed, %d unused exports dropped"
      % (renamed, exported, dropped), file=sys.stderr)
PY

# One script: the wasm-bindgen glue inlined into the loader (-0.5 KB gzip, and one request
# less before the wasm starts: the loader used to import the glue, which the page then
# fetched beside the wasm). The glue's exports become plain functions (`__lq_<name>`), the
# loader's `await import('./lead_qualifier.js')` a namespace object of them, and its call
# of the glue's default init a direct `__wbg_load` + `__wbg_finalize_init`: terser then
# drops `initSync`, the init's argument shims and their warnings, which nothing calls.
# The glue is wasm-bindgen's at the Cargo.lock version; anything not found exactly where
# expected stops the build instead of producing a broken script.
python3 - "$work/pkg/lead_qualifier.js" src/web/loader.js "$work/merged.js" <<'PY'
import re, sys

glue_path, loader_path, out = sys.argv[1:]
g = open(glue_path).read()
l = open(loader_path).read()

def once(text, old, new, what):
    if text.count(old) != 1:
        sys.exit("dist: cannot inline the glue: %s not found exactly once" % what)
    return text.replace(old, new)

g = once(g, "export { initSync, __wbg_init as default };", "", "the glue's export list")
# The loader calls these three directly (below): each must be there, once, as it was.
for sig in ("async function __wbg_load(module, imports) {",
            "function __wbg_get_imports() {",
            "function __wbg_finalize_init(instance, module) {"):
    if g.count(sig) != 1:
        sys.exit("dist: cannot inline the glue: `%s` not found exactly once" % sig)
names = re.findall(r"^export function (\w+)\(", g, re.M)
if not {"start", "connect", "mount"} <= set(names):
    sys.exit("dist: cannot inline the glue: its exports are %s" % names)
for n in names:
    g = re.sub(r"^export function %s\(" % n, "function __lq_%s(" % n, g, flags=re.M)
g = once(g, "\nexport class Handle ", "\nclass Handle ", "the Handle class")
if re.search(r"^export ", g, re.M):
    sys.exit("dist: cannot inline the glue: an export left")
g = re.sub(r"^/\* @ts-self-types.*\n", "", g)
ns = "{ " + ", ".join("%s: __lq_%s" % (n, n) for n in names) + " }"
l = once(l, "const js = await import('./lead_qualifier.js');\n  await js.default({ module_or_path: wasm });",
         "const { instance, module } = await __wbg_load(await wasm, __wbg_get_imports());\n"
         "  __wbg_finalize_init(instance, module);\n  const js = %s;" % ns,
         "the loader's import of the glue")
open(out, "w").write(g + "\n" + l)
PY

rm -rf "$out"
mkdir -p "$out"
min_js "$work/merged.js" "$out/lead-qualifier.js"
cp src/web/loader.d.ts "$out/lead-qualifier.d.ts"
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
