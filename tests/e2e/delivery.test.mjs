// Delivery through faults, in a real browser against a local collector on 127.0.0.1:
// dropped connections, 500, 429 with Retry-After, and a collector that is down while the
// visitor finishes and back after a reload. Every lead arrives exactly once by id.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitForEvent, events } from './harness.mjs';

let browser;
after(async () => { await browser?.close(); });

async function finishSalesReady(page) {
  await waitForEvent(page, 'lq:ready');
  const next = () => page.getByRole('button', { name: /^(Next|Submit)$/ }).click();
  await page.getByRole('radio', { name: '201 or more', exact: true }).check();
  await next();
  await page.getByRole('radio', { name: 'Executive or owner', exact: true }).check();
  await next();
  await page.getByRole('radio', { name: 'Within 3 months', exact: true }).check();
  await next();
  await page.getByRole('textbox', { name: /work email/i }).fill('ana@acme.com');
  await next();
  await page.getByRole('checkbox', { name: /I agree/ }).check();
  await next();
  return waitForEvent(page, 'lq:outcome');
}

test('drops, 500 and 429 with Retry-After: the lead arrives once, lq:submitted once', async () => {
  browser ||= await launch();
  // Per lead id: 1st attempt dropped, 2nd answered 500, 3rd 429 Retry-After 1, then stored.
  const attempts = new Map();
  const server = await startServer({
    collector: (req, body) => {
      const id = JSON.parse(body).id;
      const n = (attempts.get(id) || 0) + 1;
      attempts.set(id, n);
      if (n === 1) return 'drop';
      if (n === 2) return { status: 500, body: '{"error":"boom"}' };
      if (n === 3) return { status: 429, headers: { 'retry-after': '1' }, body: '{}' };
      return undefined; // store
    },
  });
  try {
    const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
    const outcome = await finishSalesReady(page);
    assert.equal(outcome.detail.class, 'sales_ready');
    // The visitor sees the outcome at once; delivery happens behind it.
    await page.getByRole('heading', { name: 'Let’s talk' }).waitFor({ timeout: 2000 });
    const submitted = await waitForEvent(page, 'lq:submitted', 30000);
    const id = submitted.detail.lead_id;
    assert.ok(attempts.get(id) >= 4, `attempts ${attempts.get(id)}`);
    assert.equal(server.state.stored.size, 1);
    assert.ok(server.state.stored.has(id));
    const idem = server.state.posts.map((p) => p.headers['idempotency-key']);
    assert.ok(idem.every((k) => k === id), 'every attempt carries the Idempotency-Key');
    // Retry-After was honoured: the 4th attempt came at least 1 s after the 3rd.
    const times = server.state.posts.map((p) => p.at);
    assert.ok(times[3] - times[2] >= 950, `retry after ${times[3] - times[2]} ms`);
    await page.waitForTimeout(500);
    assert.equal((await events(page, 'lq:submitted')).length, 1);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

test('collector down while visitors finish, back after a reload: all leads arrive once', async () => {
  browser ||= await launch();
  const server = await startServer();
  try {
    const context = await browser.newContext();
    // Three visitors on one browser: demo-request remembers answers for 90 days, and a
    // returning visitor's lead is (by design) not sent again, so each tab starts as a
    // new visitor. The outbox is left alone.
    await context.addInitScript(() => localStorage.removeItem('lq:profile'));
    server.state.down = true;
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const { page } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'), { context });
      await finishSalesReady(page);
      const outcome = await waitForEvent(page, 'lq:outcome');
      assert.equal(outcome.detail.class, 'sales_ready');
      // Still waiting in the outbox, across tabs closing.
      await page.waitForTimeout(300);
      assert.deepEqual(await events(page, 'lq:submitted'), []);
      const outbox = await page.evaluate(() => JSON.parse(localStorage.getItem('lq:outbox') || '[]').map((e) => e.id));
      assert.ok(outbox.length >= 1);
      ids.push(...outbox.filter((x) => !ids.includes(x)));
      await page.close();
    }
    assert.equal(ids.length, 3);
    assert.equal(server.state.stored.size, 0);
    // The collector comes back; the next page load flushes the outbox.
    server.state.down = false;
    const { page, log } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'), { context });
    await page.waitForFunction(() => (JSON.parse(localStorage.getItem('lq:outbox') || '[]')).length === 0, null, { timeout: 30000 });
    assert.deepEqual([...server.state.stored.keys()].sort(), [...ids].sort());
    // Exactly once: no id stored twice, however many attempts were made.
    assert.equal(server.state.stored.size, 3);
    // Leads from earlier pages confirm on this page's document, once each.
    const confirmed = (await events(page, 'lq:submitted')).map((e) => e.detail.lead_id).sort();
    assert.deepEqual(confirmed, [...ids].sort());
    assert.ok((await events(page, 'lq:submitted')).every((e) => e.detail.playbook_id === 'demo-request'));
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});
