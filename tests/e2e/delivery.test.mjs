// Delivery through faults, in a real browser against a local collector on 127.0.0.1:
// dropped connections, 500, 429 with Retry-After, and a collector that is down while the
// visitor finishes and back after a reload. Every lead arrives exactly once by id.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitForEvent, events, finishSalesReady } from './harness.mjs';

let browser;
after(async () => { await browser?.close(); });

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
    // The collector comes back; the next page load flushes the outbox, on a page that
    // has the script and no widget at all.
    server.state.down = false;
    const { page, log } = await openPage(browser, server.url('/tests/e2e/pages/plain.html'), { context });
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

test('a tab whose timers never fire (throttled in the background): leaving the page sends what is due', async () => {
  browser ||= await launch();
  // The first attempt is answered 503; the retry is due 0.5 to 1 s later, but this page's
  // long timers never fire (as in a throttled background tab), so only the flush on
  // leaving can send it, with a keepalive request that outlives the page. Leaving fires
  // both `visibilitychange` (hidden) and `pagehide`; either sends it, and the lease the
  // first takes keeps it to one request.
  let n = 0;
  const server = await startServer({ collector: () => (++n === 1 ? { status: 503, body: '{}' } : undefined) });
  const context = await browser.newContext();
  try {
    await context.addInitScript(() => {
      const setTimeout = window.setTimeout;
      window.setTimeout = (f, ms, ...rest) => (ms >= 400 ? 0 : setTimeout(f, ms, ...rest));
    });
    const { page, log } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'), { context });
    await finishSalesReady(page);
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('lq:outbox') || '[]')[0]?.attempts === 1, null, { timeout: 10000 });
    const [waiting] = await page.evaluate(() => JSON.parse(localStorage.getItem('lq:outbox')));
    // The retry's timer is one the patch above holds back (the first backoff is 0.5-1 s).
    assert.ok(waiting.next_at_ms - server.state.posts[0].at >= 400, `retry due after ${waiting.next_at_ms - server.state.posts[0].at} ms`);
    // Past the retry's time: due, yet nothing sent (its timer never fired).
    await page.waitForTimeout(Math.max(0, waiting.next_at_ms - Date.now()) + 300);
    assert.equal(server.state.posts.length, 1);
    assert.deepEqual(log.pageErrors, []);
    const left = Date.now();
    await page.goto('about:blank');
    for (let i = 0; i < 50 && server.state.stored.size === 0; i++) await new Promise((r) => setTimeout(r, 100));
    // Time for a second flush's request to show up, were there one.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual([...server.state.stored.keys()], [waiting.id]);
    assert.equal(server.state.posts.length, 2);
    const [first, second] = server.state.posts;
    assert.ok(second.at >= left, 'sent as the page was left');
    assert.equal(second.headers['idempotency-key'], waiting.id);
    assert.equal(second.body, first.body);
  } finally {
    await context.close();
    await server.close();
  }
});

