//! The durable notice queue's two ends: [`enqueue`] seals a notice's recipient and text under
//! the contact key and stores it; [`run`] takes due notices from the store, sends each by its
//! channel, and records the outcome with its reason (sent with the gateway's id; queued again
//! with a growing wait when the gateway or mail server failed; failed for good when the number
//! or address was refused, which flags it). A notice goes at most once: see
//! [`NoticeIndex`](crate::store::NoticeIndex).

use std::sync::Arc;
use std::time::Duration;

use rand_core::{OsRng, RngCore};
use samtale_crypto::at_rest::AtRestKey;
use samtale_proto::notices::{Channel, ContactState, NoticeKind, NoticeState};
use samtale_proto::{TenantId, UserId, clock};
use tokio::sync::{Notify, watch};

use super::email::Mailer;
use super::sms::{SendError, SmsGateway};
use crate::auth::now_ms;
use crate::store::{NoticeUpdate, QueuedNotice, Store, StoreError};

/// A notice left `sending` this long belonged to a node that stopped.
const LEASE_MS: i64 = 5 * 60_000;
/// Tries before a notice is given up.
pub const MAX_ATTEMPTS: u32 = 6;
/// Longest wait between tries.
const MAX_BACKOFF_MS: i64 = 3_600_000;
/// Longest the loop sleeps without looking (another node may have queued one).
const IDLE: Duration = Duration::from_secs(30);

/// How notices leave the server: the senders configured, and the key their data is sealed
/// under.
pub struct Outbound {
    pub key: Arc<AtRestKey>,
    pub sms: Option<Arc<dyn SmsGateway>>,
    pub email: Option<Arc<Mailer>>,
    /// Wait after the first failed try; doubled after each (default 30 s).
    pub retry_base: Duration,
    /// Wakes the loop when a notice is queued.
    pub wake: Arc<Notify>,
}

impl Outbound {
    pub fn can_send(&self, channel: Channel) -> bool {
        match channel {
            Channel::Sms => self.sms.is_some(),
            Channel::Email => self.email.is_some(),
        }
    }
}

/// What a sealed recipient or text is bound to.
fn place(id: &str, part: &str) -> Vec<u8> {
    format!("samtale-notice/v1|{id}|{part}").into_bytes()
}

/// A fresh notice id: 16 random bytes in hex.
fn new_id() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A notice to queue.
pub struct NewNotice<'a> {
    pub tenant: &'a TenantId,
    pub citizen: &'a UserId,
    pub channel: Channel,
    pub kind: NoticeKind,
    /// `+4512345678` or an address.
    pub to: &'a str,
    pub text: &'a str,
    /// Why it is sent, in Danish: the routing decision, as evidence.
    pub reason: String,
    pub at_ms: i64,
}

/// Seals and stores a notice, due at once; returns its id.
pub async fn enqueue<S: Store>(
    store: &S,
    key: &AtRestKey,
    n: NewNotice<'_>,
) -> Result<String, StoreError> {
    let notice = seal_notice(key, n)?;
    store.enqueue_notice(&notice).await?;
    Ok(notice.id)
}

/// A notice sealed and ready to store, due at once.
pub fn seal_notice(key: &AtRestKey, n: NewNotice<'_>) -> Result<QueuedNotice, StoreError> {
    let id = new_id();
    let seal = |part: &str, bytes: &[u8]| {
        key.seal(&place(&id, part), bytes)
            .map_err(|e| StoreError::Backend(format!("sealing a notice: {e}")))
    };
    let notice = QueuedNotice {
        dest: seal("to", n.to.as_bytes())?,
        body: seal("text", n.text.as_bytes())?,
        id: id.clone(),
        tenant: n.tenant.clone(),
        citizen: n.citizen.clone(),
        channel: n.channel,
        kind: n.kind,
        state: NoticeState::Queued,
        attempts: 0,
        next_at_ms: n.at_ms,
        created_at_ms: n.at_ms,
        sent_at_ms: None,
        gateway_ref: None,
        reason: n.reason,
    };
    Ok(notice)
}

/// A gateway's or mail server's answer made fit to keep: reasons are stored in the clear, and an
/// answer may echo the number or address it refused ("550 <a@b.dk>: unknown"), which is kept
/// only sealed. Any word with an `@` and any run of six or more digits is blanked.
pub fn redact(text: &str) -> String {
    let words: Vec<String> = text
        .split(' ')
        .map(|w| {
            if w.contains('@') {
                return "(adresse)".to_owned();
            }
            let mut out = String::new();
            let mut digits = String::new();
            let flush = |digits: &mut String, out: &mut String| {
                if digits.len() >= 6 {
                    out.push_str("(nummer)");
                } else {
                    out.push_str(digits);
                }
                digits.clear();
            };
            for c in w.chars() {
                if c.is_ascii_digit() {
                    digits.push(c);
                } else {
                    flush(&mut digits, &mut out);
                    out.push(c);
                }
            }
            flush(&mut digits, &mut out);
            out
        })
        .collect();
    words.join(" ")
}

/// The wait after the `attempts`-th failed try.
pub fn backoff_ms(base: Duration, attempts: u32) -> i64 {
    let base = i64::try_from(base.as_millis()).unwrap_or(30_000).max(1);
    base.saturating_mul(1 << attempts.saturating_sub(1).min(20))
        .min(MAX_BACKOFF_MS)
}

/// "kl. 14.05" in Danish time.
fn at_clock(ms: i64) -> String {
    let l = clock::local(ms);
    format!("kl. {:02}.{:02}", l.hour, l.minute)
}

