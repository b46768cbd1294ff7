//! Under the prompt: styles (save the form as one, apply, insert, rename,
//! delete, export, import) and the prompts sent recently. Each opens from
//! a button, so the form stays short on a phone.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::actions::save_blob;
use super::words::{self, Describe};
use crate::domain::styles::{BuiltIn, Style, StyleError};
use crate::i18n::{use_lang, T};
use crate::state::config::ConfigStore;
use crate::state::draft::DraftStore;
use crate::state::prompt_history::PromptHistoryStore;
use crate::state::storage::StorageError;
use crate::state::styles::StyleStore;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Panel {
    Styles,
    Recent,
}

#[component]
pub fn PromptTools() -> impl IntoView {
    let open = RwSignal::new(None::<Panel>);
    let toggle = move |p: Panel| open.update(|o| *o = if *o == Some(p) { None } else { Some(p) });
    let expanded = move |p: Panel| {
        move || {
            if open.get() == Some(p) {
                "true"
            } else {
                "false"
            }
        }
    };
    view! {
        <div class="prompt-tools">
            <div class="row">
                <button type="button" class="secondary" aria-controls="styles-panel"
                    aria-expanded=expanded(Panel::Styles) on:click=move |_| toggle(Panel::Styles)>
                    {T::Styles.tr()}
                </button>
                <button type="button" class="secondary" aria-controls="recent-panel"
                    aria-expanded=expanded(Panel::Recent) on:click=move |_| toggle(Panel::Recent)>
                    {T::RecentPrompts.tr()}
                </button>
            </div>
            <div id="styles-panel" class="tool-panel" hidden=move || open.get() != Some(Panel::Styles)>
                <Show when=move || open.get() == Some(Panel::Styles)>
                    <StylesPanel/>
                </Show>
            </div>
            <div id="recent-panel" class="tool-panel" hidden=move || open.get() != Some(Panel::Recent)>
                <Show when=move || open.get() == Some(Panel::Recent)>
                    <RecentPrompts/>
                </Show>
            </div>
        </div>
    }
}

/// What the last action did, said once; a deletion can be undone.
#[derive(Clone)]
struct Said {
    text: String,
    ok: bool,
    undo: Option<Style>,
}

/// A style picked in the list: one of the built-in ones, or the user's.
#[derive(Clone, PartialEq)]
enum Pick {
    BuiltIn(BuiltIn),
    Own(String),
}

impl Pick {
    fn value(&self) -> String {
        match self {
            Pick::BuiltIn(b) => {
                format!("b{}", BuiltIn::ALL.iter().position(|x| x == b).unwrap_or(0))
            }
            Pick::Own(name) => format!("u:{name}"),
        }
    }

    fn parse(v: &str) -> Pick {
        match v.strip_prefix("u:") {
            Some(name) => Pick::Own(name.to_string()),
            None => Pick::BuiltIn(
                v.strip_prefix('b')
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| BuiltIn::ALL.get(i).copied())
                    .unwrap_or(BuiltIn::Quality),
            ),
        }
    }
}

