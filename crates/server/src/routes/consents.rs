//! Consent per unit, purpose and channel, with its evidence (issue 9). A citizen gives and
//! withdraws his own with one tap (`/v1/me/consents`), a parent gives one for a youth under 15
//! he shares a conversation with, and a caseworker records one given to her with a note of
//! how (`/v1/users/{id}/consents`). Nothing is overwritten: a withdrawal stamps the record, a
//! new consent is a new record; every change is in the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use rand_core::{OsRng, RngCore};
use samtale_proto::api::Role;
use samtale_proto::clock::Date;
use samtale_proto::notices::SetBorn;
use samtale_proto::notices::{
    Channel, Consent, ConsentHow, ConsentView, GiveConsent, Purpose, RecordConsent, WithdrawConsent,
};
use samtale_proto::{ErrorCode, UnitId, UserId};

use super::contacts::{Reason, staff_may_reach};
use super::{audit, audit_entry};
use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{ConsentRecord, Store, StoreError};

fn new_id() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new consent record given now.
fn record_of(
    caller: &Caller,
    citizen: UserId,
    (unit, purpose, channel): (&UnitId, Purpose, Channel),
    given_by: UserId,
    by_parent: bool,
    how: ConsentHow,
) -> ConsentRecord {
    ConsentRecord {
        id: new_id(),
        tenant: caller.tenant().clone(),
        consent: Consent {
            citizen,
            unit: unit.as_str().to_owned(),
            purpose,
            channel,
            given_at_ms: now_ms(),
            given_by,
            by_parent,
            how,
            withdrawn_at_ms: None,
        },
    }
}

/// The unit's name, when it is one of the caller's municipality's units (another
/// municipality's units look like units that do not exist).
async fn unit_name<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    unit: &UnitId,
) -> Result<String, ApiError> {
    match st.store.unit(unit).await? {
        Some(u) if u.tenant == *caller.tenant() => Ok(u.name),
        _ => Err(ApiError::not_found("no such unit in your municipality")),
    }
}

/// The citizen's history, each with its unit's name.
async fn history<S: Store>(
    st: &AppState<S>,
    citizen: &UserId,
) -> Result<Vec<ConsentView>, ApiError> {
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::new();
    for r in st.store.consents_of(citizen).await? {
        let name = match names.get(&r.consent.unit) {
            Some(n) => Clone::clone(n),
            None => {
                let n = match UnitId::parse(&r.consent.unit) {
                    Ok(id) => st.store.unit(&id).await?.map(|u| u.name),
                    Err(_) => None,
                }
                .unwrap_or_else(|| "(enhed slettet)".to_owned());
                names.insert(r.consent.unit.clone(), n.clone());
                n
            }
        };
        out.push(ConsentView {
            id: r.id,
            unit_name: name,
            consent: r.consent,
        });
    }
    Ok(out)
}

/// Whether `youth` has turned 15 (as far as his birth date is known).
async fn lapsed<S: Store>(st: &AppState<S>, youth: &UserId) -> Result<bool, ApiError> {
    Ok(match st.store.born(youth).await? {
        Some(born) => now_ms() >= crate::notices::rules::fifteenth_birthday_ms(born),
        None => false,
    })
}

/// Stores a consent, or answers the live one already there (a second tap changes nothing).
async fn give<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    record: ConsentRecord,
    unit_name: String,
) -> Result<Json<ConsentView>, ApiError> {
    let c = record.consent.clone();
    match st.store.add_consent(&record).await {
        Ok(()) => super::notices::facts_changed(st, &c.citizen).await,
        Err(StoreError::Conflict(_)) => {
            let live = history(st, &c.citizen).await?.into_iter().find(|v| {
                v.consent.unit == c.unit
                    && v.consent.purpose == c.purpose
                    && v.consent.channel == c.channel
                    && v.consent.withdrawn_at_ms.is_none()
            });
            // From his 15th birthday a parent's consent for him has lapsed: his own replaces
            // it (the parent's is stamped withdrawn, its record kept). Before, his own tap
            // adds nothing to the parent's.
            let replace = match &live {
                Some(l) if l.consent.by_parent && !c.by_parent => lapsed(st, &c.citizen).await?,
                _ => false,
            };
            if !replace {
                return live.map(Json).ok_or_else(ApiError::internal);
            }
            let unit = UnitId::parse(&c.unit).map_err(|_| ApiError::internal())?;
            st.store
                .withdraw_consent(&c.citizen, &unit, c.purpose, c.channel, now_ms(), false)
                .await?;
            st.store.add_consent(&record).await?;
            super::notices::facts_changed(st, &c.citizen).await;
        }
        Err(e) => return Err(e.into()),
    }
    audit(
        st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "consent.give",
            &format!(
                "user={} unit={} purpose={} channel={} by={}{}",
                c.citizen,
                c.unit,
                c.purpose.da(),
                c.channel.da(),
                c.given_by,
                if c.by_parent { " (forælder)" } else { "" }
            ),
        ),
    )
    .await?;
    Ok(Json(ConsentView {
        id: record.id,
        unit_name,
        consent: c,
    }))
}

