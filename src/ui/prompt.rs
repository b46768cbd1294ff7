//! A prompt field: a textarea that suggests Danbooru tags for the word
//! being typed (English, aliases, Chinese names) in a listbox it points
//! to with `aria-activedescendant`, and weighs the tag at the cursor with
//! Ctrl+↑/↓ (⌘ on macOS) as AUTOMATIC1111 does.
//!
//! The field stays a textbox: HTML allows no other role on a textarea, so
//! it carries the combobox pattern's `aria-autocomplete="list"`,
//! `aria-controls` and `aria-activedescendant` without `role=combobox`.

use leptos::html::Textarea;
use leptos::prelude::*;

use super::words;
use crate::domain::emphasis::emphasize;
use crate::domain::tags::{self, byte_offset, short_count, utf16_offset, Suggestion, Via, Word};
use crate::i18n::{use_lang, T};
use crate::state::tags::{TagStatus, TagStore};

/// Suggestions shown at once.
const LIMIT: usize = 8;

#[component]
pub fn PromptBox(
    id: &'static str,
    rows: u32,
    described_by: String,
    invalid: impl Fn() -> &'static str + Send + Sync + 'static,
    labelled_by: Option<&'static str>,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + Send + Sync + 'static,
    on_paste: Option<Callback<web_sys::Event>>,
) -> impl IntoView {
    let tag_store = expect_context::<TagStore>();
    let node = NodeRef::<Textarea>::new();
    let set = Callback::new(set);
    let list_id = format!("{id}-tags");
    // The word at the cursor when last typed; `None` closes the list.
    let word = RwSignal::new(None::<Word>);
    let active = RwSignal::new(0usize);
    let focused = RwSignal::new(false);
    let suggestions = Memo::new(move |_| {
        // Recomputed when the list arrives while a word is waiting.
        let _ = tag_store.status.get();
        word.with(|w| {
            w.as_ref()
                .map(|w| tag_store.suggest(&w.typed, LIMIT))
                .unwrap_or_default()
        })
    });
    let open = move || !suggestions.with(Vec::is_empty);
    let option_id = move |i: usize| format!("{id}-tag-{i}");

    // The text and selection, put into the field at once (so the cursor
    // lands right) and into the draft.
    let put = move |text: String, from: usize, to: usize| {
        if let Some(el) = node.get_untracked() {
            el.set_value(&text);
            let _ = el.set_selection_range(utf16_offset(&text, from), utf16_offset(&text, to));
        }
        set.run(text);
    };
    let take = move |i: usize| {
        let (Some(w), Some(s), Some(el)) = (
            word.get_untracked(),
            suggestions.with_untracked(|s| s.get(i).cloned()),
            node.get_untracked(),
        ) else {
            return;
        };
        let (text, cursor) = tags::complete(&el.value(), &w, &s.text());
        word.set(None);
        put(text, cursor, cursor);
    };
    let follow_cursor = move || {
        let Some(el) = node.get_untracked() else {
            return;
        };
        let text = el.value();
        let cursor = el.selection_end().ok().flatten().unwrap_or(0);
        word.set(tags::word_at(&text, byte_offset(&text, cursor)));
        active.set(0);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.is_composing() {
            return;
        }
        let key = ev.key();
        let arrow_up = key == "ArrowUp";
        if (ev.ctrl_key() || ev.meta_key()) && (arrow_up || key == "ArrowDown") {
            ev.prevent_default();
            word.set(None);
            let Some(el) = node.get_untracked() else {
                return;
            };
            let text = el.value();
            let at = |o: Result<Option<u32>, _>| byte_offset(&text, o.ok().flatten().unwrap_or(0));
            let selection = at(el.selection_start())..at(el.selection_end());
            if let Some(edit) = emphasize(&text, selection, arrow_up) {
                put(edit.text, edit.selection.start, edit.selection.end);
            }
            return;
        }
        let count = suggestions.with_untracked(Vec::len);
        if count == 0 {
            return;
        }
        let plain = !(ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.shift_key());
        match key.as_str() {
            "ArrowDown" if plain => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1) % count);
            }
            "ArrowUp" if plain => {
                ev.prevent_default();
                active.update(|a| *a = (*a + count - 1) % count);
            }
            "Enter" | "Tab" if plain => {
                ev.prevent_default();
                take(active.get_untracked());
            }
            "Escape" => {
                // The list closes; a dialog around the field stays open.
                ev.prevent_default();
                ev.stop_propagation();
                word.set(None);
            }
            "ArrowLeft" | "ArrowRight" | "Home" | "End" | "PageUp" | "PageDown" => word.set(None),
            _ => {}
        }
    };

    view! {
        <div class="prompt-box">
            <textarea id=id rows=rows node_ref=node
                aria-describedby=described_by aria-invalid=invalid aria-labelledby=labelled_by
                aria-autocomplete="list" aria-controls=list_id.clone()
                aria-activedescendant=move || open().then(|| option_id(active.get()))
                on:focus=move |_| {
                    focused.set(true);
                    tag_store.ensure_loaded();
                }
                on:blur=move |_| word.set(None)
                on:click=move |_| word.set(None)
                on:paste=move |ev| if let Some(cb) = on_paste { cb.run(ev.into()) }
                on:keydown=on_keydown
                prop:value=get
                on:input=move |ev| {
                    set.run(event_target_value(&ev));
                    // Pinyin being composed is not a word yet.
                    let composing = js_sys::Reflect::get(&ev, &"isComposing".into())
                        .ok()
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false);
                    // Only for the person typing: a value set by a script
                    // (a field filled for them) opens no list.
                    let typing = node.get_untracked().is_some_and(|el| {
                        document().active_element().is_some_and(|a| a == **el)
                    });
                    if composing || !typing {
                        word.set(None);
                    } else {
                        follow_cursor();
                    }
                }></textarea>
            <ul id=list_id role="listbox" class="tag-list" aria-label=T::TagSuggestions.tr()
                hidden=move || !open()>
                {move || suggestions.get().into_iter().enumerate().map(|(i, s)| {
                    view! { <TagOption s=s i=i id=option_id(i) active=active on_take=Callback::new(take)/> }
                }).collect_view()}
            </ul>
            <Show when=move || focused.get() && tag_store.status.get() == TagStatus::Failed>
                <p class="hint" role="status">{T::TagsUnavailable.tr()}</p>
            </Show>
        </div>
    }
}

