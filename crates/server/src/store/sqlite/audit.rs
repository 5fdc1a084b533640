//! The audit log of the SQLite store: entries appended per tenant and read back in order
//! (the schema refuses UPDATE and DELETE).

use rusqlite::params;
use samtale_proto::TenantId;

use super::{SqliteStore, backend};
use crate::store::codec::{id, opt_id};
use crate::store::{AuditEntry, StoreError};

pub(super) async fn audit(store: &SqliteStore, entry: &AuditEntry) -> Result<(), StoreError> {
    let a = entry.clone();
    store.write(move |conn| {
        conn.execute(
            "INSERT INTO audit (tenant, at, actor, action, subject) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.tenant.as_str(), a.at_ms, a.actor.as_ref().map(|u| u.as_str()), a.action, a.subject],
        )
        .map_err(backend)?;
        Ok(())
    })
    .await
}

pub(super) async fn audit_once(
    store: &SqliteStore,
    entry: &AuditEntry,
) -> Result<bool, StoreError> {
    let a = entry.clone();
    store.write(move |conn| {
        let n = conn.execute(
            "INSERT INTO audit (tenant, at, actor, action, subject) SELECT ?1, ?2, ?3, ?4, ?5
             WHERE NOT EXISTS (SELECT 1 FROM audit WHERE tenant = ?1 AND action = ?4 AND subject = ?5)",
            params![a.tenant.as_str(), a.at_ms, a.actor.as_ref().map(|u| u.as_str()), a.action, a.subject],
        )
        .map_err(backend)?;
        Ok(n == 1)
    })
    .await
}

pub(super) async fn audit_log(
    store: &SqliteStore,
    tenant: &TenantId,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let tenant = tenant.clone();
    store.read(move |conn| {
        let mut stmt = conn
            .prepare_cached("SELECT tenant, at, actor, action, subject FROM audit WHERE tenant = ?1 ORDER BY id LIMIT ?2")
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![tenant.as_str(), limit], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
            })
            .map_err(backend)?;
        rows.map(|r| {
            let (t, at, actor, action, subject) = r.map_err(backend)?;
            Ok(AuditEntry { tenant: id(t)?, at_ms: at, actor: opt_id(actor)?, action, subject })
        })
        .collect()
    })
    .await
}
