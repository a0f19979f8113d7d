// The benchmark's stand-in for the widget (tests/e2e/bench-widget.mjs): the least a
// widget of this shape can cost on a given machine. Like dist/lead-qualifier.js it is
// one module script that downloads the engine's wasm (and compiles it, streaming) and
// the element's playbook, side by side; then, with no engine at all, it draws the first
// question's radios in a shadow root and raises `lq:step`. The widget's time minus this
// one is the widget's share on top of what any widget of this shape costs.
const el = document.querySelector('lead-qualifier');
const playbook = fetch(el.getAttribute('playbook')).then((r) => r.json());
const engine = WebAssembly.compileStreaming(fetch('/dist/lead_qualifier_bg.wasm'));
const [p] = await Promise.all([playbook, engine]);
const q = p.questions[0];
const text = (t) => (typeof t === 'string' ? t : t.en);
const fieldset = document.createElement('fieldset');
const legend = document.createElement('legend');
legend.textContent = text(q.label);
fieldset.append(legend);
for (const o of q.options) {
  const label = document.createElement('label');
  const input = document.createElement('input');
  input.type = 'radio';
  input.name = q.id;
  label.append(input, text(o.label));
  fieldset.append(label);
}
el.attachShadow({ mode: 'open' }).append(fieldset);
document.dispatchEvent(new CustomEvent('lq:step'));
