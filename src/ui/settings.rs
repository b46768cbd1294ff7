//! Settings: API base URL, key (and where it is kept), language, and the
//! connection check that shows the account.

use leptos::prelude::*;

use super::words::format_credit;
use super::words::{self, Describe};
use crate::api::normalize_base_url;
use crate::domain::connection::{Mark, STEPS};
use crate::domain::gallery::size_words;
use crate::i18n::{use_lang, Lang, T};
use crate::state::account::{AccountStore, CheckState};
use crate::state::config::ConfigStore;
use crate::state::credit::CreditStore;
use crate::state::jobs::{storage_estimate, JobStore};
use crate::state::notify::{self, Permission};
use crate::state::settings::{KeyPlace, SettingsStore};

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let address = AddressDraft::new(settings);
    // A returning user (a key is kept) comes to make pictures: the settings
    // start folded to one line, so the form is on the first screen.
    let start_open = !settings.has_key_untracked();
    view! {
        <section class="panel" aria-labelledby="settings-title">
            <details class="fold settings-fold" open=start_open>
            <summary>
                <h2 id="settings-title">{T::Settings.tr()}</h2>
                <span class="fold-values" aria-hidden="true"><FoldSummary/></span>
            </summary>
            <AddressField settings=settings address=address/>
            <KeyField/>
            <fieldset class="field">
                <legend>{T::KeepKey.tr()}</legend>
                <KeyPlaceChoice place=KeyPlace::Device id="keep-device" label=T::KeepOnDevice/>
                <KeyPlaceChoice place=KeyPlace::Tab id="keep-tab" label=T::KeepForTab/>
                <button type="button" class="link" on:click=move |_| settings.forget_key()>
                    {T::ForgetKey.tr()}
                </button>
            </fieldset>
            <LanguageChoice/>
            <ThemeChoice/>
            <MaxInFlightField/>
            <NotifyChoice/>
            <KeepChoice/>
            <Show when=move || settings.save_problem.get().is_some()>
                <p class="notice warn" role="status">{T::StorageUnavailable.tr()}</p>
            </Show>
            <CheckButton address=address/>
            <AccountStatus/>
            </details>
        </section>
    }
}

/// The folded settings' one line: the host, and the account once checked.
#[component]
fn FoldSummary() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let account = expect_context::<AccountStore>();
    move || {
        let url = settings.base_url();
        let host = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .trim_end_matches('/')
            .to_string();
        match account.state.get() {
            CheckState::Ok(d) => match d.credit {
                Some(c) => format!("{host} · {} · {}", d.email, format_credit(c)),
                None => format!("{host} · {}", d.email),
            },
            _ => host,
        }
    }
}

/// *Check connection*. The address checked is the one in the field,
/// committed or not: a press can come before the field reports its last
/// change or its leaving (a click that moves no focus, a key press, a
/// test driver).
#[component]
fn CheckButton(address: AddressDraft) -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let account = expect_context::<AccountStore>();
    let config = expect_context::<ConfigStore>();
    let credit = expect_context::<CreditStore>();
    let check = move |_| {
        address.commit();
        account.check(settings, credit, move || config.load(settings))
    };
    view! {
        <button type="button" on:click=check disabled=move || account.state.get() == CheckState::Checking>
            {T::CheckConnection.tr()}
        </button>
    }
}

#[component]
fn KeyField() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let show_key = RwSignal::new(false);
    view! {
        <div class="field">
            <label for="api-key">{T::ApiKey.tr()}</label>
            <div class="row">
                <input
                    id="api-key"
                    type=move || if show_key.get() { "text" } else { "password" }
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="sk-…"
                    prop:value=move || settings.key()
                    on:focus=move |_| settings.set_editing(true)
                    on:blur=move |_| settings.set_editing(false)
                    on:input=move |ev| {
                        settings.set_editing(true);
                        settings.set_key(event_target_value(&ev).trim().to_string())
                    }
                />
                <button
                    type="button"
                    class="secondary"
                    aria-pressed=move || show_key.get().to_string()
                    on:click=move |_| show_key.update(|s| *s = !*s)
                >
                    {move || if show_key.get() { T::HideKey.tr()() } else { T::ShowKey.tr()() }}
                </button>
            </div>
        </div>
    }
}

#[component]
fn LanguageChoice() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let change = move |ev: leptos::ev::Event| {
        settings.set_lang(match event_target_value(&ev).as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        })
    };
    let chosen = move || match settings.lang_choice() {
        Some(Lang::En) => "en",
        Some(Lang::Zh) => "zh",
        None => "auto",
    };
    view! {
        <div class="field">
            <label for="language">{T::Language.tr()}</label>
            <select id="language" on:change=change prop:value=chosen>
                <option value="auto">{T::LanguageAuto.tr()}</option>
                <option value="zh">"中文"</option>
                <option value="en">"English"</option>
            </select>
        </div>
    }
}

