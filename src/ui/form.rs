//! The create form, built from the server's config.

use leptos::prelude::*;

use super::common::ErrorNotice;
use super::prompt::PromptBox;
use super::prompt_tools::PromptTools;
use super::source::{clipboard_data, take_file, ModeChoice, SourcePicker};
use super::words::format_credit;
use super::words::{self, Describe};
use crate::api::JobType;
use crate::api::{GenerateRequest, ImageConfig};
use crate::domain::a1111;
use crate::domain::credit::{needs_confirmation, CostKey};
use crate::domain::params::{
    self, DraftLora, Field, FieldError, BATCH_RANGE, CFG_RANGE, CUSTOM_SIZE, SIDE_RANGE,
    STEPS_RANGE,
};
use crate::i18n::{use_lang, T};
use crate::state::config::ConfigStore;
use crate::state::credit::CreditStore;
use crate::state::draft::DraftStore;
use crate::state::jobs::JobStore;
use crate::state::prompt_history::PromptHistoryStore;
use crate::state::random_seed;
use crate::state::settings::SettingsStore;
use crate::state::source::SourceStore;
use crate::state::storage::{self, Area};
use std::collections::HashMap;

/// What the form needs to know about its fields' problems.
#[derive(Clone, Copy)]
struct Problems {
    all: Memo<Vec<FieldError>>,
    shown: RwSignal<bool>,
    lang: Signal<crate::i18n::Lang>,
}

impl Problems {
    /// The message for a field, once errors are shown.
    fn of(&self, field: Field) -> Option<String> {
        if !self.shown.get() {
            return None;
        }
        let lang = self.lang.get();
        self.all.with(|p| {
            p.iter()
                .find(|e| e.field == field)
                .map(|e| e.problem.describe(lang))
        })
    }
}

#[component]
pub fn CreateForm() -> impl IntoView {
    let settings = expect_context::<SettingsStore>();
    let config = expect_context::<ConfigStore>();
    let retry = Callback::new(move |_| config.load(settings));
    // A memo: typing a key changes the key on every stroke, but whether
    // there is one only once; the form is rebuilt only then.
    let has_key = Memo::new(move |_| settings.has_key());

    view! {
        <section class="panel" aria-labelledby="create-title">
            <h2 id="create-title">{T::Create.tr()}</h2>
            <SharedNotice/>
            {move || {
                if !has_key.get() {
                    return view! { <p class="notice">{T::NeedKey.tr()}</p> }.into_any();
                }
                match config.config.get() {
                    Some(c) => view! {
                        <ErrorNotice error=config.error retry=retry/>
                        <Form config=c/>
                    }.into_any(),
                    None if config.loading.get() => view! {
                        <p class="notice" role="status">{T::LoadingConfig.tr()}</p>
                    }.into_any(),
                    None if config.error.get().is_some() => view! {
                        <p class="notice">{T::ConfigFailed.tr()}</p>
                        <ErrorNotice error=config.error retry=retry/>
                    }.into_any(),
                    None => view! {
                        <p class="notice">{T::ConfigNotLoaded.tr()}</p>
                        <button type="button" on:click=move |_| retry.run(())>{T::LoadConfig.tr()}</button>
                    }.into_any(),
                }
            }}
        </section>
    }
}

/// Says what opening a share link did.
#[component]
fn SharedNotice() -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let lang = use_lang();
    move || {
        draft.shared.get().map(|r| match r {
            Ok(()) => {
                view! { <p class="notice ok" role="status">{T::SharedFilled.tr()}</p> }.into_any()
            }
            Err(e) => view! { <p class="notice error" role="alert">{e.describe(lang.get())}</p> }
                .into_any(),
        })
    }
}

