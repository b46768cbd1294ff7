//! "Check connection" as plain rules: which request to make next, and what
//! the answers so far say, step by step. When a call fails before any
//! answer, browsers hide why (offline, no such host, refused, CORS, mixed
//! content all look the same to the page); a few requests made differently
//! tell them apart:
//! - `navigator.onLine` false: this device is offline;
//! - an `http://` API from an `https://` page: mixed content, blocked;
//! - `checkNetwork` (no key, so no preflight) fails, but the same request
//!   in `no-cors` mode gets an opaque answer: the host answers but does
//!   not allow this page's origin (CORS);
//! - both fail: nothing answers there (wrong address, DNS, refused);
//! - `checkNetwork` answers, but as a web page, a 404 or not the API's
//!   JSON: the base URL is not the API;
//! - `getDetails` with the key fails with no answer while `checkNetwork`
//!   worked: the preflight a keyed request needs is refused (CORS);
//! - the key is refused: asked again without a key, the server answers
//!   exactly the same: the key did not reach it (a proxy dropping
//!   `Authorization`), else the key itself is refused.

use crate::api::{
    normalize_base_url, parse_envelope, AccountDetails, ApiError, Endpoint, NetworkCheck,
    Probe as How, SettingProblem,
};

/// The checklist, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The browser says it is online.
    Online,
    /// The base URL is an address this page may call.
    Address,
    /// Something answers at that address.
    Reach,
    /// It lets this page read its answers (CORS).
    Origin,
    /// It answers as the Kamiya API.
    Api,
    /// It accepts the key.
    Key,
}

pub const STEPS: [Step; 6] = [
    Step::Online,
    Step::Address,
    Step::Reach,
    Step::Origin,
    Step::Api,
    Step::Key,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Not reached yet (or not reached, because an earlier step failed).
    Waiting,
    Running,
    Passed,
    Failed,
}

/// A request the check needs the browser to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// `checkNetwork` as the app calls it: CORS, no key needed.
    CheckNetwork,
    /// `checkNetwork` in `no-cors` mode: answered (opaquely) whenever the
    /// host answers at all.
    Opaque,
    /// `getDetails` with the key.
    Details,
    /// `getDetails` without any key, to compare with the keyed answer.
    DetailsWithoutKey,
}

impl Probe {
    /// The call and the way to make it.
    pub fn request(self) -> (Endpoint, How) {
        match self {
            Probe::CheckNetwork => (Endpoint::CheckNetwork, How::AsUsual),
            Probe::Opaque => (Endpoint::CheckNetwork, How::Opaque),
            Probe::Details => (Endpoint::Details, How::AsUsual),
            Probe::DetailsWithoutKey => (Endpoint::Details, How::WithoutKey),
        }
    }
}

/// What the browser saw of a probe.
#[derive(Clone, Debug, PartialEq)]
pub enum Seen {
    Answer {
        status: u16,
        body: String,
    },
    /// The answer of a `no-cors` request: the host answered; nothing else
    /// about it may be read.
    Opaque,
    /// No answer: the fetch failed (network, DNS, refused, CORS, blocked).
    Nothing,
    TimedOut(u32),
    /// The browser would not make the request at all.
    Unusable(String),
}

impl Seen {
    /// From what [`Client::probe`](crate::api::Client::probe) returns.
    pub fn from_result(probe: Probe, result: Result<(u16, String), ApiError>) -> Seen {
        match result {
            Ok(_) if probe == Probe::Opaque => Seen::Opaque,
            Ok((status, body)) => Seen::Answer { status, body },
            Err(ApiError::Timeout(secs)) => Seen::TimedOut(secs),
            Err(ApiError::Setting(SettingProblem::Unusable(detail))) => Seen::Unusable(detail),
            Err(_) => Seen::Nothing,
        }
    }
}

/// How a base URL answers when it is not the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotApi {
    /// A web page (HTML).
    Page,
    /// HTTP 404 on `/api/checkNetwork`.
    NotFound,
    /// Something that is not the API's JSON.
    NotJson,
}