#[component]
fn StylesPanel() -> impl IntoView {
    let styles = expect_context::<StyleStore>();
    let draft = expect_context::<DraftStore>();
    let config = expect_context::<ConfigStore>();
    let lang = use_lang();
    let pick = RwSignal::new(Pick::BuiltIn(BuiltIn::Quality));
    let name = RwSignal::new(String::new());
    let said = RwSignal::new(None::<Said>);

    let tell = move |ok: bool, text: String| {
        said.set(Some(Said {
            text,
            ok,
            undo: None,
        }))
    };
    let fail = move |e: StyleError| tell(false, e.describe(lang.get_untracked()));
    // The change holds in this tab even when storage refused it: say so.
    let kept = move |saved: Result<(), StorageError>, text: String| match saved {
        Ok(()) => tell(true, text),
        Err(_) => tell(
            false,
            format!("{text} {}", T::NotKeptStorageFull.get(lang.get_untracked())),
        ),
    };
    // The picked style and its shown name; `None` once it is gone.
    let picked = move || -> Option<(Style, String)> {
        match pick.get_untracked() {
            Pick::BuiltIn(b) => Some((
                b.style(),
                words::built_in_style(b).get(lang.get_untracked()).into(),
            )),
            Pick::Own(n) => styles
                .value
                .with_untracked(|book| book.get(&n).cloned())
                .map(|s| (s, n)),
        }
    };
    let own = move || match pick.get_untracked() {
        Pick::Own(n) => Ok(n),
        Pick::BuiltIn(_) => Err(()),
    };

    let apply = move |_| match picked() {
        Some((style, shown)) => {
            draft.edit(|d| {
                style.apply(d);
                if let Some(c) = config.config.get_untracked() {
                    d.adapt_to(&c);
                }
            });
            tell(true, T::StyleApplied.fill(lang.get_untracked(), &[&shown]));
        }
        None => fail(StyleError::NotFound),
    };
    let insert = move |_| match picked() {
        Some((style, shown)) => {
            draft.edit(|d| style.insert(d));
            tell(true, T::StyleInserted.fill(lang.get_untracked(), &[&shown]));
        }
        None => fail(StyleError::NotFound),
    };
    let save = move |_| {
        let style = draft
            .draft
            .with_untracked(|d| Style::from_draft(&name.get_untracked(), d));
        let saved_name = style.name.clone();
        match styles.change(|b| b.save(style, false)) {
            (Ok(()), stored) => {
                pick.set(Pick::Own(saved_name.clone()));
                name.set(String::new());
                kept(
                    stored,
                    T::StyleSaved.fill(lang.get_untracked(), &[&saved_name]),
                );
            }
            (Err(e), _) => fail(e),
        }
    };
    let rename = move |_| {
        let Ok(from) = own() else {
            return tell(false, T::StyleBuiltInFixed.get(lang.get_untracked()).into());
        };
        let to = name.get_untracked().trim().to_string();
        match styles.change(|b| b.rename(&from, &to)) {
            (Ok(()), stored) => {
                pick.set(Pick::Own(to.clone()));
                name.set(String::new());
                kept(stored, T::StyleRenamed.fill(lang.get_untracked(), &[&to]));
            }
            (Err(e), _) => fail(e),
        }
    };
    let delete = move |_| {
        let Ok(which) = own() else {
            return tell(false, T::StyleBuiltInFixed.get(lang.get_untracked()).into());
        };
        match styles.change(|b| b.delete(&which)) {
            (Ok(style), stored) => {
                pick.set(Pick::BuiltIn(BuiltIn::Quality));
                kept(
                    stored,
                    T::StyleDeleted.fill(lang.get_untracked(), &[&which]),
                );
                said.update(|s| {
                    if let Some(s) = s {
                        s.undo = Some(style);
                    }
                });
            }
            (Err(e), _) => fail(e),
        }
    };
    let undo = move |_| {
        let Some(style) = said.get_untracked().and_then(|s| s.undo) else {
            return;
        };
        let back = style.name.clone();
        match styles.change(|b| b.save(style, false)) {
            (Ok(()), stored) => {
                pick.set(Pick::Own(back.clone()));
                kept(stored, T::StyleSaved.fill(lang.get_untracked(), &[&back]));
            }
            (Err(e), _) => fail(e),
        }
    };
    let export = move |_| {
        let (count, text) = styles
            .value
            .with_untracked(|b| (b.styles.len(), b.export()));
        if count == 0 {
            return tell(false, T::NothingToExport.get(lang.get_untracked()).into());
        }
        let parts = js_sys::Array::of1(&text.into());
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        match web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) {
            Ok(blob) if save_blob(&blob, "kamiya-styles.json") => tell(
                true,
                T::StylesExported.fill(lang.get_untracked(), &[&count]),
            ),
            _ => tell(false, T::StylesUnreadable.get(lang.get_untracked()).into()),
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let file = input.files().and_then(|f| f.get(0));
        // The same file can be chosen again after a fix.
        input.set_value("");
        let Some(file) = file else {
            return;
        };
        if file.size() > crate::domain::styles::MAX_FILE_BYTES as f64 {
            return fail(StyleError::TooLarge);
        }
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|t| t.as_string());
            let Some(text) = text else {
                return tell(false, T::StylesUnreadable.get(lang.get_untracked()).into());
            };
            match styles.change(|b| b.import(&text)) {
                (Ok(done), stored) => kept(
                    stored,
                    T::StylesImported.fill(
                        lang.get_untracked(),
                        &[&(done.added + done.replaced), &done.replaced],
                    ),
                ),
                (Err(e), _) => fail(e),
            }
        });
    };

    let options = move || {
        let lang = lang.get();
        let own = styles
            .value
            .with(|b| b.styles.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
        view! {
            <optgroup label=T::BuiltInStyles.get(lang)>
                {BuiltIn::ALL.iter().map(|b| {
                    view! { <option value=Pick::BuiltIn(*b).value()>{words::built_in_style(*b).get(lang)}</option> }
                }).collect_view()}
            </optgroup>
            {(!own.is_empty()).then(|| view! {
                <optgroup label=T::YourStyles.get(lang)>
                    {own.into_iter().map(|n| {
                        let value = Pick::Own(n.clone()).value();
                        view! { <option value=value>{n}</option> }
                    }).collect_view()}
                </optgroup>
            })}
        }
    };
    let is_own = move || matches!(pick.get(), Pick::Own(_));

    view! {
        <div class="field">
            <label for="style-pick">{T::Style.tr()}</label>
            <select id="style-pick" prop:value=move || pick.get().value()
                on:change=move |ev| pick.set(Pick::parse(&event_target_value(&ev)))>
                {options}
            </select>
        </div>
        <div class="row">
            <button type="button" on:click=apply>{T::ApplyStyle.tr()}</button>
            <button type="button" class="secondary" on:click=insert>{T::InsertStyle.tr()}</button>
            <button type="button" class="secondary" on:click=rename disabled=move || !is_own()>{T::RenameStyle.tr()}</button>
            <button type="button" class="secondary" on:click=delete disabled=move || !is_own()>{T::DeleteStyle.tr()}</button>
        </div>
        <div class="field">
            <label for="style-name">{T::StyleName.tr()}</label>
            <input id="style-name" type="text" maxlength="80" autocomplete="off"
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
        </div>
        <div class="row">
            <button type="button" on:click=save>{T::SaveStyle.tr()}</button>
            <button type="button" class="secondary" on:click=export>{T::ExportStyles.tr()}</button>
            // Before its label, which shows its focus (style/main.css).
            <input id="styles-import" type="file" class="visually-hidden" accept=".json,application/json"
                on:change=import/>
            <label for="styles-import" class="button">{T::ImportStyles.tr()}</label>
        </div>
        {move || styles.value.with(|b| b.styles.is_empty()).then(|| view! { <p class="hint">{T::NoStylesYet.tr()}</p> })}
        <p class="tool-status" role="status">
            {move || said.get().map(|s| view! {
                <span class=if s.ok { "ok" } else { "error" }>{s.text}</span>
                {s.undo.is_some().then(|| view! { " " <button type="button" class="secondary" on:click=undo>{T::Undo.tr()}</button> })}
            })}
        </p>
    }
}

