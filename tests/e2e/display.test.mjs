// Display modes (dist/display.js, loaded only by pages that ask for one): each trigger
// (delay, scroll depth, exit intent, a click on [data-lead-open]), the modal done right
// (focus in and trapped, Esc and Close, focus back, the page behind locked, 320 px,
// reduced motion), the slide-in and the bubble, frequency capping across reloads, and
// that an inline page never downloads the module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitForEvent, events, axe } from './harness.mjs';

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

/** Inside the open dialog: the element that has focus, described. */
const focusedIn = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { inDialog: !!a?.closest('dialog[open]'), tag: a?.localName, id: a?.id, cls: a?.className };
});
const locked = (page) => page.evaluate(() => document.documentElement.classList.contains('lq-lock'));

test('popup: a delay opens it, focus moves in and stays in, Esc closes it, focus goes back, the page behind is locked', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/popup.html'));
  await page.locator('#before').focus();
  const opened = await waitForEvent(page, 'lq:open', 5000);
  assert.deepEqual(opened.detail, { trigger: 'delay' });
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: '201 or more' }).waitFor();
  assert.equal((await focusedIn(page)).inDialog, true, 'focus moved into the dialog');
  assert.equal(await locked(page), true, 'the page behind does not scroll');
  // Trapped: Tab through more stops than the dialog has; focus never leaves it.
  for (let i = 0; i < 14; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const a = document.activeElement;
      return a === document.body || !!a?.closest('dialog[open]');
    });
    assert.ok(f, `Tab ${i + 1} stayed in the dialog`);
  }
  assert.deepEqual(await axe(page), [], 'open popup');
  await page.keyboard.press('Escape');
  await waitForEvent(page, 'lq:close');
  assert.equal(await dialog.count(), 0, 'closed');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'before', 'focus is back where it was');
  assert.equal(await locked(page), false);
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('popup: a [data-lead-open] click opens it, Close closes it and focus returns to the opener; the widget works inside', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/popup.html'));
  await page.evaluate(() => localStorage.setItem('lq:cap', JSON.stringify({ '/examples/demo-request.json': Date.now() + 864e5 })));
  await page.reload();
  await page.locator('#opener').click();
  const opened = await waitForEvent(page, 'lq:open', 5000);
  assert.deepEqual(opened.detail, { trigger: 'click' });
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: '201 or more' }).check();
  await dialog.getByRole('button', { name: 'Next' }).click();
  await dialog.getByRole('radio', { name: 'Executive or owner' }).waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await waitForEvent(page, 'lq:close');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'opener');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('frequency cap: closed once, the delay stays quiet across reloads; a click still opens it', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/popup.html'));
  await waitForEvent(page, 'lq:open', 5000);
  await page.keyboard.press('Escape');
  await waitForEvent(page, 'lq:close');
  const cap = await page.evaluate(() => JSON.parse(localStorage.getItem('lq:cap'))['/examples/demo-request.json']);
  const days = (cap - Date.now()) / 864e5;
  assert.ok(days > 6.9 && days <= 7, `capped for cap-days="7" (${days})`);
  await page.reload();
  await waitForEvent(page, 'lq:ready');
  await page.waitForTimeout(1200);
  assert.deepEqual(await events(page, 'lq:open'), [], 'no automatic open after the close');
  await page.locator('#opener').click();
  await waitForEvent(page, 'lq:open');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('popup: scroll depth opens it', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/scroll.html'));
  await waitForEvent(page, 'lq:ready');
  await page.waitForTimeout(300);
  assert.deepEqual(await events(page, 'lq:open'), [], 'not before the scroll');
  await page.mouse.wheel(0, 2000);
  const opened = await waitForEvent(page, 'lq:open', 5000);
  assert.deepEqual(opened.detail, { trigger: 'scroll' });
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('popup: exit intent (the pointer leaves through the top) opens it', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/exit.html'));
  await waitForEvent(page, 'lq:ready');
  await page.mouse.move(300, 200);
  await page.mouse.move(300, 100);
  assert.deepEqual(await events(page, 'lq:open'), []);
  // Leaving the window through its top edge: the browser's mouseout has no related target.
  await page.mouse.move(300, -10, { steps: 4 });
  let opened = (await events(page, 'lq:open'))[0];
  if (!opened) {
    // Headless Chromium may not report a pointer outside the viewport: the same event as a
    // browser sends it.
    await page.evaluate(() => document.dispatchEvent(new MouseEvent('mouseout', { clientX: 300, clientY: -1, bubbles: true })));
    opened = await waitForEvent(page, 'lq:open', 5000);
  }
  assert.deepEqual(opened.detail, { trigger: 'exit' });
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('slide-in: opened by its delay without taking focus, the page stays usable', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/slide.html'));
  await page.locator('#before').focus();
  await waitForEvent(page, 'lq:open', 5000);
  const panel = page.getByRole('dialog');
  await panel.getByRole('radio', { name: '201 or more' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'before', 'focus stays on the page');
  assert.equal(await locked(page), false);
  const box = await panel.boundingBox();
  const vp = page.viewportSize();
  assert.ok(box.x + box.width <= vp.width && box.y + box.height <= vp.height, 'in the corner, on screen');
  assert.deepEqual(await axe(page), [], 'slide-in');
  await panel.getByRole('button', { name: 'Close' }).click();
  await waitForEvent(page, 'lq:close');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('bubble: the launcher opens and closes the panel by keyboard, aria-expanded follows, focus returns to it', async () => {
  const { page, log, context } = await openPage(browser, server.url('/tests/e2e/pages/bubble.html'));
  const launcher = page.getByRole('button', { name: 'Questions? Find your next step' });
  await launcher.waitFor();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  await launcher.focus();
  await page.keyboard.press('Enter');
  const opened = await waitForEvent(page, 'lq:open', 5000);
  assert.deepEqual(opened.detail, { trigger: 'launcher' });
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  assert.equal((await focusedIn(page)).inDialog, true, 'focus moved into the panel');
  await page.getByRole('dialog').getByRole('radio', { name: '201 or more' }).waitFor();
  assert.deepEqual(await axe(page), [], 'bubble open');
  await page.keyboard.press('Escape');
  await waitForEvent(page, 'lq:close');
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'lq-b');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('popup at 320 px fits the screen; reduced motion: no animation', async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 }, reducedMotion: 'reduce' });
  const { page, log } = await openPage(browser, server.url('/tests/e2e/pages/popup.html'), { context });
  await waitForEvent(page, 'lq:open', 5000);
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: '201 or more' }).waitFor();
  const box = await dialog.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 320, `within 320 px (${box.x}, ${box.width})`);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('dialog')).animationName), 'none');
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});

test('an inline page never downloads display.js', async () => {
  const { page, log, context } = await openPage(browser, 'about:blank');
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(server.url('/tests/e2e/pages/demo.html'));
  await waitForEvent(page, 'lq:ready');
  assert.ok(fetched.includes('/dist/lead-qualifier.js'));
  assert.ok(!fetched.includes('/dist/display.js'), fetched.join(' '));
  assert.deepEqual(log.pageErrors, []);
  await context.close();
});
