//! Small pieces shared by several views.

use leptos::prelude::*;

use super::words::Describe;
use crate::api::ApiError;
use crate::domain::view::View;
use crate::i18n::{use_lang, T};
use crate::state::route::Route;

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

/// Brings the create form into view (after an action filled it): on a
/// narrow screen, the *Create* view first.
pub fn scroll_to_form() {
    if let Some(route) = use_context::<Route>() {
        route.show(View::Create);
    }
    // Once that view is laid out.
    request_animation_frame(|| {
        if let Some(el) = document().get_element_by_id("create-title") {
            el.scroll_into_view();
        }
    });
}

/// A moment (ms since the epoch) as the language writes it, in the
/// browser's time zone: the time alone when it is today, else with the date
/// (`14:03` / `2:03 PM`; `11月23日 14:03` / `Nov 23, 2:03 PM`).
///
/// Written here rather than by `Intl`: the page's first `Intl` formatter
/// loads the locale's data, a 58 ms task at 4x CPU slowdown, and
/// `Date.toLocaleString` makes a new formatter on every call; together they
/// made pressing Generate for 20 pictures one 150 ms task.
pub fn format_moment(ms: f64, lang: crate::i18n::Lang) -> String {
    use wasm_bindgen::JsValue;
    let parts = |d: &js_sys::Date| Moment {
        year: d.get_full_year(),
        month: d.get_month(),
        day: d.get_date(),
        hour: d.get_hours(),
        minute: d.get_minutes(),
    };
    let at = parts(&js_sys::Date::new(&JsValue::from_f64(ms)));
    let now = parts(&js_sys::Date::new_0());
    moment_words(at, now, lang)
}

/// A moment's local calendar parts (`month` from 0, as in JavaScript).
#[derive(Clone, Copy)]
struct Moment {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
}

/// `at` in the language's words, its date left out when it is `now`'s day.
fn moment_words(at: Moment, now: Moment, lang: crate::i18n::Lang) -> String {
    use crate::i18n::Lang;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let today = (at.year, at.month, at.day) == (now.year, now.month, now.day);
    let minute = at.minute % 60;
    match lang {
        Lang::Zh => {
            let time = format!("{}:{minute:02}", at.hour % 24);
            if today {
                time
            } else {
                format!("{}月{}日 {time}", at.month % 12 + 1, at.day)
            }
        }
        Lang::En => {
            let (hour, half) = match at.hour % 24 {
                0 => (12, "AM"),
                h @ 1..=11 => (h, "AM"),
                12 => (12, "PM"),
                h => (h - 12, "PM"),
            };
            // A no-break space: "PM" never wraps onto a line of its own.
            let time = format!("{hour}:{minute:02}\u{a0}{half}");
            if today {
                time
            } else {
                format!("{} {}, {time}", MONTHS[(at.month % 12) as usize], at.day)
            }
        }
    }
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

    fn at(month: u32, day: u32, hour: u32, minute: u32) -> Moment {
        Moment {
            year: 2026,
            month,
            day,
            hour,
            minute,
        }
    }

    #[test]
    fn a_moment_today_is_its_time_alone_and_another_day_has_its_date() {
        use crate::i18n::Lang::{En, Zh};
        let now = at(10, 23, 18, 0);
        assert_eq!(moment_words(at(10, 23, 14, 3), now, En), "2:03\u{a0}PM");
        assert_eq!(moment_words(at(10, 23, 14, 3), now, Zh), "14:03");
        assert_eq!(moment_words(at(10, 23, 0, 5), now, En), "12:05\u{a0}AM");
        assert_eq!(moment_words(at(10, 23, 12, 0), now, En), "12:00\u{a0}PM");
        assert_eq!(moment_words(at(10, 23, 9, 30), now, Zh), "9:30");
        assert_eq!(
            moment_words(at(10, 22, 14, 3), now, En),
            "Nov 22, 2:03\u{a0}PM"
        );
        assert_eq!(moment_words(at(10, 22, 14, 3), now, Zh), "11月22日 14:03");
        assert_eq!(
            moment_words(at(0, 1, 11, 59), now, En),
            "Jan 1, 11:59\u{a0}AM"
        );
        // The same day of another year is not today.
        let last_year = Moment {
            year: 2025,
            ..at(10, 23, 14, 3)
        };
        assert_eq!(moment_words(last_year, now, Zh), "11月23日 14:03");
    }

    #[test]
    fn durations_format() {
        assert_eq!(format_duration(65_000.0), "1:05");
        assert_eq!(format_duration(-5.0), "0:00");
    }
}
