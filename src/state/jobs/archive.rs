//! The job archive: one IndexedDB record per job, written when that job
//! changes, so it holds tens of thousands of jobs (localStorage, shared by
//! everything, held about 3,000). Also kept here: copies of pictures the
//! user keeps on this device, image-to-image sources until their job is
//! sent, tombstones of removed jobs, the learned durations, and anything
//! this version could not read.
//!
//! Every change to a stored job is a read-modify-write inside one
//! transaction. The browser runs an origin's overlapping read-write
//! transactions one at a time, across all its tabs, so two tabs never
//! lose each other's changes, and "claim a queued job for sending"
//! succeeds in exactly one tab. A record this version cannot read is
//! never overwritten: it is skipped, counted and left as it is.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbObjectStore, IdbTransaction, IdbTransactionMode};

use crate::domain::job::{parse_stored_jobs, Job, JobId};
use crate::domain::poll::DurationStats;
use crate::state::idb::{self, IdbError};

pub const DB_NAME: &str = "kamiya-studio";
const DB_VERSION: u32 = 2;
const JOBS: &str = "jobs";
const PICTURES: &str = "pictures";
const SOURCES: &str = "sources";
const TOMBSTONES: &str = "tombstones";
const META: &str = "meta";
const UNREADABLE: &str = "unreadable";
/// The shape of a stored job; a record with a higher one was written by a
/// newer version of the app and is left alone.
const RECORD_VERSION: f64 = 1.0;
const STATS_KEY: &str = "durations";

/// How a change to a stored job went.
#[derive(Clone, Debug, PartialEq)]
pub enum Updated {
    /// Written: the job as it is now stored.
    Changed(Job),
    /// The change changed nothing: the job as stored.
    Same(Job),
    /// No such record (removed, or never stored).
    Missing,
    /// A record this version cannot read: left untouched.
    Unreadable,
}

/// What the archive is doing, for the messages the views show.
#[derive(Clone, Debug, PartialEq)]
pub enum ArchiveState {
    Opening,
    Ready,
    /// Not usable (missing, blocked by another tab, refused): jobs are
    /// kept in memory only.
    Unavailable(IdbError),
    /// Another tab opened a newer version of the database: this one was
    /// closed so as not to hold it up; a reload picks up the new version.
    Superseded,
}

#[derive(Clone, Copy)]
pub struct Archive {
    db: StoredValue<Option<IdbDatabase>, LocalStorage>,
    pub state: RwSignal<ArchiveState>,
}

impl Archive {
    pub fn new() -> Archive {
        Archive {
            db: StoredValue::new_local(None),
            state: RwSignal::new(ArchiveState::Opening),
        }
    }

    /// Waits while the database is still being opened (a few ms at start).
    pub async fn opened(&self) {
        while self.state.try_get_untracked() == Some(ArchiveState::Opening) {
            gloo_timers::future::TimeoutFuture::new(10).await;
        }
    }

    /// Lets go of the database (the store was unmounted).
    pub fn close(&self) {
        if let Some(Some(db)) = self.db.try_with_value(Clone::clone) {
            db.close();
        }
    }

    pub fn is_ready(&self) -> bool {
        self.db.try_with_value(Option::is_some).unwrap_or(false)
    }

