// Size and speed of the widget (a benchmark script, not a test; `make bench-widget`):
//  - gzip (-9, the gzip command, as the gate counts) and brotli (q 11) bytes of everything the demo page loads from dist/
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
//    from dist/ has arrived: the page's HTML parse and first layout come before it);
//  - the pre-rendered first step (`lead-qualifier embed`, LQ_BIN or target/cli/, written
//    to a *.tmp.html page at bench time; bench-prerender.mjs says how it is timed): its
//    first question visible (first contentful paint) in turns with the same HTML without
//    its script (the static floor) and with an empty module script in its place (what
//    any script tag costs the first paint), and the paired differences, when the wasm arrived and
//    lq:ready fired (the adoption), and whether a click on an option registers while the
//    wasm is held back;
//  - layout shift (CLS: shifts without recent input, summed, until 200 ms after
//    lq:ready) of a page with a paragraph below the widget: pre-rendered, with the
//    README's plain snippet (its reserved height: pages/demo-reserved.html), and bare
//    tags with nothing reserved (pages/demo-below.html);
//  - Next to the second question at 4x CPU throttling (pages/demo.html): the Event Timing
//    duration of the click (interaction to next paint) and the time from the click to
//    the end of the frame after lq:step, median and max; the same, in turns, for a
//    stand-in with no engine (pages/stand-in-next.js: the same markup and styles, its
//    Next copies the step with the second question's words), and the paired difference;
//  - opening a pop-up at 4x CPU throttling (pages/popup.html, its delay trigger capped so
//    only a click on its [data-lead-open] button opens it): the Event Timing duration of
//    the click and the time from the click to the end of the frame after lq:open (the
//    first question, drawn while hidden, shows in that frame), median and max.
// Prints a table and the figures; exits non-zero only when it cannot measure.
// Usage: node tests/e2e/bench-widget.mjs   (after make dist and the CLI's build)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { startServer, launch, ROOT, BIN } from './harness.mjs';
import { measureFirstQuestion, median as med, quantile } from './first-question.mjs';
import { writePages, measureLoad, clickBeforeWasm, measureNext, measureOpen } from './bench-prerender.mjs';

const RUNS = Math.max(1, Number(process.env.LQ_BENCH_RUNS) || 10);
const PAGE = '/tests/e2e/pages/demo.html';
const STAND_IN = '/tests/e2e/pages/stand-in.html';
const BELOW = '/tests/e2e/pages/demo-below.html';
const RESERVED = '/tests/e2e/pages/demo-reserved.html';
const POPUP = '/tests/e2e/pages/popup.html';
const GZIP_BUDGET = 65536;
const FIRST_QUESTION_BUDGET_MS = 100;

if (!fs.existsSync(path.join(ROOT, 'dist/lead-qualifier.js'))) {
  console.error('bench-widget: dist/ is missing; run make dist (or scripts/dist.sh) first');
  process.exit(1);
}
if (!fs.existsSync(BIN)) {
  console.error(`bench-widget: ${BIN} is missing; build it (make target/cli/lead-qualifier) or set LQ_BIN`);
  process.exit(1);
}

const pages = writePages();
const server = await startServer();
const browser = await launch();
const loaded = new Set();
const failed = [];
const runs = { widget: [], standIn: [] };
const pre = { prerendered: [], static: [], scripted: [], plain: [], reserved: [], next: [], standInNext: [], open: [] };
let early;

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
  // The pre-rendered page, its static twin and the twin with an empty script in turns too
  // (each first in every third round), then the page without pre-rendering (its layout
  // shift), the early click, Next beside its stand-in, and the pop-up at 4x throttling.
  for (let i = 0; i < RUNS; i++) {
    const order = ['prerendered', 'static', 'scripted'];
    for (let k = 0; k < i % 3; k++) order.push(order.shift());
    for (const which of order) {
      pre[which].push(await measureLoad(browser, server.url(pages[which]), { widget: which === 'prerendered' }));
    }
    pre.plain.push(await measureLoad(browser, server.url(BELOW)));
    pre.reserved.push(await measureLoad(browser, server.url(RESERVED)));
  }
  early = await clickBeforeWasm(browser, server.url(pages.prerendered));
  for (let i = 0; i < RUNS; i++) {
    pre.next.push(await measureNext(browser, server.url(PAGE)));
    pre.standInNext.push(await measureNext(browser, server.url(pages.standInNext)));
  }
  for (let i = 0; i < RUNS; i++) pre.open.push(await measureOpen(browser, server.url(POPUP)));
} finally {
  pages.remove();
  await browser.close();
  await server.close();
}
if (failed.length) {
  console.error(`bench-widget: dist/ requests failed: ${[...new Set(failed)].join(', ')}`);
  process.exit(1);
}

