//! Records into the case file: the caseworker's device makes the record and delivers it to the
//! case system; the server only writes the content-free audit line (who, when, which
//! conversation, which case number) and lets the municipality's admin read the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use samtale_proto::ThreadId;
use samtale_proto::api::Role;
use samtale_proto::records::{AuditLine, RecordAudit, check_case_number};
use serde::Deserialize;

use super::audit_entry;
use super::threads::visible_thread;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::Store;

/// The action name of a record's audit line.
pub const RECORDED: &str = "record";

pub async fn audit_record<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RecordAudit>,
) -> Result<StatusCode, ApiError> {
    let id = ThreadId::parse(&id).map_err(|_| ApiError::not_found("thread not found"))?;
    let thread = visible_thread(&st, &caller, &id).await?;
    if caller.user.role != Role::Caseworker {
        return Err(ApiError::forbidden(
            "only a caseworker records into the case file",
        ));
    }
    check_case_number(&req.case_number).map_err(|e| ApiError::bad_request(e.0))?;
    let subject = format!(
        "thread={} record={} case={}",
        thread.id,
        req.record,
        req.case_number.trim()
    );
    // The device retries until it hears back: the same record is written once.
    let entry = audit_entry(caller.tenant(), Some(&caller.user.id), RECORDED, &subject);
    st.store.audit_once(&entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<u32>,
}

/// The municipality's audit log, oldest first (at most `limit`, default 1,000 lines).
pub async fn audit_log<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditLine>>, ApiError> {
    if caller.user.role != Role::Admin {
        return Err(ApiError::forbidden(
            "only an administrator reads the audit log",
        ));
    }
    let limit = q.limit.unwrap_or(1000).min(10_000);
    let lines = st
        .store
        .audit_log(caller.tenant(), limit)
        .await?
        .into_iter()
        .map(|e| AuditLine {
            at_ms: e.at_ms,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
        })
        .collect();
    Ok(Json(lines))
}
