// The collector's dashboard: the leads inbox with sales feedback, the funnel, the outcome
// mix over time and the backtest. Plain DOM, no build step, no library: every value from a
// lead is set as text (never parsed as HTML), charts are SVG elements made here (bars only:
// a charting library would outweigh the whole page). Every call carries the admin token the
// user typed, kept in this tab's sessionStorage.

const KEY = 'lq:admin-token';
const PAGE = 50;
const SVG = 'http://www.w3.org/2000/svg';
const CLASSES = ['sales_ready', 'content_only', 'disqualified'];
const COLOURS = { sales_ready: '#1b7f3b', content_only: '#c98a00', disqualified: '#a12622' };

const $ = (id) => document.getElementById(id);
let offset = 0;
let playbooks = [];

/** An element with text content and attributes. */
function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function say(text) {
  $('message').textContent = text || '';
}

class Unauthorized extends Error {}

/** A call to the collector's API as the admin; JSON back. */
async function api(path, options = {}) {
  const token = sessionStorage.getItem(KEY) || '';
  const r = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${token}`, ...(options.headers || {}) },
  });
  if (r.status === 401) throw new Unauthorized('the admin token was not accepted');
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.detail || `HTTP ${r.status}`);
  return body;
}

function signedIn(yes) {
  $('sign-in').hidden = yes;
  $('nav').hidden = !yes;
}

function failed(e) {
  if (e instanceof Unauthorized) {
    sessionStorage.removeItem(KEY);
    signedIn(false);
    show('sign-in');
  }
  say(e.message);
}

/** Shows one section and marks its link. */
function show(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#${id}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route() {
  say('');
  if (!sessionStorage.getItem(KEY)) {
    signedIn(false);
    show('sign-in');
    return;
  }
  signedIn(true);
  const [view, arg] = (location.hash.slice(1) || 'leads').split('/');
  try {
    if (view === 'lead' && arg) await openLead(decodeURIComponent(arg));
    else if (view === 'funnel') await funnel();
    else if (view === 'outcomes') await outcomes();
    else if (view === 'backtest') await backtest();
    else await leads();
    $('main').focus();
  } catch (e) {
    failed(e);
  }
}

function contact(lead) {
  const a = (lead && lead.answers) || {};
  return a.email || a.name || a.company || '';
}

async function leads() {
  show('leads');
  const q = new URLSearchParams(new FormData($('filters')));
  for (const [k, v] of [...q]) if (!v) q.delete(k);
  if (q.get('to')) {
    // The form's "to" day is included: the API's bound is exclusive.
    const d = new Date(`${q.get('to')}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    q.set('to', d.toISOString().slice(0, 10));
  }
  q.set('limit', PAGE);
  q.set('offset', offset);
  const data = await api(`/api/leads?${q}`);
  const body = $('leads-table').tBodies[0];
  body.replaceChildren();
  for (const row of data.leads) {
    const tr = el('tr');
    const lead = row.lead || {};
    tr.append(
      el('td', row.received_at.replace('T', ' ').slice(0, 16)),
      el('td', contact(lead)),
      el('td', row.class, { class: `class-${row.class}` }),
      el('td', row.outcome_id),
      el('td', lead.score ? lead.score.total : ''),
      el('td', row.flag ? `flagged: ${row.flag}` : 'verified'),
      el('td', row.feedback_status || ''),
    );
    const open = el('a', 'Open', { href: `#lead/${encodeURIComponent(row.id)}` });
    open.append(el('span', ` lead ${contact(lead) || row.id}`, { class: 'visually-hidden' }));
    const td = el('td');
    td.append(open);
    tr.append(td);
    body.append(tr);
  }
  const last = Math.min(offset + data.leads.length, data.total);
  $('leads-count').textContent = data.total
    ? `${offset + 1}–${last} of ${data.total} leads`
    : 'No leads match.';
  $('prev').disabled = offset === 0;
  $('next').disabled = last >= data.total;
}

function list(items) {
  const ul = el('ul');
  for (const i of items) ul.append(el('li', i));
  return ul;
}

function pairs(entries) {
  const dl = el('dl');
  for (const [k, v] of entries) dl.append(el('dt', k), el('dd', v));
  return dl;
}