/// Why the check failed: each names its fix (see `ui::words`).
#[derive(Clone, Debug, PartialEq)]
pub enum Cause {
    Offline,
    Setting(SettingProblem),
    /// An `http://` API from an `https://` page.
    MixedContent {
        page: String,
        api: String,
    },
    /// An `http://` API that is not on this computer: the page's security
    /// policy allows only https (and loopback for the local demo).
    PagePolicy {
        api: String,
    },
    /// Nothing answers: wrong address, DNS, refused connection.
    Unreachable {
        api: String,
    },
    TimedOut {
        api: String,
        secs: u32,
    },
    /// The host answers but does not let this page read its answers;
    /// `with_key`: only requests carrying the key (their preflight).
    Cors {
        page: String,
        api: String,
        with_key: bool,
    },
    NotTheApi {
        api: String,
        seen: NotApi,
    },
    /// A gateway or proxy answered 502/504: it could not reach the API
    /// behind it. `said` is its own message (kamiya-proxy gives one).
    Gateway {
        api: String,
        status: u16,
        said: Option<String>,
    },
    KeyMissing,
    /// The server answers a keyed request exactly as one without a key.
    KeyNotReceived {
        said: Option<String>,
    },
    KeyRefused {
        said: Option<String>,
    },
    Other(ApiError),
}

