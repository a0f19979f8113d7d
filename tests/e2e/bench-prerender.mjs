// The pre-rendered first step (`lead-qualifier embed`) and the widget's next step, for
// bench-widget.mjs: one page load's paint, wasm arrival, adoption and layout shift; a click
// on an option before the wasm arrives; Next at 4x CPU throttling.
//
// "First question visible" of a pre-rendered page is its first contentful paint (FCP, the
// browser's presentation time of that frame), on a page with nothing contentful before the
// widget: the step is a declarative shadow root, attached whole when the parser reaches
// its </template>, so the first paint with any content is the first with the question.
// Element timing cannot say it: it ignores elements in shadow trees (no entries, checked),
// and LCP sometimes names the paragraph below first though the frames show the whole
// step. A rAF after DOMContentLoaded would wait for the module script's download, which
// the browser does not wait for to paint. The floor is measured the same way on the same
// page without its script tag (the same HTML, static): the difference is what the
// widget's script costs the first paint.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT, openPage, waitForEvent } from './harness.mjs';

export const BIN = process.env.LQ_BIN || path.join(ROOT, 'target/cli/lead-qualifier');
const DIR = 'tests/e2e/pages';
const OPTION = '201 or more';

/**
 * Writes the pre-rendered demo page (the embed snippet, a paragraph below it) and its
 * static twin (the same without the script tag) as *.tmp.html under tests/e2e/pages/;
 * returns their paths under the server and `remove()`.
 */
export function writePages() {
  const snippet = execFileSync(BIN, ['embed', '--script', '/dist/lead-qualifier.js', path.join(ROOT, 'examples/demo-request.json')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const bare = snippet.replace(/<script type="module"[^>]*><\/script>\s*/, '');
  if (bare === snippet) throw new Error('lead-qualifier embed printed no module script tag');
  const page = (body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo request</title></head>
<body><main>
${body}
<p>Everything below the widget stays where it is, unless the widget moves it.</p>
</main></body></html>`;
  const files = { prerendered: 'bench-prerendered.tmp.html', static: 'bench-static.tmp.html' };
  fs.writeFileSync(path.join(ROOT, DIR, files.prerendered), page(snippet));
  fs.writeFileSync(path.join(ROOT, DIR, files.static), page(bare));
  return {
    prerendered: `/${DIR}/${files.prerendered}`,
    static: `/${DIR}/${files.static}`,
    remove: () => Object.values(files).forEach((f) => fs.rmSync(path.join(ROOT, DIR, f), { force: true })),
  };
}

/**
 * One load of `url` in a new context: `paint` (FCP), and for a page with the widget `wasm`
 * (when it had arrived), `ready` (lq:ready) and `cls` (layout shifts without recent
 * input, summed, 200 ms after lq:ready), all in ms from navigation start. No Playwright
 * evaluate before the end: its utility script would run in the middle of the page's start.
 */
export async function measureLoad(browser, url, { widget = true } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
    document.addEventListener('lq:ready', () => {
      window.__ready = performance.now();
      console.log('lq-bench:ready');
    });
  });
  const ready = widget && page.waitForEvent('console', { predicate: (m) => m.text() === 'lq-bench:ready', timeout: 15000 });
  await page.goto(url, { waitUntil: widget ? 'commit' : 'load' });
  await ready;
  await page.waitForTimeout(200);
  const run = await page.evaluate(() => ({
    paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    wasm: performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'))?.responseEnd ?? NaN,
    ready: window.__ready ?? NaN,
    cls: window.__cls,
  }));
  await context.close();
  const missing = (widget ? ['paint', 'wasm', 'ready'] : ['paint']).filter((k) => !Number.isFinite(run[k]));
  if (missing.length) throw new Error(`${url}: no ${missing.join(', ')} in the page's timings`);
  return run;
}

/**
 * Holds the wasm, clicks the option on the pre-rendered step, and says whether it was
 * `checked` while the engine had not started (`early`: no lq:ready yet) and still `kept`
 * once the widget adopted the step.
 */
export async function clickBeforeWasm(browser, url) {
  const { page, context } = await openPage(browser, 'about:blank');
  let release;
  const gate = new Promise((r) => (release = r));
  await page.route('**/lead_qualifier_bg.wasm', async (route) => {
    await gate;
    await route.continue();
  });
  await page.goto(url);
  const option = page.getByRole('radio', { name: OPTION, exact: true });
  await option.click({ timeout: 5000 });
  const checked = await option.isChecked();
  const early = !(await page.evaluate(() => window.__lq.some((e) => e.type === 'lq:ready')));
  release();
  await waitForEvent(page, 'lq:ready');
  const kept = await option.isChecked();
  await context.close();
  return { checked, early, kept };
}

/**
 * On `url` (the widget, no pre-rendering), chooses the option, throttles the CPU 4x and
 * clicks Next. Returns `inp`: the longest Event Timing entry (pointerdown, pointerup,
 * click, keydown; threshold 16 ms, so 0 when all were shorter) of that click, and
 * `frame`: from the click's timestamp to the end of the main thread's work for the first
 * frame after the next lq:step.
 */
export async function measureNext(browser, url) {
  const { page, context } = await openPage(browser, 'about:blank');
  await page.addInitScript(() => {
    window.__events = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__events.push([e.name, e.startTime, e.duration]);
    }).observe({ type: 'event', durationThreshold: 16, buffered: true });
    document.addEventListener('click', (e) => { window.__click = e.timeStamp; }, true);
    document.addEventListener('lq:step', (e) => {
      if (e.detail.index === 0 || window.__next !== undefined) return;
      requestAnimationFrame(() => {
        const c = new MessageChannel();
        c.port1.onmessage = () => {
          window.__next = performance.now();
          console.log('lq-bench:next');
        };
        c.port2.postMessage(0);
      });
    });
  });
  await page.goto(url);
  await waitForEvent(page, 'lq:ready');
  await page.getByRole('radio', { name: OPTION, exact: true }).check();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const from = await page.evaluate(() => performance.now());
  const shown = page.waitForEvent('console', { predicate: (m) => m.text() === 'lq-bench:next', timeout: 15000 });
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await shown;
  // Event Timing entries are delivered after the frame they end in.
  await page.waitForTimeout(300);
  const run = await page.evaluate((t0) => {
    const names = ['pointerdown', 'pointerup', 'click', 'keydown'];
    const own = window.__events.filter(([n, t]) => t >= t0 && names.includes(n));
    return { inp: Math.max(0, ...own.map(([, , d]) => d)), frame: window.__next - window.__click };
  }, from);
  await context.close();
  if (!Number.isFinite(run.frame)) throw new Error(`${url}: Next showed no next step`);
  return run;
}