function answerText(v) {
  return Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

async function openLead(id) {
  show('lead');
  const row = await api(`/api/leads/${encodeURIComponent(id)}`);
  const lead = row.lead || {};
  const out = $('lead-body');
  out.replaceChildren();
  $('lead-title').textContent = `Lead ${contact(lead) || row.id}`;
  out.append(
    pairs([
      ['Received', row.received_at],
      ['Playbook', row.playbook_id],
      ['Outcome', `${row.outcome_id} (${row.class})`],
      ['Verification', row.verified ? 'verified' : 'failed: the engine disagrees'],
      ['Flag', row.flag || 'none'],
      ['Page', (lead.context && lead.context.page_url) || ''],
      ['Lead id', row.id],
    ]),
    el('h3', 'Score'),
    pairs(Object.entries(lead.score || {}).map(([k, v]) => [k, String(v)])),
    el('h3', 'Reasons'),
    list((lead.outcome && lead.outcome.reasons) || []),
    el('h3', 'Answers'),
    // What the visitor saw (the lead's answer_labels, as the page sent them), with the
    // value the engine scored in brackets: the labels are not verified, the values are.
    pairs(Object.entries(lead.answers || {}).map(([k, v]) => {
      const shown = (lead.answer_labels || {})[k];
      return [k, shown == null ? answerText(v) : `${answerText(shown)} (${answerText(v)})`];
    })),
    el('h3', 'Deliveries'),
    list(
      (row.deliveries || []).map(
        (d) => `${d.destination}: ${d.state} after ${d.attempts} attempt(s)${d.last_error ? ` (${d.last_error})` : ''}`,
      ),
    ),
  );
  const f = $('feedback-form');
  f.dataset.lead = row.id;
  const fb = row.feedback || {};
  f.elements.status.value = fb.status || 'accepted';
  f.elements.reason.value = fb.reason || '';
  f.elements.amount.value = fb.amount ?? '';
  f.elements.date.value = fb.date || '';
  out.append(el('p', fb.status ? `Sales said: ${fb.status}${fb.reason ? ` (${fb.reason})` : ''}` : 'No feedback yet.', { id: 'feedback-now', role: 'status' }));
}

async function saveFeedback(status) {
  const f = $('feedback-form');
  const body = { status: status || f.elements.status.value };
  if (f.elements.reason.value) body.reason = f.elements.reason.value;
  if (f.elements.amount.value) body.amount = Number(f.elements.amount.value);
  if (f.elements.date.value) body.date = f.elements.date.value;
  try {
    const saved = await api(`/api/leads/${encodeURIComponent(f.dataset.lead)}/feedback`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    f.elements.status.value = saved.status;
    $('feedback-now').textContent = `Sales said: ${saved.status}${saved.reason ? ` (${saved.reason})` : ''}`;
    say('');
  } catch (e) {
    failed(e);
  }
}

async function loadPlaybooks() {
  if (!playbooks.length) playbooks = (await api('/api/playbooks')).playbooks;
  for (const select of [$('funnel-playbook'), $('backtest-playbook')]) {
    if (select.options.length) continue;
    for (const p of playbooks) select.append(el('option', p.version ? `${p.id} (${p.version})` : p.id, { value: p.id }));
  }
}

/** Horizontal bars: one row per item (`what` names them), one bar per series, with the
 * same numbers as a table. */
function bars(title, what, rows, series) {
  const max = Math.max(1, ...rows.flatMap((r) => series.map((s) => r[s.key] || 0)));
  const rowH = 14 * series.length + 10;
  const labelW = 150;
  const width = 520;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${rows.length * rowH + 4}`, role: 'img', 'aria-label': title });
  rows.forEach((r, i) => {
    const label = svg('text', { x: 0, y: i * rowH + 14, 'font-size': 11 });
    label.textContent = r.label.length > 24 ? `${r.label.slice(0, 23)}…` : r.label;
    chart.append(label);
    series.forEach((s, j) => {
      const v = r[s.key] || 0;
      const w = ((width - labelW - 40) * v) / max;
      const rect = svg('rect', { x: labelW, y: i * rowH + 4 + j * 14, width: Math.max(w, 0.5), height: 11, fill: s.colour });
      const t = svg('title');
      t.textContent = `${r.label}: ${s.name} ${v}`;
      rect.append(t);
      const n = svg('text', { x: labelW + w + 4, y: i * rowH + 13 + j * 14, 'font-size': 10 });
      n.textContent = String(v);
      chart.append(rect, n);
    });
  });
  const legend = el('ul', undefined, { class: 'legend' });
  for (const s of series) {
    const li = el('li');
    // A drawn swatch: the page's CSP allows no inline style attribute.
    const swatch = svg('svg', { class: 'swatch', viewBox: '0 0 10 10', 'aria-hidden': 'true' });
    swatch.append(svg('rect', { width: 10, height: 10, fill: s.colour }));
    li.append(swatch, s.name);
    legend.append(li);
  }
  const table = el('table');
  table.append(el('caption', title));
  const head = el('tr');
  head.append(el('th', what, { scope: 'col' }), ...series.map((s) => el('th', s.name, { scope: 'col' })));
  table.append(head);
  for (const r of rows) {
    const tr = el('tr');
    tr.append(el('th', r.label, { scope: 'row' }), ...series.map((s) => el('td', r[s.key] || 0)));
    table.append(tr);
  }
  const wrap = el('div');
  const scroll = el('div', undefined, { class: 'scroll' });
  scroll.append(table);
  wrap.append(chart, legend, scroll);
  return wrap;
}

async function funnel() {
  show('funnel');
  await loadPlaybooks();
  const id = $('funnel-playbook').value;
  const out = $('funnel-body');
  out.replaceChildren();
  if (!id) return;
  const data = await api(`/api/funnel?playbook=${encodeURIComponent(id)}`);
  const funnels = data.funnels || [data];
  for (const f of funnels) {
    out.append(
      el('h3', `${f.playbook_id || id}${f.playbook_version ? ` (${f.playbook_version})` : ''}`),
      el('p', `${f.visits ?? 0} visits, ${f.completed ?? 0} reached an outcome.`),
      bars(
        'Each question: visits that saw it, answered it, and left there',
        'Question',
        (f.questions || []).map((q) => ({ label: q.id, reached: q.reached, answered: q.answered, dropped: q.dropped })),
        [
          { key: 'reached', name: 'saw it', colour: '#5b7fc7' },
          { key: 'answered', name: 'answered', colour: '#1b7f3b' },
          { key: 'dropped', name: 'left here', colour: '#a12622' },
        ],
      ),
    );
  }
}

async function outcomes() {
  show('outcomes');
  const data = await api('/api/stats/outcomes?days=30');
  const days = new Map();
  for (const r of data.rows) {
    if (!days.has(r.day)) days.set(r.day, { label: r.day });
    days.get(r.day)[r.class] = r.leads;
  }
  const out = $('outcomes-body');
  out.replaceChildren();
  if (!days.size) {
    out.append(el('p', 'No leads in the last 30 days.'));
    return;
  }
  out.append(
    bars(
      'Leads per day and class',
      'Day',
      [...days.values()],
      CLASSES.map((c) => ({ key: c, name: c, colour: COLOURS[c] })),
    ),
  );
}

async function backtest() {
  show('backtest');
  await loadPlaybooks();
  const id = $('backtest-playbook').value;
  const out = $('backtest-body');
  out.replaceChildren();
  if (!id) return;
  const r = await api(`/api/backtest?playbook=${encodeURIComponent(id)}`);
  if (r.warning) out.append(el('p', r.warning, { role: 'note' }));
  const pct = (s) => (s ? `${(100 * s.rate).toFixed(1)}% (${(100 * s.low).toFixed(1)}–${(100 * s.high).toFixed(1)}%)` : 'n/a');
  out.append(
    el('p', `${r.leads ?? 0} leads replayed, ${r.with_feedback ?? 0} with sales feedback; a good lead is one sales ${r.good === 'won' ? 'won' : 'accepted'}.`),
    pairs([
      ['Average rate', pct(r.overall && r.overall.rate)],
      ['Leads that change class', String(r.outcome_changes ?? 0)],
    ]),
    bars(
      'Leads per outcome, and the good ones',
      'Outcome',
      (r.by_outcome || []).map((o) => ({ label: o.key, leads: o.leads, good: o.good })),
      [
        { key: 'leads', name: 'leads', colour: '#5b7fc7' },
        { key: 'good', name: 'good', colour: '#1b7f3b' },
      ],
    ),
  );
}

function start() {
  $('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $('token').value.trim());
    $('token').value = '';
    try {
      await api('/api/leads?limit=1');
      if (!location.hash || location.hash === '#sign-in') location.hash = '#leads';
      else await route();
    } catch (err) {
      failed(err);
    }
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    playbooks = [];
    route();
  });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    offset = 0;
    leads().catch(failed);
  });
  $('prev').addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    leads().catch(failed);
  });
  $('next').addEventListener('click', () => {
    offset += PAGE;
    leads().catch(failed);
  });
  $('feedback-form').addEventListener('submit', (e) => {
    e.preventDefault();
    saveFeedback();
  });
  for (const b of document.querySelectorAll('.quick button')) {
    b.addEventListener('click', () => saveFeedback(b.dataset.status));
  }
  $('funnel-form').addEventListener('submit', (e) => {
    e.preventDefault();
    funnel().catch(failed);
  });
  $('backtest-form').addEventListener('submit', (e) => {
    e.preventDefault();
    backtest().catch(failed);
  });
  addEventListener('hashchange', route);
  route();
}

start();
