//! Consents, contact codes and the notice queue of the SQLite store (`NoticeIndex`). The one
//! writer thread makes each claim atomic: a notice is handed to one sender only.

use rusqlite::{OptionalExtension, params};
use samtale_proto::notices::{Channel, Consent, ContactState, NoticeState, Purpose};
use samtale_proto::{TenantId, ThreadId, UnitId, UserId};

use super::{SqliteStore, backend, is_unique_violation};
use crate::store::codec::{self, id};
use crate::store::{
    ConsentRecord, ContactCode, NoticeIndex, NoticeUpdate, QueuedNotice, StoreError, Watch,
};

const CONSENT_COLUMNS: &str = "id, tenant_id, citizen_id, unit_id, purpose, channel, given_at, given_by, by_parent, how, withdrawn_at";
const NOTICE_COLUMNS: &str = "id, tenant_id, citizen_id, channel, kind, dest, body, state, attempts, next_at, created_at, sent_at, gateway_ref, reason";

fn consent(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<ConsentRecord, StoreError>> {
    let (cid, tenant, citizen, unit): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (purpose, channel, given_at, given_by): (String, String, i64, String) =
        (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
    let (by_parent, how, withdrawn): (bool, String, Option<i64>) =
        (r.get(8)?, r.get(9)?, r.get(10)?);
    Ok((|| {
        Ok(ConsentRecord {
            id: cid,
            tenant: id(tenant)?,
            consent: Consent {
                citizen: id(citizen)?,
                unit,
                purpose: codec::purpose(&purpose)?,
                channel: codec::channel(&channel)?,
                given_at_ms: given_at,
                given_by: id(given_by)?,
                by_parent,
                how: codec::from_json(&how)?,
                withdrawn_at_ms: withdrawn,
            },
        })
    })())
}

fn notice(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<QueuedNotice, StoreError>> {
    let (nid, tenant, citizen, channel, kind): (String, String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (dest, body, state, attempts): (Vec<u8>, Vec<u8>, String, u32) =
        (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
    let (next_at, created_at, sent_at, gateway_ref, reason): (
        i64,
        i64,
        Option<i64>,
        Option<String>,
        String,
    ) = (r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?);
    Ok((|| {
        Ok(QueuedNotice {
            id: nid,
            tenant: id(tenant)?,
            citizen: id(citizen)?,
            channel: codec::channel(&channel)?,
            kind: codec::notice_kind(&kind)?,
            dest,
            body,
            state: codec::notice_state(&state)?,
            attempts,
            next_at_ms: next_at,
            created_at_ms: created_at,
            sent_at_ms: sent_at,
            gateway_ref,
            reason,
        })
    })())
}

const WATCH_COLUMNS: &str =
    "citizen_id, thread_id, tenant_id, unit_id, unread_since, next_look, unreachable, decided_at";

fn watch(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Watch, StoreError>> {
    let (citizen, thread, tenant, unit): (String, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (since, next, unreachable, decided): (i64, i64, Option<String>, Option<i64>) =
        (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?);
    Ok((|| {
        Ok(Watch {
            citizen: id(citizen)?,
            thread: id(thread)?,
            tenant: id(tenant)?,
            unit: id(unit)?,
            unread_since_ms: since,
            next_look_ms: next,
            unreachable: match unreachable {
                Some(j) => codec::from_json(&j)?,
                None => Vec::new(),
            },
            decided_at_ms: decided,
        })
    })())
}

fn insert_notice(conn: &rusqlite::Connection, n: &QueuedNotice) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT INTO notices ({NOTICE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
        params![
            n.id,
            n.tenant.as_str(),
            n.citizen.as_str(),
            codec::channel_text(n.channel),
            codec::notice_kind_text(n.kind),
            n.dest,
            n.body,
            codec::notice_state_text(n.state),
            n.attempts,
            n.next_at_ms,
            n.created_at_ms,
            n.sent_at_ms,
            n.gateway_ref,
            n.reason
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict("notice")
        } else {
            backend(e)
        }
    })?;
    Ok(())
}

fn collect<T>(
    rows: impl Iterator<Item = rusqlite::Result<Result<T, StoreError>>>,
) -> Result<Vec<T>, StoreError> {
    rows.map(|r| r.map_err(backend).and_then(|x| x)).collect()
}

fn notices_where(
    conn: &rusqlite::Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<QueuedNotice>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE {clause}"
        ))
        .map_err(backend)?;
    let rows = stmt.query_map(args, notice).map_err(backend)?;
    collect(rows)
}

impl NoticeIndex for SqliteStore {
    async fn add_consent(&self, record: &ConsentRecord) -> Result<(), StoreError> {
        let r = record.clone();
        let how = codec::to_json(&r.consent.how)?;
        self.write(move |conn| {
            let c = &r.consent;
            conn.execute(
                &format!("INSERT INTO consents ({CONSENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                params![
                    r.id,
                    r.tenant.as_str(),
                    c.citizen.as_str(),
                    c.unit,
                    codec::purpose_text(c.purpose),
                    codec::channel_text(c.channel),
                    c.given_at_ms,
                    c.given_by.as_str(),
                    c.by_parent,
                    how,
                    c.withdrawn_at_ms
                ],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict("consent")
                } else {
                    backend(e)
                }
            })?;
            Ok(())
        })
        .await
    }

    async fn withdraw_consent(
        &self,
        citizen: &UserId,
        unit: &UnitId,
        purpose: Purpose,
        channel: Channel,
        at_ms: i64,
        only_by_parent: bool,
    ) -> Result<Option<String>, StoreError> {
        let (citizen, unit) = (citizen.clone(), unit.clone());
        self.write(move |conn| {
            conn.query_row(
                "UPDATE consents SET withdrawn_at = ?5 WHERE citizen_id = ?1 AND unit_id = ?2
                 AND purpose = ?3 AND channel = ?4 AND withdrawn_at IS NULL
                 AND (by_parent = 1 OR NOT ?6) RETURNING id",
                params![
                    citizen.as_str(),
                    unit.as_str(),
                    codec::purpose_text(purpose),
                    codec::channel_text(channel),
                    at_ms,
                    only_by_parent
                ],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn consents_of(&self, citizen: &UserId) -> Result<Vec<ConsentRecord>, StoreError> {
        let citizen = citizen.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {CONSENT_COLUMNS} FROM consents WHERE citizen_id = ?1 ORDER BY given_at, id"
                ))
                .map_err(backend)?;
            let rows = stmt.query_map([citizen.as_str()], consent).map_err(backend)?;
            collect(rows)
        })
        .await
    }

    async fn set_born(
        &self,
        user: &UserId,
        born: Option<samtale_proto::clock::Date>,
    ) -> Result<bool, StoreError> {
        let user = user.clone();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE users SET born = ?2 WHERE id = ?1",
                    params![user.as_str(), born.map(|d| d.iso())],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn born(&self, user: &UserId) -> Result<Option<samtale_proto::clock::Date>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
            let text: Option<Option<String>> = conn
                .query_row(
                    "SELECT born FROM users WHERE id = ?1",
                    [user.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            Ok(text
                .flatten()
                .and_then(|t| samtale_proto::clock::Date::parse(&t)))
        })
        .await
    }

    async fn set_contact_code(
        &self,
        citizen: &UserId,
        channel: Channel,
        code: &ContactCode,
    ) -> Result<bool, StoreError> {
        let (citizen, code) = (citizen.clone(), code.clone());
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE contacts SET code_sealed = ?3, code_expires = ?4, code_attempts = ?5
                     WHERE citizen_id = ?1 AND channel = ?2",
                    params![
                        citizen.as_str(),
                        codec::channel_text(channel),
                        code.sealed,
                        code.expires_at_ms,
                        code.attempts
                    ],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn contact_code(
        &self,
        citizen: &UserId,
        channel: Channel,
    ) -> Result<Option<ContactCode>, StoreError> {
        let citizen = citizen.clone();
        self.read(move |conn| {
            let row: Option<(Option<Vec<u8>>, Option<i64>, u32)> = conn
                .query_row(
                    "SELECT code_sealed, code_expires, code_attempts FROM contacts
                     WHERE citizen_id = ?1 AND channel = ?2",
                    [citizen.as_str(), codec::channel_text(channel)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(backend)?;
            Ok(match row {
                Some((Some(sealed), Some(expires_at_ms), attempts)) => Some(ContactCode {
                    sealed,
                    expires_at_ms,
                    attempts,
                }),
                _ => None,
            })
        })
        .await
    }

    async fn count_code_attempt(
        &self,
        citizen: &UserId,
        channel: Channel,
    ) -> Result<u32, StoreError> {
        let citizen = citizen.clone();
        self.write(move |conn| {
            let n: Option<u32> = conn
                .query_row(
                    "UPDATE contacts SET code_attempts = code_attempts + 1
                     WHERE citizen_id = ?1 AND channel = ?2 AND code_sealed IS NOT NULL
                     RETURNING code_attempts",
                    [citizen.as_str(), codec::channel_text(channel)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            Ok(n.unwrap_or(0))
        })
        .await
    }

    async fn set_contact_state(
        &self,
        citizen: &UserId,
        channel: Channel,
        state: ContactState,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let citizen = citizen.clone();
        self.write(move |conn| {
            let sql = match state {
                ContactState::Verified => {
                    "UPDATE contacts SET state = ?3, verified_at = ?4, failed_at = NULL,
                     code_sealed = NULL, code_expires = NULL, code_attempts = 0
                     WHERE citizen_id = ?1 AND channel = ?2"
                }
                ContactState::Bounced => {
                    "UPDATE contacts SET state = ?3, failed_at = ?4 WHERE citizen_id = ?1 AND channel = ?2"
                }
                ContactState::Unverified => {
                    "UPDATE contacts SET state = ?3, verified_at = NULL, updated_at = ?4
                     WHERE citizen_id = ?1 AND channel = ?2"
                }
            };
            let n = conn
                .execute(
                    sql,
                    params![
                        citizen.as_str(),
                        codec::channel_text(channel),
                        codec::contact_state_text(state),
                        at_ms
                    ],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn enqueue_notice(&self, n: &QueuedNotice) -> Result<(), StoreError> {
        let n = n.clone();
        self.write(move |conn| insert_notice(conn, &n)).await
    }

    async fn claim_notices(
        &self,
        now_ms: i64,
        lease_cut_ms: i64,
        limit: u32,
    ) -> Result<Vec<QueuedNotice>, StoreError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE notices SET state = 'uncertain',
                 reason = 'serveren stoppede under afsendelsen; sendes ikke igen'
                 WHERE state = 'sending' AND claimed_at < ?1",
                [lease_cut_ms],
            )
            .map_err(backend)?;
            let mut due = notices_where(
                conn,
                "state = 'queued' AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
                params![now_ms, limit],
            )?;
            for n in &mut due {
                conn.execute(
                    "UPDATE notices SET state = 'sending', attempts = attempts + 1, claimed_at = ?2
                     WHERE id = ?1",
                    params![n.id, now_ms],
                )
                .map_err(backend)?;
                n.state = NoticeState::Sending;
                n.attempts += 1;
            }
            Ok(due)
        })
        .await
    }

    async fn update_notice(
        &self,
        nid: &str,
        expect: NoticeState,
        u: &NoticeUpdate,
    ) -> Result<bool, StoreError> {
        let (nid, u) = (nid.to_owned(), u.clone());
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE notices SET state = ?3, reason = ?4, next_at = COALESCE(?5, next_at),
                     sent_at = COALESCE(?6, sent_at), gateway_ref = COALESCE(?7, gateway_ref)
                     WHERE id = ?1 AND state = ?2",
                    params![
                        nid,
                        codec::notice_state_text(expect),
                        codec::notice_state_text(u.state),
                        u.reason,
                        u.next_at_ms,
                        u.sent_at_ms,
                        u.gateway_ref
                    ],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn notice(&self, nid: &str) -> Result<Option<QueuedNotice>, StoreError> {
        let nid = nid.to_owned();
        self.read(move |conn| Ok(notices_where(conn, "id = ?1", [nid])?.pop()))
            .await
    }

    async fn notice_by_ref(
        &self,
        channel: Channel,
        gateway_ref: &str,
    ) -> Result<Option<QueuedNotice>, StoreError> {
        let r = gateway_ref.to_owned();
        self.read(move |conn| {
            Ok(notices_where(
                conn,
                "channel = ?1 AND gateway_ref = ?2 LIMIT 1",
                params![codec::channel_text(channel), r],
            )?
            .pop())
        })
        .await
    }

    async fn notices_of(
        &self,
        citizen: &UserId,
        limit: u32,
    ) -> Result<Vec<QueuedNotice>, StoreError> {
        let citizen = citizen.clone();
        self.read(move |conn| {
            notices_where(
                conn,
                "citizen_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2",
                params![citizen.as_str(), limit],
            )
        })
        .await
    }

    async fn next_notice_at(&self) -> Result<Option<i64>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT min(next_at) FROM notices WHERE state = 'queued'",
                [],
                |r| r.get(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn watch_unread(&self, w: &Watch) -> Result<(), StoreError> {
        let w = w.clone();
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO notice_watch ({WATCH_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL)
                 ON CONFLICT (citizen_id, thread_id) DO NOTHING"),
                params![
                    w.citizen.as_str(),
                    w.thread.as_str(),
                    w.tenant.as_str(),
                    w.unit.as_str(),
                    w.unread_since_ms,
                    w.next_look_ms
                ],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn clear_unread(&self, citizen: &UserId, thread: &ThreadId) -> Result<(), StoreError> {
        let (citizen, thread) = (citizen.clone(), thread.clone());
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM notice_watch WHERE citizen_id = ?1 AND thread_id = ?2",
                [citizen.as_str(), thread.as_str()],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn claim_watches(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: u32,
    ) -> Result<Vec<Watch>, StoreError> {
        self.write(move |conn| {
            let due = {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {WATCH_COLUMNS} FROM notice_watch WHERE next_look <= ?1
                         ORDER BY next_look, citizen_id, thread_id LIMIT ?2"
                    ))
                    .map_err(backend)?;
                let rows = stmt.query_map(params![now_ms, limit], watch).map_err(backend)?;
                collect(rows)?
            };
            let mut due = due;
            for w in &mut due {
                conn.execute(
                    "UPDATE notice_watch SET next_look = ?3 WHERE citizen_id = ?1 AND thread_id = ?2",
                    params![w.citizen.as_str(), w.thread.as_str(), lease_until_ms],
                )
                .map_err(backend)?;
                w.next_look_ms = lease_until_ms;
            }
            Ok(due)
        })
        .await
    }

    async fn decide_watch(
        &self,
        claimed: &Watch,
        next_look_ms: i64,
        unreachable: &[String],
        at_ms: i64,
        notice: Option<&QueuedNotice>,
    ) -> Result<bool, StoreError> {
        let (citizen, thread) = (claimed.citizen.clone(), claimed.thread.clone());
        let leased = claimed.next_look_ms;
        let unreachable = if unreachable.is_empty() {
            None
        } else {
            Some(codec::to_json(&unreachable)?)
        };
        let notice = notice.cloned();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE notice_watch SET unreachable = ?4, decided_at = ?5,
                     next_look = CASE WHEN next_look = ?6 THEN ?3 ELSE next_look END
                     WHERE citizen_id = ?1 AND thread_id = ?2",
                    params![
                        citizen.as_str(),
                        thread.as_str(),
                        next_look_ms,
                        unreachable,
                        at_ms,
                        leased
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return Ok(false);
            }
            if let Some(notice) = &notice {
                insert_notice(conn, notice)?;
            }
            Ok(true)
        })
        .await
    }

    async fn look_again(&self, citizen: &UserId, now_ms: i64) -> Result<(), StoreError> {
        let citizen = citizen.clone();
        self.write(move |conn| {
            conn.execute(
                "UPDATE notice_watch SET next_look = ?2 WHERE citizen_id = ?1 AND next_look > ?2",
                params![citizen.as_str(), now_ms],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn unreachable_watches(&self, tenant: &TenantId) -> Result<Vec<Watch>, StoreError> {
        let tenant = tenant.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {WATCH_COLUMNS} FROM notice_watch
                     WHERE tenant_id = ?1 AND unreachable IS NOT NULL
                     ORDER BY unread_since, citizen_id, thread_id"
                ))
                .map_err(backend)?;
            let rows = stmt.query_map([tenant.as_str()], watch).map_err(backend)?;
            collect(rows)
        })
        .await
    }
}
