//! A local SMS gateway for the notice tests: a real HTTP server on loopback that speaks
//! GatewayAPI's documented REST API, as the server's `GatewayApi` client calls it. `POST
//! /rest/mtsms` with the API token as the basic-auth user and a JSON body (`sender`, `message`,
//! `recipients[].msisdn`, `userref`) answers `{"ids": [..], "usage": {..}}`; a missing or wrong
//! token gets 401, a body without recipients 422. It can be told to fail the next requests with
//! 503, keeps every SMS it accepted for the test to read, and posts delivery reports to a
//! webhook the way the gateway does: the report as JSON, and the same claims as an HS256 JWT in
//! `X-Gwapi-Signature`.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{Value, json};

/// One SMS the gateway accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub id: u64,
    pub msisdn: u64,
    pub sender: String,
    pub message: String,
    pub userref: Option<String>,
}

#[derive(Default)]
struct Inner {
    token: String,
    fail_next: u32,
    requests: u32,
    next_id: u64,
    accepted: Vec<Sms>,
}

pub struct Gateway {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(inner: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|p| p.into_inner())
}

async fn mtsms(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    let token = lock(&inner).token.clone();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{token}:"))
    );
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != expected {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": "0x0002", "message": "Invalid API token"})),
        )
            .into_response();
    }
    let Ok(req) = serde_json::from_str::<Value>(&body) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "Invalid json request body"})),
        )
            .into_response();
    };
    let recipients: Vec<u64> = req["recipients"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["msisdn"].as_u64()).collect())
        .unwrap_or_default();
    let message = req["message"].as_str().unwrap_or("").to_owned();
    if recipients.is_empty() || message.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": "message and recipients are required"})),
        )
            .into_response();
    }
    let mut g = lock(&inner);
    g.requests += 1;
    if g.fail_next > 0 {
        g.fail_next -= 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"message": "Service temporarily unavailable"})),
        )
            .into_response();
    }
    let mut ids = Vec::new();
    for msisdn in recipients {
        g.next_id += 1;
        let id = 1_000_000 + g.next_id;
        ids.push(id);
        g.accepted.push(Sms {
            id,
            msisdn,
            sender: req["sender"].as_str().unwrap_or("").to_owned(),
            message: message.clone(),
            userref: req["userref"].as_str().map(str::to_owned),
        });
    }
    let amount = ids.len();
    Json(json!({"ids": ids, "usage": {"amount": amount, "currency": "DKK", "total_cost": 0.0}}))
        .into_response()
}

impl Gateway {
    /// Starts the gateway on a free port; requests must carry `token`.
    pub async fn start(token: &str) -> Result<Gateway> {
        let inner = Arc::new(Mutex::new(Inner {
            token: token.to_owned(),
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/rest/mtsms", post(mtsms))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Gateway { url, inner, task })
    }

    /// The next `n` requests get 503.
    pub fn fail_next(&self, n: u32) {
        lock(&self.inner).fail_next = n;
    }

    /// Every SMS accepted, in order.
    pub fn accepted(&self) -> Vec<Sms> {
        lock(&self.inner).accepted.clone()
    }

    /// Requests with a valid token, failed ones included.
    pub fn requests(&self) -> u32 {
        lock(&self.inner).requests
    }

    /// Posts a delivery report for `sms` to `webhook`, signed with `secret` as the gateway
    /// signs it; answers the status the webhook gave.
    pub async fn report(
        &self,
        webhook: &str,
        sms: &Sms,
        status: &str,
        secret: &[u8],
    ) -> Result<StatusCode> {
        let claims = json!({
            "id": sms.id, "msisdn": sms.msisdn, "time": 1_765_000_000,
            "status": status, "error": null, "code": null,
            "userref": sms.userref, "country_code": "DK", "country_prefix": 45,
        });
        let token = samtale_server::notices::sms::sign_report(&claims, secret);
        post_report(webhook, &claims, &token).await
    }
}

/// Posts a report body with the token given (the tests forge some).
pub async fn post_report(webhook: &str, claims: &Value, token: &str) -> Result<StatusCode> {
    let answer = reqwest::Client::new()
        .post(webhook)
        .header("X-Gwapi-Signature", token)
        .json(claims)
        .send()
        .await?;
    Ok(answer.status())
}
