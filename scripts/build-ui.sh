#!/usr/bin/env bash
# Builds the UI (src-ui) to wasm and lays out dist/ for the app shell: index.html, style.css,
# boot.js, the icon, and the wasm-bindgen output. Needs the wasm32 target and a wasm-bindgen CLI
# of exactly the wasm-bindgen crate's version (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${UI_PROFILE:-ui}
cargo build --profile "$profile" --locked --target wasm32-unknown-unknown -p samtale-ui
rm -rf dist && mkdir -p dist
# The name section only names functions in stack traces; without it the wasm is a quarter smaller.
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir dist "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/samtale-ui.wasm"
mv dist/samtale-ui.js dist/samtale_ui.js 2>/dev/null || true
mv dist/samtale-ui_bg.wasm dist/samtale_ui_bg.wasm 2>/dev/null || true
sed -i 's/samtale-ui_bg.wasm/samtale_ui_bg.wasm/g' dist/samtale_ui.js
# No wasm-opt: Debian 12's binaryen (108) predates the wasm features rustc 1.95 emits and its
# output did not start in WebKit. The `ui` profile (opt-level z, LTO) does the shrinking.
cp src-ui/index.html src-ui/style.css src-ui/boot.js dist/
cp assets/icons/128x128.png dist/icon.png
gzip -9 -c dist/samtale_ui_bg.wasm | wc -c | awk '{printf "[samtale] UI wasm: %.0f KiB gzipped\n", $1/1024}' >&2
