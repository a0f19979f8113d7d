// The playground: edit a playbook, see its problems as you type, try it in the live
// widget, and watch what the engine computes after every answer. All checking and
// scoring is the engine's (check() and handle.trace() from the wasm); this file only
// wires the page together. Text goes into the DOM with textContent, never as HTML.
import { mount, check } from '/dist/dev/lead-qualifier.js';

const $ = (id) => document.getElementById(id);
const source = $('source');
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
  mounted = null;
  refresh();
}

function refresh() {
  const lines = check(source.value);
  const errors = lines.filter((l) => !l.startsWith('warning: '));
  const list = $('problems');
  list.replaceChildren(...lines.map((l) => {
    const warning = l.startsWith('warning: ');
    const text = warning ? l.slice(9) : l;
    const cut = text.indexOf(': ');
    const li = el('li', undefined, warning ? 'warning' : 'error');
    li.append(el('span', warning ? 'warning' : 'error', 'tag'));
    if (cut > 0) {
      li.append(el('code', text.slice(0, cut)), document.createTextNode(` ${text.slice(cut + 2)}`));
    } else {
      li.append(document.createTextNode(text));
    }
    return li;
  }));
  source.setAttribute('aria-invalid', errors.length ? 'true' : 'false');
  if (errors.length) {
    $('status').textContent = `${errors.length} problem${errors.length > 1 ? 's' : ''}: the widget keeps the last valid playbook.`;
    return;
  }
  const warnings = lines.length - errors.length;
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

source.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(refresh, 300);
});
$('example').addEventListener('change', loadExample);
$('locale').addEventListener('change', () => { mounted = null; refresh(); });
$('send').addEventListener('change', () => { mounted = null; refresh(); });
$('reset').addEventListener('click', () => { handle?.reset(); showTrace(); });

loadExample();
