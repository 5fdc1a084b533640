//! Consents, contact codes and the notice queue of the PostgreSQL store (`NoticeIndex`). Due
//! notices are claimed `FOR UPDATE SKIP LOCKED`: nodes claiming at once split the queue, and
//! none hands out a notice another has.

use samtale_proto::notices::{Channel, Consent, ContactState, NoticeState, Purpose};
use samtale_proto::{TenantId, ThreadId, UnitId, UserId};
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, query, query_opt, unique_or_backend};
use crate::store::codec::{self, id};
use crate::store::{
    ConsentRecord, ContactCode, NoticeIndex, NoticeUpdate, QueuedNotice, StoreError, Watch,
};

const CONSENT_COLUMNS: &str = "id, tenant_id, citizen_id, unit_id, purpose, channel, given_at, given_by, by_parent, how, withdrawn_at";
const NOTICE_COLUMNS: &str = "id, tenant_id, citizen_id, channel, kind, dest, body, state, attempts, next_at, created_at, sent_at, gateway_ref, reason";

fn consent(r: &Row) -> Result<ConsentRecord, StoreError> {
    Ok(ConsentRecord {
        id: col(r, 0)?,
        tenant: id(col(r, 1)?)?,
        consent: Consent {
            citizen: id(col(r, 2)?)?,
            unit: col(r, 3)?,
            purpose: codec::purpose(col(r, 4)?)?,
            channel: codec::channel(col(r, 5)?)?,
            given_at_ms: col(r, 6)?,
            given_by: id(col(r, 7)?)?,
            by_parent: col(r, 8)?,
            how: codec::from_json(col(r, 9)?)?,
            withdrawn_at_ms: col(r, 10)?,
        },
    })
}

fn notice(r: &Row) -> Result<QueuedNotice, StoreError> {
    let attempts: i32 = col(r, 8)?;
    Ok(QueuedNotice {
        id: col(r, 0)?,
        tenant: id(col(r, 1)?)?,
        citizen: id(col(r, 2)?)?,
        channel: codec::channel(col(r, 3)?)?,
        kind: codec::notice_kind(col(r, 4)?)?,
        dest: col(r, 5)?,
        body: col(r, 6)?,
        state: codec::notice_state(col(r, 7)?)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_at_ms: col(r, 9)?,
        created_at_ms: col(r, 10)?,
        sent_at_ms: col(r, 11)?,
        gateway_ref: col(r, 12)?,
        reason: col(r, 13)?,
    })
}

const WATCH_COLUMNS: &str =
    "citizen_id, thread_id, tenant_id, unit_id, unread_since, next_look, unreachable, decided_at";

fn watch(r: &Row) -> Result<Watch, StoreError> {
    let unreachable: Option<String> = col(r, 6)?;
    Ok(Watch {
        citizen: id(col(r, 0)?)?,
        thread: id(col(r, 1)?)?,
        tenant: id(col(r, 2)?)?,
        unit: id(col(r, 3)?)?,
        unread_since_ms: col(r, 4)?,
        next_look_ms: col(r, 5)?,
        unreachable: match unreachable {
            Some(j) => codec::from_json(&j)?,
            None => Vec::new(),
        },
        decided_at_ms: col(r, 7)?,
    })
}

async fn insert_notice<C: deadpool_postgres::GenericClient>(
    c: &C,
    n: &QueuedNotice,
) -> Result<(), StoreError> {
    execute(
        c,
        &format!("INSERT INTO notices ({NOTICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"),
        &[
            &n.id,
            &n.tenant.as_str(),
            &n.citizen.as_str(),
            &codec::channel_text(n.channel),
            &codec::notice_kind_text(n.kind),
            &n.dest,
            &n.body,
            &codec::notice_state_text(n.state),
            &small(n.attempts),
            &n.next_at_ms,
            &n.created_at_ms,
            &n.sent_at_ms,
            &n.gateway_ref,
            &n.reason,
        ],
    )
    .await
    .map_err(|e| unique_or_backend(e, "notice"))?;
    Ok(())
}

