#!/usr/bin/env bash
# Shared set-up for scripts/test.sh and scripts/demo.sh: installs what a fresh Debian 12 machine
# lacks (as root) and does nothing where it is present. Sourced, not run.

log() { printf '\033[1m[samtale]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    log "installing Rust 1.95 with rustup"
    apt_install curl ca-certificates
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain 1.95 -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

# Build dependencies: a C compiler for SQLCipher, OpenSSL headers for SQLCipher and TLS.
ensure_build_deps() {
  apt_install build-essential pkg-config libssl-dev
}

# PostgreSQL on 127.0.0.1:5432 for the storage conformance suite. Exports SAMTALE_TEST_PG.
ensure_postgres() {
  apt_install postgresql postgresql-client
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "starting PostgreSQL"
    local version
    version=$(ls /etc/postgresql | sort -n | tail -1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 100); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.1; done
  fi
  local url="postgres://postgres@127.0.0.1:5432/postgres"
  if ! psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
    # A stock install asks for a password over TCP: give the postgres role one for the tests.
    log "setting a password for the postgres role (tests connect over TCP)"
    as_root su postgres -c "psql -qc \"ALTER ROLE postgres PASSWORD 'samtale-test'\"" >/dev/null
    url="postgres://postgres:samtale-test@127.0.0.1:5432/postgres"
  fi
  export SAMTALE_TEST_PG="${SAMTALE_TEST_PG:-$url}"
}

# What the app needs to build: WebKitGTK and friends for Tauri, D-Bus for the key store, the
# wasm target and a wasm-bindgen CLI of exactly the version the UI links (read from Cargo.lock).
ensure_app_build_deps() {
  apt_install libwebkit2gtk-4.1-dev libdbus-1-dev librsvg2-dev libxdo-dev
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, "", $0); print; exit}' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    log "installing wasm-bindgen-cli $want (a few minutes, once)"
    # Not --locked: one of its locked dependencies is missing from the registry here.
    cargo install --quiet wasm-bindgen-cli --version "=$want"
  fi
}

# What the app's end-to-end test needs: a virtual display, WebKitWebDriver, tauri-driver, and
# axe-core for the accessibility checks (into target/tools, ignored by git).
ensure_app_test_deps() {
  apt_install xvfb xauth webkit2gtk-driver fonts-dejavu-core fonts-noto-color-emoji
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  command -v tauri-driver >/dev/null 2>&1 || { log "installing tauri-driver"; cargo install --quiet --locked tauri-driver --version "^2.0"; }
  if [ ! -f target/tools/node_modules/axe-core/axe.min.js ]; then
    log "installing axe-core"
    mkdir -p target/tools
    npm install --silent --no-audit --no-fund --prefix target/tools axe-core@4 >/dev/null
  fi
}

# Test doubles that speak a remote service's real protocol, on loopback: an S3 server (moto's
# server mode, from PyPI) for the blob store's S3 backend. Into /opt/samtale-test-tools, once.
ensure_test_services() {
  # poppler-utils reads the records' PDFs back (pdftotext); the emoji font draws emoji in them;
  # openssl makes the test SMTP server's certificate.
  apt_install python3 python3-venv poppler-utils fonts-noto-color-emoji openssl
  local tools=/opt/samtale-test-tools
  if [ ! -x "$tools/bin/moto_server" ]; then
    log "installing moto's S3 server (a minute or two, once)"
    as_root /usr/bin/python3 -m venv "$tools"
    as_root "$tools/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.*'
  fi
  ensure_smtp_sink
  export SAMTALE_MOTO="$tools/bin/moto_server"
}

# A real SMTP server on loopback (aiosmtpd, STARTTLS with a certificate from openssl): the
# tests' mail server, and the demo's sink for notices by e-mail. Into /opt/samtale-test-tools.
ensure_smtp_sink() {
  apt_install python3 python3-venv openssl
  local tools=/opt/samtale-test-tools
  [ -x "$tools/bin/pip" ] || as_root /usr/bin/python3 -m venv "$tools"
  if ! "$tools/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    log "installing aiosmtpd, the local SMTP server (once)"
    as_root "$tools/bin/pip" install --quiet --disable-pip-version-check 'aiosmtpd==1.*'
  fi
  export SAMTALE_TEST_PYTHON="$tools/bin/python"
}
