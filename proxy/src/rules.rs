//! What the proxy lets through, as plain functions: which paths, methods,
//! queries and origins are accepted, and why anything else is refused.
//! No I/O here, so every rule is tested on its own.

use std::fmt;

/// The API's own routes: the only ones forwarded to the upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiRoute {
    CheckNetwork,
    Details,
    Config,
    /// `POST /api/image/generate`
    Generate,
    /// `GET /api/image/generate?start=N&take=N`
    List,
    /// `GET /api/image/generate/{hashid}`
    Track,
}

/// Where an accepted request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// To the upstream API: this path and query, exactly as they came.
    Api {
        route: ApiRoute,
        path_and_query: String,
    },
    /// A picture of an allowed image host (`--image-host`):
    /// `/image/{host}/{path}` becomes `{origin}/{path}`.
    Image {
        origin: String,
        path_and_query: String,
    },
}

/// Why a request is not forwarded. Each becomes an HTTP status and a JSON
/// body in the API's own envelope, so the app shows the proxy's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `GET http://elsewhere/… HTTP/1.1`: the proxy is not an open relay.
    AbsoluteUrl,
    /// `..`, `.` segments, `//`, percent escapes (encoded slashes),
    /// backslashes, control characters.
    PathTrick,
    /// Not one of the API's routes (nor an allowed image host).
    NotForwarded,
    /// Not GET, POST or OPTIONS, or not the method this route takes.
    Method,
    /// A query where the route takes none, or a list query other than
    /// `start` and `take` as numbers.
    Query,
    /// No `Origin`, or one not given with `--allow-origin`.
    Origin,
    /// A preflight asking for a method or headers that are not allowed.
    Preflight,
    /// A request body over the limit.
    TooLarge { limit: usize },
    /// The client sent its body too slowly.
    SlowBody,
    /// Too many requests in flight.
    Busy,
    /// The upstream did not answer (refused, DNS, TLS, reset).
    UpstreamDown { upstream: String, reason: String },
    /// The upstream did not answer in time.
    UpstreamTimeout { upstream: String, secs: u64 },
    /// The image host answered with something that is not a picture.
    NotAnImage,
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::AbsoluteUrl | Refusal::PathTrick | Refusal::Query => 400,
            Refusal::NotForwarded => 404,
            Refusal::Method => 405,
            Refusal::Origin | Refusal::Preflight => 403,
            Refusal::SlowBody => 408,
            Refusal::TooLarge { .. } => 413,
            Refusal::Busy => 503,
            Refusal::UpstreamDown { .. } | Refusal::NotAnImage => 502,
            Refusal::UpstreamTimeout { .. } => 504,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("kamiya-proxy: ")?;
        match self {
            Refusal::AbsoluteUrl => f.write_str("absolute URLs are not forwarded"),
            Refusal::PathTrick => f.write_str(
                "the path has `..`, `.`, `//`, a backslash or a percent escape: not forwarded",
            ),
            Refusal::NotForwarded => f.write_str("not one of the Kamiya API's routes"),
            Refusal::Method => f.write_str("method not allowed on this route"),
            Refusal::Query => f.write_str("query not allowed on this route"),
            Refusal::Origin => f.write_str(
                "this page's origin is not allowed (start the proxy with --allow-origin <origin>)",
            ),
            Refusal::Preflight => f.write_str(
                "preflight refused: only GET and POST with Authorization and Content-Type",
            ),
            Refusal::TooLarge { limit } => write!(
                f,
                "request body over {} MiB (image-to-image sources up to 4 MB fit)",
                limit / (1024 * 1024)
            ),
            Refusal::SlowBody => f.write_str("the request body came too slowly"),
            Refusal::Busy => f.write_str("too many requests at once; try again in a moment"),
            Refusal::UpstreamDown { upstream, reason } => {
                write!(f, "the API at {upstream} did not answer ({reason})")
            }
            Refusal::UpstreamTimeout { upstream, secs } => {
                write!(f, "the API at {upstream} did not answer within {secs} s")
            }
            Refusal::NotAnImage => f.write_str("the image host did not answer with a picture"),
        }
    }
}

/// The methods the proxy knows at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Options,
}

impl Method {
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "OPTIONS" => Some(Method::Options),
            _ => None,
        }
    }
}

/// The request line, as the server parsed it.
pub struct RequestLine<'a> {
    pub method: &'a str,
    /// Whether the request-target was absolute (`http://host/…`) or an
    /// authority (`CONNECT host:443`).
    pub absolute: bool,
    pub path: &'a str,
    pub query: Option<&'a str>,
}

