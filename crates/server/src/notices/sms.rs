//! SMS through a gateway's HTTP API, behind [`SmsGateway`]; [`GatewayApi`] speaks GatewayAPI's
//! documented REST API (a Danish gateway): `POST /rest/mtsms` with the API token as the basic
//! auth user, a JSON body with `sender`, `message`, `recipients[].msisdn`, `userref` (our notice
//! id) and `callback_url`; it answers `{"ids": [..]}`. Its delivery reports come back as a POST
//! whose `X-Gwapi-Signature` header is a JWT (HS256) signed with the webhook secret; the claims
//! are the report, so only a token that verifies is read ([`verify_report`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Why a notice did not go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another try later (the gateway or mail server is down or busy).
    #[error("{0}")]
    Temporary(String),
    /// Refused for good (the number or address itself): not tried again.
    #[error("{0}")]
    Permanent(String),
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<String, SendError>> + Send + 'a>>;

/// A gateway that sends one SMS and answers its own id for it (used to match delivery reports).
pub trait SmsGateway: Send + Sync {
    /// Sends `text` to `msisdn` (`+4512345678`); `reference` is our id, echoed in reports.
    fn send<'a>(&'a self, msisdn: &'a str, text: &'a str, reference: &'a str) -> SendFuture<'a>;
}

/// GatewayAPI's REST API.
pub struct GatewayApi {
    http: reqwest::Client,
    /// `https://gatewayapi.com` (or `https://gatewayapi.eu`, or a test server).
    base: String,
    token: String,
    /// Up to 11 letters or 15 digits, shown as the sender ("Samtale").
    sender: String,
    /// Where reports go (`…/v1/hooks/gatewayapi`), when the server has a public address.
    callback: Option<String>,
}

impl GatewayApi {
    pub fn new(
        base: &str,
        token: &str,
        sender: &str,
        callback: Option<String>,
    ) -> Result<GatewayApi, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| format!("the SMS gateway client: {e}"))?;
        Ok(GatewayApi {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            sender: sender.to_owned(),
            callback,
        })
    }
}

#[derive(Serialize)]
struct Recipient {
    msisdn: u64,
}

#[derive(Serialize)]
struct MtSms<'a> {
    sender: &'a str,
    message: &'a str,
    recipients: [Recipient; 1],
    userref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
}

#[derive(Deserialize)]
struct Accepted {
    ids: Vec<u64>,
}

impl SmsGateway for GatewayApi {
    fn send<'a>(&'a self, msisdn: &'a str, text: &'a str, reference: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let number: u64 = msisdn
                .trim_start_matches('+')
                .parse()
                .map_err(|_| SendError::Permanent(format!("{msisdn:?} er ikke et nummer")))?;
            let body = MtSms {
                sender: &self.sender,
                message: text,
                recipients: [Recipient { msisdn: number }],
                userref: reference,
                callback_url: self.callback.as_deref(),
            };
            let answer = self
                .http
                .post(format!("{}/rest/mtsms", self.base))
                .basic_auth(&self.token, Some(""))
                .json(&body)
                .send()
                .await
                .map_err(|e| SendError::Temporary(format!("gatewayen svarede ikke ({e})")))?;
            let status = answer.status();
            if status.is_success() {
                let accepted: Accepted = answer.json().await.map_err(|e| {
                    SendError::Temporary(format!("gatewayens svar kunne ikke læses ({e})"))
                })?;
                return accepted
                    .ids
                    .first()
                    .map(u64::to_string)
                    .ok_or_else(|| SendError::Temporary("gatewayen gav intet id".into()));
            }
            let detail = answer.text().await.unwrap_or_default();
            let detail: String = detail.chars().take(200).collect();
            // 400 and 422 are about this message (a number the gateway will not take); a
            // refused token (401, 403), a limit (429) and errors (5xx) are tried again.
            if matches!(status.as_u16(), 400 | 422) {
                Err(SendError::Permanent(format!(
                    "gatewayen afviste beskeden ({status}: {detail})"
                )))
            } else {
                Err(SendError::Temporary(format!(
                    "gatewayen svarede {status} ({detail})"
                )))
            }
        })
    }
}

/// A delivery report, as the verified token's claims carry it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeliveryReport {
    /// The gateway's id of the SMS.
    pub id: u64,
    pub status: String,
    #[serde(default)]
    pub userref: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub time: Option<i64>,
}

/// What a report means for the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportMeaning {
    Delivered,
    /// The operator could not deliver it: the number is flagged.
    Failed,
    /// On its way (buffered, en route, …): nothing changes.
    Pending,
}

