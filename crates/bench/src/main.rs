//! `samtale-load`: load generator and benchmarks for the Samtale sync server.
//!
//! Subcommands (each bounded in count and in time, `--timeout-seconds`, and stopping by itself):
//! - `crypto`: seal/open/verify cost per message for 2, 5 and 10 devices (no server);
//! - `throughput`: envelopes accepted per second ([`throughput`]);
//! - `latency`: POST-to-WebSocket-announcement latency with many idle sockets ([`latency`]);
//! - `memory`: server RSS per idle WebSocket ([`memory`]);
//! - `long-thread`: a device opening a conversation of 10,000 messages ([`long_thread`]);
//! - `timeline`: a youth's two years of check-ins and a caseload's flags ([`timeline`]);
//! - `files`: sending and receiving a large file against age's own speed, memory, and
//!   concurrent uploads ([`files`]);
//! - `notices`: SMS notices per second to a local gateway, and the "kan ikke nås digitalt"
//!   list for many citizens ([`notices`]).
//!
//! Server subcommands only talk to `http://127.0.0.1:<port>`; they log in as a caseworker
//! (password from `SAMTALE_PASSWORD`) and create their own youths through invitations. Results
//! are printed for people, then as one `RESULT {json}` line for scripts. `run.sh` next to this
//! crate runs the whole set against fresh servers; docs/benchmarks.md records the numbers.

mod api;
mod crypto;
mod envelopes;
mod files;
mod latency;
mod long_thread;
mod memory;
mod notices;
mod population;
mod procfs;
mod stats;
mod throughput;
mod timeline;

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "samtale-load",
    version,
    about = "Load generator for the Samtale sync server"
)]
struct Cli {
    /// Give up after this many seconds, whatever the subcommand is doing.
    #[arg(long, global = true, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=7200))]
    timeout_seconds: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Seal and open a payload for several recipient counts (client-side cost; no server).
    Crypto(crypto::Args),
    /// Post pre-sealed envelopes from concurrent clients; report accepted messages per second.
    Throughput(throughput::Args),
    /// Send at a fixed rate with idle sockets connected; report delivery latency percentiles.
    Latency(latency::Args),
    /// Open idle WebSockets; report the server's resident memory per socket.
    Memory(memory::Args),
    /// Fill one conversation through the server, then time what a device does to open it.
    LongThread(long_thread::Args),
    /// Live two years of check-ins and a caseload's five weeks, then time the timeline and flags.
    Timeline(timeline::Args),
    /// Send and receive a large file; memory of client and server; concurrent uploads.
    Files(files::Args),
    /// Content-free SMS notices per second to a local gateway; the unreachable list's time.
    Notices(notices::Args),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let limit = Duration::from_secs(cli.timeout_seconds);
    let result = runtime.block_on(async move {
        let work = async {
            match &cli.command {
                Command::Crypto(args) => tokio::task::block_in_place(|| crypto::run(args)),
                Command::Throughput(args) => throughput::run(args).await,
                Command::Latency(args) => latency::run(args).await,
                Command::Memory(args) => memory::run(args).await,
                Command::LongThread(args) => long_thread::run(args).await,
                Command::Timeline(args) => timeline::run(args).await,
                Command::Files(args) => files::run(args).await,
                Command::Notices(args) => notices::run(args).await,
            }
        };
        tokio::time::timeout(limit, work)
            .await
            .with_context(|| format!("gave up after --timeout-seconds {}", limit.as_secs()))?
    })?;
    println!("RESULT {result}");
    // Idle socket tasks may still be winding down; do not wait for them.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}
