//! `samtale-load memory`: the server's resident memory per idle WebSocket.
//!
//! Set-up: the caseworker logs in and `--users` youths join (default: one per socket). Each
//! youth then makes one `GET /v1/me`, so that the server's caches for sessions and users are as
//! warm as they will be when the sockets authenticate (their cost is not a socket's). Then the
//! server's `VmRSS` is polled until it settles, `--sockets` idle WebSockets are opened, RSS is
//! polled until it settles again, and (after − before) / sockets is reported. Kernel socket
//! buffers are not in a process's RSS and so are not counted.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use futures_util::{StreamExt as _, stream};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api::Api;
use crate::population::{Target, idle_sockets, youths};
use crate::procfs::{rss_bytes, settled_rss};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// The server's process id (its /proc/PID/status is read).
    #[arg(long)]
    pub server_pid: u32,
    /// Idle WebSockets to open.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub sockets: u32,
    /// Distinct youth users behind the sockets (default: one per socket).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub users: Option<u32>,
}

/// RSS is "settled" when 10 samples 100 ms apart lie within this many bytes.
const SETTLE_TOLERANCE: u64 = 64 * 1024;

pub async fn run(args: &Args) -> Result<serde_json::Value> {
    let n = args.sockets as usize;
    let users = args.users.map(|u| u as usize).unwrap_or(n).min(n);
    let concurrency = usize::from(args.target.setup_concurrency);
    let pid = args.server_pid;
    let start_rss = rss_bytes(pid)?;

    let api = Api::new(&args.target.server)?;
    let cw = args.target.login(&api).await?;
    let people = youths(&api, &cw, users, concurrency).await?;
    let mut warm = stream::iter(people.iter())
        .map(|p| {
            let api = api.clone();
            async move { api.send(Method::GET, "/v1/me", Some(&p.token), None).await }
        })
        .buffer_unordered(concurrency);
    while let Some(answer) = warm.next().await {
        let (status, _) = answer?;
        if status != StatusCode::OK {
            bail!("GET /v1/me answered {status}");
        }
    }

    let every = Duration::from_millis(100);
    let settle_timeout = Duration::from_secs(60);
    let before = settled_rss(pid, every, 10, SETTLE_TOLERANCE, settle_timeout).await?;
    let tokens: Vec<&str> = (0..n)
        .map(|i| people[i % users.max(1)].token.as_str())
        .collect();
    let opened_at = Instant::now();
    let sockets = idle_sockets(&api, &tokens, concurrency).await;
    let after = settled_rss(pid, every, 10, SETTLE_TOLERANCE, settle_timeout).await?;
    let settle = opened_at.elapsed();
    let open = sockets.open() - sockets.dropped();
    let per_socket = after.saturating_sub(before) as f64 / open.max(1) as f64;
    println!(
        "memory: {open} idle WebSockets ({} distinct users; {} failed to open)",
        users.min(open),
        sockets.failed
    );
    if let Some(e) = &sockets.first_error {
        println!("  first socket error: {e}");
    }
    println!(
        "  server VmRSS: {:.1} MiB at start, {:.1} MiB after set-up and warm-up, {:.1} MiB with the sockets open (settled {:.1}s after opening began)",
        mib(start_rss),
        mib(before),
        mib(after),
        settle.as_secs_f64()
    );
    println!(
        "  per idle WebSocket: {per_socket:.0} bytes ({:.2} KiB)",
        per_socket / 1024.0
    );
    let failed = sockets.failed;
    let closed = sockets.close().await;
    Ok(json!({
        "memory": {
            "sockets_requested": n,
            "sockets_open": open,
            "distinct_users": users,
            "failed": failed,
            "closed_cleanly": closed,
            "rss_start_bytes": start_rss,
            "rss_before_bytes": before,
            "rss_after_bytes": after,
            "bytes_per_socket": per_socket.round(),
        }
    }))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
