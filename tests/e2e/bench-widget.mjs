// Size and speed of the widget (a benchmark script, not a test): gzip and brotli bytes of
// everything a page loads from dist/, and the time from navigation to the first question
// visible in headless Chromium (median of 10 runs), plus the longest main-thread task.
// Usage: node tests/e2e/bench-widget.mjs   (after make dist)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, launch, ROOT } from './harness.mjs';

const RUNS = 10;
const server = await startServer();
const browser = await launch();
const loaded = new Map();
const times = [];
const longest = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/dist/')) loaded.set(u.pathname, true);
    });
    await page.addInitScript(() => {
      window.__long = 0;
      try {
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) window.__long = Math.max(window.__long, e.duration);
        }).observe({ type: 'longtask', buffered: true });
      } catch {}
      document.addEventListener('lq:step', () => {
        if (window.__first === undefined) window.__first = performance.now();
      });
    });
    await page.goto(server.url('/tests/e2e/pages/demo.html'));
    await page.waitForFunction(() => window.__first !== undefined, null, { timeout: 15000 });
    // Visible: the legend is rendered and laid out.
    await page.getByRole('radio').first().waitFor({ state: 'visible' });
    const t = await page.evaluate(() => window.__first);
    times.push(t);
    await page.waitForTimeout(100);
    longest.push(await page.evaluate(() => window.__long));
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const rows = [];
let raw = 0, gz = 0, br = 0;
for (const p of [...loaded.keys()].sort()) {
  const bytes = fs.readFileSync(path.join(ROOT, p));
  const g = zlib.gzipSync(bytes, { level: 9 }).length;
  const b = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += bytes.length; gz += g; br += b;
  rows.push([p, bytes.length, g, b]);
}
const kb = (n) => (n / 1024).toFixed(1) + ' KB';
console.log('| file | raw | gzip | brotli |');
console.log('|---|---:|---:|---:|');
for (const [p, r, g, b] of rows) console.log(`| ${p} | ${kb(r)} | ${kb(g)} | ${kb(b)} |`);
console.log(`| **total** | ${kb(raw)} | ${kb(gz)} | ${kb(br)} |`);
times.sort((a, b) => a - b);
const median = (times[4] + times[5]) / 2;
console.log(`\nfirst question visible: median ${median.toFixed(0)} ms over ${RUNS} runs (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)})`);
console.log(`longest main-thread task: ${Math.max(...longest).toFixed(0)} ms (0 = none over 50 ms reported)`);
console.log(`budget: gzip total ${kb(gz)} of 60 KB (${gz <= 61440 ? 'within' : 'OVER'}); first question ${median <= 100 ? 'within' : 'OVER'} 100 ms`);
