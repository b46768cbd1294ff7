//! The one line between the app's tabs: a `BroadcastChannel`. Each
//! concern (settings, jobs, leadership) posts and listens under its own
//! topic, with its own message type; messages are JSON.
//!
//! Where `BroadcastChannel` is missing (Safari before 15.4), the same
//! messages travel through the `storage` event of a localStorage entry
//! that is written and removed at once: slower, but every tab still hears
//! every message. Neither delivers a message to the tab that sent it.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::on_cleanup;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::storage::{self, Area};

const NAME: &str = "kamiya-studio";
/// The localStorage entry of the fallback.
const BUS_KEY: &str = "bus";

type Handler = Rc<dyn Fn(&str)>;

enum Transport {
    Broadcast(web_sys::BroadcastChannel),
    Storage,
}

struct Line {
    transport: Transport,
    handlers: Vec<(u64, &'static str, Handler)>,
    next_id: u64,
    /// Keeps the message listener alive for the page's life.
    _listener: Closure<dyn Fn(web_sys::Event)>,
}

thread_local! {
    static LINE: RefCell<Option<Line>> = const { RefCell::new(None) };
}

fn dispatch(raw: &str) {
    let Some((topic, body)) = raw.split_once('\n') else {
        return;
    };
    // Handlers are collected first: one may subscribe or post in turn.
    let handlers: Vec<Handler> = LINE.with(|l| {
        l.borrow()
            .as_ref()
            .map(|l| {
                l.handlers
                    .iter()
                    .filter(|(_, t, _)| *t == topic)
                    .map(|(_, _, h)| h.clone())
                    .collect()
            })
            .unwrap_or_default()
    });
    for h in handlers {
        h(body);
    }
}

fn with_line<R>(f: impl FnOnce(&mut Line) -> R) -> Option<R> {
    LINE.with(|l| {
        let mut l = l.borrow_mut();
        if l.is_none() {
            *l = open();
        }
        l.as_mut().map(f)
    })
}

fn open() -> Option<Line> {
    let window = web_sys::window()?;
    let supported = js_sys::Reflect::has(&window, &"BroadcastChannel".into()).unwrap_or(false);
    match supported
        .then(|| web_sys::BroadcastChannel::new(NAME).ok())
        .flatten()
    {
        Some(channel) => {
            let listener = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
                if let Some(text) = ev
                    .dyn_ref::<web_sys::MessageEvent>()
                    .and_then(|m| m.data().as_string())
                {
                    dispatch(&text);
                }
            });
            channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
            Some(Line {
                transport: Transport::Broadcast(channel),
                handlers: Vec::new(),
                next_id: 0,
                _listener: listener,
            })
        }
        None => {
            let key = storage::full_key(BUS_KEY);
            let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
                let Some(ev) = ev.dyn_ref::<web_sys::StorageEvent>() else {
                    return;
                };
                if ev.key().as_deref() == Some(key.as_str()) {
                    // "<nonce>\n<topic>\n<json>": the nonce makes every
                    // message a change, so it always fires the event.
                    if let Some((_, msg)) =
                        ev.new_value().as_deref().and_then(|v| v.split_once('\n'))
                    {
                        dispatch(msg);
                    }
                }
            });
            let _ = window
                .add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
            Some(Line {
                transport: Transport::Storage,
                handlers: Vec::new(),
                next_id: 0,
                _listener: listener,
            })
        }
    }
}

/// Sends `message` to every other tab of the app, under `topic`.
pub fn post<T: Serialize>(topic: &'static str, message: &T) {
    let Ok(body) = crate::json::to_string(message) else {
        return;
    };
    let raw = format!("{topic}\n{body}");
    with_line(|line| match &line.transport {
        Transport::Broadcast(c) => {
            let _ = c.post_message(&raw.into());
        }
        Transport::Storage => {
            let nonce = (super::random() * 1e9) as u64;
            if storage::set_raw(Area::Local, BUS_KEY, &format!("{nonce}\n{raw}")).is_ok() {
                storage::remove(Area::Local, BUS_KEY);
            }
        }
    });
}

/// Calls `handler` with every message other tabs post under `topic`,
/// until the current reactive owner is cleaned up. Messages that do not
/// parse as `T` (from another version of the app) are ignored.
pub fn subscribe<T: DeserializeOwned + 'static>(
    topic: &'static str,
    handler: impl Fn(T) + 'static,
) {
    let handler: Handler = Rc::new(move |body: &str| {
        if let Ok(message) = crate::json::from_str::<T>(body) {
            handler(message);
        }
    });
    let id = with_line(|line| {
        line.next_id += 1;
        line.handlers.push((line.next_id, topic, handler));
        line.next_id
    });
    if let Some(id) = id {
        on_cleanup(move || {
            LINE.with(|l| {
                if let Some(l) = l.borrow_mut().as_mut() {
                    l.handlers.retain(|(h, _, _)| *h != id);
                }
            });
        });
    }
}
