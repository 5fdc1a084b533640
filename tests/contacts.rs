//! The contact register through a real server process with a contact key: a youth enters his
//! mobile number and e-mail address as people write them, and reads them back in their kept
//! form; malformed ones are refused with the reason and change nothing; neither value is in
//! the server's data in the clear. Staff read them only with a reason, and each read is in the
//! audit log; another municipality, a youth reading someone else's, and a server without a key
//! are refused.

use reqwest::{Client, Method, StatusCode};
use samtale_proto::notices::{Channel, ContactState, ContactView, SetContact};
use samtale_tests::raw::Api;
use samtale_tests::scene::Scene;
use samtale_tests::{Server, Storage, dir_contains};
use serde_json::json;

const KEY: &str = "7f3a9c0e5b1d2468ace013579bdf02468ace013579bdf02468ace013579bdf0a";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizens_contacts_are_sealed_and_read_only_with_a_reason() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let scene = Scene::start_on(
        storage.clone(),
        &["aarhus", "odense"],
        &[],
        &[("SAMTALE_CONTACT_KEY", KEY)],
    )?;
    let api = Api {
        base: scene.url.clone(),
        http: Client::new(),
    };
    let sara = api.login("aarhus").await;
    let mikkel = api.join(&api.invite(&sara, None).await.server_part).await;
    let jonas = api.join(&api.invite(&sara, None).await.server_part).await;
    let set = |token: String, body: serde_json::Value| {
        let api = &api;
        async move {
            api.call(
                Method::PUT,
                "/v1/me/contacts",
                Some(&token),
                Some(body.to_string()),
            )
            .await
        }
    };
    let (s, v) = set(
        mikkel.token.clone(),
        json!({"channel": "sms", "value": "23 45 67 89"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let phone: ContactView = serde_json::from_value(v)?;
    assert_eq!(
        (phone.value.as_str(), phone.state, phone.source.as_str()),
        ("+4523456789", ContactState::Unverified, "app")
    );
    let (s, v) = set(
        mikkel.token.clone(),
        serde_json::to_value(SetContact {
            channel: Channel::Email,
            value: " Mikkel.Hansen@Eksempel.DK ".into(),
        })?,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Malformed: refused with the reason, nothing changed.
    for (body, why) in [
        (
            json!({"channel": "sms", "value": "1234"}),
            "Danish mobile number",
        ),
        (
            json!({"channel": "sms", "value": "+46 23456789"}),
            "Danish mobile number",
        ),
        (
            json!({"channel": "email", "value": "mikkel@"}),
            "not an e-mail address",
        ),
        (json!({"channel": "brevdue", "value": "x"}), ""),
        (
            json!({"channel": "sms", "value": "23456789", "name": "x"}),
            "",
        ),
    ] {
        let (s, v) = set(mikkel.token.clone(), body.clone()).await;
        assert!(s.is_client_error(), "{body}: {s} {v}");
        assert!(v.to_string().contains(why), "{body}: {v}");
    }
    let (s, v) = api
        .call(Method::GET, "/v1/me/contacts", Some(&mikkel.token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mine: Vec<ContactView> = serde_json::from_value(v)?;
    let kept: Vec<(Channel, &str)> = mine.iter().map(|c| (c.channel, c.value.as_str())).collect();
    assert_eq!(
        kept,
        [
            (Channel::Sms, "+4523456789"),
            (Channel::Email, "Mikkel.Hansen@eksempel.dk")
        ]
    );
    // Not in the clear anywhere in the server's data (the database and its log).
    for needle in [&b"23456789"[..], b"Mikkel.Hansen", b"eksempel.dk"] {
        assert!(
            !dir_contains(data.path(), needle)?,
            "{} is in the server's data",
            String::from_utf8_lossy(needle)
        );
    }

    // Staff: only with a reason, and the read is logged.
    let path = format!("/v1/users/{}/contacts", mikkel.user);
    let (s, v) = api.call(Method::GET, &path, Some(&sara.token), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api
        .call(
            Method::GET,
            &format!("{path}?reason=ringe%20om%20m%C3%B8det"),
            Some(&sara.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(serde_json::from_value::<Vec<ContactView>>(v)?.len(), 2);
    // Not for a youth reading another's, nor for another municipality.
    let (s, _) = api
        .call(
            Method::GET,
            &format!("{path}?reason=nysgerrig"),
            Some(&jonas.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let odense = api.login("odense").await;
    let (s, _) = api
        .call(
            Method::GET,
            &format!("{path}?reason=ringe%20om%20m%C3%B8det"),
            Some(&odense.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (admin, _) = scene.staff("admin", "aarhus", "admin", "Admins pc").await?;
    let log = admin.audit_log(1000).await?;
    let reads: Vec<_> = log.iter().filter(|l| l.action == "contact.read").collect();
    assert_eq!(reads.len(), 1, "{log:?}");
    assert!(
        reads[0].subject.contains("reason=ringe om mødet"),
        "{:?}",
        reads[0]
    );
    assert_eq!(reads[0].actor.as_ref(), Some(&sara.user));
    assert!(
        !log.iter().any(|l| l.subject.contains("23456789")),
        "no number in the log"
    );

    // Sara enters Jonas's number with him; a youth cannot, nor can another municipality.
    let jonas_path = format!("/v1/users/{}/contacts", jonas.user);
    let number = json!({"channel": "sms", "value": "31 22 33 44"}).to_string();
    let (s, v) = api
        .call(
            Method::PUT,
            &jonas_path,
            Some(&sara.token),
            Some(number.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for (who, want) in [
        (&mikkel, StatusCode::FORBIDDEN),
        (&odense, StatusCode::NOT_FOUND),
    ] {
        let (s, v) = api
            .call(
                Method::PUT,
                &jonas_path,
                Some(&who.token),
                Some(number.clone()),
            )
            .await;
        assert_eq!(s, want, "{v}");
    }
    let (_, v) = api
        .call(Method::GET, "/v1/me/contacts", Some(&jonas.token), None)
        .await;
    let his: Vec<ContactView> = serde_json::from_value(v)?;
    assert_eq!(
        his.iter()
            .map(|c| (c.value.as_str(), c.source.as_str()))
            .collect::<Vec<_>>(),
        [("+4531223344", "caseworker")]
    );

    // He takes his e-mail address away.
    let (s, _) = api
        .call(
            Method::DELETE,
            "/v1/me/contacts/email",
            Some(&mikkel.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = api
        .call(Method::GET, "/v1/me/contacts", Some(&mikkel.token), None)
        .await;
    assert_eq!(serde_json::from_value::<Vec<ContactView>>(v)?.len(), 1);

    // A server without a contact key keeps no contacts, and says so.
    let bare_data = tempfile::tempdir()?;
    let bare_storage = Storage::Sqlite(bare_data.path().to_owned());
    samtale_tests::bootstrap(&bare_storage, "aarhus")?;
    let bare = Server::start(bare_storage, &[])?;
    let bare_api = Api {
        base: bare.url(),
        http: Client::new(),
    };
    let b_sara = bare_api.login("aarhus").await;
    let b_youth = bare_api
        .join(&bare_api.invite(&b_sara, None).await.server_part)
        .await;
    let (s, v) = bare_api
        .call(
            Method::PUT,
            "/v1/me/contacts",
            Some(&b_youth.token),
            Some(json!({"channel": "sms", "value": "23456789"}).to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(v.to_string().contains("contact_key"), "{v}");
    drop(storage);
    Ok(())
}

/// The same through the engine and the `samtale` CLI on Mikkel's profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_youth_keeps_his_contacts_with_the_cli() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let scene = Scene::start_on(
        Storage::Sqlite(data.path().to_owned()),
        &["aarhus"],
        &[],
        &[("SAMTALE_CONTACT_KEY", KEY)],
    )?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, _) = scene.mikkel(&sara).await?;
    // The engine first: a number as people write it, kept in its normal form.
    let phone = mikkel.set_contact(Channel::Sms, "+45 23 45 67 89").await?;
    assert_eq!(phone.value, "+4523456789");
    let err = mikkel
        .set_contact(Channel::Email, "mikkel@@eksempel.dk")
        .await
        .expect_err("not an address");
    assert!(err.to_string().contains("not an e-mail address"), "{err}");
    drop(mikkel);
    // Then the CLI on the same profile (opened with the scene's database key).
    let profile = scene.profiles.path().join("mikkel");
    let cli = |args: &[&str]| -> anyhow::Result<String> {
        let out = samtale_tests::cli_command(&profile)
            .env("SAMTALE_DB_KEY", "07".repeat(32))
            .args(args)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "samtale {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let shown = cli(&["set-contact", "email", "mikkel@eksempel.dk"])?;
    assert!(
        shown.contains("mikkel@eksempel.dk") && shown.contains("ikke bekræftet"),
        "{shown}"
    );
    let list: Vec<ContactView> = serde_json::from_str(&cli(&["--json", "contacts"])?)?;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].value, "+4523456789");
    let err = cli(&["set-contact", "brevdue", "x"]).expect_err("no such channel");
    assert!(err.to_string().contains("not a channel"), "{err}");
    cli(&["remove-contact", "sms"])?;
    let left: Vec<ContactView> = serde_json::from_str(&cli(&["--json", "contacts"])?)?;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].channel, Channel::Email);
    Ok(())
}
