//! One mounted widget: the shadow root it draws in, the session it drives, the listeners
//! and timer it owns, and the effects it carries out.
//!
//! Ownership: a live widget is held by the `LIVE` registry (so a page that drops the handle
//! `mount()` returned does not lose the widget to the garbage collector) and by its
//! handles; its listeners and pending callbacks hold only `Weak` references. `destroy()` removes
//! it from the registry and drops every listener and the timer, which unregisters them.
//!
//! Re-entrancy: the page's code runs inside our calls (an `lq:*` listener, a focus
//! handler, a `click()`), and it may call `reset()` or `destroy()` from there. So the
//! `RefCell` is never borrowed while page code can run: effects are computed under a short
//! borrow, the borrow ends, then events are dispatched and focus moves. Every borrow is a
//! `try_borrow`, so even a mistake here skips an action instead of panicking (a panic
//! aborts the wasm instance and with it every widget on the page).

use super::convert::{set, set_text, to_js};
use super::delivery;
use super::dom::dom;
use super::events::{self, emit, Listener, Timeout};
use super::fetch::{self, LoadError};
use super::local::Local;
use super::names::*;
use super::page::{self, number_text};
use super::patterns::JsPatterns;
use super::render::{self, Texts};
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;
use js_sys::{Array, Object};
use lead_qualifier_engine::flow::{Effect, Event as Step, Session, Signal, Start, View};
use lead_qualifier_engine::playbook::{text, Kind, Playbook, Submit};
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::profile::{self, Profile, PROFILE_KEY};
use lead_qualifier_engine::value::Value;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    CssStyleSheet, Document, Element, Event, FocusOptions, HtmlElement, Node, ShadowRootInit,
    ShadowRootMode,
};

/// The widget's stylesheet (theming: `--lq-*` custom properties and `::part()`).
use lead_qualifier_engine::markup::CSS;

/// A widget shared between the registry, its handles and (weakly) its listeners.
pub type Shared = Rc<RefCell<Widget>>;

/// Every live widget. Cleared entry by entry by `destroy`.
static LIVE: Local<RefCell<Vec<Shared>>> = Local::new(RefCell::new(Vec::new()));
/// One constructed stylesheet shared by every shadow root (`None` until first use;
/// `Some(null)` where constructable stylesheets are unsupported).
static SHEET: Local<RefCell<Option<JsValue>>> = Local::new(RefCell::new(None));

/// How a widget is configured (element attributes or `mount()` options).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// the visitor's language; `None`: the page's, then the playbook's
    pub locale: Option<String>,
    /// a flow finished faster than this (from the first question shown) is not sent
    pub min_fill_ms: f64,
    /// show redirect outcomes without navigating
    pub no_redirect: bool,
    /// file to download after an outcome that collects the lead (gated links)
    pub download: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            locale: None,
            min_fill_ms: DEFAULT_MIN_FILL_MS,
            no_redirect: false,
            download: None,
        }
    }
}

/// Where the playbook comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// fetched from this URL
    Url(String),
    /// this URL, already being fetched and read (the loader's early read, `fetch::load_from`)
    Fetching(String, js_sys::Promise),
    /// already loaded (an object given to `mount()`, or a gate's prefetch)
    Loaded(Result<Value, LoadError>),
    /// the host's inline `<script type="application/json">` child
    Inline,
}

/// A loaded playbook and the visitor's pass through it.
struct Run {
    session: Session,
    /// the language texts are shown in
    locale: String,
    /// when the first question showed (the minimum fill time counts from here)
    shown_at: Option<f64>,
    /// the honeypot was filled at some step
    trapped: bool,
    /// what the visitor last submitted, by question id: shown again when the same step
    /// returns with an error, so a typo is corrected rather than retyped
    typed: Option<(String, Value)>,
    /// answers remembered from an earlier visit are in use ("Not you? Start over")
    remembered: bool,
}

