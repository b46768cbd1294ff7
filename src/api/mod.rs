//! The Kamiya image API: a typed client for its six calls. No Leptos here.

mod error;
mod types;

pub use error::{ApiError, BaseUrlProblem, SettingProblem};
pub use types::*;

use std::time::Duration;

/// How a request of "Check connection" is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// As the app makes it: CORS, with the key where the call needs one.
    AsUsual,
    /// CORS, without any header: what the server says to no key at all.
    WithoutKey,
    /// `no-cors`, without any header: the browser hands back an opaque
    /// answer whenever the host answered at all, whatever its CORS rules,
    /// so a failure here means nothing answered.
    Opaque,
}

/// Where requests go and with which key. Building URLs and headers is plain
/// Rust (tested natively); only [`Client::send`] touches the browser.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    base_url: String,
    key: String,
}

/// The six calls of API.md.
#[derive(Clone, Debug, PartialEq)]
pub enum Endpoint {
    CheckNetwork,
    Details,
    Config,
    Generate,
    Track(String),
    List { start: u32, take: u32 },
}

impl Endpoint {
    pub fn path(&self) -> String {
        match self {
            Endpoint::CheckNetwork => "/api/checkNetwork".into(),
            Endpoint::Details => "/api/session/getDetails".into(),
            Endpoint::Config => "/api/image/config".into(),
            Endpoint::Generate => "/api/image/generate".into(),
            Endpoint::Track(hashid) => format!("/api/image/generate/{}", encode_segment(hashid)),
            Endpoint::List { start, take } => {
                format!("/api/image/generate?start={}&take={}", start.max(&1), take)
            }
        }
    }

    /// checkNetwork is the only call that works without a key.
    pub fn needs_key(&self) -> bool {
        !matches!(self, Endpoint::CheckNetwork)
    }

    /// How long to wait before giving up on an answer.
    pub fn timeout(&self) -> Duration {
        match self {
            // An image2image body can be megabytes on a slow phone uplink.
            Endpoint::Generate => Duration::from_secs(90),
            _ => Duration::from_secs(30),
        }
    }
}

fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks and normalises a base URL typed by the user: http(s) only, no
/// credentials, query or fragment, no trailing slash.
pub fn normalize_base_url(input: &str) -> Result<String, BaseUrlProblem> {
    let url = input.trim().trim_end_matches('/');
    if url.is_empty() {
        return Err(BaseUrlProblem::Empty);
    }
    if !is_http_url(url) {
        return Err(BaseUrlProblem::NotHttp);
    }
    let after_scheme = url.split_once("://").map(|x| x.1).unwrap_or("");
    let authority = after_scheme.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err(BaseUrlProblem::Credentials);
    }
    if url.contains('?') || url.contains('#') {
        return Err(BaseUrlProblem::QueryOrFragment);
    }
    Ok(url.to_string())
}

/// The Kamiya API itself, which serves no pictures: nothing is asked of it
/// at `/image/…`.
const KAMIYA_API_ORIGIN: &str = "https://p0.kamiya.dev";

/// Where a proxy in front of the API serves a picture of an image host
/// that refuses this page (kamiya-proxy's `--image-host`, the Worker's
/// `IMAGE_HOSTS`): `{base}/image/{host[:port]}{path}[?query]`. `None` when
/// the base URL is the API itself or unusable, or the picture's URL is not
/// plain http(s) (credentials in it are never passed on).
pub fn picture_through_proxy(base_url: &str, image_url: &str) -> Option<String> {
    let base = normalize_base_url(base_url).ok()?;
    if base.eq_ignore_ascii_case(KAMIYA_API_ORIGIN) || !is_http_url(image_url) {
        return None;
    }
    let rest = image_url.split_once("://")?.1;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Some(format!("{base}/image/{authority}{path}"))
}

fn unusable(detail: impl std::fmt::Display) -> ApiError {
    ApiError::Setting(SettingProblem::Unusable(detail.to_string()))
}

impl Client {
    pub fn new(base_url: &str, key: &str) -> Result<Client, ApiError> {
        Ok(Client {
            base_url: normalize_base_url(base_url)
                .map_err(|p| ApiError::Setting(SettingProblem::BaseUrl(p)))?,
            key: key.trim().to_string(),
        })
    }

    pub fn has_key(&self) -> bool {
        !self.key.is_empty()
    }

