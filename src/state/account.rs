//! "Check connection": reachability, then the account behind the key.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::settings::SettingsStore;
use crate::api::{AccountDetails, ApiError};

#[derive(Clone, Debug, PartialEq)]
pub enum CheckState {
    Idle,
    Checking,
    Ok(AccountDetails),
    Failed(ApiError),
}

#[derive(Clone, Copy)]
pub struct AccountStore {
    pub state: RwSignal<CheckState>,
}

impl AccountStore {
    pub fn new() -> AccountStore {
        AccountStore {
            state: RwSignal::new(CheckState::Idle),
        }
    }

    /// checkNetwork first: it needs no key, so its failure means the server
    /// (or CORS) is the problem, not the key. `then` runs after a success.
    pub fn check(self, settings: SettingsStore, then: impl FnOnce() + 'static) {
        let client = match settings.client_untracked() {
            Ok(c) => c,
            Err(e) => {
                self.state.set(CheckState::Failed(e));
                return;
            }
        };
        self.state.set(CheckState::Checking);
        spawn_local(async move {
            let result = async {
                client.check_network().await?;
                client.details().await
            }
            .await;
            let ok = result.is_ok();
            self.state.try_set(match result {
                Ok(d) => CheckState::Ok(d),
                Err(e) => CheckState::Failed(e),
            });
            if ok {
                then();
            }
        });
    }
}

impl Default for AccountStore {
    fn default() -> Self {
        Self::new()
    }
}