#[component]
fn Form(config: ImageConfig) -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let jobs = expect_context::<JobStore>();
    let config_store = expect_context::<ConfigStore>();
    // Fit the draft to this config once, keeping what is still offered.
    draft.edit(|d| d.adapt_to(&config));
    let problems = Problems {
        all: Memo::new(move |_| {
            config_store.config.with(|c| match c {
                Some(c) => draft
                    .draft
                    .with(|d| d.validate(c).err().unwrap_or_default()),
                None => Vec::new(),
            })
        }),
        shown: draft.show_errors,
        lang: use_lang(),
    };
    provide_context(problems);
    let queued_note = RwSignal::new(None::<usize>);
    let source = expect_context::<SourceStore>();
    let source_missing = RwSignal::new(false);
    let img2img = move || draft.draft.with(|d| d.mode == JobType::Image2Image);
    // An image pasted anywhere on the page becomes the source.
    let paste = window_event_listener(leptos::ev::paste, move |ev| {
        if take_file(ev.clipboard_data(), source, draft) {
            ev.prevent_default();
        }
    });
    on_cleanup(move || paste.remove());
    let import_offer = RwSignal::new(None::<a1111::Parsed>);
    let import_done = RwSignal::new(None::<Vec<a1111::Filled>>);
    let lang = use_lang();
    let credit = expect_context::<CreditStore>();
    // What the draft's batch should cost, from recent pictures like it.
    let costing = Memo::new(move |_| {
        config_store.config.with(|c| {
            let c = c.as_ref()?;
            // The price does not depend on the prompt: an empty one does
            // not hide the estimate.
            let mut d = draft.draft.get();
            if d.prompts.trim().is_empty() {
                d.prompts = "-".into();
            }
            d.validate(c).ok().map(|t| {
                let key = CostKey::of(&t.request);
                (credit.per_picture(&key), t.batch)
            })
        })
    });
    // A batch over the balance waits here for a second press; a change
    // to the form drops it.
    let unconfirmed = RwSignal::new(None::<Vec<GenerateRequest>>);
    let prompt_history = expect_context::<PromptHistoryStore>();
    // Sends a batch, and keeps its prompt among the recent ones.
    let send = move |requests: Vec<GenerateRequest>| {
        if let Some(first) = requests.first() {
            // Not kept when storage is full: the batch is sent all the same.
            let _ = prompt_history.change(|h| h.record(&first.prompts));
        }
        queued_note.set(Some(requests.len()));
        jobs.enqueue(requests);
    };
    Effect::new(move |_| {
        draft.draft.track();
        unconfirmed.set(None);
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(c) = config_store.config.get_untracked() else {
            return;
        };
        match draft.draft.with_untracked(|d| d.validate(&c)) {
            Ok(template) => {
                let image = if template.request.kind == JobType::Image2Image {
                    if source.encoding.get_untracked() {
                        // The source is being fitted to a new size: submit
                        // again once what will be sent matches the form.
                        let form: web_sys::HtmlFormElement = event_target(&ev);
                        leptos::task::spawn_local(async move {
                            source.settled().await;
                            let _ = form.request_submit();
                        });
                        return;
                    }
                    match source.prepared.get_untracked() {
                        Some(p) => Some(p.data_url),
                        None => {
                            source_missing.set(true);
                            return;
                        }
                    }
                } else {
                    None
                };
                source_missing.set(false);
                draft.show_errors.set(false);
                let requests = (0..template.batch)
                    .map(|_| GenerateRequest {
                        image: image.clone(),
                        ..template.instance(random_seed())
                    })
                    .collect::<Vec<_>>();
                let expected = credit
                    .per_picture(&CostKey::of(&template.request))
                    .map(|each| each * f64::from(template.batch));
                if needs_confirmation(credit.balance_untracked(), expected) {
                    queued_note.set(None);
                    unconfirmed.set(Some(requests));
                    return;
                }
                unconfirmed.set(None);
                send(requests);
            }
            Err(_) => {
                draft.show_errors.set(true);
                queued_note.set(None);
                unconfirmed.set(None);
                // Every folded section with a field to fix unfolds, and the
                // focus goes to the first such field, once the view updated.
                request_animation_frame(|| {
                    use wasm_bindgen::JsCast;
                    let Ok(marked) =
                        document().query_selector_all("#create-form [aria-invalid='true']")
                    else {
                        return;
                    };
                    for i in 0..marked.length() {
                        let section = marked
                            .item(i)
                            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                            .and_then(|el| el.closest("details").ok().flatten());
                        if let Some(section) = section {
                            let _ = section.set_attribute("open", "");
                        }
                    }
                    if let Some(first) = marked
                        .item(0)
                        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = first.focus();
                    }
                });
            }
        }
    };

    let busy = config.busy_status.clone().filter(|b| !b.trim().is_empty());
    let models = config.models.clone();
    let samplers = params::samplers(&config);
    let sizes = params::size_presets(&config);
    let loras = config.loras.clone();

    view! {
        <form id="create-form" novalidate on:submit=on_submit
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                if take_file(ev.data_transfer(), source, draft) {
                    ev.prevent_default();
                }
            }>
            {busy.map(|b| view! { <p class="busy"><span>{T::ServerStatus.tr()}</span>" "<span>{b}</span></p> })}
            <ModeChoice/>
            <Show when=img2img>
                <SourcePicker missing=source_missing/>
            </Show>
            <ImportOffer offer=import_offer done=import_done/>
            <TextArea id="prompt" label=T::Prompt field=Some(Field::Prompts) rows=4
                on_paste=Callback::new(move |ev: web_sys::Event| {
                    let text = clipboard_data(&ev).and_then(|d| d.get_data("text").ok()).unwrap_or_default();
                    import_done.set(None);
                    import_offer.set(a1111::parse(&text));
                })
                get=move || draft.draft.with(|d| d.prompts.clone())
                set=move |v| draft.edit(|d| d.prompts = v)/>
            <PromptTools/>
            <Fold id="negative" title=T::NegativePrompt
                values=Signal::derive(move || draft.draft.with(|d| d.negative_summary(48)))>
                <TextArea id="negative" label=T::NegativePrompt field=None rows=3 labelled_by="fold-negative"
                    get=move || draft.draft.with(|d| d.negative.clone())
                    set=move |v| draft.edit(|d| d.negative = v)/>
            </Fold>
            <Fold id="parameters" title=T::Parameters
                values=Signal::derive(move || {
                    let steps = T::Steps.get(lang.get());
                    draft.draft.with(|d| d.parameters_summary(steps))
                })>
            <div class="grid">
                {if models.is_empty() {
                    view! {
                        <NumberOrText id="model" label=T::Model field=Field::Model kind="text" min="" max="" step=""
                            get=move || draft.draft.with(|d| d.model.clone())
                            set=move |v| draft.edit(|d| d.model = v)/>
                    }.into_any()
                } else {
                    let options = models.into_iter().map(|m| {
                        let label = if m.description.trim().is_empty() { m.id.clone() } else { format!("{} — {}", m.id, m.description) };
                        (m.id, label)
                    }).collect::<Vec<_>>();
                    view! {
                        <Select id="model" label=T::Model field=Some(Field::Model) options=options
                            get=move || draft.draft.with(|d| d.model.clone())
                            set=move |v| draft.edit(|d| d.model = v)/>
                    }.into_any()
                }}
                <Select id="sampler" label=T::Sampler field=Some(Field::Sampler)
                    options=samplers.into_iter().map(|s| (s.clone(), s)).collect()
                    get=move || draft.draft.with(|d| d.sampler.clone())
                    set=move |v| draft.edit(|d| d.sampler = v)/>
                <SizeField sizes=sizes/>
                <NumberOrText id="steps" label=T::Steps field=Field::Steps kind="number"
                    min=STEPS_RANGE.0.to_string() max=STEPS_RANGE.1.to_string() step="1"
                    get=move || draft.draft.with(|d| d.steps.clone())
                    set=move |v| draft.edit(|d| d.steps = v)/>
                <NumberOrText id="cfg" label=T::Cfg field=Field::Cfg kind="number"
                    min=params::trim_float(CFG_RANGE.0) max=params::trim_float(CFG_RANGE.1) step="0.5"
                    get=move || draft.draft.with(|d| d.cfg.clone())
                    set=move |v| draft.edit(|d| d.cfg = v)/>
                <SeedField/>
                <NumberOrText id="batch" label=T::Batch field=Field::Batch kind="number"
                    min=BATCH_RANGE.0.to_string() max=BATCH_RANGE.1.to_string() step="1"
                    get=move || draft.draft.with(|d| d.batch.clone())
                    set=move |v| draft.edit(|d| d.batch = v)/>
            </div>
            </Fold>
            <Fold id="loras" title=T::Loras
                values=Signal::derive(move || draft.draft.with(|d| match d.loras.len() {
                    0 => String::new(),
                    n => n.to_string(),
                }))>
                <LoraPicker loras=loras/>
            </Fold>
            <div class="actions">
                <button type="submit" class="primary" aria-describedby="expected-cost">{T::Generate.tr()}</button>
                <p id="expected-cost" class="hint">
                    {move || costing.get().map(|(each, count)| words::expected_cost(each, count, lang.get()))}
                </p>
            </div>
            {move || unconfirmed.with(Option::is_some).then(|| {
                let text = move || {
                    let count = unconfirmed.with(|u| u.as_ref().map_or(0, Vec::len)) as u32;
                    let each = costing.get().and_then(|(each, _)| each);
                    let balance = format_credit(credit.balance().unwrap_or(0.0));
                    match each {
                        Some(each) => T::OverBalance.fill(lang.get(), &[&format_credit(each * f64::from(count)), &balance]),
                        None => T::NoBalanceLeft.fill(lang.get(), &[&balance]),
                    }
                };
                view! {
                    <div class="notice warn" role="alert">
                        <p>{text}</p>
                        <div class="row">
                            <button type="button" on:click=move |_| {
                                if let Some(requests) = unconfirmed.try_update(Option::take).flatten() {
                                    send(requests);
                                }
                            }>{T::SendAnyway.tr()}</button>
                            <button type="button" class="secondary" on:click=move |_| unconfirmed.set(None)>{T::DontSend.tr()}</button>
                        </div>
                    </div>
                }
            })}
            <p class="hint generate-note" role="status">
                    {move || {
                        let draft_errors = draft.show_errors.get() && problems.all.with(|p| !p.is_empty());
                        if draft_errors {
                            Some(T::FixFields.tr()().to_string())
                        } else {
                            queued_note.get().map(|n| format!("{} {n}", T::Queued.tr()()))
                        }
                    }}
            </p>
        </form>
    }
}

