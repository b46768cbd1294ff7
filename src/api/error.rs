//! One error type for every way a call to the Kamiya API can fail. It says
//! what went wrong, never in words: the views word it (`ui::words`).

use serde::{Deserialize, Serialize};

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
    Setting(SettingProblem),
}

impl ApiError {
    /// The server says the thing asked for does not exist (a job it forgot):
    /// the one answer that ends a job it accepted.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            ApiError::Http { status: 404, .. } | ApiError::Api { status: 404, .. }
        )
    }
}

/// Why the settings give no client, or no request. Stored as a string, as
/// earlier versions stored it (see `BaseUrlProblem::stored_as`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum SettingProblem {
    BaseUrl(BaseUrlProblem),
    /// The browser would not build a request from settings that passed our
    /// own checks (an address it cannot parse). The detail is the browser's
    /// own text, for debugging; it is not shown.
    Unusable(String),
}

/// What is wrong with a typed API base URL (see
/// [`normalize_base_url`](super::normalize_base_url)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseUrlProblem {
    Empty,
    /// Not http(s): the key must never be sent anywhere else.
    NotHttp,
    /// A user name or password in the address.
    Credentials,
    /// A query or fragment: the API's paths are appended to the address.
    QueryOrFragment,
}

impl BaseUrlProblem {
    const ALL: [BaseUrlProblem; 4] = [
        BaseUrlProblem::Empty,
        BaseUrlProblem::NotHttp,
        BaseUrlProblem::Credentials,
        BaseUrlProblem::QueryOrFragment,
    ];

    /// How the problem is stored in a job: the sentence versions before it
    /// was typed kept there. So jobs they stored read back as typed
    /// problems, and a tab still running one reads what this one stores.
    /// Never shown: the views word problems themselves.
    fn stored_as(self) -> &'static str {
        match self {
            BaseUrlProblem::Empty => "the API base URL is empty",
            BaseUrlProblem::NotHttp => "the API base URL must start with http:// or https://",
            BaseUrlProblem::Credentials => {
                "the API base URL must not contain a user name or password"
            }
            BaseUrlProblem::QueryOrFragment => "the API base URL must not contain ? or #",
        }
    }
}

impl From<SettingProblem> for String {
    fn from(problem: SettingProblem) -> String {
        match problem {
            SettingProblem::BaseUrl(p) => p.stored_as().to_string(),
            SettingProblem::Unusable(detail) => detail,
        }
    }
}

impl From<String> for SettingProblem {
    fn from(stored: String) -> SettingProblem {
        match BaseUrlProblem::ALL
            .into_iter()
            .find(|p| p.stored_as() == stored)
        {
            Some(p) => SettingProblem::BaseUrl(p),
            None => SettingProblem::Unusable(stored),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_problems_are_stored_as_earlier_versions_stored_them() {
        let read = |json: &str| serde_json::from_str::<ApiError>(json).unwrap();
        let query = ApiError::Setting(SettingProblem::BaseUrl(BaseUrlProblem::QueryOrFragment));
        let stored = r#"{"Setting":"the API base URL must not contain ? or #"}"#;
        assert_eq!(read(stored), query);
        assert_eq!(serde_json::to_string(&query).unwrap(), stored);
        assert_eq!(
            read(r#"{"Setting":"JsError { message: \"bad URL\" }"}"#),
            ApiError::Setting(SettingProblem::Unusable(
                "JsError { message: \"bad URL\" }".into()
            ))
        );
        for p in BaseUrlProblem::ALL {
            let e = ApiError::Setting(SettingProblem::BaseUrl(p));
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(read(&json), e, "{json}");
        }
        let e = ApiError::Setting(SettingProblem::Unusable("x".into()));
        assert_eq!(read(&serde_json::to_string(&e).unwrap()), e);
    }
}