/// Decides where a request goes. For a preflight (`OPTIONS`), `method`
/// must be the one it announces (`Access-Control-Request-Method`).
pub fn route(
    line: &RequestLine<'_>,
    preflight_method: Option<&str>,
    image_hosts: &[ImageHost],
) -> Result<(Target, Method), Refusal> {
    if line.absolute {
        return Err(Refusal::AbsoluteUrl);
    }
    let method = Method::parse(line.method).ok_or(Refusal::Method)?;
    let wanted = match method {
        Method::Options => preflight_method
            .and_then(Method::parse)
            .filter(|m| *m != Method::Options)
            .ok_or(Refusal::Preflight)?,
        m => m,
    };
    if let Some(rest) = line.path.strip_prefix("/image/") {
        if image_hosts.is_empty() {
            return Err(Refusal::NotForwarded);
        }
        return image_target(rest, line.query, wanted, image_hosts).map(|t| (t, method));
    }
    if line.path != "/" {
        check_path(line.path)?;
    }
    let (route, allowed) = match line.path {
        "/api/checkNetwork" => (ApiRoute::CheckNetwork, Method::Get),
        "/api/session/getDetails" => (ApiRoute::Details, Method::Get),
        "/api/image/config" => (ApiRoute::Config, Method::Get),
        "/api/image/generate" if wanted == Method::Get => (ApiRoute::List, Method::Get),
        "/api/image/generate" => (ApiRoute::Generate, Method::Post),
        path => match path.strip_prefix("/api/image/generate/") {
            Some(hashid) if is_hashid(hashid) => (ApiRoute::Track, Method::Get),
            _ => return Err(Refusal::NotForwarded),
        },
    };
    if wanted != allowed {
        return Err(if method == Method::Options {
            Refusal::Preflight
        } else {
            Refusal::Method
        });
    }
    let query = line.query.filter(|q| !q.is_empty());
    let path_and_query = match (route, query) {
        (_, None) => line.path.to_string(),
        (ApiRoute::List, Some(q)) if is_list_query(q) => format!("{}?{q}", line.path),
        _ => return Err(Refusal::Query),
    };
    Ok((
        Target::Api {
            route,
            path_and_query,
        },
        method,
    ))
}

/// Paths the API uses are plain: segments of letters, digits, `-` and `_`.
/// Anything a server or a path normaliser might read differently from us
/// is refused rather than interpreted.
fn check_path(path: &str) -> Result<(), Refusal> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Refusal::PathTrick);
    };
    for segment in rest.split('/') {
        let plain = !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !plain {
            return Err(Refusal::PathTrick);
        }
    }
    Ok(())
}

fn is_hashid(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `start=1&take=20`: each at most once, whole numbers of up to 6 digits.
/// Empty pairs are harmless (browsers' fetch wrappers leave a trailing `&`).
fn is_list_query(q: &str) -> bool {
    let mut seen = Vec::new();
    q.split('&').filter(|pair| !pair.is_empty()).all(|pair| {
        let Some((name, value)) = pair.split_once('=') else {
            return false;
        };
        let known = name == "start" || name == "take";
        let number = (1..=6).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
        let first = !seen.contains(&name);
        seen.push(name);
        known && number && first
    })
}

/// An image host given with `--image-host`: `cdn.example` (https) or a
/// full origin such as `http://127.0.0.1:8788`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageHost {
    /// `host[:port]` as it appears in `/image/{host}/…`.
    pub authority: String,
    /// `https://host[:port]`, where pictures are fetched.
    pub origin: String,
}

impl ImageHost {
    pub fn parse(text: &str) -> Result<ImageHost, String> {
        let text = text.trim();
        let origin = if text.contains("://") {
            parse_origin(text)?
        } else {
            parse_origin(&format!("https://{text}"))?
        };
        let authority = origin
            .split_once("://")
            .map(|x| x.1.to_string())
            .unwrap_or_default();
        Ok(ImageHost { authority, origin })
    }
}