/// What to do with a finished lead.
enum Send {
    /// deliver it
    Yes(Submit),
    /// keep it: looks like a bot (the reason goes to `lq:error`)
    Bot(&'static str),
    /// nothing to deliver
    Skip,
}

/// One mounted widget.
pub struct Widget {
    host: Element,
    doc: Document,
    root: Node,
    frame: Element,
    bar: HtmlElement,
    fill: HtmlElement,
    progress: Element,
    body: Element,
    opts: Options,
    /// where the playbook came from, for console messages
    origin: String,
    run: Option<Run>,
    /// `submit` and `click` on the frame (`listen`)
    listeners: [Option<Listener>; 2],
    /// the pending timer: a second look for an inline playbook, or a redirect outcome's
    timer: Option<Timeout>,
    /// the element the current step focuses (`refocus`)
    focus: Option<HtmlElement>,
    rendered: bool,
    ready: bool,
    dead: bool,
}

impl core::fmt::Debug for Widget {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Widget(")?;
        f.write_str(&self.origin)?;
        f.write_str(")")
    }
}

/// Runs `f` on the widget unless it is destroyed or (impossible by design) busy.
fn with<R>(s: &Shared, f: impl FnOnce(&mut Widget) -> R) -> Option<R> {
    let mut w = s.try_borrow_mut().ok()?;
    if w.dead {
        return None;
    }
    Some(f(&mut w))
}

/// The live widget mounted on `host`, if any.
pub fn find(host: &Element) -> Option<Shared> {
    LIVE.with(|l| {
        l.try_borrow().ok().and_then(|l| {
            l.iter()
                .find(|s| {
                    s.try_borrow()
                        .is_ok_and(|w| JsValue::eq(&w.host, AsRef::<JsValue>::as_ref(host)))
                })
                .cloned()
        })
    })
}

/// Mounts a widget on `host`, replacing one already there. `None` when the element
/// cannot show one (no document).
pub fn mount(host: &Element, source: Source, opts: Options) -> Option<Shared> {
    if let Some(old) = find(host) {
        destroy(&old);
    }
    let doc = host.owner_document()?;
    let root = shadow(&doc, host)?;
    render::content_into(&root, "");
    style(&doc, &root);
    let frame = render::make(
        &doc,
        "div",
        &[(A_CLASS, CLASS_FRAME), (A_PART, PART_CONTAINER)],
    );
    let bar = render::child(
        &doc,
        &frame,
        "div",
        &[
            (A_CLASS, CLASS_BAR),
            (A_ARIA_HIDDEN, "true"),
            ("hidden", ""),
        ],
    );
    let fill = render::child(&doc, &bar, "span", &[]);
    let progress = render::child(
        &doc,
        &frame,
        "p",
        &[
            (A_CLASS, CLASS_PROGRESS),
            (A_PART, PART_PROGRESS),
            (A_ARIA_LIVE, "polite"),
        ],
    );
    let body = render::child(&doc, &frame, "div", &[(A_CLASS, CLASS_BODY)]);
    render::add(&root, &frame);
    let origin = match &source {
        Source::Url(u) | Source::Fetching(u, _) => u.clone(),
        Source::Loaded(_) => String::from("(playbook object)"),
        Source::Inline => String::from("(inline playbook)"),
    };
    let shared: Shared = Rc::new(RefCell::new(Widget {
        host: host.clone(),
        doc: doc.clone(),
        root,
        frame: frame.clone(),
        bar: bar.unchecked_into(),
        fill: fill.unchecked_into(),
        progress,
        body,
        opts,
        origin,
        run: None,
        listeners: [None, None],
        timer: None,
        focus: None,
        rendered: false,
        ready: false,
        dead: false,
    }));
    let listeners = listen(&shared, &frame);
    if let Ok(mut w) = shared.try_borrow_mut() {
        w.listeners = listeners;
    }
    LIVE.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            l.push(shared.clone());
        }
    });
    load(&shared, source);
    Some(shared)
}

/// The open shadow root of `host`: the one an earlier widget left there, or a new one. A
/// `div` inside `host` gets it instead when `host` cannot have one (an `<input>`, a
/// custom element with a shadow root of its own, which is never touched).
fn shadow(doc: &Document, host: &Element) -> Option<Node> {
    // `attachShadow({mode: "open"})`: a shadow root, or `None` when the element refuses one.
    let attach = |e: &Element| {
        e.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .ok()
            .map(Node::from)
    };
    match host.shadow_root() {
        Some(r) => {
            let r = Node::from(r);
            let ours = r.first_child().is_none() || render::find(&r, SEL_FRAME).is_some();
            if ours {
                return Some(r);
            }
        }
        None => {
            if let Some(r) = attach(host) {
                return Some(r);
            }
        }
    }
    // The inner host of an earlier widget, else a new one.
    if let Some(inner) = render::find(host, SEL_INNER_HOST) {
        return inner.shadow_root().map(Node::from);
    }
    attach(&render::child(doc, host, "div", &[(ATTR_INNER_HOST, "")]))
}

