// Progressive profiling, consent, prefill and campaign capture, repeat gated downloads and
// languages, in a real browser. Every test starts in a fresh browser context (its own
// localStorage and sessionStorage); a "second visit" is a second page in the same context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, events, waitForEvent } from './harness.mjs';

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

const DAY = 86_400_000;
const PROFILE = '/tests/e2e/pages/profile.html';

const next = (page) => page.getByRole('button', { name: /^(Next|Submit)$/ }).click();

async function choose(page, label) {
  await page.getByRole('radio', { name: label, exact: true }).check();
  await next(page);
}

/** The widget's current question (legend or label), or null on the outcome screen. */
const current = (page, sel = 'lead-qualifier') => page.locator(sel).first().evaluate((el) => {
  const l = el.shadowRoot.querySelector('form legend') || el.shadowRoot.querySelector('form label');
  return l ? l.textContent.trim() : null;
});

/** What localStorage keeps under `lq:profile`, parsed (null when nothing). */
const stored = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('lq:profile') || 'null'));

/** The leads the collector received for a playbook, parsed, in order. */
const leads = (playbook) => server.state.posts
  .map((p) => JSON.parse(p.body))
  .filter((l) => l.playbook.id === playbook);

async function lead(page) {
  const done = await waitForEvent(page, 'lq:submitted');
  const found = server.state.posts.map((p) => JSON.parse(p.body)).filter((l) => l.id === done.detail.lead_id);
  assert.equal(found.length, 1, 'the lead arrived once');
  return found[0];
}

function clean(log) {
  assert.deepEqual(log.pageErrors, [], 'no uncaught errors');
}

/** A full first visit of profile.html: 201+, executive, email, consent as given. */
async function firstVisit(page, { consent }) {
  await waitForEvent(page, 'lq:ready');
  await choose(page, '201 or more');
  await choose(page, 'Executive');
  await page.getByRole('textbox', { name: 'Your email' }).fill('ana@acme.com');
  await next(page);
  const box = page.getByRole('checkbox', { name: 'Remember my details on this device' });
  if (consent) await box.check();
  await next(page);
  const outcome = await waitForEvent(page, 'lq:outcome');
  assert.equal(outcome.detail.outcome_id, 'talk');
  return lead(page);
}

test('a second visit skips known questions and reaches the same outcome; "Start over" clears what is kept', async () => {
  const first = await openPage(browser, server.url(PROFILE));
  const lead1 = await firstVisit(first.page, { consent: true });
  assert.deepEqual(lead1.asked, ['company_size', 'role', 'email', 'consent']);
  const kept = await stored(first.page);
  assert.deepEqual(Object.keys(kept.answers).sort(), ['company_size', 'consent', 'email', 'role']);
  assert.equal(kept.answers.email.v, 'ana@acme.com', 'with consent the email is kept');
  assert.ok(kept.completed['profile-test'], 'the completion is kept');
  const before = leads('profile-test').length;

  // Second visit: everything is known; the outcome shows at once, with no question.
  const second = await openPage(browser, server.url(PROFILE), { context: first.context });
  const outcome = await waitForEvent(second.page, 'lq:outcome');
  assert.equal(outcome.detail.outcome_id, 'talk');
  assert.equal(outcome.detail.score.fit, 50, 'remembered answers still count for scoring');
  assert.deepEqual(await events(second.page, 'lq:step'), []);
  await second.page.getByRole('heading', { name: 'Let’s talk </script>' }).waitFor();
  await second.page.waitForTimeout(300);
  assert.equal(leads('profile-test').length, before, 'a visit that asked nothing sends nothing again');

  // "Not you? Start over": the kept answers are gone and the first question shows.
  await second.page.getByRole('button', { name: 'Not you? Start over' }).click();
  await second.page.getByRole('radio', { name: '201 or more' }).waitFor();
  assert.equal(await current(second.page), 'Company size');
  const after = await stored(second.page);
  assert.deepEqual(after.answers, {});
  assert.deepEqual(after.completed, {});
  // A third visit asks from the start too.
  const third = await openPage(browser, server.url(PROFILE), { context: first.context });
  await waitForEvent(third.page, 'lq:ready');
  assert.equal(await current(third.page), 'Company size');
  clean(first.log); clean(second.log); clean(third.log);
  await first.context.close();
});