/// Widths below this are phones: there the sections start folded.
const PHONE_MAX_WIDTH: f64 = 700.0;
const FOLDS_KEY: &str = "folds";

/// A section of the form that folds. Its summary names it and, folded or
/// not, shows its current values; open or folded is remembered per section.
/// On a first visit it starts open, except on phones, where every section
/// starts folded (its summary shows its values) so that Generate, after
/// them, is on the first screen.
#[component]
fn Fold(id: &'static str, title: T, values: Signal<String>, children: Children) -> impl IntoView {
    let remembered = storage::get::<HashMap<String, bool>>(Area::Local, FOLDS_KEY)
        .and_then(|m| m.get(id).copied());
    let phone = window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w < PHONE_MAX_WIDTH);
    let open = remembered.unwrap_or(!phone);
    let on_toggle = move |ev: leptos::ev::Event| {
        let details: web_sys::HtmlDetailsElement = event_target(&ev);
        let mut all: HashMap<String, bool> =
            storage::get(Area::Local, FOLDS_KEY).unwrap_or_default();
        if all.insert(id.to_string(), details.open()) != Some(details.open()) {
            // Not worth a message when storage is full: folding still works.
            let _ = storage::set(Area::Local, FOLDS_KEY, &all);
        }
    };
    view! {
        <details class="fold" open=open on:toggle=on_toggle>
            <summary>
                <span class="fold-title" id=format!("fold-{id}")>{title.tr()}</span>
                // Read out by the fields themselves once open; the name of the
                // disclosure stays short.
                <span class="fold-values" aria-hidden="true">{move || values.get()}</span>
            </summary>
            <div class="fold-body">{children()}</div>
        </details>
    }
}

