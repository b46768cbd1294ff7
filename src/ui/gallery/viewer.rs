//! The full view of a picture: a modal dialog with the picture, its
//! parameters and every action.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::thumb::Picture;
use crate::domain::job::Job;
use crate::domain::params::trim_float;
use crate::i18n::{use_lang, T};
use crate::ui::actions::ImageActions;
use crate::ui::common::when_made;
use crate::ui::credit::JobCostLine;

/// The full view: a modal dialog. Keys: ←/→ step, Esc closes; on touch
/// screens a sideways swipe steps.
#[component]
pub(super) fn Viewer(
    job: Signal<Job>,
    index: usize,
    total: usize,
    step: impl Fn(isize) + Copy + Send + Sync + 'static,
    close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let root = NodeRef::<leptos::html::Div>::new();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| match ev.key().as_str() {
        "ArrowLeft" => step(-1),
        "ArrowRight" => step(1),
        "Escape" => close.run(()),
        "Tab" => {
            if let Some(root) = root.get_untracked() {
                trap_focus(&root, &ev);
            }
        }
        _ => {}
    });
    on_cleanup(move || keys.remove());
    let touch_x = StoredValue::new(None::<i32>);
    let close_ref = NodeRef::<leptos::html::Button>::new();
    // Focus goes into the dialog, for keyboard and screen-reader users.
    Effect::new(move |_| {
        if let Some(b) = close_ref.get() {
            let _ = b.focus();
        }
    });
    let (at_start, at_end) = (index == 0, index + 1 >= total);
    let (r, made, id) =
        job.with_untracked(|j| (j.request.clone(), when_made(j, lang), j.id.clone()));
    let loras = r
        .loras
        .iter()
        .map(|l| format!("{} ({}%)", l.id, l.weight))
        .collect::<Vec<_>>()
        .join(", ");
    let prompt = r.prompts.clone();
    let alt = Signal::derive(move || format!("{}: {}", T::GeneratedImage.get(lang.get()), prompt));
    view! {
        <div class="viewer" node_ref=root role="dialog" aria-modal="true" aria-label=move || T::ImageViewer.get(lang.get())
            on:touchstart=move |ev| {
                touch_x.set_value(ev.changed_touches().item(0).map(|t| t.client_x()));
            }
            on:touchend=move |ev| {
                if let (Some(start), Some(end)) = (touch_x.get_value(), ev.changed_touches().item(0).map(|t| t.client_x())) {
                    let dx = end - start;
                    if dx.abs() > 50 {
                        step(if dx < 0 { 1 } else { -1 });
                    }
                }
            }>
            <div class="viewer-bar">
                <button type="button" class="secondary" disabled=at_start on:click=move |_| step(-1)>{T::Previous.tr()}</button>
                <span>{format!("{} / {total}", index + 1)}</span>
                <button type="button" class="secondary" disabled=at_end on:click=move |_| step(1)>{T::Next.tr()}</button>
                <button type="button" node_ref=close_ref on:click=move |_| close.run(())>{T::Close.tr()}</button>
            </div>
            <div class="viewer-body">
                <Picture job=job alt=alt lazy=false retry=true class="viewer-image"/>
                <div class="viewer-params">
                    <dl class="params">
                        <dt>{T::Prompt.tr()}</dt><dd>{r.prompts.clone()}</dd>
                        <dt>{T::NegativePrompt.tr()}</dt><dd>{r.negative_prompts.clone()}</dd>
                        <dt>{T::Model.tr()}</dt><dd>{r.model.clone()}</dd>
                        <dt>{T::Size.tr()}</dt><dd>{format!("{} × {}", r.width, r.height)}</dd>
                        <dt>{T::Sampler.tr()}</dt><dd>{r.sampling.clone()}</dd>
                        <dt>{T::Steps.tr()}</dt><dd>{r.step}</dd>
                        <dt>{T::Cfg.tr()}</dt><dd>{trim_float(r.cfg)}</dd>
                        <dt>{T::Seed.tr()}</dt><dd>{r.seed}</dd>
                        <dt>{T::Loras.tr()}</dt><dd>{loras}</dd>
                        {made.map(|t| view! { <dt>{T::Made.tr()}</dt><dd>{t}</dd> })}
                    </dl>
                    <JobCostLine id=id/>
                    <ImageActions job=job/>
                </div>
            </div>
        </div>
    }
}

/// Keeps Tab and Shift+Tab inside the modal `root`: from its last control
/// to its first and back, and from anywhere outside to its first.
fn trap_focus(root: &web_sys::HtmlDivElement, ev: &web_sys::KeyboardEvent) {
    let Ok(list) = root.query_selector_all(
        "button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into().ok())
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = document().active_element();
    let inside = active
        .as_ref()
        .is_some_and(|a| root.contains(Some(a.unchecked_ref())));
    let target = match (inside, ev.shift_key()) {
        (false, _) => Some(first),
        (true, false) if active.as_ref() == Some(last.unchecked_ref()) => Some(first),
        (true, true) if active.as_ref() == Some(first.unchecked_ref()) => Some(last),
        _ => None,
    };
    if let Some(t) = target {
        ev.prevent_default();
        let _ = t.focus();
    }
}