test('consent off: no email in storage; the next visit asks only for contact details', async () => {
  const first = await openPage(browser, server.url(PROFILE));
  await firstVisit(first.page, { consent: false });
  const kept = await stored(first.page);
  assert.deepEqual(Object.keys(kept.answers).sort(), ['company_size', 'role']);
  const raw = await first.page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.ok(!raw.includes('ana@acme.com'), `no email anywhere in localStorage: ${raw}`);

  const second = await openPage(browser, server.url(PROFILE), { context: first.context });
  await waitForEvent(second.page, 'lq:ready');
  assert.equal(await current(second.page), 'Your email');
  // Remembered answers may be changed: the visitor is offered to start over.
  await second.page.getByRole('button', { name: 'Not you? Start over' }).waitFor();
  await second.page.getByRole('textbox', { name: 'Your email' }).fill('bo@acme.com');
  await next(second.page);
  await next(second.page); // consent left unticked
  const l = await lead(second.page);
  assert.deepEqual(l.asked, ['email', 'consent']);
  assert.equal(l.answers.company_size, '201+');
  assert.equal(l.answers.role, 'executive');
  assert.equal(l.outcome.id, 'talk');
  assert.equal(l.score.fit, 50);
  assert.ok(!JSON.stringify(await second.page.evaluate(() => ({ ...localStorage }))).includes('bo@acme.com'));
  clean(first.log); clean(second.log);
  await first.context.close();
});

test('expiry: answers older than remember.days are dropped', async () => {
  const first = await openPage(browser, server.url(PROFILE));
  await firstVisit(first.page, { consent: true });
  const kept = await stored(first.page);
  const expires = kept.answers.company_size.x;
  assert.ok(Math.abs(expires - (Date.now() + 30 * DAY)) < 60_000, 'kept for 30 days');

  // 29 days later the visitor is still known...
  await first.context.clock.setFixedTime(Date.now() + 29 * DAY);
  const later = await openPage(browser, server.url(PROFILE), { context: first.context });
  await waitForEvent(later.page, 'lq:outcome');
  await later.page.close();
  // ...31 days after the last visit, not any more.
  await first.context.clock.setFixedTime(Date.now() + 29 * DAY + 31 * DAY);
  const expired = await openPage(browser, server.url(PROFILE), { context: first.context });
  await waitForEvent(expired.page, 'lq:ready');
  assert.equal(await current(expired.page), 'Company size');
  assert.deepEqual(await events(expired.page, 'lq:outcome'), []);
  // The same by editing the stored timestamps: an answer past its expiry is ignored.
  const edited = await openPage(browser, server.url(PROFILE));
  await edited.page.evaluate(() => localStorage.setItem('lq:profile', JSON.stringify({
    answers: { company_size: { v: '201+', x: Date.now() - 1000 }, role: { v: 'executive', x: Date.now() + 86400000 } },
    completed: {},
  })));
  await edited.page.reload();
  await waitForEvent(edited.page, 'lq:ready');
  assert.equal(await current(edited.page), 'Company size');
  await choose(edited.page, '1–10');
  assert.equal(await current(edited.page), 'Your email', 'role is still known');
  clean(first.log); clean(later.log); clean(expired.log); clean(edited.log);
  await first.context.close();
  await edited.context.close();
});

test('hostile storage: garbage under lq:profile is ignored, never thrown', async () => {
  const garbage = [
    'not json',
    '[1,2,3]',
    '{"answers":[1,2],"completed":"x"}',
    '{"answers":{"company_size":{"v":"999","x":9e15},"role":{"v":{"a":[1]},"x":9e15}}}',
    '{"answers":{"company_size":{"v":"201+","x":"later"}}}',
    '['.repeat(5000) + ']'.repeat(5000),
  ];
  const { page, log, context } = await openPage(browser, server.url(PROFILE));
  for (const g of garbage) {
    await page.evaluate((v) => localStorage.setItem('lq:profile', v), g);
    await page.reload();
    await waitForEvent(page, 'lq:ready');
    assert.equal(await current(page), 'Company size', `with ${g.slice(0, 60)}`);
  }
  // A valid entry among garbage is still used.
  await page.evaluate(() => localStorage.setItem('lq:profile',
    '{"answers":{"company_size":{"v":"201+","x":9e15},"role":{"v":"nope","x":9e15},"x":5},"completed":{"a":null}}'));
  await page.reload();
  await waitForEvent(page, 'lq:ready');
  assert.equal(await current(page), 'Your role');
  clean(log);
  await context.close();
});

test('answers known from another playbook on the site are reused where question ids match', async () => {
  const first = await openPage(browser, server.url(PROFILE));
  await firstVisit(first.page, { consent: false });
  const other = await openPage(browser, server.url('/tests/e2e/pages/profile-other.html'), { context: first.context });
  await waitForEvent(other.page, 'lq:ready');
  assert.equal(await current(other.page), 'Your industry');
  await choose(other.page, 'Software');
  const outcome = await waitForEvent(other.page, 'lq:outcome');
  assert.equal(outcome.detail.outcome_id, 'big', 'the reused answer scores');
  const l = await lead(other.page);
  assert.deepEqual(l.asked, ['industry']);
  assert.equal(l.answers.company_size, '201+');
  clean(first.log); clean(other.log);
  await first.context.close();
});

