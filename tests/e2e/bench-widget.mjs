// Size and speed of the widget (a benchmark script, not a test; `make bench-widget`):
//  - gzip (-9) and brotli (q 11) bytes of everything the demo page loads from dist/
//    (JS, wasm, CSS), as the network log of headless Chromium saw it;
//  - the time from navigation start to the first question visible: the end of the main
//    thread's work for the first frame after `lq:step` (its style, layout and paint;
//    median of LQ_BENCH_RUNS runs, default 10, each in a fresh browser context, nothing
//    cached);
//  - the same page's first contentful paint (its heading, before any widget code runs):
//    the floor this browser and machine set, so the widget's own share shows;
//  - the same for a stand-in (pages/stand-in.js): one module script that downloads the
//    same wasm and playbook and draws the first question with no engine, measured in
//    turns with the widget: the least a widget of this shape costs here, and the
//    widget's share on top of it (the paired difference);
//  - for both, when the wasm arrived (after the page, two requests in a row: the script,
//    then the wasm) and how long after it the first question came (the end of compiling,
//    the script's work, the frame: for the widget the engine's work, for the stand-in its
//    bare drawing), and the paired difference of the latter;
//  - the longest main-thread task (PerformanceObserver `longtask`: tasks over 50 ms), of
//    the whole page load and of the widget's own span (tasks that end after the script
//    from dist/ has arrived: the page's HTML parse and first layout come before it).
// Prints a table and the figures; exits non-zero only when it cannot measure.
// Usage: node tests/e2e/bench-widget.mjs   (after make dist)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, launch, ROOT } from './harness.mjs';
import { measureFirstQuestion, median as med, quantile } from './first-question.mjs';

const RUNS = Math.max(1, Number(process.env.LQ_BENCH_RUNS) || 10);
const PAGE = '/tests/e2e/pages/demo.html';
const STAND_IN = '/tests/e2e/pages/stand-in.html';
const GZIP_BUDGET = 61440;
const FIRST_QUESTION_BUDGET_MS = 100;

if (!fs.existsSync(path.join(ROOT, 'dist/lead-qualifier.js'))) {
  console.error('bench-widget: dist/ is missing; run make dist (or scripts/dist.sh) first');
  process.exit(1);
}

const server = await startServer();
const browser = await launch();
const loaded = new Set();
const failed = [];
const runs = { widget: [], standIn: [] };

/** One load of `pagePath`; the widget's loads also log what the page loaded from dist/. */
function measure(pagePath, log) {
  const onResponse = log
    ? (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/dist/')) return;
      if (r.ok()) loaded.add(u.pathname);
      else failed.push(`${r.status()} ${u.pathname}`);
    }
    : undefined;
  return measureFirstQuestion(browser, server.url(pagePath), { onResponse });
}

try {
  // One load of each, not counted: the browser's first contexts start colder.
  await measure(PAGE, false);
  await measure(STAND_IN, false);
  // The widget and its stand-in take turns (each first in every other round), so both
  // see the same moments of a noisy machine.
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? ['standIn', 'widget'] : ['widget', 'standIn'];
    for (const which of order) {
      runs[which].push(await measure(which === 'widget' ? PAGE : STAND_IN, which === 'widget'));
    }
  }
} finally {
  await browser.close();
  await server.close();
}
if (failed.length) {
  console.error(`bench-widget: dist/ requests failed: ${[...new Set(failed)].join(', ')}`);
  process.exit(1);
}

const rows = [];
let raw = 0, gz = 0, br = 0;
for (const p of [...loaded].sort()) {
  const bytes = fs.readFileSync(path.join(ROOT, p));
  const g = zlib.gzipSync(bytes, { level: 9 }).length;
  const b = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += bytes.length; gz += g; br += b;
  rows.push([p, bytes.length, g, b]);
}
const kind = (p) => (p.endsWith('.wasm') ? 'wasm' : p.endsWith('.css') ? 'css' : 'js');
console.log(`What ${PAGE} loads from dist/ (bytes):\n`);
console.log('| file | kind | raw | gzip | brotli |');
console.log('|---|---|---:|---:|---:|');
for (const [p, r, g, b] of rows) console.log(`| ${p} | ${kind(p)} | ${r} | ${g} | ${b} |`);
console.log(`| **total** | | ${raw} | ${gz} | ${br} |`);

const ms = (n) => `${n.toFixed(0)} ms`;
/** A paired difference's median and middle half, as printed. */
const paired = (xs) => `a median ${ms(med(xs))} (paired runs; middle half about ${ms(quantile(xs, 0.25))} to ${ms(quantile(xs, 0.75))})`;
const { widget, standIn } = runs;
const times = widget.map((r) => r.first).sort((a, b) => a - b);
const share = widget.map((r, i) => r.first - standIn[i].first);
const median = med(times);
console.log(`\nfirst question visible: median ${ms(median)} over ${RUNS} runs (min ${ms(times[0])}, max ${ms(times.at(-1))})`);
console.log(`the page's first contentful paint (its heading): median ${ms(med(widget.map((r) => r.paint)))}; `
  + `the first question came a median ${ms(med(widget.map((r) => r.first - r.paint)))} after it`);
console.log(`the stand-in (${STAND_IN}: the same two downloads, no engine, a static first question): `
  + `median ${ms(med(standIn.map((r) => r.first)))}, ${ms(med(standIn.map((r) => r.first - r.paint)))} after its first paint; `
  + `widget minus stand-in: ${paired(share)}; `
  + `the stand-in had a task over 50 ms after its script arrived in ${standIn.filter((r) => r.own > 50).length} of ${RUNS} runs`);
const afterWasm = widget.map((r, i) => (r.first - r.wasm) - (standIn[i].first - standIn[i].wasm));
console.log(`after the wasm arrived (after the page, two requests in a row: the script, then the wasm): `
  + `widget a median ${ms(med(widget.map((r) => r.first - r.wasm)))}, `
  + `stand-in ${ms(med(standIn.map((r) => r.first - r.wasm)))}, widget minus stand-in ${paired(afterWasm)}; `
  + `the wasm arrived a median `
  + `${ms(med(widget.map((r) => r.wasm)))} from navigation (stand-in ${ms(med(standIn.map((r) => r.wasm)))})`);
const long = Math.max(...widget.map((r) => r.longest));
const ownLong = Math.max(...widget.map((r) => r.own));
const over = widget.filter((r) => r.own > 50).length;
console.log(`longest main-thread task: ${long ? ms(long) : 'none over 50 ms'} (max over ${RUNS} runs); `
  + `after the widget's script arrived: ${ownLong ? ms(ownLong) : 'none over 50 ms'} (${over} of ${RUNS} runs had one over 50 ms)`);
console.log(`budgets: gzip total ${gz} of ${GZIP_BUDGET} bytes (${gz <= GZIP_BUDGET ? 'within' : 'OVER'}); `
  + `first question ${ms(median)} of ${FIRST_QUESTION_BUDGET_MS} ms (${median <= FIRST_QUESTION_BUDGET_MS ? 'within' : 'OVER'})`);
