// The playground: edit a playbook, see its problems as you type, try it in the live
// widget, and watch what the engine computes after every answer. All checking and
// scoring is the engine's (check(), runCases(), caseFrom() and handle.trace() from the
// wasm's development build); this file only
// wires the page together. Text goes into the DOM with textContent, never as HTML.
import { mount, check, runCases, caseFrom } from '/dist/dev/lead-qualifier.js';

const $ = (id) => document.getElementById(id);
const source = $('source');
const cases = $('cases');
const widget = $('widget');
const EVENTS = ['lq:ready', 'lq:step', 'lq:answer', 'lq:outcome', 'lq:submitted', 'lq:error'];

let handle = null;
let mounted = null; // the JSON text the widget runs
let running = null; // that playbook, parsed (to name the rules the trace lists)
let timer = 0;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

async function loadExample() {
  try {
    const r = await fetch($('example').value);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    source.value = await r.text();
  } catch (e) {
    source.value = '';
    $('status').textContent = `Could not load the example: ${e}`;
  }
  // Its test cases beside it (`demo-request.cases.json`), if it has any.
  try {
    const r = await fetch($('example').value.replace(/\.json$/, '.cases.json'));
    cases.value = r.ok ? await r.text() : '{ "cases": [] }';
  } catch {
    cases.value = '{ "cases": [] }';
  }
  mounted = null;
  refresh();
}

// `warning: …`, `hint: …` or an error line, as `lead-qualifier check` prints them.
const kindOf = (l) => (l.startsWith('warning: ') ? 'warning' : l.startsWith('hint: ') ? 'hint' : 'error');

function refresh() {
  const lines = check(source.value);
  const errors = lines.filter((l) => kindOf(l) === 'error');
  const list = $('problems');
  list.replaceChildren(...lines.map((l) => {
    const kind = kindOf(l);
    const text = kind === 'error' ? l : l.slice(kind.length + 2);
    const cut = text.indexOf(': ');
    const li = el('li', undefined, kind);
    li.append(el('span', kind, 'tag'));
    if (cut > 0) {
      li.append(el('code', text.slice(0, cut)), document.createTextNode(` ${text.slice(cut + 2)}`));
    } else {
      li.append(document.createTextNode(text));
    }
    return li;
  }));
  source.setAttribute('aria-invalid', errors.length ? 'true' : 'false');
  runAll();
  if (errors.length) {
    $('status').textContent = `${errors.length} problem${errors.length > 1 ? 's' : ''}: the widget keeps the last valid playbook.`;
    return;
  }
  const warnings = lines.filter((l) => kindOf(l) === 'warning').length;
  $('status').textContent = warnings ? `Valid, with ${warnings} warning${warnings > 1 ? 's' : ''}.` : 'Valid.';
  if (source.value !== mounted) remount();
}

function remount() {
  mounted = source.value;
  let playbook;
  try {
    playbook = JSON.parse(mounted);
  } catch {
    return;
  }
  // A playground run is a rehearsal: no leads, nothing remembered, unless asked for.
  if (!$('send').checked) {
    delete playbook.submit;
    delete playbook.remember;
  }
  running = playbook;
  // Dropped before the new mount: its first events call showTrace(), which must not
  // reach a freed handle.
  handle?.destroy();
  handle?.free?.();
  handle = null;
  $('t-log').replaceChildren();
  handle = mount(widget, playbook, {
    minFillMs: 0,
    noRedirect: true,
    locale: $('locale').value || undefined,
  });
  showTrace();
}

function showTrace() {
  const t = handle?.trace();
  const set = (id, v) => { $(id).textContent = v ?? '—'; };
  set('t-winning', t?.winning);
  set('t-decided', t?.decided);
  set('t-outcome', t?.outcome);
  $('t-score').replaceChildren(...Object.entries(t?.score ?? {}).map(([dim, n]) => {
    const tr = el('tr', undefined, dim === 'total' ? 'total' : '');
    tr.append(el('th', dim), el('td', String(n)));
    tr.firstChild.scope = 'row';
    return tr;
  }));
  const fired = t?.rules ?? [];
  $('t-rules').replaceChildren(...(fired.length ? fired.map(ruleItem) : [el('li', 'none yet', 'none')]));
  const reasons = t?.reasons ?? [];
  $('t-reasons').replaceChildren(...(reasons.length ? reasons.map((r) => el('li', r)) : [el('li', 'none yet', 'none')]));
  $('t-answers').textContent = t ? JSON.stringify(t.answers, null, 2) : '';
}

