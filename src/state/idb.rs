//! The few IndexedDB operations the job archive needs, as futures over
//! web-sys.
//!
//! Why not a crate: the archive's writes are read-modify-write steps that
//! must happen inside one transaction (that is what makes "claim a queued
//! job" atomic across tabs). Doing the write from the read's `success`
//! callback keeps the transaction active in every engine; continuing
//! after an `await` relies on microtask timing that WebKit has got wrong
//! before. The crates we looked at (`idb`, `indexed_db_futures`, `rexie`)
//! await between steps. This file is all the plumbing there is.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    DomException, Event, EventTarget, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction,
};

/// Why the browser's database did not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdbError {
    /// No IndexedDB here (some private modes, old or locked-down browsers).
    Unavailable,
    /// Another tab holds an older version of the database open.
    Blocked,
    /// The origin's storage quota is used up.
    Full,
    /// Anything else, with the browser's name for it.
    Failed(String),
}

impl IdbError {
    fn from_dom(e: Option<DomException>) -> IdbError {
        match e.map(|e| e.name()) {
            Some(n) if n == "QuotaExceededError" => IdbError::Full,
            Some(n) if n == "InvalidStateError" || n == "SecurityError" => IdbError::Unavailable,
            Some(n) => IdbError::Failed(n),
            None => IdbError::Failed("unknown".into()),
        }
    }

    pub(crate) fn from_js(e: JsValue) -> IdbError {
        IdbError::from_dom(e.dyn_into::<DomException>().ok())
    }
}

type Listener = Closure<dyn FnMut(Event)>;

