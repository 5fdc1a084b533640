//! `samtale-load latency`: delivery latency under a steady send rate with many idle sockets.
//!
//! Set-up (not timed): the caseworker logs in; one recipient youth joins and gets a youth thread
//! and a WebSocket; `--users` further youths join and hold `--idle` idle WebSockets between them
//! (round-robin, so with `--users` equal to `--idle` every socket is a distinct user); `rate ×
//! seconds` envelopes are pre-sealed to the recipient's and the caseworker's devices.
//!
//! Timed: the caseworker posts at `--rate` per second for `--seconds` (open loop: a message
//! goes out when it is due, whether or not earlier ones were answered). A message's latency is
//! from just before its POST to the first `{"type":"more"}` frame on the recipient's socket whose
//! `seq` covers it; the seq each envelope got is read back from the recipient's inbox afterwards,
//! so coalesced frames are attributed correctly.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures_util::StreamExt as _;
use samtale_crypto::Recipient;
use samtale_proto::{EnvelopeId, EventBody, WsFrame};
use serde_json::json;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::api::{Api, Ws};
use crate::envelopes::{Destination, Sender, seal_many};
use crate::population::{Target, idle_sockets, youths};
use crate::procfs;
use crate::stats::{Summary, ms};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Idle authenticated WebSockets held open during the run.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(0..=50_000))]
    pub idle: u32,
    /// Distinct youth users behind the idle sockets (default: one per socket).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub users: Option<u32>,
    /// Messages per second.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub rate: u32,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=600))]
    pub seconds: u32,
    /// Plaintext bytes per message.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=16384))]
    pub payload_bytes: u32,
    /// The server's process id, to report the CPU time it used while messages were sent.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Write every accepted message as `sent_unix_us,latency_us,post_rtt_us` to this CSV file,
    /// to line latency spikes up with server events (e.g. `perf record -k CLOCK_REALTIME`).
    #[arg(long)]
    pub samples_csv: Option<std::path::PathBuf>,
}

/// One `more` frame as the recipient saw it.
struct Frame {
    at: Instant,
    seq: u64,
}

/// Reads the recipient's socket until `stop`, keeping every `more` frame with its arrival time.
async fn record(mut ws: Ws, mut stop: watch::Receiver<bool>) -> Result<Vec<Frame>> {
    let mut frames = Vec::new();
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    if let Ok(WsFrame::More { seq }) = serde_json::from_str::<WsFrame>(&text) {
                        frames.push(Frame { at, seq });
                    }
                }
                Some(Ok(Message::Close(_))) | None => bail!("the server closed the recipient's socket"),
                Some(Ok(_)) => {}
                Some(Err(e)) => bail!("the recipient's socket failed: {e}"),
            },
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return Ok(frames);
            }
        }
    }
}

