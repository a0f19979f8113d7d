// One page load for the benchmarks (bench-widget.mjs, bench-ab.mjs): in a fresh browser
// context, when the page's first question became visible, its first contentful paint,
// when the engine's wasm had arrived, and its main-thread tasks over 50 ms. Also the two
// statistics both print: the median and a quantile of a list of times.

/**
 * Loads `url` in a new context of `browser` and returns, in ms from navigation start,
 * `first` (the first question visible), `paint` (first contentful paint), `longest` (the
 * longest task over 50 ms, 0 when none), `own` (the same, of the tasks that ended
 * after the page's first script arrived: the widget's, not the HTML parse's) and `wasm`
 * (when the wasm had arrived: after it come the end of its compilation, the page's script
 * work and the frame; before it, the page and the network). Throws when the page loaded
 * no wasm or painted nothing: a NaN would sort anywhere and skew a median unnoticed.
 * `onResponse` sees every response (bench-widget.mjs logs what the page loads).
 */
export async function measureFirstQuestion(browser, url, { onResponse } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (onResponse) page.on('response', onResponse);
  await page.addInitScript(() => {
    window.__long = [];
    try {
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]);
      }).observe({ type: 'longtask', buffered: true });
    } catch {}
    // Visible: the end of the first frame that draws the first question, timed from
    // navigation start. rAF runs at that frame's start, before its style, layout and
    // paint; a message posted there is handled once the frame's main-thread work is done.
    // Reported by a console line, not polled: the first `page.evaluate` or
    // `waitForFunction` makes Playwright inject its utility script, whose parse (15-25 ms
    // of main thread here) would land in the middle of the widget's start.
    document.addEventListener('lq:step', () => {
      if (window.__step === undefined) {
        window.__step = performance.now();
        requestAnimationFrame(() => {
          const c = new MessageChannel();
          c.port1.onmessage = () => {
            window.__first = performance.now();
            console.log('lq-bench:first');
          };
          c.port2.postMessage(0);
        });
      }
    });
  });
  const shown = page.waitForEvent('console', { predicate: (m) => m.text() === 'lq-bench:first', timeout: 15000 });
  await page.goto(url, { waitUntil: 'commit' });
  await shown;
  await page.getByRole('radio').first().waitFor({ state: 'visible' });
  // Let the observer report tasks that ended around the first frame.
  await page.waitForTimeout(200);
  const run = await page.evaluate(() => {
    const resources = performance.getEntriesByType('resource');
    const script = resources.find((r) => r.initiatorType === 'script');
    const from = script ? script.responseEnd : 0;
    const wasm = resources.find((r) => new URL(r.name).pathname.endsWith('.wasm'));
    const max = (xs) => Math.max(0, ...xs.map(([, d]) => d));
    return {
      first: window.__first,
      paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      longest: max(window.__long),
      own: max(window.__long.filter(([t, d]) => t + d > from)),
      wasm: wasm ? wasm.responseEnd : NaN,
    };
  });
  await context.close();
  const missing = ['first', 'paint', 'wasm'].filter((k) => !Number.isFinite(run[k]));
  if (missing.length) throw new Error(`${url}: no ${missing.join(', ')} in the page's timings`);
  return run;
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs) {
  const v = sorted(xs);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** The `q` quantile of `xs` (0 to 1), the nearest sample; 0.25 and 0.75 give the middle half. */
export function quantile(xs, q) {
  return sorted(xs)[Math.round(q * (xs.length - 1))];
}
