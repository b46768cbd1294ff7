#!/usr/bin/env bash
# The test command: installs what is missing (pinned), checks formatting and
# lints, builds the release, then runs every test: native unit tests, the
# stand-in's tests, component tests in headless Chromium, and end-to-end
# journeys in headless Chromium against the stand-in API.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

step() { printf '\n== %s\n' "$*"; }

step "tools"
bash scripts/install-tools.sh

step "format"
cargo fmt --all -- --check

step "lint (native and wasm32)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p kamiya-studio --all-targets --target wasm32-unknown-unknown --locked -- -D warnings

step "release build (dist/)"
trunk build --release

step "native tests: domain, API parsing, stand-in"
cargo test --workspace --locked --exclude kamiya-e2e

step "component tests in headless Chromium"
cargo test -p kamiya-studio --target wasm32-unknown-unknown --test web --locked

step "end-to-end journeys in headless Chromium"
# Each test drives its own browser; two at a time suit a 2-core machine.
cargo test -p kamiya-e2e --locked -- --test-threads=2
