// A gated link clicked while the engine is still downloading (slow network, busy CPU):
// the loader holds the click, so the file is not handed out ungated, and replays it once
// the gate listens: the dialog opens as if the click had come later.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitForEvent, holdWasm } from './harness.mjs';

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

test('gated link clicked before the engine is ready: held, then the dialog opens', async () => {
  const context = await browser.newContext();
  const release = await holdWasm(context);
  const fallback = setTimeout(release, 20000); // never hang the suite
  const downloads = [];
  context.on('page', (p) => p.on('download', (d) => downloads.push(d.suggestedFilename())));
  const url = server.url('/tests/e2e/pages/gated.html');
  const { page, log } = await openPage(browser, url, { context });
  page.on('download', (d) => downloads.push(d.suggestedFilename()));

  await page.getByRole('link', { name: 'Download the guide' }).click();
  await page.waitForTimeout(500);
  assert.equal(page.url(), url, 'the page stays');
  assert.deepEqual(downloads, [], 'no ungated download');
  assert.equal(await page.getByRole('dialog').count(), 0, 'no dialog before the engine');

  release();
  await page.getByRole('dialog').waitFor();
  await waitForEvent(page, 'lq:ready');
  assert.equal(page.url(), url);
  assert.deepEqual(downloads, []);
  assert.deepEqual(log.pageErrors, []);
  clearTimeout(fallback);
  await context.close();
});
