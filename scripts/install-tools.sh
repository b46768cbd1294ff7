#!/usr/bin/env bash
# Installs every tool the build and the tests need, at pinned versions.
# Idempotent: each step is skipped when the pinned version is already there.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$ROOT/Cargo.lock")
BINARYEN_VERSION=132.0.0
# terser minifies wasm-bindgen's JS glue in release builds (scripts/post_build.py):
# Trunk's own minifier cannot parse it. -2.0 KB brotli, -2.4 KB gzip.
TERSER_VERSION=5.44.0
# axe-core: the accessibility checks inside the end-to-end tests.
AXE_VERSION=4.14.1
# The other two engines of the end-to-end suite: Firefox ESR and WebKitGTK's WebDriver
# (MiniBrowser ships in libwebkit2gtk-4.1-0) from Debian, Xvfb for MiniBrowser's window,
# geckodriver from crates.io. Debian replaces a security update's build in place, so when a
# pinned build is no longer offered the current one is installed, with a warning.
FIREFOX_ESR_VERSION=153.7.0esr-1~deb12u1
WEBKIT2GTK_DRIVER_VERSION=2.50.6-1~deb12u2
XVFB_VERSION=2:21.1.7-3+deb12u13
GECKODRIVER_VERSION=0.37.1
# nginx runs proxy/nginx.conf in front of a recording upstream in the proxy's tests.
NGINX_VERSION=1.22.1-9+deb12u11
TOOLS_DIR="${KAMIYA_TOOLS_DIR:-$HOME/.cache/kamiya-studio-tools}"

log() { printf '== %s\n' "$*"; }

if [ -n "${KAMIYA_BUILD_ONLY:-}" ]; then
  log "build only: no browser"
elif ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 || ! command -v brotli >/dev/null 2>&1; then
  log "installing chromium, chromium-driver, CJK fonts and brotli (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  APT_UPDATED=1
  apt-get install -y -qq chromium chromium-driver fonts-noto-cjk brotli >/dev/null
else
  log "chromium present: $(chromium --version 2>/dev/null | head -1)"
fi

# Installs Debian package $1 at version $2 unless that version is there already.
apt_pinned() {
  local name=$1 want=$2 have
  have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
  if [ "$have" = "$want" ]; then
    log "$name $want present"
    return
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  if apt-cache madison "$name" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | grep -qxF "$want"; then
    log "installing $name $want (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades "$name=$want" >/dev/null
  elif [ -n "$have" ]; then
    log "WARNING: $name $want is no longer offered by Debian; keeping the installed $have"
  else
    log "WARNING: $name $want is no longer offered by Debian; installing its current build"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$name" >/dev/null
  fi
}

if [ -z "${KAMIYA_BUILD_ONLY:-}" ]; then
  apt_pinned firefox-esr "$FIREFOX_ESR_VERSION"
  apt_pinned webkit2gtk-driver "$WEBKIT2GTK_DRIVER_VERSION"
  apt_pinned xvfb "$XVFB_VERSION"
  apt_pinned nginx "$NGINX_VERSION"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for comp in rustfmt clippy; do
  rustup component list --installed | grep -q "^$comp" || rustup component add "$comp"
done

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  log "installing trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked
else
  log "trunk $TRUNK_VERSION present"
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
else
  log "wasm-bindgen-cli $WASM_BINDGEN_VERSION present"
fi

if [ "$("$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
  log "installing wasm-opt from npm binaryen@$BINARYEN_VERSION"
  mkdir -p "$TOOLS_DIR"
  (cd "$TOOLS_DIR" && npm install --save-exact --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
else
  log "wasm-opt (binaryen $BINARYEN_VERSION) present"
fi
# An npm package at its pinned version in $TOOLS_DIR: npm_pinned NAME VERSION.
npm_pinned() {
  if [ "$(node -p "require('$TOOLS_DIR/node_modules/$1/package.json').version" 2>/dev/null)" != "$2" ]; then
    log "installing $1@$2 (npm)"
    mkdir -p "$TOOLS_DIR"
    (cd "$TOOLS_DIR" && npm install --save-exact --no-audit --no-fund --silent "$1@$2")
  else
    log "$1 $2 present"
  fi
}
npm_pinned terser "$TERSER_VERSION"
if [ -z "${KAMIYA_BUILD_ONLY:-}" ]; then
  npm_pinned axe-core "$AXE_VERSION"
fi
if [ -z "${KAMIYA_BUILD_ONLY:-}" ]; then
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 { print $2 }')" != "$GECKODRIVER_VERSION" ]; then
    log "installing geckodriver $GECKODRIVER_VERSION (crates.io; about 2 minutes)"
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
  else
    log "geckodriver $GECKODRIVER_VERSION present"
  fi
  # What the end-to-end suite will drive, for the log.
  log "engines: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version 2>/dev/null | awk '{ print $1, $2 }')"
  log "engines: $(firefox-esr --version 2>/dev/null | head -1) (firefox-esr $(dpkg-query -W -f='${Version}' firefox-esr)); geckodriver $(geckodriver --version 2>/dev/null | awk 'NR == 1 { print $2 }')"
  log "engines: WebKitGTK $(dpkg-query -W -f='${Version}' webkit2gtk-driver) (WebKitWebDriver, MiniBrowser); Xvfb $(dpkg-query -W -f='${Version}' xvfb)"
fi
mkdir -p "$HOME/.cargo/bin"
ln -sf "$TOOLS_DIR/node_modules/.bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"
log "tools ready"
