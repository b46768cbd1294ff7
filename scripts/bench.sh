#!/usr/bin/env bash
# Prints figures, asserts nothing: bundle sizes (raw, gzip, brotli) of the
# release build, then browser figures (load time, requests per job, latency)
# against the stand-in API.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
bash scripts/install-tools.sh >/dev/null
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

cargo run -q -p kamiya-e2e --release --locked --bin bench