    pub fn url(&self, endpoint: &Endpoint) -> String {
        format!("{}{}", self.base_url, endpoint.path())
    }

    /// The headers for a call. The key goes in a header, never in a URL,
    /// and only ever to this client's own base URL.
    pub fn headers(&self, endpoint: &Endpoint) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        if endpoint.needs_key() {
            headers.push(("Authorization", format!("Bearer {}", self.key)));
        }
        if matches!(endpoint, Endpoint::Generate) {
            headers.push(("Content-Type", "application/json".to_string()));
        }
        headers
    }

    pub async fn check_network(&self) -> Result<NetworkCheck, ApiError> {
        self.call(Endpoint::CheckNetwork, None).await
    }

    pub async fn details(&self) -> Result<AccountDetails, ApiError> {
        self.call(Endpoint::Details, None).await
    }

    pub async fn config(&self) -> Result<ImageConfig, ApiError> {
        self.call(Endpoint::Config, None).await
    }

    pub async fn generate(&self, request: &GenerateRequest) -> Result<JobRecord, ApiError> {
        let body = crate::json::to_string(request).map_err(unusable)?;
        let record: JobRecord = self.call(Endpoint::Generate, Some(body)).await?;
        if record.hashid.is_empty() {
            return Err(ApiError::Malformed("generate answer has no hashid".into()));
        }
        Ok(record)
    }

    pub async fn track(&self, hashid: &str) -> Result<JobRecord, ApiError> {
        self.call(Endpoint::Track(hashid.to_string()), None).await
    }

    pub async fn list(&self, start: u32, take: u32) -> Result<Vec<JobRecord>, ApiError> {
        let list: JobList = self.call(Endpoint::List { start, take }, None).await?;
        Ok(list.0)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        body: Option<String>,
    ) -> Result<T, ApiError> {
        if endpoint.needs_key() && !self.has_key() {
            return Err(ApiError::Unauthorized(None));
        }
        let (status, text) = self.send(&endpoint, body, Probe::AsUsual).await?;
        types::parse_envelope(status, &text)
    }

    /// One GET of "Check connection" (see `domain::connection`): the HTTP
    /// status and body, not parsed; status 0 for the opaque answer of a
    /// [`Probe::Opaque`] request.
    pub async fn probe(&self, endpoint: &Endpoint, how: Probe) -> Result<(u16, String), ApiError> {
        self.send(endpoint, None, how).await
    }

    /// The one place that performs HTTP: fetch with a timeout that aborts.
    async fn send(
        &self,
        endpoint: &Endpoint,
        body: Option<String>,
        how: Probe,
    ) -> Result<(u16, String), ApiError> {
        use futures::future::{select, Either};
        use gloo_net::http::{Request, RequestBuilder};

        let url = self.url(endpoint);
        let abort = web_sys::AbortController::new().ok();
        let mut builder: RequestBuilder = match body {
            Some(_) => Request::post(&url),
            None => Request::get(&url),
        };
        if how == Probe::AsUsual {
            for (name, value) in self.headers(endpoint) {
                builder = builder.header(name, &value);
            }
        }
        if how == Probe::Opaque {
            builder = builder.mode(web_sys::RequestMode::NoCors);
        }
        // No cookies ever. The cache mode stays the default on purpose:
        // Chromium skips its CORS preflight cache for "no-store" and
        // "no-cache" requests, which doubles every call (measured with
        // scripts/bench.sh); the API's JSON answers carry no cache headers.
        builder = builder
            .credentials(web_sys::RequestCredentials::Omit)
            .abort_signal(abort.as_ref().map(|a| a.signal()).as_ref());
        let request = match body {
            Some(body) => builder.body(body),
            None => builder.build(),
        }
        .map_err(unusable)?;

        let timeout = endpoint.timeout();
        let exchange = async move {
            let response = request
                .send()
                .await
                .map_err(|e| ApiError::Network(e.to_string()))?;
            let status = response.status();
            let text = response
                .text()
                .await
                .map_err(|e| ApiError::Network(e.to_string()))?;
            Ok::<_, ApiError>((status, text))
        };
        let timer = gloo_timers::future::sleep(timeout);
        match select(Box::pin(exchange), Box::pin(timer)).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => {
                if let Some(abort) = abort {
                    abort.abort();
                }
                Err(ApiError::Timeout(timeout.as_secs() as u32))
            }
        }
    }
}

#[cfg(test)]
mod tests;
