//! Threads: a caseworker creates a youth, parents or family thread and sets its members; every
//! member sees creation and membership changes as a thread event in their inbox.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use samtale_proto::api::{
    CreateThread, MemberInfo, Role, SetMembers, ThreadInfo, ThreadKind, UnitInfo,
};
use samtale_proto::{EventBody, ThreadId, UserId};

use super::{audit, audit_entry, fresh};
use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{Store, Thread, User};

const MAX_MEMBERS: usize = 32;

/// The members' public view: each user with their devices.
async fn member_infos<S: Store>(
    st: &AppState<S>,
    ids: &[UserId],
) -> Result<Vec<MemberInfo>, ApiError> {
    let mut members = Vec::with_capacity(ids.len());
    for id in ids {
        let user = st.store.user(id).await?.ok_or_else(ApiError::internal)?;
        let devices = st
            .store
            .devices_of(id)
            .await?
            .iter()
            .map(|d| d.info())
            .collect();
        members.push(MemberInfo {
            user: user.info(),
            devices,
        });
    }
    Ok(members)
}

/// The full thread view with the given members.
async fn info_with<S: Store>(
    st: &AppState<S>,
    thread: &Thread,
    members: &[UserId],
) -> Result<ThreadInfo, ApiError> {
    Ok(ThreadInfo {
        id: thread.id.clone(),
        tenant: thread.tenant.clone(),
        kind: thread.kind,
        created_by: thread.created_by.clone(),
        created_at_ms: thread.created_at_ms,
        members: member_infos(st, members).await?,
        unit: match &thread.unit {
            None => None,
            Some(u) => st.store.unit(u).await?.map(|u| UnitInfo {
                id: u.id,
                name: u.name,
                letterhead: Default::default(),
            }),
        },
    })
}

/// The full thread view as stored.
pub async fn thread_info<S: Store>(
    st: &AppState<S>,
    thread: &Thread,
) -> Result<ThreadInfo, ApiError> {
    let ids = st.store.thread_members(&thread.id).await?;
    info_with(st, thread, &ids).await
}

/// Loads a thread the caller may see: in their tenant and with them as a member. Another
/// tenant's thread answers exactly like a missing one.
pub async fn visible_thread<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    id: &ThreadId,
) -> Result<Thread, ApiError> {
    let thread = st
        .store
        .thread(id)
        .await?
        .filter(|t| t.tenant == *caller.tenant())
        .ok_or_else(|| ApiError::not_found("thread not found"))?;
    if !st.store.thread_members(id).await?.contains(&caller.user.id) {
        return Err(ApiError::forbidden("you are not a member of this thread"));
    }
    Ok(thread)
}

/// Checks the member list against the thread kind; returns it with `creator` included.
async fn check_members<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    kind: ThreadKind,
    members: &[UserId],
) -> Result<Vec<UserId>, ApiError> {
    if members.len() >= MAX_MEMBERS {
        return Err(ApiError::bad_request(format!(
            "a thread has at most {MAX_MEMBERS} members"
        )));
    }
    let mut all: Vec<UserId> = members.to_vec();
    all.push(caller.user.id.clone());
    all.sort();
    all.dedup();
    let mut users: Vec<User> = Vec::with_capacity(all.len());
    for id in &all {
        match st.store.user(id).await? {
            Some(u) if u.tenant == *caller.tenant() => users.push(u),
            _ => return Err(ApiError::not_found(format!("user {id} not found"))),
        }
    }
    let youths = users.iter().filter(|u| u.role == Role::Youth).count();
    let parents = users.iter().filter(|u| u.role == Role::Parent).count();
    if users.iter().any(|u| u.role == Role::Admin) {
        return Err(ApiError::bad_request(
            "administrators cannot be members of a conversation",
        ));
    }
    let ok = match kind {
        ThreadKind::Youth => youths == 1 && parents == 0,
        ThreadKind::Parents => youths == 0 && parents >= 1,
        ThreadKind::Family => youths >= 1 && parents >= 1,
    };
    if !ok {
        return Err(ApiError::bad_request(match kind {
            ThreadKind::Youth => "a youth thread has exactly one youth and no parents",
            ThreadKind::Parents => "a parents thread has one or more parents and no youth",
            ThreadKind::Family => "a family thread has the youth and at least one parent",
        }));
    }
    Ok(all)
}

pub async fn create<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateThread>,
) -> Result<(StatusCode, Json<ThreadInfo>), ApiError> {
    if caller.user.role != Role::Caseworker {
        return Err(ApiError::forbidden("only a caseworker can start a thread"));
    }
    let members = check_members(&st, &caller, req.kind, &req.members).await?;
    let thread = Thread {
        id: fresh(ThreadId::from_parts),
        tenant: caller.tenant().clone(),
        kind: req.kind,
        created_by: caller.user.id.clone(),
        created_at_ms: now_ms(),
        // The conversation belongs to her unit, if she has one.
        unit: st.store.staff_unit(&caller.user.id).await?,
    };
    // The view is built before storing so that the event carries it.
    let info = info_with(&st, &thread, &members).await?;
    let event = EventBody::Thread {
        thread: info.clone(),
    };
    let fanout = st
        .store
        .create_thread(&thread, &members, &event, now_ms())
        .await?;
    st.hub.notify(&fanout);
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "thread.create",
            thread.id.as_str(),
        ),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

pub async fn list<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<ThreadInfo>>, ApiError> {
    let mut out = Vec::new();
    for t in st.store.threads_of(&caller.user.id).await? {
        out.push(thread_info(&st, &t).await?);
    }
    Ok(Json(out))
}

pub async fn get_one<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ThreadInfo>, ApiError> {
    let id = ThreadId::parse(&id).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let thread = visible_thread(&st, &caller, &id).await?;
    Ok(Json(thread_info(&st, &thread).await?))
}

pub async fn set_members<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SetMembers>,
) -> Result<Json<ThreadInfo>, ApiError> {
    let id = ThreadId::parse(&id).map_err(|e| ApiError::bad_request(e.to_string()))?;
    if caller.user.role != Role::Caseworker {
        return Err(ApiError::forbidden(
            "only a caseworker can change who is in a thread",
        ));
    }
    let thread = visible_thread(&st, &caller, &id).await?;
    let members = check_members(&st, &caller, thread.kind, &req.members).await?;
    let info = info_with(&st, &thread, &members).await?;
    let fanout = st
        .store
        .set_members(
            &id,
            &members,
            &EventBody::Thread {
                thread: info.clone(),
            },
            now_ms(),
        )
        .await?;
    st.hub.notify(&fanout);
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "thread.members",
            id.as_str(),
        ),
    )
    .await?;
    Ok(Json(info))
}