/// One suggestion: the tag as it goes into the prompt, what matched if
/// not the name, the category (coloured mark and word) and the count.
#[component]
fn TagOption(
    s: Suggestion,
    i: usize,
    id: String,
    active: RwSignal<usize>,
    on_take: Callback<usize>,
) -> impl IntoView {
    let lang = use_lang();
    let via = match &s.via {
        Via::Name => None,
        Via::Alias(a) => Some(tags::prompt_form(a)),
        Via::Chinese(z) => Some(z.clone()),
    };
    let category = words::tag_category(s.category);
    let cat_class = format!("tag-cat cat-{}", category.get(crate::i18n::Lang::En));
    let count = s.count;
    view! {
        <li id=id role="option" class="tag-option"
            aria-selected=move || if active.get() == i { "true" } else { "false" }
            // Keeps the focus (and a phone's keyboard) in the field.
            on:pointerdown=|ev| ev.prevent_default()
            on:mousedown=|ev| ev.prevent_default()
            on:click=move |_| on_take.run(i)>
            <span class="tag-name">{s.text()}</span>
            {via.map(|v| view! { <span class="tag-via">{v}</span> })}
            <span class=cat_class>{category.tr()}</span>
            <span class="tag-count" title=move || T::TagPosts.fill(lang.get(), &[&count])>{short_count(count)}</span>
        </li>
    }
}
