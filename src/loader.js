// lead-qualifier: the one file a page includes.
//
//   <script type="module" src="/lead-qualifier/lead-qualifier.js"></script>
//   <lead-qualifier playbook="/playbooks/demo.json"></lead-qualifier>
//
// It loads the engine (the wasm, relative to its own URL, through wasm-bindgen's glue, which
// scripts/bundle.mjs bundles into dist/lead-qualifier.js with esbuild), defines
// <lead-qualifier>, turns on data-lead-gate links, and offers the JS API: window.LeadQualifier.mount(element, playbookObjectOrUrl, options) -> handle
// with reset() and destroy(); the same is exported for bundlers. The development build
// (dist/dev/, this file with the glue of a wasm built with `devtools`) adds check(json) and a
// handle's trace() for the playground. Everything else
// (rendering, events, the flow) is Rust in src/*.rs: this file only ties the element's
// lifecycle to it. Never throws into the page: a failed load is one console line.
import * as engine from './lead_qualifier.js';

const TAG = 'lead-qualifier';
// The development build (dist/dev/): scripts/bundle.mjs defines __LQ_DEV__, so the page's
// build drops the development exports' bodies. Unbundled, the glue says what it has.
// eslint-disable-next-line no-undef
const DEV = typeof __LQ_DEV__ === 'undefined' || __LQ_DEV__;

// The page's playbooks start downloading now, beside the engine, not after it, and are
// read as soon as they arrive, while the engine still compiles: `[status, json]`, or
// `[status]` when not OK or not JSON (the widget judges both). Read later, by the engine,
// the body waited behind its start for a task and a frame (the first question came
// 9-16 ms later; A/Bs of 30 and 50 paired runs). Each element's connect takes its
// pending read (once; a second element with the same URL fetches its own).
const early = new Map();
const read = (url) => fetch(url).then((r) => (r.ok ? r.json().then((j) => [r.status, j], () => [r.status]) : [r.status]));
for (const el of document.querySelectorAll(`${TAG}[playbook]`)) {
  const url = el.getAttribute('playbook');
  if (url && !early.has(url)) {
    // A playbook with `variants` gives way to the one drawn for this visitor (the draw is
    // a file of its own, dist/variants.js, loaded only then); one with
    // `analytics` reaches the widget once analytics.js listens, so that no step of the
    // visit goes unseen.
    const pending = read(url)
      .then((got) => (got[1]?.variants ? import('./variants.js').then((m) => m.draw(url, got, read)) : got))
      .then(async (got) => (await analytics(got[1]), got));
    pending.catch(() => {}); // reported by the widget, not as an unhandled rejection
    early.set(url, pending);
  }
}
// Funnel events only for a playbook that asks for them (`analytics.url`): their code is a
// file of its own (dist/analytics.js), never downloaded otherwise.
function analytics(playbook) {
  return playbook?.analytics && import('./analytics.js').then((m) => m.track(playbook), () => {});
}

// Display modes (popup, slide-in, bubble): their code is a file of its own
// (dist/display.js), downloaded beside the engine only when an element asks for one.
const placed = document.querySelectorAll(`${TAG}[display]`);
const display = placed.length && import('./display.js');

const take = (url) => {
  const pending = early.get(url);
  early.delete(url);
  return pending;
};

// Gated links (`data-lead-gate`): a click opens the gate, whose code is a file of its own
// (dist/gate.js), imported on the first such click. One clicked while the engine still
// loads is held and opened once it is ready; if the engine fails, the link works as a
// plain link.
let held = null;
const gate = (link) => import('./gate.js').then((m) => m.open(link, engine.gate, read, (url, got) => early.set(url, Promise.resolve(got))), () => {});
const hold = (e) => {
  const link = e.composedPath()[0]?.closest?.('a[data-lead-gate]');
  if (link && !e.defaultPrevented) {
    e.preventDefault();
    if (ready) gate(link);
    else held = link;
  }
};
document.addEventListener('click', hold, true);

// A pre-rendered first step (`lead-qualifier embed`: a declarative shadow root) is on
// screen and answerable before the engine arrives; its form posts to the collector when no
// script runs. While the engine loads, a submit is held here (root -> the held form, or 0)
// and replayed once the widget has drawn the same step in its place.
const steps = new Map();
const holdSubmit = (e) => {
  e.preventDefault();
  steps.set(e.currentTarget, e.target);
};
for (const el of document.querySelectorAll(TAG)) {
  if (el.shadowRoot) {
    el.shadowRoot.addEventListener('submit', holdSubmit, true);
    steps.set(el.shadowRoot, 0);
  }
}

/** The engine's module from its pending response: streamed, or from the bytes when the
 * server does not send `Content-Type: application/wasm`. */
