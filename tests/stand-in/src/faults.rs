//! Injected misbehaviour: what the client must survive from a real server,
//! a proxy in front of it, or the network between.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The API routes, as the stand-in classifies requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    /// Only meaningful in a [`Fault`]: matches every API request.
    Any,
    CheckNetwork,
    Details,
    Config,
    Generate,
    Track,
    List,
}

impl Route {
    pub(crate) fn matches(self, actual: Option<Route>) -> bool {
        self == Route::Any || Some(self) == actual
    }
}

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// That HTTP status with an envelope carrying the same status.
    HttpStatus(u16),
    /// HTTP 200 whose envelope reports an error.
    BodyStatus { status: i64, message: String },
    /// HTTP 200 with JSON cut off mid-object.
    Truncated,
    /// HTTP 502 with an HTML page, as a reverse proxy would answer.
    Html,
    /// HTTP 200 with a well-formed envelope whose `data` has the wrong type.
    WrongShape,
    /// Answer normally after waiting.
    Delay(Duration),
    /// Close the connection without sending a single byte.
    Drop,
    /// Do the work (a generate creates its job), then wait before answering:
    /// a client that gives up or reloads meanwhile never hears of it.
    DelayAnswer(Duration),
    /// Do the work, then close the connection without answering: the answer
    /// is lost, the job exists.
    DropAnswer,
    /// Answer as if the request had no `Authorization` header, as behind a
    /// proxy that drops it.
    StripAuth,
}

#[derive(Clone, Debug)]
pub struct Fault {
    pub route: Route,
    pub kind: FaultKind,
    /// How many matching requests it spoils; `None` = until cleared.
    pub times: Option<u32>,
}

impl Fault {
    pub fn new(route: Route, kind: FaultKind) -> Fault {
        Fault {
            route,
            kind,
            times: None,
        }
    }

    pub fn once(route: Route, kind: FaultKind) -> Fault {
        Fault::times(route, kind, 1)
    }

    pub fn times(route: Route, kind: FaultKind, times: u32) -> Fault {
        Fault {
            route,
            kind,
            times: Some(times),
        }
    }
}

/// The JSON form accepted by `POST /__standin/fault`, so that scripts in
/// other languages can inject faults, e.g.
/// `{"route":"Generate","kind":"http_status","status":503,"times":2}`,
/// `{"route":"Any","kind":"delay","ms":1500}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSpec {
    route: Route,
    kind: String,
    #[serde(default)]
    status: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default)]
    times: Option<u32>,
}

impl FaultSpec {
    pub(crate) fn into_fault(self) -> Result<Fault, String> {
        let kind = match self.kind.as_str() {
            "http_status" => {
                let status = self.status.ok_or("http_status needs `status`")?;
                let status = u16::try_from(status)
                    .ok()
                    .filter(|s| StatusCode::from_u16(*s).is_ok())
                    .ok_or("`status` is not an HTTP status")?;
                FaultKind::HttpStatus(status)
            }
            "body_status" => FaultKind::BodyStatus {
                status: self.status.ok_or("body_status needs `status`")?,
                message: self.message.unwrap_or_else(|| "服务器繁忙".to_owned()),
            },
            "truncated" => FaultKind::Truncated,
            "html" => FaultKind::Html,
            "wrong_shape" => FaultKind::WrongShape,
            "delay" => FaultKind::Delay(Duration::from_millis(self.ms.ok_or("delay needs `ms`")?)),
            "drop" => FaultKind::Drop,
            "delay_answer" => FaultKind::DelayAnswer(Duration::from_millis(
                self.ms.ok_or("delay_answer needs `ms`")?,
            )),
            "drop_answer" => FaultKind::DropAnswer,
            "strip_auth" => FaultKind::StripAuth,
            other => return Err(format!("unknown fault kind `{other}`")),
        };
        Ok(Fault {
            route: self.route,
            kind,
            times: self.times,
        })
    }
}

/// Active faults in injection order; the oldest matching one wins.
#[derive(Default)]
pub(crate) struct Faults(Vec<Fault>);

