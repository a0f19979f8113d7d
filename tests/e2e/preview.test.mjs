// The preview as a user runs it: the real `lead-qualifier serve` (the same binary as
// `make preview`) on a free loopback port with a fresh SQLite file, the demo landing page
// completed in headless Chromium, and the lead read back from GET /api/leads, verified by
// the server's own engine. Also: a lead edited on its way (the class changed) is stored as
// not verified, with its differences.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, BIN, asAdmin as read, startCollector, launch, openPage, waitForEvent, finishSalesReady } from './harness.mjs';

let collector;
let base;
let dir;
let browser;


before(async () => {
  assert.ok(fs.existsSync(BIN), `${BIN} is built (make test builds it before the e2e suite)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lq-preview-'));
  collector = await startCollector(path.join(dir, 'leads.sqlite'));
  base = collector.base;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  collector?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('make preview: completing the demo stores the lead, verified by the server', async () => {
  const { page, log, context } = await openPage(browser, `${base}/`);
  // Bots finish in milliseconds; a person takes longer than min-fill-ms (1.5 s by default).
  const outcome = await finishSalesReady(page, { pause: 1600 });
  assert.equal(outcome.detail.class, 'sales_ready');
  const submitted = await waitForEvent(page, 'lq:submitted', 20000);

  // Nobody reads the leads without the admin token.
  assert.equal((await fetch(`${base}/api/leads`)).status, 401);
  const list = await (await read(`${base}/api/leads`)).json();
  assert.equal(list.total, 1, JSON.stringify(list).slice(0, 300));
  const [row] = list.leads;
  assert.equal(row.id, submitted.detail.lead_id);
  assert.equal(row.playbook_id, 'demo-request');
  assert.equal(row.class, 'sales_ready');
  assert.equal(row.verified, true, JSON.stringify(row.differences));
  assert.deepEqual(row.differences, []);
  assert.equal(row.lead.answers.email, 'ana@acme.com');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('a lead whose class was edited on the wire is stored as not verified', async () => {
  const list = await (await read(`${base}/api/leads`)).json();
  const honest = list.leads.find((r) => r.class === 'sales_ready');
  assert.ok(honest, 'the previous test stored a sales_ready lead');
  const forged = structuredClone(honest.lead);
  forged.id = crypto.randomUUID();
  forged.outcome.class = 'content_only';
  const res = await fetch(`${base}/api/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': forged.id },
    body: JSON.stringify(forged),
  });
  assert.equal(res.status, 201, await res.text());
  const row = await (await read(`${base}/api/leads/${forged.id}`)).json();
  assert.equal(row.verified, false);
  assert.ok(row.differences.some((d) => d.path === 'outcome.class'), JSON.stringify(row.differences));
  // The same id again: 200, nothing written twice.
  const again = await fetch(`${base}/api/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': forged.id },
    body: JSON.stringify(forged),
  });
  assert.equal(again.status, 200);
  assert.equal((await (await read(`${base}/api/leads`)).json()).total, 2);
});

test("serve --site: a site's own folder with the README's embed snippet, unchanged, collects a lead", async () => {
  // The snippet exactly as the README shows it (its first html block under "Embed it").
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const embed = readme.slice(readme.indexOf('## Embed it'));
  const snippet = embed.slice(embed.indexOf('```html\n') + 8, embed.indexOf('\n```', embed.indexOf('```html\n')));
  assert.match(snippet, /<script type="module" src="\/lead-qualifier\/lead-qualifier\.js"><\/script>/);
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'lq-site-'));
  fs.writeFileSync(
    path.join(site, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head>
<body><h1>Acme landing page</h1>
${snippet}
</body></html>`,
  );
  fs.writeFileSync(path.join(site, '.env'), 'SECRET=1');
  let siteServer;
  try {
    siteServer = await startCollector(path.join(site, 'leads.sqlite'), ['--site', site], { cwd: os.tmpdir() });
    const siteBase = siteServer.base;
    // The site's own files, the widget and the playbooks at the snippet's paths; hidden
    // files of the site stay hidden.
    assert.equal((await fetch(`${siteBase}/lead-qualifier/lead-qualifier.js`)).status, 200);
    assert.equal((await fetch(`${siteBase}/playbooks/demo-request.json`)).status, 200);
    assert.equal((await fetch(`${siteBase}/.env`)).status, 404);
    // The database sits in the site folder here: it is never served, nor its WAL.
    assert.ok(fs.existsSync(path.join(site, 'leads.sqlite')));
    assert.equal((await fetch(`${siteBase}/leads.sqlite`)).status, 404);
    assert.equal((await fetch(`${siteBase}/leads.sqlite-wal`)).status, 404);
    const { page, log, context } = await openPage(browser, `${siteBase}/`);
    await finishSalesReady(page, { pause: 1600 });
    const submitted = await waitForEvent(page, 'lq:submitted', 20000);
    const row = await (await read(`${siteBase}/api/leads/${submitted.detail.lead_id}`)).json();
    assert.equal(row.verified, true, JSON.stringify(row.differences));
    assert.equal(row.class, 'sales_ready');
    assert.deepEqual(log.pageErrors, []);
    await context.close();
  } finally {
    siteServer?.stop();
    fs.rmSync(site, { recursive: true, force: true });
  }
});
