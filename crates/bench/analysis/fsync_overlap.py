#!/usr/bin/env python3
"""Lines latency samples up with the server's fsync calls.

Usage: fsync_overlap.py FSYNCS.txt SAMPLES.csv
- FSYNCS.txt: `perf script -F tid,time,event` of `perf record -k mono -e
  syscalls:sys_{enter,exit}_{fsync,fdatasync} -p SERVER_PID` (CLOCK_MONOTONIC seconds);
- SAMPLES.csv: `samtale-load latency --samples-csv` (send time in Unix µs, latency µs, rtt µs).
Run it on the same machine soon after the measurement: monotonic time is turned into Unix time
with the current offset between the two clocks. fsyncs less than 20 ms apart count as one
stall (one WAL checkpoint). Used by `run.sh profile-latency`.
"""
import bisect
import sys
import time


def fsyncs(path):
    offset = time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_MONOTONIC)
    started, spans = {}, []
    for line in open(path):
        parts = line.split()
        if len(parts) < 3:
            continue
        tid, at, event = parts[0], float(parts[1].rstrip(":")), parts[2]
        if "enter" in event:
            started[tid] = at
        elif tid in started:
            spans.append((started.pop(tid) + offset, at + offset))
    return sorted(spans)


def stalls(spans):
    out = []
    for a, b in spans:
        if out and a - out[-1][1] < 0.02:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def pct(sorted_values, p):
    return sorted_values[max(0, int(len(sorted_values) * p / 100.0 + 0.999999) - 1)]


def main():
    spans = fsyncs(sys.argv[1])
    rows = [line.strip().split(",") for line in open(sys.argv[2]).readlines()[1:] if line.strip()]
    msgs = [(int(sent) / 1e6, int(lat) / 1e3) for sent, lat, _ in rows]
    if not spans or not msgs:
        sys.exit("no fsyncs or no samples")
    first, last = msgs[0][0], msgs[-1][0]
    groups = [g for g in stalls(spans) if first <= g[0] <= last + 0.05]
    starts = [g[0] for g in groups]

    def overlaps(sent, lat_ms):
        end = sent + lat_ms / 1e3
        # Stalls do not overlap each other, so only the last one starting before `end` matters.
        i = bisect.bisect_right(starts, end) - 1
        return i >= 0 and groups[i][1] >= sent

    durations = sorted(b - a for a, b in spans)
    lengths = sorted(b - a for a, b in groups)
    slow = [m for m in msgs if m[1] > 4.0]
    clean = sorted(lat for sent, lat in msgs if not overlaps(sent, lat))
    every = sorted(lat for _, lat in msgs)
    print(f"{len(spans)} fsync calls recorded: p50 {1e3 * pct(durations, 50):.2f} ms, "
          f"max {1e3 * durations[-1]:.2f} ms")
    print(f"{len(groups)} stalls (fsyncs <20 ms apart) = {len(groups) / max(last - first, 1e-9):.1f}/s, "
          f"each p50 {1e3 * pct(lengths, 50):.2f} ms, max {1e3 * lengths[-1]:.2f} ms")
    print(f"{len(msgs)} messages, p99 {pct(every, 99):.2f} ms; {len(slow)} took > 4 ms, of which "
          f"{sum(1 for s in slow if overlaps(*s))} were in flight during a stall")
    print(f"p99 of the {len(clean)} messages not in flight during a stall: {pct(clean, 99):.2f} ms")


if __name__ == "__main__":
    main()