/// The message under a field, referenced by its `aria-describedby`.
#[component]
fn FieldMessage(id: String, field: Field) -> impl IntoView {
    let problems = expect_context::<Problems>();
    view! { <p id=id class="field-error">{move || problems.of(field)}</p> }
}

fn invalid(field: Option<Field>) -> impl Fn() -> &'static str + Copy + Send + Sync {
    let problems = expect_context::<Problems>();
    move || match field {
        Some(f) if problems.of(f).is_some() => "true",
        _ => "false",
    }
}

/// Offers to fill the form from pasted AUTOMATIC1111-style parameters.
#[component]
fn ImportOffer(
    offer: RwSignal<Option<a1111::Parsed>>,
    done: RwSignal<Option<Vec<a1111::Filled>>>,
) -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let config = expect_context::<ConfigStore>();
    let lang = use_lang();
    let fill = move |_| {
        let Some(parsed) = offer.get_untracked() else {
            return;
        };
        let mut filled = Vec::new();
        draft.edit(|d| {
            filled = a1111::apply(&parsed, d);
            if let Some(c) = config.config.get_untracked() {
                d.adapt_to(&c);
            }
        });
        offer.set(None);
        done.set(Some(filled));
    };
    view! {
        <Show when=move || offer.with(Option::is_some)>
            <div class="notice" role="status">
                <p>{T::ImportOffer.tr()}</p>
                <div class="row">
                    <button type="button" on:click=fill>{T::ImportFill.tr()}</button>
                    <button type="button" class="secondary" on:click=move |_| offer.set(None)>{T::Dismiss.tr()}</button>
                </div>
            </div>
        </Show>
        {move || done.get().map(|parts| {
            let names = parts.iter().map(|p| words::filled(*p).get(lang.get())).collect::<Vec<_>>();
            view! { <p class="notice ok" role="status">{T::ImportDone.tr()}" "{names.join(", ")}</p> }
        })}
    }
}

