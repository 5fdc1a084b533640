//! Offline and restarts: a youth writes three messages while the server is down, the client
//! process is killed, it starts again, the server comes back: all three arrive exactly once and
//! in order. A server restart loses nothing.

use std::process::Stdio;
use std::time::Duration;

use samtale_tests::{
    Server, Storage, bootstrap, cli_command, cli_invite_youth, cli_json, cli_login, eventually,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_offline_messages_survive_a_killed_client_and_a_restart() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let tenant = bootstrap(&storage, "aalborg")?;
    let mut server = Server::start(storage, &[])?;
    let url = server.url();
    let profiles = tempfile::tempdir()?;
    let (sara, mikkel) = (profiles.path().join("sara"), profiles.path().join("mikkel"));

    cli_login(&sara, &url, &tenant)?;
    let youth = cli_invite_youth(&sara, &mikkel, &url, "Mikkel")?;
    let thread = cli_json(&sara, &["new-thread", "--kind", "youth", &youth])?["thread"]
        .as_str()
        .unwrap()
        .to_owned();
    cli_json(&sara, &["send", &thread, "Før nedbruddet"])?;
    cli_json(&mikkel, &["sync"])?;

    // A server restart loses nothing that was stored.
    server.restart()?;
    let msgs = cli_json(&mikkel, &["read", &thread])?;
    assert_eq!(
        msgs.as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "message")
            .count(),
        1
    );

    server.stop();
    let texts = ["Første besked 1️⃣", "Anden besked 2️⃣", "Tredje besked 3️⃣"];
    for t in texts {
        let m = cli_json(&mikkel, &["send", &thread, t])?;
        assert_eq!(m["state"], "queued", "{m}");
    }
    let report = cli_json(&mikkel, &["sync"]);
    assert!(report.is_err(), "sync must say the server is unreachable");

    // A live client process retrying in the background is killed hard.
    let mut live = cli_command(&mikkel)
        .args(["listen", "--seconds", "600"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(300) {
        if live.try_wait()?.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    live.kill()?;
    live.wait()?;

    server.restart()?;
    // The client starts again and pushes its outbox.
    let report = cli_json(&mikkel, &["sync"])?;
    assert_eq!(report["pushed"], 3, "{report}");
    assert_eq!(report["waiting"], 0);
    // Pushing again changes nothing (the outbox is empty; the server would store a replay once).
    assert_eq!(cli_json(&mikkel, &["sync"])?["pushed"], 0);

    eventually(Duration::from_secs(10), "Sara has all three", || async {
        let msgs = cli_json(&sara, &["read", &thread])?;
        Ok(msgs
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "message")
            .count()
            == 4)
    })
    .await?;
    let msgs = cli_json(&sara, &["read", &thread])?;
    let bodies: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "message")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["Før nedbruddet", texts[0], texts[1], texts[2]]);
    // Mikkel's own view marks them sent.
    let mine = cli_json(&mikkel, &["read", &thread])?;
    for m in mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["mine"] == true)
    {
        assert_eq!(m["state"], "sent", "{m}");
    }
    Ok(())
}

/// Retention: the server purges an envelope once every device of every member has it and the
/// retention period has passed (zero here), and keeps what a device has not fetched yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_purges_only_what_every_device_has() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let tenant = bootstrap(&storage, "horsens")?;
    let server = Server::start(
        storage,
        &["--retention-days", "0", "--purge-every-seconds", "1"],
    )?;
    let url = server.url();
    let profiles = tempfile::tempdir()?;
    let (sara, ali, bo) = (
        profiles.path().join("sara"),
        profiles.path().join("ali"),
        profiles.path().join("bo"),
    );
    cli_login(&sara, &url, &tenant)?;
    let mut threads = Vec::new();
    for (profile, name) in [(&ali, "Ali"), (&bo, "Bo")] {
        let user = cli_invite_youth(&sara, profile, &url, name)?;
        threads.push(
            cli_json(&sara, &["new-thread", "--kind", "youth", &user])?["thread"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let to_ali = cli_json(&sara, &["send", &threads[0], "til Ali"])?["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let to_bo = cli_json(&sara, &["send", &threads[1], "til Bo"])?["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Sara's device and Ali's device fetch (and acknowledge) everything; Bo's device does not.
    cli_json(&sara, &["sync"])?;
    cli_json(&ali, &["sync"])?;

    let db = rusqlite::Connection::open(data.path().join("samtale.db"))?;
    let stored = |id: &str| -> anyhow::Result<bool> {
        Ok(
            db.query_row("SELECT count(*) FROM envelopes WHERE id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })? == 1,
        )
    };
    // Bo's is kept: his device has not fetched it. (Ali's may be gone already: the purge runs
    // every second, and nothing holds it back once both devices have it.)
    assert!(stored(&to_bo)?);
    eventually(
        Duration::from_secs(10),
        "Ali's envelope is purged",
        || async { Ok(!stored(&to_ali)?) },
    )
    .await?;
    // The purge that removed Ali's envelope saw Bo's too (both were stored before any ack).
    assert!(
        stored(&to_bo)?,
        "an envelope Bo's device has not fetched was purged"
    );
    let msgs = cli_json(&bo, &["read", &threads[1]])?;
    assert!(
        msgs.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "til Bo")
    );
    eventually(
        Duration::from_secs(10),
        "Bo's envelope is purged once fetched",
        || async { Ok(!stored(&to_bo)?) },
    )
    .await?;
    // Purged on the server, kept on the devices.
    let msgs = cli_json(&ali, &["read", &threads[0]])?;
    assert!(
        msgs.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "til Ali")
    );
    Ok(())
}