fn image_target(
    rest: &str,
    query: Option<&str>,
    wanted: Method,
    hosts: &[ImageHost],
) -> Result<Target, Refusal> {
    if wanted != Method::Get {
        return Err(Refusal::Method);
    }
    let (authority, path) = rest.split_once('/').ok_or(Refusal::NotForwarded)?;
    let host = hosts
        .iter()
        .find(|h| h.authority.eq_ignore_ascii_case(authority))
        .ok_or(Refusal::NotForwarded)?;
    // Picture paths may carry escapes (`%20`), but never of a separator or
    // a dot, and never a dot segment.
    let bad_escape = {
        let lower = path.to_ascii_lowercase();
        ["%2f", "%5c", "%2e", "%00"]
            .iter()
            .any(|e| lower.contains(e))
    };
    let bad_segment = path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..");
    let bad_char = path
        .chars()
        .chain(query.unwrap_or("").chars())
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if bad_escape || bad_segment || bad_char {
        return Err(Refusal::PathTrick);
    }
    let path_and_query = match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("/{path}?{q}"),
        None => format!("/{path}"),
    };
    Ok(Target::Image {
        origin: host.origin.clone(),
        path_and_query,
    })
}

/// The image URL a page asks the proxy for, from the picture's own URL
/// (the same rule the app, the Worker and nginx use).
pub fn image_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (authority, path) = rest.split_once('/')?;
    Some(format!("/image/{authority}/{path}"))
}

/// Checks and normalises an origin as browsers send it in `Origin`:
/// `scheme://host[:port]`, lowercase, no default port, no path.
pub fn parse_origin(text: &str) -> Result<String, String> {
    let text = text.trim();
    let explain = |why: &str| format!("`{text}` is not an origin: {why}");
    if text == "*" {
        return Err(explain(
            "the proxy never allows every origin; give each page's origin, e.g. https://you.github.io",
        ));
    }
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| explain("it needs http:// or https://, e.g. https://you.github.io"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(explain(
            "only http:// and https:// pages can call the proxy",
        ));
    }
    // A lone trailing slash is how addresses are often copied; a path is not.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if let Some((authority, path)) = rest.split_once('/') {
        return Err(explain(&format!(
            "an origin has no path (`/{path}`): use {scheme}://{authority}"
        )));
    }
    if rest.contains(['?', '#', '@']) {
        return Err(explain("an origin has no query, fragment or user name"));
    }
    let (host, port) =
        split_port(rest).ok_or_else(|| explain("the port is not a number from 1 to 65535"))?;
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        v6.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    if !host_ok {
        return Err(explain("the host name is not valid"));
    }
    let host = host.to_ascii_lowercase();
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// `host`, `host:port` or `[v6]:port`; `None` when a port is not a port.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let colon = if authority.starts_with('[') {
        authority.find("]:").map(|i| i + 1)
    } else {
        authority.rfind(':')
    };
    match colon {
        None => Some((authority, None)),
        Some(i) => {
            let port: u16 = authority[i + 1..].parse().ok().filter(|p| *p > 0)?;
            Some((&authority[..i], Some(port)))
        }
    }
}

/// Whether a preflight's `Access-Control-Request-Headers` asks only for
/// what the API needs.
pub fn preflight_headers_allowed(requested: Option<&str>) -> bool {
    requested.unwrap_or("").split(',').all(|h| {
        let h = h.trim().to_ascii_lowercase();
        h.is_empty() || h == "authorization" || h == "content-type"
    })
}

