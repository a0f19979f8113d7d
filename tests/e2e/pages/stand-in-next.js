// The benchmark's stand-in for the widget's Next (tests/e2e/bench-prerender.mjs): the least
// a widget of this shape can cost for one step on a given machine. On a page with the
// pre-rendered first step (`lead-qualifier embed`, without the widget's script), a submit
// draws the second question with no engine at all: a copy of the step's form with the
// second question's words and options, in the first one's place, focus on its legend,
// then `lq:step`. The widget's time minus this one is the engine's share.
const el = document.querySelector('lead-qualifier');
const root = el.shadowRoot;
const playbook = JSON.parse(el.querySelector('script[type="application/json"]').textContent);
const q = playbook.questions[1];
const text = (t) => (typeof t === 'string' ? t : t.en);
root.addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  const next = form.cloneNode(true);
  next.querySelector('legend').textContent = text(q.label);
  const list = next.querySelector('.os');
  const model = list.firstElementChild;
  list.replaceChildren(...q.options.map((o) => {
    const row = model.cloneNode(true);
    row.querySelector('input').value = o.value;
    row.querySelector('span').textContent = text(o.label);
    return row;
  }));
  form.replaceWith(next);
  next.querySelector('legend').focus();
  document.dispatchEvent(new CustomEvent('lq:step', { bubbles: true }));
});
document.dispatchEvent(new CustomEvent('lq:ready'));
