//! Who does the work, and what the tabs tell each other about jobs.
//!
//! One tab leads: it alone sends queued jobs and asks about running ones.
//! Leadership is an exclusive Web Lock that every tab requests for its
//! whole life; the browser grants it to one tab at a time and hands it to
//! the next the moment the holder closes or crashes. The tab the user
//! looks at should be the one that polls (a hidden page's timers are
//! throttled), so a visible tab takes the lock from a hidden leader with
//! `steal`. Sending stays exactly-once even while two tabs briefly both
//! believe they lead: a job is claimed for sending in the archive, in one
//! transaction (see `archive.rs`).
//!
//! Fallback, only where the Web Locks API is missing: a lease in
//! localStorage, renewed every few seconds and taken over when it
//! expires. Reading and writing it are two steps, so two tabs can both
//! lead for a moment; the archive's claim still keeps sends single.
//!
//! Job changes travel as messages under the "jobs" topic of
//! [`crate::state::channel`]; removals travel as tombstones that every
//! merge respects.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::domain::decimal::shortest;
use crate::domain::job::{Job, JobId};
use crate::domain::poll::DurationStats;
use crate::state::channel;
use crate::state::storage::{self, Area};

const LOCK_NAME: &str = "kamiya-studio:leader";
const LEAD_TOPIC: &str = "lead";
pub(super) const JOBS_TOPIC: &str = "jobs";
const LEASE_KEY: &str = "engine-lease";
const LEASE_TTL_MS: f64 = 15_000.0;
const LEASE_RENEW_MS: u32 = 5_000;

/// What tabs say about leadership.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum LeadMsg {
    /// The leader, on taking the lead and whenever it is shown or hidden.
    Leading { tab: String, visible: bool },
    /// A new tab asks who leads.
    WhoLeads,
}

/// What tabs say about jobs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) enum JobsMsg {
    /// Jobs as now stored (new or changed).
    Changed(Vec<Job>),
    /// Removed: tombstones.
    Removed(Vec<JobId>),
    /// Brought back by "Undo": no longer removed.
    Restored(Vec<Job>),
    Durations(DurationStats),
    /// Image-to-image sources of new queued jobs, for a leader in another
    /// tab when there is no archive to read them from.
    Sources(Vec<(JobId, String)>),
    /// A tab with no archive asks the others for their jobs.
    WantAll,
}

pub(super) fn announce(msg: &JobsMsg) {
    channel::post(JOBS_TOPIC, msg);
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (web-sys has it only behind an unstable flag).
    type LockManager;
    #[wasm_bindgen(method, catch)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> Result<js_sys::Promise, JsValue>;
}

fn lock_manager() -> Option<LockManager> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::get(&navigator, &"locks".into())
        .ok()
        .filter(|v| v.is_object())
        .map(JsCast::unchecked_into)
}

/// This tab's part in leadership.
#[derive(Clone, Copy)]
pub struct Leadership {
    /// Whether this tab is the one that sends and polls.
    pub is_leader: RwSignal<bool>,
    me: StoredValue<String>,
    visible: Signal<bool>,
    /// What the leader last said about itself (`None`: nobody said).
    leader_hidden: StoredValue<bool>,
    lock: StoredValue<Rc<RefCell<LockState>>, LocalStorage>,
    lease_timer: StoredValue<Option<Interval>, LocalStorage>,
}

#[derive(Default)]
struct LockState {
    /// Bumped at every request, so an answer to an older one is ignored.
    generation: u64,
    /// Aborts this tab's waiting (not yet granted) request.
    waiting: Option<web_sys::AbortController>,
    /// Releases the held lock (resolves the promise the lock waits on).
    release: Option<js_sys::Function>,
}

impl Leadership {
    /// Starts asking for the lead. `visible` is this page's visibility.
    pub fn start(visible: Signal<bool>) -> Leadership {
        let me = format!(
            "{:08x}{:08x}",
            (super::super::random() * u32::MAX as f64) as u32,
            super::super::now_ms() as u64 as u32
        );
        let l = Leadership {
            is_leader: RwSignal::new(false),
            me: StoredValue::new(me),
            visible,
            leader_hidden: StoredValue::new(false),
            lock: StoredValue::new_local(Rc::new(RefCell::new(LockState::default()))),
            lease_timer: StoredValue::new_local(None),
        };
        channel::subscribe(LEAD_TOPIC, move |msg: LeadMsg| l.on_message(msg));
        if lock_manager().is_some() {
            l.request_lock(false);
        } else {
            l.lease_timer
                .set_value(Some(Interval::new(LEASE_RENEW_MS, move || {
                    l.lease_tick(false)
                })));
            l.lease_tick(false);
        }
        // Shown or hidden: the leader says so; a tab that comes into view
        // takes the lead from a hidden leader.
        Effect::new(move |_| {
            let visible = visible.get();
            if l.is_leader.get_untracked() {
                l.say_leading();
            } else if visible && l.leader_hidden.get_value() {
                l.take_over();
            }
        });
        channel::post(LEAD_TOPIC, &LeadMsg::WhoLeads);
        on_cleanup(move || {
            l.lease_timer.try_set_value(None);
            // Unmounted without the page closing (component tests): let
            // go, so another store in this page can lead.
            if let Some(state) = l.lock.try_get_value() {
                let mut s = state.borrow_mut();
                s.generation += 1;
                if let Some(waiting) = s.waiting.take() {
                    waiting.abort();
                }
                if let Some(release) = s.release.take() {
                    let _ = release.call0(&JsValue::UNDEFINED);
                }
            }
        });
        l
    }

