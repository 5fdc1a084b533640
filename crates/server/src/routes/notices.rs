//! Verifying a number or address with a one-time code, the notices sent as evidence, and the
//! SMS gateway's delivery reports (issue 9).
//!
//! A citizen asks for a code (`POST /v1/me/contacts/{channel}/code`): six digits, sealed under
//! the contact key on his contact, good for 10 minutes, sent through the notice queue (the one
//! notice with something in it: the code, and never a name). He types it back (`…/verify`):
//! each try is counted before it is compared, five per code, and failures count against the
//! caller's address like invitation codes. At most three codes per channel an hour.
//!
//! The gateway's reports (`POST /v1/hooks/gatewayapi`) are read only from a token signed with
//! the webhook secret; a report that the operator could not deliver flags the number.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use rand_core::{OsRng, RngCore};
use samtale_proto::ErrorCode;
use samtale_proto::UserId;
use samtale_proto::notices::{
    Channel, CodeSent, ContactState, ContactView, NoticeKind, NoticeState, NoticeView,
    VerifyContact,
};

use super::contacts::{Reason, citizen_only, key, staff_may_reach};
use super::{audit, audit_entry};
use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::notices::queue::{NewNotice, enqueue, flag};
use crate::notices::sms::{ReportMeaning, verify_report};
use crate::state::AppState;
use crate::store::{ContactCode, NoticeUpdate, QueuedNotice, Store};

/// How long a code holds.
const CODE_TTL_MS: i64 = 10 * 60_000;
/// Tries per code.
const CODE_ATTEMPTS: u32 = 5;
/// Codes per channel per hour.
const CODES_PER_HOUR: usize = 3;

fn channel_of(text: &str) -> Result<Channel, ApiError> {
    match text {
        "sms" => Ok(Channel::Sms),
        "email" => Ok(Channel::Email),
        _ => Err(ApiError::bad_request("the channel is sms or email")),
    }
}

/// What a code is bound to when sealed.
fn code_place(citizen: &UserId, channel: Channel) -> Vec<u8> {
    format!("samtale-code/v1|{citizen}|{}", channel.da()).into_bytes()
}

fn view(n: &QueuedNotice) -> NoticeView {
    NoticeView {
        id: n.id.clone(),
        citizen: n.citizen.clone(),
        channel: n.channel,
        kind: n.kind,
        state: n.state,
        reason: n.reason.clone(),
        attempts: n.attempts,
        created_at_ms: n.created_at_ms,
        sent_at_ms: n.sent_at_ms,
    }
}

pub async fn send_code<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(channel): Path<String>,
) -> Result<Json<CodeSent>, ApiError> {
    let key = key(&st)?;
    citizen_only(&caller)?;
    let channel = channel_of(&channel)?;
    let out = st.outbound.as_ref().filter(|o| o.can_send(channel));
    let Some(out) = out else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            match channel {
                Channel::Sms => {
                    "this server sends no SMS; ask the administrator to set up the gateway"
                }
                Channel::Email => {
                    "this server sends no e-mail; ask the administrator to set up SMTP"
                }
            },
        ));
    };
    let me = caller.user.id.clone();
    let contact = st
        .store
        .register_of(&me)
        .await?
        .into_iter()
        .find(|c| c.channel == channel)
        .ok_or_else(|| ApiError::not_found("add the number or address first"))?;
    let now = now_ms();
    let recent = st
        .store
        .notices_of(&me, 50)
        .await?
        .iter()
        .filter(|n| n.kind == NoticeKind::Code && n.channel == channel)
        .filter(|n| now - n.created_at_ms < 3_600_000)
        .count();
    if recent >= CODES_PER_HOUR {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "three codes were sent in the last hour; wait a while and ask again",
        ));
    }
    let to = key
        .open(
            &crate::notices::contact::sealed_place(&me, channel),
            &contact.sealed,
        )
        .map_err(|_| ApiError::internal())?;
    let to = String::from_utf8(to.to_vec()).map_err(|_| ApiError::internal())?;
    let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
    let sealed = key
        .seal(&code_place(&me, channel), code.as_bytes())
        .map_err(|_| ApiError::internal())?;
    let expires_at_ms = now + CODE_TTL_MS;
    let stored = st
        .store
        .set_contact_code(
            &me,
            channel,
            &ContactCode {
                sealed,
                expires_at_ms,
                attempts: 0,
            },
        )
        .await?;
    if !stored {
        return Err(ApiError::not_found("add the number or address first"));
    }
    let text = format!("Din kode til Samtale er {code}. Den gælder i 10 minutter.");
    enqueue(
        &st.store,
        key,
        NewNotice {
            tenant: caller.tenant(),
            citizen: &me,
            channel,
            kind: NoticeKind::Code,
            to: &to,
            text: &text,
            reason: format!("kode til at bekræfte {}, bedt om i appen", channel.da()),
            at_ms: now,
        },
    )
    .await?;
    out.wake.notify_one();
    Ok(Json(CodeSent {
        channel,
        expires_at_ms,
    }))
}

