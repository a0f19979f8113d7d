// The widget in a real browser: pages that include only the two tags from dist/.
// Journeys (sales_ready, content_only, disqualified, back and change, keyboard only),
// hostile playbook text, the strict CSP, broken playbooks, and axe-core at every step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, launch, openPage, events, waitForEvent, axe, holdWasm } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const next = (page) => page.getByRole('button', { name: /^(Next|Submit)$/ }).click();

async function choose(page, label) {
  await page.getByRole('radio', { name: label, exact: true }).check();
  await next(page);
}

async function noViolations(page, where) {
  const v = await axe(page);
  assert.deepEqual(v, [], `axe violations at ${where}: ${JSON.stringify(v, null, 1)}`);
}

async function currentLegendOrLabel(page) {
  return page.locator('lead-qualifier').evaluate((el) => {
    const root = el.shadowRoot;
    const l = root && (root.querySelector('legend') || root.querySelector('form label'));
    return l ? l.textContent.trim() : null;
  });
}

function assertClean(log, page) {
  assert.deepEqual(log.pageErrors, [], 'no uncaught errors');
  return page.evaluate(() => window.__csp).then((csp) => assert.deepEqual(csp, [], 'no CSP violations'));
}

test('sales_ready: stops early, asks contacts, submits once; axe clean at every step', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  await noViolations(page, 'company_size');
  await choose(page, '201 or more');
  await noViolations(page, 'role');
  await choose(page, 'Executive or owner');
  await choose(page, 'Within 3 months');
  // Early decision: budget and use case are skipped.
  await page.getByRole('textbox', { name: /work email/i }).waitFor();
  await noViolations(page, 'email');
  await page.getByRole('textbox', { name: /work email/i }).fill('ana@gmail.com');
  await next(page);
  await page.getByText('Please use your work email address.').waitFor();
  await noViolations(page, 'email error');
  await page.getByRole('textbox', { name: /work email/i }).fill('ana@acme.com');
  await next(page);
  await page.getByRole('checkbox', { name: /I agree/ }).check();
  await noViolations(page, 'consent');
  await next(page);
  await page.getByRole('heading', { name: 'Let’s talk' }).waitFor();
  await noViolations(page, 'outcome');
  const outcome = await waitForEvent(page, 'lq:outcome');
  assert.equal(outcome.detail.outcome_id, 'talk_to_sales');
  assert.equal(outcome.detail.class, 'sales_ready');
  assert.equal(outcome.detail.score.total, 75);
  const submitted = await waitForEvent(page, 'lq:submitted');
  const steps = (await events(page, 'lq:step')).map((e) => e.detail.question_id);
  assert.deepEqual(steps, ['company_size', 'role', 'timeline', 'email', 'consent']);
  // The collector got exactly one POST with the lead and its Idempotency-Key.
  const posts = server.state.posts.filter((p) => JSON.parse(p.body).id === submitted.detail.lead_id);
  assert.equal(posts.length, 1);
  assert.equal(posts[0].headers['idempotency-key'], submitted.detail.lead_id);
  const lead = JSON.parse(posts[0].body);
  assert.equal(lead.outcome.class, 'sales_ready');
  assert.deepEqual(lead.asked, ['company_size', 'role', 'timeline', 'email', 'consent']);
  assert.equal(lead.answers.email, 'ana@acme.com');
  assert.deepEqual(lead.score, { fit: 45, intent: 30, total: 75 });
  assert.match(lead.context.page_url, /demo\.html$/);
  // The booking page shows in an iframe with a title.
  assert.ok(await page.locator('lead-qualifier').evaluate((el) => !!el.shadowRoot.querySelector('iframe[title]')));
  await assertClean(log, page);
  await context.close();
});

test('content_only: small company gets the guide', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  await choose(page, '1–10');
  await choose(page, 'Individual contributor');
  await page.getByRole('textbox', { name: /work email/i }).fill('bo@small.io');
  await next(page);
  await page.getByRole('checkbox', { name: /I agree/ }).check();
  await next(page);
  const outcome = await waitForEvent(page, 'lq:outcome');
  assert.equal(outcome.detail.class, 'content_only');
  await page.getByRole('heading', { name: /buyer’s guide/ }).waitFor();
  const href = await page.locator('lead-qualifier').evaluate((el) => el.shadowRoot.querySelector('a[download]')?.getAttribute('href'));
  assert.equal(href, '/files/lead-qualification-guide.pdf');
  await waitForEvent(page, 'lq:submitted');
  await noViolations(page, 'content outcome');
  await assertClean(log, page);
  await context.close();
});

