//! Bad input at the device-trust routes, against a real server process: link requests (their
//! code, attempts, signatures and claims), logins on a registered device, removing devices,
//! administrators' routes and signed receipts. Requests are made by hand so that each is wrong
//! in exactly one way; each gets a clear status and code, and changes nothing.

use reqwest::{Client, Method, StatusCode};
use samtale_crypto::DeviceIdentity;
use samtale_crypto::link::LinkSubject;
use samtale_proto::api::*;
use samtale_proto::devices::*;
use samtale_proto::invite::ProofKind;
use samtale_proto::{B64, DeviceId, LinkId, UserId};
use samtale_tests::{PASSWORD, Server, Storage, bootstrap};
use serde_json::Value;

fn id<T>(f: fn(u64, [u8; 10]) -> T) -> T {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    f(ms, samtale_crypto::random::new_id_random())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

struct Http {
    base: String,
    http: Client,
}

impl Http {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&impl serde::Serialize>,
    ) -> (StatusCode, Value) {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let resp = rb.send().await.expect("server reachable");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl serde::Serialize,
    ) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }
}

#[track_caller]
fn refused(got: (StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    assert!(
        got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        got.1
    );
}

struct Person {
    token: String,
    user: UserId,
    device: DeviceId,
    identity: DeviceIdentity,
}

async fn staff(api: &Http, tenant: &str, username: &str) -> Person {
    let identity = DeviceIdentity::generate();
    let req = LoginRequest {
        tenant: tenant.into(),
        username: username.into(),
        password: PASSWORD.into(),
        device_id: None,
        new_device: Some(DeviceRegistration {
            name: "pc".into(),
            keys: identity.public_keys(),
        }),
        device_proof: None,
    };
    let (status, v) = api.post("/v1/login", None, &req).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let s: SessionInfo = serde_json::from_value(v).expect("session");
    Person {
        token: s.token,
        user: s.user.id,
        device: s.device,
        identity,
    }
}

/// A youth invited by `by` and joined on a fresh device (the proofs are not checked here: the
/// server only relays them).
async fn youth(api: &Http, by: &Person) -> Person {
    let invite = CreateInvitation {
        id: id(samtale_proto::InvitationId::from_parts),
        role: Role::Youth,
        display_name: "Ung".into(),
        youth: None,
        inviter_proof_code: B64(vec![1; 32]),
        inviter_proof_qr: B64(vec![2; 32]),
        ttl_minutes: None,
        user: None,
    };
    let (status, v) = api.post("/v1/invitations", Some(&by.token), &invite).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let info: InvitationInfo = serde_json::from_value(v).expect("invitation");
    let identity = DeviceIdentity::generate();
    let join = JoinRequest {
        code: info.server_part,
        display_name: "Ung".into(),
        device: DeviceRegistration {
            name: "telefon".into(),
            keys: identity.public_keys(),
        },
        proof_kind: ProofKind::Code,
        proof_mac: B64(vec![3; 32]),
    };
    let (status, v) = api.post("/v1/join", None, &join).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let s: SessionInfo = serde_json::from_value(v).expect("session");
    Person {
        token: s.token,
        user: s.user.id,
        device: s.device,
        identity,
    }
}

async fn device_count(api: &Http, who: &Person) -> usize {
    let (status, v) = api
        .call(Method::GET, "/v1/devices", Some(&who.token), None::<&()>)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    serde_json::from_value::<DeviceList>(v)
        .expect("list")
        .devices
        .len()
}

fn link_request(identity: &DeviceIdentity) -> CreateLinkRequest {
    CreateLinkRequest {
        id: id(LinkId::from_parts),
        device_id: id(DeviceId::from_parts),
        device: DeviceRegistration {
            name: "ny telefon".into(),
            keys: identity.public_keys(),
        },
        proof_code: B64(vec![4; 32]),
        proof_qr: B64(vec![5; 32]),
    }
}

fn claim(identity: &DeviceIdentity, device: &DeviceId, at_ms: i64) -> LinkClaimRequest {
    LinkClaimRequest {
        at_ms,
        signature: B64(identity
            .sign_bytes(&device_login_bytes(device, at_ms))
            .to_vec()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_trust_routes_refuse_bad_input() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    bootstrap(&storage, "odense")?;
    let server = Server::start(storage, &[])?;
    let api = Http {
        base: server.url(),
        http: Client::new(),
    };
    let sara = staff(&api, "aarhus", "sara").await;
    let mikkel = youth(&api, &sara).await;
    let emma = youth(&api, &sara).await;

    // Creating a link request: malformed proofs and keys, a taken id.
    let new = DeviceIdentity::generate();
    let mut bad = link_request(&new);
    bad.proof_code = B64(vec![4; 31]);
    refused(
        api.post("/v1/links", None, &bad).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let mut bad = link_request(&new);
    bad.device.keys.sign = B64(vec![1, 2, 3]);
    refused(
        api.post("/v1/links", None, &bad).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let mut bad = link_request(&new);
    bad.device_id = mikkel.device.clone();
    refused(
        api.post("/v1/links", None, &bad).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let req = link_request(&new);
    let (status, v) = api.post("/v1/links", None, &req).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let info: LinkRequestInfo = serde_json::from_value(v)?;
    refused(
        api.post("/v1/links", None, &req).await,
        StatusCode::CONFLICT,
        "conflict",
    );

    // Previewing needs a session; wrong codes are counted and lock the request.
    let preview = |code: &str| LinkPreviewRequest { code: code.into() };
    refused(
        api.post("/v1/links/preview", None, &preview(&info.server_part))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    refused(
        api.post("/v1/links/preview", Some(&mikkel.token), &preview("ABC"))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_link",
    );

    // Before acceptance the new device hears "pending"; a claim signed by another key, or
    // with a clock far off, is refused.
    let path = format!("/v1/links/{}/claim", req.id);
    let (status, v) = api
        .post(&path, None, &claim(&new, &req.device_id, now_ms()))
        .await;
    assert_eq!(
        (status, v["status"].as_str()),
        (StatusCode::OK, Some("pending")),
        "{v}"
    );
    let stranger = DeviceIdentity::generate();
    refused(
        api.post(&path, None, &claim(&stranger, &req.device_id, now_ms()))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    refused(
        api.post(
            &path,
            None,
            &claim(&new, &req.device_id, now_ms() - 600_000),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    refused(
        api.post(
            "/v1/links/not-an-id/claim",
            None,
            &claim(&new, &req.device_id, now_ms()),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Accepting: the link must be signed by the calling device, over this request, for the
    // caller's own account.
    let link_for = |by: &Person, user: &UserId| {
        by.identity.sign_link(
            &by.device,
            LinkSubject {
                user,
                chain: 0,
                device: &req.device_id,
                keys: &new.public_keys(),
            },
            now_ms(),
        )
    };
    let accept = |link: DeviceLink| AcceptLink {
        code: info.server_part.clone(),
        proof_kind: ProofKind::Code,
        signer_proof: B64(vec![6; 32]),
        link,
    };
    let mut foreign_signer = link_for(&mikkel, &mikkel.user);
    foreign_signer.signer = emma.device.clone();
    refused(
        api.post(
            "/v1/links/accept",
            Some(&mikkel.token),
            &accept(foreign_signer),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    refused(
        api.post(
            "/v1/links/accept",
            Some(&mikkel.token),
            &accept(link_for(&mikkel, &emma.user)),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_signature",
    );
    let mut zero = link_for(&mikkel, &mikkel.user);
    zero.signature = B64(vec![0; 64]);
    refused(
        api.post("/v1/links/accept", Some(&mikkel.token), &accept(zero))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_signature",
    );
    let mut short = accept(link_for(&mikkel, &mikkel.user));
    short.signer_proof = B64(vec![6; 8]);
    refused(
        api.post("/v1/links/accept", Some(&mikkel.token), &short)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_eq!(
        device_count(&api, &mikkel).await,
        1,
        "a refused acceptance added a device"
    );
    let (status, v) = api
        .post(
            "/v1/links/accept",
            Some(&mikkel.token),
            &accept(link_for(&mikkel, &mikkel.user)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    refused(
        api.post(
            "/v1/links/accept",
            Some(&mikkel.token),
            &accept(link_for(&mikkel, &mikkel.user)),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_link",
    );
    assert_eq!(device_count(&api, &mikkel).await, 2);
    // One session per link: the claim works once, and the same time cannot log in again.
    let at = now_ms();
    let (status, v) = api
        .post(&path, None, &claim(&new, &req.device_id, at))
        .await;
    assert_eq!(
        (status, v["status"].as_str()),
        (StatusCode::OK, Some("linked")),
        "{v}"
    );
    refused(
        api.post(&path, None, &claim(&new, &req.device_id, at + 1))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_link",
    );

    // Five wrong codes at one request lock it, also for the right code afterwards.
    let other = DeviceIdentity::generate();
    let req2 = link_request(&other);
    let (_, v) = api.post("/v1/links", None, &req2).await;
    let info2: LinkRequestInfo = serde_json::from_value(v)?;
    let wrong = format!(
        "{}{}",
        &info2.server_part[..4],
        if &info2.server_part[4..] == "ZZZZ" {
            "YYYY"
        } else {
            "ZZZZ"
        }
    );
    for _ in 0..5 {
        refused(
            api.post("/v1/links/preview", Some(&emma.token), &preview(&wrong))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_link",
        );
    }
    let (status, v) = api
        .post(
            "/v1/links/preview",
            Some(&emma.token),
            &preview(&info2.server_part),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("locked")),
        "{v}"
    );

    // A login on a registered device needs its key: no proof, another key's, or a replay.
    let login = |proof: Option<DeviceProof>| LoginRequest {
        tenant: "aarhus".into(),
        username: "sara".into(),
        password: PASSWORD.into(),
        device_id: Some(sara.device.clone()),
        new_device: None,
        device_proof: proof,
    };
    let proof = |by: &DeviceIdentity, at_ms: i64| DeviceProof {
        at_ms,
        signature: B64(by
            .sign_bytes(&device_login_bytes(&sara.device, at_ms))
            .to_vec()),
    };
    refused(
        api.post("/v1/login", None, &login(None)).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        api.post("/v1/login", None, &login(Some(proof(&stranger, now_ms()))))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let at = now_ms();
    let (status, v) = api
        .post("/v1/login", None, &login(Some(proof(&sara.identity, at))))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    refused(
        api.post("/v1/login", None, &login(Some(proof(&sara.identity, at))))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let sara_token = serde_json::from_value::<SessionInfo>(v)?.token;

    // Removing devices: only one's own, never the device asking, and a malformed id is missing.
    let del = |who: &str, device: &str| {
        let path = format!("/v1/devices/{device}");
        let token = who.to_owned();
        let api = &api;
        async move {
            api.call(Method::DELETE, &path, Some(&token), None::<&()>)
                .await
        }
    };
    refused(
        del(&sara_token, mikkel.device.as_str()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    refused(
        del(&mikkel.token, mikkel.device.as_str()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        del(&mikkel.token, "not-a-device").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(device_count(&api, &mikkel).await, 2);

    // Administrators' routes: a caseworker is refused, another municipality's admin finds nobody.
    let odense_admin = staff(&api, "odense", "admin").await;
    let disable = format!("/v1/admin/users/{}/disable", mikkel.user);
    refused(
        api.post(&disable, Some(&sara_token), &()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    refused(
        api.post(&disable, Some(&odense_admin.token), &()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let revoke = format!("/v1/admin/devices/{}", mikkel.device);
    refused(
        api.call(
            Method::DELETE,
            &revoke,
            Some(&odense_admin.token),
            None::<&()>,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let password = format!("/v1/admin/users/{}/password", mikkel.user);
    let aarhus_admin = staff(&api, "aarhus", "admin").await;
    refused(
        api.post(
            &password,
            Some(&aarhus_admin.token),
            &AdminPassword {
                password: "nyt-kodeord-til-en-ung".into(),
            },
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let (status, _) = api
        .call(
            Method::GET,
            "/v1/inbox?since=0",
            Some(&mikkel.token),
            None::<&()>,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the refused calls left Mikkel able to sync"
    );

    // A receipt whose signature is not the device's is refused and reaches nobody.
    let thread = {
        let (status, v) = api
            .post(
                "/v1/threads",
                Some(&sara_token),
                &CreateThread {
                    kind: ThreadKind::Youth,
                    members: vec![mikkel.user.clone()],
                },
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        serde_json::from_value::<ThreadInfo>(v)?.id
    };
    let header = samtale_proto::EnvelopeHeader {
        v: 1,
        id: id(samtale_proto::EnvelopeId::from_parts),
        thread: thread.clone(),
        sender: mikkel.user.clone(),
        sender_device: mikkel.device.clone(),
        kind: samtale_proto::PayloadKind::Message,
        sent_at_ms: now_ms(),
    };
    let env = mikkel
        .identity
        .seal(header, b"hej", &[sara.identity.recipient()])?;
    let (status, v) = api.post("/v1/envelopes", Some(&mikkel.token), &env).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let inbox_len = |token: String| {
        let api = &api;
        async move {
            let (_, v) = api
                .call(Method::GET, "/v1/inbox?since=0", Some(&token), None::<&()>)
                .await;
            v["events"].as_array().map_or(0, Vec::len)
        }
    };
    let before = inbox_len(mikkel.token.clone()).await;
    let receipt = ReceiptRequest {
        thread: thread.clone(),
        kind: samtale_proto::ReceiptKind::Read,
        envelopes: vec![env.header.id.clone()],
        signature: B64(stranger
            .sign_bytes(&receipt_bytes(
                &thread,
                &sara.device,
                samtale_proto::ReceiptKind::Read,
                std::slice::from_ref(&env.header.id),
            ))
            .to_vec()),
    };
    refused(
        api.post("/v1/receipts", Some(&sara_token), &receipt).await,
        StatusCode::BAD_REQUEST,
        "bad_signature",
    );
    assert_eq!(
        inbox_len(mikkel.token.clone()).await,
        before,
        "a refused receipt was fanned out"
    );
    let good = ReceiptRequest {
        signature: B64(sara
            .identity
            .sign_bytes(&receipt_bytes(
                &thread,
                &sara.device,
                samtale_proto::ReceiptKind::Read,
                std::slice::from_ref(&env.header.id),
            ))
            .to_vec()),
        ..receipt
    };
    let (status, v) = api.post("/v1/receipts", Some(&sara_token), &good).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(inbox_len(mikkel.token.clone()).await, before + 1);
    Ok(())
}

/// Password logins from new devices at once, on an account without a device: one device, the
/// others are told to link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_first_logins_add_one_device() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    let server = Server::start(storage, &[])?;
    let api = Http {
        base: server.url(),
        http: Client::new(),
    };
    let request = || LoginRequest {
        tenant: "aarhus".into(),
        username: "sara".into(),
        password: PASSWORD.into(),
        device_id: None,
        new_device: Some(DeviceRegistration {
            name: "pc".into(),
            keys: DeviceIdentity::generate().public_keys(),
        }),
        device_proof: None,
    };
    let requests: Vec<LoginRequest> = (0..8).map(|_| request()).collect();
    let answers =
        futures_util::future::join_all(requests.iter().map(|r| api.post("/v1/login", None, r)))
            .await;
    let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{answers:?}");
    for (status, v) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(
            (*status, v["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("link_required")),
            "{v}"
        );
    }
    Ok(())
}
