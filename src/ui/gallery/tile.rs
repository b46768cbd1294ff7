//! One picture in the grid: it opens the full view, and has its menu. In
//! selection mode it is a checkbox instead (Space toggles it, Shift-click
//! selects a range). On touch, holding a picture starts selection mode.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use super::menu::PictureMenu;
use super::thumb::Picture;
use super::{Entry, GalleryCtx};
use crate::i18n::{use_lang, T};
use crate::state::jobs::JobStore;

/// How long a finger rests on a picture to start selecting.
const HOLD_MS: u32 = 500;

#[component]
pub(super) fn Tile(entry: Entry) -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let ctx = expect_context::<GalleryCtx>();
    let lang = use_lang();
    let Some(job) = entry.job(jobs) else {
        return ().into_any();
    };
    let id = StoredValue::new(entry.id());
    let prompt = StoredValue::new(job.with_untracked(|j| j.request.prompts.clone()));
    let selected = Memo::new(move |_| ctx.selected.with(|s| s.contains(&id.get_value())));
    let fresh = Memo::new(move |_| ctx.fresh.with(|f| f.contains(&id.get_value())));
    let favourite = Memo::new(move |_| job.with(|j| j.favourite));
    let open_label = move || format!("{}: {}", T::OpenImage.get(lang.get()), prompt.get_value());
    let pick_label = move || {
        format!(
            "{}: {}",
            T::SelectPicture.get(lang.get()),
            prompt.get_value()
        )
    };
    let focus_here = NodeRef::<leptos::html::Button>::new();
    // A job that just finished while its card had the focus: the focus
    // continues here.
    Effect::new(move |_| {
        if ctx.focus_request.get().as_ref() == Some(&id.get_value()) {
            if let Some(b) = focus_here.get() {
                let _ = b.focus();
                ctx.focus_request.set(None);
            }
        }
    });

    // Touch: holding starts selection mode with this picture.
    let hold = StoredValue::new_local(None::<Timeout>);
    let held = StoredValue::new(false);
    let start_hold = move |ev: leptos::ev::PointerEvent| {
        if ev.pointer_type() != "touch" || ctx.selecting.get_untracked() {
            return;
        }
        held.set_value(false);
        hold.set_value(Some(Timeout::new(HOLD_MS, move || {
            held.set_value(true);
            ctx.selecting.set(true);
            ctx.toggle(id.get_value(), false);
        })));
    };
    let end_hold = move |_| hold.set_value(None);
    let open = move |_| {
        // The click that ends a hold does not also open the picture.
        if held.get_value() {
            held.set_value(false);
            return;
        }
        ctx.open_picture(id.get_value());
    };

    view! {
        <li class="tile" class:fresh=move || fresh.get() class:selected=move || selected.get()>
            <Show when=move || ctx.selecting.get()
                fallback=move || view! {
                    <button type="button" class="thumb-button" node_ref=focus_here
                        aria-label=open_label on:click=open
                        on:pointerdown=start_hold on:pointerup=end_hold on:pointercancel=end_hold
                        on:pointerleave=end_hold on:contextmenu=move |ev| {
                            // A long press is ours (selection), not the browser's menu.
                            if held.get_value() || hold.with_value(Option::is_some) {
                                ev.prevent_default();
                            }
                        }>
                        <Picture job=job alt=String::new() lazy=true retry=false class="tile-img"/>
                    </button>
                    <PictureMenu job=job label=Signal::derive(move || prompt.get_value())/>
                }>
                <label class="tile-pick">
                    <input type="checkbox" aria-label=pick_label prop:checked=move || selected.get()
                        on:click=move |ev| ctx.toggle(id.get_value(), ev.shift_key())/>
                    <Picture job=job alt=String::new() lazy=true retry=false class="tile-img"/>
                </label>
            </Show>
            <Show when=move || favourite.get()>
                <span class="tile-star" aria-hidden="true">"★"</span>
            </Show>
            <Show when=move || fresh.get()>
                <span class="tile-new">{T::JustFinished.tr()}</span>
            </Show>
        </li>
    }
    .into_any()
}
