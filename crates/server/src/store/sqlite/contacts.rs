//! The contact register of the SQLite store (`ContactIndex`): sealed values only.

use rusqlite::params;
use samtale_proto::UserId;
use samtale_proto::notices::Channel;

use super::{SqliteStore, backend};
use crate::store::codec::{self, id};
use crate::store::{ContactIndex, ContactRecord, StoreError};

type Row = (
    String,
    String,
    String,
    Vec<u8>,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

impl ContactIndex for SqliteStore {
    async fn put_contact(&self, record: &ContactRecord) -> Result<(), StoreError> {
        let r = record.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO contacts (citizen_id, channel, tenant_id, value, state, source, updated_at, verified_at, failed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (citizen_id, channel) DO UPDATE SET tenant_id = excluded.tenant_id,
                     value = excluded.value, state = excluded.state, source = excluded.source,
                     updated_at = excluded.updated_at, verified_at = excluded.verified_at,
                     failed_at = excluded.failed_at,
                     code_sealed = NULL, code_expires = NULL, code_attempts = 0",
                params![
                    r.citizen.as_str(),
                    codec::channel_text(r.channel),
                    r.tenant.as_str(),
                    r.sealed,
                    codec::contact_state_text(r.state),
                    r.source,
                    r.updated_at_ms,
                    r.verified_at_ms,
                    r.failed_at_ms
                ],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn register_of(&self, citizen: &UserId) -> Result<Vec<ContactRecord>, StoreError> {
        let citizen = citizen.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT citizen_id, tenant_id, channel, value, state, source, updated_at, verified_at, failed_at
                     FROM contacts WHERE citizen_id = ?1 ORDER BY channel DESC",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([citizen.as_str()], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                })
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(record))
                .collect()
        })
        .await
    }

    async fn delete_contact(&self, citizen: &UserId, channel: Channel) -> Result<bool, StoreError> {
        let citizen = citizen.clone();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "DELETE FROM contacts WHERE citizen_id = ?1 AND channel = ?2",
                    [citizen.as_str(), codec::channel_text(channel)],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }
}

fn record(r: Row) -> Result<ContactRecord, StoreError> {
    Ok(ContactRecord {
        citizen: id(r.0)?,
        tenant: id(r.1)?,
        channel: codec::channel(&r.2)?,
        sealed: r.3,
        state: codec::contact_state(&r.4)?,
        source: r.5,
        updated_at_ms: r.6,
        verified_at_ms: r.7,
        failed_at_ms: r.8,
    })
}
