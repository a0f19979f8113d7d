// The playground (www/playground.html) under the strict CSP: a playbook typed into the
// editor is checked as it changes (problems listed by JSON path, as text), a valid one runs
// in the live widget beside it, and the trace shows score, rules fired and the winning
// outcome after every answer. axe-core clean in each state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, axe } from './harness.mjs';

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

// Two questions, one rule, two outcomes; `large` carries the broken points.
const playbook = (largePoints) => ({
  id: 'play',
  questions: [
    {
      id: 'when',
      type: 'choice',
      label: 'When do you buy?',
      options: [
        { value: 'now', label: 'Now', points: { intent: 10 } },
        { value: 'later', label: 'Later', points: { intent: 0 } },
      ],
    },
    {
      id: 'team',
      type: 'choice',
      label: 'How big is your team?',
      options: [
        { value: 'small', label: 'Small', points: { fit: 0 } },
        { value: 'large', label: 'Large', points: largePoints },
      ],
    },
  ],
  rules: [{ if: { '==': [{ var: 'team' }, 'large'] }, points: { intent: 15 }, reason: 'Large team' }],
  outcomes: [
    { id: 'talk', class: 'sales_ready', if: { '>=': [{ var: 'score.total' }, 40] }, title: 'Let us talk' },
    { id: 'read', class: 'content_only', title: 'Read the guide' },
  ],
});

const editor = (page) => page.getByRole('textbox', { name: 'Playbook JSON' });

/** Waits until `#id`'s text (trimmed) is `want`. */
async function textIs(page, id, want) {
  try {
    await page.waitForFunction(
      ([i, w]) => document.getElementById(i)?.textContent.trim() === w,
      [id, want],
      { timeout: 10000 },
    );
  } catch {
    const got = await page.evaluate((i) => document.getElementById(i)?.textContent.trim(), id);
    assert.equal(got, want, `#${id}`);
  }
}

/** The widget's current question (its legend), from the playground's shadow host. */
const legend = (page) =>
  page.locator('#widget').evaluate((el) => el.shadowRoot?.querySelector('legend')?.textContent.trim() ?? null);

/** The score table as { dimension: points }. */
const scores = (page) =>
  page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('#t-score tr')].map((tr) => [
      tr.querySelector('th').textContent, Number(tr.querySelector('td').textContent),
    ])));

async function noViolations(page, where) {
  const v = await axe(page);
  assert.deepEqual(v, [], `axe violations at ${where}: ${JSON.stringify(v, null, 1)}`);
}

test('playground: problems by path as you type, the live widget, a trace after every answer', async () => {
  const { page, log } = await openPage(browser, server.url('/www/playground.html'), {
    viewport: { width: 1400, height: 1000 },
  });
  // The first example loads, checks clean and runs.
  await textIs(page, 'status', 'Valid.');
  await page.getByRole('radio', { name: '201 or more', exact: true }).waitFor();
  await textIs(page, 't-winning', 'send_guide');
  await noViolations(page, 'example loaded');
  // The space the plain tags should reserve: the first step's height, rounded up to half a rem.
  const reserve = await page.locator('#reserve').textContent();
  const rem = Number(reserve.match(/^style="display:block;min-height:(\d+(?:\.5)?)rem"$/)?.[1]);
  const height = await page.locator('#widget').evaluate((el) => el.shadowRoot.querySelector('.lq').getBoundingClientRect().height);
  assert.ok(rem * 16 >= height && rem * 16 - 8 < height, `${reserve} for a first step ${height}px tall`);
  assert.match(await page.locator('#reserve-note').textContent(), new RegExp(`${Math.round(height)} px tall`));

  // An invalid playbook: the problem is listed with its JSON path; the editor is marked
  // invalid; the widget keeps the last valid playbook.
  await editor(page).fill(JSON.stringify(playbook('lots'), null, 2));
  const problem = page.locator('#problems li.error');
  await problem.first().waitFor();
  assert.equal(await problem.count(), 1);
  assert.equal(await problem.locator('code').textContent(), 'questions[1] (team).options[1] (large).points');
  assert.match(await problem.textContent(), /expected a number or an object of numbers/);
  await textIs(page, 'status', '1 problem: the widget keeps the last valid playbook.');
  assert.equal(await editor(page).getAttribute('aria-invalid'), 'true');
  assert.equal(await legend(page), 'How many people work at your company?');
  await noViolations(page, 'with a problem');

  // Typing on, key by key, into broken JSON: the parser's complaint, as text.
  await editor(page).press('End');
  await editor(page).pressSequentially(' ,');
  await page.locator('#problems li.error', { hasText: 'not valid JSON' }).waitFor();
  assert.equal(await problem.locator('code').textContent(), '(playbook)');

  // Fixed: no problems, and the widget runs the new playbook from its first question.
  await editor(page).fill(JSON.stringify(playbook({ fit: 30 }), null, 2));
  await textIs(page, 'status', 'Valid.');
  assert.equal(await page.locator('#problems li').count(), 0);
  assert.equal(await editor(page).getAttribute('aria-invalid'), 'false');
  await page.getByRole('radio', { name: 'Now', exact: true }).waitFor();
  assert.equal(await legend(page), 'When do you buy?');
  await textIs(page, 't-winning', 'read');
  await textIs(page, 't-rules', 'none yet');

  // First answer: option points only; no rule fires; the guide would win; nothing shown yet.
  await page.getByRole('radio', { name: 'Now', exact: true }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'Large', exact: true }).waitFor();
  await textIs(page, 't-rules', 'none yet');
  assert.deepEqual(await scores(page), { intent: 10, fit: 0, total: 10 });
  await textIs(page, 't-winning', 'read');
  await textIs(page, 't-outcome', '—');
  await noViolations(page, 'after the first answer');

  // Second answer: the rule fires (listed by path, points and reason), the total crosses
  // the threshold, and the winning outcome is the one shown.
  await page.getByRole('radio', { name: 'Large', exact: true }).check();
  await page.getByRole('button', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'Let us talk' }).waitFor();
  await textIs(page, 't-outcome', 'talk');
  await textIs(page, 't-winning', 'talk');
  await textIs(page, 't-rules', 'rules[0] +15 intent — Large team');
  await textIs(page, 't-reasons', 'Large team');
  assert.deepEqual(await scores(page), { intent: 25, fit: 30, total: 55 });
  const answers = JSON.parse(await page.locator('#t-answers').textContent());
  assert.deepEqual(answers, { when: 'now', team: 'large' });
  const logged = await page.locator('#t-log li code').allTextContents();
  assert.equal(logged[0], 'lq:outcome');
  await noViolations(page, 'outcome');

  // Start over: a fresh session, the trace back to zero.
  await page.getByRole('button', { name: 'Start over' }).click();
  await page.getByRole('radio', { name: 'Now', exact: true }).waitFor();
  await textIs(page, 't-outcome', '—');
  await textIs(page, 't-rules', 'none yet');

  assert.deepEqual(log.pageErrors, [], 'no uncaught errors');
  assert.deepEqual(log.console, [], 'no console errors');
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
});

