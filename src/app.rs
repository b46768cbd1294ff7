//! The shell: creates the stores, hands them to the views, lays out the page.

use leptos::prelude::*;

use crate::domain::view::View;
use crate::i18n::{provide_lang, T};
use crate::state::{
    account::AccountStore, config::ConfigStore, credit::CreditStore, draft::DraftStore,
    history::HistoryStore, jobs::JobStore, page::Page, route::Route, settings::SettingsStore,
};
use crate::ui::{
    common::PerfMark,
    credit::CreditBadge,
    form::CreateForm,
    gallery::{FocusPicture, Gallery},
    jobs::JobList,
    settings::SettingsPanel,
};

/// Creates every store from what the browser saved and provides them to
/// the views below (main.rs calls it a task before it mounts [`App`]).
/// Public so that component tests set up the same way.
pub fn provide_app_state() -> (SettingsStore, ConfigStore, JobStore) {
    let settings = SettingsStore::load();
    provide_lang(settings.lang_choice_signal());
    let page = Page::watch();
    let config = ConfigStore::new();
    let jobs = JobStore::start(settings, page.visible, page.online);
    provide_context(page);
    provide_context(Route::watch());
    provide_context(settings);
    provide_context(config);
    provide_context(AccountStore::new());
    provide_context(DraftStore::load());
    provide_context(HistoryStore::new());
    provide_context(crate::state::source::SourceStore::new());
    provide_context(crate::state::tags::TagStore::new());
    provide_context(crate::state::styles::load());
    provide_context(crate::state::prompt_history::load());
    provide_context(jobs);
    provide_context(CreditStore::start(settings, jobs));
    (settings, config, jobs)
}

#[component]
pub fn App() -> impl IntoView {
    // For the benchmark: how much of start-up is the wasm arriving and
    // starting, and how much is building the page.
    if let Some(p) = window().performance() {
        let _ = p.mark("kamiya-app-start");
    }
    // The stores come from the task before (main.rs).
    let (settings, config, jobs) = (
        expect_context::<SettingsStore>(),
        expect_context::<ConfigStore>(),
        expect_context::<JobStore>(),
    );
    let page = expect_context::<Page>();
    let route = expect_context::<Route>();
    provide_context(FocusPicture(RwSignal::new(None)));

    mark_the_root(settings, jobs, route);
    follow_other_tabs(settings, page);
    register_service_worker();
    count_in_the_title(jobs);
    open_share_links(expect_context::<DraftStore>());
    config.load(settings);
    // The page is built in five tasks (the stores, then one part each:
    // settings, the form, the jobs, the gallery), each started by a timer
    // once the part before is on the page. At 4x CPU slowdown the whole page
    // in one task blocked input for 200-300 ms, and two halves for about 190
    // and 170 ms; the wasm runs each function slowly the first time (the
    // browser compiles it then), so the stores and the settings together
    // still made a task of about 230 ms.
    let built = RwSignal::new(0u8);
    Effect::new(move |_| {
        let parts = built.get();
        if parts < 4 {
            set_timeout(move || built.set(parts + 1), std::time::Duration::ZERO);
        }
    });
    // The static page shown while the wasm loaded (index.html) gives way
    // to the settings, before the next paint.
    Effect::new(move |_| {
        if built.get() >= 1 {
            if let Some(boot) = document().get_element_by_id("boot") {
                boot.remove();
            }
        }
    });

    view! {
        <Show when=move || { built.get() >= 1 }>
            <header class="topbar">
                <h1>"Kamiya Studio"</h1>
                <p class="tagline">{T::Tagline.tr()}</p>
                <CreditBadge/>
            </header>
            <Show when=move || !page.online.get()>
                <p class="notice warn offline" role="status">{T::Offline.tr()}</p>
            </Show>
            <ViewLinks/>
            <main class="layout" data-app-ready="">
                <div class="col view-create">
                    <SettingsPanel/>
                    <Show when=move || { built.get() >= 2 }>
                        <CreateForm/>
                        <PerfMark name="kamiya-app-ready"/>
                    </Show>
                </div>
                <div class="col results">
                    <div class="part view-create">
                        <Show when=move || { built.get() >= 3 }>
                            <JobList/>
                        </Show>
                    </div>
                    <div class="part view-pictures">
                        <Show when=move || { built.get() >= 4 }>
                            <Gallery/>
                            <PerfMark name="kamiya-all-ready"/>
                        </Show>
                    </div>
                </div>
            </main>
        </Show>
    }
}