test('Google Tag Manager: lq:outcome and lq:submitted reach window.dataLayer', async () => {
  const context = await browser.newContext();
  // GTM's snippet defines dataLayer before anything else runs.
  await context.addInitScript(() => { window.dataLayer = [{ event: 'gtm.js' }]; });
  const { page, log } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'), { context });
  await waitForEvent(page, 'lq:ready');
  await choose(page, '1–10');
  await choose(page, 'Individual contributor');
  await page.getByRole('textbox', { name: /work email/i }).fill('bo@small.io');
  await next(page);
  await page.getByRole('checkbox', { name: /I agree/ }).check();
  await next(page);
  const submitted = await waitForEvent(page, 'lq:submitted');
  const layer = await page.evaluate(() => JSON.parse(JSON.stringify(window.dataLayer)));
  assert.equal(layer[0].event, 'gtm.js', 'the page\'s own entries are kept');
  const outcome = layer.filter((e) => e.event === 'lq:outcome');
  assert.equal(outcome.length, 1, JSON.stringify(layer));
  assert.equal(outcome[0].class, 'content_only');
  assert.equal(outcome[0].playbook_id, 'demo-request');
  assert.equal(typeof outcome[0].score.total, 'number');
  const sent = layer.filter((e) => e.event === 'lq:submitted');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].lead_id, submitted.detail.lead_id);
  // Answers (the email above all) never go to the tag manager.
  assert.doesNotMatch(JSON.stringify(layer), /bo@small\.io/);
  await assertClean(log, page);
  await context.close();
});

test('disqualified: ends at once, nothing is sent', async () => {
  const before = server.state.posts.length;
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  await choose(page, '201 or more');
  await choose(page, 'Student or job seeker');
  const outcome = await waitForEvent(page, 'lq:outcome');
  assert.equal(outcome.detail.class, 'disqualified');
  await page.getByRole('heading', { name: 'Thanks for your interest' }).waitFor();
  await page.waitForTimeout(300);
  assert.equal(server.state.posts.length, before);
  assert.deepEqual(await events(page, 'lq:submitted'), []);
  await assertClean(log, page);
  await context.close();
});

test('back shows the earlier answer; changing it changes the outcome', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  await choose(page, '201 or more');
  await choose(page, 'Executive or owner');
  assert.equal(await currentLegendOrLabel(page), 'When do you plan to choose a solution?');
  await page.getByRole('button', { name: 'Back' }).click();
  assert.equal(await currentLegendOrLabel(page), 'What best describes your role?');
  assert.ok(await page.getByRole('radio', { name: 'Executive or owner' }).isChecked());
  await choose(page, 'Student or job seeker');
  const outcome = await waitForEvent(page, 'lq:outcome');
  assert.equal(outcome.detail.outcome_id, 'not_a_fit');
  await assertClean(log, page);
  await context.close();
});

test('keyboard only: the whole flow without a mouse', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  const focused = () => page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a ? `${a.tagName.toLowerCase()}:${a.getAttribute('type') || ''}:${a.textContent.trim().slice(0, 40)}` : null;
  });
  // On load focus stays on the page (nothing moves by itself); Tab reaches the question.
  assert.ok((await focused()).startsWith('body:'), `focus is on ${await focused()}`);
  // Tab to the first radio, arrow to the fourth (201+), Enter submits.
  const toRadio = async (n) => {
    for (let i = 0; i < 8; i++) {
      const f = await focused();
      if (f && f.startsWith('input:radio')) break;
      await page.keyboard.press('Tab');
    }
    for (let i = 0; i < n; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
  };
  await toRadio(3); // 201 or more
  await page.getByRole('radio', { name: 'Executive or owner' }).waitFor();
  await toRadio(0); // Executive
  await page.getByRole('radio', { name: 'Within 3 months' }).waitFor();
  await toRadio(0); // Within 3 months
  await page.getByRole('textbox', { name: /work email/i }).waitFor();
  for (let i = 0; i < 5 && !(await focused())?.startsWith('input:email'); i++) await page.keyboard.press('Tab');
  await page.keyboard.type('ana@acme.com');
  await page.keyboard.press('Enter');
  await page.getByRole('checkbox', { name: /I agree/ }).waitFor();
  for (let i = 0; i < 5 && !(await focused())?.startsWith('input:checkbox'); i++) await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await page.keyboard.press('Enter');
  const outcome = await waitForEvent(page, 'lq:outcome');
  assert.equal(outcome.detail.class, 'sales_ready');
  await assertClean(log, page);
  await context.close();
});

