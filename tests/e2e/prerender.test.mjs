// The first step with the page: `lead-qualifier embed`'s snippet in a site served by the
// real collector (`serve --site`). The pre-rendered step shows and takes a click before
// the wasm arrives; the widget adopts it (same markup, same pixels, nothing below moves,
// the early answer and focus kept, a held Next replayed); and with JavaScript off the whole
// demo runs through the collector's own pages to a stored, verified lead. axe-core on the
// pre-rendered step and on the collector's pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, BIN, asAdmin as read, startCollector, holdWasm, launch, openPage, waitForEvent, axe, CHROMIUM_ARGS } from './harness.mjs';

let collector;
let base;
let site;
let browser;
const GUIDE = '%PDF-1.4 the guide\n';

/** A landing page around `snippet`, with content below the widget. */
const landing = (snippet) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Book a demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Book a demo</h1>
${snippet}
<p id="below">Everything below the widget stays where it is.</p></main></body></html>`;

before(async () => {
  assert.ok(fs.existsSync(BIN), `${BIN} is built`);
  site = fs.mkdtempSync(path.join(os.tmpdir(), 'lq-prerender-'));
  const snippet = execFileSync(BIN, ['embed', path.join(ROOT, 'examples/demo-request.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  fs.writeFileSync(path.join(site, 'index.html'), landing(snippet));
  // A gated link that gates without script too (its href is the collector's flow), for a
  // playbook whose outcomes have no next step of their own: the file is theirs.
  const playbooks = path.join(site, 'playbooks');
  fs.mkdirSync(playbooks);
  fs.copyFileSync(path.join(ROOT, 'examples/demo-request.json'), path.join(playbooks, 'demo-request.json'));
  const guide = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/gated-guide.json'), 'utf8'));
  guide.id = 'gated-plain';
  for (const o of guide.outcomes) delete o.then;
  fs.writeFileSync(path.join(playbooks, 'gated-plain.json'), JSON.stringify(guide));
  fs.mkdirSync(path.join(site, 'files'));
  fs.writeFileSync(path.join(site, 'files', 'guide.pdf'), GUIDE);
  fs.writeFileSync(path.join(site, 'gated.html'), landing(`<script type="module" src="/lead-qualifier/lead-qualifier.js"></script>