/// A prompt field, with tag suggestions and emphasis keys (ui/prompt.rs).
#[component]
fn TextArea(
    id: &'static str,
    label: T,
    field: Option<Field>,
    rows: u32,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + Send + Sync + 'static,
    #[prop(optional)] on_paste: Option<Callback<web_sys::Event>>,
    /// The id of a visible heading that already names the field (a folding
    /// section's title): used instead of a second, identical label.
    #[prop(optional)]
    labelled_by: Option<&'static str>,
) -> impl IntoView {
    let msg = format!("{id}-msg");
    // The hint once, under the first prompt field (the one with a label).
    let hint = labelled_by.is_none().then(|| format!("{id}-hint"));
    let described_by = match &hint {
        Some(hint) => format!("{hint} {msg}"),
        None => msg.clone(),
    };
    view! {
        <div class="field">
            {labelled_by.is_none().then(|| view! { <label for=id>{label.tr()}</label> })}
            <PromptBox id=id rows=rows described_by=described_by invalid=invalid(field)
                labelled_by=labelled_by on_paste=on_paste get=get set=set/>
            {hint.map(|hint| view! { <p id=hint class="hint">{T::PromptHint.tr()}</p> })}
            {field.map(|f| view! { <FieldMessage id=msg field=f/> })}
        </div>
    }
}

