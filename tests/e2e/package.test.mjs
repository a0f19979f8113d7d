// The npm package as a front-end developer uses it: `npm pack dist`, the tarball installed
// into a scratch project, `import { mount } from 'lead-qualifier'` bundled there with
// esbuild (the wasm copied beside the bundle, as the package's README note says), and the
// bundle run in Chromium under the strict CSP: the demo's first question renders, and the
// package carries its types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT, startServer, launch, openPage, events } from './harness.mjs';

const SCRATCH = path.join(ROOT, 'target/npm-scratch');
let server;
let browser;

before(async () => {
  fs.rmSync(SCRATCH, { recursive: true, force: true });
  fs.mkdirSync(path.join(SCRATCH, 'out'), { recursive: true });
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const npm = (args, cwd) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

test('npm pack dist, install it in a scratch project, bundle `import { mount }` with esbuild, run it', async () => {
  // Pack: one tarball named after the package.
  const packed = npm(['pack', path.join(ROOT, 'dist'), '--pack-destination', SCRATCH], SCRATCH)
    .trim()
    .split('\n')
    .at(-1);
  assert.match(packed, /^lead-qualifier-\d+\.\d+\.\d+\.tgz$/);

  // Install it into a project of its own (a local file: no registry needed).
  fs.writeFileSync(
    path.join(SCRATCH, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  npm(['install', `./${packed}`], SCRATCH);
  const installed = path.join(SCRATCH, 'node_modules/lead-qualifier');
  for (const f of ['lead-qualifier.js', 'lead-qualifier.d.ts', 'lead_qualifier.d.ts', 'lead_qualifier_bg.wasm', 'dev/lead-qualifier.js']) {
    assert.ok(fs.existsSync(path.join(installed, f)), `the package holds ${f}`);
  }
  const types = fs.readFileSync(path.join(installed, 'lead-qualifier.d.ts'), 'utf8');
  assert.match(types, /\bmount\b/);
  assert.match(types, /export function check/);

  // The app: what a developer writes.
  const playbook = fs.readFileSync(path.join(ROOT, 'examples/demo-request.json'), 'utf8');
  fs.writeFileSync(
    path.join(SCRATCH, 'app.js'),
    `import { mount } from 'lead-qualifier';\n` +
      `mount(document.getElementById('app'), ${playbook.trim()});\n`,
  );
  await esbuild.build({
    entryPoints: [path.join(SCRATCH, 'app.js')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outfile: path.join(SCRATCH, 'out/app.js'),
    logLevel: 'silent',
  });
  fs.copyFileSync(path.join(installed, 'lead_qualifier_bg.wasm'), path.join(SCRATCH, 'out/lead_qualifier_bg.wasm'));
  fs.writeFileSync(
    path.join(SCRATCH, 'out/index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Bundled</title></head>' +
      '<body><main><h1>Bundled</h1><div id="app"></div></main>' +
      '<script type="module" src="app.js"></script></body></html>',
  );

  const { page, log, context } = await openPage(browser, server.url('/target/npm-scratch/out/index.html'));
  try {
    await page.getByRole('radio', { name: '201 or more', exact: true }).waitFor({ timeout: 20000 });
    assert.ok((await events(page, 'lq:ready')).length >= 1, 'lq:ready from the bundled widget');
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.console, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
  } finally {
    await context.close();
  }
});
