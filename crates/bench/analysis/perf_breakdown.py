#!/usr/bin/env python3
"""Splits a samtale-server CPU profile into the parts of an envelope POST.

Input (stdin): `perf script -F comm,tid,ip,sym` of a `perf record --call-graph dwarf` of the
server. Each sample is put in the first bucket whose pattern occurs anywhere on its stack, so
the order of RULES matters (specific before general). Prints the share of samples per bucket,
per thread name, and the writer thread's own split. Used by `run.sh profile-throughput`.
"""
import collections
import sys

RULES = [
    ("argon2 password check (logins)", ["argon2::"]),
    ("SQLite reader connection opened (PRAGMAs, schema parse)", ["samtale_server::store::sqlite::open"]),
    ("SQLite reader connection closed", ["InnerConnection::close", "sqlite3Close"]),
    ("ed25519 signature verification", ["samtale_crypto::seal::verify_signature"]),
    ("SHA-256 of the ciphertext", ["ciphertext_digest"]),
    ("writer thread: COMMIT and WAL write/checkpoint",
     ["sqlite3BtreeCommitPhase", "sqlite3PagerCommitPhase", "pagerWalFrames", "sqlite3WalFrames",
      "walCheckpoint", "sqlite3WalCheckpoint"]),
    ("writer thread: INSERT envelope, inbox fan-out, savepoints",
     ["samtale_server::store::sqlite::writer_loop"]),
    ("reads: SQL parse (statements not cached)",
     ["{impl#0}::read", "sqlite3_prepare", "sqlite3LockAndPrepare"]),
    ("JSON and base64 decoding", ["serde_json::", "base64::"]),
    ("HTTP, routing, handlers, spawn_blocking hand-off", ["hyper::", "axum::", "hyper_util::"]),
    ("tokio runtime: parking, waking, blocking-pool threads",
     ["tokio::runtime", "futex", "schedule"]),
]
READ_PARSE = ["sqlite3_prepare", "sqlite3LockAndPrepare", "sqlite3Prepare"]


def samples(lines):
    comm, stack = None, []
    for line in lines:
        if line.startswith("\t") or line.startswith(" " * 8):
            if line.strip():
                stack.append(line.strip())
        elif line.strip():
            if comm is not None:
                yield comm, stack
            comm, stack = line.split()[0], []
    if comm is not None:
        yield comm, stack


def bucket(stack):
    text = "\n".join(stack)
    for name, patterns in RULES:
        if any(p in text for p in patterns):
            if name.startswith("reads:") and not any(p in text for p in READ_PARSE):
                return "reads: SQLite execution, pool, thread wake-ups"
            return name
    return "other (kernel, libc, allocator)"


def main():
    counts, threads, total = collections.Counter(), collections.Counter(), 0
    for comm, stack in samples(sys.stdin):
        total += 1
        threads[comm] += 1
        counts[bucket(stack)] += 1
    if not total:
        sys.exit("no samples")
    print(f"{total} samples")
    for name, n in counts.most_common():
        print(f"{100 * n / total:5.1f}%  {name}")
    print("by thread: " + ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in threads.most_common()))


if __name__ == "__main__":
    main()
