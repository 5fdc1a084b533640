//! A caseworker, a youth and a parent on three engine clients against a real server process:
//! invitation (typed code and QR), both-way checks of the invitation proof, a family thread,
//! Danish text with æøå and emoji both ways, per-member receipts, and no plaintext in any
//! database file.

use std::time::Duration;

use samtale_client::{Client, MessageState};
use samtale_proto::api::{Role, ThreadKind};
use samtale_tests::{PASSWORD, Server, Storage, bootstrap, dir_contains, eventually};

const TO_YOUTH: &str =
    "Hej Mikkel 👋 Vi ses fredag kl. 14 på rådhuset – husk sygesikringskortet. Æbler, øl og ål!";
const FROM_YOUTH: &str = "Okay 😅 jeg kommer! Må min mor også komme? Ærligt, jeg er lidt nervøs 🙈";
const FROM_PARENT: &str = "Jeg kommer gerne med. Tak for beskeden 🌸 — Hanne";

fn open(dir: &std::path::Path, byte: u8) -> Client {
    Client::open(dir, &[byte; 32]).expect("open profile")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn family_conversation_end_to_end() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let tenant = bootstrap(&storage, "aarhus")?;
    let server = Server::start(storage, &[])?;
    let profiles = tempfile::tempdir()?;

    let sara = open(&profiles.path().join("sara"), 1);
    sara.login(
        &server.url(),
        &tenant.slug,
        &tenant.caseworker,
        PASSWORD,
        "Saras bærbare",
    )
    .await?;

    // The youth joins with the typed code.
    let inv = sara.invite(Role::Youth, "Mikkel", None, None).await?;
    assert_eq!(inv.code.len(), 19, "{}", inv.code);
    let mikkel = open(&profiles.path().join("mikkel"), 2);
    let me = mikkel
        .join(
            Some(&server.url()),
            &inv.code.to_lowercase(),
            "Mikkel",
            "Mikkels telefon",
        )
        .await?;
    assert_eq!(me.role, Role::Youth);
    assert_eq!(me.tenant_name, "aarhus Kommune");

    // Sara's client checks Mikkel's proof when his device shows up in her inbox.
    sara.sync().await?;
    let invs = sara.invitations()?;
    assert_eq!(invs[0].joined_user.as_ref(), Some(&me.user));
    let people = sara.people()?;
    let mikkel_person = people
        .iter()
        .find(|p| p.user == me.user)
        .expect("Mikkel known");
    assert!(
        mikkel_person.devices[0].verified,
        "the typed-code proof must verify: {people:?}"
    );

    // The parent joins by QR payload (it carries the server address).
    let pinv = sara
        .invite(Role::Parent, "Hanne", Some(me.user.clone()), Some(60))
        .await?;
    let hanne = open(&profiles.path().join("hanne"), 3);
    let hanne_me = hanne
        .join(None, &pinv.qr_payload, "Hanne", "Hannes telefon")
        .await?;
    assert_eq!(hanne_me.role, Role::Parent);
    sara.sync().await?;
    assert!(
        sara.people()?
            .iter()
            .find(|p| p.user == hanne_me.user)
            .expect("Hanne known")
            .devices[0]
            .verified
    );

    // Each side's safety code for the other is the same string.
    let code_at_sara = sara
        .people()?
        .into_iter()
        .find(|p| p.user == me.user)
        .unwrap()
        .devices[0]
        .safety_code
        .clone();
    let code_at_mikkel = mikkel
        .people()?
        .into_iter()
        .find(|p| p.display_name.starts_with("Sara"))
        .unwrap()
        .devices[0]
        .safety_code
        .clone();
    assert_eq!(code_at_sara, code_at_mikkel);

    let thread = sara
        .create_thread(
            ThreadKind::Family,
            vec![me.user.clone(), hanne_me.user.clone()],
        )
        .await?;
    let sent = sara.send(&thread, TO_YOUTH).await?;
    assert_eq!(sent.state, MessageState::Sent);

    for (who, client) in [("Mikkel", &mikkel), ("Hanne", &hanne)] {
        client.sync().await?;
        let threads = client.threads()?;
        assert_eq!(threads.len(), 1, "{who}: {threads:?}");
        assert_eq!(threads[0].members.len(), 3);
        assert_eq!(threads[0].unread, 1, "{who}");
        let msgs = client.messages(&thread, 50)?;
        let texts: Vec<&str> = msgs
            .iter()
            .filter(|m| m.kind == "message")
            .map(|m| m.body.as_str())
            .collect();
        assert_eq!(texts, vec![TO_YOUTH], "{who}");
        assert_eq!(msgs.last().unwrap().sender_name, "Sara Sagsbehandler");
    }

    mikkel.send(&thread, FROM_YOUTH).await?;
    mikkel.mark_read(&thread).await?;
    assert_eq!(mikkel.threads()?[0].unread, 0);
    hanne.sync().await?;
    hanne.send(&thread, FROM_PARENT).await?;

    // Per member: Mikkel has read Sara's message; Hanne's device has it but she has not read it.
    eventually(
        Duration::from_secs(10),
        "Sara sees Mikkel's read mark",
        || async {
            sara.sync().await?;
            let msgs = sara.messages(&thread, 50)?;
            let mine = msgs.iter().find(|m| m.body == TO_YOUTH).unwrap();
            let mikkel_r = mine
                .receipts
                .iter()
                .find(|r| r.display_name == "Mikkel")
                .unwrap();
            let hanne_r = mine
                .receipts
                .iter()
                .find(|r| r.display_name == "Hanne")
                .unwrap();
            Ok(mikkel_r.read && hanne_r.delivered && !hanne_r.read)
        },
    )
    .await?;
    let texts: Vec<String> = sara
        .messages(&thread, 50)?
        .into_iter()
        .filter(|m| m.kind == "message")
        .map(|m| m.body)
        .collect();
    assert_eq!(
        texts,
        vec![
            TO_YOUTH.to_owned(),
            FROM_YOUTH.to_owned(),
            FROM_PARENT.to_owned()
        ]
    );
    hanne.mark_read(&thread).await?;
    eventually(
        Duration::from_secs(10),
        "Sara sees Hanne's read mark",
        || async {
            sara.sync().await?;
            let msgs = sara.messages(&thread, 50)?;
            Ok(msgs
                .iter()
                .find(|m| m.body == TO_YOUTH)
                .unwrap()
                .receipts
                .iter()
                .all(|r| r.read))
        },
    )
    .await?;

    // Search finds words by prefix, across æøå.
    let hits = sara.search("rådhus", 10)?;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].body, TO_YOUTH);
    assert_eq!(mikkel.search("nervø", 10)?.len(), 1);
    assert!(sara.search("\"unbalanced ( query", 10)?.is_empty());

    // Nothing readable on disk: not on the server, not in any client's database.
    for (dir, what) in [
        (data.path(), "server data"),
        (profiles.path(), "client profiles"),
    ] {
        for text in [
            "rådhuset",
            "nervøs",
            "Tak for beskeden",
            "sygesikringskortet",
        ] {
            assert!(
                !dir_contains(dir, text.as_bytes())?,
                "{what} contains {text:?}"
            );
        }
    }
    // A wrong key for a profile is a clear error, not a panic.
    drop(mikkel);
    let wrong = Client::open(&profiles.path().join("mikkel"), &[9; 32]);
    assert!(
        matches!(wrong, Err(samtale_client::ClientError::WrongKey)),
        "{:?}",
        wrong.err()
    );
    Ok(())
}
