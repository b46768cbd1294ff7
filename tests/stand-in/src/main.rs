//! Runs the stand-in as a local demo backend:
//! `kamiya-standin [--port 8787] [--cdn-port 8788] [--job-secs 6] [--key K]... [--no-cdn-cors] [--no-cors]`

use std::process::ExitCode;
use std::time::Duration;

use kamiya_standin::{StandIn, StandInConfig, DEMO_KEY};

const USAGE: &str =
    "usage: kamiya-standin [--port N] [--cdn-port N] [--job-secs S] [--key KEY]... [--no-cdn-cors] [--no-cors]
  --port N        API port (default 8787)
  --cdn-port N    image CDN port (default 8788)
  --job-secs S    seconds from submission to a finished image (default 6)
  --key KEY       an accepted API key; repeatable (default the demo key)
  --no-cdn-cors   the CDN sends no CORS header (tests the download fallback)
  --no-cors       the API sends no CORS headers (a server refusing every page's origin)";

fn parse(args: impl IntoIterator<Item = String>) -> Result<StandInConfig, String> {
    let mut config = StandInConfig {
        api_port: 8787,
        cdn_port: 8788,
        keys: Vec::new(),
        ..StandInConfig::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => config.api_port = port(&value("--port")?)?,
            "--cdn-port" => config.cdn_port = port(&value("--cdn-port")?)?,
            "--job-secs" => {
                let secs = value("--job-secs")?;
                config.job_duration = secs
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or(format!("bad --job-secs `{secs}`"))?;
            }
            "--key" => config.keys.push(value("--key")?),
            "--no-cdn-cors" => config.cdn_cors = false,
            "--no-cors" => config.cors = false,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if config.keys.is_empty() {
        config.keys.push(DEMO_KEY.to_owned());
    }
    Ok(config)
}

fn port(text: &str) -> Result<u16, String> {
    text.parse().map_err(|_| format!("bad port `{text}`"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = match parse(args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let keys = config.keys.clone();
    let stand_in = match StandIn::start(config).await {
        Ok(stand_in) => stand_in,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Kamiya stand-in API: {}", stand_in.api_url());
    println!("Kamiya stand-in CDN: {}", stand_in.cdn_url());
    for key in &keys {
        println!("API key: {key}");
    }
    println!("Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {e}");
        return ExitCode::FAILURE;
    }
    drop(stand_in);
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults() {
        let c = parse(args(&[])).unwrap();
        assert_eq!((c.api_port, c.cdn_port), (8787, 8788));
        assert_eq!(c.keys, vec![DEMO_KEY.to_owned()]);
        assert_eq!(c.job_duration, Duration::from_secs(6));
        assert!(c.cdn_cors);
        assert!(c.cors);
    }

    #[test]
    fn everything() {
        let c = parse(args(&[
            "--port",
            "1",
            "--cdn-port",
            "2",
            "--job-secs",
            "0.5",
            "--key",
            "a",
            "--key",
            "b",
            "--no-cdn-cors",
            "--no-cors",
        ]))
        .unwrap();
        assert_eq!((c.api_port, c.cdn_port), (1, 2));
        assert_eq!(c.keys, vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(c.job_duration, Duration::from_millis(500));
        assert!(!c.cdn_cors);
        assert!(!c.cors);
    }

    #[test]
    fn rejects_nonsense() {
        assert!(parse(args(&["--port"])).is_err());
        assert!(parse(args(&["--port", "x"])).is_err());
        assert!(parse(args(&["--job-secs", "-1"])).is_err());
        assert!(parse(args(&["--frobnicate"])).is_err());
    }
}
