//! Units of the SQLite store (`UnitIndex`).

use rusqlite::{OptionalExtension, params};
use samtale_proto::{TenantId, UnitId, UserId};

use super::{SqliteStore, backend, is_unique_violation};
use crate::store::codec::{id, letterhead_from, letterhead_to, opt_id};
use crate::store::{StoreError, Unit, UnitIndex};

type Row = (String, String, String, i64, Option<String>);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn unit_from(r: Row) -> Result<Unit, StoreError> {
    Ok(Unit {
        id: id(r.0)?,
        tenant: id(r.1)?,
        name: r.2,
        created_at_ms: r.3,
        letterhead: letterhead_from(r.4)?,
    })
}

/// A unit name the municipality already has is a conflict; anything else a backend error.
fn name_taken(e: rusqlite::Error) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict("unit")
    } else {
        backend(e)
    }
}

impl UnitIndex for SqliteStore {
    async fn create_unit(&self, unit: &Unit) -> Result<(), StoreError> {
        let u = unit.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO units (id, tenant_id, name, name_key, created_at, letterhead) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![u.id.as_str(), u.tenant.as_str(), u.name, u.name.to_lowercase(), u.created_at_ms, letterhead_to(&u.letterhead)?],
            )
            .map_err(name_taken)?;
            Ok(())
        })
        .await
    }

    async fn update_unit(&self, unit: &Unit) -> Result<(), StoreError> {
        let u = unit.clone();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE units SET name = ?3, name_key = ?4, letterhead = ?5 WHERE id = ?1 AND tenant_id = ?2",
                    params![u.id.as_str(), u.tenant.as_str(), u.name, u.name.to_lowercase(), letterhead_to(&u.letterhead)?],
                )
                .map_err(name_taken)?;
            if n == 0 {
                return Err(StoreError::NotFound("unit"));
            }
            Ok(())
        })
        .await
    }

    async fn units_of(&self, tenant: &TenantId) -> Result<Vec<Unit>, StoreError> {
        let tenant = tenant.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, tenant_id, name, created_at, letterhead FROM units WHERE tenant_id = ?1 ORDER BY name_key",
                )
                .map_err(backend)?;
            let rows = stmt.query_map([tenant.as_str()], row).map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(unit_from)).collect()
        })
        .await
    }

    async fn unit(&self, unit: &UnitId) -> Result<Option<Unit>, StoreError> {
        let unit = unit.clone();
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, tenant_id, name, created_at, letterhead FROM units WHERE id = ?1",
                [unit.as_str()],
                row,
            )
            .optional()
            .map_err(backend)?
            .map(unit_from)
            .transpose()
        })
        .await
    }

    async fn set_staff_unit(&self, user: &UserId, unit: Option<&UnitId>) -> Result<(), StoreError> {
        let (user, unit) = (user.clone(), unit.cloned());
        self.write(move |conn| {
            let tenant: Option<String> = conn
                .query_row(
                    "SELECT tenant FROM users WHERE id = ?1",
                    [user.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            let Some(tenant) = tenant else {
                return Err(StoreError::NotFound("person"));
            };
            match unit {
                None => {
                    conn.execute("DELETE FROM unit_staff WHERE user_id = ?1", [user.as_str()])
                        .map_err(backend)?;
                }
                Some(unit) => {
                    let same: bool = conn
                        .query_row(
                            "SELECT count(*) FROM units WHERE id = ?1 AND tenant_id = ?2",
                            [unit.as_str(), tenant.as_str()],
                            |r| r.get::<_, i64>(0),
                        )
                        .map_err(backend)?
                        > 0;
                    if !same {
                        return Err(StoreError::NotFound("unit"));
                    }
                    conn.execute(
                        "INSERT INTO unit_staff (user_id, unit_id) VALUES (?1, ?2)
                         ON CONFLICT (user_id) DO UPDATE SET unit_id = excluded.unit_id",
                        [user.as_str(), unit.as_str()],
                    )
                    .map_err(backend)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn staff_unit(&self, user: &UserId) -> Result<Option<UnitId>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
            let unit: Option<String> = conn
                .query_row(
                    "SELECT unit_id FROM unit_staff WHERE user_id = ?1",
                    [user.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            opt_id(unit)
        })
        .await
    }
}