// One fired rule: its path in the playbook, its points and its reason (all as text).
function ruleItem(i) {
  const rule = running?.rules?.[i] ?? {};
  const p = rule.points;
  const points = typeof p === 'number' ? `${p >= 0 ? '+' : ''}${p}`
    : p && typeof p === 'object'
      ? Object.entries(p).map(([dim, n]) => `${n >= 0 ? '+' : ''}${n} ${dim}`).join(', ')
      : '';
  const li = el('li');
  li.append(el('code', `rules[${i}]`));
  if (points) li.append(document.createTextNode(` ${points}`));
  if (typeof rule.reason === 'string') li.append(document.createTextNode(` — ${rule.reason}`));
  return li;
}

for (const name of EVENTS) {
  widget.addEventListener(name, (e) => {
    const d = { ...e.detail };
    delete d.playbook_id;
    const li = el('li');
    li.append(el('code', name), document.createTextNode(` ${JSON.stringify(d)}`));
    $('t-log').prepend(li);
    showTrace();
  });
}

// The height the plain two tags should reserve on a page (the README's "Embed it"): this
// first step's, measured at the preview's width and rounded up to half a rem.
widget.addEventListener('lq:ready', () => {
  const box = widget.shadowRoot?.querySelector('.lq')?.getBoundingClientRect();
  if (!box) return;
  const rem = Math.ceil((box.height / parseFloat(getComputedStyle(document.documentElement).fontSize)) * 2) / 2;
  $('reserve').textContent = `style="display:block;min-height:${rem}rem"`;
  $('reserve-note').textContent = ` (this first step is ${Math.round(box.height)} px tall at ${Math.round(box.width)} px wide)`;
});

// The test cases against the playbook in the editor: PASS/FAIL per case, as
// `lead-qualifier test` prints them.
function runAll() {
  const lines = runCases(source.value, cases.value);
  $('case-results').replaceChildren(...lines.map((l) => {
    const pass = l.startsWith('PASS ');
    const li = el('li', undefined, pass ? 'pass' : 'fail');
    li.append(el('span', pass ? 'pass' : 'fail', 'tag'), document.createTextNode(` ${l.replace(/^(PASS|FAIL) /, '')}`));
    return li;
  }));
  const failed = lines.filter((l) => !l.startsWith('PASS ')).length;
  $('case-status').textContent = lines.length
    ? `${lines.length - failed} passed, ${failed} failed`
    : 'No cases yet: answer in the widget, then save the answers as a case.';
}

// "Save as case": the answers given so far, expecting what they give now.
function saveCase() {
  const t = handle?.trace();
  if (!t || !Object.keys(t.answers).length) {
    $('case-status').textContent = 'Answer a question in the widget first.';
    return;
  }
  let doc;
  try {
    doc = JSON.parse(cases.value);
  } catch {
    doc = { cases: [] };
  }
  if (!Array.isArray(doc.cases)) doc.cases = [];
  const made = caseFrom(mounted ?? source.value, `case ${doc.cases.length + 1}`, JSON.stringify(t.answers));
  if (!made) return;
  doc.cases.push(JSON.parse(made));
  cases.value = JSON.stringify(doc, null, 2);
  runAll();
}

source.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(refresh, 300);
});
$('example').addEventListener('change', loadExample);
$('locale').addEventListener('change', () => { mounted = null; refresh(); });
$('send').addEventListener('change', () => { mounted = null; refresh(); });
$('reset').addEventListener('click', () => { handle?.reset(); showTrace(); });
$('save-case').addEventListener('click', saveCase);
cases.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(runAll, 300);
});

loadExample();
