#!/usr/bin/env bash
# Prints figures, asserts nothing: bundle sizes (raw, gzip, brotli) of the
# release build, the first load against the 100 KB budget, then browser
# figures (load time, Lighthouse, requests per job, latency) against the
# stand-in API.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
bash scripts/install-tools.sh >/dev/null
# Lighthouse is only for these figures, not the tests: installed here, pinned.
LIGHTHOUSE_VERSION=12.8.2
LH_DIR="$HOME/.cache/kamiya-studio-lighthouse"
if [ "$(node -p "require('$LH_DIR/node_modules/lighthouse/package.json').version" 2>/dev/null)" != "$LIGHTHOUSE_VERSION" ]; then
  mkdir -p "$LH_DIR"
  [ -f "$LH_DIR/package.json" ] || echo '{"private":true}' > "$LH_DIR/package.json"
  (cd "$LH_DIR" && npm install --save-exact --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION")
fi
trunk build --release >/dev/null 2>&1 || trunk build --release

echo "## Bundle (dist/, release)"
printf '%-44s %10s %10s %10s\n' file raw gzip brotli
total_raw=0; total_gz=0; total_br=0
for f in $(find dist -type f | sort); do
  raw=$(stat -c%s "$f"); gz=$(gzip -9c "$f" | wc -c); br=$(brotli -c -q 11 "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-44s %10d %10d %10d\n' "${f#dist/}" "$raw" "$gz" "$br"
done
printf '%-44s %10d %10d %10d\n' TOTAL "$total_raw" "$total_gz" "$total_br"

# What is fetched before the form is usable: the page, its script (the
# wasm-bindgen glue), the wasm and the style sheet (inlined in the page since
# 2026-12-05; a .css file if a build has one). Icons, the manifest, the
# service worker, the encoding worker and the tag list come later or never.
first_br=0; first_gz=0
for f in dist/index.html dist/kamiya-studio-*.js dist/*.wasm $(ls dist/*.css 2>/dev/null); do
  first_br=$((first_br + $(brotli -c -q 11 "$f" | wc -c)))
  first_gz=$((first_gz + $(gzip -9c "$f" | wc -c)))
done
echo
echo "## First load (index.html + JS glue + wasm + CSS)"
verdict() { [ "$1" -le "$2" ] && echo "within, $(($2 - $1)) to spare" || echo "over by $(($1 - $2))"; }
echo "brotli $first_br bytes; target 160 KB ($((160 * 1024))): $(verdict "$first_br" $((160 * 1024)))"
echo "gzip   $first_gz bytes; target 200 KB ($((200 * 1024))): $(verdict "$first_gz" $((200 * 1024)))"

# Beside ours in Lighthouse: the empty Leptos app through our pipeline
# (bench/empty-leptos) and, when KAMIYA_BENCH_STABLE_UI names a clone of
# stable-ui (github.com/aqualxx/stable-ui; measured at abe38b5), that app
# built from source. GitHub is not reached from here: the clone is yours.
peers=""
if (cd bench/empty-leptos && trunk build --release >/dev/null 2>&1); then
  peers="empty Leptos app=$PWD/bench/empty-leptos/dist@/"
else
  echo "bench/empty-leptos did not build: measured without it"
fi
if [ -n "${KAMIYA_BENCH_STABLE_UI:-}" ]; then
  if (cd "$KAMIYA_BENCH_STABLE_UI" && { [ -d node_modules ] || npm ci --no-audit --no-fund --silent; } && npx vite build >/dev/null 2>&1); then
    # stable-ui is built for /stable-ui/ (its vite.config.ts).
    peers="$peers;stable-ui=$KAMIYA_BENCH_STABLE_UI/dist@/stable-ui/"
  else
    echo "stable-ui did not build in $KAMIYA_BENCH_STABLE_UI: measured without it"
  fi
fi
export KAMIYA_BENCH_PEERS="$peers"

cargo run -q -p kamiya-e2e --release --locked --bin bench
