//! A person's own devices: linking a new one from one they already have, listing them, and
//! removing one. The wire side is described in `samtale_proto::devices`.
//!
//! The new device makes its keys and a one-time secret, registers a link request and shows a
//! code (or QR). The existing device types or scans it, checks the new device's MAC with the
//! secret (so the server cannot swap keys), shows the new device's safety code to compare, and
//! signs the link. The new device then claims its session and checks the existing device's
//! MAC in turn before it trusts anything. A new device cannot read what was sealed before it
//! existed: it starts at the inbox position of its linking.

use rusqlite::{OptionalExtension, params};
use samtale_crypto::DeviceIdentity;
use samtale_crypto::invite::{
    ProofKey, ProofRole, link_proof_key, new_code_secret, new_qr_secret, proof_mac, verify_proof,
};
use samtale_crypto::link::LinkSubject;
use samtale_crypto::safety::device_fingerprint;
use samtale_proto::api::{DeviceKeys, DeviceRegistration};
use samtale_proto::devices::{
    AcceptLink, CreateLinkRequest, LinkClaimRequest, LinkStatus, link_qr_payload,
};
use samtale_proto::invite::{ProofKind, format_code, parse_link_code};
use samtale_proto::{B64, DeviceId, LinkId};

use crate::api::Api;
use crate::db::{get_meta, set_meta};
use crate::engine::{Client, fresh, meta, now_ms};
use crate::error::ClientError;
use crate::inbound::apply_thread;
use crate::trust::State;
use crate::views::{
    AlertView, ClientEvent, DeviceTrust, LinkCodeView, LinkPreviewView, OwnDeviceView,
};

/// Meta key of a link request this device is waiting on (JSON of [`Waiting`]).
const LINK_WAITING: &str = "link_waiting";

#[derive(serde::Serialize, serde::Deserialize)]
struct Waiting {
    server: String,
    id: LinkId,
    device: DeviceId,
    identity: B64,
    code_secret: String,
    qr_secret: B64,
    code: String,
    qr_payload: String,
    expires_at_ms: i64,
}

async fn derive(secret: Vec<u8>, kind: ProofKind, id: LinkId) -> Result<ProofKey, ClientError> {
    // Argon2id on a typed code takes tens of milliseconds: keep it off the async threads.
    tokio::task::spawn_blocking(move || link_proof_key(&secret, kind, &id))
        .await
        .map_err(|e| ClientError::Protocol(format!("key derivation task failed: {e}")))?
        .map_err(Into::into)
}

