// Test harness: a static server for the repo root on 127.0.0.1 (with the strict CSP of
// SPEC section 3 on every HTML page), a scriptable lead collector at /api/leads, Debian's
// Chromium via playwright-core, and axe-core; the real collector (`lead-qualifier serve`)
// started on a free port, and a hold on the wasm download. Loopback only; everything stops
// by itself.
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'";
/** The CLI the collector tests run (make test builds it first). */
export const BIN = process.env.LQ_BIN || path.join(ROOT, 'target/cli/lead-qualifier');
/** The collector's admin token in these tests. */
export const ADMIN = 'e2e-admin-token-0123456789';
/** A GET as the collector's admin. */
export const asAdmin = (url) => fetch(url, { headers: { authorization: `Bearer ${ADMIN}` } });

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
  '.pdf': 'application/pdf',
  '.ts': 'text/plain',
};

/**
 * Starts the server. `collector(req, body, state)` may return
 * `{status, headers, body}` to answer a POST /api/leads, `'drop'` to destroy the
 * connection, or `'hang'` never to answer; by default leads are stored by id (201 new,
 * 200 known).
 */
export async function startServer({ collector } = {}) {
  const state = { posts: [], stored: new Map(), down: false };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/api/leads') {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-headers': 'content-type, idempotency-key',
          'access-control-allow-methods': 'POST, OPTIONS',
        });
        return res.end();
      }
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const post = { headers: req.headers, body, at: Date.now() };
        state.posts.push(post);
        let answer = collector ? collector(req, body, state) : undefined;
        if (answer === 'hang') return;
        if (answer === 'drop' || state.down) {
          req.socket.destroy();
          return;
        }
        if (!answer) {
          let id;
          try {
            id = JSON.parse(body).id;
          } catch {
            id = new URLSearchParams(body).get('id');
          }
          const fresh = !state.stored.has(id);
          if (fresh) state.stored.set(id, { body, headers: req.headers });
          answer = { status: fresh ? 201 : 200, body: JSON.stringify({ id }) };
        }
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers || {}) });
        res.end(answer.body || '{}');
      });
      return;
    }
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/') rel = '/www/index.html';
    const file = path.join(ROOT, path.normalize(rel));
    if (!file.startsWith(ROOT + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    const headers = { 'content-type': type, 'cache-control': 'no-store' };
    if (type.startsWith('text/html')) headers['content-security-policy'] = CSP;
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    state,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: 60000,
  });
}

/** A new page that records lq:* events, console errors, CSP violations and page errors. */
export async function openPage(browser, url, { viewport = { width: 1024, height: 800 }, context } = {}) {
  const ctx = context || (await browser.newContext({ viewport }));
  const page = await ctx.newPage();
  const log = { console: [], pageErrors: [], dialogs: [] };
  page.on('console', (m) => { if (m.type() === 'error') log.console.push(m.text()); });
  page.on('pageerror', (e) => log.pageErrors.push(String(e)));
  page.on('dialog', (d) => { log.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.addInitScript(() => {
    window.__lq = [];
    window.__csp = [];
    for (const name of ['lq:ready', 'lq:step', 'lq:answer', 'lq:outcome', 'lq:submitted', 'lq:error', 'lq:open', 'lq:close', 'lq:booking']) {
      document.addEventListener(name, (e) => window.__lq.push({ type: e.type, detail: JSON.parse(JSON.stringify(e.detail ?? null)) }));
    }
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  });
  await page.goto(url);
  return { page, log, context: ctx };
}

export const events = (page, type) => page.evaluate((t) => window.__lq.filter((e) => !t || e.type === t), type);

export async function waitForEvent(page, type, timeout = 10000) {
  await page.waitForFunction((t) => window.__lq.some((e) => e.type === t), type, { timeout });
  return (await events(page, type)).at(-1);
}

/**
 * Completes the demo playbook as a sales-ready visitor (a large company's executive buying
 * within 3 months, contact details given); returns the `lq:outcome` event. `pause`: ms to
 * wait after `lq:ready`, past a page's minimum fill time.
 */
export async function finishSalesReady(page, { pause = 0 } = {}) {
  await waitForEvent(page, 'lq:ready');
  if (pause) await page.waitForTimeout(pause);
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

const AXE = fs.readFileSync(path.join(ROOT, 'tests/e2e/node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core scan of the whole page (shadow roots included); returns the violations. */
export async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Waits (at most `ms`) until `get(url)` answers 2xx. */
export async function waitUp(url, get = fetch, ms = 20000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await get(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`server did not come up at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the real collector, `lead-qualifier serve` (BIN), on a free loopback port: its
 * database `db`, the repository as its root, then `args`; admin token ADMIN; run in `cwd`.
 * Resolves once it answers, with its `base` URL and `stop()`.
 */
export async function startCollector(db, args = [], { cwd = ROOT } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(BIN, ['serve', '--port', String(port), '--db', db, '--root', ROOT, ...args], {
    cwd,
    env: { ...process.env, LQ_ADMIN_TOKEN: ADMIN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  server.stderr.on('data', () => {});
  const stop = () => server.kill('SIGTERM');
  try {
    await waitUp(`${base}/api/leads`, asAdmin);
  } catch (e) {
    stop();
    throw e;
  }
  return { base, stop };
}

/** Holds the wasm download of `target` (a page or a context) until the returned
 * function is called. */
export async function holdWasm(target) {
  let release;
  const gate = new Promise((r) => (release = r));
  await target.route('**/lead_qualifier_bg.wasm', async (route) => {
    await gate;
    await route.continue();
  });
  return release;
}
