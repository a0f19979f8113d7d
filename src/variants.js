// lead-qualifier's A/B variants: loaded by the page's script only for a playbook that lists
// `variants` (other playbook files, each with a `weight`, default 1). The visitor is drawn
// once among the playbook and its variants and kept there: localStorage["lq:variant"],
// `{<playbook URL>: <chosen URL>}`, nothing about the visitor; where storage is blocked the
// draw lasts one page. A chosen URL no longer listed is drawn again. Listing the
// playbook's own URL gives it a weight other than 1.

/** The `[status, json]` read of the playbook to show instead of `got` (the read of `url`),
 * `read(url)` fetching another. */
export function draw(url, got, read) {
  // (the page's engine does not check `variants`: anything but a list is no draw)
  if (!Array.isArray(got[1].variants)) return got;
  const arms = [{ url, weight: 1 }, ...got[1].variants].filter(
    (v, i, all) => v && typeof v.url == 'string' && all.findLastIndex((w) => w?.url == v.url) == i,
  );
  const weight = (v) => (Number(v.weight ?? 1) > 0 ? Number(v.weight ?? 1) : 0);
  let kept = {};
  try {
    const stored = JSON.parse(localStorage.getItem('lq:variant'));
    if (stored && typeof stored == 'object') kept = stored;
  } catch {
    // blocked or unreadable: a fresh draw
  }
  let pick = arms.find((v) => v.url == kept[url]);
  if (!pick) {
    let r = Math.random() * arms.reduce((n, v) => n + weight(v), 0);
    pick = arms.find((v) => (r -= weight(v)) < 0) || arms[0];
    kept[url] = pick.url;
    try {
      localStorage.setItem('lq:variant', JSON.stringify(kept));
    } catch {
      // the draw lasts this page
    }
  }
  return pick.url == url ? got : read(pick.url);
}
