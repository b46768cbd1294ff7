#!/usr/bin/env bash
# The test command: installs what is missing (pinned), checks formatting and
# lints, builds the release, then runs every test: native unit tests, the
# stand-in's and kamiya-proxy's tests (nginx with proxy/nginx.conf too), the
# Cloudflare Worker's tests (node --test), component tests in headless Chromium, and end-to-end
# journeys against the stand-in API in each browser engine our users have:
# Chromium, Firefox and WebKit, one after another (KAMIYA_E2E_ENGINES picks
# fewer, e.g. KAMIYA_E2E_ENGINES=firefox).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# A fresh clone (CI) gains nothing from incremental builds: they only cost
# disk (about 2 GB) and time.
if [ -n "${CI:-}" ]; then
  export CARGO_INCREMENTAL=0
fi

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

step "native tests: domain, API parsing, stand-in, kamiya-proxy (and proxy/nginx.conf in nginx)"
cargo test --workspace --locked --exclude kamiya-e2e
# The harness's own unit and doc tests, once (not once per engine).
cargo test -p kamiya-e2e --locked --lib --bins
cargo test -p kamiya-e2e --locked --doc

step "the Cloudflare Worker's rules (Node's test runner)"
node --test proxy/

step "component tests in headless Chromium"
cargo test -p kamiya-studio --target wasm32-unknown-unknown --test web --locked

# Every test runs in Chromium; Firefox and WebKit run the main journeys (a test
# that does not run in an engine prints "SKIPPED in <engine>: <test>: <why>").
# All of them are one test binary (tests/e2e/tests/journeys), so no thread
# waits for the slowest test of a file. Each test drives its own browser and
# spends much of its time waiting on the app's timers: with two at a time a
# 2-core machine was 54-59% busy; three at a time (KAMIYA_E2E_THREADS) take
# a third less time, each test about 7% longer. An engine that fails does
# not stop the others; the run fails at the end.
threads=${KAMIYA_E2E_THREADS:-3}
failed=()
timings=()
for engine in ${KAMIYA_E2E_ENGINES:-chromium firefox webkit}; do
  step "end-to-end journeys in $engine"
  started=$(date +%s)
  # --no-fail-fast: a failing test does not hide the rest of the engine's.
  if ! KAMIYA_E2E_ENGINE=$engine cargo test -p kamiya-e2e --locked --no-fail-fast --test journeys -- --test-threads="$threads"; then
    failed+=("$engine")
  fi
  timings+=("$engine $(($(date +%s) - started)) s")
done
step "end-to-end time per engine: $(printf '%s; ' "${timings[@]}")"
if [ ${#failed[@]} -gt 0 ]; then
  echo "end-to-end journeys failed in: ${failed[*]}" >&2
  exit 1
fi