test('hostile playbook text shows as text and runs nothing', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/xss.html'));
  await waitForEvent(page, 'lq:ready');
  const legend = await currentLegendOrLabel(page);
  assert.equal(legend, '<img src=x onerror="window.__xss=1">Pick one');
  await page.getByRole('radio', { name: '<img src=y onerror="window.__xss=3">A' }).check();
  await next(page);
  await page.getByRole('textbox').fill('<script>window.__xss=5</script>');
  await next(page);
  await waitForEvent(page, 'lq:outcome');
  const bad = await page.locator('lead-qualifier').evaluate((el) =>
    el.shadowRoot.querySelectorAll('img, script:not([type="application/json"]), iframe, svg, b').length);
  assert.equal(bad, 0, 'no element was created from playbook or visitor text');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(log.dialogs, []);
  await assertClean(log, page);
  await context.close();
});

test('strict CSP: the page is served with script-src self + wasm-unsafe-eval and the widget runs', async () => {
  const response = await fetch(server.url('/tests/e2e/pages/demo.html'));
  assert.match(response.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval'/);
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  await choose(page, '201 or more');
  await assertClean(log, page);
  await context.close();
});

test('the page build leaves the playground API out; dist/dev/ has it', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  // One build's check() of `json` and whether its handles have trace().
  const probe = (url, json) => page.evaluate(async ([url, json]) => {
    const lq = await import(url);
    const h = lq.mount(document.createElement('div'), { id: 'x' });
    const out = { check: lq.check(json), trace: typeof h.trace };
    h.destroy();
    return out;
  }, [url, json]);
  const page_build = await probe('/dist/lead-qualifier.js', '{}');
  assert.deepEqual(page_build.check, ['(playbook): check() is in the development build, dev/lead-qualifier.js']);
  assert.equal(page_build.trace, 'undefined');
  const dev = await probe('/dist/dev/lead-qualifier.js', '{"id": 1}');
  assert.ok(dev.check.some((l) => l.startsWith('id: ')), dev.check.join('\n'));
  assert.equal(dev.trace, 'function');
  // Both builds on one page: the element stays the page build's, nothing throws.
  await assertClean(log, page);
  await context.close();
});

test('broken playbooks: a short visible message, lq:error, the host page unharmed', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/broken.html'));
  await page.waitForFunction(() => window.__lq.filter((e) => e.type === 'lq:error').length >= 4, null, { timeout: 10000 });
  const errors = await events(page, 'lq:error');
  // Each element's own reason (the loader read these before the engine started); the
  // unreachable one is a port the browser never connects to, so its fetch fails as offline.
  const reason = (url) => errors.find((e) => e.detail.message.startsWith(url))?.detail;
  assert.deepEqual(reason('/tests/e2e/pages/does-not-exist.json'),
    { code: 'playbook_fetch', message: '/tests/e2e/pages/does-not-exist.json: HTTP 404' });
  assert.deepEqual(reason('/tests/playbooks/bad/not-json.json'),
    { code: 'playbook_invalid', message: '/tests/playbooks/bad/not-json.json: not valid JSON' });
  assert.deepEqual(reason('http://127.0.0.1:1/playbook.json'),
    { code: 'playbook_fetch', message: 'http://127.0.0.1:1/playbook.json: network error' });
  assert.equal(reason('/tests/playbooks/bad/points-string.json')?.code, 'playbook_invalid');
  for (const id of ['missing', 'invalid', 'notjson', 'unreachable']) {
    const text = await page.locator(`#${id}`).evaluate((el) => el.shadowRoot?.textContent.trim() || el.textContent.trim());
    assert.match(text, /could not be loaded/i, `${id} shows a message`);
  }
  // The full problem list goes to the console, by path.
  // (the page's build names each by its code; docs/playbook.md gives the code's words)
  assert.ok(log.console.some((m) => m.includes('questions[0].options[0].points: points_type')), log.console.join('\n'));
  assert.ok(log.console.some((m) => m.includes('`lead-qualifier check` says why')), log.console.join('\n'));
  assert.equal(await page.evaluate(() => window.__hostAlive), true);
  assert.deepEqual(log.pageErrors, []);
  await noViolations(page, 'broken');
  await context.close();
});

