#!/usr/bin/env bash
# Serves the app at http://127.0.0.1:8080 (release build).
#   scripts/serve.sh          the app, talking to https://p0.kamiya.dev
#   scripts/serve.sh --demo   the app plus the local stand-in API (port 8787),
#                             preset to use it; the demo key is printed
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
bash scripts/install-tools.sh

if [ "${1:-}" = "--demo" ]; then
  cargo build -p kamiya-standin --release --locked
  target/release/kamiya-standin --port 8787 --cdn-port 8788 &
  standin=$!
  trap 'kill $standin 2>/dev/null' EXIT
  export KAMIYA_API_BASE="http://127.0.0.1:8787"
fi
trunk serve --release --address 127.0.0.1 --port 8080