test('playground: playbook text in problems and the trace stays text', async () => {
  const { page, log } = await openPage(browser, server.url('/www/playground.html'));
  await textIs(page, 'status', 'Valid.');
  const hostile = '<img src=x id=pwned>';
  // A bad question id quoted back in a problem, and a rule reason shown in the trace.
  const bad = playbook({ fit: 30 });
  bad.questions[0].id = hostile;
  await editor(page).fill(JSON.stringify(bad));
  const problem = page.locator('#problems li.error').first();
  await problem.waitFor();
  assert.equal(await problem.locator('code').textContent(), 'questions[0].id');
  assert.ok((await problem.textContent()).includes(hostile), 'the id is quoted back as text');
  const good = playbook({ fit: 30 });
  good.rules[0].reason = hostile;
  good.questions[1].label = hostile;
  await editor(page).fill(JSON.stringify(good));
  await textIs(page, 'status', 'Valid.');
  await page.getByRole('radio', { name: 'Now', exact: true }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'Large', exact: true }).check();
  await page.getByRole('button', { name: 'Submit' }).click();
  await textIs(page, 't-rules', `rules[0] +15 intent — ${hostile}`);
  await textIs(page, 't-reasons', hostile);
  const images = await page.evaluate(() =>
    document.querySelectorAll('img').length + document.querySelector('#widget').shadowRoot.querySelectorAll('img').length);
  assert.equal(images, 0, 'no playbook text became an element');
  assert.equal(await page.evaluate(() => document.getElementById('pwned')), null);
  assert.deepEqual(log.pageErrors, []);
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
});

test("playground: the example's test cases pass, answers saved as a case pass, a wrong expectation fails", async () => {
  const { page, log } = await openPage(browser, server.url('/www/playground.html'), {
    viewport: { width: 1400, height: 1000 },
  });
  await textIs(page, 'status', 'Valid.');
  // The demo's hint is listed as a hint, not a problem.
  await page.locator('#problems li.hint', { hasText: 'role could be asked before company_size' }).waitFor();
  // examples/demo-request.cases.json loads beside the example and passes.
  await textIs(page, 'case-status', '5 passed, 0 failed');
  assert.equal(await page.locator('#case-results li.pass').count(), 5);
  // Answer two questions, save them as a case: it expects what they give now, and passes.
  await page.getByRole('radio', { name: '201 or more', exact: true }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'Student or job seeker', exact: true }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await textIs(page, 't-outcome', 'not_a_fit');
  await page.getByRole('button', { name: 'Save answers as case' }).click();
  await textIs(page, 'case-status', '6 passed, 0 failed');
  const saved = JSON.parse(await page.getByRole('textbox', { name: 'Test cases' }).inputValue()).cases.at(-1);
  assert.deepEqual(saved.answers, { company_size: '201+', role: 'student' });
  assert.equal(saved.expect.outcome, 'not_a_fit');
  assert.equal(saved.expect.class, 'disqualified');
  // A wrong expectation fails, saying what differs.
  const doc = JSON.parse(await page.getByRole('textbox', { name: 'Test cases' }).inputValue());
  doc.cases.at(-1).expect.outcome = 'talk_to_sales';
  await page.getByRole('textbox', { name: 'Test cases' }).fill(JSON.stringify(doc));
  await textIs(page, 'case-status', '5 passed, 1 failed');
  await page.locator('#case-results li.fail', { hasText: 'outcome is not_a_fit, expected talk_to_sales' }).waitFor();
  await noViolations(page, 'test cases');
  assert.deepEqual(log.pageErrors, [], 'no uncaught errors');
  assert.deepEqual(log.console, [], 'no console errors');
});
