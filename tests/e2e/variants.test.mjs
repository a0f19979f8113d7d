// A/B variants: a playbook listing `variants` has the page draw one per visitor, once
// (kept across reloads), by weight, with the draw's code (dist/variants.js) loaded only
// then; the lead names the variant that made it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitForEvent, finishSalesReady } from './harness.mjs';

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

const shown = async (page) => (await waitForEvent(page, 'lq:ready')).detail.playbook_id;

test('a visitor is drawn once and kept there across reloads; each variant shows its own playbook', async () => {
  const seen = new Set();
  // Fresh visitors (new contexts) land on both variants; each stays on the one drawn.
  for (let visitor = 0; visitor < 12 && seen.size < 2; visitor++) {
    const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/variants.html'));
    const first = await shown(page);
    assert.ok(['demo-a', 'demo-b'].includes(first), first);
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('lq:variant')));
    assert.deepEqual(kept, { '/tests/e2e/pages/variant-a.json': `/tests/e2e/pages/variant-${first.slice(-1)}.json` });
    for (let i = 0; i < 3; i++) {
      await page.reload();
      assert.equal(await shown(page), first, 'the same variant after a reload');
    }
    const question = first === 'demo-b' ? 'How big is your company?' : 'How many people work at your company?';
    await page.getByText(question).waitFor();
    seen.add(first);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  }
  assert.equal(seen.size, 2, 'both variants were drawn for some visitor');
});

test('weights: a playbook giving itself weight 0 always shows its variant, and the lead names it', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/variants-weighted.html'));
  const loaded = [];
  page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  await page.reload();
  assert.equal(await shown(page), 'demo-b');
  assert.ok(loaded.includes('/dist/variants.js'));
  await finishSalesReady(page);
  const submitted = await waitForEvent(page, 'lq:submitted', 15000);
  const lead = JSON.parse(server.state.stored.get(submitted.detail.lead_id).body);
  assert.equal(lead.playbook.id, 'demo-b');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('a playbook without variants does not load the draw', async () => {
  const { page, log, context } = await openPage(browser, 'about:blank');
  const loaded = [];
  page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  await page.goto(server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  assert.ok(!loaded.includes('/dist/variants.js'), loaded.join(' '));
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});
