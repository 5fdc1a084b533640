//! Invitations of the PostgreSQL store: creating and finding them, counting attempts at their
//! code, and redeeming one atomically into a user, a device and a session.

use samtale_proto::{InvitationId, UserId};
use tokio_postgres::Row;

use super::devices::insert_device;
use super::sessions::insert_session;
use super::tenants::insert_user;
use super::{PgStore, backend, col, execute, query, query_opt, unique_or_backend};
use crate::store::codec::{self, id, opt_id};
use crate::store::{Device, Invitation, Session, StoreError, User};

const INVITATION_COLS: &str = "id, tenant, inviter, inviter_device, role, display_name, youth, lookup, \
     check_hash, proof_code, proof_qr, created_at, expires_at, failed_attempts, used_by, for_user";
fn invitation_from(r: &Row) -> Result<Invitation, StoreError> {
    let attempts: i64 = col(r, 13)?;
    Ok(Invitation {
        id: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        inviter: id(col(r, 2)?)?,
        inviter_device: id(col(r, 3)?)?,
        role: codec::role(col(r, 4)?)?,
        display_name: col(r, 5)?,
        youth: opt_id(col(r, 6)?)?,
        lookup: col(r, 7)?,
        check_hash: codec::hash32(col(r, 8)?)?,
        proof_code: col(r, 9)?,
        proof_qr: col(r, 10)?,
        created_at_ms: col(r, 11)?,
        expires_at_ms: col(r, 12)?,
        failed_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        used_by: opt_id(col(r, 14)?)?,
        for_user: opt_id(col(r, 15)?)?,
    })
}

pub(super) async fn create_invitation(
    store: &PgStore,
    invitation: &Invitation,
) -> Result<(), StoreError> {
    let i = invitation;
    let conn = store.conn().await?;
    execute(
        &conn,
        &format!(
            "INSERT INTO invitations ({INVITATION_COLS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ),
        &[
            &i.id.as_str(),
            &i.tenant.as_str(),
            &i.inviter.as_str(),
            &i.inviter_device.as_str(),
            &i.role.as_str(),
            &i.display_name,
            &i.youth.as_ref().map(UserId::as_str),
            &i.lookup,
            &&i.check_hash[..],
            &i.proof_code,
            &i.proof_qr,
            &i.created_at_ms,
            &i.expires_at_ms,
            &i64::from(i.failed_attempts),
            &i.used_by.as_ref().map(UserId::as_str),
            &i.for_user.as_ref().map(UserId::as_str),
        ],
    )
    .await
    .map_err(|e| unique_or_backend(e, "invitation"))?;
    Ok(())
}

pub(super) async fn invitation(
    store: &PgStore,
    iid: &InvitationId,
) -> Result<Option<Invitation>, StoreError> {
    let conn = store.conn().await?;
    query_opt(
        &conn,
        &format!("SELECT {INVITATION_COLS} FROM invitations WHERE id = $1"),
        &[&iid.as_str()],
    )
    .await
    .map_err(backend)?
    .as_ref()
    .map(invitation_from)
    .transpose()
}

pub(super) async fn invitation_by_lookup(
    store: &PgStore,
    lookup: &str,
) -> Result<Option<Invitation>, StoreError> {
    let conn = store.conn().await?;
    query_opt(
        &conn,
        &format!("SELECT {INVITATION_COLS} FROM invitations WHERE lookup = $1 AND used_by IS NULL"),
        &[&lookup],
    )
    .await
    .map_err(backend)?
    .as_ref()
    .map(invitation_from)
    .transpose()
}

pub(super) async fn invitations_by(
    store: &PgStore,
    inviter: &UserId,
) -> Result<Vec<Invitation>, StoreError> {
    let conn = store.conn().await?;
    query(
        &conn,
        &format!("SELECT {INVITATION_COLS} FROM invitations WHERE inviter = $1 ORDER BY id"),
        &[&inviter.as_str()],
    )
    .await
    .map_err(backend)?
    .iter()
    .map(invitation_from)
    .collect()
}

pub(super) async fn count_failed_attempt(
    store: &PgStore,
    iid: &InvitationId,
) -> Result<u32, StoreError> {
    let conn = store.conn().await?;
    let row = query_opt(
        &conn,
        "UPDATE invitations SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts",
        &[&iid.as_str()],
    )
    .await
    .map_err(backend)?
    .ok_or(StoreError::NotFound("invitation"))?;
    let n: i64 = col(&row, 0)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

pub(super) async fn release_attempt(store: &PgStore, iid: &InvitationId) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    execute(
        &conn,
        "UPDATE invitations SET failed_attempts = failed_attempts - 1 WHERE id = $1 AND failed_attempts > 0",
        &[&iid.as_str()],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

pub(super) async fn redeem_reinvitation(
    store: &PgStore,
    iid: &InvitationId,
    device: &Device,
    session: &Session,
) -> Result<(), StoreError> {
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    let n = execute(
        &tx,
        "UPDATE invitations SET used_by = $2 WHERE id = $1 AND used_by IS NULL AND for_user = $2",
        &[&iid.as_str(), &device.user.as_str()],
    )
    .await
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("invitation"));
    }
    // Only an account without devices takes a new first device.
    super::devices::check_cap(&tx, &device.user, 1)
        .await
        .map_err(|_| StoreError::Conflict("device"))?;
    insert_device(&tx, device).await?;
    insert_session(&tx, session).await?;
    tx.commit().await.map_err(backend)
}

pub(super) async fn redeem_invitation(
    store: &PgStore,
    iid: &InvitationId,
    user: &User,
    device: &Device,
    session: &Session,
) -> Result<(), StoreError> {
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    insert_user(&tx, user, None).await?;
    // A concurrent redeem waits on the invitation's row lock, then sees it used: 0 rows.
    let n = execute(
        &tx,
        "UPDATE invitations SET used_by = $2 WHERE id = $1 AND used_by IS NULL",
        &[&iid.as_str(), &user.id.as_str()],
    )
    .await
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("invitation"));
    }
    insert_device(&tx, device).await?;
    insert_session(&tx, session).await?;
    tx.commit().await.map_err(backend)
}
