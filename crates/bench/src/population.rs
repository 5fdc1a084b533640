//! Setting up who takes part in a run: the caseworker (a fresh device logged in by password),
//! youths invited and joined through the real invitation routes, and idle WebSockets held open
//! by one small task each. This is set-up, not measurement; it prints its own pace to stderr.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::{StreamExt as _, stream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::api::{Api, Session};

/// The caseworker's login: tenant, username, and the password from `SAMTALE_PASSWORD`.
#[derive(clap::Args, Clone, Debug)]
pub struct Target {
    /// Server base URL; only http://127.0.0.1:<port> is accepted.
    #[arg(long)]
    pub server: String,
    /// Municipality slug.
    #[arg(long)]
    pub tenant: String,
    /// Caseworker username (the password is read from SAMTALE_PASSWORD).
    #[arg(long)]
    pub username: String,
    /// Requests in flight while setting up users and sockets.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub setup_concurrency: u16,
}

impl Target {
    pub async fn login(&self, api: &Api) -> Result<Session> {
        let password = std::env::var("SAMTALE_PASSWORD")
            .context("set SAMTALE_PASSWORD to the caseworker's password")?;
        api.login(&self.tenant, &self.username, &password)
            .await
            .with_context(|| format!("cannot log in as {} in {}", self.username, self.tenant))
    }
}

/// Invites and joins `n` youths, `concurrency` at a time.
pub async fn youths(
    api: &Api,
    caseworker: &Session,
    n: usize,
    concurrency: usize,
) -> Result<Vec<Session>> {
    let started = Instant::now();
    let mut out = Vec::with_capacity(n);
    let mut joins = stream::iter(0..n)
        .map(|i| async move { api.invite_and_join(caseworker, &format!("Ung {i}")).await })
        .buffer_unordered(concurrency.max(1));
    while let Some(joined) = joins.next().await {
        out.push(joined.context("invite and join a youth")?);
        if out.len() % 2000 == 0 {
            eprintln!("  joined {} of {n} youths", out.len());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "set-up: {n} youths invited and joined in {secs:.1}s ({:.0}/s)",
        n as f64 / secs.max(1e-9)
    );
    Ok(out)
}

/// Idle WebSockets, each read by its own task until `stop`; see [`IdleSockets::close`].
pub struct IdleSockets {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<bool>>,
    pub failed: usize,
    pub first_error: Option<String>,
}

/// Opens one socket per token in `tokens` (repeating tokens is allowed), `concurrency` at a time.
/// Failures are counted, not fatal: the caller reports how many it reached.
pub async fn idle_sockets(api: &Api, tokens: &[&str], concurrency: usize) -> IdleSockets {
    let started = Instant::now();
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::with_capacity(tokens.len());
    let mut failed = 0;
    let mut first_error = None;
    let mut opens = stream::iter(tokens.iter().copied())
        .map(|token| async move { api.websocket(token).await })
        .buffer_unordered(concurrency.max(1));
    while let Some(opened) = opens.next().await {
        match opened {
            Ok(ws) => tasks.push(tokio::spawn(hold(ws, stop_rx.clone()))),
            Err(e) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    eprintln!(
        "set-up: {} idle WebSockets open, {failed} failed, in {:.1}s",
        tasks.len(),
        started.elapsed().as_secs_f64()
    );
    IdleSockets {
        stop,
        tasks,
        failed,
        first_error,
    }
}

/// Reads a socket until told to stop (true) or until the server drops it (false).
async fn hold(mut ws: crate::api::Ws, mut stop: watch::Receiver<bool>) -> bool {
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return false,
                Some(Ok(_)) => {}
            },
            _ = stop.changed() => {
                let _ = ws.close(None).await;
                return true;
            }
        }
    }
}

impl IdleSockets {
    pub fn open(&self) -> usize {
        self.tasks.len()
    }

    /// How many sockets the server closed so far.
    pub fn dropped(&self) -> usize {
        self.tasks.iter().filter(|t| t.is_finished()).count()
    }

    /// Closes every socket; returns how many were still open when asked.
    pub async fn close(self) -> usize {
        let _ = self.stop.send(true);
        let all = futures_util::future::join_all(self.tasks);
        match tokio::time::timeout(Duration::from_secs(30), all).await {
            Ok(done) => done.into_iter().filter(|d| matches!(d, Ok(true))).count(),
            Err(_) => 0,
        }
    }
}
