//! A picture's menu: one button that opens every action, following the
//! ARIA menu-button pattern. Keyboard: Enter, Space or ↓ opens it on the
//! first item (↑ on the last); ↑/↓ move, Home/End jump, Esc closes and
//! returns to the button, Tab closes. Touch and mouse: a tap opens it, a
//! tap outside closes it.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
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
    let menu_ref = NodeRef::<leptos::html::Div>::new();
    let open_at = move |last: bool| {
        open.set(true);
        request_animation_frame(move || {
            // In the top layer (a popover), the menu is never clipped by the
            // scrolling column nor painted under the next tile; where
            // popovers are missing it stays beside its button.
            if let (Some(menu), Some(button)) = (menu_ref.get_untracked(), button.get_untracked()) {
                if menu.show_popover().is_ok() {
                    let b = button.get_bounding_client_rect();
                    let size = |v: Result<wasm_bindgen::JsValue, _>| {
                        v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
                    };
                    let (left, top) = menu_position(
                        (b.left(), b.top(), b.right(), b.bottom()),
                        (menu.offset_width() as f64, menu.offset_height() as f64),
                        (size(window().inner_width()), size(window().inner_height())),
                    );
                    let style = web_sys::HtmlElement::style(&menu);
                    let _ = style.set_property("left", &format!("{}px", left as i32));
                    let _ = style.set_property("top", &format!("{}px", top as i32));
                }
            }
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
    // A press outside closes the menu: listened for only while it is open
    // (a listener per tile would be made and dropped with every scrolled
    // row of the grid).
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let handle = window_event_listener(leptos::ev::pointerdown, move |ev| {
            let inside = wrap.get_untracked().is_some_and(|w| {
                ev.target()
                    .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                    .is_some_and(|t| w.contains(Some(&t)))
            });
            if !inside {
                open.set(false);
            }
        });
        // The menu stays where it opened: a scroll (of the page or of a
        // column, caught on the way down) or a resize closes it.
        let resized = window_event_listener(leptos::ev::resize, move |_| open.set(false));
        let column = Closure::<dyn Fn()>::new(move || open.set(false));
        let _ = document().add_event_listener_with_callback_and_bool(
            "scroll",
            column.as_ref().unchecked_ref(),
            true,
        );
        let column = send_wrapper::SendWrapper::new(column);
        // Runs before the effect's next run (closed) and when it goes.
        on_cleanup(move || {
            handle.remove();
            resized.remove();
            let _ = document().remove_event_listener_with_callback_and_bool(
                "scroll",
                column.as_ref().unchecked_ref(),
                true,
            );
        });
    });
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
                    popover="manual" node_ref=menu_ref
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

/// Where a menu of `menu` (width, height) opens for a button at `button`
/// (left, top, right, bottom) on a `screen` (width, height): below the
/// button, its right edge at the button's, kept 8 px inside the screen;
/// above the button when there is no room below.
fn menu_position(button: (f64, f64, f64, f64), menu: (f64, f64), screen: (f64, f64)) -> (f64, f64) {
    const MARGIN: f64 = 8.0;
    let (_, b_top, b_right, b_bottom) = button;
    let (w, h) = menu;
    let left = (b_right - w).min(screen.0 - w - MARGIN).max(MARGIN);
    let below = b_bottom + 4.0;
    let top = if below + h <= screen.1 - MARGIN {
        below
    } else {
        (b_top - h - 4.0).max(MARGIN)
    };
    (left, top)
}

#[cfg(test)]
mod tests {
    use super::menu_position;

    #[test]
    fn a_menu_opens_below_its_button_inside_the_screen() {
        // A button near the right edge: the menu's right edge is the button's.
        assert_eq!(
            menu_position((300.0, 100.0, 344.0, 144.0), (240.0, 300.0), (390.0, 844.0)),
            (104.0, 148.0)
        );
        // A button in the first column: the menu does not leave the screen.
        assert_eq!(
            menu_position((60.0, 100.0, 104.0, 144.0), (240.0, 300.0), (390.0, 844.0)),
            (8.0, 148.0)
        );
        // No room below: above the button.
        assert_eq!(
            menu_position((300.0, 700.0, 344.0, 744.0), (240.0, 300.0), (390.0, 844.0)),
            (104.0, 396.0)
        );
        // A menu taller than the screen starts at its top.
        assert_eq!(
            menu_position((300.0, 100.0, 344.0, 144.0), (240.0, 900.0), (390.0, 844.0)),
            (104.0, 8.0)
        );
    }
}