impl Client {
    /// On a new device: asks `server` to link this device to an account and returns the code
    /// to type (or scan) on one of the person's other devices. Call [`Client::poll_link`] until
    /// it reports the link.
    pub async fn start_link(
        &self,
        server: &str,
        device_name: &str,
    ) -> Result<LinkCodeView, ClientError> {
        if self.is_signed_in() {
            return Err(ClientError::Invalid(
                "this profile already has an account".into(),
            ));
        }
        let name = device_name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(ClientError::Invalid(
                "the device name must have 1 to 80 characters".into(),
            ));
        }
        let api = Api::new(server)?;
        let identity = DeviceIdentity::generate();
        let keys = identity.public_keys();
        let id = fresh(LinkId::from_parts);
        let device = fresh(DeviceId::from_parts);
        let code_secret = new_code_secret();
        let qr_secret = new_qr_secret();
        let code_key = derive(
            code_secret.clone().into_bytes(),
            ProofKind::Code,
            id.clone(),
        )
        .await?;
        let qr_key = derive(qr_secret.to_vec(), ProofKind::Qr, id.clone()).await?;
        let info = api
            .create_link(&CreateLinkRequest {
                id: id.clone(),
                device_id: device.clone(),
                device: DeviceRegistration {
                    name: name.to_owned(),
                    keys: keys.clone(),
                },
                proof_code: B64(proof_mac(&code_key, ProofRole::Joiner, &keys).to_vec()),
                proof_qr: B64(proof_mac(&qr_key, ProofRole::Joiner, &keys).to_vec()),
            })
            .await?;
        let waiting = Waiting {
            server: api.base().to_owned(),
            id: id.clone(),
            device,
            identity: B64(identity.to_secret_bytes().to_vec()),
            code: format_code(&info.server_part, &code_secret),
            qr_payload: link_qr_payload(&info.server_part, &qr_secret[..]),
            code_secret,
            qr_secret: B64(qr_secret.to_vec()),
            expires_at_ms: info.expires_at_ms,
        };
        let json =
            serde_json::to_string(&waiting).map_err(|e| ClientError::Protocol(e.to_string()))?;
        set_meta(&self.db(), LINK_WAITING, &json)?;
        Ok(view(&waiting, &keys))
    }

    /// The link this device is waiting on, if any (to show its code again after a restart).
    pub fn waiting_link(&self) -> Result<Option<LinkCodeView>, ClientError> {
        let Some(w) = self.waiting()? else {
            return Ok(None);
        };
        let identity = DeviceIdentity::from_secret_bytes(&w.identity.0)?;
        Ok(Some(view(&w, &identity.public_keys())))
    }

    fn waiting(&self) -> Result<Option<Waiting>, ClientError> {
        let Some(json) = get_meta(&self.db(), LINK_WAITING)? else {
            return Ok(None);
        };
        serde_json::from_str(&json)
            .map(Some)
            .map_err(|_| ClientError::Protocol("the stored link request is corrupt".into()))
    }

    /// On the new device: asks whether the person's other device has accepted. `Ok(true)` once
    /// linked: the session is stored and the account's conversations are fetched.
    pub async fn poll_link(&self) -> Result<bool, ClientError> {
        let w = self.waiting()?.ok_or_else(|| {
            ClientError::Invalid("this device is not waiting to be linked".into())
        })?;
        let api = Api::new(&w.server)?;
        let identity = DeviceIdentity::from_secret_bytes(&w.identity.0)?;
        let at_ms = now_ms();
        let signature =
            identity.sign_bytes(&samtale_proto::api::device_login_bytes(&w.device, at_ms));
        let status = api
            .claim_link(
                &w.id,
                &LinkClaimRequest {
                    at_ms,
                    signature: B64(signature.to_vec()),
                },
            )
            .await?;
        let LinkStatus::Linked {
            session,
            tenant,
            device,
            signer,
            proof_kind,
            signer_proof,
            inbox_head,
        } = status
        else {
            return Ok(false);
        };
        let keys = identity.public_keys();
        // What the server hands back must be this device, vouched for by a device of the same
        // person that knew this device's secret.
        let secret = match proof_kind {
            ProofKind::Code => w.code_secret.clone().into_bytes(),
            ProofKind::Qr => w.qr_secret.0.clone(),
        };
        let key = derive(secret, proof_kind, w.id.clone()).await?;
        let consistent = session.device == w.device
            && signer.chain == device.chain
            && device.id == w.device
            && device.keys == keys
            && device.user == session.user.id
            && signer.user == session.user.id
            && device.link.as_ref().is_some_and(|l| l.signer == signer.id)
            && device.link.as_ref().is_some_and(|l| {
                samtale_crypto::link::verify_link(
                    &signer.keys,
                    LinkSubject {
                        user: &device.user,
                        chain: device.chain,
                        device: &device.id,
                        keys: &keys,
                    },
                    l,
                )
                .is_ok()
            });
        if !consistent
            || !verify_proof(
                &key,
                ProofRole::Inviter,
                &signer.keys,
                signer_proof.as_slice(),
            )
        {
            return Err(ClientError::LinkNotVerified);
        }
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            crate::devices::pin_proven(&tx, &signer)?;
            set_meta(&tx, meta::TENANT_NAME, &tenant.name)?;
            set_meta(&tx, meta::TENANT_SLUG, &tenant.slug)?;
            set_meta(&tx, meta::CURSOR, &inbox_head.to_string())?;
            tx.execute("DELETE FROM meta WHERE key = ?1", [LINK_WAITING])?;
            tx.commit()?;
        }
        self.store_session(api, &session, identity, device.chain, device.link.as_ref())?;
        // The conversations the account is in; their earlier messages stay on the other devices.
        let s = self.session()?;
        let threads = s.api.threads().await?;
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            for t in &threads {
                apply_thread(&tx, &s, t)?;
                crate::inbound::notice(
                    &tx,
                    &t.id,
                    "Denne enhed er tilknyttet kontoen nu. Tidligere beskeder kan læses på dine andre enheder.",
                )?;
            }
            tx.commit()?;
        }
        self.emit(ClientEvent::ThreadsChanged {
            threads: threads.into_iter().map(|t| t.id).collect(),
        });
        self.emit(ClientEvent::AccountChanged);
        Ok(true)
    }

    /// On an existing device: what a link code leads to, checked against the code's secret.
    /// Compare its safety code with what the new device shows before accepting.
    pub async fn preview_link(&self, code: &str) -> Result<LinkPreviewView, ClientError> {
        let s = self.session()?;
        let parsed = parse_link_code(code)?;
        let preview = s.api.link_preview(&parsed.server_part).await?;
        let key = derive(parsed.secret.clone(), parsed.kind, preview.id.clone()).await?;
        check_new_device(&key, parsed.kind, &preview)?;
        Ok(LinkPreviewView {
            device_name: preview.name,
            fingerprint: device_fingerprint(&preview.keys),
            expires_at_ms: preview.expires_at_ms,
        })
    }

    /// On an existing device: vouches for the new device behind `code`, after the same check
    /// as [`Client::preview_link`]. Every device of the account and everyone the person talks
    /// to is told.
    pub async fn accept_link(&self, code: &str) -> Result<LinkPreviewView, ClientError> {
        let s = self.session()?;
        let parsed = parse_link_code(code)?;
        let preview = s.api.link_preview(&parsed.server_part).await?;
        let key = derive(parsed.secret.clone(), parsed.kind, preview.id.clone()).await?;
        check_new_device(&key, parsed.kind, &preview)?;
        // The chain this device is in, as the server registered it (a link signed for another
        // chain is refused there); kept here too.
        let mut chain: u32 = self.db().query_row(
            "SELECT chain FROM devices WHERE id = ?1",
            [s.device.as_str()],
            |r| r.get(0),
        )?;
        if let Ok(me) = s.api.me().await
            && me.device.id == s.device
            && me.device.chain != chain
        {
            chain = me.device.chain;
            self.db().execute(
                "UPDATE devices SET chain = ?2 WHERE id = ?1",
                rusqlite::params![s.device.as_str(), chain],
            )?;
        }
        let link = s.identity.sign_link(
            &s.device,
            LinkSubject {
                user: &s.user,
                chain,
                device: &preview.device_id,
                keys: &preview.keys,
            },
            now_ms(),
        );
        let added = s
            .api
            .accept_link(&AcceptLink {
                code: parsed.server_part.clone(),
                proof_kind: parsed.kind,
                signer_proof: B64(
                    proof_mac(&key, ProofRole::Inviter, &s.identity.public_keys()).to_vec(),
                ),
                link,
            })
            .await?;
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            crate::inbound::apply_device(&tx, &s, &added)?;
            tx.commit()?;
        }
        self.emit(ClientEvent::AccountChanged);
        Ok(LinkPreviewView {
            device_name: preview.name,
            fingerprint: device_fingerprint(&preview.keys),
            expires_at_ms: preview.expires_at_ms,
        })
    }

    /// This account's devices as the server lists them, each checked here under the chain rules.
    pub async fn own_devices(&self) -> Result<Vec<OwnDeviceView>, ClientError> {
        let s = self.session()?;
        let list = s.api.devices().await?;
        let db = self.db();
        let tx = db.unchecked_transaction()?;
        let mut listed: Vec<_> = list.devices.iter().collect();
        listed.sort_by_key(|d| (d.device.link.is_some(), d.device.created_at_ms));
        for d in &listed {
            if d.device.user == s.user {
                crate::inbound::apply_device(&tx, &s, &d.device)?;
            }
        }
        tx.commit()?;
        let mut out = Vec::new();
        for d in list.devices.iter().filter(|d| d.device.user == s.user) {
            let state: Option<String> = db
                .query_row(
                    "SELECT state FROM devices WHERE id = ?1",
                    [d.device.id.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            let added_by = d.device.link.as_ref().map(|l| l.signer.to_string());
            let added_by_name = match &added_by {
                Some(id) => db
                    .query_row("SELECT name FROM devices WHERE id = ?1", [id], |r| {
                        r.get::<_, String>(0)
                    })
                    .optional()?,
                None => None,
            };
            out.push(OwnDeviceView {
                id: d.device.id.to_string(),
                name: d.device.name.clone(),
                added_at_ms: d.device.created_at_ms,
                added_by,
                added_by_name,
                last_seen_ms: d.last_seen_ms,
                stale: d.stale,
                this_device: d.device.id == s.device,
                trust: trust_view(state.as_deref().map_or(State::Refused, State::parse)),
                fingerprint: device_fingerprint(&d.device.keys),
            });
        }
        Ok(out)
    }

    /// Removes one of this account's other devices: it stops receiving at once, and everyone
    /// stops sealing to it.
    pub async fn remove_device(&self, device: &str) -> Result<(), ClientError> {
        let s = self.session()?;
        let id = DeviceId::parse(device.trim())
            .map_err(|_| ClientError::Invalid(format!("{device:?} is not a device id")))?;
        if id == s.device {
            return Err(ClientError::Invalid(
                "this device cannot remove itself; remove it from another of your devices".into(),
            ));
        }
        s.api.revoke_device(&id).await?;
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            crate::devices::apply_revoked(&tx, &s, &s.user, &id, now_ms())?;
            tx.commit()?;
        }
        self.emit(ClientEvent::AccountChanged);
        Ok(())
    }

    /// The person confirms they compared safety codes with `user` after an administrator
    /// reset that person's keys: the warning goes, and their conversations say so.
    pub fn confirm_codes(&self, user: &samtale_proto::UserId) -> Result<(), ClientError> {
        let s = self.session()?;
        let db = self.db();
        let tx = db.unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE users SET reset_unverified = 0 WHERE id = ?1 AND reset_unverified = 1",
            [user.as_str()],
        )?;
        if n == 0 {
            return Err(ClientError::Invalid(
                "there is nothing to confirm for this person".into(),
            ));
        }
        let name: String = tx.query_row(
            "SELECT display_name FROM users WHERE id = ?1",
            [user.as_str()],
            |r| r.get(0),
        )?;
        crate::devices::tell_shared(
            &tx,
            &s,
            user,
            &format!("Du har sammenlignet sikkerhedskoderne med {name} efter nulstillingen."),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Alerts about this account, newest first.
    pub fn alerts(&self) -> Result<Vec<AlertView>, ClientError> {
        let db = self.db();
        let mut stmt =
            db.prepare("SELECT id, at, body, seen FROM alerts ORDER BY at DESC, id DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok(AlertView {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                text: r.get(2)?,
                seen: r.get::<_, i64>(3)? != 0,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks every alert seen.
    pub fn mark_alerts_seen(&self) -> Result<(), ClientError> {
        self.db()
            .execute("UPDATE alerts SET seen = 1 WHERE seen = 0", params![])?;
        Ok(())
    }
}

fn check_new_device(
    key: &ProofKey,
    kind: ProofKind,
    preview: &samtale_proto::devices::LinkPreview,
) -> Result<(), ClientError> {
    let mac = match kind {
        ProofKind::Code => &preview.proof_code,
        ProofKind::Qr => &preview.proof_qr,
    };
    if verify_proof(key, ProofRole::Joiner, &preview.keys, mac.as_slice()) {
        Ok(())
    } else {
        Err(ClientError::LinkNotVerified)
    }
}

fn view(w: &Waiting, keys: &DeviceKeys) -> LinkCodeView {
    LinkCodeView {
        id: w.id.to_string(),
        code: w.code.clone(),
        qr_payload: w.qr_payload.clone(),
        fingerprint: device_fingerprint(keys),
        expires_at_ms: w.expires_at_ms,
    }
}

pub(crate) fn trust_view(s: State) -> DeviceTrust {
    match s {
        State::Trusted => DeviceTrust::Trusted,
        State::Pending => DeviceTrust::Pending,
        State::Refused => DeviceTrust::Refused,
        State::Revoked => DeviceTrust::Revoked,
        State::Retired => DeviceTrust::Retired,
    }
}