pub async fn mine<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Query(q): Query<samtale_proto::notices::ConsentsQuery>,
) -> Result<Json<Vec<ConsentView>>, ApiError> {
    if caller.user.role.is_staff() {
        return Err(ApiError::forbidden(
            "consents are given by youths and parents, not staff",
        ));
    }
    let whose = match &q.for_youth {
        None => caller.user.id.clone(),
        Some(youth) => {
            parent_for(&st, &caller, youth).await?;
            youth.clone()
        }
    };
    Ok(Json(history(&st, &whose).await?))
}

/// Whether the caller is a parent who may give and withdraw consent for `youth`: the youth is
/// in one of his conversations, of his municipality, and not yet 15 (as far as known).
async fn parent_for<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    youth: &UserId,
) -> Result<(), ApiError> {
    if caller.user.role != Role::Parent {
        return Err(ApiError::forbidden(
            "only a parent gives consent for a youth",
        ));
    }
    let shares = st.store.contacts_of(&caller.user.id).await?.contains(youth);
    let is_youth = matches!(
        st.store.user(youth).await?,
        Some(u) if u.role == Role::Youth && u.tenant == *caller.tenant()
    );
    if !shares || !is_youth {
        return Err(ApiError::not_found("no such youth in your conversations"));
    }
    // From 15 he decides himself; a parent's consent would lapse at once.
    if lapsed(st, youth).await? {
        return Err(ApiError::forbidden(
            "the youth is 15 or older and gives his consent himself",
        ));
    }
    Ok(())
}

/// Whether to ask the youth for his own consent now (`rules::needs_own_consent`).
pub async fn prompt<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<samtale_proto::notices::ConsentPrompt>, ApiError> {
    let me = &caller.user.id;
    let ask = caller.user.role == Role::Youth && {
        let born = st.store.born(me).await?;
        let consents: Vec<Consent> = st
            .store
            .consents_of(me)
            .await?
            .into_iter()
            .map(|r| r.consent)
            .collect();
        crate::notices::rules::needs_own_consent(me, born, &consents, now_ms())
    };
    Ok(Json(samtale_proto::notices::ConsentPrompt { ask }))
}

/// The citizen's own tap, or a parent's for a youth under 15 in one of his conversations.
pub async fn give_mine<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<GiveConsent>,
) -> Result<Json<ConsentView>, ApiError> {
    if caller.user.role.is_staff() {
        return Err(ApiError::forbidden(
            "consents are given by youths and parents, not staff",
        ));
    }
    let name = unit_name(&st, &caller, &req.unit).await?;
    let (citizen, by_parent) = match &req.for_youth {
        None => (caller.user.id.clone(), false),
        Some(youth) => {
            parent_for(&st, &caller, youth).await?;
            (youth.clone(), true)
        }
    };
    let record = record_of(
        &caller,
        citizen,
        (&req.unit, req.purpose, req.channel),
        caller.user.id.clone(),
        by_parent,
        ConsentHow::InApp,
    );
    give(&st, &caller, record, name).await
}

/// Ends `citizen`'s live consent of `req`, and logs who did it; with `only_by_parent` (a parent
/// acting for a youth) only one a parent gave.
async fn withdraw<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    citizen: &UserId,
    req: &WithdrawConsent,
    only_by_parent: bool,
) -> Result<StatusCode, ApiError> {
    unit_name(st, caller, &req.unit).await?;
    let ended = st
        .store
        .withdraw_consent(
            citizen,
            &req.unit,
            req.purpose,
            req.channel,
            now_ms(),
            only_by_parent,
        )
        .await?;
    let Some(id) = ended else {
        // Told apart only after the fact: the refusal itself was one statement.
        let his_own = only_by_parent
            && st.store.consents_of(citizen).await?.into_iter().any(|r| {
                r.consent.unit == req.unit.as_str()
                    && r.consent.purpose == req.purpose
                    && r.consent.channel == req.channel
                    && r.consent.withdrawn_at_ms.is_none()
                    && !r.consent.by_parent
            });
        if his_own {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::Conflict,
                "the youth gave this consent himself; only he can withdraw it",
            ));
        }
        return Err(ApiError::not_found(
            "there is no live consent for this unit, purpose and channel",
        ));
    };
    super::notices::facts_changed(st, citizen).await;
    audit(
        st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "consent.withdraw",
            &format!("user={citizen} consent={id}"),
        ),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn withdraw_mine<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<WithdrawConsent>,
) -> Result<StatusCode, ApiError> {
    if caller.user.role.is_staff() {
        return Err(ApiError::forbidden(
            "consents are given by youths and parents, not staff",
        ));
    }
    match &req.for_youth {
        None => withdraw(&st, &caller, &caller.user.id, &req, false).await,
        Some(youth) => {
            parent_for(&st, &caller, youth).await?;
            // A parent takes back what a parent gave; the youth's own is his to take back.
            withdraw(&st, &caller, youth, &req, true).await
        }
    }
}