#[component]
fn ThemeChoice() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    view! {
        <div class="field">
            <label for="theme">{T::Theme.tr()}</label>
            <select id="theme"
                prop:value=move || settings.theme().unwrap_or_else(|| "system".into())
                on:change=move |ev| settings.set_theme(Some(event_target_value(&ev)))>
                <option value="system">{T::ThemeSystem.tr()}</option>
                <option value="light">{T::ThemeLight.tr()}</option>
                <option value="dark">{T::ThemeDark.tr()}</option>
            </select>
        </div>
    }
}

#[component]
fn MaxInFlightField() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    // Out of range or not a number: back to the nearest allowed value.
    let change = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev)
            .trim()
            .parse::<i64>()
            .unwrap_or(2)
            .clamp(1, 8) as u32;
        settings.set_max_in_flight(v);
    };
    view! {
        <div class="field">
            <label for="max-in-flight">{T::MaxInFlight.tr()}</label>
            <input id="max-in-flight" type="number" min="1" max="8" step="1" inputmode="numeric"
                aria-describedby="max-in-flight-help"
                prop:value=move || settings.max_in_flight().to_string()
                on:change=change/>
            <p id="max-in-flight-help" class="hint">{T::MaxInFlightHint.tr()}</p>
        </div>
    }
}

#[component]
fn NotifyChoice() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let refused = RwSignal::new(None::<Permission>);
    let change = move |ev: leptos::ev::Event| {
        refused.set(None);
        if !event_target_checked(&ev) {
            settings.set_notify(false);
            return;
        }
        // The browser asks only now, when the user turned this on.
        notify::request(move |answer| {
            let granted = answer == Permission::Granted;
            settings.set_notify(granted);
            if !granted {
                refused.try_set(Some(answer));
            }
        });
    };
    view! {
        <div class="choice">
            <input type="checkbox" id="notify" prop:checked=move || settings.notify() on:change=change/>
            <label for="notify">{T::NotifyWhenReady.tr()}</label>
        </div>
        {move || refused.get().map(|p| view! {
            <p class="hint" role="status">
                {if p == Permission::Unsupported { T::NotifyUnsupported.tr()() } else { T::NotifyBlocked.tr()() }}
            </p>
        })}
    }
}

/// Copies of every new picture on this device, and what they take.
#[component]
fn KeepChoice() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let jobs = expect_context::<JobStore>();
    let lang = use_lang();
    // Counted when the settings open and when the choice changes; the
    // estimate is the browser's, for the whole site.
    let counted = RwSignal::new(None::<(usize, Option<(f64, f64)>)>);
    let refresh = move || {
        leptos::task::spawn_local(async move {
            let kept = jobs.kept_count();
            counted.try_set(Some((kept, storage_estimate().await)));
        });
    };
    let summary = move || {
        counted.get().map(|(kept, estimate)| match estimate {
            Some((used, quota)) => {
                T::KeptSummary.fill(lang.get(), &[&kept, &size_words(used), &size_words(quota)])
            }
            None => T::KeptCount.fill(lang.get(), &[&kept]),
        })
    };
    // Again as pictures arrive (the archive is read after this shows) or
    // go, at most once a second: 50 jobs finishing together asked the
    // browser for its estimate 50 times, each in a finishing job's task.
    let pictures = Memo::new(move |_| jobs.with_lists(|l| l.pictures.len()));
    let soon = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |first: Option<()>| {
        // (Read, not `track()`: a memo nobody read has not subscribed to
        // its sources yet, so tracking it alone never fires.)
        let _ = pictures.get();
        jobs.track_copies();
        if first.is_none() {
            refresh();
        } else if soon.with_value(Option::is_none) {
            let handle = set_timeout_with_handle(
                move || {
                    soon.try_set_value(None);
                    refresh();
                },
                std::time::Duration::from_secs(1),
            );
            soon.set_value(handle.ok());
        }
    });
    on_cleanup(move || {
        if let Some(Some(handle)) = soon.try_get_value() {
            handle.clear();
        }
    });
    view! {
        <div class="choice">
            <input type="checkbox" id="keep-new" aria-describedby="keep-new-help"
                prop:checked=move || settings.keep_new()
                on:change=move |ev| {
                    settings.set_keep_new(event_target_checked(&ev));
                    refresh();
                }/>
            <label for="keep-new">{T::KeepNew.tr()}</label>
        </div>
        <p id="keep-new-help" class="hint">
            {T::KeepNewHint.tr()} " " {summary}
        </p>
    }
}

#[component]
fn KeyPlaceChoice(place: KeyPlace, id: &'static str, label: T) -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    view! {
        <div class="choice">
            <input
                type="radio"
                name="key-place"
                id=id
                prop:checked=move || settings.key_place() == place
                on:change=move |_| settings.set_key_place(place)
            />
            <label for=id>{label.tr()}</label>
        </div>
    }
}

/// Where a deployment's proxy guide is (`KAMIYA_PROXY_GUIDE` at build
/// time, e.g. the repository's README#behind-a-proxy); without one, the
/// messages name the guide's section.
const PROXY_GUIDE: Option<&str> = match option_env!("KAMIYA_PROXY_GUIDE") {
    Some(url) if !url.is_empty() => Some(url),
    _ => None,
};

