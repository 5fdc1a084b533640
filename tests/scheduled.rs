//! Scheduled messages against real server processes, through the raw API (the engine and the
//! app do not plan messages yet). A message planned a moment ahead is released once at its time
//! although the server was killed with SIGKILL before that and started again; a cancelled one
//! never arrives; with two nodes on one PostgreSQL database, several released at the same moment
//! each reach the youth once. Bad plans are refused with nothing changed.

use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};
use samtale_proto::api::{HeldEnvelope, MAX_HOLD_MS, ScheduleRequest, ThreadKind};
use samtale_proto::{EnvelopeId, EventBody, SealedEnvelope};
use samtale_tests::raw::{Actor, Api, envelope, refused};
use samtale_tests::{PgDatabase, Server, Storage, bootstrap, now_ms};

/// How many times the youth's inbox holds envelope `id`.
async fn copies(api: &Api, youth: &Actor, id: &EnvelopeId) -> usize {
    api.inbox(youth)
        .await
        .events
        .iter()
        .filter(
            |e| matches!(&e.body, EventBody::Envelope { envelope } if &envelope.header.id == id),
        )
        .count()
}

/// Polls until the youth has `id` (a bounded wait on a condition, not a fixed sleep).
async fn arrives(api: &Api, youth: &Actor, id: &EnvelopeId) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while copies(api, youth, id).await == 0 {
        anyhow::ensure!(Instant::now() < deadline, "{id} was never released");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

fn plan(env: &SealedEnvelope, release_at_ms: i64) -> ScheduleRequest {
    ScheduleRequest {
        envelope: env.clone(),
        release_at_ms,
        to: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_once_after_sigkill_and_never_when_cancelled() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    let mut server = Server::start(storage, &[])?;
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

    // Bad plans: past, more than a year ahead, not hers to send, for a non-member, unsigned.
    let env = envelope(&sara, &thread, &[&sara, &youth], b"Husk modet mandag kl. 9");
    for (req, status, code) in [
        (
            plan(&env, now_ms() - 1),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            plan(&env, now_ms() + MAX_HOLD_MS + 60_000),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            ScheduleRequest {
                to: Some(vec![outsider.user.clone()]),
                ..plan(&env, now_ms() + 60_000)
            },
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ] {
        refused(
            api.post("/v1/scheduled", Some(&sara.token), &req).await,
            status,
            code,
        );
    }
    let mut forged = env.clone();
    forged.ciphertext.0.push(0);
    refused(
        api.post(
            "/v1/scheduled",
            Some(&sara.token),
            &plan(&forged, now_ms() + 60_000),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_signature",
    );
    refused(
        api.post(
            "/v1/scheduled",
            Some(&outsider.token),
            &plan(&env, now_ms() + 60_000),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (_, held) = api
        .call(Method::GET, "/v1/scheduled", Some(&sara.token), None)
        .await;
    assert_eq!(held, serde_json::json!([]), "a refused plan was held");

    // Planned two seconds ahead; held, listed, not in the inbox; others cannot cancel it.
    let due = now_ms() + 2_000;
    let (status, v) = api
        .post("/v1/scheduled", Some(&sara.token), &plan(&env, due))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = api
        .post("/v1/scheduled", Some(&sara.token), &plan(&env, due))
        .await;
    assert_eq!(
        (status, v["stored"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    let (_, held) = api
        .call(Method::GET, "/v1/scheduled", Some(&sara.token), None)
        .await;
    let held: Vec<HeldEnvelope> = serde_json::from_value(held)?;
    assert_eq!(held.len(), 1);
    assert_eq!((&held[0].id, held[0].release_at_ms), (&env.header.id, due));
    assert_eq!(copies(&api, &youth, &env.header.id).await, 0);
    let path = format!("/v1/scheduled/{}", env.header.id);
    refused(
        api.call(Method::DELETE, &path, Some(&youth.token), None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // The server dies without a word before the release time, and comes back after it.
    server.kill_hard();
    while now_ms() <= due {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.restart()?;
    arrives(&api, &youth, &env.header.id).await?;
    refused(
        api.call(Method::DELETE, &path, Some(&sara.token), None)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    );

    // A cancelled plan never arrives: one planned after it is released, and it is not.
    let gone = envelope(&sara, &thread, &[&sara, &youth], b"Glem det");
    let marker = envelope(&sara, &thread, &[&sara, &youth], b"Vi ses");
    let soon = now_ms() + 1_000;
    for (e, at) in [(&gone, soon), (&marker, soon + 500)] {
        let (status, v) = api
            .post("/v1/scheduled", Some(&sara.token), &plan(e, at))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/v1/scheduled/{}", gone.header.id),
            Some(&sara.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    arrives(&api, &youth, &marker.header.id).await?;
    assert_eq!(copies(&api, &youth, &gone.header.id).await, 0);
    // Released exactly once, the restart notwithstanding.
    assert_eq!(copies(&api, &youth, &env.header.id).await, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_release_each_once() -> anyhow::Result<()> {
    let db = PgDatabase::create("samtale_scheduled").await?;
    let storage = Storage::Postgres(db.url.clone());
    bootstrap(&storage, "vejle")?;
    let node_a = Server::start(storage.clone(), &[])?;
    let node_b = Server::start(storage, &[])?;
    let (a, b) = (
        Api {
            base: node_a.url(),
            http: Client::new(),
        },
        Api {
            base: node_b.url(),
            http: Client::new(),
        },
    );
    let sara = a.login("vejle").await;
    let youth = b.join(&a.invite(&sara, None).await.server_part).await;
    let thread = a
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    // Planned on both nodes for the same moment; both nodes' release loops run.
    let due = now_ms() + 1_500;
    let mut ids = Vec::new();
    for i in 0..8u8 {
        let e = envelope(&sara, &thread, &[&sara, &youth], &[b'm', i]);
        let api = if i % 2 == 0 { &a } else { &b };
        let (status, v) = api
            .post("/v1/scheduled", Some(&sara.token), &plan(&e, due))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        ids.push(e.header.id.clone());
    }
    for id in &ids {
        arrives(&b, &youth, id).await?;
    }
    // A later one through the other node: once it is out, every earlier release has settled.
    let marker = envelope(&sara, &thread, &[&sara, &youth], b"sidst");
    let (status, v) = b
        .post(
            "/v1/scheduled",
            Some(&sara.token),
            &plan(&marker, now_ms() + 1_000),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    arrives(&a, &youth, &marker.header.id).await?;
    for id in &ids {
        assert_eq!(copies(&a, &youth, id).await, 1, "{id}");
    }
    Ok(())
}

/// The engine plans a message: it stays planned (and out of the youth's conversation) until
/// the server releases it, then it arrives and the sender's copy is sent; a cancelled one never
/// arrives; times too soon or too far are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_plans_and_cancels() -> anyhow::Result<()> {
    use samtale_client::{ClientError, MessageState};
    use samtale_tests::scene::Scene;

    let scene = Scene::start(&["horsens"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    for at in [now_ms() + 10_000, now_ms() + MAX_HOLD_MS + 86_400_000] {
        assert!(matches!(
            sara.plan_message(&thread, "for tidligt eller sent", at)
                .await,
            Err(ClientError::Invalid(_))
        ));
    }
    // The engine's clock runs 55 seconds behind here, so a plan "a minute ahead" on it is due
    // six seconds from now on the server; a second plan is cancelled.
    sara.set_clock_shift(-55_000);
    let due = sara.clock_ms() + 61_000;
    let planned = sara
        .plan_message(&thread, "Godmorgen! Husk mødet kl. 9.", due)
        .await?;
    assert_eq!(planned.state, MessageState::Planned);
    let gone = sara
        .plan_message(&thread, "Glem det", sara.clock_ms() + 62_000)
        .await?;
    assert_eq!(sara.planned()?.len(), 2);
    // Her conversation list does not show a message that has not gone out as the latest.
    let listed = sara.threads()?;
    let preview = listed
        .iter()
        .find(|t| t.id == thread)
        .and_then(|t| t.last_message.clone());
    assert!(
        preview
            .as_deref()
            .is_none_or(|p| !p.starts_with("Godmorgen") && p != "Glem det"),
        "{preview:?}"
    );
    sara.cancel_planned(&gone.id).await?;
    assert_eq!(sara.planned()?.len(), 1);
    mikkel.sync().await?;
    assert!(
        mikkel.messages(&thread, 50)?.is_empty(),
        "a planned message arrived early"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        mikkel.sync().await?;
        let texts: Vec<String> = mikkel
            .messages(&thread, 50)?
            .into_iter()
            .map(|m| m.body)
            .collect();
        if texts.iter().any(|t| t.starts_with("Godmorgen")) {
            assert!(now_ms() >= due - 1_000, "released before its time");
            assert!(
                !texts.iter().any(|t| t == "Glem det"),
                "a cancelled message arrived"
            );
            break;
        }
        let mine = sara.message(&planned.id)?;
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "never released: {:?} {:?}",
            mine.state,
            mine.error
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    sara.sync().await?;
    assert_eq!(sara.message(&planned.id)?.state, MessageState::Sent);
    assert!(sara.planned()?.is_empty());
    assert!(matches!(
        sara.cancel_planned(&planned.id).await,
        Err(ClientError::Invalid(_))
    ));
    Ok(())
}
