//! Bad input from users and attackers against a real server process: each is answered with a
//! clear error code and changes nothing. Requests are made by hand (not through the engine) so
//! that they can be wrong in exactly one way at a time.

use reqwest::{Client, Method, StatusCode};
use samtale_crypto::DeviceIdentity;
use samtale_proto::api::*;
use samtale_proto::{B64, EnvelopeId, MAX_CIPHERTEXT_BYTES, ThreadId};
use samtale_tests::raw::{Api, envelope, id, refused};
use samtale_tests::{PASSWORD, Server, Storage, bootstrap};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_is_refused_without_changing_anything() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    bootstrap(&storage, "odense")?;
    let server = Server::start(storage, &[])?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };

    let sara = api.login("aarhus").await;
    let youth = api.join(&api.invite(&sara, None).await.server_part).await;
    let outsider = api.join(&api.invite(&sara, None).await.server_part).await;
    let thread = api
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    let odense = api.login("odense").await;
    let odense_youth = api.join(&api.invite(&odense, None).await.server_part).await;
    let odense_thread = api
        .thread(&odense, ThreadKind::Youth, vec![odense_youth.user.clone()])
        .await;

    let good = envelope(&sara, &thread, &[&sara, &youth], "hej".as_bytes());
    let (status, v) = api.post("/v1/envelopes", Some(&sara.token), &good).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let before = api.inbox(&youth).await;
    assert_eq!(before.events.len(), 2, "thread event and one envelope");

    // Malformed JSON, unknown fields, wrong types.
    refused(
        api.call(
            Method::POST,
            "/v1/envelopes",
            Some(&sara.token),
            Some("{\"header\":".into()),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let mut extra = serde_json::to_value(envelope(&sara, &thread, &[&youth], b"x"))?;
    extra["priority"] = json!("high");
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &extra).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let mut bad_id = serde_json::to_value(envelope(&sara, &thread, &[&youth], b"x"))?;
    bad_id["header"]["id"] = json!("../../etc/passwd");
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &bad_id).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        api.call(Method::GET, "/v1/inbox?since=-1", Some(&sara.token), None)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        api.call(Method::GET, "/v1/inbox?sinse=1", Some(&sara.token), None)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );

    // Oversized: a ciphertext one byte over the limit, and a body well over the route's limit
    // (small enough that the socket buffers take it whole: the server answers 413 before
    // reading it all, and a larger body races that answer with a broken pipe).
    let mut big = envelope(&sara, &thread, &[&youth], b"x");
    big.ciphertext = B64(vec![0; MAX_CIPHERTEXT_BYTES + 1]);
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    );
    let huge = format!("{{\"pad\":\"{}\"}}", "a".repeat(150 << 10));
    refused(
        api.call(Method::POST, "/v1/envelopes", Some(&sara.token), Some(huge))
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    );
    let huge_small_route = format!("{{\"code\":\"{}\"}}", "A".repeat(64 << 10));
    refused(
        api.call(
            Method::POST,
            "/v1/join/preview",
            None,
            Some(huge_small_route),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    );

    // Bad signatures: tampered ciphertext, tampered header, signed by another device.
    let mut tampered = envelope(&sara, &thread, &[&youth], b"betal 100 kr");
    tampered.ciphertext.0[40] ^= 1;
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &tampered)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_signature",
    );
    let mut moved = envelope(&sara, &thread, &[&youth], b"x");
    moved.header.sent_at_ms += 1;
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &moved).await,
        StatusCode::BAD_REQUEST,
        "bad_signature",
    );
    let mut forged = envelope(&youth, &thread, &[&youth], b"x");
    forged.header.sender = sara.user.clone();
    forged.header.sender_device = sara.device.clone();
    let signed_by_youth =
        youth
            .identity
            .seal(forged.header.clone(), b"x", &[youth.identity.recipient()])?;
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &signed_by_youth)
            .await,
        StatusCode::BAD_REQUEST,
        "bad_signature",
    );

    // Sender is not the session's device; sender is not a member.
    let spoof = envelope(&youth, &thread, &[&youth], b"x");
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &spoof).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let intruder = envelope(&outsider, &thread, &[&youth], b"x");
    refused(
        api.post("/v1/envelopes", Some(&outsider.token), &intruder)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    refused(
        api.call(
            Method::GET,
            &format!("/v1/threads/{thread}"),
            Some(&outsider.token),
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // An envelope for some members only (a caseworker's note): `to` names members, nothing else;
    // the one accepted reaches Sara's inbox and never the youth's (checked with the rest below).
    let note = envelope(&sara, &thread, &[&sara], b"staff note");
    for query in [
        format!("to={}", outsider.user),
        format!("to={},{}", sara.user, odense_youth.user),
        "to=not-an-id".to_owned(),
        "bcc=x".to_owned(),
    ] {
        refused(
            api.post(&format!("/v1/envelopes?{query}"), Some(&sara.token), &note)
                .await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        );
    }
    let (status, v) = api
        .post(
            &format!("/v1/envelopes?to={}", sara.user),
            Some(&sara.token),
            &note,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let sara_inbox = api.inbox(&sara).await;
    assert!(
        sara_inbox.events.iter().any(|e| matches!(&e.body, samtale_proto::EventBody::Envelope { envelope } if envelope.header.id == note.header.id)),
        "the note did not reach Sara"
    );

    // Replays: the same envelope again is accepted once; the same id with other content is refused.
    let (status, v) = api.post("/v1/envelopes", Some(&sara.token), &good).await;
    assert_eq!(
        (status, v["stored"].clone()),
        (StatusCode::OK, json!(false))
    );
    let mut other = envelope(&sara, &thread, &[&youth], b"noget andet");
    other.header.id = good.header.id.clone();
    let other = sara
        .identity
        .seal(other.header, b"noget andet", &[youth.identity.recipient()])?;
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &other).await,
        StatusCode::CONFLICT,
        "conflict",
    );

    // Another municipality's thread looks exactly like a missing one, whatever the route.
    let foreign = envelope(&sara, &odense_thread, &[&youth], b"x");
    refused(
        api.post("/v1/envelopes", Some(&sara.token), &foreign).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    refused(
        api.call(
            Method::GET,
            &format!("/v1/threads/{odense_thread}"),
            Some(&sara.token),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let missing = id(ThreadId::from_parts);
    refused(
        api.call(
            Method::GET,
            &format!("/v1/threads/{missing}"),
            Some(&sara.token),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    refused(
        api.call(
            Method::PUT,
            &format!("/v1/threads/{odense_thread}/members"),
            Some(&sara.token),
            Some(json!({"members": [youth.user]}).to_string()),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    refused(
        api.post(
            "/v1/receipts",
            Some(&sara.token),
            &ReceiptRequest {
                thread: odense_thread.clone(),
                kind: samtale_proto::ReceiptKind::Read,
                envelopes: vec![good.header.id.clone()],
                signature: B64(vec![0; 64]),
            },
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // A user of another municipality cannot be put in a thread.
    refused(
        api.post(
            "/v1/threads",
            Some(&sara.token),
            &CreateThread {
                kind: ThreadKind::Youth,
                members: vec![odense_youth.user.clone()],
            },
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Receipts for envelopes of another thread.
    refused(
        api.post(
            "/v1/receipts",
            Some(&youth.token),
            &ReceiptRequest {
                thread: thread.clone(),
                kind: samtale_proto::ReceiptKind::Read,
                envelopes: vec![id(EnvelopeId::from_parts)],
                signature: B64(vec![0; 64]),
            },
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Citizens cannot invite, start threads or change members.
    let (status, _) = api
        .post(
            "/v1/threads",
            Some(&youth.token),
            &CreateThread {
                kind: ThreadKind::Youth,
                members: vec![],
            },
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // None of that reached the youth.
    let after = api.inbox(&youth).await;
    assert_eq!(after, before, "refused requests changed the youth's inbox");
    assert!(
        api.inbox(&odense_youth)
            .await
            .events
            .iter()
            .all(|e| !matches!(&e.body, samtale_proto::EventBody::Envelope { .. }))
    );

    // Invitations: wrong, used, locked, expired.
    let inv = api.invite(&sara, None).await;
    let used = api.join(&inv.server_part).await;
    assert_ne!(used.user, youth.user);
    let again = DeviceIdentity::generate();
    refused(
        api.post(
            "/v1/join",
            None,
            &Api::join_request(&inv.server_part, &again),
        )
        .await,
        StatusCode::FORBIDDEN,
        "invalid_invitation",
    );
    refused(
        api.post(
            "/v1/join/preview",
            None,
            &JoinPreviewRequest {
                code: "0000".into(),
            },
        )
        .await,
        StatusCode::FORBIDDEN,
        "invalid_invitation",
    );

    let locked = api.invite(&sara, None).await;
    let wrong = format!("{}0000", &locked.server_part[..4]);
    let wrong = if wrong == locked.server_part {
        format!("{}1111", &locked.server_part[..4])
    } else {
        wrong
    };
    for _ in 0..5 {
        refused(
            api.post(
                "/v1/join/preview",
                None,
                &JoinPreviewRequest {
                    code: wrong.clone(),
                },
            )
            .await,
            StatusCode::FORBIDDEN,
            "invalid_invitation",
        );
    }
    let (status, v) = api
        .post(
            "/v1/join",
            None,
            &Api::join_request(&locked.server_part, &again),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("locked"), "{v}");

    let expiring = api.invite(&sara, Some(5)).await;
    let db = rusqlite::Connection::open(data.path().join("samtale.db"))?;
    db.execute(
        "UPDATE invitations SET expires_at = 0 WHERE id = ?1",
        [expiring.id.as_str()],
    )?;
    let (status, v) = api
        .post(
            "/v1/join",
            None,
            &Api::join_request(&expiring.server_part, &again),
        )
        .await;
    assert_eq!(
        (status, v["code"].clone()),
        (StatusCode::FORBIDDEN, json!("invalid_invitation")),
        "{v}"
    );
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
    // No user was made by any refused join: the used invitation made exactly one.
    let citizens: i64 =
        db.query_row("SELECT count(*) FROM users WHERE role = 'youth'", [], |r| {
            r.get(0)
        })?;
    assert_eq!(
        citizens, 4,
        "youth, outsider, odense youth, the one used invitation"
    );

    // Sessions: missing, forged, rotated away, expired.
    refused(
        api.call(Method::GET, "/v1/me", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    refused(
        api.call(Method::GET, "/v1/me", Some("forged-token"), None)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let (status, v) = api
        .post("/v1/session/refresh", Some(&youth.token), &json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let fresh = v["token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, youth.token);
    refused(
        api.call(Method::GET, "/v1/me", Some(&youth.token), None)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let (status, _) = api.call(Method::GET, "/v1/me", Some(&fresh), None).await;
    assert_eq!(status, StatusCode::OK);
    db.execute(
        "UPDATE sessions SET expires_at = 0 WHERE user_id = ?1",
        [outsider.user.as_str()],
    )?;
    let (status, v) = api
        .call(Method::GET, "/v1/me", Some(&outsider.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");

    // Wrong passwords are refused, and an address that keeps guessing is stopped.
    let bad_login = json!({"tenant": "aarhus", "username": "sara", "password": "forkert-kodeord", "new_device": null, "device_id": null});
    refused(
        api.post("/v1/login", None, &bad_login).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_from_one_address_is_rate_limited() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "vejle")?;
    let server = Server::start(storage, &["--failures-per-window", "3"])?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    for _ in 0..3 {
        refused(
            api.post(
                "/v1/join/preview",
                None,
                &JoinPreviewRequest {
                    code: "ZZZZZZZZ".into(),
                },
            )
            .await,
            StatusCode::FORBIDDEN,
            "invalid_invitation",
        );
    }
    refused(
        api.post(
            "/v1/join/preview",
            None,
            &JoinPreviewRequest {
                code: "ZZZZZZZZ".into(),
            },
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    );
    let bad_login = json!({"tenant": "vejle", "username": "sara", "password": PASSWORD});
    refused(
        api.post("/v1/login", None, &bad_login).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    );
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A device login signed by `signer` for `device` at `at_ms`.
fn device_login(signer: &DeviceIdentity, device: &samtale_proto::DeviceId, at_ms: i64) -> Value {
    let signature = signer.sign_bytes(&device_login_bytes(device, at_ms));
    json!({"device": device, "at_ms": at_ms, "signature": B64(signature.to_vec())})
}

/// A citizen's key-signed login: only the device's own key, a time near the server's and later
/// than the last one, and only for youths and parents. Every refusal hands out no session, and
/// a forged attempt does not use up the time for the real device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_login_needs_the_key_a_fresh_time_and_a_citizen() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "esbjerg")?;
    let server = Server::start(storage, &[])?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("esbjerg").await;
    let youth = api.join(&api.invite(&sara, None).await.server_part).await;
    let other = api.join(&api.invite(&sara, None).await.server_part).await;
    let path = "/v1/session/device";
    let at = now();

    // Forged first: another device's key, and a signature over another device's id.
    let forged = [
        device_login(&other.identity, &youth.device, at),
        {
            let mut v = device_login(&youth.identity, &other.device, at);
            v["device"] = json!(youth.device);
            v
        },
        json!({"device": youth.device, "at_ms": at, "signature": B64(vec![0; 64])}),
        json!({"device": youth.device, "at_ms": at, "signature": B64(vec![1; 3])}),
        device_login(
            &youth.identity,
            &id(samtale_proto::DeviceId::from_parts),
            at,
        ),
    ];
    for body in &forged {
        refused(
            api.post(path, None, body).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        );
    }
    // A clock far off either way.
    for skew in [-600_000, 600_000] {
        let got = api
            .post(
                path,
                None,
                &device_login(&youth.identity, &youth.device, at + skew),
            )
            .await;
        assert!(
            got.1["message"]
                .as_str()
                .is_some_and(|m| m.contains("clock")),
            "{}",
            got.1
        );
        refused(got, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // Malformed bodies.
    refused(
        api.post(path, None, &json!({"device": youth.device, "at_ms": at}))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let mut extra = device_login(&youth.identity, &youth.device, at);
    extra["password"] = json!("x");
    refused(
        api.post(path, None, &extra).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    // Staff log in with their password, not their key.
    refused(
        api.post(path, None, &device_login(&sara.identity, &sara.device, at))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // The real device at the same time as the forgeries: taken, and the session works.
    let (status, v) = api
        .post(
            path,
            None,
            &device_login(&youth.identity, &youth.device, at),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let session: SessionInfo = serde_json::from_value(v)?;
    assert_eq!(
        (&session.user.id, &session.device),
        (&youth.user, &youth.device)
    );
    let (status, me) = api
        .call(Method::GET, "/v1/me", Some(&session.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");

    // Replayed, or older than the last one: refused.
    for again in [at, at - 1] {
        refused(
            api.post(
                path,
                None,
                &device_login(&youth.identity, &youth.device, again),
            )
            .await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        );
    }
    let (status, v) = api
        .post(
            path,
            None,
            &device_login(&youth.identity, &youth.device, at + 1),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a later time is taken: {v}");
    Ok(())
}

/// Guesses at one invitation sent all at once are counted before any is compared: no more
/// than the limit (5) are ever checked, whatever the concurrency, and the invitation is locked
/// for the right code afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_at_one_invitation_stay_within_the_limit() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "herning")?;
    // The per-address limit out of the way: this is about the invitation's own count.
    let server = Server::start(storage, &["--failures-per-window", "1000"])?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("herning").await;
    let inv = api.invite(&sara, None).await;
    let guesses: Vec<String> = (0..40)
        .map(|i| format!("{}{:04}", &inv.server_part[..4], i))
        .filter(|g| *g != inv.server_part)
        .collect();
    let requests: Vec<JoinPreviewRequest> = guesses
        .iter()
        .map(|code| JoinPreviewRequest { code: code.clone() })
        .collect();
    let answers = futures_util::future::join_all(
        requests
            .iter()
            .map(|req| api.post("/v1/join/preview", None, req)),
    )
    .await;
    let mut checked = 0;
    for (status, v) in &answers {
        assert_eq!(*status, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["code"], "invalid_invitation", "{v}");
        if !v["message"].as_str().unwrap_or_default().contains("locked") {
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        5,
        "codes compared out of {} parallel guesses",
        answers.len()
    );
    let (status, v) = api
        .post(
            "/v1/join/preview",
            None,
            &JoinPreviewRequest {
                code: inv.server_part.clone(),
            },
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["message"].as_str().unwrap_or_default().contains("locked"),
        "{v}"
    );
    Ok(())
}
