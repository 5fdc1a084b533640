//! Raw requests for the tests that must be wrong in exactly one way at a time: an actor (a
//! session, its user, device and keys), the API called by hand, envelopes sealed by hand, and
//! the check of an error answer.

use reqwest::{Client, Method, StatusCode};
use samtale_crypto::DeviceIdentity;
use samtale_proto::api::*;
use samtale_proto::{
    B64, EnvelopeHeader, EnvelopeId, InboxPage, InvitationId, PayloadKind, SealedEnvelope,
    ThreadId, UserId,
};
use serde_json::Value;

use crate::PASSWORD;

pub struct Actor {
    pub token: String,
    pub user: UserId,
    pub device: samtale_proto::DeviceId,
    pub identity: DeviceIdentity,
}

pub struct Api {
    pub base: String,
    pub http: Client,
}

pub fn id<T>(f: fn(u64, [u8; 10]) -> T) -> T {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    f(ms, samtale_crypto::random::new_id_random())
}

impl Api {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> (StatusCode, Value) {
        let mut rb = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.body(b);
        }
        let resp = rb.send().await.expect("server reachable");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            path,
            token,
            Some(serde_json::to_string(body).unwrap()),
        )
        .await
    }

    pub async fn login(&self, tenant: &str) -> Actor {
        self.login_as(tenant, "sara").await
    }

    /// A staff member of `tenant` logged in with the test password on a new device.
    pub async fn login_as(&self, tenant: &str, username: &str) -> Actor {
        let identity = DeviceIdentity::generate();
        let req = LoginRequest {
            tenant: tenant.into(),
            username: username.into(),
            password: PASSWORD.into(),
            device_id: None,
            new_device: Some(DeviceRegistration {
                name: "laptop".into(),
                keys: identity.public_keys(),
            }),
            device_proof: None,
        };
        let (status, v) = self.post("/v1/login", None, &req).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let s: SessionInfo = serde_json::from_value(v).unwrap();
        Actor {
            token: s.token,
            user: s.user.id,
            device: s.device,
            identity,
        }
    }

    pub async fn invite(&self, by: &Actor, ttl_minutes: Option<u32>) -> InvitationInfo {
        let req = CreateInvitation {
            id: id(InvitationId::from_parts),
            role: Role::Youth,
            display_name: "Ung".into(),
            youth: None,
            inviter_proof_code: B64(vec![1; 32]),
            inviter_proof_qr: B64(vec![2; 32]),
            ttl_minutes,
            user: None,
        };
        let (status, v) = self.post("/v1/invitations", Some(&by.token), &req).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        serde_json::from_value(v).unwrap()
    }

    pub fn join_request(code: &str, identity: &DeviceIdentity) -> JoinRequest {
        JoinRequest {
            code: code.into(),
            display_name: "Ung".into(),
            device: DeviceRegistration {
                name: "telefon".into(),
                keys: identity.public_keys(),
            },
            proof_kind: samtale_proto::invite::ProofKind::Code,
            proof_mac: B64(vec![3; 32]),
        }
    }

    pub async fn join(&self, code: &str) -> Actor {
        let identity = DeviceIdentity::generate();
        let (status, v) = self
            .post("/v1/join", None, &Self::join_request(code, &identity))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let s: SessionInfo = serde_json::from_value(v).unwrap();
        Actor {
            token: s.token,
            user: s.user.id,
            device: s.device,
            identity,
        }
    }

    pub async fn thread(&self, by: &Actor, kind: ThreadKind, members: Vec<UserId>) -> ThreadId {
        let (status, v) = self
            .post(
                "/v1/threads",
                Some(&by.token),
                &CreateThread { kind, members },
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        serde_json::from_value::<ThreadInfo>(v).unwrap().id
    }

    pub async fn inbox(&self, who: &Actor) -> InboxPage {
        let (status, v) = self
            .call(Method::GET, "/v1/inbox?since=0", Some(&who.token), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        serde_json::from_value(v).unwrap()
    }
}

pub fn envelope(from: &Actor, thread: &ThreadId, to: &[&Actor], text: &[u8]) -> SealedEnvelope {
    let header = EnvelopeHeader {
        v: 1,
        id: id(EnvelopeId::from_parts),
        thread: thread.clone(),
        sender: from.user.clone(),
        sender_device: from.device.clone(),
        kind: PayloadKind::Message,
        sent_at_ms: 1,
    };
    let recipients: Vec<_> = to.iter().map(|a| a.identity.recipient()).collect();
    from.identity.seal(header, text, &recipients).unwrap()
}

/// Asserts the status and the machine-readable code of an error answer.
#[track_caller]
pub fn refused(got: (StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    assert!(
        got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        got.1
    );
}
