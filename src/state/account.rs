//! "Check connection": the checklist of `domain::connection`, run here one
//! request at a time, each step shown as it goes; then the account behind
//! the key, whose balance goes to the credit store.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::credit::CreditStore;
use super::now_ms;
use super::settings::SettingsStore;
use crate::api::{AccountDetails, Client, Endpoint};
use crate::domain::connection::{assess, Assessment, Cause, Outcome, Probe, Seen, Situation};
use crate::domain::credit::Reading;

#[derive(Clone, Debug, PartialEq)]
pub enum CheckState {
    Idle,
    Checking,
    Ok(AccountDetails),
    Failed(Cause),
}

#[derive(Clone, Copy)]
pub struct AccountStore {
    pub state: RwSignal<CheckState>,
    /// The checklist as it stands (the last check's, once it is over).
    pub steps: RwSignal<Option<Assessment>>,
    /// Which check is the latest: an earlier one's late answers are
    /// dropped, never shown over the address checked since.
    round: StoredValue<u32>,
}

impl AccountStore {
    pub fn new() -> AccountStore {
        AccountStore {
            state: RwSignal::new(CheckState::Idle),
            steps: RwSignal::new(None),
            round: StoredValue::new(0),
        }
    }

    /// Runs the checklist; `then` runs after a success.
    pub fn check(
        self,
        settings: SettingsStore,
        credit: CreditStore,
        then: impl FnOnce() + 'static,
    ) {
        let situation = Situation {
            page: window().location().origin().unwrap_or_default(),
            base_url: settings.base_url_untracked(),
            has_key: settings.has_key_untracked(),
            online: window().navigator().on_line(),
            build_api: crate::state::settings::DEFAULT_BASE_URL.into(),
        };
        // A base URL the client refuses is the checklist's "address" step;
        // the probes then never run.
        let client = settings.client_untracked().ok();
        let round = self.round.get_value().wrapping_add(1);
        self.round.set_value(round);
        self.state.set(CheckState::Checking);
        spawn_local(async move {
            let mut seen: Vec<(Probe, Seen)> = Vec::new();
            let mut details_read = None;
            loop {
                if self.round.try_get_value() != Some(round) {
                    return;
                }
                let now = assess(&situation, &seen);
                self.steps.try_set(Some(now.clone()));
                let (Some(probe), Some(client)) = (now.next, client.as_ref()) else {
                    let outcome = now.outcome.unwrap_or(Outcome::Failed(Cause::KeyMissing));
                    self.finish(outcome, details_read, credit, then);
                    return;
                };
                let sent = now_ms();
                let answer = ask(client, probe).await;
                if probe == Probe::Details {
                    details_read = Some((sent, now_ms()));
                }
                seen.push((probe, answer));
            }
        });
    }

    fn finish(
        self,
        outcome: Outcome,
        details_read: Option<(f64, f64)>,
        credit: CreditStore,
        then: impl FnOnce(),
    ) {
        match outcome {
            Outcome::Connected(details) => {
                if let Some((sent, got)) = details_read {
                    credit.record(Reading {
                        sent,
                        got,
                        balance: details.credit,
                    });
                }
                self.state.try_set(CheckState::Ok(details));
                then();
            }
            Outcome::Failed(cause) => {
                self.state.try_set(CheckState::Failed(cause));
            }
        }
    }
}

async fn ask(client: &Client, probe: Probe) -> Seen {
    let (endpoint, how): (Endpoint, _) = probe.request();
    Seen::from_result(probe, client.probe(&endpoint, how).await)
}

impl Default for AccountStore {
    fn default() -> Self {
        Self::new()
    }
}
