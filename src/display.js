// lead-qualifier's display modes: loaded by the page's script only when an element asks
// for one (`display="popup" | "slide-in" | "bubble"`, or `mount()`'s `display` option);
// an inline widget downloads none of this.
//
//   <lead-qualifier playbook="/playbooks/demo.json" display="popup"
//                   open-on="delay:8s scroll:50% exit" cap-days="30"></lead-qualifier>
//   <button data-lead-open>Talk to sales</button>
//
// - popup: a modal <dialog> (the page behind is inert and does not scroll; Esc, the close
//   button and a click on the backdrop close it; focus goes back where it was).
// - slide-in: a panel at the bottom corner (a non-modal dialog); the page stays usable.
// - bubble: a round launcher button at the bottom corner that opens and closes the panel.
// Triggers (`open-on`, space-separated; a click on any `[data-lead-open]` element always
// opens it, `data-lead-open="ID"` the widget with that id): `delay:8s` (or `ms`),
// `scroll:50%` (how far down the page), `exit` (the pointer leaves the top of the window,
// on devices with a fine pointer). Frequency cap: after a close or an outcome, the
// automatic triggers stay quiet for `cap-days` days (default 30) on this browser:
// `localStorage["lq:cap"]`, `{ <key>: until ms }`, keyed by the element's id or playbook
// URL; nothing personal, and a click on a `data-lead-open` element still opens it.
// Events on the element: `lq:open` and `lq:close` (`{trigger}` / `{}`), bubbling and
// composed like the widget's own.
//
// The widget itself is the same element, moved into the dialog before it starts, so
// it renders while hidden and shows at once when a trigger fires.

const CSS = `
.lq-d{padding:0;border:0;background:none;max-width:none;max-height:none;overflow:visible;color:inherit}
.lq-d[open]{display:flex;flex-direction:column;align-items:flex-end;gap:8px}
.lq-d lead-qualifier{width:100%;max-height:calc(100dvh - 96px);overflow:auto}
.lq-popup{width:min(560px,calc(100vw - 24px))}
.lq-popup::backdrop{background:rgb(0 0 0/.45)}
.lq-slide,.lq-panel{position:fixed;inset:auto 16px 16px auto;margin:0;z-index:2147483646;width:min(400px,calc(100vw - 32px))}
.lq-panel{bottom:88px}
.lq-x{font:inherit;font-size:.875rem;min-height:44px;padding:8px 14px;border:1px solid var(--lq-border,#858b94);border-radius:999px;background:var(--lq-bg,#fff);color:var(--lq-fg,#111);cursor:pointer}
.lq-x:focus-visible,.lq-b:focus-visible{outline:3px solid var(--lq-accent,#1a56db);outline-offset:2px}
.lq-b{position:fixed;right:16px;bottom:16px;z-index:2147483646;min-width:56px;min-height:56px;padding:0 20px;border:0;border-radius:999px;font:inherit;font-weight:600;background:var(--lq-accent,#1a56db);color:#fff;box-shadow:0 4px 14px rgb(0 0 0/.25);cursor:pointer}
html.lq-lock{overflow:hidden}
@media (prefers-reduced-motion:no-preference){.lq-d[open]{animation:lq-in .18s ease-out}}
@keyframes lq-in{from{transform:translateY(12px)}}
`;

const MODES = { popup: 'lq-popup', 'slide-in': 'lq-slide', bubble: 'lq-panel' };
const DAY = 864e5;

/** The capped keys and until when, or {} where storage is blocked. */
function caps() {
  try {
    const stored = JSON.parse(localStorage.getItem('lq:cap'));
    return stored && typeof stored == 'object' ? stored : {};
  } catch {
    return {};
  }
}

function cap(key, days) {
  const all = caps();
  all[key] = Date.now() + days * DAY;
  try {
    localStorage.setItem('lq:cap', JSON.stringify(all));
  } catch {
    // Blocked storage: the cap lasts as long as the page.
  }
}

