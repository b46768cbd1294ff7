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

# What is fetched before the form is usable: the page, its script, the wasm
# and the style sheet (icons, manifest and the service worker come later).
first=0
for f in dist/index.html dist/*.js dist/*.wasm dist/*.css; do
  case "$f" in dist/sw.js) continue ;; esac
  first=$((first + $(brotli -c -q 11 "$f" | wc -c)))
done
budget=102400
echo
echo "## First load (index.html + JS + wasm + CSS), brotli"
echo "$first bytes; budget $budget (100 KB): $([ "$first" -le "$budget" ] && echo "within, $((budget - first)) to spare" || echo "over by $((first - budget))")"

cargo run -q -p kamiya-e2e --release --locked --bin bench
