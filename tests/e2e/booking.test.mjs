// The booking hand-off: a sales-ready outcome's booking link opens in the page with what
// the visitor already told us, in each scheduler's own parameters (the schedulers are
// routed to fakes that record the request).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, finishSalesReady, waitForEvent, events } from './harness.mjs';

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

/** Completes the demo as a sales-ready visitor on `page`; the booking frame's request URL. */
async function booked(name, host) {
  const { page, log, context } = await openPage(browser, 'about:blank');
  let asked = null;
  await context.route(`https://${host}/**`, (route) => {
    asked = new URL(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Fake scheduler</title><p>Pick a time</p>' });
  });
  await page.goto(server.url(`/tests/e2e/pages/booking-${name}.html?utm_source=news&utm_campaign=q4`));
  const outcome = await finishSalesReady(page);
  assert.equal(outcome.detail.class, 'sales_ready');
  const frame = page.locator('lead-qualifier').locator('[part~="booking"]');
  await frame.waitFor();
  for (let i = 0; i < 50 && !asked; i++) await page.waitForTimeout(100);
  assert.ok(asked, 'the scheduler was asked');
  assert.equal(await frame.getAttribute('src'), asked.href.replace(/\/$/, ''), 'the frame shows the prefilled link');
  // Going into the scheduler's frame is `lq:booking`, once, naming its page only.
  assert.deepEqual(await events(page, 'lq:booking'), []);
  await page.frameLocator('lead-qualifier >> [part~="booking"]').getByText('Pick a time').click();
  await waitForEvent(page, 'lq:booking');
  await page.locator('h1').click();
  await page.frameLocator('lead-qualifier >> [part~="booking"]').getByText('Pick a time').click();
  await page.waitForTimeout(200);
  const said = await events(page, 'lq:booking');
  assert.deepEqual(said.map((e) => e.detail), [{ url: `https://${host}${asked.pathname}` }]);
  assert.deepEqual(log.pageErrors, []);
  await context.close();
  return asked.searchParams;
}

test('Calendly: name, email, the answers in a1, the campaign', async () => {
  const p = await booked('calendly', 'calendly.com');
  assert.equal(p.get('email'), 'ana@acme.com');
  assert.match(p.get('a1'), /How many people work at your company\?: 201 or more/);
  assert.match(p.get('a1'), /What best describes your role\?: Executive or owner/);
  assert.equal(p.get('utm_source'), 'news');
  assert.equal(p.get('utm_campaign'), 'q4');
});

test('Cal.com: email, the answers in notes, the campaign', async () => {
  const p = await booked('cal', 'cal.com');
  assert.equal(p.get('email'), 'ana@acme.com');
  assert.match(p.get('notes'), /201 or more/);
  assert.equal(p.get('a1'), null);
  assert.equal(p.get('utm_source'), 'news');
});

test('HubSpot meetings: email and embed, no answers or campaign', async () => {
  const p = await booked('hubspot', 'meetings.hubspot.com');
  assert.equal(p.get('email'), 'ana@acme.com');
  assert.equal(p.get('embed'), 'true');
  assert.equal(p.get('notes'), null);
  assert.equal(p.get('utm_source'), null);
});