impl Cause {
    /// Causes whose fix is a proxy (or the proxy's settings).
    pub fn wants_proxy_guide(&self) -> bool {
        matches!(
            self,
            Cause::Cors { .. }
                | Cause::MixedContent { .. }
                | Cause::PagePolicy { .. }
                | Cause::KeyNotReceived { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Connected(AccountDetails),
    Failed(Cause),
}

/// Where the check stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub marks: Vec<(Step, Mark)>,
    /// The request to make next, while the check runs.
    pub next: Option<Probe>,
    /// Set once the check is over.
    pub outcome: Option<Outcome>,
}

impl Assessment {
    pub fn mark(&self, step: Step) -> Mark {
        self.marks
            .iter()
            .find(|(s, _)| *s == step)
            .map_or(Mark::Waiting, |(_, m)| *m)
    }
}

/// What is known before any request.
#[derive(Clone, Debug, PartialEq)]
pub struct Situation {
    /// This page's origin (`https://you.github.io`).
    pub page: String,
    /// The API base URL, as set.
    pub base_url: String,
    pub has_key: bool,
    pub online: bool,
    /// The build's default API base URL (`KAMIYA_API_BASE`): the page's
    /// policy lets it be called even over plain http.
    pub build_api: String,
}

/// `scheme://host[:port]` of an http(s) URL.
pub fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

/// `localhost`, `127.x.x.x` and `[::1]`: browsers let an https page call
/// these over http, and the app's own policy allows them (the local demo).
pub fn is_loopback(origin: &str) -> bool {
    let authority = origin.split_once("://").map_or(origin, |x| x.1);
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]"))
    } else {
        authority.split(':').next().map(str::to_string)
    }
    .unwrap_or_default();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The state of the check after the answers `seen` (in the order made).
pub fn assess(situation: &Situation, seen: &[(Probe, Seen)]) -> Assessment {
    let mut a = Assessment {
        marks: STEPS.iter().map(|s| (*s, Mark::Waiting)).collect(),
        next: None,
        outcome: None,
    };
    let found = |probe: Probe| seen.iter().find(|(p, _)| *p == probe).map(|(_, s)| s);
    let set = |a: &mut Assessment, step: Step, mark: Mark| {
        if let Some(m) = a.marks.iter_mut().find(|(s, _)| *s == step) {
            m.1 = mark;
        }
    };
    let fail = |mut a: Assessment, step: Step, cause: Cause| {
        set(&mut a, step, Mark::Failed);
        a.outcome = Some(Outcome::Failed(cause));
        a
    };
    let run = |mut a: Assessment, step: Step, probe: Probe| {
        set(&mut a, step, Mark::Running);
        a.next = Some(probe);
        a
    };

    if !situation.online {
        return fail(a, Step::Online, Cause::Offline);
    }
    set(&mut a, Step::Online, Mark::Passed);

    let base = match normalize_base_url(&situation.base_url) {
        Ok(base) => base,
        Err(p) => return fail(a, Step::Address, Cause::Setting(SettingProblem::BaseUrl(p))),
    };
    let api = origin_of(&base);
    let page = situation.page.clone();
    let page_secure = page.starts_with("https://");
    let api_plain = api.starts_with("http://");
    if page_secure && api_plain && !is_loopback(&api) {
        return fail(a, Step::Address, Cause::MixedContent { page, api });
    }
    set(&mut a, Step::Address, Mark::Passed);

    match found(Probe::CheckNetwork) {
        None => return run(a, Step::Reach, Probe::CheckNetwork),
        Some(Seen::TimedOut(secs)) => {
            return fail(a, Step::Reach, Cause::TimedOut { api, secs: *secs })
        }
        Some(Seen::Unusable(detail)) => {
            let cause = Cause::Setting(SettingProblem::Unusable(detail.clone()));
            return fail(a, Step::Address, cause);
        }
        Some(Seen::Nothing | Seen::Opaque) => match found(Probe::Opaque) {
            None => return run(a, Step::Reach, Probe::Opaque),
            Some(Seen::Opaque | Seen::Answer { .. }) => {
                set(&mut a, Step::Reach, Mark::Passed);
                let cause = Cause::Cors {
                    page,
                    api,
                    with_key: false,
                };
                return fail(a, Step::Origin, cause);
            }
            Some(_) => {
                let cause = if page_secure && api_plain {
                    Cause::MixedContent { page, api }
                } else if api_plain && !is_loopback(&api) && api != origin_of(&situation.build_api)
                {
                    Cause::PagePolicy { api }
                } else {
                    Cause::Unreachable { api }
                };
                return fail(a, Step::Reach, cause);
            }
        },
        Some(Seen::Answer { status, body }) => {
            set(&mut a, Step::Reach, Mark::Passed);
            set(&mut a, Step::Origin, Mark::Passed);
            if let Err(cause) = check_network_answer(*status, body, &api) {
                return fail(a, Step::Api, cause);
            }
            set(&mut a, Step::Api, Mark::Passed);
        }
    }

    if !situation.has_key {
        return fail(a, Step::Key, Cause::KeyMissing);
    }
    let (status, body) = match found(Probe::Details) {
        None => return run(a, Step::Key, Probe::Details),
        Some(Seen::TimedOut(secs)) => {
            return fail(a, Step::Key, Cause::TimedOut { api, secs: *secs })
        }
        Some(Seen::Answer { status, body }) => (*status, body),
        // checkNetwork was read, a keyed request is not: its preflight.
        Some(_) => {
            let cause = Cause::Cors {
                page,
                api,
                with_key: true,
            };
            return fail(a, Step::Origin, cause);
        }
    };
    match parse_envelope::<AccountDetails>(status, body) {
        Ok(details) => {
            set(&mut a, Step::Key, Mark::Passed);
            a.outcome = Some(Outcome::Connected(details));
            a
        }
        Err(ApiError::Unauthorized(said)) => match found(Probe::DetailsWithoutKey) {
            None => run(a, Step::Key, Probe::DetailsWithoutKey),
            Some(Seen::Answer {
                status: bare_status,
                body: bare_body,
            }) if *bare_status == status && bare_body.trim() == body.trim() => {
                fail(a, Step::Key, Cause::KeyNotReceived { said })
            }
            Some(_) => fail(a, Step::Key, Cause::KeyRefused { said }),
        },
        Err(e) => fail(a, Step::Key, other(e, &api)),
    }
}

/// Whether `checkNetwork`'s answer is the API's.
fn check_network_answer(status: u16, body: &str, api: &str) -> Result<(), Cause> {
    let not_api = |seen| Cause::NotTheApi {
        api: api.to_string(),
        seen,
    };
    if status == 404 {
        return Err(not_api(NotApi::NotFound));
    }
    if status == 502 || status == 504 {
        return Err(Cause::Gateway {
            api: api.to_string(),
            status,
            said: server_message(body),
        });
    }
    if body.trim_start().starts_with('<') {
        return Err(not_api(NotApi::Page));
    }
    match parse_envelope::<NetworkCheck>(status, body) {
        Ok(_) => Ok(()),
        Err(ApiError::Malformed(_)) => Err(not_api(NotApi::NotJson)),
        Err(e) => Err(other(e, api)),
    }
}

/// A gateway's 502/504 names the gateway; anything else stays the API's
/// own error.
fn other(e: ApiError, api: &str) -> Cause {
    match e {
        ApiError::Http {
            status: status @ (502 | 504),
            message,
        } => Cause::Gateway {
            api: api.to_string(),
            status,
            said: message,
        },
        ApiError::Timeout(secs) => Cause::TimedOut {
            api: api.to_string(),
            secs,
        },
        e => Cause::Other(e),
    }
}

/// A gateway's own message, when its body is the API's envelope.
fn server_message(body: &str) -> Option<String> {
    let json: serde_json::Value = crate::json::from_str(body).ok()?;
    let message = json.get("message")?.as_str()?.trim();
    (!message.is_empty()).then(|| message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://you.github.io";
    const API: &str = "https://p0.kamiya.dev";

    fn situation(base: &str) -> Situation {
        Situation {
            page: PAGE.into(),
            base_url: base.into(),
            has_key: true,
            online: true,
            build_api: API.into(),
        }
    }

    fn answer(status: u16, body: &str) -> Seen {
        Seen::Answer {
            status,
            body: body.into(),
        }
    }

    const NETWORK_OK: &str = r#"{"status":200,"ip":"1.2.3.4","message":"OK"}"#;
    const DETAILS_OK: &str = r#"{"status":200,"message":"OK","data":{"email":"a@b.c","role":"Normal","credit":17993.36,"active":true}}"#;

    /// Runs the check to its end with scripted answers, checking that it
    /// asks for exactly these probes in this order.
    fn run(s: &Situation, script: &[(Probe, Seen)]) -> Assessment {
        let mut seen = Vec::new();
        loop {
            let a = assess(s, &seen);
            match a.next {
                None => {
                    assert_eq!(seen.len(), script.len(), "unused answers: {a:?}");
                    return a;
                }
                Some(p) => {
                    let (expected, answer) = script
                        .get(seen.len())
                        .unwrap_or_else(|| panic!("asked {p:?} beyond the script"));
                    assert_eq!(p, *expected);
                    seen.push((p, answer.clone()));
                }
            }
        }
    }

    fn cause(a: &Assessment) -> Cause {
        match &a.outcome {
            Some(Outcome::Failed(c)) => c.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn marks(a: &Assessment) -> Vec<Mark> {
        a.marks.iter().map(|(_, m)| *m).collect()
    }

    use Mark::{Failed as F, Passed as P, Waiting as W};

    #[test]
    fn a_working_api_passes_every_step() {
        let a = run(
            &situation(API),
            &[
                (Probe::CheckNetwork, answer(200, NETWORK_OK)),
                (Probe::Details, answer(200, DETAILS_OK)),
            ],
        );
        assert_eq!(marks(&a), [P, P, P, P, P, P]);
        match a.outcome {
            Some(Outcome::Connected(d)) => assert_eq!(d.credit, Some(17993.36)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn steps_run_one_at_a_time() {
        let s = situation(API);
        let a = assess(&s, &[]);
        assert_eq!(a.next, Some(Probe::CheckNetwork));
        assert_eq!(a.mark(Step::Reach), Mark::Running);
        assert_eq!(a.mark(Step::Key), Mark::Waiting);
        assert_eq!(a.outcome, None);
    }

    #[test]
    fn offline() {
        let mut s = situation(API);
        s.online = false;
        let a = run(&s, &[]);
        assert_eq!(cause(&a), Cause::Offline);
        assert_eq!(marks(&a), [F, W, W, W, W, W]);
    }

    #[test]
    fn nothing_answers() {
        let a = run(
            &situation("https://p0.kamiya.dev.invalid"),
            &[
                (Probe::CheckNetwork, Seen::Nothing),
                (Probe::Opaque, Seen::Nothing),
            ],
        );
        assert_eq!(
            cause(&a),
            Cause::Unreachable {
                api: "https://p0.kamiya.dev.invalid".into()
            }
        );
        assert_eq!(marks(&a), [P, P, F, W, W, W]);
    }

    #[test]
    fn the_host_answers_but_refuses_this_origin() {
        let a = run(
            &situation("https://P0.kamiya.dev/"),
            &[
                (Probe::CheckNetwork, Seen::Nothing),
                (Probe::Opaque, Seen::Opaque),
            ],
        );
        assert_eq!(
            cause(&a),
            Cause::Cors {
                page: PAGE.into(),
                api: API.into(),
                with_key: false
            }
        );
        assert_eq!(marks(&a), [P, P, P, F, W, W]);
        assert!(cause(&a).wants_proxy_guide());
    }

    #[test]
    fn only_requests_with_the_key_are_refused_cors() {
        let a = run(
            &situation(API),
            &[
                (Probe::CheckNetwork, answer(200, NETWORK_OK)),
                (Probe::Details, Seen::Nothing),
            ],
        );
        assert_eq!(
            cause(&a),
            Cause::Cors {
                page: PAGE.into(),
                api: API.into(),
                with_key: true
            }
        );
        assert_eq!(marks(&a), [P, P, P, F, P, W]);
    }

    #[test]
    fn mixed_content_is_named_before_any_request() {
        let a = run(&situation("http://kamiya.example:8080/api-root"), &[]);
        assert_eq!(
            cause(&a),
            Cause::MixedContent {
                page: PAGE.into(),
                api: "http://kamiya.example:8080".into()
            }
        );
        assert_eq!(marks(&a), [P, F, W, W, W, W]);
        // Loopback is tried (Chromium and Firefox allow it); when it fails
        // from an https page, mixed content is the likely cause (WebKit).
        let a = run(
            &situation("http://127.0.0.1:8787"),
            &[
                (Probe::CheckNetwork, Seen::Nothing),
                (Probe::Opaque, Seen::Nothing),
            ],
        );
        assert!(matches!(cause(&a), Cause::MixedContent { .. }));
        // From an http page, loopback that does not answer is just down.
        let mut s = situation("http://127.0.0.1:8787");
        s.page = "http://127.0.0.1:8080".into();
        let a = run(
            &s,
            &[
                (Probe::CheckNetwork, Seen::Nothing),
                (Probe::Opaque, Seen::Nothing),
            ],
        );
        assert!(matches!(cause(&a), Cause::Unreachable { .. }));
    }

    #[test]
    fn an_http_api_elsewhere_is_outside_the_page_policy() {
        let mut s = situation("http://192.168.1.5:8787");
        s.page = "http://127.0.0.1:8080".into();
        let a = run(
            &s,
            &[
                (Probe::CheckNetwork, Seen::Nothing),
                (Probe::Opaque, Seen::Nothing),
            ],
        );
        assert_eq!(
            cause(&a),
            Cause::PagePolicy {
                api: "http://192.168.1.5:8787".into()
            }
        );
        // Unless the build made it the default (its policy allows it):
        // then nothing answers there.
        s.build_api = "http://192.168.1.5:8787/".into();
        let a = run(
            &s,
            &[
                (Probe::CheckNetwork, Seen::Nothing),
                (Probe::Opaque, Seen::Nothing),
            ],
        );
        assert_eq!(
            cause(&a),
            Cause::Unreachable {
                api: "http://192.168.1.5:8787".into()
            }
        );
    }

    #[test]
    fn a_base_url_that_is_not_the_api() {
        let not_api = |status, body: &str| {
            cause(&run(
                &situation("https://you.github.io/kamiya-studio"),
                &[(Probe::CheckNetwork, answer(status, body))],
            ))
        };
        let api = "https://you.github.io".to_string();
        assert_eq!(
            not_api(200, "<!doctype html><title>Kamiya Studio</title>"),
            Cause::NotTheApi {
                api: api.clone(),
                seen: NotApi::Page
            }
        );
        assert_eq!(
            not_api(404, "<html>Not Found</html>"),
            Cause::NotTheApi {
                api: api.clone(),
                seen: NotApi::NotFound
            }
        );
        assert_eq!(
            not_api(404, r#"{"status":404,"message":"接口不存在"}"#),
            Cause::NotTheApi {
                api: api.clone(),
                seen: NotApi::NotFound
            }
        );
        assert_eq!(
            not_api(200, "hello"),
            Cause::NotTheApi {
                api: api.clone(),
                seen: NotApi::NotJson
            }
        );
        assert_eq!(
            not_api(200, "[1,2]"),
            Cause::NotTheApi {
                api,
                seen: NotApi::NotJson
            }
        );
    }

    #[test]
    fn a_proxy_whose_upstream_is_down_is_named_with_its_words() {
        let body = r#"{"status":502,"message":"kamiya-proxy: the API at https://p0.kamiya.dev did not answer (cannot connect)"}"#;
        let a = run(
            &situation("https://proxy.example"),
            &[(Probe::CheckNetwork, answer(502, body))],
        );
        assert_eq!(
            cause(&a),
            Cause::Gateway {
                api: "https://proxy.example".into(),
                status: 502,
                said: Some(
                    "kamiya-proxy: the API at https://p0.kamiya.dev did not answer (cannot connect)"
                        .into()
                )
            }
        );
        assert_eq!(marks(&a), [P, P, P, P, F, W]);
        // An HTML 502 of some gateway: no words of its own.
        let a = run(
            &situation("https://proxy.example"),
            &[(Probe::CheckNetwork, answer(502, "<html>Bad Gateway</html>"))],
        );
        assert!(matches!(cause(&a), Cause::Gateway { said: None, .. }));
        // The same on getDetails.
        let a = run(
            &situation(API),
            &[
                (Probe::CheckNetwork, answer(200, NETWORK_OK)),
                (
                    Probe::Details,
                    answer(504, r#"{"status":504,"message":"slow"}"#),
                ),
            ],
        );
        assert!(matches!(cause(&a), Cause::Gateway { status: 504, .. }));
    }

    #[test]
    fn a_refused_key_and_a_key_that_never_arrived() {
        let wrong = r#"{"status":401,"message":"未授权：API 密钥无效"}"#;
        let missing = r#"{"status":401,"message":"未授权：未提供 API 密钥"}"#;
        let refused = run(
            &situation(API),
            &[
                (Probe::CheckNetwork, answer(200, NETWORK_OK)),
                (Probe::Details, answer(401, wrong)),
                (Probe::DetailsWithoutKey, answer(401, missing)),
            ],
        );
        assert_eq!(
            cause(&refused),
            Cause::KeyRefused {
                said: Some("未授权：API 密钥无效".into())
            }
        );
        assert_eq!(marks(&refused), [P, P, P, P, P, F]);
        let stripped = run(
            &situation(API),
            &[
                (Probe::CheckNetwork, answer(200, NETWORK_OK)),
                (Probe::Details, answer(401, missing)),
                (Probe::DetailsWithoutKey, answer(401, missing)),
            ],
        );
        assert_eq!(
            cause(&stripped),
            Cause::KeyNotReceived {
                said: Some("未授权：未提供 API 密钥".into())
            }
        );
        // The body's own status counts as a refusal too.
        let in_body = r#"{"status":403,"message":"forbidden"}"#;
        let a = run(
            &situation(API),
            &[
                (Probe::CheckNetwork, answer(200, NETWORK_OK)),
                (Probe::Details, answer(200, in_body)),
                (Probe::DetailsWithoutKey, Seen::Nothing),
            ],
        );
        assert!(matches!(cause(&a), Cause::KeyRefused { .. }));
        let mut no_key = situation(API);
        no_key.has_key = false;
        let a = run(&no_key, &[(Probe::CheckNetwork, answer(200, NETWORK_OK))]);
        assert_eq!(cause(&a), Cause::KeyMissing);
    }

    #[test]
    fn other_failures_keep_the_api_error() {
        let a = run(
            &situation(API),
            &[
                (Probe::CheckNetwork, answer(200, NETWORK_OK)),
                (
                    Probe::Details,
                    answer(200, r#"{"status":200,"data":{"id":"#),
                ),
            ],
        );
        assert!(matches!(cause(&a), Cause::Other(ApiError::Malformed(_))));
        let a = run(
            &situation(API),
            &[(Probe::CheckNetwork, Seen::TimedOut(30))],
        );
        assert_eq!(
            cause(&a),
            Cause::TimedOut {
                api: API.into(),
                secs: 30
            }
        );
        let a = run(&situation("ftp://x"), &[]);
        assert!(matches!(cause(&a), Cause::Setting(_)));
    }

    #[test]
    fn probe_results_from_the_client() {
        assert_eq!(
            Seen::from_result(Probe::Opaque, Ok((0, String::new()))),
            Seen::Opaque
        );
        assert_eq!(
            Seen::from_result(
                Probe::CheckNetwork,
                Err(ApiError::Network("TypeError".into()))
            ),
            Seen::Nothing
        );
        assert_eq!(
            Seen::from_result(Probe::Details, Err(ApiError::Timeout(30))),
            Seen::TimedOut(30)
        );
        assert_eq!(
            Probe::Opaque.request(),
            (Endpoint::CheckNetwork, How::Opaque)
        );
    }

    #[test]
    fn origins_and_loopback() {
        assert_eq!(
            origin_of("https://P0.Kamiya.dev/x/y"),
            "https://p0.kamiya.dev"
        );
        assert_eq!(origin_of("http://127.0.0.1:8787"), "http://127.0.0.1:8787");
        assert!(is_loopback("http://127.0.0.1:8787"));
        assert!(is_loopback("http://localhost:8787"));
        assert!(is_loopback("http://[::1]:8787"));
        assert!(!is_loopback("http://192.168.1.5"));
        assert!(!is_loopback("http://127.example.com"));
    }
}
