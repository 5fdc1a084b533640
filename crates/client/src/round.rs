//! One sync round: read the state, ask [`crate::sync::plan`] what to do, do it. Pushes keep the
//! outbox order and back off on network trouble; pulls page through the inbox, apply each event
//! in its own transaction together with the new cursor (so a crash mid-page replays at most one
//! event, which is idempotent), and acknowledge what is stored.

use std::collections::BTreeSet;
use std::time::Duration;

use rusqlite::params;
use samtale_proto::api::ReceiptRequest;
use samtale_proto::{
    EnvelopeId, EventBody, InboxEvent, MAX_PAGE, ReceiptKind, SealedEnvelope, ThreadId,
};

use crate::db::{get_meta, set_meta};
use crate::engine::{Client, Session, meta, now_ms};
use crate::error::ClientError;
use crate::inbound::{
    Applied, ReceiptEvent, apply_device, apply_envelope, apply_receipt, apply_thread, notice,
};
use crate::sync::{Pending, Step, SyncState, backoff, plan};
use crate::views::{ClientEvent, SyncReport};

/// What a push attempt ended in.
enum Pushed {
    Ok,
    Retry,
    Refused,
    /// Its files are not all up yet (the uploader sends it when they are).
    Waiting,
}

impl Client {
    /// A full round: push what waits, send read marks, fetch everything new.
    pub async fn sync(&self) -> Result<SyncReport, ClientError> {
        // Files first (outside the round); a message waits for its files either way.
        if let Err(e) = self.upload_pending().await {
            tracing::debug!(error = %e, "files could not be uploaded yet");
        }
        self.sync_round(None, true).await.map(|(r, _)| r)
    }

    /// A round, with what the WebSocket announced. Returns the report and how long until the
    /// outbox wants another try. When the server no longer takes the session, a citizen's
    /// device logs in again with its key and the round runs once more; only when that fails
    /// too is the person told they are signed out.
    pub(crate) async fn sync_round(
        &self,
        announced: Option<u64>,
        catch_up: bool,
    ) -> Result<(SyncReport, Option<Duration>), ClientError> {
        match self.sync_round_once(announced, catch_up).await {
            Err(e) if e.is_unauthorized() => {
                let again = match self.renew_by_device().await {
                    Ok(()) => self.sync_round_once(announced, catch_up).await,
                    Err(renewal) => {
                        tracing::warn!(error = %renewal, "the session could not be renewed");
                        Err(e)
                    }
                };
                if again.as_ref().is_err_and(ClientError::is_unauthorized) {
                    self.emit(ClientEvent::SignedOut);
                }
                again
            }
            other => other,
        }
    }

    async fn sync_round_once(
        &self,
        announced: Option<u64>,
        catch_up: bool,
    ) -> Result<(SyncReport, Option<Duration>), ClientError> {
        let _guard = self.round.lock().await;
        // Refresh first: the old token stops working the moment a new one is issued.
        let _ = self.refresh_session_if_due().await;
        let s = self.session()?;
        let state = self.sync_state(announced, catch_up)?;
        let mut report = SyncReport::default();
        let mut wait = None;
        let mut pushing = true;
        for step in plan(&state) {
            match step {
                Step::Push(id) if pushing => match self.push_one(&s, &id).await? {
                    Pushed::Ok => report.pushed += 1,
                    Pushed::Refused => report.failed += 1,
                    Pushed::Retry | Pushed::Waiting => pushing = false,
                },
                Step::Push(_) => {}
                Step::SendReceipts => self.send_receipts_now(&s).await?,
                Step::Pull { since } => report.pulled += self.pull(&s, since).await?,
                Step::Wait(d) => wait = d,
            }
        }
        report.waiting =
            self.db()
                .query_row("SELECT count(*) FROM outbox WHERE parked = 0", [], |r| {
                    r.get(0)
                })?;
        if report.waiting > 0 && wait.is_none() {
            wait = self
                .sync_state(None, false)
                .ok()
                .and_then(|st| match plan(&st).last() {
                    Some(Step::Wait(d)) => *d,
                    _ => None,
                });
        }
        Ok((report, wait))
    }

