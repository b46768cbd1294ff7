//! The image2image source: decoded in the page, fitted to the chosen size
//! on a canvas, encoded as a data URL under the size cap. Kept in memory
//! only: megabytes do not belong in localStorage.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

use crate::domain::fit::{self, FitMode, SourceProblem, MAX_SOURCE_BYTES};
use crate::domain::probe;

/// Files larger than this are not even read.
const MAX_FILE_BYTES: f64 = 60.0 * 1024.0 * 1024.0;
const JPEG_QUALITIES: [f64; 5] = [0.92, 0.85, 0.75, 0.65, 0.5];

/// Why a picture cannot be the source.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceError {
    NotAnImage,
    Broken,
    FileTooLarge,
    Dimensions(SourceProblem),
    /// Even the lowest quality is over the cap: the smallest size, in bytes.
    TooLargeToSend(usize),
    /// A finished image could not be read back (usually CORS on its host).
    CannotFetch,
}

/// What the source is, once decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub may_have_alpha: bool,
}

/// Exactly what will be sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub data_url: String,
    pub bytes: usize,
    pub width: u32,
    pub height: u32,
    pub png: bool,
    /// JPEG quality was lowered to fit the cap.
    pub reduced: bool,
    /// The source had transparency, but PNG was over the cap.
    pub alpha_dropped: bool,
}

#[derive(Clone, Copy)]
pub struct SourceStore {
    bitmap: StoredValue<Option<ImageBitmap>, LocalStorage>,
    pub info: RwSignal<Option<SourceInfo>>,
    pub prepared: RwSignal<Option<Prepared>>,
    pub error: RwSignal<Option<SourceError>>,
    pub busy: RwSignal<bool>,
}

impl Default for SourceStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SourceStore {
    pub fn new() -> SourceStore {
        SourceStore {
            bitmap: StoredValue::new_local(None),
            info: RwSignal::new(None),
            prepared: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    pub fn clear(&self) {
        self.bitmap.set_value(None);
        self.info.set(None);
        self.prepared.set(None);
        self.error.set(None);
    }

    /// Takes a picked, dropped or pasted file. A bad one leaves the
    /// previous source in place and says why.
    pub fn load_blob(self, blob: Blob, name: String) {
        let kind = blob.type_();
        if !kind.is_empty() && !kind.starts_with("image/") {
            self.error.set(Some(SourceError::NotAnImage));
            return;
        }
        if blob.size() > MAX_FILE_BYTES {
            self.error.set(Some(SourceError::FileTooLarge));
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            let result = decode(&blob).await;
            self.busy.try_set(false);
            match result {
                Ok((bitmap, may_have_alpha)) => {
                    let info = SourceInfo {
                        name,
                        width: bitmap.width(),
                        height: bitmap.height(),
                        may_have_alpha,
                    };
                    self.bitmap.try_set_value(Some(bitmap));
                    self.prepared.try_set(None);
                    self.info.try_set(Some(info));
                }
                Err(e) => {
                    self.error.try_set(Some(e));
                }
            }
        });
    }

    /// "Use as source": reads a finished image back from its URL.
    pub fn load_url(self, url: String) {
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            let blob = async {
                let response = gloo_net::http::Request::get(&url).send().await.ok()?;
                if !response.ok() {
                    return None;
                }
                let raw: web_sys::Response = response.into();
                let promise = raw.blob().ok()?;
                JsFuture::from(promise).await.ok()?.dyn_into::<Blob>().ok()
            }
            .await;
            self.busy.try_set(false);
            match blob {
                Some(blob) => {
                    self.load_blob(blob, url.rsplit('/').next().unwrap_or("image").to_string())
                }
                None => {
                    self.error.try_set(Some(SourceError::CannotFetch));
                }
            }
        });
    }

    /// Draws the source at the output size and encodes it; the result is
    /// what the preview shows and what is sent.
    pub fn prepare(&self, width: u32, height: u32, mode: FitMode) {
        let Some(info) = self.info.get_untracked() else {
            return;
        };
        let result = self.bitmap.with_value(|b| {
            b.as_ref()
                .map(|bitmap| encode(bitmap, &info, width, height, mode))
        });
        match result {
            Some(Ok(p)) => {
                self.prepared.set(Some(p));
                self.error.set(None);
            }
            Some(Err(e)) => {
                self.prepared.set(None);
                self.error.set(Some(e));
            }
            None => {}
        }
    }
}