    /// Opens the database, creating its stores on first use.
    pub async fn open(self) -> Result<(), IdbError> {
        let result = idb::open(DB_NAME, DB_VERSION, |db, old| {
            let create = |name: &str, key: Option<&str>| {
                let params = web_sys::IdbObjectStoreParameters::new();
                match key {
                    Some(k) => params.set_key_path(&JsValue::from_str(k)),
                    None => params.set_auto_increment(true),
                }
                db.create_object_store_with_optional_parameters(name, &params)
                    .ok()
            };
            if old < 1 {
                if let Some(jobs) = create(JOBS, Some("id")) {
                    // Newest first for the first screen; favourites for the
                    // gallery's filter.
                    let _ = jobs.create_index_with_str("t", "t");
                    let _ = jobs.create_index_with_str("fav", "fav");
                }
                create(SOURCES, Some("id"));
                create(TOMBSTONES, Some("id"));
                create(META, Some("k"));
                create(UNREADABLE, None);
            }
            if old < 2 {
                create(PICTURES, Some("id"));
            }
        })
        .await;
        match result {
            Ok(db) => {
                let state = self.state;
                let closing = db.clone();
                let on_change = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
                    closing.close();
                    state.try_set(ArchiveState::Superseded);
                });
                db.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
                on_change.forget();
                self.db.set_value(Some(db));
                self.state.set(ArchiveState::Ready);
                Ok(())
            }
            Err(e) => {
                self.state.set(ArchiveState::Unavailable(e.clone()));
                Err(e)
            }
        }
    }

    fn tx(&self, stores: &[&str], write: bool) -> Result<IdbTransaction, IdbError> {
        let db = self
            .db
            .try_with_value(Clone::clone)
            .flatten()
            .ok_or(IdbError::Unavailable)?;
        if self.state.try_get_untracked() != Some(ArchiveState::Ready) {
            return Err(IdbError::Unavailable);
        }
        let names = js_sys::Array::new();
        for s in stores {
            names.push(&JsValue::from_str(s));
        }
        let mode = if write {
            IdbTransactionMode::Readwrite
        } else {
            IdbTransactionMode::Readonly
        };
        db.transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(|_| IdbError::Unavailable)
    }

    /// The `n` most recently queued jobs, newest first; and how many
    /// records among them this version could not read.
    pub async fn recent(&self, n: usize) -> Result<(Vec<Job>, usize), IdbError> {
        let tx = self.tx(&[JOBS], false)?;
        let index = store(&tx, JOBS)?
            .index("t")
            .map_err(|_| IdbError::Unavailable)?;
        let request = index
            .open_cursor_with_range_and_direction(&JsValue::NULL, web_sys::IdbCursorDirection::Prev)
            .map_err(|_| IdbError::Unavailable)?;
        let found = Rc::new(RefCell::new((Vec::new(), 0usize)));
        let sink = found.clone();
        idb::each(&request, move |value| {
            let mut found = sink.borrow_mut();
            match decode(&value) {
                Some(job) => found.0.push(job),
                None => found.1 += 1,
            }
            found.0.len() + found.1 < n
        });
        idb::done(&tx).await?;
        let found = found.take();
        Ok(found)
    }

    /// Up to `n` jobs after `after` in id order (from the start when
    /// `None`): the archive read page by page. Returns the jobs, how many
    /// records could not be read, and the id to continue after (`None`
    /// at the end).
    pub async fn page(
        &self,
        after: Option<String>,
        n: u32,
    ) -> Result<(Vec<Job>, usize, Option<String>), IdbError> {
        let tx = self.tx(&[JOBS], false)?;
        let jobs = store(&tx, JOBS)?;
        let range = match &after {
            Some(id) => Some(
                web_sys::IdbKeyRange::lower_bound_with_open(&JsValue::from_str(id), true)
                    .map_err(|_| IdbError::Unavailable)?,
            ),
            None => None,
        };
        let request = match &range {
            Some(r) => jobs.get_all_with_key_and_limit(r, n),
            None => jobs.get_all_with_key_and_limit(&JsValue::UNDEFINED, n),
        }
        .map_err(|_| IdbError::Unavailable)?;
        let values = idb::result(&request).await?;
        let values: js_sys::Array = values.unchecked_into();
        let mut out = Vec::with_capacity(values.length() as usize);
        let mut unreadable = 0;
        let mut last = None;
        for value in values.iter() {
            last = js_sys::Reflect::get(&value, &"id".into())
                .ok()
                .and_then(|v| v.as_string());
            match decode(&value) {
                Some(job) => out.push(job),
                None => unreadable += 1,
            }
        }
        let more = values.length() == n;
        Ok((out, unreadable, if more { last } else { None }))
    }

    /// Stores new jobs (and the sources of image-to-image ones). Never
    /// replaces a record: a job id is new by construction.
    pub async fn add(&self, jobs: &[Job], sources: &[(JobId, String)]) -> Result<(), IdbError> {
        let tx = self.tx(&[JOBS, SOURCES], true)?;
        let store_jobs = store(&tx, JOBS)?;
        let store_sources = store(&tx, SOURCES)?;
        let placed = jobs
            .iter()
            .try_for_each(|job| store_jobs.add(&encode(job)).map(drop))
            .and_then(|_| {
                sources.iter().try_for_each(|(id, data)| {
                    let record = js_sys::Object::new();
                    set(&record, "id", &JsValue::from_str(id.as_str()));
                    set(&record, "data", &JsValue::from_str(data));
                    store_sources.put(&record).map(drop)
                })
            });
        if let Err(e) = placed {
            // All or nothing: none of the batch is kept.
            let _ = tx.abort();
            return Err(IdbError::from_js(e));
        }
        idb::commit(&tx).await
    }

    /// Reads a job, lets `change` modify it, and writes it back if it
    /// changed (with a higher revision), all in one transaction. With
    /// `with_source`, also returns the job's image-to-image source.
    pub async fn update(
        &self,
        id: &JobId,
        with_source: bool,
        change: impl FnOnce(&mut Job) + 'static,
    ) -> Result<(Updated, Option<String>), IdbError> {
        self.update_boxed(id, with_source, Box::new(change)).await
    }

    async fn update_boxed(
        &self,
        id: &JobId,
        with_source: bool,
        change: Box<dyn FnOnce(&mut Job)>,
    ) -> Result<(Updated, Option<String>), IdbError> {
        let tx = self.tx(&[JOBS, SOURCES], true)?;
        let jobs = store(&tx, JOBS)?;
        let key = JsValue::from_str(id.as_str());
        let request = jobs.get(&key).map_err(|_| IdbError::Unavailable)?;
        let outcome = Rc::new(RefCell::new(None::<Updated>));
        let refused = Rc::new(RefCell::new(None::<IdbError>));
        let (sink, refusal, writing) = (outcome.clone(), refused.clone(), tx.clone());
        idb::then(&request, move |value| {
            let result = if value.is_undefined() || value.is_null() {
                Updated::Missing
            } else {
                match decode(&value) {
                    None => Updated::Unreadable,
                    Some(stored) => {
                        let mut job = stored.clone();
                        change(&mut job);
                        if job == stored {
                            Updated::Same(stored)
                        } else {
                            job.rev = job.rev.max(stored.rev) + 1;
                            if let Err(e) = jobs.put(&encode(&job)) {
                                // Refused at once (some engines say "full"
                                // here): nothing of this change is kept.
                                *refusal.borrow_mut() = Some(IdbError::from_js(e));
                                let _ = writing.abort();
                            }
                            Updated::Changed(job)
                        }
                    }
                }
            };
            *sink.borrow_mut() = Some(result);
        });
        let source = if with_source {
            Some(
                store(&tx, SOURCES)?
                    .get(&key)
                    .map_err(|_| IdbError::Unavailable)?,
            )
        } else {
            None
        };
        let committed = idb::done(&tx).await;
        if let Some(e) = refused.take() {
            return Err(e);
        }
        committed?;
        let outcome = outcome.take().unwrap_or(Updated::Missing);
        let source = source
            .and_then(|r| r.result().ok())
            .and_then(|v| js_sys::Reflect::get(&v, &"data".into()).ok())
            .and_then(|v| v.as_string());
        Ok((outcome, source))
    }

    /// Removes jobs and leaves tombstones, so that nothing (an older tab,
    /// a migration) brings them back.
    pub async fn remove(&self, ids: &[JobId], now: f64) -> Result<(), IdbError> {
        let tx = self.tx(&[JOBS, SOURCES, TOMBSTONES, PICTURES], true)?;
        let (jobs, sources, tombs, pictures) = (
            store(&tx, JOBS)?,
            store(&tx, SOURCES)?,
            store(&tx, TOMBSTONES)?,
            store(&tx, PICTURES)?,
        );
        for id in ids {
            let key = JsValue::from_str(id.as_str());
            let _ = jobs.delete(&key);
            let _ = sources.delete(&key);
            let _ = pictures.delete(&key);
            let _ = tombs.put(&tombstone(id.as_str(), now));
        }
        idb::commit(&tx).await
    }

    /// Brings removed jobs back ("Undo"): their tombstones go and their
    /// records return, as they were. Kept copies are not restored (they went
    /// with the removal); such a job shows its picture from the image host.
    pub async fn restore(&self, jobs: &[Job]) -> Result<(), IdbError> {
        let tx = self.tx(&[JOBS, TOMBSTONES], true)?;
        let (store_jobs, tombs) = (store(&tx, JOBS)?, store(&tx, TOMBSTONES)?);
        for job in jobs {
            for id in job.all_ids() {
                let _ = tombs.delete(&JsValue::from_str(id.as_str()));
            }
            let _ = store_jobs.put(&encode(job));
        }
        idb::commit(&tx).await
    }

    /// The ids of every removed job (so the account's history does not
    /// bring a removed picture back).
    pub async fn tombstones(&self) -> Result<Vec<JobId>, IdbError> {
        let tx = self.tx(&[TOMBSTONES], false)?;
        let request = store(&tx, TOMBSTONES)?
            .get_all_keys()
            .map_err(|_| IdbError::Unavailable)?;
        let keys: js_sys::Array = idb::result(&request).await?.unchecked_into();
        Ok(keys
            .iter()
            .filter_map(|k| k.as_string())
            .map(JobId)
            .collect())
    }

    /// Stores the copy of a picture the user keeps on this device.
    pub async fn put_picture(&self, id: &JobId, blob: &web_sys::Blob) -> Result<(), IdbError> {
        // Bytes, not the Blob itself: WebKit refuses Blobs in IndexedDB in
        // private windows (and in automation); an ArrayBuffer goes anywhere.
        let bytes = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
            .await
            .map_err(|_| IdbError::Unavailable)?;
        let tx = self.tx(&[PICTURES], true)?;
        let record = js_sys::Object::new();
        set(&record, "id", &JsValue::from_str(id.as_str()));
        set(&record, "bytes", &bytes);
        set(&record, "type", &JsValue::from_str(&blob.type_()));
        store(&tx, PICTURES)?
            .put(&record)
            .map_err(IdbError::from_js)?;
        idb::commit(&tx).await
    }

    /// The kept copy of a picture, if there is one.
    pub async fn picture(&self, id: &JobId) -> Result<Option<web_sys::Blob>, IdbError> {
        let tx = self.tx(&[PICTURES], false)?;
        let request = store(&tx, PICTURES)?
            .get(&JsValue::from_str(id.as_str()))
            .map_err(|_| IdbError::Unavailable)?;
        let value = idb::result(&request).await?;
        let Some(bytes) = js_sys::Reflect::get(&value, &"bytes".into())
            .ok()
            .filter(|b| b.is_instance_of::<js_sys::ArrayBuffer>())
        else {
            return Ok(None);
        };
        let kind = js_sys::Reflect::get(&value, &"type".into())
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(&kind);
        Ok(web_sys::Blob::new_with_buffer_source_sequence_and_options(
            &js_sys::Array::of1(&bytes),
            &options,
        )
        .ok())
    }

    pub async fn drop_picture(&self, id: &JobId) -> Result<(), IdbError> {
        let tx = self.tx(&[PICTURES], true)?;
        let _ = store(&tx, PICTURES)?.delete(&JsValue::from_str(id.as_str()));
        idb::commit(&tx).await
    }

    /// A source is dropped once its job was sent (or ended).
    pub async fn drop_source(&self, id: &JobId) -> Result<(), IdbError> {
        let tx = self.tx(&[SOURCES], true)?;
        let _ = store(&tx, SOURCES)?.delete(&JsValue::from_str(id.as_str()));
        idb::commit(&tx).await
    }

    pub async fn durations(&self) -> Result<Option<DurationStats>, IdbError> {
        let tx = self.tx(&[META], false)?;
        let request = store(&tx, META)?
            .get(&JsValue::from_str(STATS_KEY))
            .map_err(|_| IdbError::Unavailable)?;
        let value = idb::result(&request).await?;
        Ok(js_sys::Reflect::get(&value, &"v".into())
            .ok()
            .and_then(|v| v.as_string())
            .and_then(|s| crate::json::from_str(&s).ok()))
    }

    pub async fn save_durations(&self, stats: &DurationStats) -> Result<(), IdbError> {
        let tx = self.tx(&[META], true)?;
        let record = js_sys::Object::new();
        set(&record, "k", &JsValue::from_str(STATS_KEY));
        set(
            &record,
            "v",
            &JsValue::from_str(&crate::json::to_string(stats).unwrap_or_default()),
        );
        let _ = store(&tx, META)?.put(&record);
        idb::commit(&tx).await
    }

    /// Moves the jobs an earlier version kept in one localStorage value
    /// (`raw`) into the archive, in one transaction. A job already here
    /// with the same or a higher revision is kept; a removed one stays
    /// removed; entries this version cannot read are kept aside as they
    /// were. Returns how many jobs the value held (readable ones).
    pub async fn migrate(&self, raw: &str, now: f64) -> Result<usize, IdbError> {
        let value: serde_json::Value =
            crate::json::from_str(raw).unwrap_or(serde_json::Value::String(raw.to_string()));
        let (jobs, unreadable) =
            parse_stored_jobs(value.get("jobs").unwrap_or(&serde_json::Value::Null));
        let removed: Vec<String> = value
            .get("removed")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default();
        let stats: Option<DurationStats> = value
            .get("stats")
            .and_then(|s| serde_json::from_value(s.clone()).ok());

        let tx = self.tx(&[JOBS, TOMBSTONES, META, UNREADABLE], true)?;
        let (store_jobs, tombs, meta, aside) = (
            store(&tx, JOBS)?,
            store(&tx, TOMBSTONES)?,
            store(&tx, META)?,
            store(&tx, UNREADABLE)?,
        );
        for id in &removed {
            let _ = tombs.put(&tombstone(id, now));
        }
        if !value.is_object() {
            // Not even the old format's outer shape: keep all of it.
            let _ = aside.add(&JsValue::from_str(raw));
        }
        for item in unreadable {
            let _ = aside.add(&JsValue::from_str(&item.to_string()));
        }
        let count = jobs.len();
        for job in jobs {
            if removed.contains(&job.id.0) {
                continue;
            }
            let key = JsValue::from_str(job.id.as_str());
            let Ok(dead) = tombs.get(&key) else { continue };
            let store_jobs = store_jobs.clone();
            idb::then(&dead, move |tomb| {
                if !(tomb.is_undefined() || tomb.is_null()) {
                    return;
                }
                let Ok(here) = store_jobs.get(&key) else {
                    return;
                };
                let store_jobs2 = store_jobs.clone();
                idb::then(&here, move |existing| {
                    let keep_existing = !(existing.is_undefined() || existing.is_null())
                        && decode(&existing).is_none_or(|e| !job.is_newer_than(&e));
                    if !keep_existing {
                        let _ = store_jobs2.put(&encode(&job));
                    }
                });
            });
        }
        if let Some(stats) = stats {
            let key = JsValue::from_str(STATS_KEY);
            if let Ok(have) = meta.get(&key) {
                let meta = meta.clone();
                idb::then(&have, move |v| {
                    if v.is_undefined() || v.is_null() {
                        let record = js_sys::Object::new();
                        set(&record, "k", &key);
                        set(
                            &record,
                            "v",
                            &JsValue::from_str(&crate::json::to_string(&stats).unwrap_or_default()),
                        );
                        let _ = meta.put(&record);
                    }
                });
            }
        }
        idb::done(&tx).await?;
        Ok(count)
    }
}

