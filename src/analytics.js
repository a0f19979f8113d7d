// lead-qualifier's funnel events: loaded by the page's script only for a playbook with
// `analytics.url` (without it, nothing of this is downloaded and nothing is sent).
//
// It listens to the widget's own `lq:*` events, which carry no answer values, and sends
// each visit's steps to the collector in batches: the first question shown, each step
// shown and answered (question id, step number), the outcome (id and class; an early
// decision is a completion) or the visit left before one, with the milliseconds since the
// first question and the campaign's utm_source. No answer, no contact detail, no cookie,
// nothing stored: a visit is a random id held in memory. Batches go with sendBeacon (when
// the outcome shows, when the page is hidden or left), so a lost one never blocks the
// visitor. Nothing at all under Global Privacy Control or Do Not Track.

const visits = new Map();

/** The campaign's source the page's script kept for this tab, if any. */
function source() {
  try {
    return JSON.parse(sessionStorage.getItem('lq:campaign') || '{}').utm?.utm_source || null;
  } catch {
    return null;
  }
}

/** Starts tracking the elements that show `playbook` (its parsed JSON). */
export function track(playbook) {
  const url = playbook?.analytics?.url;
  if (!url || navigator.globalPrivacyControl || navigator.doNotTrack === '1') return;
  const id = playbook.id;
  const version = playbook.version == null ? null : String(playbook.version);
  const queue = [];
  const flush = () => {
    if (!queue.length) return;
    const body = JSON.stringify({ events: queue.splice(0, 500) });
    try {
      if (!navigator.sendBeacon(url, body)) fetch(url, { method: 'POST', body, keepalive: true }).catch(() => {});
    } catch {
      // A collector that cannot be reached loses this batch, never the visitor's time.
    }
  };
  const add = (target, kind, extra) => {
    // A visit starts with its element's first event (the first step is raised just
    // before `lq:ready`).
    let v = visits.get(target);
    if (!v) {
      v = { id: crypto.randomUUID?.() ?? String(Math.random()).slice(2), start: performance.now(), done: false };
      visits.set(target, v);
    }
    if (v.done) return;
    if (kind === 'outcome' || kind === 'leave') v.done = true;
    queue.push({
      visit: v.id,
      playbook_id: id,
      playbook_version: version,
      kind,
      t_ms: Math.round(performance.now() - v.start),
      source: source(),
      ...extra,
    });
    if (v.done || queue.length >= 50) flush();
  };
  const mine = (e) => e.detail?.playbook_id === id;
  document.addEventListener('lq:ready', (e) => mine(e) && add(e.target, 'shown', {}));
  document.addEventListener('lq:step', (e) => mine(e) && add(e.target, 'step', { question_id: e.detail.question_id, index: e.detail.index }));
  document.addEventListener('lq:answer', (e) => mine(e) && add(e.target, 'answer', { question_id: e.detail.question_id }));
  document.addEventListener('lq:outcome', (e) => mine(e) && add(e.target, 'outcome', { outcome_id: e.detail.outcome_id, class: e.detail.class }));
  const leave = () => {
    for (const [target, v] of visits) if (!v.done) add(target, 'leave', {});
    flush();
  };
  addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flush());
}
