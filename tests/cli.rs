//! The same family conversation as `family.rs`, through the `samtale` CLI processes: the
//! headless client scripts and tests use.

use samtale_tests::{Server, Storage, bootstrap, cli, cli_json, cli_login, dir_contains};

#[test]
fn cli_family_conversation() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let tenant = bootstrap(&storage, "odense")?;
    let server = Server::start(storage, &[])?;
    let url = server.url();
    let profiles = tempfile::tempdir()?;
    let (sara, mikkel, hanne) = (
        profiles.path().join("sara"),
        profiles.path().join("mikkel"),
        profiles.path().join("hanne"),
    );

    let who = cli_login(&sara, &url, &tenant)?;
    assert_eq!(who["role"], "caseworker");

    let inv = cli_json(&sara, &["invite", "--role", "youth", "--name", "Mikkel"])?;
    let code = inv["code"].as_str().unwrap().to_owned();
    let youth = cli_json(
        &mikkel,
        &["join", &code, "--server", &url, "--name", "Mikkel Ørsted"],
    )?;
    let youth_id = youth["user"].as_str().unwrap().to_owned();
    assert_eq!(youth["display_name"], "Mikkel Ørsted");

    let pinv = cli_json(
        &sara,
        &[
            "invite", "--role", "parent", "--name", "Hanne", "--youth", &youth_id,
        ],
    )?;
    let parent = cli_json(
        &hanne,
        &[
            "join",
            pinv["qr_payload"].as_str().unwrap(),
            "--name",
            "Hanne Ørsted",
        ],
    )?;
    let parent_id = parent["user"].as_str().unwrap().to_owned();

    // The caseworker's invitations show who joined; their devices check out.
    let invs = cli_json(&sara, &["invitations"])?;
    assert!(
        invs.as_array()
            .unwrap()
            .iter()
            .all(|i| !i["joined_user"].is_null()),
        "{invs}"
    );
    let people = cli_json(&sara, &["people"])?;
    for p in people.as_array().unwrap() {
        assert_eq!(p["devices"][0]["verified"], true, "{p}");
    }

    let thread = cli_json(
        &sara,
        &["new-thread", "--kind", "family", &youth_id, &parent_id],
    )?["thread"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = cli_json(
        &sara,
        &[
            "send",
            &thread,
            "Godmorgen 🌞 Husk mødet på skolen i dag kl. 10 – Sara",
        ],
    )?;
    assert_eq!(sent["state"], "sent");

    let threads = cli_json(&mikkel, &["threads"])?;
    assert_eq!(threads[0]["unread"], 1, "{threads}");
    let msgs = cli_json(&mikkel, &["read", &thread])?;
    let bodies: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "message")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec!["Godmorgen 🌞 Husk mødet på skolen i dag kl. 10 – Sara"]
    );
    assert_eq!(cli_json(&mikkel, &["threads"])?[0]["unread"], 0);
    cli_json(
        &mikkel,
        &["send", &thread, "Jeg er på vej 🚲 lidt forsinket, sorry!"],
    )?;
    cli_json(&hanne, &["send", &thread, "Tak, vi ses 👍"])?;

    let msgs = cli_json(&sara, &["read", &thread])?;
    let list = msgs.as_array().unwrap();
    let bodies: Vec<&str> = list
        .iter()
        .filter(|m| m["kind"] == "message")
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 3, "{msgs}");
    assert!(bodies.contains(&"Jeg er på vej 🚲 lidt forsinket, sorry!"));
    assert!(bodies.contains(&"Tak, vi ses 👍"));
    // Mikkel read Sara's message; Hanne has not opened the thread with `read` yet.
    let first = list.iter().find(|m| m["mine"] == true).unwrap();
    let receipts = first["receipts"].as_array().unwrap();
    let by = |name: &str| {
        receipts
            .iter()
            .find(|r| r["display_name"] == name)
            .unwrap()
            .clone()
    };
    // Sara sees the names she invited them by; the names they chose are shown once as notices.
    assert_eq!(by("Mikkel")["read"], true, "{first}");
    assert_eq!(by("Hanne")["read"], false, "{first}");
    let notices: Vec<&str> = list
        .iter()
        .filter(|m| m["kind"] == "notice")
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(
        notices.contains(&"Serveren oplyser et andet navn for Mikkel: \"Mikkel Ørsted\". Her vises fortsat Mikkel."),
        "{notices:?}"
    );

    // Text output is for people: Danish marks, names.
    let text = cli(&sara, &["read", &thread])?;
    assert!(text.contains("læst af Mikkel"), "{text}");

    let hits = cli_json(&hanne, &["search", "skolen"])?;
    assert_eq!(hits.as_array().unwrap().len(), 1);

    for dir in [data.path(), profiles.path()] {
        assert!(!dir_contains(dir, "forsinket".as_bytes())?);
    }
    // Bad input is a clear error, not a crash.
    let err = cli(&sara, &["send", "not-a-thread", "x"])
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not a thread id"), "{err}");
    let err = cli(
        &profiles.path().join("nobody"),
        &["join", "ABCD-EFGH", "--server", &url, "--name", "X"],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("16 characters"), "{err}");
    Ok(())
}

/// A reader that goes away (`samtale invitations | head -1`) ends the CLI quietly, as it ends
/// other command-line tools, instead of with a panic about a broken pipe.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_cli_quietly() -> anyhow::Result<()> {
    use std::os::unix::process::ExitStatusExt;

    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let tenant = bootstrap(&storage, "odense")?;
    let server = Server::start(storage, &[])?;
    let profiles = tempfile::tempdir()?;
    let sara = profiles.path().join("sara");
    cli_login(&sara, &server.url(), &tenant)?;
    cli_json(&sara, &["invite", "--role", "youth", "--name", "Mikkel"])?;
    // A pipe whose reading end is gone before the CLI writes a byte.
    let (reader, writer) = std::io::pipe()?;
    drop(reader);
    let out = samtale_tests::cli_command(&sara)
        .arg("invitations")
        .stdout(writer)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Ended by SIGPIPE (13), as `head` expects of a writer.
    assert!(
        out.status.signal() == Some(13) || out.status.success(),
        "{:?}: {stderr}",
        out.status
    );
    Ok(())
}
