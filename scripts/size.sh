#!/usr/bin/env bash
# Where the wasm's bytes go, by crate and by function (twiggy), for the
# 100 KB budget work. Prints figures; not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
[ "$(twiggy --version 2>/dev/null | awk '{print $2}')" = "0.7.0" ] || cargo install twiggy --version 0.7.0 --locked
cargo build -q -p kamiya-studio --bin kamiya-studio --target wasm32-unknown-unknown --profile size-analysis --locked
wasm=target/wasm32-unknown-unknown/size-analysis/kamiya-studio.wasm
twiggy top -n 1000000 -f csv "$wasm" > target/twiggy.csv
python3 - <<'PY'
import collections, csv, re
total = collections.Counter()
code = 0
for r in csv.DictReader(open("target/twiggy.csv")):
    name, size = r["Name"], int(r["ShallowSize"])
    if name.startswith("custom section") or name.startswith('"function names"'):
        continue
    code += size
    m = re.match(r"([a-zA-Z_][a-zA-Z0-9_]*)::", name.lstrip("<&* ").replace("&mut ", ""))
    total[m.group(1) if m else ("data" if name.startswith("data[") else "other (unnamed, generic)")] += size
print(f"code and data before wasm-bindgen and wasm-opt: {code} bytes")
for k, v in total.most_common(15):
    print(f"{k:28s} {v:9d} {100 * v / code:5.1f}%")
PY
twiggy top -n 20 "$wasm" | grep -v "custom section\|function names"
