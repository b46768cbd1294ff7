//! One error type for every way a call to the Kamiya API can fail, and the
//! one place that turns such a failure into a sentence for the user.

use crate::i18n::Lang;

#[derive(Clone, Debug, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
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
    #[error("invalid setting: {0}")]
    Setting(String),
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

    /// A sentence a user understands, in their language. Server text is
    /// quoted as it came: it is often Chinese and the most precise clue.
    pub fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let server = |m: &Option<String>| match m.as_deref().map(str::trim) {
            Some(m) if !m.is_empty() => {
                if zh {
                    format!("服务器说：“{m}”")
                } else {
                    format!("The server said: “{m}”")
                }
            }
            _ => String::new(),
        };
        match self {
            ApiError::Network(_) => if zh {
                "无法连接到 API 服务器（网络断开、地址错误，或被浏览器的跨域（CORS）策略拦截）。请检查网络和“API 地址”设置；如需代理，请在设置中填写代理地址。"
            } else {
                "Could not reach the API server (offline, wrong address, or blocked by the browser's cross-origin (CORS) rules). Check your connection and the API base URL setting; if you use a proxy, enter its address there."
            }
            .to_string(),
            ApiError::Timeout(secs) => {
                if zh {
                    format!("服务器在 {secs} 秒内没有回应，请稍后重试。")
                } else {
                    format!("The server did not answer within {secs} s. Try again in a moment.")
                }
            }
            ApiError::Unauthorized(m) => {
                let head = if zh {
                    "API 密钥无效或已过期：请在设置中检查密钥。"
                } else {
                    "The API key was refused: check the key in Settings."
                };
                join(head, &server(m))
            }
            ApiError::Http { status, message } => {
                let head = match (*status, zh) {
                    (429, true) => "请求太频繁，请稍后再试。".to_string(),
                    (429, false) => "Too many requests: wait a little and try again.".to_string(),
                    (s, true) if s >= 500 => format!("服务器出错（HTTP {s}），请稍后重试。"),
                    (s, false) if s >= 500 => {
                        format!("The server had a problem (HTTP {s}). Try again later.")
                    }
                    (s, true) => format!("请求被拒绝（HTTP {s}）。"),
                    (s, false) => format!("The request was refused (HTTP {s})."),
                };
                join(&head, &server(message))
            }
            ApiError::Api { status, message } => {
                let head = if zh {
                    format!("API 返回错误（状态 {status}）。")
                } else {
                    format!("The API answered with an error (status {status}).")
                };
                join(&head, &server(&Some(message.clone())))
            }
            ApiError::Malformed(_) => if zh {
                "服务器的回应无法识别（可能是代理或服务器故障），请稍后重试。"
            } else {
                "The server's answer could not be understood (a proxy or server fault?). Try again later."
            }
            .to_string(),
            ApiError::Setting(what) => {
                if zh {
                    format!("设置有误：{what}")
                } else {
                    format!("Check your settings: {what}")
                }
            }
        }
    }
}

fn join(head: &str, tail: &str) -> String {
    if tail.is_empty() {
        head.to_string()
    } else {
        format!("{head} {tail}")
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
    fn descriptions_quote_the_server_message_and_mention_the_cause() {
        let e = ApiError::Api {
            status: 500,
            message: "服务器繁忙".into(),
        };
        assert!(e.describe(Lang::En).contains("服务器繁忙"));
        assert!(e.describe(Lang::Zh).contains("服务器繁忙"));
        assert!(ApiError::Network("TypeError".into())
            .describe(Lang::En)
            .contains("CORS"));
        assert!(ApiError::Unauthorized(None)
            .describe(Lang::En)
            .contains("key"));
        let http = ApiError::Http {
            status: 500,
            message: Some("  ".into()),
        };
        assert!(!http.describe(Lang::En).contains("said"));
    }
}
