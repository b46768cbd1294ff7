//! The gallery's grid, windowed: only the rows on the screen (and a screen
//! above and below) are in the page, so ten thousand pictures cost what a
//! screenful does. Cells are squares in equal columns, so every row has
//! the same height and the window is arithmetic, not measurement.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use std::collections::HashSet;

use super::tile::Tile;
use super::Entry;
use crate::domain::decimal::shortest;
use crate::domain::job::JobId;

/// Smallest cell, and the gap between cells, in CSS pixels.
const MIN_CELL: f64 = 104.0;
const GAP: f64 = 6.0;
/// Rows kept beyond the screen, in screens, above and below.
const EXTRA_SCREENS: f64 = 0.5;
/// How close to the end (in rows) more history is asked for.
const NEAR_END_ROWS: usize = 6;
/// Tiles made per task (5-10 ms each at 4x CPU slowdown, a phone-class CPU;
/// four at a time made tasks of 50-70 ms there).
const TILES_PER_TASK: usize = 2;

/// Columns and row height for a grid `width` pixels wide.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Layout {
    pub cols: usize,
    /// A cell's height plus the gap below it.
    pub row: f64,
}

pub(super) fn layout(width: f64) -> Layout {
    let cols = (((width + GAP) / (MIN_CELL + GAP)).floor() as usize).max(1);
    let cell = ((width - GAP * (cols as f64 - 1.0)) / cols as f64).max(1.0);
    Layout {
        cols,
        row: cell + GAP,
    }
}

/// The rows `[start, end)` to have in the page (half a screen each side
/// of what is seen) when the grid's top is
/// `top` pixels above the screen's top (negative: below it) on a screen
/// `screen` pixels high.
pub(super) fn visible_rows(top: f64, screen: f64, row: f64, rows: usize) -> (usize, usize) {
    if rows == 0 || row <= 0.0 {
        return (0, 0);
    }
    let extra = screen * EXTRA_SCREENS;
    if top < 0.0 {
        // The grid is below the screen: its first rows stay in the page,
        // however far below, so that Tab from the controls above reaches
        // the first picture even before a scroll has been measured.
        let first = ((screen + extra) / row).ceil() as usize;
        return (0, first.min(rows));
    }
    let from = ((top - extra) / row).floor().max(0.0) as usize;
    let to = ((top + screen + extra) / row).ceil().max(0.0) as usize;
    (from.min(rows), to.min(rows).max(from.min(rows)))
}

