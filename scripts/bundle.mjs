// The page's one script, built by esbuild (and compressed once more by terser): the loader (src/loader.js) with the wasm-bindgen
// glue it imports (--target web), bundled and minified, the glue's names for the wasm's
// imports and exports shortened exactly as wasm-opt shortened them in the wasm.
//
//   node scripts/bundle.mjs GLUE NAMES LOADER OUT
//
// GLUE   wasm-bindgen's lead_qualifier.js
// NAMES  what `wasm-opt --minify-imports-and-exports-and-modules` printed: the JSON map
//        {"imports": [[module, name, short], ...], "exports": [[name, short], ...]}
// LOADER src/loader.js, which imports GLUE as './lead_qualifier.js'
// OUT    dist/lead-qualifier.js
// page|dev  which build (default page): `__LQ_DEV__` for the loader
//
// wasm-bindgen names each import `__wbg_<name>_<16 hex>` (130-odd of them) and writes each
// name twice, in the wasm and as a key of the glue's import object; the random hex
// compresses badly (-3 KB gzip when short). wasm-opt renames them in the wasm and prints
// the map; esbuild's property mangling, seeded with that map as its mangle cache, renames
// the same names in the glue (the import object's keys, its module key, and the
// `wasm.<export>` reads), so the two files agree by construction. The build stops if a name
// of the map is left in the glue, or if an export's name is also some other property the
// glue reads (mangling would rename that too).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// esbuild and terser are tests/e2e's devDependencies (pinned; scripts/install.sh wasm
// installs them).
const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const esbuild = require('esbuild');

const [glue, namesFile, loader, out, build = 'page'] = process.argv.slice(2);
if (!out || !['page', 'dev'].includes(build)) {
  console.error('usage: node scripts/bundle.mjs GLUE NAMES LOADER OUT [page|dev]');
  process.exit(2);
}
const fail = (why) => {
  console.error(`bundle: ${why}`);
  process.exit(1);
};

const names = JSON.parse(readFileSync(namesFile, 'utf8'));
// The glue as esbuild prints it: code only, its comments gone (they name exports too).
const { code: source } = await esbuild.transform(readFileSync(glue, 'utf8'), {
  format: 'esm',
  legalComments: 'none',
  logLevel: 'error',
});
const cache = {};
const modules = new Set();
for (const [module, name, short] of names.imports) {
  modules.add(module);
  cache[name] = short;
}
if (modules.size > 1) fail(`the wasm imports from ${[...modules].join(', ')}: expected one module`);
// The one module becomes "a" (what the -and-modules variant names every module).
for (const m of modules) cache[m] = 'a';
for (const [name, short] of names.exports) {
  // An export the glue reads only as `wasm.<name>`: any other `.<name>` or `<name>:` would
  // be renamed with it.
  const reads = source.match(new RegExp(`(?<![\\w$])wasm\\.${name}(?![\\w$])`, 'g'))?.length ?? 0;
  const props = source.match(new RegExp(`(?:\\.\\s*${name}|(?<![\\w$])${name}\\s*:)(?![\\w$])`, 'g'))?.length ?? 0;
  if (props !== reads) fail(`the export ${name} is also another property of the glue`);
  cache[name] = short;
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Also the glue's own bookkeeping properties, which nothing outside it reads: a handle's
// pointer and its helpers, a closure's release hook.
const internal = ['__wbg_ptr', '__destroy_into_raw', '__wrap', '_wbg_cb_unref'];
for (const name of internal) {
  const e = escape(name);
  if (readFileSync(loader, 'utf8').match(new RegExp(`(?<![\\w$])${e}(?![\\w$])`))) {
    fail(`${name} is read by the loader: it cannot be renamed`);
  }
}
const mangleProps = new RegExp(`^(?:${[...Object.keys(cache), ...internal].map(escape).join('|')})$`);

// 1. The glue alone, its names shortened (nothing else in it is touched).
const renamed = await esbuild.transform(source, {
  format: 'esm',
  mangleProps,
  mangleQuoted: true,
  mangleCache: cache,
  logLevel: 'error',
});
// Every name of the map, read or written as a property (`.name`, `name:`, `"name"`), is gone.
for (const name of Object.keys(cache)) {
  const e = escape(name);
  const left = new RegExp(`\\.\\s*${e}(?![\\w$])|(?<![\\w$])${e}\\s*:|["']${e}["']`);
  if (left.test(renamed.code)) fail(`${name} is still a property of the glue after renaming`);
}

// 2. The loader with the renamed glue, one minified ES module. `check` is only in the
// development build's glue: the page build's `engine.check` is `undefined`, as meant.
const result = await esbuild.build({
  entryPoints: [loader],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  write: false,
  logLevel: 'error',
  logOverride: { 'import-is-undefined': 'silent' },
  // The funnel events' module stays a file of its own, loaded on demand (written below).
  external: ['./analytics.js', './display.js', './variants.js', './gate.js'],
  // The loader's development exports (check, runCases, caseFrom) only in dist/dev/.
  define: { __LQ_DEV__: build === 'dev' ? 'true' : 'false' },
  plugins: [
    {
      name: 'renamed-glue',
      setup(build) {
        build.onResolve({ filter: /^\.\/lead_qualifier\.js$/ }, () => ({ path: path.resolve(glue), namespace: 'glue' }));
        build.onLoad({ filter: /.*/, namespace: 'glue' }, () => ({ contents: renamed.code, loader: 'js' }));
      },
    },
  ],
});
// 3. terser's compressor over esbuild's output: two passes find what one minifier's single
// pass leaves (-0.12 KB gzip). Property names (the renamed ones included) are never mangled.
const terser = require('terser');
const TERSER = {
  module: true,
  ecma: 2020,
  compress: { passes: 3, unsafe_arrows: true },
  mangle: true,
  format: { comments: false },
};
const min = await terser.minify(result.outputFiles[0].text, TERSER);
writeFileSync(out, min.code);
// src/analytics.js, src/display.js and src/variants.js beside it, minified alike: what a
// playbook with `analytics`, an element with `display` and a playbook with `variants` load.
for (const name of ['analytics.js', 'display.js', 'variants.js', 'gate.js']) {
  const { code } = await terser.minify(readFileSync(path.join(path.dirname(loader), name), 'utf8'), TERSER);
  writeFileSync(path.join(path.dirname(out), name), code);
}
