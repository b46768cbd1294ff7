//! Mounts the app. Instantiating the wasm is already one long task on a
//! phone (compiling 1.3 MB of code), so the app starts in tasks of its own
//! after it: the stores first, then the page.

use leptos::mount::mount_to_body;
use leptos::prelude::*;
use std::time::Duration;

fn main() {
    set_timeout(
        || {
            // The stores, and the first run of their effects, in one task;
            // the page, which finds them in its parent's context, in the
            // next. Together they made one task of about 100 ms at 4x CPU
            // slowdown on a first visit.
            mount_to_body(|| {
                kamiya_studio::provide_app_state();
                let stores = Owner::current();
                set_timeout(
                    move || {
                        if let Some(stores) = stores {
                            stores.with(|| mount_to_body(kamiya_studio::App));
                        }
                    },
                    Duration::ZERO,
                );
            })
        },
        Duration::ZERO,
    );
}