/// Checks the upstream given with `--upstream`: http(s), a host, maybe a
/// path prefix; no user name, query or fragment. Returned without a
/// trailing slash.
pub fn parse_upstream(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let explain = |why: &str| format!("--upstream `{text}`: {why}");
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| explain("needs https:// (or http://), e.g. https://p0.kamiya.dev"))?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err(explain("only https:// and http:// upstreams"));
    }
    if rest.contains(['?', '#', '@']) || rest.chars().any(|c| c.is_whitespace()) {
        return Err(explain("no user name, query, fragment or spaces"));
    }
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() || split_port(authority).is_none() {
        return Err(explain("needs a host (and a valid port, if any)"));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(method: &'a str, path: &'a str, query: Option<&'a str>) -> RequestLine<'a> {
        RequestLine {
            method,
            absolute: false,
            path,
            query,
        }
    }

    fn api(method: &str, path: &str, query: Option<&str>) -> Result<ApiRoute, Refusal> {
        match route(&line(method, path, query), None, &[])?.0 {
            Target::Api { route, .. } => Ok(route),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_api_routes_and_only_those() {
        assert_eq!(
            api("GET", "/api/checkNetwork", None),
            Ok(ApiRoute::CheckNetwork)
        );
        assert_eq!(
            api("GET", "/api/session/getDetails", None),
            Ok(ApiRoute::Details)
        );
        assert_eq!(api("GET", "/api/image/config", None), Ok(ApiRoute::Config));
        assert_eq!(
            api("POST", "/api/image/generate", None),
            Ok(ApiRoute::Generate)
        );
        assert_eq!(
            api("GET", "/api/image/generate", Some("start=1&take=20")),
            Ok(ApiRoute::List)
        );
        assert_eq!(
            api("GET", "/api/image/generate/Ab3_x-9", None),
            Ok(ApiRoute::Track)
        );
        for path in [
            "/",
            "/api",
            "/api/",
            "/api/billing/history",
            "/api/image/generate/a/b",
            "/API/checkNetwork",
            "/api/checkNetwork/",
            "/api/image/generate/",
            "/admin",
        ] {
            assert!(api("GET", path, None).is_err(), "{path}");
        }
        let long = format!("/api/image/generate/{}", "a".repeat(65));
        assert_eq!(api("GET", &long, None), Err(Refusal::NotForwarded));
    }

    #[test]
    fn path_tricks_are_refused() {
        for path in [
            "/api/image/../checkNetwork",
            "/api/./checkNetwork",
            "/api//checkNetwork",
            "/api/image/generate/abc%2Fdef",
            "/api/image/generate/abc%2fdef",
            "/api/check%4Eetwork",
            "/api\\checkNetwork",
            "/api/image/generate/a.b",
            "/api/image/generate/..",
            "api/checkNetwork",
            "/api/checkNetwork;x=1",
        ] {
            assert_eq!(api("GET", path, None), Err(Refusal::PathTrick), "{path}");
        }
    }

    #[test]
    fn methods_other_than_the_routes_own_are_refused() {
        assert_eq!(
            api("DELETE", "/api/checkNetwork", None),
            Err(Refusal::Method)
        );
        assert_eq!(
            api("PUT", "/api/image/generate", None),
            Err(Refusal::Method)
        );
        assert_eq!(
            api("CONNECT", "/api/checkNetwork", None),
            Err(Refusal::Method)
        );
        assert_eq!(api("HEAD", "/api/checkNetwork", None), Err(Refusal::Method));
        assert_eq!(api("POST", "/api/checkNetwork", None), Err(Refusal::Method));
        assert_eq!(
            api("POST", "/api/image/generate/abc", None),
            Err(Refusal::Method)
        );
        // A preflight is judged by the method it announces.
        let pre = |path, m| route(&line("OPTIONS", path, None), m, &[]).map(|r| r.0);
        assert!(pre("/api/image/generate", Some("POST")).is_ok());
        assert!(pre("/api/image/generate", Some("GET")).is_ok());
        assert_eq!(
            pre("/api/checkNetwork", Some("POST")),
            Err(Refusal::Preflight)
        );
        assert_eq!(
            pre("/api/checkNetwork", Some("DELETE")),
            Err(Refusal::Preflight)
        );
        assert_eq!(pre("/api/checkNetwork", None), Err(Refusal::Preflight));
    }

    #[test]
    fn queries_only_on_the_list() {
        assert_eq!(
            api("GET", "/api/image/generate", Some("take=5")),
            Ok(ApiRoute::List)
        );
        // What the app's HTTP library really sends.
        assert_eq!(
            api("GET", "/api/image/generate", Some("start=1&take=20&")),
            Ok(ApiRoute::List)
        );
        assert_eq!(
            api("GET", "/api/image/generate", Some("")),
            Ok(ApiRoute::List)
        );
        for q in [
            "start=1&take=20&url=http://x",
            "start=-1",
            "start=1&start=2",
            "take=1e9",
            "take=1234567",
            "start",
            "start=1;take=2",
        ] {
            assert_eq!(
                api("GET", "/api/image/generate", Some(q)),
                Err(Refusal::Query),
                "{q}"
            );
        }
        assert_eq!(
            api("GET", "/api/checkNetwork", Some("x=1")),
            Err(Refusal::Query)
        );
        assert_eq!(
            api("GET", "/api/image/generate/abc", Some("a=b")),
            Err(Refusal::Query)
        );
    }

    #[test]
    fn absolute_urls_are_refused_first() {
        let l = RequestLine {
            method: "GET",
            absolute: true,
            path: "/api/checkNetwork",
            query: None,
        };
        assert_eq!(route(&l, None, &[]), Err(Refusal::AbsoluteUrl));
    }

    #[test]
    fn images_only_from_the_named_hosts() {
        let hosts = [
            ImageHost::parse("cdn.kamiya.example").unwrap(),
            ImageHost::parse("http://127.0.0.1:8788").unwrap(),
        ];
        assert_eq!(hosts[0].origin, "https://cdn.kamiya.example");
        assert_eq!(hosts[1].authority, "127.0.0.1:8788");
        let img = |path: &str, query| route(&line("GET", path, query), None, &hosts).map(|r| r.0);
        assert_eq!(
            img("/image/cdn.kamiya.example/a/b%20c.jpg", Some("sig=1")),
            Ok(Target::Image {
                origin: "https://cdn.kamiya.example".into(),
                path_and_query: "/a/b%20c.jpg?sig=1".into()
            })
        );
        assert_eq!(
            img("/image/127.0.0.1:8788/img/x.jpg", None),
            Ok(Target::Image {
                origin: "http://127.0.0.1:8788".into(),
                path_and_query: "/img/x.jpg".into()
            })
        );
        assert_eq!(
            img("/image/evil.example/x.jpg", None),
            Err(Refusal::NotForwarded)
        );
        for trick in [
            "/image/cdn.kamiya.example/../x",
            "/image/cdn.kamiya.example/a%2F..%2Fx",
            "/image/cdn.kamiya.example/a%2e%2e/x",
            "/image/cdn.kamiya.example//x",
            "/image/cdn.kamiya.example/a\\b",
        ] {
            assert_eq!(img(trick, None), Err(Refusal::PathTrick), "{trick}");
        }
        let post = route(
            &line("POST", "/image/cdn.kamiya.example/x.jpg", None),
            None,
            &hosts,
        );
        assert_eq!(post, Err(Refusal::Method));
        // Without --image-host there is no image route at all.
        assert_eq!(
            route(
                &line("GET", "/image/cdn.kamiya.example/x.jpg", None),
                None,
                &[]
            ),
            Err(Refusal::NotForwarded)
        );
        assert_eq!(
            image_path("https://cdn.kamiya.example/a/b.jpg").as_deref(),
            Some("/image/cdn.kamiya.example/a/b.jpg")
        );
    }

    #[test]
    fn origins_are_checked_and_normalised() {
        assert_eq!(
            parse_origin("https://You.GitHub.io").unwrap(),
            "https://you.github.io"
        );
        assert_eq!(
            parse_origin("https://you.github.io/").unwrap(),
            "https://you.github.io"
        );
        assert_eq!(
            parse_origin("https://a.example:443").unwrap(),
            "https://a.example"
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            parse_origin("http://[::1]:8080").unwrap(),
            "http://[::1]:8080"
        );
        let refused = |t: &str| parse_origin(t).unwrap_err();
        assert!(refused("*").contains("never allows every origin"));
        assert!(refused("you.github.io").contains("needs http:// or https://"));
        assert!(
            refused("https://you.github.io/kamiya-studio").contains("use https://you.github.io")
        );
        assert!(refused("ftp://x.example").contains("only http"));
        assert!(refused("https://x.example:99999").contains("port"));
        assert!(refused("https://x.example?a").contains("no query"));
        assert!(refused("https://bad_host").contains("host name"));
        assert!(refused("null").contains("needs http"));
        assert!(refused("https://").contains("host name"));
    }

    #[test]
    fn preflight_headers() {
        assert!(preflight_headers_allowed(None));
        assert!(preflight_headers_allowed(Some(
            "authorization, Content-Type"
        )));
        assert!(!preflight_headers_allowed(Some("authorization, cookie")));
        assert!(!preflight_headers_allowed(Some("x-forwarded-for")));
    }

    #[test]
    fn upstreams() {
        assert_eq!(
            parse_upstream("https://p0.kamiya.dev/").unwrap(),
            "https://p0.kamiya.dev"
        );
        assert_eq!(
            parse_upstream("http://127.0.0.1:8787").unwrap(),
            "http://127.0.0.1:8787"
        );
        assert!(parse_upstream("p0.kamiya.dev").is_err());
        assert!(parse_upstream("https://u:p@x.example").is_err());
        assert!(parse_upstream("https://x.example/?a=1").is_err());
        assert!(parse_upstream("file:///etc/passwd").is_err());
        assert!(parse_upstream("https://").is_err());
    }

    #[test]
    fn refusals_have_statuses_and_words() {
        assert_eq!(Refusal::TooLarge { limit: 6 << 20 }.status(), 413);
        assert_eq!(
            Refusal::TooLarge { limit: 6 << 20 }.to_string(),
            "kamiya-proxy: request body over 6 MiB (image-to-image sources up to 4 MB fit)"
        );
        let down = Refusal::UpstreamDown {
            upstream: "https://p0.kamiya.dev".into(),
            reason: "connection refused".into(),
        };
        assert_eq!(down.status(), 502);
        assert_eq!(
            down.to_string(),
            "kamiya-proxy: the API at https://p0.kamiya.dev did not answer (connection refused)"
        );
    }
}
