//! The page's own situation, as signals: whether it is visible and
//! whether the browser is online. Listeners go with their owner.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Page {
    pub visible: Signal<bool>,
    pub online: Signal<bool>,
}

impl Page {
    pub fn watch() -> Page {
        let visible = RwSignal::new(!document().hidden());
        let online = RwSignal::new(window().navigator().on_line());
        // `visibilitychange` bubbles from the document to the window.
        let shown = window_event_listener_untyped("visibilitychange", move |_| {
            visible.set(!document().hidden())
        });
        let up = window_event_listener(leptos::ev::online, move |_| online.set(true));
        let down = window_event_listener(leptos::ev::offline, move |_| online.set(false));
        on_cleanup(move || {
            shown.remove();
            up.remove();
            down.remove();
        });
        Page {
            visible: visible.into(),
            online: online.into(),
        }
    }
}