/// Styles a shadow root: the shared constructed stylesheet where the browser has them
/// (parsed once for every widget on the page, and outside CSP's inline-style rules),
/// else a `<style>` element.
fn style(doc: &Document, root: &Node) {
    if let Some(sheet) = shared_sheet() {
        // `root` is the shadow root `shadow` gave.
        dom(root).set_adopted_style_sheets(&Array::of1(&sheet));
        return;
    }
    render::text_child(doc, root, "style", &[], CSS);
}

fn shared_sheet() -> Option<JsValue> {
    SHEET.with(|cell| {
        let mut cell = cell.try_borrow_mut().ok()?;
        if cell.is_none() {
            *cell = Some(construct_sheet(CSS).unwrap_or(JsValue::NULL));
        }
        cell.clone().filter(|s| !s.is_null())
    })
}

/// A constructed stylesheet holding `css`, where the browser has them.
#[inline(never)]
pub fn construct_sheet(css: &str) -> Option<JsValue> {
    let sheet = CssStyleSheet::new().ok()?;
    super::dom::dom(&sheet).replace_sync(css);
    Some(sheet.into())
}

/// The frame's listeners: `submit` of a step's form (Next, Enter) and clicks on Back and
/// "start over" (delegated, so re-rendering a step needs no new listeners).
fn listen(s: &Shared, frame: &Element) -> [Option<Listener>; 2] {
    let weak = Rc::downgrade(s);
    let on_submit = Listener::new(frame, "submit", move |e: Event| {
        e.prevent_default();
        if let Some(s) = weak.upgrade() {
            if let Some(raw) = with(&s, |w| w.collect()).flatten() {
                apply(&s, Step::Answer(raw));
            }
        }
    });
    let weak: Weak<RefCell<Widget>> = Rc::downgrade(s);
    let on_click = Listener::new(frame, "click", move |e: Event| {
        let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        let Some(s) = weak.upgrade() else { return };
        if render::closest(&target, SEL_BACK).is_some() {
            apply(&s, Step::Back);
        } else if render::closest(&target, SEL_RESTART).is_some() {
            forget(&s);
        }
    });
    [on_submit, on_click]
}

/// Starts loading the playbook.
fn load(s: &Shared, source: Source) {
    match source {
        Source::Loaded(v) => start(s, v),
        Source::Url(_) | Source::Fetching(..) => {
            status(s, false);
            let weak = Rc::downgrade(s);
            let done: fetch::Loaded = Box::new(move |loaded| {
                if let Some(s) = weak.upgrade() {
                    start(&s, loaded);
                }
            });
            match source {
                Source::Fetching(_, pending) => fetch::load_from(pending, done),
                Source::Url(url) => fetch::load(&url, done),
                _ => {}
            }
        }
        Source::Inline => {
            if let Some(v) = with(s, |w| inline(&w.host)).flatten() {
                return start(s, v);
            }
            // An element created by script may get its JSON child after it connects:
            // look again once the current task is over (a `setTimeout(0)`).
            status(s, false);
            let weak = Rc::downgrade(s);
            let again = Timeout::new(
                0.0,
                Box::new(move || {
                    let Some(s) = weak.upgrade() else { return };
                    match with(&s, |w| inline(&w.host)).flatten() {
                        Some(v) => start(&s, v),
                        None => fail(
                            &s,
                            ERR_PLAYBOOK_MISSING,
                            "no playbook attribute and no inline JSON",
                            &[],
                        ),
                    }
                }),
            );
            with(s, |w| w.timer = Some(again));
        }
    }
}

/// The host's inline playbook, if it has one.
fn inline(host: &Element) -> Option<Result<Value, LoadError>> {
    let script = render::find(host, SEL_INLINE)?;
    let text = dom(&script).text_content().as_string().unwrap_or_default();
    Some(page::parse_json(&text).ok_or(LoadError::NotJson))
}

/// Shows "Loading…" (or the load error) in place of the form.
fn status(s: &Shared, failed: bool) {
    with(s, |w| {
        let locale = w.requested_locale();
        let message = text::builtin(if failed { "load_error" } else { "loading" }, &locale);
        w.body
            .replace_children_with_node_1(&render::status(&w.doc, message, failed));
        if !locale.is_empty() {
            render::attr(&w.frame, A_LANG, &locale);
        }
    });
}