#[component]
pub(super) fn Grid(
    entries: Memo<Vec<Entry>>,
    /// The index to scroll to once that many pictures are there (a reload).
    start_at: StoredValue<usize>,
    /// The end is near: time to fetch more history.
    near_end: Callback<()>,
    /// The first picture on screen changed (for the page address).
    scrolled: Callback<usize>,
) -> impl IntoView {
    let container = NodeRef::<leptos::html::Div>::new();
    let shape = RwSignal::new(layout(600.0));
    let rows = Memo::new(move |_| {
        let cols = shape.with(|l| l.cols);
        entries.with(Vec::len).div_ceil(cols)
    });
    let range = RwSignal::new((0usize, 0usize));
    // Where the grid was last seen. Reading it lays the page out if
    // anything changed since the last frame (tens of ms on a phone), so it
    // is read only where the layout is fresh anyway: in a scroll's frame,
    // or when the observer below reports that the grid may have moved.
    let seen = StoredValue::new(None::<Seen>);
    let look = move || {
        let Some(el) = container.get_untracked() else {
            return;
        };
        let screen = window()
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(800.0);
        seen.set_value(Some(Seen {
            top: el.get_bounding_client_rect().top(),
            screen,
            width: el.client_width() as f64,
        }));
    };
    // The window from where the grid was last seen.
    let update = move || {
        if seen.get_value().is_none() {
            look();
        }
        let Some(Seen { top, screen, width }) = seen.get_value() else {
            return;
        };
        // Not on the screen (the other view of a narrow screen): no cells,
        // and no pictures downloaded for nobody.
        if width <= 0.0 {
            if range.get_untracked() != (0, 0) {
                range.set((0, 0));
            }
            return;
        }
        let next_shape = layout(width);
        if shape.get_untracked() != next_shape {
            shape.set(next_shape);
        }
        let Layout { cols, row } = next_shape;
        let total = rows.get_untracked();
        let next = visible_rows(-top, screen, row, total);
        if range.get_untracked() != next {
            range.set(next);
        }
        let first = ((-top).max(0.0) / row).floor() as usize * cols;
        scrolled.run(first.min(entries.with_untracked(Vec::len)));
        if next.1 + NEAR_END_ROWS >= total {
            near_end.run(());
        }
    };
    // Every scroll in the page (the window's, or a column's own), at most
    // once a frame: what is scrolled in must be there in the next frame.
    let queued = StoredValue::new(false);
    let on_scroll = Closure::<dyn Fn()>::new(move || {
        if queued.get_value() {
            return;
        }
        queued.set_value(true);
        request_animation_frame(move || {
            queued.try_set_value(false);
            look();
            update();
        });
    });
    // Anything else (pictures came, the grid moved): the window again in a
    // task of its own. In the next frame's task, the new cells and the
    // page's layout together made tasks over 50 ms at 4x while 50 jobs
    // finished.
    let later = move || {
        if queued.get_value() {
            return;
        }
        queued.set_value(true);
        set_timeout(
            move || {
                queued.try_set_value(false);
                update();
            },
            std::time::Duration::ZERO,
        );
    };
    let options = web_sys::AddEventListenerOptions::new();
    options.set_capture(true);
    options.set_passive(true);
    let _ = document().add_event_listener_with_callback_and_add_event_listener_options(
        "scroll",
        on_scroll.as_ref().unchecked_ref(),
        &options,
    );
    // Without a scroll, the grid moves only when something before it, or
    // around it, changes size (a job added above, a section unfolded, a
    // hint shown): the observer watches those, and reports after the
    // browser's own layout, so looking then costs nothing.
    let on_moved = Closure::<dyn Fn()>::new(move || {
        look();
        later();
    });
    let observer = web_sys::ResizeObserver::new(on_moved.as_ref().unchecked_ref()).ok();
    let watch = send_wrapper::SendWrapper::new(observer.clone());
    let observer = send_wrapper::SendWrapper::new((observer, on_moved));
    let on_scroll = send_wrapper::SendWrapper::new(on_scroll);
    let resized = window_event_listener(leptos::ev::resize, move |_| {
        look();
        update();
    });
    on_cleanup(move || {
        resized.remove();
        if let Some(observer) = observer.0.as_ref() {
            observer.disconnect();
        }
        let _ = document().remove_event_listener_with_callback_and_bool(
            "scroll",
            on_scroll.as_ref().unchecked_ref(),
            true,
        );
    });
    // New pictures, another filter, another width: the window again.
    Effect::new(move |again: Option<()>| {
        let _ = rows.get();
        shape.track();
        // The first run comes once the grid is in the page.
        if again.is_none() {
            if let (Some(observer), Some(el)) = (watch.as_ref(), container.get_untracked()) {
                for watched in around(&el) {
                    observer.observe(&watched);
                }
            }
        }
        later();
    });
    // Back where the user was before a reload, once the pictures are there.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let at = start_at.get_value();
        if at == 0 {
            return true;
        }
        if entries.with(Vec::len) <= at {
            return false;
        }
        request_animation_frame(move || {
            let Some(el) = container.get_untracked() else {
                return;
            };
            let Layout { cols, row } = shape.get_untracked();
            let offset = (at / cols) as f64 * row;
            let html: &web_sys::HtmlElement = &el;
            scroll_into(html, offset);
        });
        true
    });

    let visible = Memo::new(move |_| {
        let (from, to) = range.get();
        let cols = shape.with(|l| l.cols);
        entries.with(|all| {
            let end = (to * cols).min(all.len());
            let start = (from * cols).min(end);
            all[start..end].to_vec()
        })
    });
    // Making a tile (its signals, menu, picture) is the costly part of a
    // scroll: at most TILES_PER_TASK become real in each task, the others
    // wait a task or two as empty cells, so a fast fling on a slow phone
    // never makes a long task. Timer tasks, not animation frames: a
    // frame's task also lays the page out, and the two together made
    // tasks over 50 ms while 50 jobs finished.
    let ready = RwSignal::new(HashSet::<JobId>::new());
    let pumping = StoredValue::new(false);
    fn pump(
        visible: Memo<Vec<Entry>>,
        ready: RwSignal<HashSet<JobId>>,
        pumping: StoredValue<bool>,
    ) {
        let Some(wanted) = visible.try_get_untracked() else {
            return;
        };
        let mut missing = 0;
        ready.update(|r| {
            let ids: HashSet<JobId> = wanted.iter().map(Entry::id).collect();
            r.retain(|id| ids.contains(id));
            let new: Vec<JobId> = wanted
                .iter()
                .map(Entry::id)
                .filter(|id| !r.contains(id))
                .collect();
            missing = new.len();
            r.extend(new.into_iter().take(TILES_PER_TASK));
        });
        if missing > TILES_PER_TASK {
            set_timeout(
                move || pump(visible, ready, pumping),
                std::time::Duration::ZERO,
            );
        } else {
            pumping.set_value(false);
        }
    }
    Effect::new(move |_| {
        let _ = visible.get();
        if !pumping.get_value() {
            pumping.set_value(true);
            set_timeout(
                move || pump(visible, ready, pumping),
                std::time::Duration::ZERO,
            );
        }
    });
    let cells = Memo::new(move |_| {
        let ready = ready.read();
        visible.with(|v| {
            v.iter()
                .map(|e| (e.clone(), ready.contains(&e.id())))
                .collect::<Vec<_>>()
        })
    });

    view! {
        <div class="grid-window" node_ref=container
            style:height=move || format!("{}px", shortest(rows.get() as f64 * shape.with(|l| l.row)))>
            <ul class="gallery"
                style:transform=move || format!("translateY({}px)", shortest(range.with(|r| r.0) as f64 * shape.with(|l| l.row)))
                style:grid-template-columns=move || format!("repeat({}, minmax(0, 1fr))", shape.with(|l| l.cols))>
                <For each=move || cells.get() key=|(e, ok)| (e.id(), *ok) let:cell>
                    {match cell {
                        (entry, true) => view! { <Tile entry=entry/> }.into_any(),
                        (_, false) => view! { <li class="tile tile-wait" aria-hidden="true"></li> }.into_any(),
                    }}
                </For>
            </ul>
        </div>
    }
}