async function compile(pending) {
  const response = await pending;
  if (!response.ok) throw new Error(`HTTP ${response.status} fetching ${response.url}`);
  try {
    return await WebAssembly.compileStreaming(response.clone());
  } catch {
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

let ready = false;
try {
  const wasm = fetch(new URL('lead_qualifier_bg.wasm', import.meta.url));
  wasm.catch(() => {}); // awaited below; a failure lands in the catch
  // A storage's first use in a page asks the browser for its contents and waits for the
  // answer (2-15 ms here). Asked now, once the downloads are under way, the engine's start
  // does not wait for it (the first question 4-8 ms sooner, A/Bs of 40 and 50 paired
  // runs). Blocked storage throws; the engine copes with that itself.
  try {
    localStorage.getItem('lq:outbox');
    sessionStorage.getItem('lq:campaign');
  } catch {}
  // Compiled while it streams in, then instantiated with the glue's `initSync`: the glue's
  // own async loader (and its fallbacks and warnings) is then left out of the bundle.
  engine.initSync({ module: await compile(wasm) });
  engine.start();
  // The elements connect in a task after the engine's start, not in it: a playbook read
  // that arrived meanwhile goes first, so its element renders at connect, and the two
  // tasks stay short (three A/Bs of 40 paired runs: the first question 4-8 ms sooner,
  // tasks over 50 ms in 0-1 runs of 40 instead of 5-7). A timer, not a MessageChannel
  // message (that ran ahead of the read: 5 ms later, more long tasks); in a hidden tab the
  // browser may hold the timer for its once-a-second wake-up, while nobody sees the page.
  await new Promise((r) => setTimeout(r));
  // Each display-mode element moves into its dialog before it starts (no second mount).
  await (display && display.then((m) => m.setup(placed), () => {}));
  ready = true;
} catch (e) {
  console.error('lead-qualifier: the engine could not be loaded', e);
} finally {
  if (ready) held && gate(held);
  else {
    document.removeEventListener('click', hold, true);
    held?.click();
  }
  // No engine: a held step goes to the collector as the page's own form.
  for (const [root, form] of ready ? [] : steps) {
    root.removeEventListener('submit', holdSubmit, true);
    form && form.requestSubmit();
  }
}

// `lq:booking` on the element when the visitor goes into an outcome's booking frame (the
// page loses focus to it: what a page can see of a click in another site's frame), once per
// frame; its detail names the scheduler's page, never the visitor's details in its link.
const opened = new WeakSet();
addEventListener('blur', () => {
  const host = document.activeElement;
  const frame = host?.shadowRoot?.activeElement;
  if (frame?.localName == 'iframe' && !opened.has(frame)) {
    opened.add(frame);
    const u = new URL(frame.src);
    host.dispatchEvent(new CustomEvent('lq:booking', { detail: { url: u.origin + u.pathname }, bubbles: true, composed: true }));
  }
});

const inert = { reset() {}, destroy() {}, trace() { return null; } };

/** Mounts the widget in `element` (see lead-qualifier.d.ts). */
export function mount(element, playbook, options) {
  if (!ready) return inert;
  if (typeof playbook === 'object') analytics(playbook);
  const o = options || {};
  if (o.display) import('./display.js').then((m) => m.place(element, o.display, o.openOn, o.capDays), () => {});
  return engine.mount(element, playbook, options);
}

/** Checks a playbook's JSON text; returns its problems as lines (dist/dev/ only). */
export function check(json) {
  if (!DEV || !engine.check) return ['(playbook): check() is in the development build, dev/lead-qualifier.js'];
  if (!ready) return ['(playbook): the engine could not be loaded'];
  return engine.check(String(json));
}

/** Runs a playbook's test cases; one `PASS …`/`FAIL …` line each (dist/dev/ only). */
export function runCases(playbookJson, casesJson) {
  return DEV && ready && engine.runCases ? engine.runCases(String(playbookJson), String(casesJson)) : [];
}

/** A test case expecting what `answers` give now, as JSON text (dist/dev/ only). */
export function caseFrom(playbookJson, name, answersJson) {
  return DEV && ready && engine.caseFrom ? engine.caseFrom(String(playbookJson), String(name), String(answersJson)) : '';
}

if (ready && !customElements.get(TAG)) {
  customElements.define(TAG, class extends HTMLElement {
    static observedAttributes = ['playbook', 'locale'];
    #handle = null;
    connectedCallback() {
      if (this.#handle) return;
      // Adopting a pre-rendered step: what the visitor chose, typed and focused there is
      // read before the widget draws the same step in its place, then put back (matched
      // element by element: the two are the same markup).
      const root = this.shadowRoot;
      const all = () => [...(root ? root.querySelectorAll('form *') : [])];
      const words = () => root?.querySelector('form')?.textContent;
      const said = words();
      const was = all();
      const kept = was.map((e) => [e.checked, e.value]);
      const at = was.indexOf(root?.activeElement);
      this.#handle = engine.connect(this, take(this.getAttribute('playbook')));
      if (!steps.has(root)) return;
      root.removeEventListener('submit', holdSubmit, true);
      const now = all();
      // (another step, when a prefilled or remembered answer moved on: nothing to keep)
      if (words() != said) return;
      now.forEach((e, n) => e.localName == 'input' && ([e.checked, e.value] = kept[n]));
      now[at]?.focus();
      steps.get(root) && now[0].closest('form').requestSubmit();
    }
    disconnectedCallback() {
      // Moved within the page (disconnected, then connected at once): keep the widget.
      queueMicrotask(() => {
        if (!this.isConnected && this.#handle) this.#drop();
      });
    }
    attributeChangedCallback(name, old, value) {
      if (this.#handle && old !== value) {
        this.#drop();
        this.#handle = engine.connect(this, undefined);
      }
    }
    #drop() {
      this.#handle.destroy();
      this.#handle.free?.();
      this.#handle = null;
    }
  });
}

window.LeadQualifier = Object.freeze({ mount, check });
