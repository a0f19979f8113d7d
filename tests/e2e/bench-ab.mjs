// An A/B of two builds of the widget (a benchmark script, not a test; `make bench-ab`).
// On a noisy machine a single run of 10 cannot show a change of a few milliseconds: the
// medians of two runs minutes apart differ by more than that. This loads the demo page
// with build A and with build B in turns (A first in every other round), each in a fresh
// browser context, and prints for each build the median first question (from navigation
// start, after the page's first contentful paint, and after the wasm arrived) and how many
// runs had a task over 50 ms after the widget's script arrived, then the paired differences
// B - A (median and middle half each) of the time after first paint, of the time after the
// wasm arrived, and of the wasm's arrival itself. The second leaves out the network's
// jitter before the wasm, so it shows only changes that do not move the wasm's arrival
// (a bigger script or wasm does): read it together with the third.
//
// Usage: node tests/e2e/bench-ab.mjs DIR_A DIR_B [ROUNDS]   (default 40 rounds)
// Each DIR holds a dist/ build (lead-qualifier.js, lead_qualifier_bg.wasm) inside the
// repository, for instance `cp -r dist target/ab-before` before a change, then
// `make dist` and `node tests/e2e/bench-ab.mjs target/ab-before dist`.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, ROOT } from './harness.mjs';
import { measureFirstQuestion, median as med, quantile as at } from './first-question.mjs';

const [dirA, dirB, rounds = '40'] = process.argv.slice(2);
const ROUNDS = Math.max(1, Number(rounds) || 40);
if (!dirA || !dirB) {
  console.error('usage: node tests/e2e/bench-ab.mjs DIR_A DIR_B [ROUNDS]');
  process.exit(2);
}

// One demo page per build, next to the builds' own copies: target/bench-ab/ (ignored).
const DEMO = fs.readFileSync(path.join(ROOT, 'tests/e2e/pages/demo.html'), 'utf8');
const out = path.join(ROOT, 'target/bench-ab');
fs.mkdirSync(out, { recursive: true });
const pages = [dirA, dirB].map((dir, i) => {
  const abs = path.resolve(dir);
  const rel = path.relative(ROOT, abs);
  if (rel.startsWith('..') || !fs.existsSync(path.join(abs, 'lead-qualifier.js'))) {
    console.error(`bench-ab: ${dir} is not a dist/ build inside the repository`);
    process.exit(2);
  }
  const file = path.join(out, `${'ab'[i]}.html`);
  fs.writeFileSync(file, DEMO.replace('/dist/lead-qualifier.js', `/${rel.split(path.sep).join('/')}/lead-qualifier.js`));
  return `/target/bench-ab/${'ab'[i]}.html`;
});

const server = await startServer();
const browser = await launch();

const measure = (url) => measureFirstQuestion(browser, server.url(url));

const runs = [[], []];
try {
  await measure(pages[0]); // warm-up, not counted
  for (let i = 0; i < ROUNDS; i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) runs[k].push(await measure(pages[k]));
  }
} finally {
  await browser.close();
  await server.close();
}

const ms = (n) => `${n.toFixed(1)} ms`;
for (const [k, dir] of [dirA, dirB].entries()) {
  const r = runs[k];
  console.log(`${'AB'[k]} ${dir}: first question median ${ms(med(r.map((x) => x.first)))}, `
    + `${ms(med(r.map((x) => x.first - x.paint)))} after first paint, `
    + `${ms(med(r.map((x) => x.first - x.wasm)))} after the wasm arrived; `
    + `a task over 50 ms in ${r.filter((x) => x.own > 50).length} of ${ROUNDS} runs`);
}
// Paired differences: after the page's first paint; after the wasm's arrival (leaves out
// the network's jitter before it, and any change that moves the arrival); the arrival.
const rows = [
  ['after first paint', (x) => x.first - x.paint],
  ['after the wasm arrived', (x) => x.first - x.wasm],
  ["of the wasm's arrival", (x) => x.wasm],
];
for (const [label, f] of rows) {
  const diff = runs[1].map((b, i) => f(b) - f(runs[0][i]));
  console.log(`B - A ${label}, paired: median ${ms(med(diff))} (middle half ${ms(at(diff, 0.25))} to ${ms(at(diff, 0.75))}; ${ROUNDS} rounds)`);
}