/// Scrolls whatever scrolls the grid so that `offset` pixels into `el` are
/// at the top of what is seen.
fn scroll_into(el: &web_sys::HtmlElement, offset: f64) {
    let mut node = el.parent_element();
    while let Some(parent) = node {
        let scrolls = window()
            .get_computed_style(&parent)
            .ok()
            .flatten()
            .and_then(|s| s.get_property_value("overflow-y").ok())
            .is_some_and(|o| o == "auto" || o == "scroll");
        if scrolls && parent.scroll_height() > parent.client_height() {
            let top = el.get_bounding_client_rect().top() - parent.get_bounding_client_rect().top()
                + parent.scroll_top() as f64;
            parent.set_scroll_top((top + offset) as i32);
            return;
        }
        node = parent.parent_element();
    }
    let top = el.get_bounding_client_rect().top() + window().scroll_y().unwrap_or(0.0);
    window().scroll_to_with_x_and_y(0.0, top + offset);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fill_the_width() {
        assert_eq!(layout(104.0).cols, 1);
        assert_eq!(layout(390.0 - 32.0).cols, 3);
        let wide = layout(650.0);
        assert_eq!(wide.cols, 5);
        assert!((wide.row - ((650.0 - 4.0 * GAP) / 5.0 + GAP)).abs() < 1e-9);
        assert_eq!(layout(0.0).cols, 1);
    }

    #[test]
    fn the_window_is_a_screen_each_side_of_what_is_seen() {
        // 100 px rows, 800 px screen, grid top at the screen's top.
        assert_eq!(visible_rows(0.0, 800.0, 100.0, 1000), (0, 12));
        // Scrolled 5,000 px into the grid: rows 46..62.
        assert_eq!(visible_rows(5000.0, 800.0, 100.0, 1000), (46, 62));
        // The grid still below the screen, near or far: its first rows.
        assert_eq!(visible_rows(-300.0, 800.0, 100.0, 1000), (0, 12));
        assert_eq!(visible_rows(-50_000.0, 800.0, 100.0, 1000), (0, 12));
        assert_eq!(visible_rows(-50_000.0, 800.0, 100.0, 3), (0, 3));
        // Past the end.
        assert_eq!(visible_rows(1e6, 800.0, 100.0, 1000), (1000, 1000));
        assert_eq!(visible_rows(0.0, 800.0, 100.0, 0), (0, 0));
    }

    #[test]
    fn ten_thousand_pictures_keep_a_few_hundred_in_the_page() {
        // A phone: 3 columns of 120 px rows, 844 px screen.
        let (from, to) = visible_rows(600_000.0, 844.0, 120.0, 10_000 / 3 + 1);
        assert!((to - from) * 3 < 300, "{from}..{to}");
        // A wide desktop column: 10 columns, 110 px rows.
        let (from, to) = visible_rows(100_000.0, 1200.0, 110.0, 1000);
        assert!((to - from) * 10 < 300, "{from}..{to}");
    }
}

/// Where the grid was last seen: its top relative to the screen's top, the
/// screen's height, and its own width (CSS pixels).
#[derive(Clone, Copy)]
struct Seen {
    top: f64,
    screen: f64,
    width: f64,
}

/// What can move `el` or change its width without a scroll: the page,
/// `el` itself, each element around it, and every element before one of
/// those (in normal flow, a size change there shifts all that follows).
fn around(el: &web_sys::Element) -> Vec<web_sys::Element> {
    let mut out = vec![el.clone()];
    let mut at = el.clone();
    while let Some(parent) = at.parent_element() {
        let mut before = at.previous_element_sibling();
        while let Some(b) = before {
            before = b.previous_element_sibling();
            out.push(b);
        }
        out.push(parent.clone());
        at = parent;
    }
    out
}