async fn decode(blob: &Blob) -> Result<(ImageBitmap, bool), SourceError> {
    // The header first: a 12000×12000 picture is refused before decoding.
    let head = blob
        .slice_with_f64_and_f64(0.0, 512.0 * 1024.0)
        .map_err(|_| SourceError::Broken)?;
    let buffer = JsFuture::from(head.array_buffer())
        .await
        .map_err(|_| SourceError::Broken)?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let probed = probe::dimensions(&bytes);
    match probed {
        Some((_, w, h)) => fit::check_source_dimensions(w, h).map_err(SourceError::Dimensions)?,
        None if blob.type_().is_empty() => return Err(SourceError::NotAnImage),
        // Another image type (AVIF, HEIC…): let the browser try.
        None => {}
    }
    let may_have_alpha = probed.map(|(f, _, _)| f.may_have_alpha()).unwrap_or(true);
    let window = web_sys::window().ok_or(SourceError::Broken)?;
    // createImageBitmap applies the EXIF orientation ("from-image" is the
    // default), decodes off the main thread, and fails cleanly on junk.
    let promise = window
        .create_image_bitmap_with_blob(blob)
        .map_err(|_| SourceError::Broken)?;
    let bitmap = JsFuture::from(promise)
        .await
        .map_err(|_| SourceError::Broken)?;
    let bitmap: ImageBitmap = bitmap.dyn_into().map_err(|_| SourceError::Broken)?;
    fit::check_source_dimensions(bitmap.width(), bitmap.height())
        .map_err(SourceError::Dimensions)?;
    Ok((bitmap, may_have_alpha))
}

fn canvas(width: u32, height: u32) -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    let canvas: HtmlCanvasElement = document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    Some((canvas, ctx))
}

fn encode(
    bitmap: &ImageBitmap,
    info: &SourceInfo,
    width: u32,
    height: u32,
    mode: FitMode,
) -> Result<Prepared, SourceError> {
    let placement =
        fit::place(info.width, info.height, width, height, mode).ok_or(SourceError::Broken)?;
    let (canvas, ctx) = canvas(width, height).ok_or(SourceError::Broken)?;
    let draw = |ctx: &CanvasRenderingContext2d| {
        let (s, d) = (placement.src, placement.dst);
        ctx.draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            bitmap, s.x, s.y, s.w, s.h, d.x, d.y, d.w, d.h,
        )
        .map_err(|_| SourceError::Broken)
    };
    draw(&ctx)?;
    let made = |data_url, bytes, png, reduced, alpha_dropped| Prepared {
        data_url,
        bytes,
        width,
        height,
        png,
        reduced,
        alpha_dropped,
    };
    let transparent = info.may_have_alpha && has_transparency(&ctx, width, height);
    let mut alpha_dropped = false;
    if transparent {
        let url = canvas
            .to_data_url_with_type("image/png")
            .map_err(|_| SourceError::Broken)?;
        let bytes = fit::data_url_size(&url);
        if bytes <= MAX_SOURCE_BYTES {
            return Ok(made(url, bytes, true, false, false));
        }
        alpha_dropped = true;
    }
    // JPEG has no transparency: padding and clear areas become black, as a
    // fixed colour the server can paint over.
    let (canvas, ctx) = self::canvas(width, height).ok_or(SourceError::Broken)?;
    ctx.set_fill_style_str("#000");
    ctx.fill_rect(0.0, 0.0, width as f64, height as f64);
    draw(&ctx)?;
    let mut smallest = usize::MAX;
    for (i, q) in JPEG_QUALITIES.iter().enumerate() {
        let url = canvas
            .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(*q))
            .map_err(|_| SourceError::Broken)?;
        let bytes = fit::data_url_size(&url);
        if bytes <= MAX_SOURCE_BYTES {
            return Ok(made(url, bytes, false, i > 0, alpha_dropped));
        }
        smallest = smallest.min(bytes);
    }
    Err(SourceError::TooLargeToSend(smallest))
}

fn has_transparency(ctx: &CanvasRenderingContext2d, width: u32, height: u32) -> bool {
    let Ok(data) = ctx.get_image_data(0.0, 0.0, width as f64, height as f64) else {
        return false;
    };
    data.data().0.iter().skip(3).step_by(4).any(|&a| a < 255)
}
