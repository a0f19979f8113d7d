// Funnel events from a real page to the real collector: a playbook with `analytics` makes the
// page download dist/analytics.js, which sends the visit's steps (never an answer) to
// `lead-qualifier serve`'s /api/events; GET /api/funnel then counts the visit, completed. A
// playbook without `analytics` downloads no analytics code and sends nothing, nor does a
// browser signalling Global Privacy Control.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, BIN, ADMIN, asAdmin as read, startCollector, launch, openPage, waitForEvent, finishSalesReady } from './harness.mjs';

let collector;
let base;
let dir;
let browser;

const page = (playbook) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head>
<body><h1>Acme</h1>
<script type="module" src="/lead-qualifier/lead-qualifier.js"></script>
<lead-qualifier playbook="/playbooks/${playbook}.json"></lead-qualifier>
</body></html>`;

before(async () => {
  assert.ok(fs.existsSync(BIN), `${BIN} is built (make test builds it before the e2e suite)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lq-analytics-'));
  const playbooks = path.join(dir, 'playbooks');
  const site = path.join(dir, 'site');
  fs.mkdirSync(playbooks);
  fs.mkdirSync(site);
  const demo = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/demo-request.json'), 'utf8'));
  fs.writeFileSync(path.join(playbooks, 'demo-request.json'), JSON.stringify({ ...demo, analytics: { url: '/api/events' } }));
  fs.writeFileSync(path.join(playbooks, 'quiet.json'), JSON.stringify({ ...demo, id: 'quiet' }));
  fs.writeFileSync(path.join(site, 'measured.html'), page('demo-request'));
  fs.writeFileSync(path.join(site, 'quiet.html'), page('quiet'));
  collector = await startCollector(path.join(dir, 'leads.sqlite'), ['--playbooks', playbooks, '--site', site], { cwd: dir });
  base = collector.base;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  collector?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every request a page makes, by path. */
function requests(p) {
  const seen = [];
  p.on('request', (r) => seen.push({ path: new URL(r.url()).pathname, body: r.postData() }));
  return seen;
}

async function funnel(id) {
  return (await (await read(`${base}/api/funnel?playbook=${id}`)).json()).funnels;
}

test('a playbook with analytics: the visit reaches the funnel, completed, with no answer in it', async () => {
  const { page: p, log, context } = await openPage(browser, 'about:blank');
  const seen = requests(p);
  await p.goto(`${base}/measured.html?utm_source=newsletter`);
  await finishSalesReady(p, { pause: 1600 });
  await waitForEvent(p, 'lq:submitted', 20000);
  // The outcome sends the batch; the funnel counts the visit once it is stored.
  const until = Date.now() + 10000;
  let funnels = [];
  while (Date.now() < until) {
    funnels = await funnel('demo-request');
    if (funnels[0]?.completed === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(funnels.length, 1, JSON.stringify(funnels));
  const f = funnels[0];
  assert.equal(f.playbook_version, String(JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/demo-request.json'))).version));
  assert.equal(f.visits, 1);
  assert.equal(f.completed, 1);
  assert.equal(f.questions[0].id, 'company_size');
  assert.equal(f.questions[0].answered, 1);
  const sent = seen.filter((r) => r.path === '/api/events').map((r) => r.body).join('\n');
  assert.ok(seen.some((r) => r.path === '/lead-qualifier/analytics.js'));
  // The visitor's answers and contact details never leave in an event.
  for (const secret of ['201+', 'executive', '@example.com', 'Ann']) assert.ok(!sent.includes(secret), `${secret} was sent`);
  assert.deepEqual(log.pageErrors, []);

  // The dashboard draws the same funnel.
  await p.goto(`${base}/admin/#funnel`);
  await p.getByLabel('Admin token').fill(ADMIN);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('img', { name: /Each question/ }).waitFor();
  assert.match(await p.locator('#funnel-body').textContent(), /1 visits, 1 reached an outcome/);
  await context.close();
});

test('no analytics in the playbook, or Global Privacy Control: no analytics code, no events', async () => {
  for (const [url, gpc] of [['quiet.html', false], ['measured.html', true]]) {
    const context = await browser.newContext();
    if (gpc) await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    const { page: p } = await openPage(browser, 'about:blank', { context });
    const seen = requests(p);
    await p.goto(`${base}/${url}`);
    await finishSalesReady(p, { pause: 1600 });
    await waitForEvent(p, 'lq:submitted', 20000);
    await p.goto('about:blank'); // pagehide: where a leaving visit would send
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(seen.filter((r) => r.path === '/api/events').length, 0, `${url}: events sent`);
    if (!gpc) assert.ok(!seen.some((r) => r.path.endsWith('/analytics.js')), 'analytics.js downloaded');
    await context.close();
  }
});
