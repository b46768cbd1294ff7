//! Scripts run in the page. Lookups happen in JS (one round trip per poll) and follow how a
//! person or a screen reader names things: label text, aria-label, aria-labelledby.

/// Helpers shared by the lookup scripts; prepended to each of them.
const PRELUDE: &str = r#"
const norm = s => (s == null ? '' : String(s)).replace(/[\s\u00a0]+/g, ' ').trim();
// Required-field markers are decoration, not part of the name.
const unstar = s => norm(s).replace(/\s*\*$/, '');
// Text as a screen reader reads it: nested controls and aria-hidden decoration left out.
const ownText = el => {
  const c = el.cloneNode(true);
  c.querySelectorAll('input,select,textarea,[aria-hidden="true"],script,style').forEach(n => n.remove());
  return norm(c.textContent);
};
const byIds = ids => norm(ids).split(' ').filter(Boolean)
  .map(id => document.getElementById(id)).filter(Boolean).map(ownText).join(' ');
const visible = el => {
  if (!el || !el.isConnected) return false;
  if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
  return el.getClientRects().length > 0;
};
const names = el => {
  const out = [];
  if (el.hasAttribute('aria-labelledby')) out.push(byIds(el.getAttribute('aria-labelledby')));
  if (el.hasAttribute('aria-label')) out.push(norm(el.getAttribute('aria-label')));
  out.push(ownText(el), norm(el.innerText));
  if (el instanceof HTMLInputElement) out.push(norm(el.value));
  if (el.title) out.push(norm(el.title));
  return out.filter(Boolean).map(unstar);
};
const root = arguments[0] || document;
const want = arguments[1];
const pick = cands => {
  const seen = new Set();
  const uniq = cands.filter(c => c && !seen.has(c) && seen.add(c));
  return { el: uniq.find(visible) || null, hidden: uniq.find(c => !visible(c)) || null };
};
"#;

const FIELD: &str = r#"
const CONTROLS = 'input,select,textarea,[role=textbox],[role=combobox],[role=checkbox],[role=switch],[role=radio],[role=slider],[role=spinbutton],[contenteditable=""],[contenteditable=true]';
const cands = [];
const labels = Array.from(root.querySelectorAll('label'));
for (const l of labels) {
  if (unstar(ownText(l)) === want || unstar(l.innerText) === want) {
    cands.push(l.control || (l.htmlFor && document.getElementById(l.htmlFor)));
  }
}
const controls = Array.from(root.querySelectorAll(CONTROLS));
for (const c of controls) {
  const n = [];
  if (c.hasAttribute('aria-labelledby')) n.push(unstar(byIds(c.getAttribute('aria-labelledby'))));
  if (c.hasAttribute('aria-label')) n.push(unstar(c.getAttribute('aria-label')));
  if (n.includes(want)) cands.push(c);
}
const r = pick(cands);
r.present = labels.map(l => unstar(ownText(l)))
  .concat(controls.filter(c => c.hasAttribute('aria-label')).map(c => unstar(c.getAttribute('aria-label'))))
  .filter(Boolean);
return r;
"#;

const BUTTON: &str = r#"
const SEL = 'button,summary,[role=button],input[type=button],input[type=submit],input[type=reset]';
const all = Array.from(root.querySelectorAll(SEL));
const r = pick(all.filter(b => names(b).includes(want)));
// Only displayed buttons count: a person cannot press the hidden twin of a responsive layout.
r.hidden = null;
r.present = all.filter(visible).map(b => names(b)[0] || '(unnamed)');
return r;
"#;

const LINK: &str = r#"
const all = Array.from(root.querySelectorAll('a[href]'));
const r = pick(all.filter(a => names(a).includes(want)));
r.hidden = null;
r.present = all.filter(visible).map(a => names(a)[0] || '(unnamed)');
return r;
"#;

const REGION: &str = r#"
const SEL = 'section,aside,main,nav,header,footer,form,article,dialog,[role=region],[role=dialog],[role=alertdialog],[role=complementary],[role=main],[role=navigation],[role=form],[role=search],[role=group],[role=banner],[role=contentinfo]';
const all = Array.from(root.querySelectorAll(SEL));
const name = el => el.hasAttribute('aria-labelledby') ? unstar(byIds(el.getAttribute('aria-labelledby')))
  : el.hasAttribute('aria-label') ? unstar(el.getAttribute('aria-label')) : '';
const r = pick(all.filter(el => name(el) === want));
r.present = all.map(name).filter(Boolean);
return r;
"#;

pub(crate) enum Find {
    Field,
    Button,
    Link,
    Region,
}

impl Find {
    pub(crate) fn script(&self) -> String {
        let body = match self {
            Find::Field => FIELD,
            Find::Button => BUTTON,
            Find::Link => LINK,
            Find::Region => REGION,
        };
        format!("{PRELUDE}{body}")
    }

