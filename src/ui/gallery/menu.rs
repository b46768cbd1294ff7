//! A picture's menu: one button that opens every action, following the
//! ARIA menu-button pattern. Keyboard: Enter, Space or ↓ opens it on the
//! first item (↑ on the last); ↑/↓ move, Home/End jump, Esc closes and
//! returns to the button, Tab closes. Touch and mouse: a tap opens it, a
//! tap outside closes it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::Status;
use crate::domain::job::Job;
use crate::i18n::{use_lang, T};
use crate::ui::actions::{perform, Action};

#[component]
pub(super) fn PictureMenu(
    #[prop(into)] job: Signal<Job>,
    /// The picture's name for screen readers ("More actions: <prompt>").
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let Status(said) = expect_context::<Status>();
    let open = RwSignal::new(false);
    let wrap = NodeRef::<leptos::html::Div>::new();
    let button = NodeRef::<leptos::html::Button>::new();
    let menu_id = format!(
        "menu-{}",
        job.with_untracked(|j| j.id.0.replace(|c: char| !c.is_ascii_alphanumeric(), "-"))
    );
    let items = move || -> Vec<web_sys::HtmlElement> {
        let Some(wrap) = wrap.get_untracked() else {
            return Vec::new();
        };
        let Ok(list) = wrap.query_selector_all("[role=menuitem]") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into().ok())
            .collect()
    };
    // Opens the menu, then focuses an item once it is on screen.
    let open_at = move |last: bool| {
        open.set(true);
        request_animation_frame(move || {
            let all = items();
            let target = if last { all.last() } else { all.first() };
            if let Some(item) = target {
                let _ = item.focus();
            }
        });
    };
    let close = move |refocus: bool| {
        open.set(false);
        if refocus {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    let on_button_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" | "Enter" | " " => {
            ev.prevent_default();
            open_at(false);
        }
        "ArrowUp" => {
            ev.prevent_default();
            open_at(true);
        }
        _ => {}
    };
    let on_menu_key = move |ev: leptos::ev::KeyboardEvent| {
        let all = items();
        let at = document().active_element().and_then(|a| {
            all.iter()
                .position(|i| *i.unchecked_ref::<web_sys::Element>() == a)
        });
        let go = |i: usize| {
            if let Some(item) = all.get(i) {
                let _ = item.focus();
            }
        };
        let n = all.len();
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                go(at.map_or(0, |i| (i + 1) % n.max(1)));
            }
            "ArrowUp" => {
                ev.prevent_default();
                go(at.map_or(n.saturating_sub(1), |i| (i + n - 1) % n.max(1)));
            }
            "Home" => {
                ev.prevent_default();
                go(0);
            }
            "End" => {
                ev.prevent_default();
                go(n.saturating_sub(1));
            }
            "Escape" => {
                ev.prevent_default();
                ev.stop_propagation();
                close(true);
            }
            "Tab" => close(false),
            _ => {}
        }
    };
    // A tap or click anywhere else closes it.
    let outside = window_event_listener(leptos::ev::pointerdown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = wrap.get_untracked().is_some_and(|w| {
            ev.target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .is_some_and(|t| w.contains(Some(&t)))
        });
        if !inside {
            open.set(false);
        }
    });
    on_cleanup(move || outside.remove());
    let say = move |s| {
        said.try_set(Some(s));
    };

    view! {
        <div class="menu-wrap" node_ref=wrap>
            <button type="button" class="menu-button" node_ref=button
                aria-haspopup="menu" aria-controls=menu_id.clone()
                aria-expanded=move || open.get().to_string()
                aria-label=move || format!("{}: {}", T::MoreActions.get(lang.get()), label.get())
                on:keydown=on_button_key
                on:click=move |_| if open.get_untracked() { close(false) } else { open_at(false) }>
                <span aria-hidden="true">"⋯"</span>
            </button>
            <Show when=move || open.get()>
                <div class="menu" role="menu" id=menu_id.clone() on:keydown=on_menu_key
                    aria-label=move || T::ImageActions.get(lang.get())>
                    {Action::ALL.into_iter().map(|action| view! {
                        <button type="button" role=move || match job.with(|j| action.pressed(j)) {
                                Some(_) => "menuitemcheckbox",
                                None => "menuitem",
                            }
                            aria-checked=move || job.with(|j| action.pressed(j).map(|p| p.to_string()))
                            tabindex="-1"
                            on:click=move |_| {
                                close(action != Action::Remove);
                                perform(action, job.get_untracked(), say);
                            }>
                            {move || job.with(|j| action.label(j).get(lang.get()))}
                        </button>
                    }).collect_view()}
                </div>
            </Show>
        </div>
    }
}
