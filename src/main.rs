fn main() {
    // Instantiating the wasm is already one long task on a phone (compiling
    // 1.3 MB of code); the app is built in a task of its own after it.
    leptos::prelude::set_timeout(
        || leptos::mount::mount_to_body(kamiya_studio::App),
        std::time::Duration::ZERO,
    );
}