/// Fails visibly: the short message in place of the widget, every line in the console,
/// `lq:error` on the element.
fn fail(s: &Shared, code: &str, reason: &str, lines: &[String]) {
    status(s, true);
    let Some((host, origin)) = with(s, |w| (w.host.clone(), w.origin.clone())) else {
        return;
    };
    let mut message = origin.clone();
    message.push_str(": ");
    message.push_str(reason);
    page::console_error(&join(&["lead-qualifier: ", &message]));
    for line in lines {
        page::console_error(&join(&["lead-qualifier: ", &origin, ": ", line]));
    }
    let mut detail = message;
    for line in lines {
        detail.push('\n');
        detail.push_str(line);
    }
    events::error(&host, code, &detail, None, None);
}

fn join(parts: &[&str]) -> String {
    parts.concat()
}

/// A loaded playbook value: check it, start a session, show the first step.
fn start(s: &Shared, loaded: Result<Value, LoadError>) {
    let value = match loaded {
        Ok(v) => v,
        Err(e) => {
            let (code, reason) = match e {
                LoadError::Network => (ERR_PLAYBOOK_FETCH, String::from("network error")),
                LoadError::Status(n) => (
                    ERR_PLAYBOOK_FETCH,
                    join(&["HTTP ", &number_text(f64::from(n))]),
                ),
                LoadError::NotJson => (ERR_PLAYBOOK_INVALID, String::from("not valid JSON")),
                LoadError::TooDeep => (
                    ERR_PLAYBOOK_INVALID,
                    String::from(lead_qualifier_engine::value::TOO_DEEP),
                ),
            };
            return fail(s, code, &reason, &[]);
        }
    };
    match Playbook::from_value(&value) {
        Ok(pb) => {
            let Some(effects) = with(s, |w| w.begin(pb)) else {
                return;
            };
            perform(s, effects);
            ready(s);
        }
        Err(problems) => {
            let lines: Vec<String> = problems.errors().map(|p| p.to_string()).collect();
            fail(
                s,
                ERR_PLAYBOOK_INVALID,
                "the playbook breaks the contract (`lead-qualifier check` says why)",
                &lines,
            );
        }
    }
}

/// `lq:ready`, once per mount, after the first step shows.
fn ready(s: &Shared) {
    let host = with(s, |w| {
        if w.ready || !w.rendered {
            return None;
        }
        w.ready = true;
        Some((w.host.clone(), w.playbook_detail()))
    })
    .flatten();
    if let Some((host, detail)) = host {
        emit(&host, EV_READY, &detail);
    }
}

/// Feeds an event to the session and carries out what it says.
pub fn apply(s: &Shared, event: Step) {
    let effects = with(s, |w| {
        let run = w.run.as_mut()?;
        Some(run.session.apply(event, page::now_ms()))
    })
    .flatten();
    if let Some(effects) = effects {
        perform(s, effects);
    }
}

/// Carries out effects in order; page code runs only between borrows.
fn perform(s: &Shared, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Render(view) => {
                if let Some(Some((el, first, host))) = with(s, |w| w.render(&view)) {
                    focus(&el, first, &host);
                }
            }
            Effect::Emit(signal) => {
                let Some((host, name, detail, download)) = with(s, |w| w.signal(&signal)) else {
                    continue;
                };
                emit(&host, name, &detail);
                if let (Some(file), Some(doc)) = (download, host.owner_document()) {
                    save_file(&doc, &file);
                }
            }
            Effect::Submit(lead) => {
                let Some((host, plan)) = with(s, |w| (w.host.clone(), w.may_send())) else {
                    continue;
                };
                match plan {
                    Send::Skip => {}
                    Send::Bot(reason) => events::error(&host, ERR_BOT, reason, None, None),
                    Send::Yes(submit) => send(host, submit, lead),
                }
            }
        }
    }
}

/// Delivers a lead; `lq:submitted` or `lq:error` on `host` when it is done.
pub fn send(host: Element, submit: Submit, lead: lead_qualifier_engine::lead::Lead) {
    delivery::enqueue(&submit, &lead, &host);
}

