//! The image2image source: decoded in the page, fitted to the chosen size
//! on a canvas, encoded as a data URL under the size cap. Kept in memory
//! only: megabytes do not belong in localStorage.
//!
//! Fitting and encoding a large photo takes long (about 100 ms on a phone),
//! so it happens only when the source, the size or the fit changes, and off
//! the main thread where the browser can: `assets/encode.js` in a worker,
//! with an `OffscreenCanvas`. Elsewhere the same script runs in the page,
//! one step per task. Either way the result is the data URL that the
//! preview shows and that is sent.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ImageBitmap};

use crate::domain::fit::{self, FitMode, SourceProblem, MAX_SOURCE_BYTES};
use crate::domain::probe;
/// Files larger than this are not even read.
const MAX_FILE_BYTES: f64 = 60.0 * 1024.0 * 1024.0;

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

/// What one encoding is for: the source (by generation), the output size
/// and the fit.
#[derive(Clone, Copy, PartialEq)]
struct Target {
    generation: u32,
    width: u32,
    height: u32,
    mode: FitMode,
}

/// A source: the picture decoded here, and its file for the worker.
#[derive(Clone)]
struct Decoded {
    bitmap: ImageBitmap,
    blob: Blob,
}

/// The decoded source, and what it is to be encoded for.
#[derive(Default)]
struct Held {
    source: Option<Decoded>,
    /// Counts the sources loaded, so that an encoding of an earlier one is
    /// never shown.
    generation: u32,
    /// The newest target asked for; the encoding loop works until what it
    /// has done is this.
    wanted: Option<Target>,
}

#[derive(Clone, Copy)]
pub struct SourceStore {
    held: StoredValue<Held, LocalStorage>,
    pub info: RwSignal<Option<SourceInfo>>,
    pub prepared: RwSignal<Option<Prepared>>,
    pub error: RwSignal<Option<SourceError>>,
    pub busy: RwSignal<bool>,
    /// An encoding is under way: `prepared` may be for the previous size.
    pub encoding: RwSignal<bool>,
}

impl Default for SourceStore {
    fn default() -> Self {
        Self::new()
    }
}

impl Held {
    fn forget_target(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        self.wanted = None;
    }
}

impl SourceStore {
    pub fn new() -> SourceStore {
        SourceStore {
            held: StoredValue::new_local(Held::default()),
            info: RwSignal::new(None),
            prepared: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            encoding: RwSignal::new(false),
        }
    }