/// Sends due notices until `stop` turns true.
pub async fn run<S: Store>(store: S, out: Arc<Outbound>, mut stop: watch::Receiver<bool>) {
    loop {
        let now = now_ms();
        match store.claim_notices(now, now - LEASE_MS, 20).await {
            Ok(due) => {
                let full = due.len() == 20;
                for n in due {
                    deliver(&store, &out, n).await;
                }
                if full {
                    continue;
                }
            }
            Err(e) => tracing::error!(error = %e, "claiming notices failed"),
        }
        let wait = match store.next_notice_at().await {
            Ok(Some(at)) => Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))
                .max(Duration::from_millis(50))
                .min(IDLE),
            _ => IDLE,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = out.wake.notified() => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Opens, sends and records one claimed notice.
async fn deliver<S: Store>(store: &S, out: &Outbound, n: QueuedNotice) {
    let open = |part: &str, sealed: &[u8]| {
        out.key
            .open(&place(&n.id, part), sealed)
            .ok()
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
    };
    let sent = match (open("to", &n.dest), open("text", &n.body)) {
        (Some(to), Some(text)) => send(out, &n, &to, &text).await,
        _ => Err(SendError::Permanent(
            "beskeden kan ikke åbnes med serverens contact_key".into(),
        )),
    };
    let now = now_ms();
    let sent = sent.map_err(|e| match e {
        SendError::Temporary(t) => SendError::Temporary(redact(&t)),
        SendError::Permanent(t) => SendError::Permanent(redact(&t)),
    });
    let update = match sent {
        Ok(gateway_ref) => NoticeUpdate {
            state: NoticeState::Sent,
            reason: format!("{}; sendt {}", n.reason, at_clock(now)),
            next_at_ms: None,
            sent_at_ms: Some(now),
            gateway_ref: Some(gateway_ref),
        },
        Err(SendError::Temporary(why)) if n.attempts < MAX_ATTEMPTS => {
            let next = now + backoff_ms(out.retry_base, n.attempts);
            NoticeUpdate {
                state: NoticeState::Queued,
                reason: format!(
                    "{}; forsøg {} mislykkedes: {why}; nyt forsøg {}",
                    n.reason,
                    n.attempts,
                    at_clock(next)
                ),
                next_at_ms: Some(next),
                sent_at_ms: None,
                gateway_ref: None,
            }
        }
        Err(SendError::Temporary(why)) => NoticeUpdate {
            state: NoticeState::Failed,
            reason: format!("{}; opgivet efter {} forsøg: {why}", n.reason, n.attempts),
            next_at_ms: None,
            sent_at_ms: None,
            gateway_ref: None,
        },
        Err(SendError::Permanent(why)) => {
            if n.channel == Channel::Email {
                flag(store, &n, now).await;
            }
            NoticeUpdate {
                state: NoticeState::Failed,
                reason: format!("{}; {why}", n.reason),
                next_at_ms: None,
                sent_at_ms: None,
                gateway_ref: None,
            }
        }
    };
    tracing::info!(notice = %n.id, state = ?update.state, attempts = n.attempts, "notice");
    if let Err(e) = store
        .update_notice(&n.id, NoticeState::Sending, &update)
        .await
    {
        // Left `sending`: it becomes uncertain after the lease, and is not sent again.
        tracing::error!(notice = %n.id, error = %e, "recording a notice's outcome failed");
    }
}

async fn send(out: &Outbound, n: &QueuedNotice, to: &str, text: &str) -> Result<String, SendError> {
    match n.channel {
        Channel::Sms => match &out.sms {
            Some(g) => g.send(to, text, &n.id).await,
            None => Err(SendError::Temporary(
                "serveren har ingen sms-gateway sat op".into(),
            )),
        },
        Channel::Email => match &out.email {
            Some(m) => {
                let subject = match n.kind {
                    NoticeKind::Code => "Din kode til Samtale",
                    NoticeKind::NewMessage => "Ny besked i Samtale",
                };
                m.send(to, subject, text, &n.id).await
            }
            None => Err(SendError::Temporary(
                "serveren har ingen mailserver sat op".into(),
            )),
        },
    }
}

/// The number or address was refused: flag it at once, so nothing more goes there.
pub async fn flag<S: Store>(store: &S, n: &QueuedNotice, at_ms: i64) {
    if let Err(e) = store
        .set_contact_state(&n.citizen, n.channel, ContactState::Bounced, at_ms)
        .await
    {
        tracing::error!(notice = %n.id, error = %e, "flagging a refused contact failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_without_numbers_or_addresses() {
        assert_eq!(
            redact("550 5.1.1 <mikkel@eksempel.dk>: Recipient address rejected"),
            "550 5.1.1 (adresse) Recipient address rejected"
        );
        assert_eq!(
            redact("gatewayen afviste beskeden (400 Bad Request: invalid msisdn 4523456789)"),
            "gatewayen afviste beskeden (400 Bad Request: invalid msisdn (nummer))"
        );
        assert_eq!(redact("gatewayen svarede 503"), "gatewayen svarede 503");
        assert_eq!(redact("+4523456789,"), "+(nummer),");
    }

    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff_ms(base, 1), 30_000);
        assert_eq!(backoff_ms(base, 2), 60_000);
        assert_eq!(backoff_ms(base, 3), 120_000);
        assert_eq!(backoff_ms(base, 10), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(base, u32::MAX), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(Duration::from_millis(200), 2), 400);
    }
}
