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

log "format"
cargo fmt --all -- --check
log "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "build binaries for the end-to-end suites"
cargo build --workspace --bins --locked
log "tests"
cargo test --workspace --locked