pub async fn verify<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(channel): Path<String>,
    ApiJson(req): ApiJson<VerifyContact>,
) -> Result<Json<ContactView>, ApiError> {
    let key = key(&st)?;
    citizen_only(&caller)?;
    let channel = channel_of(&channel)?;
    if !st.failures.allowed(addr.ip()) {
        return Err(ApiError::rate_limited());
    }
    let me = caller.user.id.clone();
    let no_code = || ApiError::not_found("there is no code to check; ask for a new one");
    let code = st
        .store
        .contact_code(&me, channel)
        .await?
        .ok_or_else(no_code)?;
    if now_ms() >= code.expires_at_ms {
        return Err(ApiError::bad_request(
            "the code has expired; ask for a new one",
        ));
    }
    // Counted before it is compared, so that racing tries cannot get past the limit.
    let tries = st.store.count_code_attempt(&me, channel).await?;
    if tries == 0 {
        return Err(no_code());
    }
    if tries > CODE_ATTEMPTS {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many wrong tries for this code; ask for a new one",
        ));
    }
    let right = key
        .open(&code_place(&me, channel), &code.sealed)
        .map_err(|_| ApiError::internal())?;
    let typed: String = req.code.chars().filter(|c| !c.is_whitespace()).collect();
    if !constant_time_eq(typed.as_bytes(), &right) {
        st.failures.record_failure(addr.ip());
        return Err(ApiError::bad_request(format!(
            "the code is not right; {} tries left",
            CODE_ATTEMPTS - tries
        )));
    }
    let now = now_ms();
    st.store
        .set_contact_state(&me, channel, ContactState::Verified, now)
        .await?;
    facts_changed(&st, &me).await;
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&me),
            "contact.verify",
            &format!("user={me} channel={}", channel.da()),
        ),
    )
    .await?;
    let c = st
        .store
        .register_of(&me)
        .await?
        .into_iter()
        .find(|c| c.channel == channel)
        .ok_or_else(ApiError::internal)?;
    let value = key
        .open(
            &crate::notices::contact::sealed_place(&me, channel),
            &c.sealed,
        )
        .map_err(|_| ApiError::internal())?;
    Ok(Json(ContactView {
        channel,
        value: String::from_utf8_lossy(&value).into_owned(),
        state: c.state,
        source: c.source,
        updated_at_ms: c.updated_at_ms,
        verified_at_ms: c.verified_at_ms,
    }))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn mine<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<NoticeView>>, ApiError> {
    citizen_only(&caller)?;
    let list = st.store.notices_of(&caller.user.id, 200).await?;
    Ok(Json(list.iter().map(view).collect()))
}

/// Staff read what was sent to a citizen and why, with a reason that is logged.
pub async fn of_citizen<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<Reason>,
) -> Result<Json<Vec<NoticeView>>, ApiError> {
    let citizen = staff_may_reach(&st, &caller, &id).await?;
    let reason = q.checked()?;
    let list = st.store.notices_of(&citizen, 200).await?;
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "notice.read",
            &format!("user={citizen} reason={reason}"),
        ),
    )
    .await?;
    Ok(Json(list.iter().map(view).collect()))
}

