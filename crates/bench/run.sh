#!/usr/bin/env bash
# Runs the Samtale benchmarks: release builds, then each measurement against a fresh
# `samtale-server` on 127.0.0.1 with its own SQLite directory (and throughput once more against a
# throwaway PostgreSQL database on postgres://postgres@127.0.0.1:5432, dropped afterwards).
#
# Usage: crates/bench/run.sh [crypto|throughput|latency|memory|postgres|long-thread|timeline|files|notices ...]
#        (default: all)
#        crates/bench/run.sh ui-timeline (the real app under Xvfb; not in the default)
#        crates/bench/run.sh profile-throughput profile-latency profile-postgres
#        (diagnostics, not in the default; the first two need `perf`)
# BENCH_BIN=DIR: use the samtale-server, samtale-load and samtale binaries in DIR, unbuilt.
# Sizes come from the environment: MESSAGES CLIENTS YOUTHS IDLE RATE DURATION SOCKETS ITERATIONS
# THREAD_MESSAGES CHECKIN_DAYS CASELOAD FILE_MB NOTICE_CITIZENS UNREACHABLE (GATEWAY_PORT).
# QUIET_WAIT=N (seconds, default 0): before each measurement wait up to N s for the machine to be
# idle (other processes below 0.1 core over one second), since the numbers are sensitive to it.
# Output: human-readable on stdout; each step's log and RESULT line under $OUT
# (default target/bench-results/<timestamp>). Waits poll their condition: the server is ready when
# it prints its address; the generator decides itself when the server's memory has settled.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(crypto throughput latency memory postgres long-thread timeline files notices)

MESSAGES=${MESSAGES:-50000}
CLIENTS=${CLIENTS:-32}
YOUTHS=${YOUTHS:-3}
IDLE=${IDLE:-10000}
RATE=${RATE:-1000}
DURATION=${DURATION:-10}
SOCKETS=${SOCKETS:-10000}
ITERATIONS=${ITERATIONS:-2000}
THREAD_MESSAGES=${THREAD_MESSAGES:-10000}
CHECKIN_DAYS=${CHECKIN_DAYS:-730}
CASELOAD=${CASELOAD:-40}
FILE_MB=${FILE_MB:-100}
NOTICE_CITIZENS=${NOTICE_CITIZENS:-2000}
UNREACHABLE=${UNREACHABLE:-10000}
QUIET_WAIT=${QUIET_WAIT:-0}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
OUT=${OUT:-$ROOT/target/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}

# Many sockets: the generator and the server each need one descriptor per socket.
ulimit -n "$(ulimit -Hn)"

# BENCH_BIN=DIR runs the binaries in DIR (copies of an earlier build, to compare before and
# after in one batch) instead of building.
if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$(realpath "$BENCH_BIN")
else
    cargo build --release -p samtale-server -p samtale-bench -p samtale-cli
    BIN=$(realpath -m "${CARGO_TARGET_DIR:-target}")/release
fi
SERVER=$BIN/samtale-server
LOAD=$BIN/samtale-load
CLI=$BIN/samtale

export SAMTALE_PASSWORD="bench-password-$$"
export RUST_LOG=${RUST_LOG:-warn}
WORK=$(mktemp -d)
mkdir -p "$OUT"
SERVER_PID=""
PG_DB=""

cleanup() {
    stop_server
    if [ -n "$PG_DB" ]; then
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

machine() {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
        "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); load average: $(cut -d' ' -f1-3 /proc/loadavg);" \
        "ulimit -n $(ulimit -n); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(
            git diff --quiet HEAD -- crates/server crates/proto crates/crypto 2>/dev/null ||
                echo ' (server/proto/crypto have uncommitted changes)')"
    if [ -n "${BENCH_BIN:-}" ]; then echo "binaries: $BIN (not built from this checkout)"; fi
}

# Fresh storage ($1: a directory for SQLite, or a postgres:// URL) with tenant `bench` and
# caseworker `sara`.
use_storage() {
    unset SAMTALE_DATA_DIR SAMTALE_DATABASE_URL
    case "$1" in
        postgres://*) export SAMTALE_DATABASE_URL="$1" ;;
        *) export SAMTALE_DATA_DIR="$1" ;;
    esac
    "$SERVER" create-tenant --name "Bench Kommune" --slug bench \
        --admin-username admin --admin-name Admin >/dev/null || return 1
    "$SERVER" add-staff --slug bench --role caseworker --username sara \
        --name "Sara Sagsbehandler" >/dev/null || return 1
}

# Starts `serve` on a free port; sets SERVER_PID and URL once it prints its address (polled
# every 50 ms, for at most 30 s).
start_server() {
    local log=$WORK/server.out
    : >"$log"
    "$SERVER" serve --listen 127.0.0.1:0 >"$log" 2>>"$OUT/server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        if URL=$(sed -n 's/^samtale-server listening on \(http:.*\)$/\1/p' "$log") && [ -n "$URL" ]; then
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "the server exited; see $OUT/server.err"
            SERVER_PID=""
            return 1
        fi
        sleep 0.05
    done
    echo "the server did not start listening"
    return 1
}

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}

