//! Invitations of the SQLite store: creating and finding them, counting attempts at their
//! code, and redeeming one atomically into a user, a device and a session.

use rusqlite::{OptionalExtension, params};
use samtale_proto::{InvitationId, UserId};

use super::devices::insert_device;
use super::sessions::insert_session;
use super::tenants::insert_user;
use super::{SqliteStore, backend, cached_row, is_unique_violation};
use crate::store::codec::{self, id, opt_id};
use crate::store::{Device, Invitation, Session, StoreError, User};

const INVITATION_COLS: &str = "id, tenant, inviter, inviter_device, role, display_name, youth, lookup, \
     check_hash, proof_code, proof_qr, created_at, expires_at, failed_attempts, used_by, for_user";
fn invitation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Invitation, StoreError>> {
    let role: String = r.get(4)?;
    let check: Vec<u8> = r.get(8)?;
    let attempts: i64 = r.get(13)?;
    let parts = (
        r.get::<_, String>(0)?,
        r.get::<_, String>(1)?,
        r.get::<_, String>(2)?,
        r.get::<_, String>(3)?,
    );
    let youth: Option<String> = r.get(6)?;
    let used_by: Option<String> = r.get(14)?;
    let for_user: Option<String> = r.get(15)?;
    let display_name: String = r.get(5)?;
    let lookup: String = r.get(7)?;
    let proof_code: Vec<u8> = r.get(9)?;
    let proof_qr: Vec<u8> = r.get(10)?;
    let created_at_ms: i64 = r.get(11)?;
    let expires_at_ms: i64 = r.get(12)?;
    Ok((|| {
        Ok(Invitation {
            id: id(parts.0)?,
            tenant: id(parts.1)?,
            inviter: id(parts.2)?,
            inviter_device: id(parts.3)?,
            role: codec::role(&role)?,
            display_name,
            youth: opt_id(youth)?,
            lookup,
            check_hash: codec::hash32(check)?,
            proof_code,
            proof_qr,
            created_at_ms,
            expires_at_ms,
            failed_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            used_by: opt_id(used_by)?,
            for_user: opt_id(for_user)?,
        })
    })())
}

pub(super) async fn create_invitation(
    store: &SqliteStore,
    invitation: &Invitation,
) -> Result<(), StoreError> {
    let i = invitation.clone();
    store.write(move |conn| {
        conn.execute(
            &format!("INSERT INTO invitations ({INVITATION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
            params![
                i.id.as_str(), i.tenant.as_str(), i.inviter.as_str(), i.inviter_device.as_str(),
                i.role.as_str(), i.display_name, i.youth.as_ref().map(|y| y.as_str()), i.lookup,
                &i.check_hash[..], i.proof_code, i.proof_qr, i.created_at_ms, i.expires_at_ms,
                i.failed_attempts, i.used_by.as_ref().map(|u| u.as_str()),
                i.for_user.as_ref().map(|u| u.as_str()),
            ],
        )
        .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("invitation") } else { backend(e) })?;
        Ok(())
    })
    .await
}

pub(super) async fn invitation(
    store: &SqliteStore,
    iid: &InvitationId,
) -> Result<Option<Invitation>, StoreError> {
    let iid = iid.clone();
    store
        .read(move |conn| {
            cached_row(
                conn,
                &format!("SELECT {INVITATION_COLS} FROM invitations WHERE id = ?1"),
                [iid.as_str()],
                invitation_row,
            )
            .optional()
            .map_err(backend)?
            .transpose()
        })
        .await
}

pub(super) async fn invitation_by_lookup(
    store: &SqliteStore,
    lookup: &str,
) -> Result<Option<Invitation>, StoreError> {
    let lookup = lookup.to_owned();
    store.read(move |conn| {
        cached_row(conn,
            &format!("SELECT {INVITATION_COLS} FROM invitations WHERE lookup = ?1 AND used_by IS NULL"),
            [lookup.as_str()],
            invitation_row,
        )
        .optional()
        .map_err(backend)?
        .transpose()
    })
    .await
}

pub(super) async fn invitations_by(
    store: &SqliteStore,
    inviter: &UserId,
) -> Result<Vec<Invitation>, StoreError> {
    let inviter = inviter.clone();
    store
        .read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {INVITATION_COLS} FROM invitations WHERE inviter = ?1 ORDER BY id"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map([inviter.as_str()], invitation_row)
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(|x| x)).collect()
        })
        .await
}

pub(super) async fn count_failed_attempt(
    store: &SqliteStore,
    iid: &InvitationId,
) -> Result<u32, StoreError> {
    let iid = iid.clone();
    store.write(move |conn| {
        let n: i64 = conn
            .query_row(
                "UPDATE invitations SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts",
                [iid.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?
            .ok_or(StoreError::NotFound("invitation"))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    })
    .await
}

pub(super) async fn release_attempt(
    store: &SqliteStore,
    iid: &InvitationId,
) -> Result<(), StoreError> {
    let iid = iid.clone();
    store.write(move |conn| {
        conn.execute(
            "UPDATE invitations SET failed_attempts = failed_attempts - 1 WHERE id = ?1 AND failed_attempts > 0",
            [iid.as_str()],
        )
        .map_err(backend)?;
        Ok(())
    })
    .await
}

pub(super) async fn redeem_reinvitation(
    store: &SqliteStore,
    iid: &InvitationId,
    device: &Device,
    session: &Session,
) -> Result<(), StoreError> {
    let (iid, d, s) = (iid.clone(), device.clone(), session.clone());
    store
        .write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE invitations SET used_by = ?2 WHERE id = ?1 AND used_by IS NULL AND for_user = ?2",
                    params![iid.as_str(), d.user.as_str()],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("invitation"));
            }
            // Only an account without devices takes a new first device.
            super::devices::check_cap(conn, &d.user, 1)
                .map_err(|_| StoreError::Conflict("device"))?;
            insert_device(conn, &d)?;
            insert_session(conn, &s)
        })
        .await
}

pub(super) async fn redeem_invitation(
    store: &SqliteStore,
    iid: &InvitationId,
    user: &User,
    device: &Device,
    session: &Session,
) -> Result<(), StoreError> {
    let (iid, u, d, s) = (iid.clone(), user.clone(), device.clone(), session.clone());
    store
        .write(move |conn| {
            insert_user(conn, &u, None)?;
            let n = conn
                .execute(
                    "UPDATE invitations SET used_by = ?2 WHERE id = ?1 AND used_by IS NULL",
                    params![iid.as_str(), u.id.as_str()],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("invitation"));
            }
            insert_device(conn, &d)?;
            insert_session(conn, &s)
        })
        .await
}
