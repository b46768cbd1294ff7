use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(|| view! { <h1>"Hello"</h1> <p>"An empty Leptos app."</p> })
}