    pub(crate) fn what(&self) -> &'static str {
        match self {
            Find::Field => "form control labelled",
            Find::Button => "displayed button named",
            Find::Link => "displayed link named",
            Find::Region => "region named",
        }
    }

    pub(crate) fn present_noun(&self) -> &'static str {
        match self {
            Find::Field => "labels",
            Find::Button => "buttons",
            Find::Link => "links",
            Find::Region => "named regions",
        }
    }
}

/// Sets a value the way typing would end up: through the native setter (so frameworks that
/// track the value see the change), honouring maxlength, then `input` and `change` events.
pub(crate) const FILL: &str = r#"
const [el, text] = arguments;
el.scrollIntoView({ block: 'center', inline: 'nearest' });
el.focus();
let v = text;
if (el.maxLength > 0 && v.length > el.maxLength) v = v.slice(0, el.maxLength);
if (el.isContentEditable) {
  el.textContent = v;
} else {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
    : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v);
}
el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: v }));
el.dispatchEvent(new Event('change', { bubbles: true }));
return el.isContentEditable ? el.textContent : el.value;
"#;

/// Returns {ok} or {options} listing what could have been picked.
pub(crate) const SELECT: &str = r#"
const [el, want] = arguments;
const norm = s => (s == null ? '' : String(s)).replace(/[\s\u00a0]+/g, ' ').trim();
if (!(el instanceof HTMLSelectElement)) return { notSelect: el.tagName.toLowerCase() };
const opts = Array.from(el.options);
const o = opts.find(o => norm(o.text) === want) || opts.find(o => o.value === want);
if (!o) return { options: opts.map(o => norm(o.text) + ' (' + o.value + ')') };
if (o.disabled) return { disabledOption: true, options: [] };
el.scrollIntoView({ block: 'center', inline: 'nearest' });
el.focus();
el.value = o.value;
el.dispatchEvent(new Event('input', { bubbles: true }));
el.dispatchEvent(new Event('change', { bubbles: true }));
return { ok: el.value };
"#;

/// A control a person can type into or pick from right now.
pub(crate) const EDITABLE: &str = r#"
const el = arguments[0];
return !el.disabled && !el.readOnly && el.getAttribute('aria-disabled') !== 'true';
"#;

pub(crate) const ENABLED: &str = r#"
const el = arguments[0];
return !el.disabled && el.getAttribute('aria-disabled') !== 'true';
"#;

pub(crate) const CHECKED: &str = r#"
const el = arguments[0];
return (el instanceof HTMLInputElement) ? el.checked : el.getAttribute('aria-checked') === 'true';
"#;

/// The <label> that clicks through to `el`, for checkboxes styled as switches whose real input
/// is visually hidden.
pub(crate) const LABEL_OF: &str = r#"
const el = arguments[0];
return (el.labels && el.labels[0]) || null;
"#;

pub(crate) const SCROLL_INTO_VIEW: &str = r#"
arguments[0].scrollIntoView({ block: 'center', inline: 'center' });
"#;

/// Resolves once the page has rendered twice (or after 100 ms in a page
/// that does not render, such as a hidden tab).
pub(crate) const AFTER_RENDERING: &str = r#"
const done = arguments[arguments.length - 1];
let left = 2;
const timer = setTimeout(() => done(true), 100);
const frame = () => { if (--left === 0) { clearTimeout(timer); done(true); } else { requestAnimationFrame(frame); } };
requestAnimationFrame(frame);
"#;

/// Where an element is on the screen, and where the page is scrolled.
pub(crate) const WHERE: &str = r#"
const r = arguments[0].getBoundingClientRect();
return [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height), Math.round(scrollX), Math.round(scrollY)];
"#;

pub(crate) const APP_READY: &str = r#"
return document.readyState === 'complete' && !!document.querySelector('[data-app-ready]');
"#;

/// Installed before any page script (via DevTools), so boot-time failures are captured too:
/// a wasm panic reaches console.error, a blocked script only a securitypolicyviolation event.
pub(crate) const CONSOLE_CAPTURE: &str = r#"
(() => {
  if (window.__e2e) return;
  const log = [];
  Object.defineProperty(window, '__e2e', { value: { log }, enumerable: false });
  const show = a => {
    if (a instanceof Error) return a.stack || String(a);
    if (typeof a === 'object' && a !== null) { try { return JSON.stringify(a); } catch (e) { return String(a); } }
    return String(a);
  };
  const push = (kind, args) => {
    try { log.push(kind + ': ' + Array.from(args).map(show).join(' ')); } catch (e) { log.push(kind + ': ?'); }
    if (log.length > 500) log.shift();
  };
  for (const k of ['error', 'warn']) {
    const orig = console[k];
    console[k] = function (...a) { push(k, a); return orig.apply(this, a); };
  }
  addEventListener('error', e => {
    if (e.target && e.target !== window) push('load-failed', [e.target.src || e.target.href || e.target.tagName]);
    else push('uncaught', [e.message + ' at ' + e.filename + ':' + e.lineno]);
  }, true);
  addEventListener('unhandledrejection', e => push('unhandledrejection', [e.reason]));
  document.addEventListener('securitypolicyviolation',
    e => push('csp', [e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')]), true);
})();
"#;