/// A caseworker records a consent given to her, with a note of how it was given.
pub async fn record<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RecordConsent>,
) -> Result<Json<ConsentView>, ApiError> {
    let citizen = staff_may_reach(&st, &caller, &id).await?;
    let name = unit_name(&st, &caller, &req.unit).await?;
    let note = req.note.trim();
    if note.chars().count() < 3 || note.chars().count() > 200 || note.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(
            "say how the consent was given (3 to 200 characters, one line), e.g. \"mundtligt ved møde 12.11\"",
        ));
    }
    let (given_by, by_parent) = match &req.given_by {
        None => (citizen.clone(), false),
        Some(p) if *p == citizen => (citizen.clone(), false),
        Some(parent) => {
            let ok = matches!(
                st.store.user(parent).await?,
                Some(u) if u.role == Role::Parent && u.tenant == *caller.tenant()
            );
            if !ok {
                return Err(ApiError::not_found(
                    "given_by is not a parent in your municipality",
                ));
            }
            (parent.clone(), true)
        }
    };
    let record = record_of(
        &caller,
        citizen,
        (&req.unit, req.purpose, req.channel),
        given_by,
        by_parent,
        ConsentHow::Recorded {
            note: note.to_owned(),
        },
    );
    give(&st, &caller, record, name).await
}

/// A caseworker records that a citizen withdrew a consent (on the phone, at a meeting).
pub async fn withdraw_for<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<WithdrawConsent>,
) -> Result<StatusCode, ApiError> {
    let citizen = staff_may_reach(&st, &caller, &id).await?;
    if req.for_youth.is_some() {
        return Err(ApiError::bad_request(
            "for_youth is for a parent's own withdrawal; staff name the youth in the path",
        ));
    }
    withdraw(&st, &caller, &citizen, &req, false).await
}

/// Staff read a citizen's consents with their history, with a reason that is logged.
pub async fn of_citizen<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<Reason>,
) -> Result<Json<Vec<ConsentView>>, ApiError> {
    let citizen = staff_may_reach(&st, &caller, &id).await?;
    let reason = q.checked()?;
    let list = history(&st, &citizen).await?;
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "consent.read",
            &format!("user={citizen} reason={reason}"),
        ),
    )
    .await?;
    Ok(Json(list))
}

/// A caseworker enters a youth's birth date (for the 15-year rule), or forgets it.
pub async fn set_born<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SetBorn>,
) -> Result<Json<SetBorn>, ApiError> {
    let citizen = staff_may_reach(&st, &caller, &id).await?;
    let is_youth = matches!(st.store.user(&citizen).await?, Some(u) if u.role == Role::Youth);
    if !is_youth {
        return Err(ApiError::bad_request(
            "a birth date is kept for youths only",
        ));
    }
    let born = match req.born.as_deref() {
        None => None,
        Some(text) => {
            let date = Date::parse(text).ok_or_else(|| {
                ApiError::bad_request(format!("{text:?} is not a date: write it like 20.11.2011"))
            })?;
            // Samtale is for youths of 12 to 23: a date in the future or more than 30 years
            // back is a typing error.
            let today = samtale_proto::clock::local(now_ms()).date;
            let oldest = Date {
                year: today.year - 30,
                ..today
            };
            if date > today || date < oldest {
                return Err(ApiError::bad_request(format!(
                    "{text:?} cannot be a youth's birth date"
                )));
            }
            Some(date)
        }
    };
    if !st.store.set_born(&citizen, born).await? {
        return Err(ApiError::not_found("no such person in your municipality"));
    }
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "user.born",
            &format!("user={citizen} set={}", born.is_some()),
        ),
    )
    .await?;
    Ok(Json(SetBorn {
        born: born.map(Date::iso),
    }))
}
