//! `kamiya-proxy --upstream URL --listen HOST:PORT --allow-origin ORIGIN [--allow-origin ORIGIN ...] [--image-host HOST ...]`

use std::process::ExitCode;

use kamiya_proxy::{start, Config, USAGE};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("kamiya-proxy: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let summary = format!(
        "kamiya-proxy: {} for {}",
        config.upstream,
        config.allow_origins.join(", ")
    );
    let running = match start(config).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("kamiya-proxy: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{summary}, listening on {}", running.url());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("kamiya-proxy: cannot wait for Ctrl-C: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