let styled = false;
function style() {
  if (styled) return;
  styled = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

function emit(el, type, detail) {
  el.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

// A click on any `[data-lead-open]` element opens its widget (by id, else the first).
document.addEventListener('click', (e) => {
  const opener = e.target.closest?.('[data-lead-open]');
  if (!opener) return;
  const id = opener.getAttribute('data-lead-open');
  const dialog = (id ? document.getElementById(id) : document.querySelector('.lq-d lead-qualifier'))?.closest('.lq-d');
  if (dialog) {
    e.preventDefault();
    dialog.lqOpen('click');
  }
});

/** Puts each of `elements` in its place by its attributes (`display`, `open-on`,
 * `cap-days`), with its triggers. */
export function setup(elements) {
  for (const el of elements) {
    place(el, el.getAttribute('display'), el.getAttribute('open-on'), el.getAttribute('cap-days'));
  }
}

/** Moves `el` into a dialog of `mode` (`popup`, `slide-in`, `bubble`; anything else:
 * left inline) and arms its triggers (`openOn`: see above; `capDays`, default 30). */
export function place(el, mode, openOn, capDays) {
  if (!MODES[mode]) return;
  const days = Number(capDays ?? 30);
  openOn = String(openOn || '');
  style();
  const key = el.id || el.getAttribute('playbook') || 'inline';
  const modal = mode === 'popup';
  const dialog = document.createElement('dialog');
  dialog.className = `lq-d ${MODES[mode]}`;
  dialog.setAttribute('aria-label', el.getAttribute('aria-label') || document.title || 'Form');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'lq-x';
  close.textContent = el.getAttribute('close-label') || 'Close';
  el.replaceWith(dialog);
  dialog.append(close, el);
  let launcher;
  if (mode === 'bubble') {
    launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'lq-b';
    launcher.textContent = el.getAttribute('launcher') || '?';
    launcher.setAttribute('aria-label', el.getAttribute('launcher-label') || el.getAttribute('launcher') || 'Open the form');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.onclick = () => (dialog.open ? dialog.close() : dialog.lqOpen('launcher'));
    dialog.after(launcher);
  }
  let back = null;
  let done = false;
  dialog.lqOpen = (trigger) => {
    if (dialog.open) return;
    back = document.activeElement;
    if (modal) {
      document.documentElement.classList.add('lq-lock');
      dialog.showModal();
    } else if (trigger === 'click' || trigger === 'launcher') {
      // A panel the visitor opened takes focus.
      dialog.show();
      close.focus();
    } else {
      // One a timer or a scroll opened leaves focus where it is (`show()` would move it).
      dialog.open = true;
    }
    launcher?.setAttribute('aria-expanded', 'true');
    emit(el, 'lq:open', { trigger });
  };
  dialog.addEventListener('close', () => {
    document.documentElement.classList.remove('lq-lock');
    launcher?.setAttribute('aria-expanded', 'false');
    if (!done) cap(key, days);
    emit(el, 'lq:close', {});
    (launcher || back)?.focus?.();
  });
  close.onclick = () => dialog.close();
  // Esc closes a panel too (a modal dialog's Esc is the browser's own).
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !modal) dialog.close();
  });
  // A click on a popup's backdrop (the dialog element itself, outside its content).
  dialog.addEventListener('click', (e) => {
    if (modal && e.target === dialog) dialog.close();
  });
  // An outcome ends the cap's question: the visitor has answered.
  el.addEventListener('lq:outcome', () => {
    done = true;
    cap(key, days);
  });
  if ((caps()[key] || 0) > Date.now()) return;
  const auto = (trigger) => {
    if ((caps()[key] || 0) <= Date.now()) dialog.lqOpen(trigger);
  };
  for (const t of openOn.split(/\s+/)) {
    const [name, arg = ''] = t.split(':');
    const n = parseFloat(arg);
    if (name === 'delay') setTimeout(() => auto('delay'), arg.endsWith('ms') ? n : n * 1000);
    if (name === 'scroll') {
      const onScroll = () => {
        const el = document.documentElement;
        if (scrollY + innerHeight >= (el.scrollHeight * (n || 50)) / 100) {
          removeEventListener('scroll', onScroll);
          auto('scroll');
        }
      };
      addEventListener('scroll', onScroll, { passive: true });
    }
    if (name === 'exit' && matchMedia('(pointer:fine)').matches) {
      const onOut = (e) => {
        if (!e.relatedTarget && e.clientY <= 0) {
          document.removeEventListener('mouseout', onOut);
          auto('exit');
        }
      };
      document.addEventListener('mouseout', onOut);
    }
  }
}
