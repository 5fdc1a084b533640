//! Cross-node wake-ups for the PostgreSQL backend. Several stateless server nodes share one
//! database; a client's WebSocket may sit on another node than the one that stored its message.
//! Every fan-out therefore issues `pg_notify` inside its transaction (delivered at COMMIT), and
//! each node keeps one LISTEN connection that feeds what it hears into its local [`Hub`]. The
//! hub ignores sequences it has already announced, so a node's own notifications are harmless.
//! Losing the LISTEN connection loses no data: clients also re-check on their own schedule.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use samtale_proto::UserId;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, NoTls};

use super::Fanout;
use crate::hub::Hub;

pub const CHANNEL: &str = "samtale_inbox";

/// `user:seq,user:seq,...` (ids are ULIDs, so neither separator can occur in them).
pub fn encode(fanout: &Fanout) -> String {
    fanout
        .iter()
        .map(|(u, s)| format!("{u}:{s}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn decode(payload: &str) -> Fanout {
    payload
        .split(',')
        .filter_map(|pair| {
            let (u, s) = pair.split_once(':')?;
            Some((UserId::parse(u).ok()?, s.parse().ok()?))
        })
        .collect()
}

/// Listens until `stop`, reconnecting with backoff when the connection drops.
pub async fn follow(
    config: tokio_postgres::Config,
    hub: Arc<Hub>,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    loop {
        match listen_once(&config, &hub, &mut stop).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "lost the PostgreSQL wake-up connection; reconnecting")
            }
        }
        failures = failures.saturating_add(1);
        let delay = Duration::from_millis(100u64 << failures.min(7)).min(Duration::from_secs(10));
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Ok only when asked to stop; any end of the connection is an error to reconnect from.
async fn listen_once(
    config: &tokio_postgres::Config,
    hub: &Hub,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(|e| e.to_string())?;
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let mut driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            if let AsyncMessage::Notification(n) = message?
                && tx.send(n.payload().to_owned()).is_err()
            {
                break;
            }
        }
        Ok::<(), tokio_postgres::Error>(())
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            payload = rx.recv() => match payload {
                Some(p) => hub.notify(&decode(&p)),
                None => return Err("the notification stream ended".into()),
            },
            done = &mut driver => {
                return Err(match done {
                    Ok(Ok(())) => "the connection closed".into(),
                    Ok(Err(e)) => e.to_string(),
                    Err(e) => e.to_string(),
                });
            }
            _ = stop.changed() => {
                driver.abort();
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_skips_garbage() {
        let u = UserId::parse("01HZZZZZZZZZZZZZZZZZZZZZZZ").unwrap();
        let f = vec![(u.clone(), 7), (u.clone(), 12)];
        assert_eq!(decode(&encode(&f)), f);
        assert_eq!(decode("junk,01HZZZZZZZZZZZZZZZZZZZZZZZ:x,:3"), Vec::new());
    }
}