<p><a href="/qualify/gated-plain?download=/files/guide.pdf" data-lead-gate="/playbooks/gated-plain.json">Download the guide</a></p>`));
  collector = await startCollector(path.join(site, 'leads.sqlite'), ['--site', site, '--playbooks', playbooks]);
  base = collector.base;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  collector?.stop();
  if (site) fs.rmSync(site, { recursive: true, force: true });
});

/** The widget's step as structure: every element under the frame with its attributes
 * (sorted; `style` left out, and what only a page without the widget needs: the form's
 * method and action and the hidden state field), and its own text. */
const structure = (page) => page.evaluate(() => {
  const frame = document.querySelector('lead-qualifier').shadowRoot.querySelector('.lq');
  const walk = (el) => {
    if (el.localName === 'input' && el.type === 'hidden') return '';
    const attrs = [...el.attributes]
      .filter((a) => a.name !== 'style' && !(el.localName === 'form' && (a.name === 'method' || a.name === 'action')))
      .map((a) => `${a.name}=${a.value}`).sort().join(' ');
    const inner = [...el.childNodes].map((n) => (n.nodeType === 3 ? n.textContent : n.nodeType === 1 ? walk(n) : '')).join('');
    return `<${el.localName} ${attrs}>${inner}</${el.localName}>`;
  };
  return walk(frame);
});

const readyFired = (page) => page.evaluate(() => window.__lq.some((e) => e.type === 'lq:ready'));

test('pre-rendered: visible and clickable before the wasm; adopted with the same markup, the early answer and focus kept, nothing moved', async () => {
  const { page, log, context } = await openPage(browser, 'about:blank');
  const release = await holdWasm(page);
  await page.addInitScript(() => {
    window.__shift = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
      .observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(`${base}/`);
  // The question, before any of the engine has arrived.
  const option = page.getByRole('radio', { name: '201 or more' });
  await option.waitFor();
  assert.equal(await readyFired(page), false, 'the engine has not started');
  await page.getByText('How many people work at your company?').waitFor();
  await page.getByText('Question 1 of', { exact: false }).waitFor();
  const pre = await structure(page);
  const below = (await page.locator('#below').boundingBox()).y;
  // The visitor answers before the code arrives: the click registers.
  await option.click();
  assert.equal(await option.isChecked(), true);
  release();
  await waitForEvent(page, 'lq:ready');
  // Adopted: the widget's own step now (its constructed stylesheet, not the inline one),
  // the same markup, the answer still chosen and focused, nothing below moved.
  assert.equal(await page.evaluate(() => document.querySelector('lead-qualifier').shadowRoot.querySelector('style')), null);
  assert.equal(await structure(page), pre);
  assert.equal(await option.isChecked(), true, 'the early answer is kept');
  assert.equal(await page.evaluate(() => document.querySelector('lead-qualifier').shadowRoot.activeElement?.value), '201+');
  assert.equal((await page.locator('#below').boundingBox()).y, below);
  assert.equal(await page.evaluate(() => window.__shift), 0, 'no layout shift');
  // The live widget goes on in the page.
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'Executive or owner' }).waitFor();
  assert.equal(page.url(), `${base}/`);
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('pre-rendered and live first step look the same (screenshots), and axe-core finds nothing', async () => {
  const { page, log, context } = await openPage(browser, 'about:blank');
  const release = await holdWasm(page);
  await page.goto(`${base}/`);
  const widget = page.locator('lead-qualifier');
  await page.getByRole('radio', { name: '201 or more' }).waitFor();
  assert.deepEqual(await axe(page), [], 'pre-rendered step');
  const before = await widget.screenshot();
  release();
  await waitForEvent(page, 'lq:ready');
  assert.equal(await page.evaluate(() => document.querySelector('lead-qualifier').shadowRoot.querySelector('style')), null, 'the widget drew the step');
  const after = await widget.screenshot();
  assert.ok(before.equals(after), 'the same pixels before and after the widget adopted the step');
  assert.deepEqual(await axe(page), [], 'adopted step');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('a Next clicked before the engine arrives is held, then replayed by the widget in the page', async () => {
  const { page, log, context } = await openPage(browser, 'about:blank');
  const release = await holdWasm(page);
  await page.goto(`${base}/`);
  await page.getByRole('radio', { name: '201 or more' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.waitForTimeout(300);
  assert.equal(page.url(), `${base}/`, 'no navigation while the engine loads');
  release();
  await page.getByRole('radio', { name: 'Executive or owner' }).waitFor();
  assert.equal(page.url(), `${base}/`);
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('without JavaScript: the whole demo through the collector\'s pages, by keyboard, to a stored and verified lead', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  const next = (name = 'Next') => page.getByRole('button', { name }).click();
  // Next with nothing chosen: the same question, with its error.
  await next();
  await page.getByText('Please answer this question.').waitFor();
  // Keyboard only: into the options, arrows to the last, Tab to Next, Enter.
  await page.getByRole('radio', { name: '1–10' }).focus();
  await page.keyboard.press('Space');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByRole('radio', { name: '201 or more' }).isChecked(), true);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('radio', { name: 'Executive or owner' }).waitFor();
  await page.getByText('Question 2 of', { exact: false }).waitFor();
  // Back keeps the earlier answer.
  await next('Back');
  await page.getByRole('radio', { name: '201 or more', checked: true }).waitFor();
  await next();
  await page.getByRole('radio', { name: 'Executive or owner' }).check();
  await next();
  await page.getByRole('radio', { name: 'Within 3 months' }).check();
  await next();
  // Early decision: sales-ready is certain, so the contact questions come now.
  const email = page.getByRole('textbox', { name: /email/i });
  await email.fill('ana@');
  await next();
  await page.getByText('Please enter a valid email address.').waitFor();
  // What was typed stays after the error; Enter in the field goes forward (Back is a form
  // of its own, never the default button).
  assert.equal(await page.getByRole('textbox', { name: /email/i }).inputValue(), 'ana@');
  await page.getByRole('textbox', { name: /email/i }).fill('ana@acme.com');
  await page.keyboard.press('Enter');
  await page.getByRole('checkbox').check();
  await next('Submit');
  await page.getByRole('heading', { level: 2 }).waitFor();
  const title = await page.getByRole('heading', { level: 2 }).textContent();
  assert.match(title, /talk/i, title);
  // Stored and verified by the collector, like a lead the widget posts.
  const list = await (await read(`${base}/api/leads`)).json();
  const row = list.leads.find((l) => l.outcome_id === 'talk_to_sales' && l.lead.answers.email === 'ana@acme.com');
  assert.ok(row, JSON.stringify(list).slice(0, 400));
  assert.equal(row.verified, true);
  assert.equal(row.lead.context.page_url, `${base}/`);
  assert.deepEqual(row.lead.answers, { company_size: '201+', role: 'executive', timeline: '0-3m', email: 'ana@acme.com', consent: true });
  // A reload of the outcome page (the form sent again) stores nothing twice.
  await page.reload();
  const again = await (await read(`${base}/api/leads`)).json();
  assert.equal(again.leads.filter((l) => l.id === row.id).length, 1);
  await context.close();
});

test('a gated link without JavaScript: the collector asks, stores the lead and hands over the file at the outcome', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/gated.html`);
  await page.getByRole('link', { name: 'Download the guide' }).click();
  const next = () => page.getByRole('button', { name: /^(Next|Submit)$/ }).click();
  for (const option of ['201 or more', 'Leads are not ready to buy', 'Yes']) {
    await page.getByRole('radio', { name: option }).check();
    await next();
  }
  await page.getByRole('textbox', { name: /send the guide/i }).fill('ana@acme.com');
  await next();
  await page.getByRole('heading', { level: 2, name: 'Your guide is downloading' }).waitFor();
  // The outcome's button is the link's file (the playbook's outcomes name none).
  const button = page.getByRole('link', { name: 'Download' });
  assert.equal(await button.getAttribute('href'), '/files/guide.pdf');
  assert.equal(await button.getAttribute('download'), '');
  const file = await fetch(new URL('/files/guide.pdf', base));
  assert.equal(await file.text(), GUIDE);
  // The lead, stored and verified, names the page the link was on.
  const list = await (await read(`${base}/api/leads`)).json();
  const row = list.leads.find((l) => l.playbook_id === 'gated-plain' && l.lead.answers.email === 'ana@acme.com');
  assert.ok(row, JSON.stringify(list).slice(0, 400));
  assert.equal(row.verified, true);
  assert.equal(row.lead.context.page_url, `${base}/gated.html`);
  // Another site's file is never offered.
  const foreign = await (await fetch(`${base}/qualify/gated-plain?download=https://evil.example/x.pdf`)).text();
  assert.doesNotMatch(foreign, /evil\.example/);
  // A link on another site (its Referer) does not become the visit's page (the link's own
  // address will, at the first answer); the file still rides along.
  const linked = await (await fetch(`${base}/qualify/gated-plain?download=/files/guide.pdf`, {
    headers: { referer: 'https://evil.example/page?utm_source=evil' },
  })).text();
  assert.doesNotMatch(linked, /evil/);
  assert.match(linked, /\/files\/guide\.pdf/);
  await context.close();
});

