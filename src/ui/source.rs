//! Image to image: the mode switch and the source picker (file, camera on
//! phones, drop, paste), with a preview of exactly what will be sent.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::words::Describe;
use crate::api::JobType;
use crate::domain::fit::{self, FitMode};
use crate::domain::params::{CUSTOM_SIZE, SIDE_RANGE};
use crate::i18n::{use_lang, Lang, T};
use crate::state::draft::DraftStore;
use crate::state::source::SourceStore;

/// Takes the first image file of a drop or paste, if any.
pub fn take_file(
    data: Option<web_sys::DataTransfer>,
    source: SourceStore,
    draft: DraftStore,
) -> bool {
    let Some(file) = data.and_then(|d| d.files()).and_then(|f| f.item(0)) else {
        return false;
    };
    draft.edit(|d| d.mode = JobType::Image2Image);
    let name = file.name();
    source.load_blob(file.into(), name);
    true
}

#[component]
pub fn ModeChoice() -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let mode = move || draft.draft.with(|d| d.mode);
    view! {
        <fieldset class="field mode">
            <legend>{T::Mode.tr()}</legend>
            <div class="row">
                <div class="choice">
                    <input type="radio" name="mode" id="mode-t2i" prop:checked=move || mode() == JobType::Text2Image
                        on:change=move |_| draft.edit(|d| d.mode = JobType::Text2Image)/>
                    <label for="mode-t2i">{T::TextToImage.tr()}</label>
                </div>
                <div class="choice">
                    <input type="radio" name="mode" id="mode-i2i" prop:checked=move || mode() == JobType::Image2Image
                        on:change=move |_| draft.edit(|d| d.mode = JobType::Image2Image)/>
                    <label for="mode-i2i">{T::ImageToImage.tr()}</label>
                </div>
            </div>
        </fieldset>
    }
}

#[component]
pub fn SourcePicker(#[prop(into)] missing: Signal<bool>) -> impl IntoView {
    let source = expect_context::<SourceStore>();
    let draft = expect_context::<DraftStore>();
    let config = expect_context::<crate::state::config::ConfigStore>();
    let lang = use_lang();
    let hints = move || {
        config.config.with(|c| {
            c.as_ref()
                .map(|c| c.img2img_hints.clone())
                .unwrap_or_default()
        })
    };

    // Fit again whenever the source, the size or the fit mode changes. This
    // runs on every edit of the draft; `prepare` ignores a target it was
    // given already, so typing in other fields encodes nothing.
    Effect::new(move |_| {
        let loaded = source.info.with(Option::is_some);
        let (w, h, fit_mode) = draft.draft.with(|d| {
            let (w, h) = d.dimensions();
            (
                w.trim().parse::<u32>().ok(),
                h.trim().parse::<u32>().ok(),
                d.fit,
            )
        });
        let ok = |v: u32| v.is_multiple_of(8) && (SIDE_RANGE.0..=SIDE_RANGE.1).contains(&v);
        if let (true, Some(w), Some(h)) = (loaded, w, h) {
            if ok(w) && ok(h) {
                source.prepare(w, h, fit_mode);
            }
        }
    });

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.item(0)) {
            let name = file.name();
            source.load_blob(file.into(), name);
        }
        // Choosing the same file again must fire `change` again.
        input.set_value("");
    };
    let use_aspect = move |_| {
        let Some(info) = source.info.get_untracked() else {
            return;
        };
        let longest = draft.draft.with_untracked(|d| {
            let (w, h) = d.dimensions();
            w.parse::<u32>()
                .unwrap_or(768)
                .max(h.parse::<u32>().unwrap_or(768))
        });
        if let Some((w, h)) = fit::aspect_size(info.width, info.height, longest) {
            draft.edit(|d| {
                d.size = CUSTOM_SIZE.into();
                d.width = w.to_string();
                d.height = h.to_string();
            });
        }
    };
    let fit_label = move |m: FitMode, l: Lang| match m {
        FitMode::Cover => T::FitCover.get(l),
        FitMode::Contain => T::FitContain.get(l),
        FitMode::Stretch => T::FitStretch.get(l),
    };

    view! {
        <div class="source">
            <div class="field">
                <label for="source-file">{T::SourceImage.tr()}</label>
                <input id="source-file" type="file" accept="image/*" aria-describedby="source-file-help"
                    aria-invalid=move || missing.get().to_string() on:change=on_file/>
                <p id="source-file-help" class="hint">{T::SourceHint.tr()}</p>
                <Show when=move || missing.get()>
                    <p class="field-error">{T::SourceMissing.tr()}</p>
                </Show>
            </div>
            <div class="grid">
                <div class="field">
                    <label for="fit">{T::Fit.tr()}</label>
                    <select id="fit" prop:value=move || draft.draft.with(|d| d.fit.key())
                        on:change=move |ev| {
                            if let Some(m) = FitMode::from_key(&event_target_value(&ev)) {
                                draft.edit(|d| d.fit = m);
                            }
                        }>
                        {FitMode::ALL.into_iter().map(|m| view! {
                            <option value=m.key()>{move || fit_label(m, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field align-end">
                    <button type="button" class="secondary" disabled=move || source.info.with(Option::is_none)
                        on:click=use_aspect>{T::UseSourceAspect.tr()}</button>
                </div>
            </div>
            <Show when=move || !hints().is_empty()>
                <div class="notice">
                    <p>{T::ConfigImg2ImgHints.tr()}</p>
                    <dl class="account">
                        {move || hints().into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                    </dl>
                </div>
            </Show>
            <Show when=move || source.busy.get()>
                <p class="hint" role="status">{T::ReadingImage.tr()}</p>
            </Show>
            {move || source.error.get().map(|e| view! {
                <div class="notice error" role="alert"><p>{e.describe(lang.get())}</p></div>
            })}
            {move || source.prepared.get().map(|p| {
                // Rounded half up, in whole numbers: no float formatting.
                let kb = (p.bytes + 512) / 1024;
                let kind = if p.png { "PNG" } else { "JPEG" };
                let name = source.info.with(|i| i.as_ref().map(|i| format!("{} ({}×{})", i.name, i.width, i.height))).unwrap_or_default();
                view! {
                    <figure class="source-preview">
                        <img src=p.data_url alt=move || T::SourcePreviewAlt.get(lang.get()) width=p.width height=p.height/>
                        <figcaption>
                            {format!("{} × {} · {kind} · {kb} KB · ", p.width, p.height)}{name}
                            {p.reduced.then(|| view! { <br/>{T::SourceReduced.tr()} })}
                            {p.alpha_dropped.then(|| view! { <br/>{T::SourceAlphaDropped.tr()} })}
                        </figcaption>
                    </figure>
                }
            })}
            <Show when=move || source.info.with(Option::is_some)>
                <button type="button" class="link" on:click=move |_| source.clear()>{T::RemoveSource.tr()}</button>
            </Show>
        </div>
    }
}

/// Reads the `DataTransfer` of a paste event.
pub fn clipboard_data(ev: &web_sys::Event) -> Option<web_sys::DataTransfer> {
    ev.dyn_ref::<web_sys::ClipboardEvent>()?.clipboard_data()
}
