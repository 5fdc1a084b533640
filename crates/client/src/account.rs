//! Getting an account onto this device and managing who is in touch: a citizen joins with an
//! invitation, staff log in, a caseworker invites and starts threads.
//!
//! The invitation check runs both ways with the secret part of the code, which the server never
//! sees: the joining device checks the inviter's MAC over the inviter device's keys before it
//! trusts them, and the inviter's device later checks the joiner's MAC (see `inbound`).

use std::sync::Arc;

use rusqlite::params;
use samtale_crypto::DeviceIdentity;
use samtale_crypto::invite::{ProofRole, proof_key, proof_mac, verify_proof};
use samtale_proto::api::{
    CreateInvitation, CreateThread, DeviceRegistration, JoinRequest, LoginRequest, Role,
    SessionInfo, SetMembers, ThreadKind,
};
use samtale_proto::invite::{ProofKind, format_code, parse_invite, qr_payload};
use samtale_proto::{B64, InvitationId, ThreadId, UserId};

use crate::api::Api;
use crate::db::{get_meta, set_meta};
use crate::engine::{Client, Session, fresh, meta, now_ms};
use crate::error::ClientError;
use crate::inbound::apply_thread;
use crate::views::{Account, ClientEvent, InvitationView};

fn check_name(what: &str, name: &str) -> Result<String, ClientError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ClientError::Invalid(format!(
            "{what} must have 1 to 80 characters"
        )));
    }
    Ok(name.to_owned())
}

impl Client {
    /// The signed-in account, if any.
    pub fn account(&self) -> Result<Option<Account>, ClientError> {
        let Ok(s) = self.session() else {
            return Ok(None);
        };
        let db = self.db();
        Ok(Some(Account {
            server: s.api.base().to_owned(),
            user: s.user.clone(),
            role: s.role,
            display_name: get_meta(&db, meta::NAME)?.unwrap_or_default(),
            tenant_name: get_meta(&db, meta::TENANT_NAME)?.unwrap_or_default(),
            device: s.device.to_string(),
            fingerprint: samtale_crypto::safety::device_fingerprint(&s.identity.public_keys()),
        }))
    }