    pub fn tab_id(&self) -> String {
        self.me.get_value()
    }

    fn say_leading(&self) {
        channel::post(
            LEAD_TOPIC,
            &LeadMsg::Leading {
                tab: self.me.get_value(),
                visible: self.visible.get_untracked(),
            },
        );
    }

    fn on_message(&self, msg: LeadMsg) {
        match msg {
            LeadMsg::WhoLeads => {
                if self.is_leader.get_untracked() {
                    self.say_leading();
                }
            }
            LeadMsg::Leading { tab, visible } => {
                if tab == self.me.get_value() {
                    return;
                }
                self.leader_hidden.set_value(!visible);
                if self.is_leader.get_untracked() {
                    // Two leaders (a lease fallback race, or a steal not
                    // yet noticed): the hidden one gives way.
                    if !self.visible.get_untracked() && visible {
                        self.is_leader.set(false);
                    }
                } else if !visible && self.visible.get_untracked() {
                    self.take_over();
                }
            }
        }
    }

    fn take_over(&self) {
        if lock_manager().is_some() {
            self.request_lock(true);
        } else {
            self.lease_tick(true);
        }
    }

    /// Asks for the lock; with `steal`, takes it from whoever holds it.
    fn request_lock(&self, steal: bool) {
        let Some(locks) = lock_manager() else { return };
        let state = self.lock.get_value();
        let generation = {
            let mut s = state.borrow_mut();
            s.generation += 1;
            // A steal replaces this tab's own waiting request.
            if let Some(waiting) = s.waiting.take() {
                waiting.abort();
            }
            s.generation
        };
        let options = js_sys::Object::new();
        if steal {
            let _ = js_sys::Reflect::set(&options, &"steal".into(), &JsValue::TRUE);
        } else if let Ok(controller) = web_sys::AbortController::new() {
            let _ = js_sys::Reflect::set(&options, &"signal".into(), &controller.signal());
            state.borrow_mut().waiting = Some(controller);
        }
        let me = *self;
        let granted_state = state.clone();
        let granted = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
            if granted_state.borrow().generation != generation {
                // Superseded meanwhile: hand it straight back.
                return js_sys::Promise::resolve(&JsValue::UNDEFINED);
            }
            granted_state.borrow_mut().waiting = None;
            me.is_leader.try_set(true);
            me.say_leading();
            // Held until the page goes (or the lock is stolen).
            let hold = granted_state.clone();
            js_sys::Promise::new(&mut |resolve, _| {
                hold.borrow_mut().release = Some(resolve);
            })
        });
        let Ok(promise) = locks.request(LOCK_NAME, &options, &granted) else {
            return;
        };
        leptos::task::spawn_local(async move {
            // Settles only when the lock was stolen (or this request
            // aborted): either way this tab no longer leads.
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            if state.borrow().generation != generation {
                return;
            }
            state.borrow_mut().release = None;
            me.is_leader.try_set(false);
            // Queue up again, to lead when the thief closes.
            me.request_lock(false);
        });
    }

    /// The fallback lease: claims, renews or gives it up.
    fn lease_tick(&self, take: bool) {
        let me = self.me.get_value();
        let now = super::super::now_ms();
        let other = storage::get_raw(Area::Local, LEASE_KEY)
            .and_then(|raw| {
                let (id, expires) = raw.split_once('|')?;
                Some((id.to_string(), expires.parse::<f64>().ok()?))
            })
            .filter(|(id, expires)| *id != me && *expires > now);
        if other.is_some() && !take {
            self.is_leader.set(false);
            return;
        }
        let _ = storage::set_raw(
            Area::Local,
            LEASE_KEY,
            &format!("{me}|{}", shortest(now + LEASE_TTL_MS)),
        );
        if !self.is_leader.get_untracked() {
            self.is_leader.set(true);
            self.say_leading();
        }
    }
}
