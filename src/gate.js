// lead-qualifier's gated downloads: loaded by the page's script on the first click on a
// link like <a href="/files/guide.pdf" data-lead-gate="/playbooks/guide.json"> (or
// href="/qualify/guide?download=/files/guide.pdf", which gates without script too), so
// that no page downloads this before a visitor asks for a gated file.
//
// The click fetches the playbook. A visitor the engine remembers as having completed it
// gets the file at once (the engine reports the repeat lead on the link); anyone else gets
// a modal <dialog> (named after the link, a Close button, Escape closes) holding a
// <lead-qualifier> for the playbook, which downloads the file after an outcome that
// collects the lead. The playbook fetched here is handed to that widget, not fetched twice.

// Zero specificity (`:where`), so any rule of the page wins; themed by the widget's own
// `--lq-bg`, `--lq-fg`, `--lq-border`, `--lq-radius`, `--lq-accent` (set on `:root` or
// `body` for the dialog, which is not inside the element).
const CSS = `:where(dialog.lq-gate){width:min(560px,calc(100vw - 24px));max-width:none;max-height:calc(100vh - 24px);padding:0;border:0;border-radius:14px;background:var(--lq-bg,#fff);color:var(--lq-fg,#111);box-shadow:0 24px 64px rgba(0,0,0,.35);overflow:auto}
:where(dialog.lq-gate)::backdrop{background:rgba(17,24,39,.55)}
:where(.lq-gate-bar){display:flex;justify-content:flex-end;margin:0;padding:8px 8px 0}
:where(.lq-gate-close){min-height:40px;padding:6px 14px;font:inherit;font-size:.9375rem;color:inherit;background:inherit;border:1px solid var(--lq-border,#858b94);border-radius:var(--lq-radius,8px);cursor:pointer}
:where(.lq-gate-close):focus-visible{outline:3px solid var(--lq-accent,#1a56db);outline-offset:2px}
:where(dialog.lq-gate) lead-qualifier{max-width:none}
:where(dialog.lq-gate) lead-qualifier::part(container){border:0}`;

let styled = false;

/** Opens `link`'s gate. `check(playbook, link)` is the engine's (`true`: completed before,
 * download now; else the dialog's `[close, download]` texts); `read(url)` is the loader's
 * playbook read (`[status, json]` or `[status]`), and `hand(url, got)` gives the widget
 * what it read here. */
export async function open(link, check, read, hand) {
  if (document.querySelector('dialog.lq-gate[open]')) return;
  const url = link.getAttribute('data-lead-gate');
  // A link that also gates without script points at the collector's own flow,
  // `…/qualify/PLAYBOOK?download=FILE`: here the file is its `download`, resolved as the
  // collector resolves it (against the link, which may be on the collector's origin).
  const to = new URL(link.getAttribute('href') || '', location.href);
  const named = /\/qualify\/[^/]+$/.test(to.pathname) && to.searchParams.get('download');
  const file = named ? new URL(named, to).href : link.getAttribute('href');
  const got = await read(url).catch(() => [0]);
  const texts = check(got[1] ?? null, link);
  if (texts === true) {
    const a = document.createElement('a');
    a.href = file;
    a.download = '';
    a.click();
    return;
  }
  if (!styled) {
    styled = true;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const dialog = document.createElement('dialog');
  dialog.className = 'lq-gate';
  dialog.setAttribute('aria-label', link.textContent.trim() || texts[1]);
  // `method="dialog"`: the button closes the dialog without script.
  const bar = document.createElement('form');
  bar.method = 'dialog';
  bar.className = 'lq-gate-bar';
  const close = document.createElement('button');
  close.className = 'lq-gate-close';
  close.textContent = texts[0];
  bar.append(close);
  dialog.append(bar);
  // Closing (button, Escape) removes the dialog; the widget inside is destroyed when its
  // element disconnects.
  dialog.onclose = () => dialog.remove();
  document.body.append(dialog);
  dialog.showModal();
  const host = document.createElement('lead-qualifier');
  host.setAttribute('playbook', url);
  host.setAttribute('data-gate-file', file);
  hand(url, got);
  dialog.append(host);
}