#[component]
fn Select(
    id: &'static str,
    label: T,
    field: Option<Field>,
    options: Vec<(String, String)>,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + 'static,
) -> impl IntoView {
    let msg = format!("{id}-msg");
    view! {
        <div class="field">
            <label for=id>{label.tr()}</label>
            <select id=id aria-describedby=msg.clone() aria-invalid=invalid(field)
                prop:value=get on:change=move |ev| set(event_target_value(&ev))>
                {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
            {field.map(|f| view! { <FieldMessage id=msg field=f/> })}
        </div>
    }
}

#[component]
fn NumberOrText(
    id: &'static str,
    label: T,
    field: Field,
    kind: &'static str,
    #[prop(into)] min: String,
    #[prop(into)] max: String,
    #[prop(into)] step: String,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + 'static,
    #[prop(optional, into)] disabled: Option<Signal<bool>>,
) -> impl IntoView {
    let msg = format!("{id}-msg");
    let number = kind == "number";
    view! {
        <div class="field">
            <label for=id>{label.tr()}</label>
            <input id=id type=kind inputmode=if number { "decimal" } else { "text" }
                min=(!min.is_empty()).then_some(min) max=(!max.is_empty()).then_some(max)
                step=(!step.is_empty()).then_some(step)
                aria-describedby=msg.clone() aria-invalid=invalid(Some(field))
                disabled=move || disabled.map(|d| d.get()).unwrap_or(false)
                prop:value=get on:input=move |ev| set(event_target_value(&ev))/>
            <FieldMessage id=msg field=field/>
        </div>
    }
}

#[component]
fn SizeField(sizes: Vec<(u32, u32)>) -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let custom = move || draft.draft.with(|d| d.size == CUSTOM_SIZE);
    let lang = use_lang();
    let options = move || {
        let mut o: Vec<(String, String)> = sizes
            .iter()
            .map(|&(w, h)| (params::size_value(w, h), format!("{w} × {h}")))
            .collect();
        o.push((CUSTOM_SIZE.into(), T::CustomSize.get(lang.get()).into()));
        o
    };
    view! {
        <div class="field">
            <label for="size">{T::Size.tr()}</label>
            <select id="size" prop:value=move || draft.draft.with(|d| d.size.clone())
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    draft.edit(|d| {
                        // Switching to custom starts from the size shown so far.
                        if v == CUSTOM_SIZE {
                            let (w, h) = d.dimensions();
                            d.width = w;
                            d.height = h;
                        }
                        d.size = v;
                    })
                }>
                {move || options().into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
        </div>
        <Show when=custom>
            <NumberOrText id="width" label=T::Width field=Field::Width kind="number"
                min=SIDE_RANGE.0.to_string() max=SIDE_RANGE.1.to_string() step="8"
                get=move || draft.draft.with(|d| d.width.clone())
                set=move |v| draft.edit(|d| d.width = v)/>
            <NumberOrText id="height" label=T::Height field=Field::Height kind="number"
                min=SIDE_RANGE.0.to_string() max=SIDE_RANGE.1.to_string() step="8"
                get=move || draft.draft.with(|d| d.height.clone())
                set=move |v| draft.edit(|d| d.height = v)/>
        </Show>
    }
}

#[component]
fn SeedField() -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let random = Signal::derive(move || draft.draft.with(|d| d.random_seed));
    view! {
        <div class="field seed">
            <div class="choice">
                <input type="checkbox" id="seed-random" prop:checked=random
                    on:change=move |ev| {
                        let checked = event_target_checked(&ev);
                        draft.edit(|d| {
                            d.random_seed = checked;
                            if !checked && d.seed.trim().is_empty() {
                                d.seed = random_seed().to_string();
                            }
                        })
                    }/>
                <label for="seed-random">{T::RandomSeed.tr()}</label>
            </div>
        </div>
        <NumberOrText id="seed" label=T::Seed field=Field::Seed kind="number" min="0" max=u32::MAX.to_string() step="1"
            disabled=random
            get=move || draft.draft.with(|d| if d.random_seed { String::new() } else { d.seed.clone() })
            set=move |v| draft.edit(|d| d.seed = v)/>
    }
}