    /// Joins with a typed code or a scanned QR payload. `server` is needed for a typed code
    /// (a QR payload names its server). Checks the inviter before anything is registered.
    pub async fn join(
        &self,
        server: Option<&str>,
        invite: &str,
        display_name: &str,
        device_name: &str,
    ) -> Result<Account, ClientError> {
        if self.is_signed_in() {
            return Err(ClientError::Invalid(
                "this profile already has an account".into(),
            ));
        }
        let display_name = check_name("your name", display_name)?;
        let device_name = check_name("the device name", device_name)?;
        let parsed = parse_invite(invite)?;
        let server = parsed.server_url.as_deref().or(server).ok_or_else(|| {
            ClientError::Invalid("give the server address to join with a typed code".into())
        })?;
        let api = Api::new(server)?;
        let preview = api.join_preview(&parsed.server_part).await?;
        let (secret, kind, invitation) = (
            parsed.secret.clone(),
            parsed.kind,
            preview.invitation.clone(),
        );
        // Argon2id on a typed code takes tens of milliseconds: keep it off the async threads.
        let key = tokio::task::spawn_blocking(move || proof_key(&secret, kind, &invitation))
            .await
            .map_err(|e| ClientError::Protocol(format!("key derivation task failed: {e}")))??;
        let inviter_mac = match kind {
            ProofKind::Code => &preview.inviter_proof_code,
            ProofKind::Qr => &preview.inviter_proof_qr,
        };
        if !verify_proof(
            &key,
            ProofRole::Inviter,
            &preview.inviter_device.keys,
            inviter_mac.as_slice(),
        ) {
            return Err(ClientError::InviterNotVerified);
        }
        let identity = DeviceIdentity::generate();
        let keys = identity.public_keys();
        let mac = proof_mac(&key, ProofRole::Joiner, &keys);
        let session = api
            .join(&JoinRequest {
                code: parsed.server_part.clone(),
                display_name: display_name.clone(),
                device: DeviceRegistration {
                    name: device_name,
                    keys,
                },
                proof_kind: kind,
                proof_mac: B64(mac.to_vec()),
            })
            .await?;
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            tx.execute(
                "INSERT OR REPLACE INTO users (id, role, display_name) VALUES (?1, ?2, ?3)",
                params![
                    preview.inviter.id.as_str(),
                    preview.inviter.role.as_str(),
                    preview.inviter.display_name
                ],
            )?;
            crate::devices::pin_proven(&tx, &preview.inviter_device)?;
            set_meta(&tx, meta::TENANT_NAME, &preview.tenant.name)?;
            set_meta(&tx, meta::TENANT_SLUG, &preview.tenant.slug)?;
            tx.commit()?;
        }
        self.store_session(api.clone(), &session, identity, 0, None)?;
        // After an administrator's reset this device starts the account's next chain.
        if let Ok(me) = api.with_token(Some(session.token.clone())).me().await
            && me.device.chain != 0
        {
            let db = self.db();
            db.execute(
                "UPDATE devices SET chain = ?2 WHERE id = ?1",
                params![session.device.as_str(), me.device.chain],
            )?;
            crate::devices::set_current(
                &db,
                &session.user.id,
                me.device.chain,
                Some(&session.device),
            )?;
        }
        self.account()?.ok_or(ClientError::NotSignedIn)
    }

    /// Staff log in. A profile that logged in before reuses its device; a new one registers.
    pub async fn login(
        &self,
        server: &str,
        tenant: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Account, ClientError> {
        let api = Api::new(server)?;
        let (existing, stored_identity) = {
            let db = self.db();
            (get_meta(&db, meta::DEVICE)?, get_meta(&db, meta::IDENTITY)?)
        };
        let (identity, device_id, new_device) = match (existing, stored_identity) {
            (Some(device), Some(secret)) => {
                let secret = B64::decode(&secret)
                    .map_err(|_| ClientError::Protocol("stored identity is corrupt".into()))?;
                let id = samtale_proto::DeviceId::parse(&device)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?;
                (
                    DeviceIdentity::from_secret_bytes(&secret.0)?,
                    Some(id),
                    None,
                )
            }
            _ => {
                let identity = DeviceIdentity::generate();
                let reg = DeviceRegistration {
                    name: check_name("the device name", device_name)?,
                    keys: identity.public_keys(),
                };
                (identity, None, Some(reg))
            }
        };
        // A device registered before proves it holds its key: a password alone must not open
        // a session on it.
        let device_proof = device_id.as_ref().map(|id| {
            let at_ms = now_ms();
            let signature = identity.sign_bytes(&samtale_proto::api::device_login_bytes(id, at_ms));
            samtale_proto::devices::DeviceProof {
                at_ms,
                signature: B64(signature.to_vec()),
            }
        });
        let request = |device_id, new_device, device_proof| LoginRequest {
            tenant: tenant.trim().to_lowercase(),
            username: username.trim().to_lowercase(),
            password: password.to_owned(),
            device_id,
            new_device,
            device_proof,
        };
        let had_device = device_id.is_some();
        let (session, identity) = match api
            .login(&request(device_id, new_device, device_proof))
            .await
        {
            Ok(session) => (session, identity),
            // This device was removed (an administrator's reset, or from another device): it
            // registers anew, keeping the conversations stored here. The server decides whether
            // a password may add it (only to an account without a device).
            Err(ClientError::Server {
                code: samtale_proto::ErrorCode::Forbidden,
                ..
            }) if had_device => {
                let fresh_identity = DeviceIdentity::generate();
                let reg = DeviceRegistration {
                    name: check_name("the device name", device_name)?,
                    keys: fresh_identity.public_keys(),
                };
                let session = api.login(&request(None, Some(reg), None)).await?;
                (session, fresh_identity)
            }
            Err(e) => return Err(e),
        };
        self.store_session(api.clone(), &session, identity, 0, None)?;
        let me = api.with_token(Some(session.token.clone())).me().await?;
        {
            let db = self.db();
            set_meta(&db, meta::TENANT_NAME, &me.tenant.name)?;
            set_meta(&db, meta::TENANT_SLUG, &me.tenant.slug)?;
            // The chain this device is in (after an administrator's reset it is not the first),
            // and so this account's current one.
            db.execute(
                "UPDATE devices SET chain = ?2 WHERE id = ?1",
                params![session.device.as_str(), me.device.chain],
            )?;
            if me.device.id == session.device && me.device.link.is_none() {
                crate::devices::set_current(
                    &db,
                    &session.user.id,
                    me.device.chain,
                    Some(&session.device),
                )?;
            }
        }
        self.account()?.ok_or(ClientError::NotSignedIn)
    }

    /// Keeps a new session and this device's identity. `chain` and `link` place this device in
    /// its account's device chain (0 and none for a first device).
    pub(crate) fn store_session(
        &self,
        api: Api,
        s: &SessionInfo,
        identity: DeviceIdentity,
        chain: u32,
        link: Option<&samtale_proto::devices::DeviceLink>,
    ) -> Result<(), ClientError> {
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            set_meta(&tx, meta::SERVER, api.base())?;
            set_meta(&tx, meta::TOKEN, &s.token)?;
            set_meta(&tx, meta::TOKEN_EXPIRES, &s.expires_at_ms.to_string())?;
            set_meta(&tx, meta::USER, s.user.id.as_str())?;
            set_meta(&tx, meta::ROLE, s.user.role.as_str())?;
            set_meta(&tx, meta::NAME, &s.user.display_name)?;
            set_meta(&tx, meta::DEVICE, s.device.as_str())?;
            set_meta(
                &tx,
                meta::IDENTITY,
                &B64(identity.to_secret_bytes().to_vec()).encode(),
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO users (id, role, display_name) VALUES (?1, ?2, ?3)",
                params![
                    s.user.id.as_str(),
                    s.user.role.as_str(),
                    s.user.display_name
                ],
            )?;
            // This device's own keys come from its identity, never from the server.
            crate::devices::pin_own(
                &tx,
                &s.user.id,
                &s.device,
                &identity.public_keys(),
                chain,
                link,
            )?;
            tx.commit()?;
        }
        self.set_session(Some(Session {
            api: api.with_token(Some(s.token.clone())),
            user: s.user.id.clone(),
            role: s.user.role,
            device: s.device.clone(),
            identity: Arc::new(identity),
        }));
        Ok(())
    }

    /// Replaces the session token with a fresh one when it has less than a week left.
    pub async fn refresh_session_if_due(&self) -> Result<(), ClientError> {
        let s = self.session()?;
        let expires: i64 = get_meta(&self.db(), meta::TOKEN_EXPIRES)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if expires - now_ms() > 7 * 24 * 3600 * 1000 {
            return Ok(());
        }
        match s.api.refresh().await {
            Ok(fresh_session) => self.keep_session(&fresh_session),
            // Expired, or replaced by a refresh whose answer was lost: a citizen's device
            // logs in again with its key.
            Err(e) if e.is_unauthorized() => self.renew_by_device().await,
            Err(e) => Err(e),
        }
    }

    /// A youth's or parent's device logs in again by signing the time with its own key, for
    /// when the server no longer takes the session. Staff log in with their password instead.
    pub async fn renew_by_device(&self) -> Result<(), ClientError> {
        let s = self.session()?;
        if s.role.is_staff() {
            return Err(ClientError::NotSignedIn);
        }
        let at_ms = now_ms();
        let signature = s
            .identity
            .sign_bytes(&samtale_proto::api::device_login_bytes(&s.device, at_ms));
        let fresh_session = s
            .api
            .device_login(&samtale_proto::api::DeviceLoginRequest {
                device: s.device.clone(),
                at_ms,
                signature: B64(signature.to_vec()),
            })
            .await?;
        self.keep_session(&fresh_session)
    }

    /// Stores a new session token and uses it from now on.
    fn keep_session(&self, fresh_session: &SessionInfo) -> Result<(), ClientError> {
        {
            let db = self.db();
            set_meta(&db, meta::TOKEN, &fresh_session.token)?;
            set_meta(
                &db,
                meta::TOKEN_EXPIRES,
                &fresh_session.expires_at_ms.to_string(),
            )?;
        }
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cur) = guard.as_mut() {
            cur.api = cur
                .api
                .clone()
                .with_token(Some(fresh_session.token.clone()));
        }
        Ok(())
    }

    /// A caseworker invites a youth, or a parent of a youth. The code and QR payload are shown
    /// to the citizen; their secret parts never leave this device except through the citizen.
    pub async fn invite(
        &self,
        role: Role,
        display_name: &str,
        youth: Option<UserId>,
        ttl_minutes: Option<u32>,
    ) -> Result<InvitationView, ClientError> {
        self.invite_for(role, display_name, youth, ttl_minutes, None)
            .await
    }

    /// A caseworker invites again a youth or parent whose keys an administrator reset: they
    /// keep their account and conversations, and everyone they talk to is told to compare codes.
    pub async fn invite_again(
        &self,
        user: UserId,
        role: Role,
        display_name: &str,
        youth: Option<UserId>,
    ) -> Result<InvitationView, ClientError> {
        self.invite_for(role, display_name, youth, None, Some(user))
            .await
    }

    /// The app's invite: a new person, or `again` a person whose keys were reset.
    pub async fn invite_with(
        &self,
        role: Role,
        display_name: &str,
        youth: Option<UserId>,
        again: Option<UserId>,
    ) -> Result<InvitationView, ClientError> {
        self.invite_for(role, display_name, youth, None, again)
            .await
    }

    async fn invite_for(
        &self,
        role: Role,
        display_name: &str,
        youth: Option<UserId>,
        ttl_minutes: Option<u32>,
        user: Option<UserId>,
    ) -> Result<InvitationView, ClientError> {
        let s = self.session()?;
        let display_name = check_name("the name", display_name)?;
        let id = fresh(InvitationId::from_parts);
        let code_secret = samtale_crypto::invite::new_code_secret();
        let qr_secret = samtale_crypto::invite::new_qr_secret();
        let keys = s.identity.public_keys();
        let (cs, qs, iid) = (code_secret.clone(), *qr_secret, id.clone());
        let (code_key, qr_key) = tokio::task::spawn_blocking(move || {
            Ok::<_, ClientError>((
                proof_key(cs.as_bytes(), ProofKind::Code, &iid)?,
                proof_key(&qs, ProofKind::Qr, &iid)?,
            ))
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("key derivation task failed: {e}")))??;
        let info = s
            .api
            .create_invitation(&CreateInvitation {
                id: id.clone(),
                role,
                display_name: display_name.clone(),
                youth,
                inviter_proof_code: B64(proof_mac(&code_key, ProofRole::Inviter, &keys).to_vec()),
                inviter_proof_qr: B64(proof_mac(&qr_key, ProofRole::Inviter, &keys).to_vec()),
                ttl_minutes,
                user,
            })
            .await?;
        let view = InvitationView {
            id: id.to_string(),
            role,
            display_name,
            code: format_code(&info.server_part, &code_secret),
            qr_payload: qr_payload(s.api.base(), &info.server_part, &qr_secret[..]),
            expires_at_ms: info.expires_at_ms,
            joined_user: None,
        };
        self.db().execute(
            "INSERT INTO invitations (id, role, display_name, code, code_secret, qr_secret, qr_payload, expires_at, created_at, youth)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![view.id, role.as_str(), view.display_name, view.code, code_secret, &qr_secret[..], view.qr_payload, view.expires_at_ms, now_ms(), info.youth.as_ref().map(|y| y.as_str())],
        )?;
        Ok(view)
    }

    /// Invitations this device made, newest first.
    pub fn invitations(&self) -> Result<Vec<InvitationView>, ClientError> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT id, role, display_name, code, qr_payload, expires_at, joined_user FROM invitations ORDER BY id DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, role, display_name, code, qr_payload, expires_at_ms, joined) = row?;
            out.push(InvitationView {
                id,
                role: Role::parse(&role).unwrap_or(Role::Youth),
                display_name,
                code,
                qr_payload,
                expires_at_ms,
                joined_user: joined.and_then(|j| UserId::parse(&j).ok()),
            });
        }
        Ok(out)
    }

    /// A caseworker starts a thread with these members (themselves included automatically).
    pub async fn create_thread(
        &self,
        kind: ThreadKind,
        members: Vec<UserId>,
    ) -> Result<ThreadId, ClientError> {
        let s = self.session()?;
        let info = s.api.create_thread(&CreateThread { kind, members }).await?;
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            apply_thread(&tx, &s, &info)?;
            tx.commit()?;
        }
        self.emit(ClientEvent::ThreadsChanged {
            threads: vec![info.id.clone()],
        });
        Ok(info.id)
    }

    /// A caseworker sets who is in a thread.
    pub async fn set_members(
        &self,
        thread: &ThreadId,
        members: Vec<UserId>,
    ) -> Result<(), ClientError> {
        let s = self.session()?;
        let info = s.api.set_members(thread, &SetMembers { members }).await?;
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            apply_thread(&tx, &s, &info)?;
            tx.commit()?;
        }
        self.emit(ClientEvent::ThreadsChanged {
            threads: vec![info.id],
        });
        Ok(())
    }
}
