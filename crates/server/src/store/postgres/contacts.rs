//! The contact register of the PostgreSQL store (`ContactIndex`): sealed values only.

use samtale_proto::UserId;
use samtale_proto::notices::Channel;
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, query};
use crate::store::codec::{self, id};
use crate::store::{ContactIndex, ContactRecord, StoreError};

fn record(r: &Row) -> Result<ContactRecord, StoreError> {
    Ok(ContactRecord {
        citizen: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        channel: codec::channel(col(r, 2)?)?,
        sealed: col(r, 3)?,
        state: codec::contact_state(col(r, 4)?)?,
        source: col(r, 5)?,
        updated_at_ms: col(r, 6)?,
        verified_at_ms: col(r, 7)?,
        failed_at_ms: col(r, 8)?,
    })
}

impl ContactIndex for PgStore {
    async fn put_contact(&self, r: &ContactRecord) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            "INSERT INTO contacts (citizen_id, channel, tenant_id, value, state, source, updated_at, verified_at, failed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (citizen_id, channel) DO UPDATE SET tenant_id = EXCLUDED.tenant_id,
                 value = EXCLUDED.value, state = EXCLUDED.state, source = EXCLUDED.source,
                 updated_at = EXCLUDED.updated_at, verified_at = EXCLUDED.verified_at,
                 failed_at = EXCLUDED.failed_at,
                 code_sealed = NULL, code_expires = NULL, code_attempts = 0",
            &[
                &r.citizen.as_str(),
                &codec::channel_text(r.channel),
                &r.tenant.as_str(),
                &r.sealed,
                &codec::contact_state_text(r.state),
                &r.source,
                &r.updated_at_ms,
                &r.verified_at_ms,
                &r.failed_at_ms,
            ],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn register_of(&self, citizen: &UserId) -> Result<Vec<ContactRecord>, StoreError> {
        let conn = self.conn().await?;
        let rows = query(
            &conn,
            "SELECT citizen_id, tenant_id, channel, value, state, source, updated_at, verified_at, failed_at
             FROM contacts WHERE citizen_id = $1 ORDER BY channel DESC",
            &[&citizen.as_str()],
        )
        .await
        .map_err(backend)?;
        rows.iter().map(record).collect()
    }

    async fn delete_contact(&self, citizen: &UserId, channel: Channel) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let n = execute(
            &conn,
            "DELETE FROM contacts WHERE citizen_id = $1 AND channel = $2",
            &[&citizen.as_str(), &codec::channel_text(channel)],
        )
        .await
        .map_err(backend)?;
        Ok(n > 0)
    }
}