/// `<html>`'s attributes: `lang` follows the UI language, for screen
/// readers and fonts; `data-theme` carries a light or dark choice over the
/// system's; `data-view` says which view a narrow screen shows (the style
/// sheet hides the other); `data-leading` whether this tab is the one that
/// sends and polls (one at a time, see `state/jobs/tabs.rs`), for whoever
/// looks at the tabs in developer tools, and for the two-window tests.
/// On `<html>` by effects: a reactive attribute on `<main>` cost 1 KB of
/// wasm.
fn mark_the_root(settings: SettingsStore, jobs: JobStore, route: Route) {
    let lang = crate::i18n::use_lang();
    let root = || document().document_element();
    Effect::new(move |_| {
        if let Some(root) = root() {
            let _ = root.set_attribute("lang", lang.get().code());
            let _ = match settings.theme() {
                Some(theme) => root.set_attribute("data-theme", &theme),
                None => root.remove_attribute("data-theme"),
            };
        }
    });
    Effect::new(move |_| {
        if let Some(root) = root() {
            let view = match route.view() {
                View::Create => "create",
                View::Pictures => "pictures",
            };
            let _ = root.set_attribute("data-view", view);
        }
    });
    Effect::new(move |_| {
        if let Some(root) = root() {
            let leading = if jobs.is_leader() { "true" } else { "false" };
            let _ = root.set_attribute("data-leading", leading);
        }
    });
}

/// A page coming back into view may have missed other tabs' messages
/// (frozen in the background, or in the back/forward cache).
fn follow_other_tabs(settings: SettingsStore, page: Page) {
    Effect::new(move |was_visible: Option<bool>| {
        let visible = page.visible.get();
        if visible && was_visible == Some(false) {
            settings.sync();
        }
        visible
    });
    let restored = window_event_listener(leptos::ev::pageshow, move |ev| {
        if ev.persisted() {
            settings.sync();
        }
    });
    on_cleanup(move || restored.remove());
}

/// The title counts images that finished while the page was hidden.
fn count_in_the_title(jobs: JobStore) {
    Effect::new(move |_| {
        let n = jobs.unseen();
        document().set_title(&if n > 0 {
            format!("({n}) Kamiya Studio")
        } else {
            "Kamiya Studio".to_string()
        });
    });
}

/// A share link: on load, and when one is opened in this same tab (only
/// the fragment changes, so the page does not reload).
fn open_share_links(draft: DraftStore) {
    let open_link = move || {
        if let Ok(fragment) = window().location().hash() {
            if !fragment.is_empty() {
                draft.open_share_link(&fragment);
            }
        }
    };
    open_link();
    let hash_listener = window_event_listener(leptos::ev::hashchange, move |_| open_link());
    on_cleanup(move || hash_listener.remove());
}

/// On a narrow screen, the views one tap apart (the style sheet hides
/// these links on a wide one, which shows both views).
#[component]
fn ViewLinks() -> impl IntoView {
    let route = expect_context::<Route>();
    let current = move |view: View| move || (route.view() == view).then_some("page");
    view! {
        <nav class="views" aria-label=T::Views.tr()>
            <a href="#create" aria-current=current(View::Create)>{T::ViewCreate.tr()}</a>
            <a href=move || route.pictures_href() aria-current=current(View::Pictures)>{T::ViewPictures.tr()}</a>
        </nav>
    }
}

/// The service worker keeps the app shell for offline use (see
/// scripts/post_build.py); browsers without one simply go without.
fn register_service_worker() {
    let navigator = window().navigator();
    if js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        let _ = navigator.service_worker().register("./sw.js");
    }
}