pub async fn run(args: &Args) -> Result<serde_json::Value> {
    let total = u64::from(args.rate) * u64::from(args.seconds);
    ensure!(
        total <= 1_000_000,
        "rate × seconds is limited to 1,000,000 messages"
    );
    let total = total as usize;
    let idle = args.idle as usize;
    let users = args.users.map(|u| u as usize).unwrap_or(idle).min(idle);
    let concurrency = usize::from(args.target.setup_concurrency);

    let api = Api::new(&args.target.server)?;
    let cw = args.target.login(&api).await?;
    let recipient = youths(&api, &cw, 1, 1)
        .await?
        .pop()
        .context("no recipient")?;
    let thread = api.youth_thread(&cw, &recipient.user).await?;
    let base = api.inbox(&recipient.token, 0).await?.next;
    let (stop, stop_rx) = watch::channel(false);
    let recorder = tokio::spawn(record(api.websocket(&recipient.token).await?, stop_rx));

    let idle_users = youths(&api, &cw, users, concurrency).await?;
    let tokens: Vec<&str> = (0..idle)
        .map(|i| idle_users[i % users.max(1)].token.as_str())
        .collect();
    let sockets = idle_sockets(&api, &tokens, concurrency).await;

    let sealed = seal_many(
        &Sender {
            identity: &cw.identity,
            user: &cw.user,
            device: &cw.device,
        },
        &[Destination {
            thread: thread.id.clone(),
            recipients: vec![
                Recipient::from_keys(&recipient.identity.public_keys())?,
                cw.identity.recipient(),
            ],
        }],
        total,
        args.payload_bytes as usize,
    )?;
    println!(
        "latency: {} msgs/s for {}s into one thread; {} idle WebSockets open ({} distinct users, {} failed to open)",
        args.rate,
        args.seconds,
        sockets.open(),
        users.min(sockets.open()),
        sockets.failed
    );
    if let Some(e) = &sockets.first_error {
        println!("  first socket error: {e}");
    }

    // Timed part: open-loop sending on a 1 ms tick.
    let cpu = procfs::CpuSplit::start(args.server_pid)?;
    let mut sends = Vec::with_capacity(total);
    let mut queue = sealed.into_iter();
    let started = Instant::now();
    let mut sent = 0usize;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    while sent < total {
        tick.tick().await;
        let due = ((started.elapsed().as_secs_f64() * f64::from(args.rate)) as usize).min(total);
        while sent < due {
            let Some(env) = queue.next() else { break };
            let (api, token) = (api.clone(), cw.token.clone());
            sends.push((
                env.id,
                tokio::spawn(async move {
                    let t0 = Instant::now();
                    let unix_us = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_micros())
                        .unwrap_or(0);
                    let status = api.post_envelope(&token, env.body).await;
                    (t0, unix_us, t0.elapsed(), status)
                }),
            ));
            sent += 1;
        }
    }
    let send_span = started.elapsed();
    let (server_cpu, own_cpu, other_cpu) = cpu.since()?;
    let mut posted: Vec<(EnvelopeId, Instant, u128)> = Vec::with_capacity(total);
    let mut rtts = Vec::with_capacity(total);
    let mut failures = 0usize;
    let mut first_error = None;
    for (id, task) in sends {
        let (t0, unix_us, rtt, status) = task.await.context("a sending task failed")?;
        match status {
            Ok(s) if s.as_u16() == 201 => {
                posted.push((id, t0, unix_us));
                rtts.push(rtt);
            }
            Ok(s) => {
                failures += 1;
                first_error.get_or_insert_with(|| format!("status {s}"));
            }
            Err(e) => {
                failures += 1;
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }

    // Wait (bounded) for the recipient's frames to cover everything accepted, then read the
    // inbox to learn which seq each envelope got.
    let mut seqs: HashMap<EnvelopeId, u64> = HashMap::with_capacity(posted.len());
    let mut since = base;
    let deadline = Instant::now() + Duration::from_secs(10);
    while seqs.len() < posted.len() && Instant::now() < deadline {
        let page = api.inbox(&recipient.token, since).await?;
        for event in page.events {
            if let EventBody::Envelope { envelope } = event.body {
                seqs.insert(envelope.header.id, event.seq);
            }
        }
        since = page.next;
        if !page.more {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let last_seq = seqs.values().copied().max().unwrap_or(base);
    // The frame for the last seq is sent right after the commit that made it; give it a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let dropped_during_run = sockets.dropped();
    let opened = sockets.open();
    let _ = stop.send(true);
    let frames = recorder.await.context("the recipient task failed")??;
    let still_open = sockets.close().await;

    let mut latencies = Vec::with_capacity(posted.len());
    let mut csv = String::from("sent_unix_us,latency_us,post_rtt_us\n");
    let mut unseen = 0usize;
    for ((id, t0, unix_us), rtt) in posted.iter().zip(&rtts) {
        let Some(seq) = seqs.get(id) else {
            unseen += 1;
            continue;
        };
        let first = frames.partition_point(|f| f.seq < *seq);
        match frames.get(first) {
            Some(f) => {
                let latency = f.at.saturating_duration_since(*t0);
                latencies.push(latency);
                csv.push_str(&format!(
                    "{unix_us},{},{}\n",
                    latency.as_micros(),
                    rtt.as_micros()
                ));
            }
            None => unseen += 1,
        }
    }
    if let Some(path) = &args.samples_csv {
        std::fs::write(path, csv).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let lat = Summary::of(&mut latencies);
    let rtt = Summary::of(&mut rtts);
    println!(
        "  sent {sent} in {:.2}s ({:.0}/s), accepted {}, failed {failures}{}",
        send_span.as_secs_f64(),
        sent as f64 / send_span.as_secs_f64(),
        posted.len(),
        first_error
            .as_deref()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    println!(
        "  POST to recipient's frame: {} ({} frames for {} messages; {unseen} never announced)",
        lat.millis(),
        frames.len(),
        posted.len()
    );
    println!("  POST round trip:           {}", rtt.millis());
    println!(
        "  CPU while sending ({:.2}s): load generator {own_cpu:.2}s, other processes {other_cpu:.2}s{}",
        send_span.as_secs_f64(),
        server_cpu
            .map(|c| format!(
                ", server {c:.2}s ({:.0}% of one core)",
                100.0 * c / send_span.as_secs_f64()
            ))
            .unwrap_or_default()
    );
    println!(
        "  idle sockets: {opened} open at the start, {dropped_during_run} dropped during the run, {still_open} closed cleanly at the end"
    );
    Ok(json!({
        "latency": {
            "rate": args.rate,
            "seconds": args.seconds,
            "idle_requested": idle,
            "idle_open": opened,
            "idle_dropped": dropped_during_run,
            "distinct_idle_users": users,
            "sent": sent,
            "accepted": posted.len(),
            "failed": failures,
            "frames": frames.len(),
            "unseen": unseen,
            "last_seq": last_seq,
            "deliver_ms": { "n": lat.count, "p50": ms(lat.p50), "p99": ms(lat.p99), "max": ms(lat.max), "mean": ms(lat.mean) },
            "server_cpu_seconds": server_cpu,
            "generator_cpu_seconds": own_cpu,
            "other_processes_cpu_seconds": other_cpu,
            "post_rtt_ms": { "p50": ms(rtt.p50), "p99": ms(rtt.p99), "max": ms(rtt.max) },
        }
    }))
}