test('gated download: the link opens the playbook in a dialog, the file downloads after', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/gated.html'));
  await page.getByRole('link', { name: 'Download the guide' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await waitForEvent(page, 'lq:ready');
  await noViolations(page, 'gate open');
  await choose(page, '201 or more');
  await choose(page, 'Leads are not ready to buy');
  await choose(page, 'Yes');
  await page.getByRole('textbox', { name: /send the guide/i }).fill('ana@acme.com');
  // Past the minimum fill time, so the lead counts as human.
  await page.waitForTimeout(1600);
  const download = page.waitForEvent('download', { timeout: 10000 });
  await next(page);
  const d = await download;
  assert.match(d.suggestedFilename(), /lead-qualification-guide\.pdf$/);
  const outcome = await waitForEvent(page, 'lq:outcome');
  assert.equal(outcome.detail.class, 'sales_ready');
  await waitForEvent(page, 'lq:submitted');
  await assertClean(log, page);
  await context.close();
});

test('narrow screens: usable at 320 px without horizontal scrolling', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'), { viewport: { width: 320, height: 640 } });
  await waitForEvent(page, 'lq:ready');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false);
  await choose(page, '201 or more');
  await assertClean(log, page);
  await context.close();
});

test("an unstyled page: the widget is at most 40rem wide, and the gated dialog's Close button is styled and themable", async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'), {
    viewport: { width: 1400, height: 900 },
  });
  await waitForEvent(page, 'lq:ready');
  const width = await page.locator('lead-qualifier').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(width > 300 && width <= 640, `width ${width}`);
  // The page's own rule wins over the default.
  await page.addStyleTag({ content: 'lead-qualifier { max-width: none; }' });
  const wide = await page.locator('lead-qualifier').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(wide > 1000, `width ${wide}`);
  await context.close();

  const gated = await openPage(browser, server.url('/tests/e2e/pages/gated.html'));
  await gated.page.addStyleTag({ content: ':root { --lq-radius: 3px; --lq-border: rgb(1, 2, 3); }' });
  await gated.page.getByRole('link', { name: 'Download the guide' }).click();
  await gated.page.getByRole('dialog').waitFor();
  const close = gated.page.getByRole('button', { name: 'Close' });
  const look = await close.evaluate((b) => {
    const s = getComputedStyle(b);
    return { radius: s.borderTopLeftRadius, border: s.borderTopColor, cursor: s.cursor, minHeight: s.minHeight };
  });
  assert.deepEqual(look, { radius: '3px', border: 'rgb(1, 2, 3)', cursor: 'pointer', minHeight: '40px' });
  // Inside the dialog the widget takes the dialog's width.
  const inDialog = await gated.page.locator('dialog lead-qualifier').evaluate((el) => getComputedStyle(el).maxWidth);
  assert.equal(inDialog, 'none');
  assert.deepEqual(log.pageErrors, []);
  assert.deepEqual(gated.log.pageErrors, []);
  await gated.context.close();
});

test('the README snippet reserves its space: nothing below moves while the engine loads and draws, and the card keeps that height on a shorter step', async () => {
  const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const reserve = readme.match(/<lead-qualifier playbook="[^"]*" style="([^"]*)"><\/lead-qualifier>/)?.[1];
  assert.ok(reserve, "the README's snippet reserves the widget's space with a style");
  const { page, log, context } = await openPage(browser, 'about:blank');
  const release = await holdWasm(page);
  await page.addInitScript(() => {
    window.__shift = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
      .observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(server.url('/tests/e2e/pages/demo-reserved.html'));
  const host = page.locator('lead-qualifier');
  assert.equal(await host.getAttribute('style'), reserve, "the test page carries the README's style");
  // Painted with the space reserved, the engine still held back.
  await page.waitForTimeout(300);
  const below = (await page.locator('main > p').boundingBox()).y;
  const reserved = (await host.boundingBox()).height;
  assert.equal(await page.evaluate(() => window.__lq.length), 0, 'the engine has not started');
  assert.ok(reserved > 400, `reserved ${reserved}px`);
  release();
  await waitForEvent(page, 'lq:ready');
  await page.getByRole('radio', { name: '201 or more' }).waitFor();
  await page.waitForTimeout(200);
  assert.equal((await page.locator('main > p').boundingBox()).y, below, 'the paragraph below did not move');
  assert.equal(await page.evaluate(() => window.__shift), 0, 'no layout shift');
  // A shorter step (one field): the card still fills the reserved height.
  await choose(page, '201 or more');
  await choose(page, 'Executive or owner');
  await choose(page, 'Within 3 months');
  await page.getByRole('textbox', { name: /work email/i }).waitFor();
  const card = await host.evaluate((el) => el.shadowRoot.querySelector('.lq').getBoundingClientRect().height);
  assert.equal(Math.round(card), Math.round(reserved));
  assert.equal((await page.locator('main > p').boundingBox()).y, below);
  await noViolations(page, 'a reserved widget');
  // The snippet's inline `display:block` does not stop the page hiding the element.
  await host.evaluate((el) => (el.hidden = true));
  assert.equal(await host.isVisible(), false, 'hidden hides the reserved element');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});