target() {
    echo --server "$URL" --tenant bench --username sara
}

# Busy CPU ticks (1/100 s) of the whole machine so far.
busy_ticks() {
    awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

# Waits up to QUIET_WAIT seconds for a second in which the machine used less than 0.1 core.
wait_quiet() {
    local deadline=$((SECONDS + QUIET_WAIT)) before after
    while [ "$SECONDS" -lt "$deadline" ]; do
        before=$(busy_ticks)
        sleep 1
        after=$(busy_ticks)
        if [ $((after - before)) -lt 10 ]; then
            echo "quiet: $((after - before))% of one core busy in the last second"
            return 0
        fi
    done
    [ "$QUIET_WAIT" -gt 0 ] && echo "not quiet after ${QUIET_WAIT}s; measuring anyway"
    return 0
}

# Runs one measurement, printing the exact command; $1 names the log.
measure() {
    local name=$1
    shift
    echo
    echo "== $name"
    wait_quiet
    machine
    echo "\$ $*" | sed "s#$ROOT/##g"
    "$@" 2>&1 | tee "$OUT/$name.log"
}

for step in "${STEPS[@]}"; do
    case "$step" in
        crypto)
            measure crypto "$LOAD" crypto --iterations "$ITERATIONS"
            ;;
        throughput)
            use_storage "$WORK/sqlite-throughput"
            start_server || exit 1
            # shellcheck disable=SC2046
            measure throughput-sqlite "$LOAD" throughput $(target) --clients "$CLIENTS" \
                --messages "$MESSAGES" --youths "$YOUTHS" --server-pid "$SERVER_PID"
            stop_server
            ;;
        latency)
            use_storage "$WORK/sqlite-latency"
            start_server || exit 1
            # shellcheck disable=SC2046
            measure latency-sqlite "$LOAD" latency $(target) --idle "$IDLE" --rate "$RATE" \
                --seconds "$DURATION" --server-pid "$SERVER_PID"
            stop_server
            ;;
        memory)
            use_storage "$WORK/sqlite-memory"
            start_server || exit 1
            # shellcheck disable=SC2046
            measure memory-sqlite "$LOAD" memory $(target) --server-pid "$SERVER_PID" \
                --sockets "$SOCKETS"
            stop_server
            ;;
        postgres)
            if ! psql "$PG_ADMIN_URL" -qc "CREATE DATABASE samtale_bench_$$"; then
                echo "PostgreSQL at $PG_ADMIN_URL is not usable; skipping the PostgreSQL run"
                continue
            fi
            PG_DB="samtale_bench_$$"
            if use_storage "${PG_ADMIN_URL%/*}/$PG_DB" && start_server; then
                # shellcheck disable=SC2046
                measure throughput-postgres "$LOAD" throughput $(target) --clients "$CLIENTS" \
                    --messages "$MESSAGES" --youths "$YOUTHS" --server-pid "$SERVER_PID" || true
                stop_server
            else
                echo "PostgreSQL: the server could not be set up on $PG_DB; see $OUT/server.err"
            fi
            psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
            PG_DB=""
            unset SAMTALE_DATABASE_URL
            ;;
        long-thread)
            use_storage "$WORK/sqlite-long-thread"
            start_server || exit 1
            # shellcheck disable=SC2046
            measure long-thread "$LOAD" long-thread $(target) --messages "$THREAD_MESSAGES"
            stop_server
            ;;
        timeline)
            use_storage "$WORK/sqlite-timeline"
            start_server || exit 1
            # shellcheck disable=SC2046
            measure timeline "$LOAD" timeline $(target) --days "$CHECKIN_DAYS" --youths "$CASELOAD"
            stop_server
            ;;
        files)
            use_storage "$WORK/sqlite-files"
            start_server || exit 1
            # shellcheck disable=SC2046
            measure files "$LOAD" files $(target) --size-mb "$FILE_MB" --server-pid "$SERVER_PID" \
                --cli "$CLI"
            stop_server
            ;;
        notices)
            # The server sends SMS notices to the generator, which plays the gateway; one
            # second's wait before a notice, no quiet hours, unreachable at once.
            use_storage "$WORK/sqlite-notices"
            "$SERVER" units --slug bench --add Ungeindsatsen >/dev/null
            "$SERVER" staff-unit --slug bench --username sara --unit Ungeindsatsen >/dev/null
            GATEWAY=127.0.0.1:${GATEWAY_PORT:-18090}
            SAMTALE_CONTACT_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
                SAMTALE_SMS_URL="http://$GATEWAY" SAMTALE_SMS_TOKEN=bench \
                SAMTALE_NOTICE_WAIT_SECONDS=1 SAMTALE_NOTICE_QUIET_HOURS=none \
                SAMTALE_UNREACHABLE_AFTER_DAYS=0 start_server || exit 1
            # shellcheck disable=SC2046
            measure notices "$LOAD" notices $(target) --gateway-listen "$GATEWAY" \
                --citizens "$NOTICE_CITIZENS" --unreachable "$UNREACHABLE"
            stop_server
            ;;
        ui-timeline)
            # Two years of check-ins drawn in the real app under a virtual display (the app's
            # own timing of each drawing; tests/app_timeline_draw.rs). APP_PROFILE=debug uses
            # the debug build the tests use instead of a release build.
            bash scripts/build-ui.sh
            # --workspace and the test run's features throughout: other feature sets would
            # rebuild the whole app (a quarter of an hour on two cores).
            if [ "${APP_PROFILE:-release}" = release ]; then
                cargo build --release --workspace --locked --features samtale-app/custom-protocol --bin samtale-app
                export SAMTALE_APP_BIN=$(realpath -m "${CARGO_TARGET_DIR:-target}")/release/samtale-app
            else
                cargo build --workspace --locked --features samtale-app/custom-protocol --bin samtale-app
            fi
            cargo build --workspace --locked --features samtale-app/custom-protocol --bins
            measure ui-timeline xvfb-run -a -s "-screen 0 1920x1080x24" \
                cargo test --workspace --locked --features samtale-app/custom-protocol \
                --test app_timeline_draw -- --ignored --nocapture
            ;;
        profile-throughput)
            # Where the server's CPU goes while it takes envelopes as fast as it can.
            use_storage "$WORK/sqlite-profile-throughput"
            start_server || exit 1
            perf record -q -F 250 --call-graph dwarf,16384 -p "$SERVER_PID" \
                -o "$OUT/throughput.perf" &
            PERF_PID=$!
            # shellcheck disable=SC2046
            measure profile-throughput "$LOAD" throughput $(target) --clients "$CLIENTS" \
                --messages 20000 --youths "$YOUTHS" --server-pid "$SERVER_PID"
            kill -INT "$PERF_PID"
            wait "$PERF_PID" || true
            stop_server
            echo "\$ perf script -F comm,tid,ip,sym | analysis/perf_breakdown.py"
            perf script -i "$OUT/throughput.perf" -F comm,tid,ip,sym 2>/dev/null |
                python3 crates/bench/analysis/perf_breakdown.py | tee "$OUT/profile-breakdown.txt"
            ;;
        profile-latency)
            # The latency run again, with the server's fsync calls traced alongside.
            use_storage "$WORK/sqlite-profile-latency"
            start_server || exit 1
            perf record -q -k mono -e syscalls:sys_enter_fsync -e syscalls:sys_exit_fsync \
                -e syscalls:sys_enter_fdatasync -e syscalls:sys_exit_fdatasync \
                -p "$SERVER_PID" -o "$OUT/fsync.perf" &
            PERF_PID=$!
            # shellcheck disable=SC2046
            measure profile-latency "$LOAD" latency $(target) --idle "$IDLE" --rate "$RATE" \
                --seconds "$DURATION" --server-pid "$SERVER_PID" \
                --samples-csv "$OUT/latency-samples.csv"
            kill -INT "$PERF_PID"
            wait "$PERF_PID" || true
            stop_server
            perf script -i "$OUT/fsync.perf" -F tid,time,event 2>/dev/null >"$OUT/fsync.txt"
            echo "\$ analysis/fsync_overlap.py fsync.txt latency-samples.csv"
            python3 crates/bench/analysis/fsync_overlap.py "$OUT/fsync.txt" \
                "$OUT/latency-samples.csv" | tee "$OUT/fsync-overlap.txt"
            ;;
        profile-postgres)
            # PostgreSQL throughput with the database's wait events sampled every 100 ms.
            PG_DB="samtale_bench_$$"
            psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $PG_DB"
            use_storage "${PG_ADMIN_URL%/*}/$PG_DB" || exit 1
            start_server || exit 1
            wait_quiet
            (
                for _ in $(seq 1 600); do
                    psql "$PG_ADMIN_URL" -tAc "SELECT coalesce(wait_event_type, 'running') || ':' ||
                        coalesce(wait_event, '-') FROM pg_stat_activity
                        WHERE datname = '$PG_DB' AND state = 'active'" 2>/dev/null || true
                    sleep 0.1
                done
            ) >"$OUT/pg-waits.txt" &
            SAMPLER_PID=$!
            # shellcheck disable=SC2046
            QUIET_WAIT=0 measure profile-postgres "$LOAD" throughput $(target) --clients "$CLIENTS" \
                --messages 10000 --youths "$YOUTHS" --server-pid "$SERVER_PID" || true
            kill "$SAMPLER_PID" 2>/dev/null || true
            wait "$SAMPLER_PID" 2>/dev/null || true
            stop_server
            echo "active backends by wait event (samples every 100 ms during the run):"
            sort "$OUT/pg-waits.txt" | uniq -c | sort -rn | head -8
            psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
            PG_DB=""
            unset SAMTALE_DATABASE_URL
            ;;
        *)
            echo "unknown step $step (crypto, throughput, latency, memory, postgres," \
                "ui-timeline, profile-throughput, profile-latency, profile-postgres)"
            exit 2
            ;;
    esac
done
echo
echo "logs and RESULT lines: $OUT"
