#!/usr/bin/env bash
# Builds dist/, the files a page loads:
#   lead-qualifier.js      the loader (src/web/loader.js): the one file a page includes
#   lead_qualifier.js      the wasm-bindgen glue (--target web)
#   lead_qualifier_bg.wasm the engine, after one wasm-opt -Oz pass
#   *.d.ts                 types for bundler users (not loaded by pages)
# then prints raw / gzip / brotli sizes against two figures:
#   target  61440 B (60 KB gzip), the widget issue's budget for everything a page loads;
#   ratchet the measured size of main plus 2%: `make dist` (and so `make test`) fails when
#           a change makes the page download grow past it. Lower it whenever the size
#           drops; it only moves down, until it meets the target.
# LQ_GZIP_BUDGET overrides the ratchet, in bytes; LQ_NAMED=FILE keeps a named copy for twiggy.
#
# The wasm is built by `cargo rustc --crate-type cdylib`, not `cargo build` (nor wasm-pack,
# which runs `cargo build`): with the `["cdylib", "rlib"]` of Cargo.toml, rustc silently
# skips the release profile's `lto = true` (rust-lang/cargo#9672), and the dist wasm then
# kept whatever a vtable or a panic message named (-7.9 KB gzip). Then the wasm-bindgen CLI
# with exactly the arguments wasm-pack passed it (same output, byte for byte), and one
# explicit wasm-opt pass with the feature flags Debian's wasm-opt 108 needs for what rustc
# emits (TOOLCHAIN.md). Stripping happens in wasm-opt too (`strip = true` in Cargo would
# hide the target features from wasm-bindgen).
#
# `--no-default-features`: the library without std (Cargo.toml's `std` feature, src/lib.rs).
# Its panic handler is a bare trap, so LTO drops every panic message, `Location` and
# formatting routine a panic would have fed (-5.4 KB gzip): what the page runs is otherwise
# the same code as the std build `make test-wasm` checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