impl Default for Archive {
    fn default() -> Self {
        Self::new()
    }
}

fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, IdbError> {
    tx.object_store(name).map_err(|_| IdbError::Unavailable)
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

fn tombstone(id: &str, now: f64) -> js_sys::Object {
    let record = js_sys::Object::new();
    set(&record, "id", &JsValue::from_str(id));
    set(&record, "at", &JsValue::from_f64(now));
    record
}

/// A job as a record: indexed fields beside the job as JSON text (one
/// parse on the way back, no per-field conversion). Never the source
/// image: that has its own store.
fn encode(job: &Job) -> JsValue {
    let record = js_sys::Object::new();
    set(&record, "id", &JsValue::from_str(job.id.as_str()));
    set(&record, "t", &JsValue::from_f64(job.queued_at));
    set(
        &record,
        "fav",
        &JsValue::from_f64(if job.favourite { 1.0 } else { 0.0 }),
    );
    set(&record, "v", &JsValue::from_f64(RECORD_VERSION));
    let text = if job.request.image.is_some() {
        let mut bare = job.clone();
        bare.request.image = None;
        crate::json::to_string(&bare)
    } else {
        crate::json::to_string(job)
    };
    set(
        &record,
        "job",
        &JsValue::from_str(&text.unwrap_or_default()),
    );
    record.into()
}

/// `None` for a record this version cannot read.
fn decode(value: &JsValue) -> Option<Job> {
    let version = js_sys::Reflect::get(value, &"v".into()).ok()?.as_f64()?;
    if version > RECORD_VERSION {
        return None;
    }
    let text = js_sys::Reflect::get(value, &"job".into())
        .ok()?
        .as_string()?;
    crate::json::from_str(&text).ok()
}