#[component]
fn RecentPrompts() -> impl IntoView {
    let history = expect_context::<PromptHistoryStore>();
    let draft = expect_context::<DraftStore>();
    let query = RwSignal::new(String::new());
    let found = Memo::new(move |_| {
        history
            .value
            .with(|h| query.with(|q| h.search(q).map(str::to_string).collect::<Vec<_>>()))
    });
    let any = move || history.value.with(|h| !h.prompts.is_empty());
    let use_prompt = move |p: String| {
        draft.edit(|d| d.prompts = p);
        if let Some(field) = document()
            .get_element_by_id("prompt")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = field.focus();
        }
    };
    view! {
        <div class="field">
            <label for="recent-search">{T::SearchRecentPrompts.tr()}</label>
            <input id="recent-search" type="search" autocomplete="off"
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
        </div>
        {move || {
            let note = if !any() {
                Some(T::NoRecentPrompts)
            } else if found.with(Vec::is_empty) {
                Some(T::NoRecentMatch)
            } else {
                None
            };
            note.map(|t| view! { <p class="hint">{t.tr()}</p> })
        }}
        <ul class="recent-list">
            <For each=move || found.get() key=|p| p.clone() let:p>
                {
                    let text = p.clone();
                    view! {
                        <li>
                            <button type="button" class="recent-item" title=T::UsePrompt.tr()
                                on:click=move |_| use_prompt(text.clone())>{p}</button>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}
