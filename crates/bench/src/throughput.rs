//! `samtale-load throughput`: how many envelopes a second the server accepts and stores.
//!
//! Set-up (not timed): the caseworker logs in on a fresh device, invites and joins a few youths,
//! opens a youth thread with each, and pre-seals `--messages` envelopes round-robin over the
//! threads (each sealed to the youth's device and the caseworker's own). Timed: `--clients`
//! tasks post them over HTTP keep-alive as fast as the server answers. Accepted = 201 Created.
//! Afterwards every youth's inbox is paged through to check that the envelopes were stored.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use samtale_crypto::Recipient;
use samtale_proto::{EventBody, ThreadId};
use serde_json::json;

use crate::api::Api;
use crate::envelopes::{Destination, Sender, seal_many};
use crate::population::{Target, youths};
use crate::procfs;
use crate::stats::Summary;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Concurrent posting tasks (each keeps its own keep-alive connection busy).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub clients: u16,
    /// Envelopes to post.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub messages: u32,
    /// Youths (and so youth threads) the messages are spread over.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub youths: u16,
    /// Plaintext bytes per message.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=16384))]
    pub payload_bytes: u32,
    /// The server's process id, to report the CPU time it used during the timed part.
    #[arg(long)]
    pub server_pid: Option<u32>,
}

#[derive(Default)]
struct Tally {
    created: usize,
    duplicate: usize,
    by_status: BTreeMap<u16, usize>,
    transport: usize,
    first_error: Option<String>,
    latencies: Vec<Duration>,
}

pub async fn run(args: &Args) -> Result<serde_json::Value> {
    let api = Api::new(&args.target.server)?;
    let cw = args.target.login(&api).await?;
    let kids = youths(
        &api,
        &cw,
        usize::from(args.youths),
        usize::from(args.target.setup_concurrency),
    )
    .await?;
    let own = cw.identity.recipient();
    let mut destinations = Vec::with_capacity(kids.len());
    for kid in &kids {
        let thread = api.youth_thread(&cw, &kid.user).await?;
        destinations.push(Destination {
            thread: thread.id,
            recipients: vec![
                Recipient::from_keys(&kid.identity.public_keys())?,
                own.clone(),
            ],
        });
    }
    let sealed = {
        let from = Sender {
            identity: &cw.identity,
            user: &cw.user,
            device: &cw.device,
        };
        seal_many(
            &from,
            &destinations,
            args.messages as usize,
            args.payload_bytes as usize,
        )?
    };
    let body_bytes = sealed.first().map(|s| s.body.len()).unwrap_or(0);
    let mut per_thread: HashMap<ThreadId, usize> = HashMap::new();
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(sealed.into_iter().map(|s| s.body).collect());

    let token: Arc<str> = Arc::from(cw.token.as_str());
    let next = Arc::new(AtomicUsize::new(0));
    let cpu = procfs::CpuSplit::start(args.server_pid)?;
    println!(
        "throughput: {} envelopes ({} B JSON each) from {} clients over {} threads",
        args.messages,
        body_bytes,
        args.clients,
        destinations.len()
    );
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(usize::from(args.clients));
    for _ in 0..args.clients {
        let (api, token, next, bodies) = (api.clone(), token.clone(), next.clone(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = Instant::now();
                match api.post_envelope(&token, body.clone()).await {
                    Ok(status) => {
                        tally.latencies.push(t.elapsed());
                        match status.as_u16() {
                            201 => tally.created += 1,
                            200 => tally.duplicate += 1,
                            other => *tally.by_status.entry(other).or_default() += 1,
                        }
                    }
                    Err(e) => {
                        tally.transport += 1;
                        tally.first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for task in tasks {
        let t = task.await.context("a posting task failed")?;
        total.created += t.created;
        total.duplicate += t.duplicate;
        total.transport += t.transport;
        for (k, v) in t.by_status {
            *total.by_status.entry(k).or_default() += v;
        }
        if total.first_error.is_none() {
            total.first_error = t.first_error;
        }
        total.latencies.extend(t.latencies);
    }
    let wall = started.elapsed();
    let (server_cpu, own_cpu, other_cpu) = cpu.since()?;
    let rate = total.created as f64 / wall.as_secs_f64();
    let rtt = Summary::of(&mut total.latencies);

    // Check storage: every youth's inbox should hold one envelope event per accepted envelope.
    for kid in &kids {
        let mut since = 0;
        loop {
            let page = api.inbox(&kid.token, since).await?;
            for event in &page.events {
                if let EventBody::Envelope { envelope } = &event.body {
                    *per_thread
                        .entry(envelope.header.thread.clone())
                        .or_default() += 1;
                }
            }
            since = page.next;
            if !page.more {
                break;
            }
        }
    }
    let stored: usize = per_thread.values().sum();

    println!(
        "  accepted (201): {} in {:.3}s = {rate:.0} messages/s",
        total.created,
        wall.as_secs_f64()
    );
    println!(
        "  duplicates (200): {}, other statuses: {:?}, transport errors: {}",
        total.duplicate, total.by_status, total.transport
    );
    if let Some(e) = &total.first_error {
        println!("  first transport error: {e}");
    }
    println!("  request round trip: {}", rtt.millis());
    println!("  stored (found in the youths' inboxes afterwards): {stored}");
    println!(
        "  CPU during the timed part ({:.2}s wall): load generator {own_cpu:.2}s, other processes {other_cpu:.2}s{}",
        wall.as_secs_f64(),
        server_cpu
            .map(|c| format!(
                ", server {c:.2}s ({:.0} µs per accepted message)",
                c * 1e6 / total.created.max(1) as f64
            ))
            .unwrap_or_default()
    );
    Ok(json!({
        "throughput": {
            "messages": args.messages,
            "clients": args.clients,
            "threads": destinations.len(),
            "payload_bytes": args.payload_bytes,
            "body_bytes": body_bytes,
            "accepted": total.created,
            "duplicates": total.duplicate,
            "other_statuses": total.by_status,
            "transport_errors": total.transport,
            "wall_seconds": wall.as_secs_f64(),
            "accepted_per_second": rate.round(),
            "stored_in_inboxes": stored,
            "rtt_ms": { "p50": crate::stats::ms(rtt.p50), "p99": crate::stats::ms(rtt.p99), "max": crate::stats::ms(rtt.max) },
            "generator_cpu_seconds": own_cpu,
            "server_cpu_seconds": server_cpu,
            "other_processes_cpu_seconds": other_cpu,
        }
    }))
}
