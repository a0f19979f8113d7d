// The pre-rendered first step (`lead-qualifier embed`) and the widget's next step, for
// bench-widget.mjs: one page load's paint, wasm arrival, adoption and layout shift; a click
// on an option before the wasm arrives; Next, and a click that opens a pop-up, at 4x CPU
// throttling.
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
// widget's script costs the first paint. A second floor has an empty module script in
// its place: on loopback a module script arrives within the page's first frame, and any
// script (an empty one measured +0 to +12 ms in paired medians of 24-30 runs) can move
// the first paint a frame later; the widget's share is its difference to that page.
//
// Next is measured beside a stand-in with no engine (pages/stand-in-next.js): the
// pre-rendered step, whose Next copies the step's form with the second question's words.
// At 4x throttling on this machine even that swap takes 50-80 ms to the next paint
// (changing one word of the legend: about 48 ms), so the stand-in shows about what any
// widget drawing a step of this markup and style costs here, and the difference about
// the engine's share (its step, the DOM built through wasm-bindgen, the events). About:
// the stand-in's page is the embed page (its stylesheet a <style> element, a paragraph
// below), the widget's pages/demo.html (a constructed stylesheet, a heading above), and
// the stand-in's second step has no Back button and leaves the progress line as it was.
// An interaction under 16 ms has no Event Timing entry and counts as 0.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT, BIN, openPage, waitForEvent, events, holdWasm } from './harness.mjs';

const DIR = 'tests/e2e/pages';
const OPTION = '201 or more';

/**
 * Writes, as *.tmp.html under tests/e2e/pages/, the pre-rendered demo page (the embed
 * snippet, a paragraph below it), its static twin (the same without the script tag), the
 * static twin with an empty module script where the widget's script tag was (`scripted`:
 * what any script tag costs the first paint here), and the static twin with the Next
 * stand-in (pages/stand-in-next.js); returns their paths under the server and `remove()`.
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
  const files = {
    prerendered: 'bench-prerendered.tmp.html',
    static: 'bench-static.tmp.html',
    scripted: 'bench-scripted.tmp.html',
    standInNext: 'bench-stand-in-next.tmp.html',
  };
  const script = (src) => `<script type="module" src="/${DIR}/${src}"></script>\n${bare}`;
  fs.writeFileSync(path.join(ROOT, DIR, files.prerendered), page(snippet));
  fs.writeFileSync(path.join(ROOT, DIR, files.static), page(bare));
  fs.writeFileSync(path.join(ROOT, DIR, files.scripted), page(script('empty-module.js')));
  fs.writeFileSync(path.join(ROOT, DIR, files.standInNext), page(script('stand-in-next.js')));
  return {
    prerendered: `/${DIR}/${files.prerendered}`,
    static: `/${DIR}/${files.static}`,
    scripted: `/${DIR}/${files.scripted}`,
    standInNext: `/${DIR}/${files.standInNext}`,
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
  const release = await holdWasm(page);
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
 * Loads `url` in a new context (the harness's page; `init` runs in it first, with `arg`),
 * waits for lq:ready, runs `before(page)`, throttles the CPU 4x and clicks `target(page)`
 * (a locator). Returns `inp`: the longest Event Timing entry (pointerdown, pointerup,
 * click, keydown; threshold 16 ms, so 0 when all were shorter) of that click, `frame`:
 * from the click's timestamp to the end of the main thread's work for the first frame
 * after the first `event` (an lq:* event) that came after the click, and what
 * `after(page)` returns (run before the context closes).
 */
async function clickToFrame(browser, url, { event, target, init, arg, before, after }) {
  const { page, context } = await openPage(browser, 'about:blank');
  if (init) await page.addInitScript(init, arg);
  await page.addInitScript((type) => {
    window.__events = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__events.push([e.name, e.startTime, e.duration]);
    }).observe({ type: 'event', durationThreshold: 16, buffered: true });
    document.addEventListener('click', (e) => { window.__click = e.timeStamp; }, true);
    // Only the first `type` event once armed (just before the click). rAF runs at the
    // next frame's start; a message posted there is handled once its work is done.
    document.addEventListener(type, () => {
      if (!window.__armed || window.__seen) return;
      window.__seen = true;
      requestAnimationFrame(() => {
        const c = new MessageChannel();
        c.port1.onmessage = () => {
          window.__frame = performance.now();
          console.log('lq-bench:frame');
        };
        c.port2.postMessage(0);
      });
    });
  }, event);
  await page.goto(url);
  await waitForEvent(page, 'lq:ready');
  if (before) await before(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const from = await page.evaluate(() => {
    window.__armed = true;
    return performance.now();
  });
  const shown = page.waitForEvent('console', { predicate: (m) => m.text() === 'lq-bench:frame', timeout: 15000 });
  await target(page).click();
  await shown;
  // Event Timing entries are delivered after the frame they end in.
  await page.waitForTimeout(300);
  const run = await page.evaluate((t0) => {
    const names = ['pointerdown', 'pointerup', 'click', 'keydown'];
    const own = window.__events.filter(([n, t]) => t >= t0 && names.includes(n));
    return { inp: Math.max(0, ...own.map(([, , d]) => d)), frame: window.__frame - window.__click };
  }, from);
  Object.assign(run, after && (await after(page)));
  await context.close();
  if (!Number.isFinite(run.frame)) throw new Error(`${url}: the click was followed by no ${event}`);
  return run;
}

/**
 * On `url` (the widget, or the Next stand-in's page), chooses the option, throttles the CPU 4x and
 * clicks Next: `inp` and `frame` (clickToFrame) of that click, the frame after the next
 * lq:step.
 */
export function measureNext(browser, url) {
  return clickToFrame(browser, url, {
    event: 'lq:step',
    before: (page) => page.getByRole('radio', { name: OPTION, exact: true }).check(),
    target: (page) => page.getByRole('button', { name: 'Next', exact: true }),
  });
}

/**
 * On `url` (a pop-up: pages/popup.html), with the automatic triggers capped (localStorage
 * lq:cap for `key`, a year ahead, before the page's scripts run), waits past its delay
 * trigger, throttles the CPU 4x and clicks `opener`: `inp` and `frame` (clickToFrame) of
 * that click, the frame after lq:open; the first question was already drawn, hidden, in
 * the closed dialog. Throws unless the pop-up was closed with its question hidden before
 * the click and the click alone opened it with the question visible.
 */
export function measureOpen(browser, url, { key = '/examples/demo-request.json', opener = '#opener', wait = 600 } = {}) {
  const question = (page) => page.getByRole('radio').first();
  return clickToFrame(browser, url, {
    event: 'lq:open',
    init: (k) => {
      try {
        localStorage.setItem('lq:cap', JSON.stringify({ [k]: Date.now() + 365 * 864e5 }));
      } catch {
        // about:blank has no storage; the page's origin does.
      }
    },
    arg: key,
    before: async (page) => {
      await page.waitForTimeout(wait);
      if ((await events(page, 'lq:open')).length || (await question(page).isVisible())) {
        throw new Error(`${url}: the pop-up opened before the click (the cap did not hold)`);
      }
    },
    target: (page) => page.locator(opener),
    after: async (page) => {
      const opened = (await events(page, 'lq:open')).map((e) => e.detail?.trigger);
      if (opened.join() !== 'click' || !(await question(page).isVisible())) {
        throw new Error(`${url}: the click did not open the pop-up with its question (lq:open ${opened.join() || 'none'})`);
      }
    },
  });
}