/** gzip -9 bytes: the gzip command's, as scripts/dist.sh counts the gate (zlib's own
 * level 9 comes out a few hundred bytes apart on the wasm); zlib's where there is none. */
let gzipTool = 'the gzip command, as scripts/dist.sh counts the gate';
function gzipSize(p, bytes) {
  try {
    return execFileSync('gzip', ['-9c', path.join(ROOT, p)], { maxBuffer: 1 << 26 }).length;
  } catch {
    gzipTool = "Node's zlib (no gzip command here: the gate's own count may differ by a few hundred bytes)";
    return zlib.gzipSync(bytes, { level: 9 }).length;
  }
}
const rows = [];
let raw = 0, gz = 0, br = 0;
for (const p of [...loaded].sort()) {
  const bytes = fs.readFileSync(path.join(ROOT, p));
  const g = gzipSize(p, bytes);
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
console.log(`\ngzip -9 by ${gzipTool}`);

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
  + `first question with the plain tags ${ms(median)} of ${FIRST_QUESTION_BUDGET_MS} ms (${median <= FIRST_QUESTION_BUDGET_MS ? 'within' : 'over'}; `
  + 'a budget no widget that waits for its code meets here, set aside for the pre-rendered step below)');

const cls = (xs) => `median ${med(xs).toFixed(3)} (max ${Math.max(...xs).toFixed(3)})`;
const fcp = (xs) => med(xs.map((r) => r.paint));
const gap = (a, b) => paired(pre[a].map((r, i) => r.paint - pre[b][i].paint));
console.log(`\npre-rendered first step (lead-qualifier embed, a generated page like ${BELOW} with nothing before the widget; ${RUNS} runs in turns with the same HTML without its script, and with an empty module script in its place):`);
console.log(`first question visible (first contentful paint, the frame's presentation): median ${ms(fcp(pre.prerendered))}; `
  + `static floor ${ms(fcp(pre.static))}; pre-rendered minus static: ${gap('prerendered', 'static')} (target: at most 5 ms); `
  + `an empty module script minus static: ${gap('scripted', 'static')}; pre-rendered minus the empty script: ${gap('prerendered', 'scripted')}`);
console.log(`the wasm arrived a median ${ms(med(pre.prerendered.map((r) => r.wasm)))} from navigation, `
  + `lq:ready (the adoption) ${ms(med(pre.prerendered.map((r) => r.ready)))}`);
console.log(`a click on '201 or more' with the wasm held back: ${early.checked ? 'registers (checked)' : 'NOT checked'}`
  + `${early.early ? ' before lq:ready' : ' (but lq:ready had already fired)'}; `
  + `after the adoption ${early.kept ? 'still checked' : 'NOT checked'}`);
console.log(`layout shift with a paragraph below the widget (CLS until 200 ms after lq:ready): `
  + `pre-rendered ${cls(pre.prerendered.map((r) => r.cls))} (target 0.000); `
  + `without pre-rendering, the element as the README shows it, with its reserved height (${RESERVED}) ${cls(pre.reserved.map((r) => r.cls))} (target at most 0.01); `
  + `bare tags, nothing reserved (${BELOW}) ${cls(pre.plain.map((r) => r.cls))}`);
/** A click's figures at 4x throttling (measureNext, measureOpen), as printed. */
function clickFigures(xs, event) {
  const inp = xs.map((r) => r.inp);
  const frame = xs.map((r) => r.frame);
  const under = inp.filter((d) => d === 0).length;
  return `interaction to next paint (Event Timing) median ${ms(med(inp))}, max ${ms(Math.max(...inp))}`
    + `${under ? ` (${under} of ${RUNS} runs had no entry over 16 ms, counted as 0)` : ''}; `
    + `click to the end of the frame after ${event} median ${ms(med(frame))}, max ${ms(Math.max(...frame))} (target at most 50 ms)`;
}
console.log(`Next to the second question at 4x CPU throttling (${PAGE}, ${RUNS} runs): ${clickFigures(pre.next, 'lq:step')}`);
console.log(`  its stand-in (pages/stand-in-next.js: the pre-rendered step, no engine; Next copies the step's form with the second question's words, in turns with the widget): `
  + `${clickFigures(pre.standInNext, 'lq:step').replace(' (target at most 50 ms)', '')}; `
  + `widget minus stand-in, interaction to next paint: ${paired(pre.next.map((r, i) => r.inp - pre.standInNext[i].inp))}`);
console.log(`opening the pop-up at 4x CPU throttling (${POPUP}, a click on its [data-lead-open] button, ${RUNS} runs; `
  + `first question visible after the trigger): ${clickFigures(pre.open, 'lq:open')}`);