/// Moves focus to a new step, which the visitor's own Next, Back or Start over brought.
/// *Decision*: the first step of a mount takes focus only inside a dialog the visitor just
/// opened (a gated link), and without scrolling. On a page, focus stays where it is: a
/// screen reader keeps reading the page from its top instead of being moved into a form
/// half-way down (WCAG 3.2.1: nothing moves on its own), a keyboard user reaches the
/// question with Tab, and the first frame needs no forced style and layout pass (the
/// `focus()` call was the largest single cost between the playbook's arrival and the first
/// question, about 14 ms here).
fn focus(el: &HtmlElement, first: bool, host: &Element) {
    let options = FocusOptions::new();
    if first {
        if render::closest(host, "dialog").is_none() {
            return;
        }
        options.set_prevent_scroll(true);
    }
    super::dom::dom(el).focus(&options);
}

/// Downloads `file` (a gated link's target) with a detached `<a download>`: clicked in
/// the visitor's own click or keypress, so the browser lets it through.
pub fn save_file(doc: &Document, file: &str) {
    let a = render::make(doc, "a", &[(A_DOWNLOAD, "")]);
    render::attr(&a, A_HREF, file);
    a.unchecked_ref::<HtmlElement>().click();
}

/// "Not you? Start over": forget what the site remembers and ask again.
fn forget(s: &Shared) {
    with(s, |w| {
        let mut p = Profile::from_value(&page::load(true, PROFILE_KEY), page::now_ms());
        p.forget();
        page::save(true, PROFILE_KEY, &p.to_value());
        if let Some(run) = w.run.as_mut() {
            run.remembered = false;
            run.typed = None;
        }
    });
    apply(s, Step::Restart { forget: true });
}

/// Starts over with a fresh session (a new lead id: a lead already sent under the old
/// one must not be replaced by a second visit).
pub fn reset(s: &Shared) {
    let effects = with(s, |w| {
        w.timer = None;
        let pb = w.run.take()?.session.into_playbook();
        Some(w.begin(pb))
    })
    .flatten();
    if let Some(effects) = effects {
        perform(s, effects);
    }
}

/// Unmounts: listeners and timer dropped (unregistered), the shadow root emptied, the
/// widget out of the registry. Idempotent.
pub fn destroy(s: &Shared) {
    LIVE.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            l.retain(|x| !Rc::ptr_eq(x, s));
        }
    });
    if let Ok(mut w) = s.try_borrow_mut() {
        if w.dead {
            return;
        }
        w.dead = true;
        w.listeners = [None, None];
        w.timer = None;
        w.run = None;
        w.focus = None;
        render::content_into(&w.root, "");
    }
}

/// The playground's view of the session: scores, reasons, the outcome that would win
/// now, the outcome already certain, and the answers.
#[cfg(feature = "devtools")]
pub fn trace(s: &Shared) -> JsValue {
    with(s, |w| w.trace()).flatten().unwrap_or(JsValue::NULL)
}

impl Widget {
    /// The language asked for: the element's or option's, else the page's (may be empty).
    fn requested_locale(&self) -> String {
        match &self.opts.locale {
            Some(l) if !lead_qualifier_engine::value::trim(l).is_empty() => {
                lead_qualifier_engine::value::trim(l).to_owned()
            }
            _ => page::page_locale(),
        }
    }

    /// A new session on `pb`; returns the effects of its start.
    fn begin(&mut self, pb: Playbook) -> Vec<lead_qualifier_engine::flow::Effect> {
        let mut locale = self.requested_locale();
        if locale.is_empty() {
            locale = pb.locale.clone();
        }
        render::attr(&self.frame, A_LANG, &locale);
        render::attr(
            &self.frame,
            A_DIR,
            if text::is_rtl(&locale) {
                DIR_RTL
            } else {
                DIR_LTR
            },
        );
        let now = page::now_ms();
        // Remembered answers first, so a value in this page's URL (prefill) wins.
        let mut known = if pb.remember_days.is_some() {
            Profile::from_value(&page::load(true, PROFILE_KEY), now).known_for(&pb)
        } else {
            Vec::new()
        };
        let remembered = !known.is_empty();
        known.extend(profile::prefill(&pb, &page::query()));
        let context = page::context();
        let mut session = Session::new(
            pb,
            Start {
                lead_id: page::uuid(),
                locale: locale.clone(),
                context,
                known,
            },
            Rc::new(JsPatterns),
        );
        let effects = session.apply(Step::Start, now);
        self.run = Some(Run {
            session,
            locale,
            shown_at: None,
            trapped: false,
            typed: None,
            remembered,
        });
        effects
    }

