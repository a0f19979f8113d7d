//! What the exports do, apart from the `#[wasm_bindgen]` glue in `mod.rs` (so the browser
//! tests in `src/tests.rs` can call it): configuring a widget from an element's attributes
//! or from `mount()`'s arguments.

use super::convert::get;
use super::fetch::LoadError;
use super::names::*;
use super::page;
use super::widget::{self, Options, Shared, Source};
use lead_qualifier_engine::flow::answer::parse_number;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

/// Once per page: the campaign of this page's URL is captured
/// for the session (a landing page without a widget still counts), and the outbox sends
/// what earlier pages left (whether or not this page has a widget).
pub fn start() {
    page::context();
    super::delivery::start();
}

/// A `<lead-qualifier>` connected: the widget already on it, or a new one from its
/// attributes: `playbook` (a URL) or an inline `<script type="application/json">` child;
/// `locale`, `min-fill-ms`, `data-no-redirect`. `early` is the loader's early read of the
/// `playbook` URL, started while the engine downloaded (anything else is ignored).
pub fn connect(el: &Element, early: &JsValue) -> Option<Shared> {
    if let Some(w) = widget::find(el) {
        return Some(w);
    }
    let attr = |name: &str| {
        super::render::attribute(el, name)
            .filter(|v| !lead_qualifier_engine::value::trim(v).is_empty())
    };
    let opts = Options {
        locale: attr(ATTR_LOCALE),
        min_fill_ms: attr(ATTR_MIN_FILL_MS)
            .and_then(|v| parse_number(&v))
            .filter(|n| *n >= 0.0)
            .unwrap_or(DEFAULT_MIN_FILL_MS),
        no_redirect: super::render::attribute(el, ATTR_NO_REDIRECT).is_some(),
        download: attr(ATTR_GATE_FILE),
    };
    let source = match attr(ATTR_PLAYBOOK) {
        Some(url) => match early.dyn_ref::<js_sys::Promise>() {
            Some(pending) => Source::Fetching(url, pending.clone()),
            None => Source::Url(url),
        },
        None => Source::Inline,
    };
    widget::mount(el, source, opts)
}

/// `mount(element, playbookObjectOrUrl, options)`; `None` (an inert handle) when
/// `element` is not an element.
pub fn mount(element: &JsValue, playbook: &JsValue, options: &JsValue) -> Option<Shared> {
    let Some(el) = element.dyn_ref::<Element>() else {
        page::console_error("lead-qualifier: mount() needs an element");
        return None;
    };
    let source = match playbook.as_string() {
        Some(url) => Source::Url(url),
        None => Source::Loaded(page::value_of(playbook).ok_or(LoadError::NotJson)),
    };
    let text = |key: &str| get(options, key).as_string();
    let opts = Options {
        locale: text(OPT_LOCALE),
        min_fill_ms: get(options, OPT_MIN_FILL_MS)
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .unwrap_or(DEFAULT_MIN_FILL_MS),
        no_redirect: get(options, OPT_NO_REDIRECT).as_bool().unwrap_or(false),
        download: text(OPT_DOWNLOAD),
    };
    widget::mount(el, source, opts)
}
