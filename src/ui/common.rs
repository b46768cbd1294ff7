//! Small pieces shared by several views.

use leptos::prelude::*;

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

/// Brings the create form into view (after an action filled it).
pub fn scroll_to_form() {
    if let Some(el) = document().get_element_by_id("create-title") {
        el.scroll_into_view();
    }
}

/// Formats a credit balance for the language.
pub fn format_credit(credit: f64) -> String {
    let s = format!("{credit:.2}");
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