    /// Draws a view; returns what to focus, whether this is the mount's first step, and
    /// the host.
    fn render(&mut self, view: &View) -> Option<(HtmlElement, bool, Element)> {
        let run = self.run.as_mut()?;
        let t = Texts {
            pb: run.session.playbook(),
            locale: &run.locale,
        };
        let shown = match view {
            View::Question(q) => {
                let keep = run
                    .typed
                    .as_ref()
                    .filter(|(id, _)| q.error.is_some() && *id == q.id)
                    .map(|(_, v)| v);
                let shown = render::question(&self.doc, q, keep, run.remembered, &t);
                self.bar.set_hidden(false);
                let done = (q.step.saturating_sub(1) * 100) / q.total.max(1);
                let mut width = number_text(done as f64);
                width.push('%');
                super::dom::dom(&self.fill.style()).set_property("width", &width);
                let line = t.progress(q.step, q.total);
                if dom(&self.progress).text_content().as_string().as_deref() != Some(&line) {
                    render::content_into(&self.progress, &line);
                }
                if run.shown_at.is_none() {
                    run.shown_at = Some(page::now_ms());
                }
                shown
            }
            View::Outcome(o) => {
                let shown = render::outcome(&self.doc, o, run.remembered, &t);
                render::attr(&self.bar, "hidden", "");
                render::content_into(&self.progress, "");
                if let Some(lead_qualifier_engine::playbook::Then::Redirect(url)) = &o.then {
                    if !self.opts.no_redirect {
                        self.timer = redirect_later(url);
                    }
                }
                shown
            }
            View::Idle => {
                render::content_into(&self.body, "");
                return None;
            }
        };
        self.body.replace_children_with_node_1(&shown.node);
        let first = !self.rendered;
        self.rendered = true;
        let focus = if first { shown.heading } else { shown.focus };
        self.focus = Some(focus.clone());
        Some((focus, first, self.host.clone()))
    }

    /// Reads the current step's answer from the form (and notes a filled honeypot).
    fn collect(&mut self) -> Option<Value> {
        let run = self.run.as_mut()?;
        let i = run.session.current_question()?;
        let q = run.session.playbook().questions.get(i)?;
        if render::find(&self.body, SEL_TRAP).is_some_and(|t| !render::value(&t).is_empty()) {
            run.trapped = true;
        }
        let first = |sel: &str| render::find(&self.body, sel);
        let raw = match q.kind {
            Kind::Choice => {
                first(SEL_CHECKED).map_or(Value::Null, |i| Value::String(render::value(&i)))
            }
            Kind::Multi => {
                let list = render::find_all(&self.body, SEL_CHECKED);
                Value::Array(
                    (0..list.length())
                        .map(|i| Value::String(render::value(list.get(i).unchecked_ref())))
                        .collect(),
                )
            }
            Kind::Consent => Value::Bool(first(SEL_CHECKED).is_some()),
            _ => match first(SEL_ANSWER).map(|i| render::value(&i)) {
                Some(v) if !lead_qualifier_engine::value::trim(&v).is_empty() => Value::String(v),
                _ => Value::Null,
            },
        };
        run.typed = Some((q.id.clone(), raw.clone()));
        Some(raw)
    }

    /// `{playbook_id}`: the start of every event detail.
    fn playbook_detail(&self) -> Object {
        let id = self
            .run
            .as_ref()
            .map(|r| r.session.playbook().id.as_str())
            .unwrap_or("");
        let detail = Object::new();
        set_text(&detail, KEY_PLAYBOOK_ID, id);
        detail
    }

    /// An event for the page, and for an outcome: the profile kept and the gated file to
    /// download.
    fn signal(&mut self, signal: &Signal) -> (Element, &'static str, Object, Option<String>) {
        let detail = self.playbook_detail();
        let text = |k: &str, v: &str| set_text(&detail, k, v);
        let mut download = None;
        let name = match signal {
            Signal::Step { question_id, index } => {
                text(KEY_QUESTION_ID, question_id);
                set(&detail, KEY_INDEX, &JsValue::from_f64(*index as f64));
                EV_STEP
            }
            Signal::Answer { question_id } => {
                text(KEY_QUESTION_ID, question_id);
                EV_ANSWER
            }
            Signal::Outcome {
                outcome_id,
                class,
                score,
            } => {
                text(KEY_OUTCOME_ID, outcome_id);
                text(KEY_CLASS, class.name());
                set(&detail, KEY_SCORE, &to_js(score));
                download = self.after_outcome();
                EV_OUTCOME
            }
        };
        (self.host.clone(), name, detail, download)
    }