/// Listens for the first of some events on a target; the listeners go
/// when this is dropped, so no closure outlives its use.
struct FirstOf {
    target: EventTarget,
    listeners: Vec<(&'static str, Listener)>,
    fired: oneshot::Receiver<&'static str>,
}

impl FirstOf {
    fn new(target: &EventTarget, events: &[&'static str]) -> FirstOf {
        let (tx, rx) = oneshot::channel();
        let tx = Rc::new(RefCell::new(Some(tx)));
        let listeners = events
            .iter()
            .map(|&name| {
                let tx = tx.clone();
                let listener = Listener::new(move |_: Event| {
                    if let Some(tx) = tx.borrow_mut().take() {
                        let _ = tx.send(name);
                    }
                });
                let _ = target
                    .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                (name, listener)
            })
            .collect();
        FirstOf {
            target: target.clone(),
            listeners,
            fired: rx,
        }
    }

    async fn wait(mut self) -> &'static str {
        (&mut self.fired).await.unwrap_or("abort")
    }
}

impl Drop for FirstOf {
    fn drop(&mut self) {
        for (name, listener) in &self.listeners {
            let _ = self
                .target
                .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}

/// The result of a request.
pub async fn result(request: &IdbRequest) -> Result<JsValue, IdbError> {
    let first = FirstOf::new(request, &["success", "error"]);
    if first.wait().await == "success" {
        request.result().map_err(IdbError::from_js)
    } else {
        Err(IdbError::from_dom(request.error().ok().flatten()))
    }
}

/// Waits until a transaction has committed (or says why it did not).
pub async fn done(tx: &IdbTransaction) -> Result<(), IdbError> {
    let first = FirstOf::new(tx, &["complete", "abort"]);
    if first.wait().await == "complete" {
        Ok(())
    } else {
        Err(IdbError::from_dom(tx.error()))
    }
}

/// Commits a transaction whose requests are all placed, and waits for it.
///
/// Without this, the transaction commits only after the page has seen every
/// request succeed: a round trip per request to the browser's database
/// process, during which a page closed or reloaded may lose the write.
/// An engine without `commit()` (Safari before 15) throws, which is caught:
/// there the transaction commits as before.
pub async fn commit(tx: &IdbTransaction) -> Result<(), IdbError> {
    #[allow(deprecated)] // web-sys's mark, not the standard's.
    let _ = tx.commit();
    // `complete` comes in a later task: `done` is listening by then.
    done(tx).await
}

/// Runs `f` with a request's result inside its `success` event, while the
/// transaction is still active, so that `f` may place further requests in
/// it. Nothing runs if the request fails (the transaction then aborts and
/// [`done`] says why).
pub fn then(request: &IdbRequest, f: impl FnOnce(JsValue) + 'static) {
    let req = request.clone();
    let callback = Closure::once_into_js(move |_: Event| {
        f(req.result().unwrap_or(JsValue::UNDEFINED));
    });
    let _ = request.add_event_listener_with_callback("success", callback.unchecked_ref());
}

/// Runs `f` on each value of a cursor request, inside its events, until
/// `f` returns false or the values end.
pub fn each(request: &IdbRequest, mut f: impl FnMut(JsValue) -> bool + 'static) {
    let req = request.clone();
    let callback = Rc::new(RefCell::new(None::<Closure<dyn FnMut(Event)>>));
    let keep = callback.clone();
    *callback.borrow_mut() = Some(Closure::new(move |_: Event| {
        let cursor = req
            .result()
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::IdbCursorWithValue>().ok());
        let more = match cursor {
            Some(cursor) => {
                f(cursor.value().unwrap_or(JsValue::UNDEFINED)) && {
                    let _ = cursor.continue_();
                    true
                }
            }
            None => false,
        };
        if !more {
            // The last event: let the closure go once it has returned.
            let keep = keep.clone();
            wasm_bindgen_futures::spawn_local(async move {
                keep.borrow_mut().take();
            });
        }
    }));
    let registered = callback.borrow();
    if let Some(c) = registered.as_ref() {
        let _ = request.add_event_listener_with_callback("success", c.as_ref().unchecked_ref());
    }
}

/// Opens (and, on first use or a version change, sets up) a database.
/// A tab that holds an older version open gets `versionchange` and is
/// expected to close it; if it does not within a few seconds, this gives
/// up with [`IdbError::Blocked`].
pub async fn open(
    name: &str,
    version: u32,
    upgrade: impl Fn(&IdbDatabase, u32) + 'static,
) -> Result<IdbDatabase, IdbError> {
    let window = web_sys::window().ok_or(IdbError::Unavailable)?;
    // A missing `indexedDB` (or one that throws on access) means none.
    let factory = match window.indexed_db() {
        Ok(Some(f)) => f,
        _ => return Err(IdbError::Unavailable),
    };
    let request: IdbOpenDbRequest = factory
        .open_with_u32(name, version)
        .map_err(IdbError::from_js)?;
    // Whoever ends up holding the connection (even nobody, if the caller
    // went away before it opened), it gives way to a newer version or a
    // deletion instead of blocking it.
    let opened = request.clone();
    let give_way = Closure::once_into_js(move |_: Event| {
        if let Some(db) = opened
            .result()
            .ok()
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        {
            let closing = db.clone();
            let close = Closure::<dyn FnMut()>::new(move || closing.close());
            let _ = db
                .add_event_listener_with_callback("versionchange", close.as_ref().unchecked_ref());
            close.forget();
        }
    });
    let _ = request.add_event_listener_with_callback("success", give_way.unchecked_ref());
    let upgrade_request = request.clone();
    let on_upgrade = Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
        move |ev: web_sys::IdbVersionChangeEvent| {
            if let Some(db) = upgrade_request
                .result()
                .ok()
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
            {
                upgrade(&db, ev.old_version() as u32);
            }
        },
    );
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    // `blocked` is not an answer: the other tab is told to close and
    // usually does at once, and then `success` follows.
    let first = FirstOf::new(&request, &["success", "error"]);
    let outcome = {
        use futures::future::{select, Either};
        let timer = gloo_timers::future::sleep(std::time::Duration::from_secs(5));
        match select(Box::pin(first.wait()), Box::pin(timer)).await {
            Either::Left((event, _)) => event,
            Either::Right(_) => "blocked",
        }
    };
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    match outcome {
        "success" => request
            .result()
            .map_err(IdbError::from_js)?
            .dyn_into::<IdbDatabase>()
            .map_err(|_| IdbError::Unavailable),
        "blocked" => {
            // Blocked may still succeed later: close it then, so the
            // other tab's upgrade is not held up by a database nobody uses.
            let late = request.clone();
            let close = Closure::once_into_js(move |_: Event| {
                if let Some(db) = late
                    .result()
                    .ok()
                    .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
                {
                    db.close();
                }
            });
            let _ = request.add_event_listener_with_callback("success", close.unchecked_ref());
            Err(IdbError::Blocked)
        }
        _ => Err(IdbError::from_dom(request.error().ok().flatten())),
    }
}
