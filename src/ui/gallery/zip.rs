//! Many pictures as one ZIP, built in the page: each JPEG (named from its
//! date, seed and first prompt words) with a `.txt` of its parameters in
//! AUTOMATIC1111's format beside it. Streamed: one picture at a time passes
//! through the wasm; the archive's bytes go out to the browser as they are
//! written, so 500 pictures never sit in memory here at once.
//!
//! The format is written by `domain::zip` (stored entries: JPEGs do not
//! compress).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::domain::a1111;
use crate::domain::gallery::{export_name, unique_names};
use crate::domain::job::{Job, MadeAt};
use crate::domain::zip::ZipStream;
use crate::state::jobs::JobStore;

/// The browser holds what is written, in parts of this size.
const PART: usize = 256 * 1024;

/// A `Write` whose bytes leave the wasm for the browser in parts.
struct ToBrowser {
    parts: js_sys::Array,
    pending: Vec<u8>,
}

impl ToBrowser {
    fn flush_part(&mut self) {
        if !self.pending.is_empty() {
            self.parts
                .push(&js_sys::Uint8Array::from(self.pending.as_slice()));
            self.pending.clear();
        }
    }
}

impl ToBrowser {
    fn write(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= PART {
            self.flush_part();
        }
    }
}

/// Why a ZIP could not be made.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ZipProblem {
    /// A picture's host does not let this page read it (CORS): its prompt.
    Unreadable(String),
    /// Over 4 GB or 65,535 files.
    TooLarge,
    Failed,
}

/// The day a picture was made, `YYYY-MM-DD` (this device's time zone), or
/// `MM-DD` as the server gives it when that is all there is.
fn date_of(job: &Job) -> String {
    match job.made_at() {
        MadeAt::Local(ms) => {
            let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
            format!(
                "{:04}-{:02}-{:02}",
                d.get_full_year(),
                d.get_month() + 1,
                d.get_date()
            )
        }
        MadeAt::Server(text) => text.split(' ').next().unwrap_or_default().to_string(),
        MadeAt::Unknown => String::new(),
    }
}

async fn bytes_of(jobs: JobStore, job: &Job) -> Option<Vec<u8>> {
    // A kept copy needs no host (and no CORS).
    let blob = match job.kept {
        true => jobs.kept_blob(&job.id).await,
        false => None,
    };
    let blob = match blob {
        Some(b) => b,
        None => jobs.picture_blob(job.image_url.as_deref()?).await?,
    };
    let buffer = JsFuture::from(blob.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Builds the ZIP of `pictures` (calling `progress` with how many are in)
/// and returns it as a blob.
pub(super) async fn build(
    jobs: JobStore,
    pictures: Vec<Job>,
    progress: impl Fn(usize),
) -> Result<web_sys::Blob, ZipProblem> {
    let stems = unique_names(
        pictures
            .iter()
            .map(|j| export_name(&date_of(j), j.request.seed, &j.request.prompts, "jpg"))
            .collect(),
    );
    let mut sink = ToBrowser {
        parts: js_sys::Array::new(),
        pending: Vec::new(),
    };
    let mut archive = ZipStream::new();
    let mut out = |bytes: &[u8]| sink.write(bytes);
    for (i, (job, name)) in pictures.iter().zip(stems).enumerate() {
        let bytes = bytes_of(jobs, job)
            .await
            .ok_or_else(|| ZipProblem::Unreadable(job.request.prompts.clone()))?;
        archive
            .add(&name, &bytes, &mut out)
            .map_err(|_| ZipProblem::TooLarge)?;
        drop(bytes);
        let text_name = format!("{}.txt", name.trim_end_matches(".jpg"));
        archive
            .add(
                &text_name,
                a1111::to_text(&job.request).as_bytes(),
                &mut out,
            )
            .map_err(|_| ZipProblem::TooLarge)?;
        progress(i + 1);
    }
    archive.finish(&mut out).map_err(|_| ZipProblem::TooLarge)?;
    sink.flush_part();
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/zip");
    web_sys::Blob::new_with_u8_array_sequence_and_options(&sink.parts, &options)
        .map_err(|_| ZipProblem::Failed)?
        .dyn_into()
        .map_err(|_| ZipProblem::Failed)
}