    /// Keeps the profile (playbooks with `remember`) and says which gated file to
    /// download: one whose outcome collects the lead.
    fn after_outcome(&mut self) -> Option<String> {
        let run = self.run.as_ref()?;
        let o = run.session.outcome()?;
        let pb = run.session.playbook();
        if pb.remember_days.is_some() {
            let now = page::now_ms();
            let mut p = Profile::from_value(&page::load(true, PROFILE_KEY), now);
            p.remember(pb, run.session.answers(), Some(o), now);
            page::save(true, PROFILE_KEY, &p.to_value());
        }
        let collects = pb.outcomes.get(o).is_some_and(|x| x.submit);
        self.opts.download.clone().filter(|_| collects)
    }

    /// Whether the finished lead goes out. Not when the honeypot was filled or the flow
    /// was faster than a person (SPEC "Safety"): the outcome shows, `lq:error` says why.
    /// Not, silently, when this visit asked nothing: every answer was remembered, the
    /// lead was sent on the visit that gave them, and a reload must not send it again;
    /// unless the visitor asked for a gated file, which always reports a lead.
    fn may_send(&self) -> Send {
        let Some(run) = self.run.as_ref() else {
            return Send::Skip;
        };
        if run.session.asked().is_empty() && self.opts.download.is_none() {
            return Send::Skip;
        }
        if run.trapped {
            return Send::Bot("the hidden field was filled");
        }
        if let Some(t) = run.shown_at {
            if page::now_ms() - t < self.opts.min_fill_ms {
                return Send::Bot("the form was completed faster than a person can");
            }
        }
        match &run.session.playbook().submit {
            Some(s) => Send::Yes(s.clone()),
            None => Send::Skip,
        }
    }

    #[cfg(feature = "devtools")]
    fn trace(&self) -> Option<JsValue> {
        use super::convert::object;
        use lead_qualifier_engine::{outcome, score};
        let run = self.run.as_ref()?;
        let pb = run.session.playbook();
        let answers = run.session.answers();
        let context = run.session.context();
        let scored = score::score(pb, answers, context);
        let winning = outcome::pick(pb, answers, &scored, context);
        let id = |o: Option<usize>| {
            o.and_then(|o| pb.outcomes.get(o))
                .map_or(JsValue::NULL, |o| JsValue::from_str(&o.id))
        };
        // Built as JS values directly (no owned keys on the way).
        let given = Object::new();
        for (q, a) in pb.questions.iter().zip(answers) {
            if !a.is_null() {
                super::convert::set(&given, &q.id, &to_js(a));
            }
        }
        let rules = Array::new();
        for &i in &scored.fired {
            rules.push(&JsValue::from_f64(i as f64));
        }
        let asked = run
            .session
            .asked()
            .iter()
            .filter_map(|&i| pb.questions.get(i))
            .map(|q| q.id.as_str());
        Some(
            object(&[
                (KEY_PLAYBOOK_ID, JsValue::from_str(&pb.id)),
                (KEY_SCORE, to_js(&scored.scores.to_value(pb))),
                (
                    "reasons",
                    events::strings(scored.reasons.iter().map(String::as_str)).into(),
                ),
                ("rules", rules.into()),
                ("winning", id(Some(winning))),
                ("decided", id(run.session.decided())),
                ("outcome", id(run.session.outcome())),
                ("answers", given.into()),
                ("asked", events::strings(asked).into()),
            ])
            .into(),
        )
    }
}

/// Navigates to `url` after `REDIRECT_DELAY_MS`, so the outcome can be read first.
fn redirect_later(url: &str) -> Option<Timeout> {
    let url = url.to_owned();
    Some(Timeout::new(
        f64::from(REDIRECT_DELAY_MS),
        Box::new(move || {
            // `location.href = url`: what `location.assign(url)` does.
            if let Some(w) = page::window() {
                let _ = w.location().set_href(&url);
            }
        }),
    ))
}