#[component]
fn LoraPicker(loras: Vec<crate::api::LoraInfo>) -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let lang = use_lang();
    let choice = RwSignal::new(String::new());
    let all = StoredValue::new(loras);
    let available = move || {
        let added: Vec<String> = draft
            .draft
            .with(|d| d.loras.iter().map(|l| l.id.clone()).collect());
        all.with_value(|all| {
            all.iter()
                .filter(|l| !added.contains(&l.id))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let add = move |_| {
        let id = choice.get_untracked();
        let id = if id.is_empty() {
            available()
                .first()
                .map(|l| l.id.clone())
                .unwrap_or_default()
        } else {
            id
        };
        if id.is_empty()
            || draft
                .draft
                .with_untracked(|d| d.loras.iter().any(|l| l.id == id))
        {
            return;
        }
        draft.edit(|d| {
            d.loras.push(DraftLora {
                id,
                weight: "60".into(),
            })
        });
        choice.set(String::new());
    };
    let name_of = move |id: &str| {
        all.with_value(|all| {
            all.iter()
                .find(|l| l.id == id)
                .map(|l| l.label().to_string())
        })
        .unwrap_or_else(|| id.to_string())
    };
    let rows = move || {
        draft.draft.with(|d| {
            d.loras
                .iter()
                .enumerate()
                .map(|(i, l)| (i, l.id.clone()))
                .collect::<Vec<_>>()
        })
    };

    view! {
        <fieldset class="field loras">
            // The section's summary already shows the title.
            <legend class="visually-hidden">{T::Loras.tr()}</legend>
            {move || all.with_value(Vec::is_empty).then(|| view! { <p class="hint">{T::NoLoras.tr()}</p> })}
            <Show when=move || !available().is_empty()>
                <div class="row">
                    <label for="lora-add" class="inline">{T::LoraToAdd.tr()}</label>
                    <select id="lora-add"
                        prop:value=move || {
                            // Show what Add will add: the choice, else the first on offer.
                            let c = choice.get();
                            if c.is_empty() { available().first().map(|l| l.id.clone()).unwrap_or_default() } else { c }
                        }
                        on:change=move |ev| choice.set(event_target_value(&ev))>
                        {move || available().into_iter().map(|l| {
                            let label = l.label().to_string();
                            view! { <option value=l.id>{label}</option> }
                        }).collect_view()}
                    </select>
                    <button type="button" class="secondary" on:click=add>{T::AddLora.tr()}</button>
                </div>
            </Show>
            <ul class="lora-list">
                <For each=rows key=|row| row.clone() let:row>
                    {
                        let (i, id) = row;
                        let name = name_of(&id);
                        let input_id = format!("lora-weight-{i}");
                        let msg = format!("lora-weight-{i}-msg");
                        let remove_label = move || format!("{} {}", T::Remove.get(lang.get()), name_of(&id));
                        let weight_label = name.clone();
                        view! {
                            <li class="lora-row">
                                <label for=input_id.clone()>{weight_label}" "<span class="unit">{T::WeightPercent.tr()}</span></label>
                                <input id=input_id type="number" min="0" max="100" step="5" inputmode="numeric"
                                    aria-describedby=msg.clone() aria-invalid=invalid(Some(Field::LoraWeight(i)))
                                    prop:value=move || draft.draft.with(|d| d.loras.get(i).map(|l| l.weight.clone()).unwrap_or_default())
                                    on:input=move |ev| {
                                        let v = event_target_value(&ev);
                                        draft.edit(|d| if let Some(l) = d.loras.get_mut(i) { l.weight = v });
                                    }/>
                                <button type="button" class="secondary" aria-label=remove_label
                                    on:click=move |_| draft.edit(|d| { if i < d.loras.len() { d.loras.remove(i); } })>
                                    {T::Remove.tr()}
                                </button>
                                <FieldMessage id=msg field=Field::LoraWeight(i)/>
                                <FieldMessage id=format!("lora-{i}-msg") field=Field::Lora(i)/>
                            </li>
                        }
                    }
                </For>
            </ul>
        </fieldset>
    }
}