target=61440
budget=${LQ_GZIP_BUDGET:-68245}
out=dist
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The cdylib's path from cargo's own report (wherever the target directory is).
wasm=$(cargo rustc -q --lib --crate-type cdylib --release --target wasm32-unknown-unknown \
  --no-default-features --message-format json-render-diagnostics | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "lead_qualifier":
        print(*[f for f in m["filenames"] if f.endswith(".wasm")])
')
[ -f "$wasm" ] || { echo "dist: cargo reported no wasm for the library" >&2; exit 1; }
wasm-bindgen "$wasm" --out-dir "$tmp/pkg" --typescript --target web --out-name lead_qualifier

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
python3 - "$tmp/pkg/lead_qualifier_bg.wasm" "$tmp/snipped.wasm" "$snip" <<'PY'
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
if [ -n "${LQ_NAMED:-}" ]; then
  wasm-opt -Oz -g --low-memory-unused \
    --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-reference-types --enable-multivalue --enable-mutable-globals \
    "$tmp/snipped.wasm" -o "$LQ_NAMED"
fi

# --low-memory-unused: Rust places its stack and data at 1 MiB and above, so the low 1 KiB
# is never addressed; binaryen may then fold constant offsets into loads (-0.6 KB gzip).
wasm-opt -Oz --low-memory-unused \
  --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
  --enable-reference-types --enable-multivalue --enable-mutable-globals \
  --strip-debug --strip-producers \
  "$tmp/snipped.wasm" -o "$tmp/opt.wasm"

# Binaryen 108 (Debian's) writes the export of wasm-bindgen's externref table with the
# index of the function table (WebAssembly/binaryen#4711, fixed in 109): the page then
# fails with "WebAssembly.Table.set(): Argument 1 is invalid for table". Point the export
# back at the externref table; a no-op with a fixed wasm-opt.
python3 - "$tmp/opt.wasm" <<'PY'
import sys
sys.path.insert(0, "scripts")  # dist.sh runs from the repository root
from wasmbin import leb, limits

path = sys.argv[1]
b = bytearray(open(path, "rb").read())
tables, export = [], None
i = 8
while i < len(b):
    sid = b[i]
    size, j = leb(b, i + 1)
    n, k = leb(b, j) if sid in (2, 4, 7) else (0, j)
    for _ in range(n):
        if sid == 2:  # imports: imported tables come first in the index space
            for _ in range(2):
                l, k = leb(b, k)
                k += l
            kind = b[k]
            k += 1
            if kind == 0:
                _, k = leb(b, k)
            elif kind == 1:
                tables.append(b[k])
                k = limits(b, k + 1)
            elif kind == 2:
                k = limits(b, k)
            else:
                k += 2
        elif sid == 4:
            tables.append(b[k])
            k = limits(b, k + 1)
        else:
            l, k = leb(b, k)
            name = bytes(b[k : k + l])
            k += l
            kind = b[k]
            at = k + 1
            idx, k = leb(b, at)
            if kind == 1 and name == b"__wbindgen_externrefs":
                export = (at, idx, k - at)
    i = j + size
if export is None or 0x6F not in tables:
    sys.exit(0)
at, idx, width = export
want = tables.index(0x6F)
if idx != want:
    if width != 1 or want > 0x7F:
        sys.exit("dist: cannot repair the externref table export")
    b[at] = want
    open(path, "wb").write(b)
    print("dist: repaired the externref table export (binaryen 108)", file=sys.stderr)
PY

# Short import names. wasm-bindgen names each import of the glue `__wbg_<name>_<16 hex>`
# (130-odd of them); the random hex compresses badly, and each name is written twice,
# in the wasm's import section and as a key of the glue's import object (-3.6 KB gzip).
# Every import of the glue's module whose name is a key of that object exactly once (and
# appears nowhere else) becomes `a`, `b`, ..., in both files; the module name itself
# becomes `a` when the glue writes it once, as that object's key. Anything unexpected
# leaves a name as it was.
python3 - "$tmp/opt.wasm" "$tmp/pkg/lead_qualifier.js" <<'PY'
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
renamed = 0
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
    out.append(sid)
    out += uleb(len(body))
    out += body
    i = j + size
if new_module != MODULE:
    js = js.replace(module_key + ":", new_module + ":")
open(wasm_path, "wb").write(out)
open(js_path, "w").write(js)
print("dist: %d imports renamed" % renamed, file=sys.stderr)
PY

rm -rf "$out"
mkdir -p "$out"
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
min_js src/web/loader.js "$out/lead-qualifier.js"
min_js "$tmp/pkg/lead_qualifier.js" "$out/lead_qualifier.js"
cp src/web/loader.d.ts "$out/lead-qualifier.d.ts"
cp "$tmp/pkg/lead_qualifier.d.ts" "$out/"
cp "$tmp/opt.wasm" "$out/lead_qualifier_bg.wasm"

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
  name=$(basename "$f")
  raw=$(wc -c <"$f")
  gz=$(gzip -9c "$f" | wc -c)
  br=$(brotli_size "$f")
  case "$name" in
    *.d.ts) printf '%-28s %9d %9d %9s  (types, not loaded)\n' "$name" "$raw" "$gz" "$br"; continue ;;
  esac
  printf '%-28s %9d %9d %9s\n' "$name" "$raw" "$gz" "$br"
  raw_t=$((raw_t + raw)) gz_t=$((gz_t + gz))
  [ "$br" != - ] && br_t=$((br_t + br))
done
printf '%-28s %9d %9d %9s\n' 'total (what a page loads)' "$raw_t" "$gz_t" "$br_t"
if [ "$gz_t" -gt "$target" ]; then
  echo "dist: gzip total $gz_t bytes is $((gz_t - target)) bytes over the 60 KB target ($target bytes)"
else
  echo "dist: gzip total $gz_t bytes, within the 60 KB target ($target bytes)"
fi
if [ "$gz_t" -gt "$budget" ]; then
  echo "dist: gzip total $gz_t bytes is over the ratchet of $budget bytes: the page download grew" >&2
  exit 1
fi
