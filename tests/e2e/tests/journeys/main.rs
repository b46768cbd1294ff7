//! Every end-to-end test, in one test binary. Cargo runs test binaries one
//! after another, and each waited for its slowest test with a thread idle;
//! one binary keeps both test threads busy to the end, and links once.
//! Pick a file's tests by its module, e.g. `cargo test -p kamiya-e2e
//! --test journeys tabs::`.

mod common;

mod a11y;
mod archive;
mod credit;
mod deploy;
mod gallery;
mod harness;
mod jobs;
mod journey;
mod prompt_tools;
mod proxy;
mod quota;
mod results;
mod tabs;
