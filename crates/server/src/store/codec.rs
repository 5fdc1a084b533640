//! Conversions between records and the column values both backends store: ids and enums as
//! text, event bodies and join proofs as JSON, envelopes as header JSON plus raw bytes.

use samtale_proto::api::{JoinProof, Role, ThreadKind};
use samtale_proto::{B64, EnvelopeHeader, EventBody, SealedEnvelope};

use super::{FilePolicy, StoreError};

pub fn id<T: TryFrom<String>>(s: String) -> Result<T, StoreError> {
    let shown = s.clone();
    T::try_from(s).map_err(|_| StoreError::Backend(format!("corrupt id in database: {shown:?}")))
}

pub fn opt_id<T: TryFrom<String>>(s: Option<String>) -> Result<Option<T>, StoreError> {
    s.map(id).transpose()
}

pub fn role(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).ok_or_else(|| StoreError::Backend(format!("corrupt role in database: {s:?}")))
}

pub fn thread_kind(s: &str) -> Result<ThreadKind, StoreError> {
    ThreadKind::parse(s).ok_or_else(|| StoreError::Backend(format!("corrupt thread kind: {s:?}")))
}

pub fn hash32(v: Vec<u8>) -> Result<[u8; 32], StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Backend("corrupt hash in database".into()))
}

pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("encode json: {e}")))
}

pub fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Backend(format!("corrupt json in database: {e}")))
}

pub fn join_proof(s: Option<String>) -> Result<Option<JoinProof>, StoreError> {
    s.as_deref().map(from_json).transpose()
}

pub fn envelope(
    header: &str,
    ciphertext: Vec<u8>,
    signature: Vec<u8>,
) -> Result<SealedEnvelope, StoreError> {
    let header: EnvelopeHeader = from_json(header)?;
    Ok(SealedEnvelope {
        header,
        ciphertext: B64(ciphertext),
        signature: B64(signature),
    })
}

/// Rebuilds an inbox event body from a row: an envelope reference or a JSON body.
pub fn event_body(
    body: Option<String>,
    envelope_cols: Option<(String, Vec<u8>, Vec<u8>)>,
) -> Result<EventBody, StoreError> {
    match (body, envelope_cols) {
        (Some(body), _) => from_json(&body),
        (None, Some((h, c, s))) => Ok(EventBody::Envelope {
            envelope: envelope(&h, c, s)?,
        }),
        (None, None) => Err(StoreError::Backend(
            "inbox entry refers to a purged envelope".into(),
        )),
    }
}

pub fn seq(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub fn seq_param(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A device link from its three columns: all present, or none (a chain's first device).
pub fn link(
    signer: Option<String>,
    at_ms: Option<i64>,
    signature: Option<Vec<u8>>,
) -> Result<Option<samtale_proto::devices::DeviceLink>, StoreError> {
    match (signer, at_ms, signature) {
        (Some(signer), Some(at_ms), Some(signature)) => {
            Ok(Some(samtale_proto::devices::DeviceLink {
                signer: id(signer)?,
                at_ms,
                signature: samtale_proto::B64(signature),
            }))
        }
        (None, None, None) => Ok(None),
        _ => Err(StoreError::Backend("a device's link is incomplete".into())),
    }
}

pub fn proof_kind(s: &str) -> Result<samtale_proto::invite::ProofKind, StoreError> {
    match s {
        "code" => Ok(samtale_proto::invite::ProofKind::Code),
        "qr" => Ok(samtale_proto::invite::ProofKind::Qr),
        other => Err(StoreError::Backend(format!("unknown proof kind {other:?}"))),
    }
}

pub fn proof_kind_str(k: samtale_proto::invite::ProofKind) -> &'static str {
    match k {
        samtale_proto::invite::ProofKind::Code => "code",
        samtale_proto::invite::ProofKind::Qr => "qr",
    }
}

/// The columns of `file_policies` (max_file_bytes, quota_bytes, types as a JSON list).
pub type PolicyColumns = (Option<i64>, Option<i64>, Option<String>);

pub fn policy_columns(p: &FilePolicy) -> Result<PolicyColumns, StoreError> {
    let number = |n: Option<u64>| {
        n.map(|n| {
            i64::try_from(n).map_err(|_| StoreError::Backend(format!("{n} bytes is too large")))
        })
        .transpose()
    };
    let types = p
        .allowed_types
        .as_ref()
        .map(|t| serde_json::to_string(t).map_err(|e| StoreError::Backend(e.to_string())))
        .transpose()?;
    Ok((number(p.max_file_bytes)?, number(p.quota_bytes)?, types))
}

pub fn policy_from(c: PolicyColumns) -> Result<FilePolicy, StoreError> {
    let corrupt = |what: &str| StoreError::Backend(format!("corrupt {what} in file_policies"));
    let number = |n: Option<i64>, what: &str| {
        n.map(|n| u64::try_from(n).map_err(|_| corrupt(what)))
            .transpose()
    };
    Ok(FilePolicy {
        max_file_bytes: number(c.0, "max_file_bytes")?,
        quota_bytes: number(c.1, "quota_bytes")?,
        allowed_types: c
            .2
            .map(|t| serde_json::from_str(&t).map_err(|_| corrupt("types")))
            .transpose()?,
    })
}

pub fn channel_text(c: samtale_proto::notices::Channel) -> &'static str {
    match c {
        samtale_proto::notices::Channel::Sms => "sms",
        samtale_proto::notices::Channel::Email => "email",
    }
}

pub fn channel(s: &str) -> Result<samtale_proto::notices::Channel, StoreError> {
    match s {
        "sms" => Ok(samtale_proto::notices::Channel::Sms),
        "email" => Ok(samtale_proto::notices::Channel::Email),
        _ => Err(StoreError::Backend(format!("corrupt channel {s:?}"))),
    }
}

pub fn contact_state_text(c: samtale_proto::notices::ContactState) -> &'static str {
    use samtale_proto::notices::ContactState as S;
    match c {
        S::Verified => "verified",
        S::Unverified => "unverified",
        S::Bounced => "bounced",
    }
}

