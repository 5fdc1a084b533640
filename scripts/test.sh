#!/usr/bin/env bash
# Runs every check and test of the workspace: format, lints, unit tests, the storage
# conformance suite on SQLite and PostgreSQL, and the end-to-end suites against real server
# processes. On a fresh Debian 12 machine (as root) it first installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

ensure_build_deps
ensure_rust
ensure_postgres
ensure_app_build_deps
ensure_app_test_deps
ensure_test_services

log "format"
cargo fmt --all -- --check
log "the UI (wasm)"
bash scripts/build-ui.sh
log "lints"
cargo clippy --workspace --all-targets --locked --features samtale-app/custom-protocol -- -D warnings
log "build binaries for the end-to-end suites (the app with its UI built in)"
cargo build --workspace --bins --locked --features samtale-app/custom-protocol
log "tests (the app's under a virtual display)"
export SAMTALE_APP_TESTS=1
xvfb-run -a -s "-screen 0 1920x1080x24" cargo test --workspace --locked --features samtale-app/custom-protocol
