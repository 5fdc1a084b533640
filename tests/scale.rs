//! PostgreSQL for scale: two stateless server nodes on one database. A youth's live client sits
//! on node B while the caseworker talks to node A; the message reaches the youth through the
//! cross-node wake-up (LISTEN/NOTIFY) well before the client's own periodic re-check would.
//! The same family flow as on SQLite runs through both nodes.

use std::sync::Arc;
use std::time::Duration;

use samtale_client::{Client, ClientEvent};
use samtale_proto::api::{Role, ThreadKind};
use samtale_tests::{PASSWORD, PgDatabase, Server, Storage, bootstrap, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgresql_wake_each_others_clients() -> anyhow::Result<()> {
    let db = PgDatabase::create("samtale_e2e").await?;
    let storage = Storage::Postgres(db.url.clone());
    let tenant = bootstrap(&storage, "kobenhavn")?;
    let node_a = Server::start(storage.clone(), &[])?;
    let node_b = Server::start(storage, &[])?;
    let profiles = tempfile::tempdir()?;

    let sara = Client::open(&profiles.path().join("sara"), &[1; 32])?;
    sara.login(
        &node_a.url(),
        &tenant.slug,
        &tenant.caseworker,
        PASSWORD,
        "laptop",
    )
    .await?;
    let inv = sara.invite(Role::Youth, "Aisha", None, None).await?;
    let aisha = Arc::new(Client::open(&profiles.path().join("aisha"), &[2; 32])?);
    let me = aisha
        .join(Some(&node_b.url()), &inv.code, "Aisha", "telefon")
        .await?;
    sara.sync().await?;
    assert!(sara.people()?[0].devices[0].verified);
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;

    let mut events = aisha.subscribe();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let live = tokio::spawn(aisha.clone().run_live(stop_rx));
    // Wait until the live loop is connected (it announces it), so the wake-up has a socket.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(ClientEvent::Connection { online: true }) = events.recv().await {
                break;
            }
        }
    })
    .await?;

    sara.send(&thread, "Hej Aisha, velkommen til Samtale 🙂")
        .await?;
    // The live client's idle re-check is 60 s: only the cross-node wake-up delivers this fast.
    eventually(
        Duration::from_secs(10),
        "the message reaches node B's client",
        || async {
            Ok(aisha
                .messages(&thread, 10)?
                .iter()
                .any(|m| m.body.contains("velkommen")))
        },
    )
    .await?;
    aisha.send(&thread, "Tak! 😊").await?;
    aisha.mark_read(&thread).await?;
    eventually(
        Duration::from_secs(10),
        "Sara sees Aisha's answer and read mark",
        || async {
            sara.sync().await?;
            let msgs = sara.messages(&thread, 10)?;
            let answered = msgs.iter().any(|m| m.body == "Tak! 😊");
            let read = msgs
                .iter()
                .filter(|m| m.mine)
                .all(|m| m.receipts.iter().all(|r| r.read));
            Ok(answered && read)
        },
    )
    .await?;
    let _ = stop_tx.send(true);
    live.await?;
    Ok(())
}
