//! The audit log of the PostgreSQL store: entries appended per tenant and read back in order
//! (the schema's triggers refuse UPDATE, DELETE and TRUNCATE).

use samtale_proto::{TenantId, UserId};

use super::{PgStore, backend, col, execute, query};
use crate::store::codec::{id, opt_id};
use crate::store::{AuditEntry, StoreError};

pub(super) async fn audit(store: &PgStore, entry: &AuditEntry) -> Result<(), StoreError> {
    let a = entry;
    let conn = store.conn().await?;
    execute(
        &conn,
        "INSERT INTO audit (tenant, at, actor, action, subject) VALUES ($1, $2, $3, $4, $5)",
        &[
            &a.tenant.as_str(),
            &a.at_ms,
            &a.actor.as_ref().map(UserId::as_str),
            &a.action,
            &a.subject,
        ],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

pub(super) async fn audit_once(store: &PgStore, entry: &AuditEntry) -> Result<bool, StoreError> {
    let a = entry;
    let conn = store.conn().await?;
    let n = execute(
        &conn,
        "INSERT INTO audit (tenant, at, actor, action, subject) SELECT $1, $2, $3, $4, $5
         WHERE NOT EXISTS (SELECT 1 FROM audit WHERE tenant = $1 AND action = $4 AND subject = $5)",
        &[
            &a.tenant.as_str(),
            &a.at_ms,
            &a.actor.as_ref().map(UserId::as_str),
            &a.action,
            &a.subject,
        ],
    )
    .await
    .map_err(backend)?;
    Ok(n == 1)
}

pub(super) async fn audit_log(
    store: &PgStore,
    tenant: &TenantId,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let conn = store.conn().await?;
    query(
        &conn,
        "SELECT tenant, at, actor, action, subject FROM audit WHERE tenant = $1 ORDER BY id LIMIT $2",
        &[&tenant.as_str(), &i64::from(limit)],
    )
    .await
    .map_err(backend)?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            tenant: id(col(r, 0)?)?,
            at_ms: col(r, 1)?,
            actor: opt_id(col(r, 2)?)?,
            action: col(r, 3)?,
            subject: col(r, 4)?,
        })
    })
    .collect()
}
