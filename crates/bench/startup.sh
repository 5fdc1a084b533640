#!/usr/bin/env bash
# Start-up time of the app: from just before the process is started to the UI's first
# interactive screen painted (the shell logs "first screen ready" with the wall clock when the
# UI reports it). Each run starts a new process on the same profile; the OS file cache is warm
# after the first, as on a phone that opens the app during the day.
#
# Usage: crates/bench/startup.sh [runs]         (default 10; needs a display: xvfb-run -a …)
#   APP=path/to/samtale-app   (default target/release/samtale-app, else target/debug/…)
#   PROFILE=dir               a signed-in profile to copy (with its db.key, as the demo leaves
#                             them in demo-data/<name>); default: a new, empty profile
# Prints every run and the median, min and max in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-10}
TARGET=${CARGO_TARGET_DIR:-target}
APP=${APP:-$( [ -x "$TARGET/release/samtale-app" ] && echo "$TARGET/release/samtale-app" || echo "$TARGET/debug/samtale-app")}
[ -x "$APP" ] || { echo "no app binary at $APP: build it first (scripts/build-ui.sh, then cargo build -p samtale-app --features custom-protocol)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${PROFILE:-}" ]; then
  cp -r "$PROFILE" "$WORK/profile"
  KEY=$(cat "$WORK/profile/db.key")
else
  mkdir "$WORK/profile"
  KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
echo "app: $APP; profile: ${PROFILE:-new}; runs: $RUNS"
totals=()
for i in $(seq 1 "$RUNS"); do
  log="$WORK/run$i.log"
  start=$(date +%s%3N)
  SAMTALE_PROFILE="$WORK/profile" SAMTALE_DB_KEY="$KEY" SAMTALE_SERVER="http://127.0.0.1:9" \
    RUST_LOG=samtale_app=info "$APP" 2>"$log" &
  pid=$!
  for _ in $(seq 1 600); do grep -q "first screen ready" "$log" 2>/dev/null && break; sleep 0.05; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  line=$(sed "s/\x1b\[[0-9;]*m//g" "$log" | grep "first screen ready" || true)
  [ -n "$line" ] || { echo "run $i: no ready line within 30 s; log:" >&2; cat "$log" >&2; exit 1; }
  ready=$(sed -n 's/.*unix_ms=\([0-9]*\).*/\1/p' <<<"$line")
  inside=$(sed -n 's/.*since_start_ms=\([0-9]*\).*/\1/p' <<<"$line")
  wasm=$(sed -n 's/.*wasm_start_ms=\([0-9]*\).*/\1/p' <<<"$line")
  painted=$(sed -n 's/.*painted_ms=\([0-9]*\).*/\1/p' <<<"$line")
  total=$((ready - start))
  totals+=("$total")
  echo "run $i: ${total} ms from exec to first screen (${inside} ms inside the process; page: wasm main at ${wasm} ms, painted at ${painted} ms)"
done
printf '%s\n' "${totals[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, min %d ms, max %d ms over %d runs\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[1], a[NR], NR}'
