//! Which browser engine the suite drives: Chromium (chromedriver), Firefox (geckodriver) or
//! WebKit (WebKitGTK's WebKitWebDriver with MiniBrowser). Chosen once per test run by the
//! `KAMIYA_E2E_ENGINE` environment variable (`chromium`, the default, `firefox` or `webkit`),
//! so `scripts/test.sh` runs the same test binaries once per engine.

use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

/// The environment variable that picks the engine.
pub const ENGINE_VAR: &str = "KAMIYA_E2E_ENGINE";

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The engine named by `KAMIYA_E2E_ENGINE` (Chromium when unset). Panics on an unknown
    /// name rather than quietly testing another engine than the one asked for.
    pub fn current() -> Engine {
        match std::env::var(ENGINE_VAR) {
            Err(_) => Engine::Chromium,
            Ok(name) => Engine::parse(&name).unwrap_or_else(|| {
                panic!("{ENGINE_VAR}={name:?} is not an engine: use chromium, firefox or webkit")
            }),
        }
    }

    pub fn parse(name: &str) -> Option<Engine> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "chromium" | "chrome" => Some(Engine::Chromium),
            "firefox" | "gecko" => Some(Engine::Firefox),
            "webkit" | "webkitgtk" => Some(Engine::WebKit),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The engine of this run; see [`Engine::current`].
pub fn engine() -> Engine {
    Engine::current()
}

/// For the first line of a test that needs one engine: returns `true` (and prints why, with the
/// test's name) when this run drives another engine, so the test can `return`.
///
/// ```no_run
/// # use kamiya_e2e::{skip_unless, Engine};
/// if skip_unless(Engine::Chromium, "offline emulation needs the DevTools protocol") { return; }
/// ```
pub fn skip_unless(wanted: Engine, reason: &str) -> bool {
    skip_in(
        &Engine::ALL
            .into_iter()
            .filter(|e| *e != wanted)
            .collect::<Vec<_>>(),
        reason,
    )
}

/// The one-line form of [`skip_unless`] for a test's first line: returns from the test
/// (printing why) when this run drives another engine than the one named.
///
/// ```no_run
/// # use kamiya_e2e::{only_in, Engine};
/// # fn t() {
/// only_in!(Engine::Chromium, "offline emulation needs the DevTools protocol");
/// # }
/// ```
#[macro_export]
macro_rules! only_in {
    ($engine:expr, $reason:expr $(,)?) => {
        if $crate::skip_unless($engine, $reason) {
            return;
        }
    };
}

/// Returns `true` (and prints why) when this run drives one of `engines`.
pub fn skip_in(engines: &[Engine], reason: &str) -> bool {
    let now = Engine::current();
    if !engines.contains(&now) {
        return false;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests, and a
    // skip must show in the CI log.
    let _ = writeln!(std::io::stderr(), "SKIPPED in {now}: {test}: {reason}");
    true
}

/// Panics with a clear "not supported" message when a helper that needs `wanted`'s own
/// protocol is called in another engine (the test should have been guarded with
/// [`skip_unless`]).
pub(crate) fn require(now: Engine, wanted: Engine, what: &str) {
    if now != wanted {
        panic!(
            "{what} is not supported in {now}: it needs {wanted}'s own protocol. \
             Guard the test with `if skip_unless(Engine::{wanted:?}, \"…\") {{ return; }}`."
        );
    }
}