pub fn contact_state(s: &str) -> Result<samtale_proto::notices::ContactState, StoreError> {
    use samtale_proto::notices::ContactState as S;
    match s {
        "verified" => Ok(S::Verified),
        "unverified" => Ok(S::Unverified),
        "bounced" => Ok(S::Bounced),
        _ => Err(StoreError::Backend(format!("corrupt contact state {s:?}"))),
    }
}

pub fn purpose_text(p: samtale_proto::notices::Purpose) -> &'static str {
    use samtale_proto::notices::Purpose as P;
    match p {
        P::NewMessages => "new_messages",
        P::MeetingReminders => "meeting_reminders",
    }
}

pub fn purpose(s: &str) -> Result<samtale_proto::notices::Purpose, StoreError> {
    use samtale_proto::notices::Purpose as P;
    match s {
        "new_messages" => Ok(P::NewMessages),
        "meeting_reminders" => Ok(P::MeetingReminders),
        _ => Err(StoreError::Backend(format!("corrupt purpose {s:?}"))),
    }
}

pub fn notice_kind_text(k: samtale_proto::notices::NoticeKind) -> &'static str {
    use samtale_proto::notices::NoticeKind as K;
    match k {
        K::Code => "code",
        K::NewMessage => "new_message",
    }
}

pub fn notice_kind(s: &str) -> Result<samtale_proto::notices::NoticeKind, StoreError> {
    use samtale_proto::notices::NoticeKind as K;
    match s {
        "code" => Ok(K::Code),
        "new_message" => Ok(K::NewMessage),
        _ => Err(StoreError::Backend(format!("corrupt notice kind {s:?}"))),
    }
}

pub fn notice_state_text(n: samtale_proto::notices::NoticeState) -> &'static str {
    use samtale_proto::notices::NoticeState as N;
    match n {
        N::Queued => "queued",
        N::Sending => "sending",
        N::Sent => "sent",
        N::Delivered => "delivered",
        N::Failed => "failed",
        N::Uncertain => "uncertain",
    }
}

pub fn notice_state(s: &str) -> Result<samtale_proto::notices::NoticeState, StoreError> {
    use samtale_proto::notices::NoticeState as N;
    match s {
        "queued" => Ok(N::Queued),
        "sending" => Ok(N::Sending),
        "sent" => Ok(N::Sent),
        "delivered" => Ok(N::Delivered),
        "failed" => Ok(N::Failed),
        "uncertain" => Ok(N::Uncertain),
        _ => Err(StoreError::Backend(format!("corrupt notice state {s:?}"))),
    }
}

/// A unit's letterhead as stored: NULL when it has none.
pub fn letterhead_to(l: &samtale_proto::api::Letterhead) -> Result<Option<String>, StoreError> {
    if l.is_empty() {
        Ok(None)
    } else {
        to_json(l).map(Some)
    }
}

pub fn letterhead_from(s: Option<String>) -> Result<samtale_proto::api::Letterhead, StoreError> {
    s.map(|s| from_json(&s))
        .transpose()
        .map(Option::unwrap_or_default)
}