test('prefill.query fills visible and hidden questions from the page URL', async () => {
  const { page, log, context } = await openPage(browser, server.url(`${PROFILE}?size=201%2B&partner=acme%20corp&utm_medium=email`));
  await waitForEvent(page, 'lq:ready');
  assert.equal(await current(page), 'Your role', 'the prefilled question is not asked');
  await choose(page, 'Individual contributor');
  await page.getByRole('textbox', { name: 'Your email' }).fill('ana@acme.com');
  await next(page);
  await next(page);
  const l = await lead(page);
  assert.equal(l.answers.company_size, '201+');
  assert.equal(l.answers.partner, 'acme corp');
  assert.deepEqual(l.asked, ['role', 'email', 'consent']);
  assert.equal(l.score.fit, 35);
  assert.deepEqual(l.context.utm, { utm_medium: 'email' });
  const kept = await stored(page);
  assert.equal(kept.answers.partner, undefined, 'hidden (URL) values are not remembered');
  clean(log);
  await context.close();
});

test('campaign: UTM and gclid of the landing page arrive with the lead from the form page', async () => {
  const { page, log, context } = await openPage(browser,
    server.url('/tests/e2e/pages/landing.html?utm_source=newsletter&utm_campaign=spring%20sale&gclid=abc123&other=x'));
  // The loader captures the campaign even on a page without a widget.
  await page.waitForFunction(() => sessionStorage.getItem('lq:campaign'));
  await page.getByRole('link', { name: 'Talk to us' }).click();
  await page.waitForURL(/profile\.html$/);
  const l = await firstVisit(page, { consent: false });
  assert.deepEqual(l.context.utm, { utm_source: 'newsletter', utm_campaign: 'spring sale', gclid: 'abc123' });
  assert.match(l.context.page_url, /profile\.html$/);
  clean(log);
  await context.close();
});

test('campaign: the referrer that brought the visitor is kept for the session', async () => {
  const context = await browser.newContext();
  const { page, log } = await openPage(browser, 'about:blank', { context });
  await page.goto(server.url('/tests/e2e/pages/landing.html?fbclid=fb1'), { referer: 'https://social.example/' });
  const referrer = await page.evaluate(() => document.referrer);
  await page.getByRole('link', { name: 'Talk to us' }).click();
  await page.waitForURL(/profile\.html$/);
  const l = await firstVisit(page, { consent: false });
  assert.deepEqual(l.context.utm, { fbclid: 'fb1' });
  assert.equal(referrer, 'https://social.example/');
  assert.equal(l.context.referrer, referrer, 'the landing page’s referrer, not the landing page');
  clean(log);
  await context.close();
});

test('a German page shows German texts: the playbook’s and the widget’s own', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/de.html'));
  await waitForEvent(page, 'lq:ready');
  assert.equal(await current(page), 'Wie viele Menschen arbeiten in Ihrem Unternehmen?');
  await page.getByText('Frage 1 von').waitFor();
  await page.getByRole('radio', { name: '201 oder mehr' }).check();
  await page.getByRole('button', { name: 'Weiter' }).click();
  assert.equal(await current(page), 'Was beschreibt Ihre Rolle am besten?');
  await page.getByRole('button', { name: 'Zurück' }).click();
  assert.equal(await current(page), 'Wie viele Menschen arbeiten in Ihrem Unternehmen?');
  await page.getByRole('button', { name: 'Weiter' }).click();
  await page.getByRole('button', { name: 'Weiter' }).click();
  // An unanswered required question: the error in German.
  await page.getByText('Bitte beantworten Sie diese Frage.').waitFor();
  const lang = await page.locator('lead-qualifier').evaluate((el) => el.shadowRoot.querySelector('[part~="container"]').getAttribute('lang'));
  assert.equal(lang, 'de');
  clean(log);
  await context.close();
});

test('locale resolution: the locale attribute beats <html lang>; RTL languages render dir=rtl', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/rtl.html'));
  await page.waitForFunction(() => window.__lq.filter((e) => e.type === 'lq:ready').length === 2);
  const frame = (sel) => page.locator(sel).evaluate((el) => {
    const f = el.shadowRoot.querySelector('[part~="container"]');
    return { dir: f.getAttribute('dir'), lang: f.getAttribute('lang'), computed: getComputedStyle(f).direction };
  });
  assert.deepEqual(await frame('lead-qualifier:not([locale])'), { dir: 'rtl', lang: 'ar', computed: 'rtl' });
  assert.deepEqual(await frame('#french'), { dir: 'ltr', lang: 'fr', computed: 'ltr' });
  await page.locator('#french').getByRole('button', { name: 'Suivant' }).waitFor();
  clean(log);
  await context.close();
});

