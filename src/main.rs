fn main() {
    leptos::mount::mount_to_body(kamiya_studio::App);
}
