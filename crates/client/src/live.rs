//! Staying in sync while the app runs: a WebSocket to the server that only announces "there is
//! more", a sync round on each announcement, retries of the outbox on its backoff schedule, and
//! reconnects with jittered exponential backoff. Every reconnect starts with a full catch-up, so
//! nothing depends on the socket having delivered anything.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use samtale_proto::WsFrame;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::engine::Client;
use crate::error::ClientError;
use crate::sync::backoff;
use crate::views::ClientEvent;

/// Longest wait before looking at the outbox again while connected.
const IDLE_RECHECK: Duration = Duration::from_secs(60);

impl Client {
    /// Runs until `stop` turns true. Emits [`ClientEvent::Connection`] as the link comes and goes.
    pub async fn run_live(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut failures: u32 = 0;
        let mut online = None;
        loop {
            if *stop.borrow() {
                return;
            }
            let connected = self.clone().connected_session(&mut stop, &mut online).await;
            match connected {
                Ok(()) => return,
                Err(e) => {
                    if matches!(e, ClientError::NotSignedIn) {
                        return;
                    }
                    tracing::debug!(error = %e, "live connection lost");
                }
            }
            if online != Some(false) {
                online = Some(false);
                self.emit(ClientEvent::Connection { online: false });
            }
            failures = failures.saturating_add(1);
            let jitter = f64::from(samtale_crypto::random::random_bytes::<1>()[0]) / 256.0;
            tokio::select! {
                _ = tokio::time::sleep(backoff(failures.min(7), jitter)) => {}
                _ = stop.changed() => return,
            }
            if self.is_signed_in() && online == Some(false) {
                // A successful catch-up resets the backoff even before the socket is back.
                if self.sync().await.is_ok() {
                    failures = 0;
                }
            }
        }
    }

    /// Uploads waiting files beside the loop (a second uploader returns at once), then tries
    /// the records that are due another try.
    fn spawn_uploads(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.upload_pending().await {
                tracing::debug!(error = %e, "files could not be uploaded yet");
            }
            // Records not handed to the case system yet, as their back-off allows.
            me.deliver_records(false).await;
        });
    }

    /// One connection's life: connect, catch up, then follow announcements. Returns Ok when
    /// asked to stop, Err when the connection is lost.
    async fn connected_session(
        self: Arc<Self>,
        stop: &mut watch::Receiver<bool>,
        online: &mut Option<bool>,
    ) -> Result<(), ClientError> {
        let s = self.session()?;
        let mut request = s
            .api
            .ws_url()
            .into_client_request()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let token = s.api.token().unwrap_or_default();
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::Protocol("bad token".into()))?;
        request.headers_mut().insert("authorization", value);
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| ClientError::Offline(e.to_string()))?;
        let (_, mut wait) = self.sync_round(None, true).await?;
        self.spawn_uploads();
        if *online != Some(true) {
            *online = Some(true);
            self.emit(ClientEvent::Connection { online: true });
        }
        loop {
            let sleep = wait.unwrap_or(IDLE_RECHECK).min(IDLE_RECHECK);
            tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        match serde_json::from_str::<WsFrame>(&text) {
                            Ok(WsFrame::More { seq }) => wait = self.sync_round(Some(seq), false).await?.1,
                            Ok(WsFrame::Unknown) => {}
                            // Not ours to understand: catch up to be safe.
                            Err(_) => wait = self.sync_round(None, true).await?.1,
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => return Err(ClientError::Offline("the server closed the connection".into())),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(ClientError::Offline(e.to_string())),
                },
                _ = tokio::time::sleep(sleep) => {
                    wait = self.sync_round(None, false).await?.1;
                    self.spawn_uploads();
                }
                _ = stop.changed() => {
                    let _ = ws.close(None).await;
                    return Ok(());
                }
            }
        }
    }
}