fn small(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl NoticeIndex for PgStore {
    async fn add_consent(&self, r: &ConsentRecord) -> Result<(), StoreError> {
        let how = codec::to_json(&r.consent.how)?;
        let c = &r.consent;
        let conn = self.conn().await?;
        execute(
            &conn,
            &format!("INSERT INTO consents ({CONSENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            &[
                &r.id,
                &r.tenant.as_str(),
                &c.citizen.as_str(),
                &c.unit,
                &codec::purpose_text(c.purpose),
                &codec::channel_text(c.channel),
                &c.given_at_ms,
                &c.given_by.as_str(),
                &c.by_parent,
                &how,
                &c.withdrawn_at_ms,
            ],
        )
        .await
        .map_err(|e| unique_or_backend(e, "consent"))?;
        Ok(())
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
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "UPDATE consents SET withdrawn_at = $5 WHERE citizen_id = $1 AND unit_id = $2
             AND purpose = $3 AND channel = $4 AND withdrawn_at IS NULL
             AND (by_parent OR NOT $6::BOOLEAN) RETURNING id",
            &[
                &citizen.as_str(),
                &unit.as_str(),
                &codec::purpose_text(purpose),
                &codec::channel_text(channel),
                &at_ms,
                &only_by_parent,
            ],
        )
        .await
        .map_err(backend)?;
        row.map(|r| col(&r, 0)).transpose()
    }

    async fn consents_of(&self, citizen: &UserId) -> Result<Vec<ConsentRecord>, StoreError> {
        let conn = self.conn().await?;
        let rows = query(
            &conn,
            &format!(
                "SELECT {CONSENT_COLUMNS} FROM consents WHERE citizen_id = $1 ORDER BY given_at, id"
            ),
            &[&citizen.as_str()],
        )
        .await
        .map_err(backend)?;
        rows.iter().map(consent).collect()
    }

    async fn set_born(
        &self,
        user: &UserId,
        born: Option<samtale_proto::clock::Date>,
    ) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let n = execute(
            &conn,
            "UPDATE users SET born = $2 WHERE id = $1",
            &[&user.as_str(), &born.map(|d| d.iso())],
        )
        .await
        .map_err(backend)?;
        Ok(n > 0)
    }

    async fn born(&self, user: &UserId) -> Result<Option<samtale_proto::clock::Date>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "SELECT born FROM users WHERE id = $1",
            &[&user.as_str()],
        )
        .await
        .map_err(backend)?;
        let text: Option<String> = match row {
            Some(r) => col(&r, 0)?,
            None => None,
        };
        Ok(text.and_then(|t| samtale_proto::clock::Date::parse(&t)))
    }

    async fn set_contact_code(
        &self,
        citizen: &UserId,
        channel: Channel,
        code: &ContactCode,
    ) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let n = execute(
            &conn,
            "UPDATE contacts SET code_sealed = $3, code_expires = $4, code_attempts = $5
             WHERE citizen_id = $1 AND channel = $2",
            &[
                &citizen.as_str(),
                &codec::channel_text(channel),
                &code.sealed,
                &code.expires_at_ms,
                &small(code.attempts),
            ],
        )
        .await
        .map_err(backend)?;
        Ok(n > 0)
    }

    async fn contact_code(
        &self,
        citizen: &UserId,
        channel: Channel,
    ) -> Result<Option<ContactCode>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "SELECT code_sealed, code_expires, code_attempts FROM contacts
             WHERE citizen_id = $1 AND channel = $2",
            &[&citizen.as_str(), &codec::channel_text(channel)],
        )
        .await
        .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let (sealed, expires, attempts): (Option<Vec<u8>>, Option<i64>, i32) =
            (col(&row, 0)?, col(&row, 1)?, col(&row, 2)?);
        Ok(match (sealed, expires) {
            (Some(sealed), Some(expires_at_ms)) => Some(ContactCode {
                sealed,
                expires_at_ms,
                attempts: u32::try_from(attempts).unwrap_or(0),
            }),
            _ => None,
        })
    }

    async fn count_code_attempt(
        &self,
        citizen: &UserId,
        channel: Channel,
    ) -> Result<u32, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "UPDATE contacts SET code_attempts = code_attempts + 1
             WHERE citizen_id = $1 AND channel = $2 AND code_sealed IS NOT NULL
             RETURNING code_attempts",
            &[&citizen.as_str(), &codec::channel_text(channel)],
        )
        .await
        .map_err(backend)?;
        match row {
            Some(r) => Ok(u32::try_from(col::<i32>(&r, 0)?).unwrap_or(0)),
            None => Ok(0),
        }
    }

    async fn set_contact_state(
        &self,
        citizen: &UserId,
        channel: Channel,
        state: ContactState,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let sql = match state {
            ContactState::Verified => {
                "UPDATE contacts SET state = $3, verified_at = $4, failed_at = NULL,
                 code_sealed = NULL, code_expires = NULL, code_attempts = 0
                 WHERE citizen_id = $1 AND channel = $2"
            }
            ContactState::Bounced => {
                "UPDATE contacts SET state = $3, failed_at = $4 WHERE citizen_id = $1 AND channel = $2"
            }
            ContactState::Unverified => {
                "UPDATE contacts SET state = $3, verified_at = NULL, updated_at = $4
                 WHERE citizen_id = $1 AND channel = $2"
            }
        };
        let conn = self.conn().await?;
        let n = execute(
            &conn,
            sql,
            &[
                &citizen.as_str(),
                &codec::channel_text(channel),
                &codec::contact_state_text(state),
                &at_ms,
            ],
        )
        .await
        .map_err(backend)?;
        Ok(n > 0)
    }

    async fn enqueue_notice(&self, n: &QueuedNotice) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        insert_notice(&conn, n).await
    }

    async fn claim_notices(
        &self,
        now_ms: i64,
        lease_cut_ms: i64,
        limit: u32,
    ) -> Result<Vec<QueuedNotice>, StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        execute(
            &tx,
            "UPDATE notices SET state = 'uncertain',
             reason = 'serveren stoppede under afsendelsen; sendes ikke igen'
             WHERE state = 'sending' AND claimed_at < $1",
            &[&lease_cut_ms],
        )
        .await
        .map_err(backend)?;
        let rows = query(
            &tx,
            &format!(
                "SELECT {NOTICE_COLUMNS} FROM notices WHERE state = 'queued' AND next_at <= $1
                 ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED"
            ),
            &[&now_ms, &i64::from(limit)],
        )
        .await
        .map_err(backend)?;
        let mut due = rows.iter().map(notice).collect::<Result<Vec<_>, _>>()?;
        for n in &mut due {
            execute(
                &tx,
                "UPDATE notices SET state = 'sending', attempts = attempts + 1, claimed_at = $2
                 WHERE id = $1",
                &[&n.id, &now_ms],
            )
            .await
            .map_err(backend)?;
            n.state = NoticeState::Sending;
            n.attempts += 1;
        }
        tx.commit().await.map_err(backend)?;
        Ok(due)
    }

    async fn update_notice(
        &self,
        nid: &str,
        expect: NoticeState,
        u: &NoticeUpdate,
    ) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let n = execute(
            &conn,
            "UPDATE notices SET state = $3, reason = $4, next_at = COALESCE($5, next_at),
             sent_at = COALESCE($6, sent_at), gateway_ref = COALESCE($7, gateway_ref)
             WHERE id = $1 AND state = $2",
            &[
                &nid,
                &codec::notice_state_text(expect),
                &codec::notice_state_text(u.state),
                &u.reason,
                &u.next_at_ms,
                &u.sent_at_ms,
                &u.gateway_ref,
            ],
        )
        .await
        .map_err(backend)?;
        Ok(n > 0)
    }

    async fn notice(&self, nid: &str) -> Result<Option<QueuedNotice>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            &format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1"),
            &[&nid],
        )
        .await
        .map_err(backend)?;
        row.as_ref().map(notice).transpose()
    }

    async fn notice_by_ref(
        &self,
        channel: Channel,
        gateway_ref: &str,
    ) -> Result<Option<QueuedNotice>, StoreError> {
        let conn = self.conn().await?;
        let rows = query(
            &conn,
            &format!(
                "SELECT {NOTICE_COLUMNS} FROM notices WHERE channel = $1 AND gateway_ref = $2 LIMIT 1"
            ),
            &[&codec::channel_text(channel), &gateway_ref],
        )
        .await
        .map_err(backend)?;
        rows.first().map(notice).transpose()
    }

    async fn notices_of(
        &self,
        citizen: &UserId,
        limit: u32,
    ) -> Result<Vec<QueuedNotice>, StoreError> {
        let conn = self.conn().await?;
        let rows = query(
            &conn,
            &format!(
                "SELECT {NOTICE_COLUMNS} FROM notices WHERE citizen_id = $1
                 ORDER BY created_at DESC, id DESC LIMIT $2"
            ),
            &[&citizen.as_str(), &i64::from(limit)],
        )
        .await
        .map_err(backend)?;
        rows.iter().map(notice).collect()
    }

    async fn next_notice_at(&self) -> Result<Option<i64>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "SELECT min(next_at) FROM notices WHERE state = 'queued'",
            &[],
        )
        .await
        .map_err(backend)?;
        match row {
            Some(r) => col(&r, 0),
            None => Ok(None),
        }
    }

    async fn watch_unread(&self, w: &Watch) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            &format!("INSERT INTO notice_watch ({WATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)
             ON CONFLICT (citizen_id, thread_id) DO NOTHING"),
            &[
                &w.citizen.as_str(),
                &w.thread.as_str(),
                &w.tenant.as_str(),
                &w.unit.as_str(),
                &w.unread_since_ms,
                &w.next_look_ms,
            ],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn clear_unread(&self, citizen: &UserId, thread: &ThreadId) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            "DELETE FROM notice_watch WHERE citizen_id = $1 AND thread_id = $2",
            &[&citizen.as_str(), &thread.as_str()],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn claim_watches(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: u32,
    ) -> Result<Vec<Watch>, StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        let rows = query(
            &tx,
            &format!(
                "SELECT {WATCH_COLUMNS} FROM notice_watch WHERE next_look <= $1
                 ORDER BY next_look, citizen_id, thread_id LIMIT $2 FOR UPDATE SKIP LOCKED"
            ),
            &[&now_ms, &i64::from(limit)],
        )
        .await
        .map_err(backend)?;
        let mut due = rows.iter().map(watch).collect::<Result<Vec<_>, _>>()?;
        for w in &mut due {
            execute(
                &tx,
                "UPDATE notice_watch SET next_look = $3 WHERE citizen_id = $1 AND thread_id = $2",
                &[&w.citizen.as_str(), &w.thread.as_str(), &lease_until_ms],
            )
            .await
            .map_err(backend)?;
            w.next_look_ms = lease_until_ms;
        }
        tx.commit().await.map_err(backend)?;
        Ok(due)
    }

    async fn decide_watch(
        &self,
        claimed: &Watch,
        next_look_ms: i64,
        unreachable: &[String],
        at_ms: i64,
        notice: Option<&QueuedNotice>,
    ) -> Result<bool, StoreError> {
        let unreachable = if unreachable.is_empty() {
            None
        } else {
            Some(codec::to_json(&unreachable)?)
        };
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        let n = execute(
            &tx,
            "UPDATE notice_watch SET unreachable = $4, decided_at = $5,
             next_look = CASE WHEN next_look = $6 THEN $3 ELSE next_look END
             WHERE citizen_id = $1 AND thread_id = $2",
            &[
                &claimed.citizen.as_str(),
                &claimed.thread.as_str(),
                &next_look_ms,
                &unreachable,
                &at_ms,
                &claimed.next_look_ms,
            ],
        )
        .await
        .map_err(backend)?;
        if n == 0 {
            return Ok(false);
        }
        if let Some(notice) = notice {
            insert_notice(&tx, notice).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn look_again(&self, citizen: &UserId, now_ms: i64) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            "UPDATE notice_watch SET next_look = $2 WHERE citizen_id = $1 AND next_look > $2",
            &[&citizen.as_str(), &now_ms],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn unreachable_watches(&self, tenant: &TenantId) -> Result<Vec<Watch>, StoreError> {
        let conn = self.conn().await?;
        let rows = query(
            &conn,
            &format!(
                "SELECT {WATCH_COLUMNS} FROM notice_watch
                 WHERE tenant_id = $1 AND unreachable IS NOT NULL
                 ORDER BY unread_since, citizen_id, thread_id"
            ),
            &[&tenant.as_str()],
        )
        .await
        .map_err(backend)?;
        rows.iter().map(watch).collect()
    }
}
