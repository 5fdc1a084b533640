//! A session the server no longer takes (expired while the app lay unused, or replaced by a
//! refresh whose answer was lost) must not lock a youth out: citizens have no password, so
//! their device logs in again by signing with its own key, and what waited is sent. Staff are
//! told they are signed out and log in again with their password. Real server on PostgreSQL
//! (so the test can end every session underneath it), two engine clients.

use std::time::Duration;

use samtale_client::{Client, ClientEvent, MessageState};
use samtale_proto::api::{Role, ThreadKind};
use samtale_tests::{PASSWORD, PgDatabase, Server, Storage, bootstrap};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_youth_whose_session_ended_gets_back_in_with_the_device_key() -> anyhow::Result<()> {
    let db = PgDatabase::create("samtale_renewal").await?;
    let storage = Storage::Postgres(db.url.clone());
    let tenant = bootstrap(&storage, "odense")?;
    let server = Server::start(storage, &[])?;
    let profiles = tempfile::tempdir()?;

    let sara = Client::open(&profiles.path().join("sara"), &[1; 32])?;
    sara.login(
        &server.url(),
        &tenant.slug,
        &tenant.caseworker,
        PASSWORD,
        "laptop",
    )
    .await?;
    let inv = sara.invite(Role::Youth, "Noah", None, None).await?;
    let noah = Client::open(&profiles.path().join("noah"), &[2; 32])?;
    let me = noah
        .join(Some(&server.url()), &inv.code, "Noah", "telefon")
        .await?;
    sara.sync().await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(&thread, "Hej Noah, hvordan går det?").await?;
    noah.sync().await?;

    // Every session ends underneath both clients.
    let (pg, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let ended = pg.execute("DELETE FROM sessions", &[]).await?;
    assert_eq!(ended, 2);

    // Noah answers: the send cannot go through on the old session and waits; the next round
    // logs his device in again with its key and sends it.
    let mut noah_events = noah.subscribe();
    let reply = noah.send(&thread, "Det går godt, tak!").await?;
    assert_eq!(reply.state, MessageState::Queued);
    let report = noah.sync().await?;
    assert_eq!((report.pushed, report.waiting), (1, 0), "{report:?}");
    assert_eq!(noah.message(&reply.id)?.state, MessageState::Sent);
    while let Ok(event) = noah_events.try_recv() {
        assert_ne!(
            event,
            ClientEvent::SignedOut,
            "Noah was told he is signed out"
        );
    }
    let sessions: i64 = pg
        .query_one("SELECT count(*) FROM sessions", &[])
        .await?
        .get(0);
    assert_eq!(sessions, 1, "one new session, Noah's");

    // Sara is staff: she is told she is signed out, and her password brings her back.
    let mut sara_events = sara.subscribe();
    let refused = sara.sync().await;
    assert!(
        refused.as_ref().is_err_and(|e| e.is_unauthorized()),
        "{refused:?}"
    );
    let signed_out = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(ClientEvent::SignedOut) = sara_events.recv().await {
                return;
            }
        }
    })
    .await;
    assert!(signed_out.is_ok(), "Sara was not told she is signed out");
    sara.login(
        &server.url(),
        &tenant.slug,
        &tenant.caseworker,
        PASSWORD,
        "laptop",
    )
    .await?;
    sara.sync().await?;
    let messages = sara.messages(&thread, 10)?;
    assert_eq!(
        messages.last().map(|m| m.body.as_str()),
        Some("Det går godt, tak!")
    );
    Ok(())
}
