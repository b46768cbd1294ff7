//! Small pieces shared by several views.

use leptos::prelude::*;

use super::words::Describe;
use crate::api::ApiError;
use crate::i18n::{use_lang, T};

/// An error as a sentence, announced to screen readers, with an optional
/// action (retry) beside it. Server text is rendered as text, never HTML.
#[component]
pub fn ErrorNotice(
    #[prop(into)] error: Signal<Option<ApiError>>,
    #[prop(optional, into)] retry: Option<Callback<()>>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        error.get().map(|e| {
            view! {
                <div class="notice error" role="alert">
                    <p>{e.describe(lang.get())}</p>
                    {retry.map(|r| view! {
                        <button type="button" class="secondary" on:click=move |_| r.run(())>
                            {T::Retry.tr()}
                        </button>
                    })}
                </div>
            }
        })
    }
}

/// A performance mark once the views before it are on screen (for the
/// benchmark's figures).
#[component]
pub fn PerfMark(name: &'static str) -> impl IntoView {
    Effect::new(move |_| {
        if let Some(p) = window().performance() {
            let _ = p.mark(name);
        }
    });
}

/// Brings the create form into view (after an action filled it).
pub fn scroll_to_form() {
    if let Some(el) = document().get_element_by_id("create-title") {
        el.scroll_into_view();
    }
}

/// Formats a credit balance for the language.
pub fn format_credit(credit: f64) -> String {
    let s = crate::domain::decimal::fixed(credit, 2);
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{frac}")
}

/// A moment (ms since the epoch) as the language writes it, in the
/// browser's time zone: the time alone when it is today, else with the date
/// (`14:03` / `2:03 PM`; `11月23日 14:03` / `Nov 23, 2:03 PM`).
pub fn format_moment(ms: f64, lang: crate::i18n::Lang) -> String {
    use wasm_bindgen::JsValue;
    let at = js_sys::Date::new(&JsValue::from_f64(ms));
    let today = js_sys::Date::new_0().to_date_string() == at.to_date_string();
    let opts = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v.into());
    };
    set("hour", "numeric");
    set("minute", "2-digit");
    if !today {
        set("month", "short");
        set("day", "numeric");
    }
    at.to_locale_string(lang.code(), &opts).into()
}

/// When a job was made: in the language's own format (`14:03`,
/// `2:03 PM`), or the server's own text as it came.
pub fn when_made(
    job: &crate::domain::job::Job,
    lang: Signal<crate::i18n::Lang>,
) -> Option<AnyView> {
    use crate::domain::job::MadeAt;
    match job.made_at() {
        MadeAt::Local(ms) => Some(
            view! { <time datetime=iso_moment(ms)>{move || format_moment(ms, lang.get())}</time> }
                .into_any(),
        ),
        MadeAt::Server(text) => Some(view! { <time>{text}</time> }.into_any()),
        MadeAt::Unknown => None,
    }
}

/// The same moment for a `<time datetime>` attribute.
pub fn iso_moment(ms: f64) -> String {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
        .to_iso_string()
        .into()
}

/// `65_000` ms -> `"1:05"`.
pub fn format_duration(ms: f64) -> String {
    let secs = (ms.max(0.0) / 1000.0).round() as u64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_and_durations_format() {
        assert_eq!(format_credit(17993.36), "17,993.36");
        assert_eq!(format_credit(0.5), "0.50");
        assert_eq!(format_credit(-1234567.0), "-1,234,567.00");
        assert_eq!(format_duration(65_000.0), "1:05");
        assert_eq!(format_duration(-5.0), "0:00");
    }
}