test('a request that never answers is aborted after the timeout and retried', async () => {
  browser ||= await launch();
  let n = 0;
  const server = await startServer({ collector: () => (++n === 1 ? 'hang' : undefined) });
  try {
    const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
    await finishSalesReady(page);
    const { detail } = await waitForEvent(page, 'lq:submitted', 30000);
    assert.equal(server.state.posts.length, 2);
    const [a, b] = server.state.posts.map((p) => p.at);
    // REQUEST_TIMEOUT_MS (10 s), then the first backoff (0.5 to 1 s).
    assert.ok(b - a >= 10000 && b - a < 14000, `retried after ${b - a} ms`);
    assert.deepEqual([...server.state.stored.keys()], [detail.lead_id]);
    assert.equal((await events(page, 'lq:submitted')).length, 1);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

test('a 4xx other than 408/429 is not retried: lq:error with the status, the outbox empties', async () => {
  browser ||= await launch();
  const server = await startServer({ collector: () => ({ status: 400, body: '{"error":"bad lead"}' }) });
  try {
    const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
    await finishSalesReady(page);
    const error = await waitForEvent(page, 'lq:error', 10000);
    assert.equal(error.detail.code, 'submit_rejected');
    assert.equal(error.detail.status, 400);
    assert.match(error.detail.lead_id, /^[0-9a-f-]{36}$/);
    assert.equal(server.state.posts[0].headers['idempotency-key'], error.detail.lead_id);
    // Longer than the first backoff (at most 1 s): no second attempt, nothing left waiting.
    await page.waitForTimeout(2500);
    assert.equal(server.state.posts.length, 1);
    assert.equal(await page.evaluate(() => localStorage.getItem('lq:outbox')), null);
    assert.deepEqual(await events(page, 'lq:submitted'), []);
    assert.equal((await events(page, 'lq:error')).length, 1);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

test('an endpoint that takes no leads (a static server): submit_misconfigured once, the lead kept, sent once it is fixed', async () => {
  browser ||= await launch();
  // What a static file server or a missing route answers a POST: 405 with an HTML page,
  // then a 404 HTML page; then the site owner fixes the route.
  let n = 0;
  const page405 = { status: 405, headers: { 'content-type': 'text/html' }, body: '<h1>405 Not Allowed</h1>' };
  const page404 = { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<h1>Not Found</h1>' };
  const server = await startServer({ collector: () => (++n === 1 ? page405 : n === 2 ? page404 : undefined) });
  try {
    const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'));
    await finishSalesReady(page);
    const error = await waitForEvent(page, 'lq:error', 10000);
    assert.equal(error.detail.code, 'submit_misconfigured');
    assert.equal(error.detail.status, 405);
    assert.match(error.detail.lead_id, /^[0-9a-f-]{36}$/);
    assert.match(error.detail.message, /\/api\/leads answered HTTP 405: not a collector/);
    assert.ok(log.console.some((m) => m.includes(error.detail.message)), log.console.join('\n'));
    // Kept, not dropped: the retries go on (the second answer, a 404 page, is not said again)
    // until the endpoint takes it.
    const { detail } = await waitForEvent(page, 'lq:submitted', 15000);
    assert.equal(detail.lead_id, error.detail.lead_id);
    assert.equal(server.state.posts.length, 3);
    assert.deepEqual([...server.state.stored.keys()], [detail.lead_id]);
    assert.equal((await events(page, 'lq:error')).length, 1, 'said once per page');
    assert.equal(await page.evaluate(() => localStorage.getItem('lq:outbox')), null);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

test('a full outbox drops its oldest lead first and says so; the new lead goes out', async () => {
  browser ||= await launch();
  const server = await startServer();
  try {
    const context = await browser.newContext();
    // 50 leads from earlier pages, waiting for a retry an hour from now.
    await context.addInitScript((url) => {
      if (localStorage.getItem('lq:seeded')) return;
      localStorage.setItem('lq:seeded', '1');
      const at = Date.now() + 3600e3;
      const old = Array.from({ length: 50 }, (_, i) => ({
        id: `old-${i}`, playbook_id: 'demo-request', url, format: 'json',
        body: JSON.stringify({ id: `old-${i}` }), attempts: 3, next_at_ms: at, lease_until_ms: 0,
      }));
      localStorage.setItem('lq:outbox', JSON.stringify(old));
    }, server.url('/api/leads'));
    const { page, log } = await openPage(browser, server.url('/tests/e2e/pages/demo.html'), { context });
    await finishSalesReady(page);
    const full = await waitForEvent(page, 'lq:error');
    assert.equal(full.detail.code, 'outbox_full');
    assert.equal(full.detail.lead_id, 'old-0');
    const submitted = await waitForEvent(page, 'lq:submitted');
    const id = submitted.detail.lead_id;
    assert.ok(server.state.stored.has(id));
    assert.ok(server.state.posts.every((p) => p.headers['idempotency-key'] === id), 'waiting leads not sent early');
    const left = await page.evaluate(() => JSON.parse(localStorage.getItem('lq:outbox')).map((e) => e.id));
    assert.deepEqual(left, Array.from({ length: 49 }, (_, i) => `old-${i + 1}`));
    assert.equal((await events(page, 'lq:error')).length, 1);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('wire format json: the SPEC lead, field by field, as the collector receives it', async () => {
  browser ||= await launch();
  const server = await startServer();
  try {
    const url = server.url('/tests/e2e/pages/demo.html?utm_source=news&utm_medium=email');
    const { page, log, context } = await openPage(browser, url);
    await finishSalesReady(page);
    const { detail } = await waitForEvent(page, 'lq:submitted');
    assert.equal(server.state.posts.length, 1);
    const { headers, body } = server.state.posts[0];
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['idempotency-key'], detail.lead_id);
    const lead = JSON.parse(body);
    assert.deepEqual(Object.keys(lead), ['id', 'playbook', 'created_at', 'outcome', 'score', 'answers', 'answer_labels', 'asked', 'context']);
    assert.match(lead.id, UUID);
    assert.equal(lead.id, detail.lead_id);
    assert.deepEqual(lead.playbook, { id: 'demo-request', version: '2026-11' });
    assert.match(lead.created_at, ISO);
    assert.ok(Math.abs(Date.parse(lead.created_at) - Date.now()) < 60000);
    assert.deepEqual(lead.outcome, {
      id: 'talk_to_sales', class: 'sales_ready',
      reasons: ['201+ employees', 'Decision maker', 'Buying within 3 months'],
    });
    assert.deepEqual(lead.score, { fit: 45, intent: 30, total: 75 });
    assert.deepEqual(lead.answers, {
      company_size: '201+', role: 'executive', timeline: '0-3m', email: 'ana@acme.com', consent: true,
    });
    // What the visitor saw, for the people reading the lead.
    assert.deepEqual(lead.answer_labels, {
      company_size: '201 or more', role: 'Executive or owner', timeline: 'Within 3 months',
    });
    assert.deepEqual(lead.asked, ['company_size', 'role', 'timeline', 'email', 'consent']);
    assert.equal(lead.context.page_url, url);
    assert.equal(lead.context.locale, 'en');
    assert.deepEqual(lead.context.utm, { utm_source: 'news', utm_medium: 'email' });
    assert.equal(typeof lead.context.duration_ms, 'number');
    assert.ok(lead.context.duration_ms >= 0);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

async function finishWire(page) {
  await waitForEvent(page, 'lq:ready');
  const next = () => page.getByRole('button', { name: /^(Next|Submit)$/ }).click();
  await page.getByRole('radio', { name: '201 or more', exact: true }).check();
  await next();
  await page.getByRole('checkbox', { name: 'Routing', exact: true }).check();
  await page.getByRole('checkbox', { name: 'Scoring', exact: true }).check();
  await next();
  await page.getByLabel('Seats').fill('250');
  await next();
  await page.getByRole('textbox', { name: /work email/i }).fill('ana@acme.com');
  await next();
  await page.getByRole('checkbox', { name: /I agree/ }).check();
  await next();
  return waitForEvent(page, 'lq:submitted');
}

test('wire format form: the lead flattened, urlencoded, field by field', async () => {
  browser ||= await launch();
  const server = await startServer();
  try {
    const url = server.url('/tests/e2e/pages/form.html?utm_source=news');
    const { page, log, context } = await openPage(browser, url);
    const { detail } = await finishWire(page);
    assert.equal(server.state.posts.length, 1);
    const { headers, body } = server.state.posts[0];
    assert.equal(headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.equal(headers['idempotency-key'], detail.lead_id);
    assert.ok(body.includes('%3C%2Fscript%3E+%26+more'), body); // reserved characters encoded
    const f = new URLSearchParams(body);
    assert.equal(f.get('id'), detail.lead_id);
    assert.equal(f.get('playbook.id'), 'wire-form');
    assert.equal(f.get('playbook.version'), '7');
    assert.match(f.get('created_at'), ISO);
    assert.equal(f.get('outcome.id'), 'talk');
    assert.equal(f.get('outcome.class'), 'sales_ready');
    assert.deepEqual(f.getAll('outcome.reasons'), ['201+ employees', 'Large rollout </script> & more']);
    assert.equal(f.get('score.fit'), '30');
    assert.equal(f.get('score.intent'), '20');
    assert.equal(f.get('score.total'), '50');
    assert.equal(f.get('answers.company_size'), '201+');
    assert.deepEqual(f.getAll('answers.use_case'), ['routing', 'scoring']);
    assert.equal(f.get('answer_labels.company_size'), '201 or more');
    assert.deepEqual(f.getAll('answer_labels.use_case'), ['Routing', 'Scoring']);
    assert.equal(f.get('answers.seats'), '250');
    assert.equal(f.get('answers.email'), 'ana@acme.com');
    assert.equal(f.get('answers.consent'), 'true');
    assert.deepEqual(f.getAll('asked'), ['company_size', 'use_case', 'seats', 'email', 'consent']);
    assert.equal(f.get('context.page_url'), url);
    assert.equal(f.get('context.locale'), 'en');
    assert.equal(f.get('context.utm.utm_source'), 'news');
    assert.match(f.get('context.duration_ms'), /^\d+$/);
    // Nothing else: every key is one of the lead's, flattened.
    const keys = new Set([...f.keys()].map((k) => k.split('.')[0]));
    assert.deepEqual([...keys].sort(), ['answer_labels', 'answers', 'asked', 'context', 'created_at', 'id', 'outcome', 'playbook', 'score']);
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

test('wire format hubspot: Forms v3 fields and context with the hubspotutk cookie', async () => {
  browser ||= await launch();
  const server = await startServer();
  try {
    const context = await browser.newContext();
    const hutk = '0123456789abcdef0123456789abcdef';
    await context.addCookies([{ name: 'hubspotutk', value: hutk, url: server.url('/') }]);
    const url = server.url('/tests/e2e/pages/hubspot.html');
    const { page, log } = await openPage(browser, url, { context });
    const { detail } = await finishWire(page);
    assert.equal(server.state.posts.length, 1);
    const { headers, body } = server.state.posts[0];
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['idempotency-key'], detail.lead_id);
    const hs = JSON.parse(body);
    assert.deepEqual(Object.keys(hs).sort(), ['context', 'fields']);
    assert.deepEqual(hs.fields, [
      { name: 'company_size', value: '201+' },
      { name: 'use_case', value: 'routing;scoring' },
      { name: 'seats', value: '250' },
      { name: 'email', value: 'ana@acme.com' },
      { name: 'consent', value: 'true' },
    ]);
    assert.deepEqual(hs.context, { pageUri: url, pageName: 'Wire format: HubSpot', hutk });
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});

test('format hubspot without url: posted to api.hsforms.com for the portal and form, no Idempotency-Key', async () => {
  browser ||= await launch();
  const server = await startServer();
  try {
    const context = await browser.newContext();
    const seen = [];
    // HubSpot's endpoint, played by the test: CORS as a browser needs it for a JSON POST.
    await context.route('https://api.hsforms.com/**', (route) => {
      const req = route.request();
      seen.push({ method: req.method(), url: req.url(), headers: req.headers(), body: req.postData() });
      route.fulfill({
        status: req.method() === 'OPTIONS' ? 204 : 200,
        headers: {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'content-type': 'application/json',
        },
        body: req.method() === 'OPTIONS' ? '' : '{"inlineMessage":"Thanks"}',
      });
    });
    const url = server.url('/tests/e2e/pages/hubspot-direct.html');
    const { page, log } = await openPage(browser, url, { context });
    await finishWire(page);
    const posts = seen.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1);
    assert.equal(posts[0].url,
      'https://api.hsforms.com/submissions/v3/integration/submit/4242/0f1e2d3c-aaaa-bbbb-cccc-123456789abc');
    assert.equal(posts[0].headers['idempotency-key'], undefined, 'no header HubSpot does not allow');
    assert.equal(posts[0].headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(posts[0].body).fields.map((f) => f.name),
      ['company_size', 'use_case', 'seats', 'email', 'consent']);
    assert.equal(server.state.posts.length, 0, 'nothing went to the page\'s own server');
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    await server.close();
  }
});
