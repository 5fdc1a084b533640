//! Running the server: bind, serve the routes, purge on a timer, release planned messages at
//! their time, and shut down gracefully when
//! asked (open sockets are told to close, in-flight requests finish).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::now_ms;
use crate::blobs::ChunkStore;
use crate::config::Limits;
use crate::routes::router;
use crate::state::AppState;
use crate::store::Store;

/// What the server runs with besides its store.
pub struct Setup {
    pub limits: Limits,
    pub purge_every: Duration,
    /// Where files go; None: the file routes answer that files are not set up.
    pub blobs: Option<ChunkStore>,
    /// The contact register's key; None: the contact routes answer that it is not set up.
    pub contact_key: Option<std::sync::Arc<samtale_crypto::at_rest::AtRestKey>>,
    /// How notices leave the server (needs the contact key).
    pub notices: crate::config::NoticeSettings,
}

/// The notice senders the settings name, and the key their queue is sealed under; None
/// without a contact key (there is then nothing to send to).
fn outbound(
    key: Option<std::sync::Arc<samtale_crypto::at_rest::AtRestKey>>,
    n: &crate::config::NoticeSettings,
) -> std::io::Result<Option<std::sync::Arc<crate::notices::queue::Outbound>>> {
    use crate::notices::{email::Mailer, sms::GatewayApi, sms::SmsGateway};
    let Some(key) = key else { return Ok(None) };
    let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let sms = match &n.sms {
        Some(s) => {
            let callback = s
                .public_url
                .as_ref()
                .map(|u| format!("{}/v1/hooks/gatewayapi", u.trim_end_matches('/')));
            let g = GatewayApi::new(&s.url, &s.token, &s.sender, callback).map_err(bad)?;
            Some(std::sync::Arc::new(g) as std::sync::Arc<dyn SmsGateway>)
        }
        None => None,
    };
    let email = match &n.smtp {
        Some(s) => Some(std::sync::Arc::new(Mailer::new(s).map_err(bad)?)),
        None => None,
    };
    Ok(Some(std::sync::Arc::new(crate::notices::queue::Outbound {
        key,
        sms,
        email,
        retry_base: n.retry_base,
        wake: std::sync::Arc::new(tokio::sync::Notify::new()),
    })))
}

/// Serves until `shutdown` completes. The listener is bound by the caller so that it can learn
/// the port (tests bind port 0).
pub async fn serve<S: Store>(
    store: S,
    listener: TcpListener,
    setup: Setup,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let limits = setup.limits;
    let purge = tokio::spawn(purge_loop(
        store.clone(),
        setup.blobs.clone(),
        limits.clone(),
        setup.purge_every,
        stop_rx.clone(),
    ));
    let mut state = AppState::new(store.clone(), limits, setup.blobs, stop_rx.clone());
    let out = outbound(setup.contact_key.clone(), &setup.notices)?;
    state.contact_key = setup.contact_key;
    state.outbound = out.clone();
    state.sms_webhook_secret = setup
        .notices
        .sms
        .as_ref()
        .and_then(|s| s.webhook_secret.clone())
        .map(std::sync::Arc::new);
    // Watches only where notices can go (a contact key): otherwise nobody decides them.
    state.notice_rules = out
        .as_ref()
        .map(|_| std::sync::Arc::new(setup.notices.rules.clone()));
    let sender = out.clone().map(|out| {
        tokio::spawn(crate::notices::queue::run(
            store.clone(),
            out,
            stop_rx.clone(),
        ))
    });
    // Watches are looked at every few seconds (a cheap indexed query), sooner when the wait
    // before a notice is short.
    let look_every = Duration::from_millis(
        u64::try_from(setup.notices.rules.wait_ms / 2)
            .unwrap_or(5_000)
            .clamp(200, 5_000),
    );
    let watcher = out.map(|out| {
        tokio::spawn(crate::notices::watch::run(
            store.clone(),
            out,
            std::sync::Arc::new(setup.notices.rules.clone()),
            look_every,
            stop_rx.clone(),
        ))
    });
    let release = tokio::spawn(release_loop(
        store.clone(),
        state.hub.clone(),
        state.release.clone(),
        state.notice_rules.clone(),
        stop_rx.clone(),
    ));
    let wakeups = tokio::spawn({
        let (store, hub, stop) = (store, state.hub.clone(), stop_rx.clone());
        async move { store.follow_remote_wakeups(hub, stop).await }
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = stop_tx.send(true);
        })
        .await;
    purge.abort();
    release.abort();
    wakeups.abort();
    for task in [sender, watcher].into_iter().flatten() {
        task.abort();
    }
    result
}

async fn purge_loop<S: Store>(
    store: S,
    blobs: Option<ChunkStore>,
    limits: Limits,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let (retention, stale_after) = (limits.retention, limits.stale_after);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        let before =
            now_ms().saturating_sub(i64::try_from(retention.as_millis()).unwrap_or(i64::MAX));
        let stale_before =
            now_ms().saturating_sub(i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX));
        match store.purge(before, stale_before).await {
            Ok(n) => tracing::info!(purged = n, "retention purge"),
            Err(e) => tracing::warn!(error = %e, "retention purge failed"),
        }
        if let Some(blobs) = &blobs {
            let unsent_before = now_ms().saturating_sub(
                i64::try_from(limits.unsent_blob_ttl.as_millis()).unwrap_or(i64::MAX),
            );
            match crate::routes::blobs::sweep(&store, blobs, unsent_before).await {
                Ok(n) => tracing::info!(files = n, "file sweep"),
                Err(e) => tracing::warn!(error = %e, "file sweep failed"),
            }
        }
    }
}

/// Longest the release loop sleeps without looking: another node may have taken a message
/// planned for sooner than this node knows of.
const RELEASE_LOOK_EVERY: Duration = Duration::from_secs(5);

/// Releases planned messages when they are due: looks at once (what fell due while the server
/// was down), then sleeps until the next one is due, at most [`RELEASE_LOOK_EVERY`], or until a
/// new one is planned.
async fn release_loop<S: Store>(
    store: S,
    hub: std::sync::Arc<crate::hub::Hub>,
    planned: std::sync::Arc<tokio::sync::Notify>,
    rules: Option<std::sync::Arc<crate::notices::rules::Settings>>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match store.release_due(now_ms(), 500).await {
            Ok(released) => {
                for fanout in &released {
                    hub.notify(fanout);
                }
                if let Some(rules) = &rules
                    && let Err(e) =
                        crate::notices::watch::start_watches_for_released(&store, rules, &released)
                            .await
                {
                    tracing::error!(error = %e, "watching released messages failed");
                }
                if released.len() == 500 {
                    continue;
                }
                if !released.is_empty() {
                    tracing::info!(released = released.len(), "planned messages released");
                }
            }
            Err(e) => tracing::warn!(error = %e, "releasing planned messages failed"),
        }
        let wait = match store.next_release().await {
            Ok(Some(at)) => Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))
                .min(RELEASE_LOOK_EVERY),
            _ => RELEASE_LOOK_EVERY,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = planned.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