#[component]
fn AccountStatus() -> impl IntoView {
    let account = expect_context::<AccountStore>();
    let lang = use_lang();
    view! {
        <div aria-live="polite">
            <Checklist/>
            {move || match account.state.get() {
                CheckState::Checking => Some(view! { <p class="hint">{T::Checking.tr()}</p> }.into_any()),
                CheckState::Ok(d) => {
                    let credit = d.credit.map(format_credit).unwrap_or_else(|| "?".into());
                    let active = if d.active == Some(false) { T::Inactive.get(lang.get()) } else { "" };
                    Some(view! {
                        <div class="notice ok">
                            <p>{T::Connected.tr()}</p>
                            <dl class="account">
                                <dt>{T::Email.tr()}</dt><dd>{d.email}</dd>
                                <dt>{T::Role.tr()}</dt><dd>{d.role}{active}</dd>
                                <dt>{T::Credit.tr()}</dt><dd>{credit}</dd>
                            </dl>
                        </div>
                    }.into_any())
                }
                CheckState::Failed(cause) => {
                    let guide = cause.wants_proxy_guide().then_some(PROXY_GUIDE).flatten();
                    Some(view! {
                        <div class="notice error" role="alert">
                            <p>{move || cause.describe(lang.get())}</p>
                            {guide.map(|href| view! {
                                <p><a href=href target="_blank" rel="noopener noreferrer">{T::ProxyGuide.tr()}</a></p>
                            })}
                        </div>
                    }.into_any())
                }
                _ => None,
            }}
        </div>
    }
}

/// Each step of the check and how it went: a symbol for the eye, a word
/// for screen readers.
#[component]
fn Checklist() -> impl IntoView {
    let account = expect_context::<AccountStore>();
    let lang = use_lang();
    move || {
        account.steps.get().map(|a| {
            let items = STEPS
                .iter()
                .map(|step| {
                    let mark = a.mark(*step);
                    let (symbol, said) = words::mark(mark);
                    let class = match mark {
                        Mark::Passed => "passed",
                        Mark::Failed => "failed",
                        Mark::Running => "running",
                        Mark::Waiting => "waiting",
                    };
                    let label = words::step(*step);
                    view! {
                        <li class=class>
                            <span class="mark" aria-hidden="true">{symbol}</span>
                            <span>{label.get(lang.get())}<span class="visually-hidden">{format!(": {}", said.get(lang.get()))}</span></span>
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            view! {
                <ol class="checklist" aria-label=T::CheckSteps.get(lang.get())>{items}</ol>
            }
        })
    }
}

/// The address as typed in its field, and how it becomes the setting.
#[derive(Clone, Copy)]
struct AddressDraft {
    settings: SettingsStore,
    typed: RwSignal<String>,
    field: NodeRef<leptos::html::Input>,
}

impl AddressDraft {
    fn new(settings: SettingsStore) -> AddressDraft {
        let typed = RwSignal::new(settings.base_url_untracked());
        // Changed in another tab, or here by a commit: the field follows.
        Effect::new(move |_| typed.set(settings.base_url()));
        AddressDraft {
            settings,
            typed,
            field: NodeRef::new(),
        }
    }

    /// Makes what the field holds now the base URL. The field itself is
    /// read, not only what its last `input` event said.
    fn commit(self) {
        if let Some(el) = self.field.get_untracked() {
            let now = el.value();
            if self.typed.with_untracked(|t| *t != now) {
                self.typed.set(now);
            }
        }
        let url = self.typed.with_untracked(|u| u.trim().to_string());
        if url != self.settings.base_url_untracked() {
            self.settings.set_base_url(url);
        }
    }
}

/// The API's address. It takes effect when the field is left (or on
/// Enter, on *Check connection*, or when the page goes away), not at each
/// keystroke: every prefix of an address is the address of some other
/// host, and the history's, the pollers' and the balance's requests would
/// take the key there after any pause in the typing.
#[component]
fn AddressField(settings: SettingsStore, address: AddressDraft) -> impl IntoView {
    let typed = address.typed;
    let problem = Memo::new(move |_| typed.with(|u| normalize_base_url(u).err()));
    let commit = move || address.commit();
    let leaving = window_event_listener(leptos::ev::pagehide, move |_| commit());
    on_cleanup(move || leaving.remove());
    view! {
        <div class="field">
            <label for="base-url">{T::BaseUrl.tr()}</label>
            <input
                id="base-url"
                node_ref=address.field
                type="url"
                inputmode="url"
                autocomplete="off"
                spellcheck="false"
                aria-describedby="base-url-help"
                aria-invalid=move || problem.with(Option::is_some).to_string()
                prop:value=move || typed.get()
                on:focus=move |_| settings.set_editing(true)
                on:input=move |ev| {
                    settings.set_editing(true);
                    typed.set(event_target_value(&ev));
                }
                on:change=move |_| commit()
                on:blur=move |_| {
                    commit();
                    settings.set_editing(false);
                }
            />
            <p id="base-url-help" class=move || if problem.with(Option::is_none) { "hint" } else { "field-error" }>
                {move || if problem.with(Option::is_none) {
                    T::BaseUrlHint.tr()()
                } else {
                    T::BaseUrlInvalid.tr()()
                }}
            </p>
        </div>
    }
}