/// A delivery report from GatewayAPI. Only the signed token's claims are read.
pub async fn gatewayapi_report<S: Store>(
    State(st): State<AppState<S>>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let Some(secret) = st.sms_webhook_secret.clone() else {
        return Err(ApiError::not_found(
            "this server takes no delivery reports; set sms_webhook_secret",
        ));
    };
    let token = headers
        .get("x-gwapi-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let report = verify_report(token, secret.as_bytes())
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    let unknown = || ApiError::not_found("no notice was sent with this id");
    let notice = st
        .store
        .notice_by_ref(Channel::Sms, &report.id.to_string())
        .await?
        .ok_or_else(unknown)?;
    // The reference we sent must come back with it.
    if report.userref.as_deref().is_some_and(|r| r != notice.id) {
        return Err(unknown());
    }
    let now = now_ms();
    let (state, words) = match report.meaning() {
        ReportMeaning::Pending => return Ok(StatusCode::NO_CONTENT),
        ReportMeaning::Delivered => (NoticeState::Delivered, "leveret".to_owned()),
        ReportMeaning::Failed => (
            NoticeState::Failed,
            format!(
                "operatøren kunne ikke levere den ({}{})",
                report.status,
                report
                    .error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
        ),
    };
    let update = NoticeUpdate {
        state,
        reason: format!("{}; {words}", notice.reason),
        next_at_ms: None,
        sent_at_ms: None,
        gateway_ref: None,
    };
    // A report for a notice already reported (a replay) changes nothing.
    let changed = st
        .store
        .update_notice(&notice.id, NoticeState::Sent, &update)
        .await?;
    if changed && state == NoticeState::Failed {
        flag(&st.store, &notice, now).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A message landed: a caseworker's in a conversation of a unit starts watches for its youths
/// and parents; a citizen's own message ends his watch (he is in the app). Only when the server
/// sends notices; a failure is logged and never fails the message.
pub(super) async fn watch_message<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    header: &samtale_proto::EnvelopeHeader,
    only: Option<&[UserId]>,
) {
    let Some(rules) = st.notice_rules.clone() else {
        return;
    };
    let result = if caller.user.role.is_staff() {
        crate::notices::watch::start_watches(&st.store, &rules, header, only).await
    } else {
        st.store.clear_unread(&caller.user.id, &header.thread).await
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "watching a message for a notice failed");
    }
}

/// The citizen read the conversation: no notice for it.
pub(super) async fn read_conversation<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    thread: &samtale_proto::ThreadId,
) {
    if st.notice_rules.is_none() || caller.user.role.is_staff() {
        return;
    }
    if let Err(e) = st.store.clear_unread(&caller.user.id, thread).await {
        tracing::error!(error = %e, "ending a watch failed");
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnreachableQuery {
    unit: Option<String>,
}

/// "Kan ikke nås digitalt": the citizens with unread messages whom nothing digital reaches.
/// A caseworker sees those in her own conversations; an admin the whole municipality. Names
/// and reasons only: never a message.
pub async fn unreachable<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Query(q): Query<UnreachableQuery>,
) -> Result<Json<Vec<samtale_proto::notices::UnreachableView>>, ApiError> {
    use samtale_proto::api::Role;
    let mine = match caller.user.role {
        Role::Caseworker => Some(
            st.store
                .threads_of(&caller.user.id)
                .await?
                .into_iter()
                .map(|t| t.id)
                // A set: the list is checked once per watch of the whole municipality.
                .collect::<std::collections::HashSet<_>>(),
        ),
        Role::Admin => None,
        _ => {
            return Err(ApiError::forbidden(
                "only the municipality's staff see who cannot be reached",
            ));
        }
    };
    let unit = match q.unit.as_deref() {
        None => None,
        Some(u) => Some(
            samtale_proto::UnitId::parse(u)
                .map_err(|_| ApiError::bad_request("unit is a unit id"))?,
        ),
    };
    let mut out = Vec::new();
    let mut names = std::collections::HashMap::new();
    for w in st.store.unreachable_watches(caller.tenant()).await? {
        if mine.as_ref().is_some_and(|m| !m.contains(&w.thread)) {
            continue;
        }
        if unit.as_ref().is_some_and(|u| *u != w.unit) {
            continue;
        }
        let Some(user) = st.store.user(&w.citizen).await? else {
            continue;
        };
        let unit_name = match names.get(&w.unit) {
            Some(n) => Clone::clone(n),
            None => {
                let n = st
                    .store
                    .unit(&w.unit)
                    .await?
                    .map(|u| u.name)
                    .unwrap_or_default();
                names.insert(w.unit.clone(), n.clone());
                n
            }
        };
        out.push(samtale_proto::notices::UnreachableView {
            citizen: w.citizen,
            display_name: user.display_name,
            role: user.role,
            thread: w.thread,
            unit: w.unit,
            unit_name,
            unread_since_ms: w.unread_since_ms,
            decided_at_ms: w.decided_at_ms.unwrap_or(w.unread_since_ms),
            reasons: w.unreachable,
        });
    }
    Ok(Json(out))
}

/// Something that decides the citizen's notices changed (a number confirmed or replaced, a
/// consent given or withdrawn): his watches are decided again now, so that the list and the
/// notices follow at once. A failure is logged; the change itself stands.
pub(super) async fn facts_changed<S: Store>(st: &AppState<S>, citizen: &UserId) {
    if st.notice_rules.is_none() {
        return;
    }
    if let Err(e) = st.store.look_again(citizen, now_ms()).await {
        tracing::error!(error = %e, "deciding a citizen's notices again failed");
    }
}