impl Faults {
    pub(crate) fn push(&mut self, fault: Fault) {
        if fault.times != Some(0) {
            self.0.push(fault);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// Consumes one use of the first fault matching `route`.
    pub(crate) fn take(&mut self, route: Option<Route>) -> Option<FaultKind> {
        let idx = self.0.iter().position(|f| f.route.matches(route))?;
        let fault = &mut self.0[idx];
        let kind = fault.kind.clone();
        if let Some(left) = fault.times.as_mut() {
            *left -= 1;
            if *left == 0 {
                self.0.remove(idx);
            }
        }
        Some(kind)
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "请求参数错误",
        401 => "未授权：API 密钥无效",
        403 => "禁止访问",
        404 => "接口不存在",
        408 => "请求超时",
        429 => "请求过于频繁，请稍后再试",
        502 => "网关错误",
        503 => "服务暂时不可用，请稍后再试",
        504 => "网关超时",
        _ => "服务器内部错误",
    }
}

/// The canned answer of a fault that replaces the response; `None` for
/// kinds that act on timing or the connection instead.
pub(crate) fn fault_response(kind: &FaultKind) -> Option<Response> {
    let (status, content_type, body) = match kind {
        FaultKind::HttpStatus(s) => (
            *s,
            "application/json; charset=utf-8",
            json!({"status": s, "message": status_text(*s)}).to_string(),
        ),
        FaultKind::BodyStatus { status, message } => (
            200,
            "application/json; charset=utf-8",
            json!({"status": status, "message": message}).to_string(),
        ),
        FaultKind::Truncated => (
            200,
            "application/json; charset=utf-8",
            r#"{"status":200,"message":"OK","data":{"id":"#.to_owned(),
        ),
        FaultKind::Html => (
            502,
            "text/html; charset=utf-8",
            "<html><body>502 Bad Gateway</body></html>".to_owned(),
        ),
        FaultKind::WrongShape => (
            200,
            "application/json; charset=utf-8",
            r#"{"status":200,"message":"OK","data":"surprise"}"#.to_owned(),
        ),
        FaultKind::Delay(_)
        | FaultKind::Drop
        | FaultKind::DelayAnswer(_)
        | FaultKind::DropAnswer
        | FaultKind::StripAuth => return None,
    };
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Some(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_matches_routes() {
        let mut faults = Faults::default();
        faults.push(Fault::times(Route::Track, FaultKind::Truncated, 2));
        faults.push(Fault::new(Route::Any, FaultKind::Html));
        faults.push(Fault::times(Route::Config, FaultKind::Drop, 0));
        assert!(matches!(
            faults.take(Some(Route::Config)),
            Some(FaultKind::Html)
        ));
        assert!(matches!(
            faults.take(Some(Route::Track)),
            Some(FaultKind::Truncated)
        ));
        assert!(matches!(
            faults.take(Some(Route::Track)),
            Some(FaultKind::Truncated)
        ));
        assert!(matches!(
            faults.take(Some(Route::Track)),
            Some(FaultKind::Html)
        ));
        assert!(matches!(faults.take(None), Some(FaultKind::Html)));
        faults.clear();
        assert!(faults.take(Some(Route::Track)).is_none());
    }

    #[test]
    fn spec_parsing() {
        let parse = |s: &str| {
            serde_json::from_str::<FaultSpec>(s)
                .map_err(|e| e.to_string())
                .and_then(FaultSpec::into_fault)
        };
        let f = parse(r#"{"route":"Generate","kind":"delay","ms":250,"times":3}"#).unwrap();
        assert_eq!(f.route, Route::Generate);
        assert!(matches!(f.kind, FaultKind::Delay(d) if d == Duration::from_millis(250)));
        assert_eq!(f.times, Some(3));
        let f =
            parse(r#"{"route":"Any","kind":"body_status","status":500,"message":"坏了"}"#).unwrap();
        assert!(
            matches!(f.kind, FaultKind::BodyStatus { status: 500, ref message } if message == "坏了")
        );
        assert_eq!(f.times, None);
        assert!(parse(r#"{"route":"Any","kind":"http_status"}"#).is_err());
        assert!(parse(r#"{"route":"Any","kind":"http_status","status":7}"#).is_err());
        assert!(parse(r#"{"route":"Nowhere","kind":"drop"}"#).is_err());
        assert!(parse(r#"{"route":"Any","kind":"drop","extra":1}"#).is_err());
    }
}
