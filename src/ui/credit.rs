//! Credit in sight: the balance in the header, each job's cost in its
//! picture's full view (and on the card of a job that ended without one),
//! a batch's expected cost beside Generate.

use leptos::prelude::*;

use super::words;
use crate::domain::job::JobId;
use crate::i18n::use_lang;
use crate::state::credit::CreditStore;

/// The balance and this session's spend, once the balance was read.
#[component]
pub fn CreditBadge() -> impl IntoView {
    let credit = expect_context::<CreditStore>();
    let lang = use_lang();
    move || {
        credit.known().then(|| {
            let line = words::balance_line(credit.balance(), credit.spent(), lang.get());
            view! { <p class="credit">{line}</p> }
        })
    }
}

/// What a finished job cost, once it can be told.
#[component]
pub fn JobCostLine(id: JobId) -> impl IntoView {
    let credit = expect_context::<CreditStore>();
    let lang = use_lang();
    let text = Memo::new(move |_| {
        credit
            .cost(&id)
            .and_then(|cost| words::job_cost(&cost, lang.get()))
    });
    move || text.get().map(|t| view! { <p class="job-cost">{t}</p> })
}