    pub fn clear(&self) {
        self.held.update_value(|h| {
            h.forget_target();
            h.source = None;
        });
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
                    self.held.try_update_value(|h| {
                        h.forget_target();
                        h.source = Some(Decoded { bitmap, blob });
                    });
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

    /// Fits the source to the output size and encodes it, in the
    /// background; the result is what the preview shows and what is sent.
    /// Asking again for what was last asked does nothing.
    pub fn prepare(self, width: u32, height: u32, mode: FitMode) {
        let asked = self.held.try_update_value(|h| {
            let target = Target {
                generation: h.generation,
                width,
                height,
                mode,
            };
            let new = h.source.is_some() && h.wanted != Some(target);
            if new {
                h.wanted = Some(target);
            }
            new
        });
        if asked != Some(true) {
            return;
        }
        if self.encoding.get_untracked() {
            // The running loop takes the new target when its step is done.
            return;
        }
        self.encoding.set(true);
        spawn_local(async move {
            let wanted = move || {
                self.held
                    .try_with_value(|h| h.wanted.zip(h.source.clone()))
                    .flatten()
            };
            while let Some((target, source)) = wanted() {
                let Some(info) = self.info.try_get_untracked().flatten() else {
                    break;
                };
                let (result, worked) = encode(&source, &info, target).await;
                if wanted().map(|w| w.0) != Some(target) {
                    continue;
                }
                // A performance mark per encoding, and where it ran: for the
                // tests and the benchmark.
                if let Some(p) = window().performance() {
                    let _ = p.mark(if worked {
                        "kamiya-source-encoded-in-worker"
                    } else {
                        "kamiya-source-encoded-in-page"
                    });
                }
                match result {
                    Ok(p) => {
                        self.prepared.try_set(Some(p));
                        self.error.try_set(None);
                    }
                    Err(e) => {
                        self.prepared.try_set(None);
                        self.error.try_set(Some(e));
                    }
                }
                break;
            }
            self.encoding.try_set(false);
        });
    }

    /// Waits for an encoding under way to end.
    pub async fn settled(self) {
        while self.encoding.try_get_untracked() == Some(true) {
            gloo_timers::future::TimeoutFuture::new(16).await;
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

thread_local! {
    /// The encoding worker, made on first use; `None` inside once it turned
    /// out unusable here, so the page encodes from then on.
    static WORKER: std::cell::RefCell<Option<Option<web_sys::Worker>>> =
        const { std::cell::RefCell::new(None) };
}

/// Fits and encodes in `assets/encode.js`: in its worker if the browser has
/// `OffscreenCanvas` (feature detection on the page), else in the page.
const ENCODER: &str = "encode.js";

fn worker() -> Option<web_sys::Worker> {
    WORKER.with_borrow_mut(|w| {
        w.get_or_insert_with(|| {
            let window = window();
            let has = |name: &str| js_sys::Reflect::has(&window, &name.into()).unwrap_or(false);
            if !(has("OffscreenCanvas") && has("Worker")) {
                return None;
            }
            web_sys::Worker::new(ENCODER).ok()
        })
        .clone()
    })
}

/// The worker's answer; `None` if it could not start (its file missing,
/// say) or could not do the job, and then the page is used from now on.
async fn in_worker(worker: &web_sys::Worker, job: &js_sys::Array) -> Option<JsValue> {
    let answer = js_sys::Promise::new(&mut |resolve, reject| {
        worker.set_onmessage(Some(&resolve));
        worker.set_onerror(Some(&reject));
    });
    let answer = match worker.post_message(job) {
        Ok(()) => JsFuture::from(answer).await.ok(),
        Err(_) => None,
    }
    .map(|ev| ev.unchecked_into::<web_sys::MessageEvent>().data())
    .filter(|a| !a.is_null());
    if answer.is_none() {
        WORKER.set(Some(None));
    }
    answer
}

/// The same in the page: `encode.js` loaded as a script, once.
async fn in_page(job: &js_sys::Array) -> Option<JsValue> {
    let window = window();
    let name = JsValue::from_str("kamiyaFitAndEncode");
    if !js_sys::Reflect::has(&window, &name).unwrap_or(false) {
        let script = document().create_element("script").ok()?;
        script.set_attribute("src", ENCODER).ok()?;
        let loaded = js_sys::Promise::new(&mut |resolve, reject| {
            let _ = script.add_event_listener_with_callback("load", &resolve);
            let _ = script.add_event_listener_with_callback("error", &reject);
        });
        document().head()?.append_child(&script).ok()?;
        JsFuture::from(loaded).await.ok()?;
    }
    let run: js_sys::Function = js_sys::Reflect::get(&window, &name).ok()?.dyn_into().ok()?;
    let answer = run.call1(&JsValue::NULL, job).ok()?;
    JsFuture::from(js_sys::Promise::resolve(&answer))
        .await
        .ok()
        .filter(|a| !a.is_null())
}

/// Fits and encodes the source for `target`; also says whether the worker
/// did it.
async fn encode(
    source: &Decoded,
    info: &SourceInfo,
    target: Target,
) -> (Result<Prepared, SourceError>, bool) {
    let Target {
        width,
        height,
        mode,
        ..
    } = target;
    let Some(at) = fit::place(info.width, info.height, width, height, mode) else {
        return (Err(SourceError::Broken), false);
    };
    let job = js_sys::Array::of1(&source.bitmap);
    let (s, d) = (at.src, at.dst);
    for n in [
        f64::from(width),
        f64::from(height),
        s.x,
        s.y,
        s.w,
        s.h,
        d.x,
        d.y,
        d.w,
        d.h,
    ] {
        job.push(&n.into());
    }
    job.push(&info.may_have_alpha.into());
    job.push(&(MAX_SOURCE_BYTES as f64).into());
    let mut answer = None;
    let mut worked = false;
    if let Some(worker) = worker() {
        // The worker gets the file, not the decoded picture: posting an
        // ImageBitmap copies its pixels on the main thread (a 3000 x 2000
        // photo: a 146 ms task at 4x CPU slowdown), a Blob is passed by
        // reference. The worker decodes it the same way (createImageBitmap,
        // EXIF orientation applied) and keeps it for this source's next fit.
        let to_worker = job.slice(0, job.length());
        to_worker.set(0, source.blob.clone().into());
        to_worker.push(&target.generation.into());
        answer = in_worker(&worker, &to_worker).await;
        worked = answer.is_some();
    }
    if answer.is_none() {
        answer = in_page(&job).await;
    }
    let result = match answer {
        None => Err(SourceError::Broken),
        Some(a) => match a.as_f64() {
            Some(smallest) => Err(SourceError::TooLargeToSend(smallest as usize)),
            None => {
                let a = js_sys::Array::from(&a);
                match a.get(0).as_string() {
                    Some(data_url) => Ok(Prepared {
                        bytes: fit::data_url_size(&data_url),
                        data_url,
                        width,
                        height,
                        png: a.get(1).is_truthy(),
                        reduced: a.get(2).is_truthy(),
                        alpha_dropped: a.get(3).is_truthy(),
                    }),
                    None => Err(SourceError::Broken),
                }
            }
        },
    };
    (result, worked)
}