test('a repeat gated download is immediate and its lead says context.repeat: true', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/gated.html'));
  await page.getByRole('link', { name: 'Download the guide' }).click();
  await page.getByRole('dialog').waitFor();
  await waitForEvent(page, 'lq:ready');
  await choose(page, '201 or more');
  await choose(page, 'Leads are not ready to buy');
  await choose(page, 'Yes');
  await page.getByRole('textbox', { name: /send the guide/i }).fill('ana@acme.com');
  await page.waitForTimeout(1600); // past the minimum fill time
  const firstDownload = page.waitForEvent('download', { timeout: 10000 });
  await next(page);
  await firstDownload;
  const first = await lead(page);
  assert.equal(first.context.repeat, undefined);

  // Next visit: the click downloads at once, with no dialog, and still reports the lead.
  const again = await openPage(browser, server.url('/tests/e2e/pages/gated.html'), { context });
  const download = again.page.waitForEvent('download', { timeout: 5000 });
  const t0 = Date.now();
  await again.page.getByRole('link', { name: 'Download the guide' }).click();
  const d = await download;
  assert.ok(Date.now() - t0 < 3000, 'immediate');
  assert.match(d.suggestedFilename(), /lead-qualification-guide\.pdf$/);
  assert.equal(await again.page.locator('dialog').count(), 0, 'no dialog');
  const repeat = await lead(again.page);
  assert.equal(repeat.context.repeat, true);
  assert.equal(repeat.playbook.id, 'gated-guide');
  assert.equal(repeat.outcome.id, first.outcome.id);
  assert.deepEqual(repeat.score, first.score);
  assert.deepEqual(repeat.asked, []);
  assert.equal(repeat.answers.company_size, '201+');
  assert.equal(repeat.answers.email, undefined, 'no consent question: the email was not kept');
  assert.notEqual(repeat.id, first.id);
  clean(log); clean(again.log);
  await context.close();
});

test('locale resolution: without <html lang> the browser’s language applies', async () => {
  for (const [locale, label, next] of [
    ['de-DE', 'Wie viele Menschen arbeiten in Ihrem Unternehmen?', 'Weiter'],
    // Spanish widget strings; the playbook has no Spanish texts: its own locale (en).
    ['es-ES', 'How many people work at your company?', 'Siguiente'],
  ]) {
    const context = await browser.newContext({ locale });
    const { page, log } = await openPage(browser, server.url('/tests/e2e/pages/nolang.html'), { context });
    await waitForEvent(page, 'lq:ready');
    assert.equal(await current(page), label);
    await page.getByRole('button', { name: next }).waitFor();
    clean(log);
    await context.close();
  }
});

test('a gated link whose questions are all known from another playbook downloads and still sends its lead', async () => {
  const first = await openPage(browser, server.url(PROFILE));
  await firstVisit(first.page, { consent: true });
  const gated = await openPage(browser, server.url('/tests/e2e/pages/gated-profile.html'), { context: first.context });
  const download = gated.page.waitForEvent('download', { timeout: 10000 });
  await gated.page.getByRole('link', { name: 'Get the checklist' }).click();
  await download;
  // Nothing to ask: the dialog shows the outcome, the lead of this playbook goes out.
  await gated.page.getByRole('heading', { name: 'Your checklist is downloading' }).waitFor();
  const l = await lead(gated.page);
  assert.equal(l.playbook.id, 'gated-profile');
  assert.deepEqual(l.asked, []);
  assert.deepEqual(l.answers, { company_size: '201+', email: 'ana@acme.com' });
  assert.equal(l.context.repeat, undefined, 'a first download of this file');
  // This playbook asks no consent: it keeps no email itself, and leaves the one kept with
  // the other playbook's consent alone.
  assert.equal((await stored(gated.page)).answers.email?.v, 'ana@acme.com');
  // The next click is a repeat download.
  const again = await openPage(browser, server.url('/tests/e2e/pages/gated-profile.html'), { context: first.context });
  const d2 = again.page.waitForEvent('download', { timeout: 5000 });
  await again.page.getByRole('link', { name: 'Get the checklist' }).click();
  await d2;
  const repeat = await lead(again.page);
  assert.equal(repeat.context.repeat, true);
  assert.equal(await again.page.locator('dialog').count(), 0);
  clean(first.log); clean(gated.log); clean(again.log);
  await first.context.close();
});