    /// Pushes what is due in the outbox, nothing else (used right after sending).
    pub(crate) async fn push_due(&self) -> Result<(), ClientError> {
        let _guard = self.round.lock().await;
        let s = self.session()?;
        let state = self.sync_state(None, false)?;
        for step in plan(&state) {
            if let Step::Push(id) = step
                && !matches!(self.push_one(&s, &id).await?, Pushed::Ok | Pushed::Refused)
            {
                break;
            }
        }
        Ok(())
    }

    pub(crate) async fn send_receipts(&self) -> Result<(), ClientError> {
        let _guard = self.round.lock().await;
        let s = self.session()?;
        self.send_receipts_now(&s).await
    }

    fn sync_state(&self, announced: Option<u64>, catch_up: bool) -> Result<SyncState, ClientError> {
        let db = self.db();
        let mut outbox = Vec::new();
        let mut stmt = db.prepare("SELECT envelope_id, attempts, next_attempt_at FROM outbox WHERE parked = 0 ORDER BY created_at, envelope_id")?;
        for row in stmt.query_map([], |r| {
            Ok(Pending {
                id: r.get(0)?,
                attempts: r.get(1)?,
                next_attempt_at: r.get(2)?,
            })
        })? {
            outbox.push(row?);
        }
        let pending_receipts: usize =
            db.query_row("SELECT count(*) FROM pending_receipts", [], |r| {
                r.get::<_, i64>(0)
            })? as usize;
        let cursor = get_meta(&db, meta::CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        Ok(SyncState {
            now_ms: now_ms(),
            outbox,
            pending_receipts,
            cursor,
            announced,
            catch_up,
        })
    }

    async fn push_one(&self, s: &Session, id: &str) -> Result<Pushed, ClientError> {
        type OutboxRow = (String, u32, Option<String>, Option<i64>, Option<String>);
        let row: Option<OutboxRow> = {
            let db = self.db();
            rusqlite::OptionalExtension::optional(db.query_row(
                "SELECT envelope, attempts, recipients, release_at, blobs FROM outbox WHERE envelope_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            ))?
        };
        let Some((json, attempts, to, release_at, blobs)) = row else {
            return Ok(Pushed::Ok);
        };
        let envelope: SealedEnvelope =
            serde_json::from_str(&json).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let thread = envelope.header.thread.clone();
        // A planned message goes to the server's release queue; one whose time passed while
        // this device was offline goes out now.
        let planned = release_at.filter(|&at| at > now_ms() + 5_000);
        if blobs.is_some() && !crate::files::store::all_uploaded(&self.db(), id)? {
            return Ok(Pushed::Waiting);
        }
        let posted = match planned {
            Some(at) => {
                s.api
                    .schedule(&envelope, at, to.as_deref(), blobs.as_deref())
                    .await
            }
            None => {
                s.api
                    .post_envelope(&envelope, to.as_deref(), blobs.as_deref())
                    .await
            }
        };
        match posted {
            Ok(_) => {
                let db = self.db();
                let tx = db.unchecked_transaction()?;
                tx.execute("DELETE FROM outbox WHERE envelope_id = ?1", [id])?;
                tx.execute(
                    "UPDATE messages SET state = ?2, error = NULL WHERE id = ?1",
                    params![id, if planned.is_some() { "planned" } else { "sent" }],
                )?;
                tx.commit()?;
                drop(db);
                self.emit(ClientEvent::ThreadsChanged {
                    threads: vec![thread],
                });
                Ok(Pushed::Ok)
            }
            Err(e) if e.is_retryable() => {
                let attempts = attempts + 1;
                let jitter = f64::from(samtale_crypto::random::random_bytes::<1>()[0]) / 256.0;
                let next = now_ms()
                    + i64::try_from(backoff(attempts, jitter).as_millis()).unwrap_or(60_000);
                self.db().execute(
                    "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE envelope_id = ?1",
                    params![id, attempts, next, e.to_string()],
                )?;
                Ok(Pushed::Retry)
            }
            // Not a refusal of the envelope: the round renews the session and tries again.
            Err(e) if e.is_unauthorized() => Err(e),
            Err(e) => {
                let db = self.db();
                let tx = db.unchecked_transaction()?;
                tx.execute(
                    "UPDATE outbox SET parked = 1, last_error = ?2 WHERE envelope_id = ?1",
                    params![id, e.to_string()],
                )?;
                tx.execute(
                    "UPDATE messages SET state = 'failed', error = ?2 WHERE id = ?1",
                    params![id, e.to_string()],
                )?;
                tx.commit()?;
                drop(db);
                self.emit(ClientEvent::ThreadsChanged {
                    threads: vec![thread],
                });
                Ok(Pushed::Refused)
            }
        }
    }

    async fn send_receipts_now(&self, s: &Session) -> Result<(), ClientError> {
        let groups: Vec<(String, String, Vec<String>)> = {
            let db = self.db();
            let mut stmt = db.prepare("SELECT thread_id, kind, envelope_id FROM pending_receipts ORDER BY thread_id, kind, envelope_id")?;
            let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
            for row in stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })? {
                let (t, k, e) = row?;
                match groups.last_mut() {
                    Some((lt, lk, es)) if *lt == t && *lk == k && es.len() < 500 => es.push(e),
                    _ => groups.push((t, k, vec![e])),
                }
            }
            groups
        };
        for (thread, kind, envelopes) in groups {
            let thread_id =
                ThreadId::parse(&thread).map_err(|e| ClientError::Protocol(e.to_string()))?;
            let receipt_kind = if kind == "read" {
                ReceiptKind::Read
            } else {
                ReceiptKind::Delivered
            };
            let ids: Vec<EnvelopeId> = envelopes
                .iter()
                .filter_map(|e| EnvelopeId::parse(e).ok())
                .collect();
            // Signed, so members' clients can tell this device's marks from made-up ones.
            let signature = s.identity.sign_bytes(&samtale_proto::api::receipt_bytes(
                &thread_id,
                &s.device,
                receipt_kind,
                &ids,
            ));
            let req = ReceiptRequest {
                thread: thread_id,
                kind: receipt_kind,
                envelopes: ids,
                signature: samtale_proto::B64(signature.to_vec()),
            };
            let result = s.api.post_receipts(&req).await;
            match result {
                Ok(()) => {}
                // Kept for the next round: the network, or a session to renew.
                Err(e) if e.is_retryable() || e.is_unauthorized() => return Err(e),
                // Refused for good (e.g. no longer a member): drop them rather than retry forever.
                Err(e) => tracing::warn!(error = %e, "receipts refused"),
            }
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            for e in &envelopes {
                tx.execute(
                    "DELETE FROM pending_receipts WHERE envelope_id = ?1 AND kind = ?2",
                    [e, &kind],
                )?;
            }
            tx.commit()?;
        }
        Ok(())
    }

    /// Pages through the inbox from `since`. Returns how many events were applied.
    async fn pull(&self, s: &Session, mut since: u64) -> Result<u32, ClientError> {
        let mut applied = 0;
        let mut changed = BTreeSet::new();
        let mut incoming = BTreeSet::new();
        let mut received = 0u32;
        loop {
            let page = s.api.inbox(since, MAX_PAGE).await?;
            for ev in &page.events {
                match self.apply_event(s, ev).await? {
                    Some(Applied::Received(t)) => {
                        received += 1;
                        incoming.insert(t.clone());
                        changed.insert(t);
                    }
                    Some(Applied::Done(t) | Applied::NeedThread(t)) => {
                        changed.insert(t);
                    }
                    None => {}
                }
                applied += 1;
            }
            if page.next <= since {
                // Nothing new, whatever `more` says: a server that does not move forward must
                // not keep this round (and the outbox behind it) spinning.
                break;
            }
            since = page.next;
            s.api.ack(since).await?;
            if !page.more {
                break;
            }
        }
        if !changed.is_empty() {
            self.emit(ClientEvent::ThreadsChanged {
                threads: changed.into_iter().collect(),
            });
        }
        if received > 0 {
            self.emit(ClientEvent::Incoming {
                threads: incoming.into_iter().collect(),
                count: received,
            });
        }
        Ok(applied)
    }

    /// Applies one inbox event with the new cursor in one transaction; fetches a thread first
    /// when an envelope names a thread or sender device this device does not know yet.
    async fn apply_event(
        &self,
        s: &Session,
        ev: &InboxEvent,
    ) -> Result<Option<Applied>, ClientError> {
        let first = self.apply_locally(s, ev, false)?;
        let Some(Applied::NeedThread(thread)) = first else {
            return Ok(first);
        };
        match self.fetch_thread(s, &thread).await {
            Ok(()) => {}
            Err(e) if e.is_retryable() => return Err(e),
            Err(_) => {}
        }
        Ok(self
            .apply_locally(s, ev, true)?
            .or(Some(Applied::Done(thread))))
    }

    /// Fetches a thread's current state from the server and stores it.
    pub(crate) async fn fetch_thread(
        &self,
        s: &Session,
        thread: &ThreadId,
    ) -> Result<(), ClientError> {
        let info = s.api.thread(thread).await?;
        let db = self.db();
        let tx = db.unchecked_transaction()?;
        apply_thread(&tx, s, &info)?;
        tx.commit()?;
        Ok(())
    }

    fn apply_locally(
        &self,
        s: &Session,
        ev: &InboxEvent,
        last_try: bool,
    ) -> Result<Option<Applied>, ClientError> {
        let db = self.db();
        let tx = db.unchecked_transaction()?;
        // Device events change no thread of their own, but may add notices to the shared ones.
        let mut touched: Vec<ThreadId> = Vec::new();
        let mut account_changed = false;
        let outcome = match &ev.body {
            EventBody::Envelope { envelope } => {
                let a = apply_envelope(&tx, s, envelope)?;
                if let Applied::NeedThread(t) = &a {
                    if !last_try {
                        return Ok(Some(a));
                    }
                    notice(
                        &tx,
                        t,
                        "En besked fra en ukendt afsender eller enhed blev afvist.",
                    )?;
                }
                Some(a)
            }
            EventBody::Receipt {
                thread,
                user,
                device,
                kind,
                envelopes,
                signature,
            } => {
                let receipt = ReceiptEvent {
                    thread,
                    user,
                    device,
                    kind: *kind,
                    envelopes,
                    signature: signature.as_ref(),
                };
                apply_receipt(&tx, &receipt, ev.at_ms)?.then(|| Applied::Done(thread.clone()))
            }
            EventBody::DeviceRevoked {
                user,
                device,
                revoked_at_ms,
            } => {
                crate::devices::apply_revoked(&tx, s, user, device, *revoked_at_ms)?;
                touched = crate::devices::shared_threads(&tx, &s.user, user)?;
                account_changed = *user == s.user;
                None
            }
            EventBody::Thread { thread } => {
                apply_thread(&tx, s, thread)?;
                Some(Applied::Done(thread.id.clone()))
            }
            EventBody::Device { device } => {
                apply_device(&tx, s, device)?;
                touched = crate::devices::shared_threads(&tx, &s.user, &device.user)?;
                account_changed = device.user == s.user;
                None
            }
            EventBody::RefusedNewDevice { device_name } => {
                crate::devices::alert(
                    &tx,
                    &format!(
                        "Nogen forsøgte at logge ind på din konto med din adgangskode fra en ny enhed (\"{device_name}\"). Det blev afvist. Var det ikke dig, så få din administrator til at skifte din adgangskode."
                    ),
                )?;
                account_changed = true;
                None
            }
            // From a newer server: nothing this version can do with it.
            EventBody::Unknown => None,
        };
        set_meta(&tx, meta::CURSOR, &ev.seq.to_string())?;
        tx.commit()?;
        drop(db);
        if !touched.is_empty() {
            self.emit(ClientEvent::ThreadsChanged { threads: touched });
        }
        if account_changed {
            self.emit(ClientEvent::AccountChanged);
        }
        Ok(outcome)
    }
}