test('the same gated link with JavaScript: the dialog asks, then the file itself downloads (not the collector\'s page)', async () => {
  const { page, log, context } = await openPage(browser, `${base}/gated.html`);
  await page.getByRole('link', { name: 'Download the guide' }).click();
  await page.getByRole('dialog').waitFor();
  await waitForEvent(page, 'lq:ready');
  const next = () => page.getByRole('button', { name: /^(Next|Submit)$/ }).click();
  for (const option of ['201 or more', 'Leads are not ready to buy', 'Yes']) {
    await page.getByRole('radio', { name: option }).check();
    await next();
  }
  await page.getByRole('textbox', { name: /send the guide/i }).fill('ana@acme.com');
  const download = page.waitForEvent('download', { timeout: 10000 });
  await next();
  const d = await download;
  assert.equal(new URL(d.url()).pathname, '/files/guide.pdf');
  assert.equal(page.url(), `${base}/gated.html`, 'the page stays');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('the collector\'s own pages pass axe-core: a first step, a step with Back and an error', async () => {
  const first = await (await fetch(`${base}/qualify/demo-request`)).text();
  const state = first.match(/name="lq-state" value="([^"]*)"/)[1].replaceAll('&quot;', '"').replaceAll('&amp;', '&');
  const post = async (fields) => (await fetch(`${base}/qualify/demo-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${base}/` },
    body: new URLSearchParams(fields).toString(),
  })).text();
  const second = await post({ 'lq-state': state, 'lq-answer': '201+' });
  const state2 = second.match(/name="lq-state" value="([^"]*)"/)[1].replaceAll('&quot;', '"').replaceAll('&amp;', '&');
  const error = await post({ 'lq-state': state2 });
  assert.match(error, /id="lq-err"/);
  // A refused step (a state this collector did not write) is a page too, in the visitor's
  // language, with the status.
  const refusedReply = await fetch(`${base}/qualify/demo-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de-DE,de;q=0.9' },
    body: 'lq-state=nonsense',
  });
  assert.equal(refusedReply.status, 400);
  assert.match(refusedReply.headers.get('content-type'), /^text\/html/);
  const refused = await refusedReply.text();
  assert.match(refused, /Dieses Formular konnte nicht geladen werden/);
  const { page, log, context } = await openPage(browser, 'about:blank');
  for (const [name, html] of [['first', first], ['second', second], ['error', error], ['refused', refused]]) {
    fs.writeFileSync(path.join(site, `${name}.html`), html);
    await page.goto(`${base}/${name}.html`);
    await page.locator('lead-qualifier').waitFor();
    assert.deepEqual(await axe(page), [], name);
  }
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});
