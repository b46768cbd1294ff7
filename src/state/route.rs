//! Which view a narrow screen shows, kept in the page address so that Back
//! and a reload return to it (`domain::view`). Who writes the address:
//! this store, for the views and for the gallery's query; and the draft,
//! which clears a share link once read. Each view keeps its own scroll
//! place, so moving between them loses neither the form's place nor the
//! gallery's.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::domain::gallery::Query;
use crate::domain::view::{View, CREATE};

/// Narrower than this, the views take turns (style/main.css's breakpoint).
const WIDE: f64 = 900.0;

#[derive(Clone, Copy)]
pub struct Route {
    view: RwSignal<View>,
    /// The gallery's own address, for the *Pictures* link.
    gallery: RwSignal<String>,
    /// Each view's scroll place (`View::Create`, `View::Pictures`).
    places: StoredValue<[f64; 2]>,
}

fn fragment() -> String {
    window()
        .location()
        .hash()
        .unwrap_or_default()
        .trim_start_matches('#')
        .to_string()
}

fn slot(view: View) -> usize {
    match view {
        View::Create => 0,
        View::Pictures => 1,
    }
}

/// Whether both views are on the screen at once.
fn wide() -> bool {
    window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w >= WIDE)
}

impl Route {
    /// Reads the view from the address and follows it (links, Back,
    /// Forward).
    pub fn watch() -> Route {
        let now = fragment();
        let route = Route {
            view: RwSignal::new(View::from_fragment(&now)),
            gallery: RwSignal::new(if Query::from_fragment(&now).is_some() {
                now
            } else {
                String::new()
            }),
            places: StoredValue::new([0.0; 2]),
        };
        let moved = move |_| route.follow(View::from_fragment(&fragment()));
        let popped = window_event_listener_untyped("popstate", moved);
        let hashed = window_event_listener_untyped("hashchange", moved);
        on_cleanup(move || {
            popped.remove();
            hashed.remove();
        });
        route
    }

    /// The view shown on a narrow screen (tracks).
    pub fn view(&self) -> View {
        self.view.get()
    }

    /// The *Pictures* link's target: the gallery as it was left.
    pub fn pictures_href(&self) -> String {
        format!("#{}", View::pictures_fragment(&self.gallery.get()))
    }

    /// Shows `view` on a narrow screen, as a new entry in the history (so
    /// Back returns). A wide screen shows both already.
    pub fn show(&self, view: View) {
        if wide() || self.view.get_untracked() == view {
            return;
        }
        let target = match view {
            View::Create => CREATE.to_string(),
            View::Pictures => View::pictures_fragment(&self.gallery.get_untracked()),
        };
        write(&target, false);
        self.follow(view);
    }

    /// Puts the gallery's query (`#gallery?…`, or empty for the default)
    /// in the address: a new entry, or in place (`replace`). Only while
    /// the gallery is on the screen, and never over another fragment (a
    /// share link not read yet).
    pub fn write_gallery(&self, gallery: &str, replace: bool) {
        if self.gallery.with_untracked(|g| g != gallery) {
            self.gallery.set(gallery.to_string());
        }
        let narrow = !wide();
        if narrow && self.view.get_untracked() != View::Pictures {
            return;
        }
        let target = if narrow {
            View::pictures_fragment(gallery)
        } else {
            gallery.to_string()
        };
        let current = fragment();
        let ours =
            current.is_empty() || current == CREATE || Query::from_fragment(&current).is_some();
        if current == target || !ours {
            return;
        }
        write(&target, replace);
        self.follow(View::from_fragment(&target));
    }

    /// The address says `view`: show it, at the place it was left.
    fn follow(&self, view: View) {
        let leaving = self.view.get_untracked();
        if leaving == view {
            return;
        }
        let narrow = !wide();
        if narrow {
            // Read before the view changes: the pictures' column stops
            // scrolling (and forgets its place) once it is not shown.
            let here = place(leaving);
            self.places.update_value(|p| p[slot(leaving)] = here);
        }
        self.view.set(view);
        if narrow {
            let there = self.places.get_value()[slot(view)];
            // Once the view is laid out (the signal's effects run first).
            request_animation_frame(move || restore(view, there));
        }
    }
}

/// The column that scrolls the pictures on a narrow screen (style/main.css).
fn results() -> Option<web_sys::Element> {
    document().query_selector(".results").ok().flatten()
}

/// Where a view is scrolled to: the page for *Create*; for *Pictures*,
/// their own column, which fills the screen below the view links so that
/// they stay in reach over nothing.
fn place(view: View) -> f64 {
    match view {
        View::Create => window().scroll_y().unwrap_or(0.0),
        View::Pictures => results().map_or(0.0, |r| f64::from(r.scroll_top())),
    }
}

fn restore(view: View, at: f64) {
    match view {
        View::Create => window().scroll_to_with_x_and_y(0.0, at),
        View::Pictures => {
            if let Some(links) = document().query_selector("nav.views").ok().flatten() {
                let top =
                    links.get_bounding_client_rect().top() + window().scroll_y().unwrap_or(0.0);
                window().scroll_to_with_x_and_y(0.0, top);
            }
            if let Some(r) = results() {
                r.set_scroll_top(at as i32);
            }
        }
    }
}

/// The page address with `fragment` (none when empty), as a new history
/// entry or in place. Neither fires `hashchange` nor `popstate`.
fn write(fragment: &str, replace: bool) {
    let location = window().location();
    let url = format!(
        "{}{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default(),
        if fragment.is_empty() {
            String::new()
        } else {
            format!("#{fragment}")
        }
    );
    if let Ok(history) = window().history() {
        let _ = if replace {
            history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            history.push_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}
