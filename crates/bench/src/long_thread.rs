//! `samtale-load long-thread`: what opening a conversation of 10,000 messages costs a device.
//!
//! Two real client engines (`samtale-client`, each with its SQLCipher profile): the caseworker
//! logs in, invites a youth who joins, starts a thread and sends `--messages` messages through
//! the server; the youth syncs them all. Then, on the youth's engine, what the app does when the
//! thread is opened: the thread list, the newest page (what the screen renders), a page deep in
//! history (scrolling up), marking everything read, and, for comparison, reading the whole
//! thread at once. Build with `--release`.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use samtale_client::Client;
use samtale_proto::api::{Role, ThreadKind};
use serde_json::json;

use crate::population::Target;
use crate::stats::{Summary, ms};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Messages in the thread.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=200_000))]
    pub messages: u32,
    /// Messages per page (the app's page is 60).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub page: u32,
    /// Repetitions of each read.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub repeat: u32,
}

pub(crate) fn timed<T>(repeat: u32, mut f: impl FnMut() -> Result<T>) -> Result<(Summary, T)> {
    let mut samples = Vec::with_capacity(repeat as usize);
    let mut last = None;
    for _ in 0..repeat {
        let start = Instant::now();
        let value = f()?;
        samples.push(start.elapsed());
        last = Some(value);
    }
    let last = last.context("no repetitions")?;
    Ok((Summary::of(&mut samples), last))
}

pub async fn run(args: &Args) -> Result<serde_json::Value> {
    let password = std::env::var("SAMTALE_PASSWORD")
        .context("set SAMTALE_PASSWORD to the caseworker's password")?;
    let dir = std::env::temp_dir().join(format!("samtale-long-thread-{}", std::process::id()));
    let result = measure(args, &password, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(args: &Args, password: &str, dir: &std::path::Path) -> Result<serde_json::Value> {
    let server = &args.target.server;
    let sara = Client::open(&dir.join("sara"), &samtale_client::new_db_key())?;
    sara.login(
        server,
        &args.target.tenant,
        &args.target.username,
        password,
        "bench",
    )
    .await
    .context("caseworker login")?;
    let invitation = sara.invite(Role::Youth, "Lang Tråd", None, None).await?;
    let youth = Client::open(&dir.join("youth"), &samtale_client::new_db_key())?;
    let me = youth
        .join(Some(server), &invitation.code, "Lang Tråd", "bench-telefon")
        .await
        .context("youth join")?;
    sara.sync().await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;

    let n = args.messages;
    let started = Instant::now();
    for i in 0..n {
        sara.send(
            &thread,
            &format!(
                "Besked {i}: Hej Mikkel, hvordan går det med skolen? Husk mødet på fredag kl. 14."
            ),
        )
        .await?;
        if (i + 1) % 2000 == 0 {
            eprintln!("  sent {} of {n}", i + 1);
        }
    }
    let send_time = started.elapsed();
    let started = Instant::now();
    loop {
        youth.sync().await?;
        let unread = youth.threads()?.first().map(|t| t.unread).unwrap_or(0);
        if unread >= n {
            break;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the youth has {unread} of {n} messages after 10 minutes"
        );
    }
    let pull_time = started.elapsed();
    eprintln!(
        "  {n} messages sent in {:.1}s, pulled and opened by the youth in {:.1}s",
        send_time.as_secs_f64(),
        pull_time.as_secs_f64()
    );

    let (list, threads) = timed(args.repeat, || Ok(youth.threads()?))?;
    ensure!(threads.len() == 1 && threads[0].unread == n);
    let (newest, page) = timed(args.repeat, || Ok(youth.messages(&thread, args.page)?))?;
    ensure!(page.len() == args.page.min(n) as usize);
    let page_json = serde_json::to_vec(&page)?.len();
    let (whole, all) = timed(args.repeat.min(5), || Ok(youth.messages(&thread, n)?))?;
    ensure!(all.len() == n as usize);
    let whole_json = serde_json::to_vec(&all)?.len();
    // The page above the oldest screenful: as deep as scrolling goes.
    let deep_before = all
        .get(args.page as usize)
        .map(|m| m.id.clone())
        .context("thread shorter than two pages")?;
    let (deep, older) = timed(args.repeat, || {
        Ok(youth.messages_before(&thread, Some(&deep_before), args.page)?)
    })?;
    ensure!(older.len() == args.page as usize);
    let started = Instant::now();
    let marked = youth.mark_read(&thread).await?;
    let mark_time = started.elapsed();
    ensure!(marked == n, "marked {marked} of {n} read");

    println!("long thread of {n} messages, page of {}:", args.page);
    println!("  thread list                 {}", list.millis());
    println!(
        "  newest page                 {}  ({page_json} bytes as JSON)",
        newest.millis()
    );
    println!("  page deep in history        {}", deep.millis());
    println!(
        "  whole thread at once        {}  ({whole_json} bytes as JSON)",
        whole.millis()
    );
    println!(
        "  mark all {n} read (receipts sent 500 a request)  {:.1}ms",
        ms(mark_time)
    );
    Ok(json!({
        "step": "long-thread",
        "messages": n,
        "page": args.page,
        "send_seconds": send_time.as_secs_f64(),
        "pull_seconds": pull_time.as_secs_f64(),
        "thread_list_p50_ms": ms(list.p50),
        "newest_page_p50_ms": ms(newest.p50),
        "newest_page_p99_ms": ms(newest.p99),
        "deep_page_p50_ms": ms(deep.p50),
        "whole_thread_p50_ms": ms(whole.p50),
        "page_json_bytes": page_json,
        "whole_json_bytes": whole_json,
        "mark_all_read_ms": ms(mark_time),
    }))
}
