//! Units of the PostgreSQL store (`UnitIndex`).

use samtale_proto::{TenantId, UnitId, UserId};
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, query, query_opt, unique_or_backend};
use crate::store::codec::{id, letterhead_from, letterhead_to, opt_id};
use crate::store::{StoreError, Unit, UnitIndex};

fn unit_from(r: &Row) -> Result<Unit, StoreError> {
    Ok(Unit {
        id: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        name: col(r, 2)?,
        created_at_ms: col(r, 3)?,
        letterhead: letterhead_from(col(r, 4)?)?,
    })
}

impl UnitIndex for PgStore {
    async fn create_unit(&self, unit: &Unit) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            "INSERT INTO units (id, tenant_id, name, name_key, created_at, letterhead) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &unit.id.as_str(),
                &unit.tenant.as_str(),
                &unit.name,
                &unit.name.to_lowercase(),
                &unit.created_at_ms,
                &letterhead_to(&unit.letterhead)?,
            ],
        )
        .await
        .map_err(|e| unique_or_backend(e, "unit"))?;
        Ok(())
    }

    async fn update_unit(&self, unit: &Unit) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        let n = execute(
            &conn,
            "UPDATE units SET name = $3, name_key = $4, letterhead = $5 WHERE id = $1 AND tenant_id = $2",
            &[
                &unit.id.as_str(),
                &unit.tenant.as_str(),
                &unit.name,
                &unit.name.to_lowercase(),
                &letterhead_to(&unit.letterhead)?,
            ],
        )
        .await
        .map_err(|e| unique_or_backend(e, "unit"))?;
        if n == 0 {
            return Err(StoreError::NotFound("unit"));
        }
        Ok(())
    }

    async fn units_of(&self, tenant: &TenantId) -> Result<Vec<Unit>, StoreError> {
        let conn = self.conn().await?;
        let rows = query(
            &conn,
            "SELECT id, tenant_id, name, created_at, letterhead FROM units WHERE tenant_id = $1 ORDER BY name_key",
            &[&tenant.as_str()],
        )
        .await
        .map_err(backend)?;
        rows.iter().map(unit_from).collect()
    }

    async fn unit(&self, unit: &UnitId) -> Result<Option<Unit>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "SELECT id, tenant_id, name, created_at, letterhead FROM units WHERE id = $1",
            &[&unit.as_str()],
        )
        .await
        .map_err(backend)?;
        row.as_ref().map(unit_from).transpose()
    }

    async fn set_staff_unit(&self, user: &UserId, unit: Option<&UnitId>) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        let tenant = query_opt(
            &conn,
            "SELECT tenant FROM users WHERE id = $1",
            &[&user.as_str()],
        )
        .await
        .map_err(backend)?;
        let Some(tenant) = tenant else {
            return Err(StoreError::NotFound("person"));
        };
        let tenant: String = col(&tenant, 0)?;
        match unit {
            None => {
                execute(
                    &conn,
                    "DELETE FROM unit_staff WHERE user_id = $1",
                    &[&user.as_str()],
                )
                .await
                .map_err(backend)?;
            }
            Some(unit) => {
                // One statement: the unit must be the person's municipality's.
                let n = execute(
                    &conn,
                    "INSERT INTO unit_staff (user_id, unit_id)
                     SELECT $1, id FROM units WHERE id = $2 AND tenant_id = $3
                     ON CONFLICT (user_id) DO UPDATE SET unit_id = EXCLUDED.unit_id",
                    &[&user.as_str(), &unit.as_str(), &tenant],
                )
                .await
                .map_err(backend)?;
                if n == 0 {
                    return Err(StoreError::NotFound("unit"));
                }
            }
        }
        Ok(())
    }

    async fn staff_unit(&self, user: &UserId) -> Result<Option<UnitId>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "SELECT unit_id FROM unit_staff WHERE user_id = $1",
            &[&user.as_str()],
        )
        .await
        .map_err(backend)?;
        opt_id(row.as_ref().map(|r| col::<String>(r, 0)).transpose()?)
    }
}
