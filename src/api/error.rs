//! One error type for every way a call to the Kamiya API can fail. It says
//! what went wrong, never in words: the views word it (`ui::words`).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum ApiError {
    /// No response at all: offline, DNS, refused, dropped, or blocked by CORS.
    /// Browsers deliberately hide which of these it was.
    #[error("network error: {0}")]
    Network(String),
    /// The request took longer than the client is willing to wait.
    #[error("timed out after {0} s")]
    Timeout(u32),
    /// The key is missing, wrong or revoked (HTTP 401/403 or body status 401/403).
    #[error("unauthorised: {0:?}")]
    Unauthorized(Option<String>),
    /// A non-2xx HTTP status, with the server's message when it sent one.
    #[error("HTTP {status}: {message:?}")]
    Http {
        status: u16,
        message: Option<String>,
    },
    /// HTTP 2xx, but the body's own `status` is not 200.
    #[error("API status {status}: {message}")]
    Api { status: i64, message: String },
    /// The body is not the JSON we expect.
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// A check in the client itself, before anything was sent.
    #[error("invalid setting: {0:?}")]
    Setting(#[serde(deserialize_with = "setting_problem")] SettingProblem),
}

impl ApiError {
    /// Worth trying again later without the user changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) | ApiError::Timeout(_) | ApiError::Malformed(_) => true,
            ApiError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            ApiError::Api { status, .. } => *status >= 500 || *status == 429,
            ApiError::Unauthorized(_) | ApiError::Setting(_) => false,
        }
    }
}

/// Why the settings give no client, or no request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingProblem {
    BaseUrl(BaseUrlProblem),
    /// The browser would not build a request from settings that passed our
    /// own checks (an address it cannot parse). The detail is the browser's
    /// own text, for debugging; it is not shown.
    Unusable(String),
}

/// What is wrong with a typed API base URL (see
/// [`normalize_base_url`](super::normalize_base_url)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BaseUrlProblem {
    Empty,
    /// Not http(s): the key must never be sent anywhere else.
    NotHttp,
    /// A user name or password in the address.
    Credentials,
    /// A query or fragment: the API's paths are appended to the address.
    QueryOrFragment,
}

/// Jobs refused before this problem was typed were stored with the English
/// sentence the client made then. They are read back as the problem that
/// sentence named, so that no stored job becomes unreadable.
fn setting_problem<'de, D: Deserializer<'de>>(d: D) -> Result<SettingProblem, D::Error> {
    const SENTENCES: [(&str, BaseUrlProblem); 4] = [
        ("the API base URL is empty", BaseUrlProblem::Empty),
        (
            "the API base URL must start with http:// or https://",
            BaseUrlProblem::NotHttp,
        ),
        (
            "the API base URL must not contain a user name or password",
            BaseUrlProblem::Credentials,
        ),
        (
            "the API base URL must not contain ? or #",
            BaseUrlProblem::QueryOrFragment,
        ),
    ];
    match Value::deserialize(d)? {
        Value::String(old) => Ok(SENTENCES
            .into_iter()
            .find(|(sentence, _)| *sentence == old)
            .map_or(SettingProblem::Unusable(old), |(_, p)| {
                SettingProblem::BaseUrl(p)
            })),
        typed => serde_json::from_value(typed).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_retried_and_client_errors_are_not() {
        assert!(ApiError::Network("x".into()).is_transient());
        assert!(ApiError::Http {
            status: 503,
            message: None
        }
        .is_transient());
        assert!(ApiError::Malformed("x".into()).is_transient());
        assert!(!ApiError::Http {
            status: 404,
            message: None
        }
        .is_transient());
        assert!(!ApiError::Unauthorized(None).is_transient());
        assert!(ApiError::Api {
            status: 500,
            message: "忙".into()
        }
        .is_transient());
        assert!(!ApiError::Api {
            status: 400,
            message: "参数错误".into()
        }
        .is_transient());
    }

    #[test]
    fn setting_problems_stored_as_sentences_are_still_read() {
        let read = |json: &str| serde_json::from_str::<ApiError>(json).unwrap();
        assert_eq!(
            read(r#"{"Setting":"the API base URL must not contain ? or #"}"#),
            ApiError::Setting(SettingProblem::BaseUrl(BaseUrlProblem::QueryOrFragment))
        );
        assert_eq!(
            read(r#"{"Setting":"JsError { message: \"bad URL\" }"}"#),
            ApiError::Setting(SettingProblem::Unusable(
                "JsError { message: \"bad URL\" }".into()
            ))
        );
        for e in [
            ApiError::Setting(SettingProblem::BaseUrl(BaseUrlProblem::Empty)),
            ApiError::Setting(SettingProblem::Unusable("x".into())),
        ] {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(read(&json), e, "{json}");
        }
    }
}