impl DeliveryReport {
    pub fn meaning(&self) -> ReportMeaning {
        match self.status.as_str() {
            "DELIVERED" => ReportMeaning::Delivered,
            "UNDELIVERABLE" | "REJECTED" | "EXPIRED" | "DELETED" | "SKIPPED" => {
                ReportMeaning::Failed
            }
            _ => ReportMeaning::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the report carries no X-Gwapi-Signature token")]
    Missing,
    #[error("the report's token is not signed with this server's webhook secret")]
    BadSignature,
    #[error("the report's token is malformed: {0}")]
    Malformed(&'static str),
}

/// Verifies a report's JWT (HS256 only; "none" and other algorithms are refused) and returns
/// its claims as a report.
pub fn verify_report(token: &str, secret: &[u8]) -> Result<DeliveryReport, ReportError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(ReportError::Missing);
    }
    let mut parts = token.split('.');
    let (Some(head), Some(claims), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReportError::Malformed("not three parts"));
    };
    #[derive(Deserialize)]
    struct Header {
        alg: String,
    }
    let header: Header = URL_SAFE_NO_PAD
        .decode(head)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(ReportError::Malformed("header"))?;
    if header.alg != "HS256" {
        return Err(ReportError::BadSignature);
    }
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| ReportError::Malformed("signature"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| ReportError::BadSignature)?;
    mac.update(head.as_bytes());
    mac.update(b".");
    mac.update(claims.as_bytes());
    mac.verify_slice(&sig)
        .map_err(|_| ReportError::BadSignature)?;
    URL_SAFE_NO_PAD
        .decode(claims)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(ReportError::Malformed("claims"))
}

/// Signs claims as GatewayAPI does (for tests and the bench's gateway).
pub fn sign_report(claims: &serde_json::Value, secret: &[u8]) -> String {
    let head = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        // HMAC takes keys of any length.
        Err(_) => return String::new(),
    };
    mac.update(head.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{head}.{body}.{sig}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_verify_only_with_the_secret_and_hs256() {
        let claims = serde_json::json!({
            "id": 2381703, "msisdn": 4542609045_u64, "time": 1522764062,
            "status": "DELIVERED", "userref": "n-1", "error": null
        });
        let token = sign_report(&claims, b"secret");
        let r = verify_report(&token, b"secret").expect("verifies");
        assert_eq!(r.id, 2381703);
        assert_eq!(r.userref.as_deref(), Some("n-1"));
        assert_eq!(r.meaning(), ReportMeaning::Delivered);
        assert_eq!(
            verify_report(&token, b"another"),
            Err(ReportError::BadSignature)
        );
        // Claims changed after signing.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD
            .encode(serde_json::json!({"id": 2381703, "status": "UNDELIVERABLE"}).to_string());
        parts[1] = &forged;
        assert_eq!(
            verify_report(&parts.join("."), b"secret"),
            Err(ReportError::BadSignature)
        );
        // alg "none" with no signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        assert_eq!(
            verify_report(&none, b"secret"),
            Err(ReportError::BadSignature)
        );
        assert_eq!(verify_report("", b"secret"), Err(ReportError::Missing));
        assert!(matches!(
            verify_report("a.b", b"secret"),
            Err(ReportError::Malformed(_))
        ));
    }

    #[test]
    fn the_gateways_documented_example_report_verifies() {
        // The example token in GatewayAPI's webhook documentation, signed with "secret".
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpZCI6MjM4MTcwMywibXNpc2RuIjo0NTQyNjA5MDQ1LCJ0aW1lIjoxNTIyNzY0MDYyLCJzdGF0dXMiOiJERUxJVkVSRUQiLCJlcnJvciI6bnVsbCwiY29kZSI6bnVsbCwidXNlcnJlZiI6bnVsbCwiY2FsbGJhY2tfdXJsIjoiaHR0cDovL2JiYWY3MTQyLm5ncm9rLmlvIiwiYXBpIjo0fQ.KdfDH65bnQtgxEkFnpAQodOciAJedZFB13r9wEo8t3Y";
        let r = verify_report(token, b"secret").expect("the documented token verifies");
        assert_eq!((r.id, r.status.as_str()), (2381703, "DELIVERED"));
        assert_eq!(r.userref, None);
        assert_eq!(
            verify_report(token, b"Secret"),
            Err(ReportError::BadSignature)
        );
    }

    #[test]
    fn report_statuses_mean_delivered_failed_or_pending() {
        let r = |s: &str| DeliveryReport {
            id: 1,
            status: s.into(),
            userref: None,
            error: None,
            time: None,
        };
        assert_eq!(r("DELIVERED").meaning(), ReportMeaning::Delivered);
        assert_eq!(r("UNDELIVERABLE").meaning(), ReportMeaning::Failed);
        assert_eq!(r("REJECTED").meaning(), ReportMeaning::Failed);
        assert_eq!(r("EXPIRED").meaning(), ReportMeaning::Failed);
        assert_eq!(r("ENROUTE").meaning(), ReportMeaning::Pending);
        assert_eq!(r("BUFFERED").meaning(), ReportMeaning::Pending);
    }
}
