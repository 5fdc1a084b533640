//! Reaching a citizen outside the app (issue 9), through real server processes: a local SMS
//! gateway that speaks GatewayAPI's REST API and posts signed delivery reports, and a real SMTP
//! server (aiosmtpd, STARTTLS required) whose mail the test reads back.
//!
//! - A youth verifies his number and his address with codes that come by SMS and e-mail; a
//!   wrong code is refused with the tries left, and the texts carry no name.
//! - Consent per unit, purpose and channel: given, given again (nothing new), withdrawn
//!   (history kept), recorded by a caseworker with a note; another municipality's unit, a bad
//!   note and a non-parent as `given_by` are refused.
//! - The queue: a gateway that fails twice then answers gets the notice once, on the third try;
//!   delivery reports mark it delivered, a forged or unknown report changes nothing, a report
//!   of an undeliverable SMS flags the number.
//! - A server killed with SIGKILL while a notice waits to be retried sends it exactly once
//!   after it is restarted; two nodes on one PostgreSQL database send each notice once.

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use samtale_proto::api::ThreadKind;
use samtale_proto::api::UnitInfo;
use samtale_proto::notices::{
    ConsentHow, ConsentView, ContactState, ContactView, NoticeKind, NoticeState, NoticeView,
    UnreachableView,
};
use samtale_tests::gateway::{Gateway, post_report};
use samtale_tests::raw::{Actor, Api, envelope};
use samtale_tests::smtp::SmtpServer;
use samtale_tests::{PgDatabase, Server, Storage, bootstrap, eventually};
use serde_json::{Value, json};

const KEY: &str = "7f3a9c0e5b1d2468ace013579bdf02468ace013579bdf02468ace013579bdf0a";
const TOKEN: &str = "gw-token-123";
const SECRET: &str = "webhook-secret";
const WAIT: Duration = Duration::from_secs(30);

fn env<'a>(gw: &'a Gateway, smtp_port: &'a str, ca: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("SAMTALE_CONTACT_KEY", KEY),
        ("SAMTALE_SMS_URL", gw.url.as_str()),
        ("SAMTALE_SMS_TOKEN", TOKEN),
        ("SAMTALE_SMS_WEBHOOK_SECRET", SECRET),
        ("SAMTALE_SMTP_HOST", "localhost"),
        ("SAMTALE_SMTP_PORT", smtp_port),
        ("SAMTALE_SMTP_FROM", "Samtale <samtale@aarhus.dk>"),
        ("SAMTALE_SMTP_CA_FILE", ca),
        ("SAMTALE_NOTICE_RETRY_SECONDS", "1"),
    ]
}

async fn set_contact(api: &Api, who: &Actor, channel: &str, value: &str) {
    let (s, v) = api
        .call(
            Method::PUT,
            "/v1/me/contacts",
            Some(&who.token),
            Some(json!({"channel": channel, "value": value}).to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn notices(api: &Api, who: &Actor) -> Vec<NoticeView> {
    let (s, v) = api
        .call(Method::GET, "/v1/me/notices", Some(&who.token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).expect("notices")
}

/// Asks for a code to the citizen's number or address.
async fn ask_code(api: &Api, who: &Actor, channel: &str) -> (StatusCode, Value) {
    api.call(
        Method::POST,
        &format!("/v1/me/contacts/{channel}/code"),
        Some(&who.token),
        None,
    )
    .await
}

/// A mail as text: its headers and its body, decoded when the body is base64.
fn mail_text(raw: &[u8]) -> String {
    use base64::Engine as _;
    let raw = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        let joined: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(joined)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    } else {
        body.to_owned()
    };
    format!("{head}\n\n{body}")
}

/// The body of a mail (after its headers).
fn mail_body(raw: &[u8]) -> String {
    let text = mail_text(raw);
    text.split_once("\n\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

/// The six digits in a text.
fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_consents_and_the_queue_with_a_real_gateway_and_mail_server() -> anyhow::Result<()> {
    let gw = Gateway::start(TOKEN).await?;
    let smtp = SmtpServer::start()?;
    let port = smtp.port.to_string();
    let ca = smtp.ca_file.display().to_string();
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    bootstrap(&storage, "odense")?;
    Server::admin(
        &storage,
        &["units", "--slug", "aarhus", "--add", "Ungeindsatsen"],
    )?;
    Server::admin(
        &storage,
        &["units", "--slug", "odense", "--add", "Sundhedsplejen"],
    )?;
    let server = Server::start_with_env(storage.clone(), &[], &env(&gw, &port, &ca))?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let webhook = format!("{}/v1/hooks/gatewayapi", server.url());
    let sara = api.login("aarhus").await;
    let mikkel = api.join(&api.invite(&sara, None).await.server_part).await;
    let odense = api.login("odense").await;
    let unit_of = |who: &Actor| {
        let (api, token) = (&api, who.token.clone());
        async move {
            let (s, v) = api.call(Method::GET, "/v1/units", Some(&token), None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            serde_json::from_value::<Vec<UnitInfo>>(v).expect("units")[0].clone()
        }
    };
    let unge = unit_of(&sara).await;
    let sundhed = unit_of(&odense).await;

    // --- A code by SMS: wrong, then right. ---
    set_contact(&api, &mikkel, "sms", "23 45 67 89").await;
    let (s, v) = ask_code(&api, &mikkel, "sms").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    eventually(WAIT, "the code SMS at the gateway", || async {
        Ok(gw.accepted().len() == 1)
    })
    .await?;
    let sms = gw.accepted()[0].clone();
    assert_eq!((sms.msisdn, sms.sender.as_str()), (4523456789, "Samtale"));
    let code = code_in(&sms.message);
    assert_eq!(code.len(), 6, "{}", sms.message);
    let verify = |channel: &'static str, code: String| {
        let (api, token) = (&api, mikkel.token.clone());
        async move {
            api.call(
                Method::POST,
                &format!("/v1/me/contacts/{channel}/verify"),
                Some(&token),
                Some(json!({ "code": code }).to_string()),
            )
            .await
        }
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (s, v) = verify("sms", wrong.into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("4 tries left"), "{v}");
    let (s, v) = verify("sms", code.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let phone: ContactView = serde_json::from_value(v)?;
    assert_eq!(phone.state, ContactState::Verified);
    assert!(phone.verified_at_ms.is_some());
    // Used up: the same code again finds nothing to check.
    let (s, _) = verify("sms", code).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // --- A code by e-mail through the SMTP server. ---
    set_contact(&api, &mikkel, "email", "mikkel@eksempel.dk").await;
    let (s, v) = ask_code(&api, &mikkel, "email").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    eventually(WAIT, "the code mail", || async {
        Ok(smtp.mails()?.len() == 1)
    })
    .await?;
    let raw = smtp.mails()?[0].0.clone();
    assert!(mail_text(&raw).contains("mikkel@eksempel.dk"));
    let body = mail_body(&raw);
    assert!(body.contains("Din kode til Samtale"), "{body}");
    let (s, v) = verify("email", code_in(&body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Bad input: an unknown channel, no such contact, staff asking for a code.
    let (s, _) = ask_code(&api, &mikkel, "brevdue").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = ask_code(&api, &sara, "sms").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // --- Consents. ---
    let give = |body: Value| {
        let (api, token) = (&api, mikkel.token.clone());
        async move {
            api.call(
                Method::POST,
                "/v1/me/consents",
                Some(&token),
                Some(body.to_string()),
            )
            .await
        }
    };
    let sms_consent = json!({"unit": unge.id, "purpose": "new_messages", "channel": "sms"});
    let (s, v) = give(sms_consent.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let first: ConsentView = serde_json::from_value(v)?;
    assert_eq!(first.unit_name, "Ungeindsatsen");
    assert_eq!(first.consent.how, ConsentHow::InApp);
    assert!(!first.consent.by_parent);
    let (s, v) = give(sms_consent.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        serde_json::from_value::<ConsentView>(v)?.id,
        first.id,
        "a second tap adds nothing"
    );
    // Another municipality's unit, a malformed purpose.
    let (s, v) =
        give(json!({"unit": sundhed.id, "purpose": "new_messages", "channel": "sms"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = give(json!({"unit": unge.id, "purpose": "reklame", "channel": "sms"})).await;
    assert!(s.is_client_error());
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/me/consents/withdraw",
            Some(&mikkel.token),
            Some(sms_consent.to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = api
        .call(
            Method::POST,
            "/v1/me/consents/withdraw",
            Some(&mikkel.token),
            Some(sms_consent.to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing live to withdraw");
    // Recorded by the caseworker, with how it was given.
    let path = format!("/v1/users/{}/consents", mikkel.user);
    let record = |body: Value| {
        let (api, token, path) = (&api, sara.token.clone(), path.clone());
        async move {
            api.call(Method::POST, &path, Some(&token), Some(body.to_string()))
                .await
        }
    };
    let (s, v) = record(
        json!({"unit": unge.id, "purpose": "new_messages", "channel": "sms",
        "note": "mundtligt ved møde 12.11"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let recorded: ConsentView = serde_json::from_value(v)?;
    assert_eq!(
        recorded.consent.how,
        ConsentHow::Recorded {
            note: "mundtligt ved møde 12.11".into()
        }
    );
    for (body, status) in [
        (
            json!({"unit": unge.id, "purpose": "new_messages", "channel": "email", "note": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"unit": unge.id, "purpose": "new_messages", "channel": "email", "note": "ved møde",
            "given_by": sara.user}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (s, v) = record(body).await;
        assert_eq!(s, status, "{v}");
    }
    let (s, _) = api
        .call(
            Method::POST,
            &path,
            Some(&odense.token),
            Some(
                json!({"unit": sundhed.id,
            "purpose": "new_messages", "channel": "sms", "note": "ved møde"})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another municipality's citizen");
    let (s, v) = api
        .call(Method::GET, "/v1/me/consents", Some(&mikkel.token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let history: Vec<ConsentView> = serde_json::from_value(v)?;
    assert_eq!(history.len(), 2, "the withdrawn one is kept");
    assert!(history[0].consent.withdrawn_at_ms.is_some());
    assert!(history[1].consent.withdrawn_at_ms.is_none());

    // --- The gateway fails twice, then takes it: sent once, on the third try. ---
    gw.fail_next(2);
    let before = gw.requests();
    let (s, v) = ask_code(&api, &mikkel, "sms").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    eventually(WAIT, "the third try", || async {
        Ok(gw.accepted().len() == 2)
    })
    .await?;
    assert_eq!(gw.requests() - before, 3);
    let list = notices(&api, &mikkel).await;
    let retried = list
        .iter()
        .find(|n| Some(n.id.as_str()) == gw.accepted()[1].userref.as_deref())
        .expect("the notice");
    assert_eq!((retried.state, retried.attempts), (NoticeState::Sent, 3));
    assert!(retried.reason.contains("503"), "{}", retried.reason);

    // --- Limits: three codes per channel an hour; five tries per code. ---
    let (s, v) = ask_code(&api, &mikkel, "sms").await;
    assert_eq!(s, StatusCode::OK, "the third code this hour: {v}");
    eventually(WAIT, "the third code", || async {
        Ok(gw.accepted().len() == 3)
    })
    .await?;
    let (s, v) = ask_code(&api, &mikkel, "sms").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "a fourth: {v}");
    let third = code_in(&gw.accepted()[2].message);
    let wrong = if third == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in (0..5).rev() {
        let (s, v) = verify("sms", wrong.into()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(v.to_string().contains(&format!("{left} tries left")), "{v}");
    }
    // Past five, even the right code is refused: a new one must be asked for.
    let (s, v) = verify("sms", third).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(v.to_string().contains("ask for a new one"), "{v}");

    // --- Delivery reports. ---
    let first_sms = gw.accepted()[0].clone();
    assert_eq!(
        gw.report(&webhook, &first_sms, "DELIVERED", SECRET.as_bytes())
            .await?,
        StatusCode::NO_CONTENT
    );
    let state_of =
        |id: &str, list: &[NoticeView]| list.iter().find(|n| n.id == id).map(|n| n.state);
    let first_id = first_sms.userref.clone().unwrap_or_default();
    assert_eq!(
        state_of(&first_id, &notices(&api, &mikkel).await),
        Some(NoticeState::Delivered)
    );
    // Forged: signed with another secret, or the claims changed; and a report for an SMS
    // never sent. Nothing changes.
    let second = gw.accepted()[1].clone();
    assert_eq!(
        gw.report(&webhook, &second, "UNDELIVERABLE", b"guessed")
            .await?,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_report(
            &webhook,
            &json!({"id": second.id, "status": "UNDELIVERABLE"}),
            ""
        )
        .await?,
        StatusCode::UNAUTHORIZED
    );
    let mut ghost = second.clone();
    ghost.id = 42;
    assert_eq!(
        gw.report(&webhook, &ghost, "UNDELIVERABLE", SECRET.as_bytes())
            .await?,
        StatusCode::NOT_FOUND
    );
    let (_, v) = api
        .call(Method::GET, "/v1/me/contacts", Some(&mikkel.token), None)
        .await;
    let contacts: Vec<ContactView> = serde_json::from_value(v)?;
    assert_eq!(contacts[0].state, ContactState::Verified, "nothing changed");
    // Undeliverable: failed, and the number is flagged at once.
    assert_eq!(
        gw.report(&webhook, &second, "UNDELIVERABLE", SECRET.as_bytes())
            .await?,
        StatusCode::NO_CONTENT
    );
    let second_id = second.userref.clone().unwrap_or_default();
    assert_eq!(
        state_of(&second_id, &notices(&api, &mikkel).await),
        Some(NoticeState::Failed)
    );
    let (_, v) = api
        .call(Method::GET, "/v1/me/contacts", Some(&mikkel.token), None)
        .await;
    let contacts: Vec<ContactView> = serde_json::from_value(v)?;
    assert_eq!(contacts[0].state, ContactState::Bounced);
    // A replayed report changes nothing more.
    assert_eq!(
        gw.report(&webhook, &second, "DELIVERED", SECRET.as_bytes())
            .await?,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        state_of(&second_id, &notices(&api, &mikkel).await),
        Some(NoticeState::Failed)
    );

    // Staff see what was sent, only with a reason.
    let path = format!("/v1/users/{}/notices", mikkel.user);
    let (s, _) = api.call(Method::GET, &path, Some(&sara.token), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = api
        .call(
            Method::GET,
            &format!("{path}?reason=tjek%20af%20sms"),
            Some(&sara.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(serde_json::from_value::<Vec<NoticeView>>(v)?.len(), 4);

    // --- Privacy: no name in any SMS or mail. ---
    let mut texts: Vec<String> = gw.accepted().into_iter().map(|s| s.message).collect();
    for (raw, _) in smtp.mails()? {
        texts.push(mail_text(&raw));
    }
    for text in &texts {
        for name in ["Ung", "Sara", "sara", "Ungeindsatsen"] {
            assert!(!text.contains(name), "{name:?} in {text:?}");
        }
    }
    // And the numbers and codes are not in the server's data in the clear.
    assert!(!samtale_tests::dir_contains(data.path(), b"23456789")?);
    assert!(!samtale_tests::dir_contains(
        data.path(),
        b"mikkel@eksempel"
    )?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_waiting_for_a_retry_goes_once_after_a_sigkill() -> anyhow::Result<()> {
    let gw = Gateway::start(TOKEN).await?;
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    let mut server = Server::start_with_env(
        storage,
        &[],
        &[
            ("SAMTALE_CONTACT_KEY", KEY),
            ("SAMTALE_SMS_URL", gw.url.as_str()),
            ("SAMTALE_SMS_TOKEN", TOKEN),
            // Long enough that the kill lands while it waits, not while it is handed over.
            ("SAMTALE_NOTICE_RETRY_SECONDS", "4"),
        ],
    )?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("aarhus").await;
    let jonas = api.join(&api.invite(&sara, None).await.server_part).await;
    set_contact(&api, &jonas, "sms", "+45 31 22 33 44").await;
    gw.fail_next(1);
    let (s, v) = ask_code(&api, &jonas, "sms").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    eventually(WAIT, "the first try failed and waits", || async {
        let list = notices(&api, &jonas).await;
        Ok(list.len() == 1 && list[0].state == NoticeState::Queued && list[0].attempts == 1)
    })
    .await?;
    server.kill_hard();
    server.restart()?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    eventually(WAIT, "sent after the restart", || async {
        Ok(gw.accepted().len() == 1)
    })
    .await?;
    let list = notices(&api, &jonas).await;
    assert_eq!((list[0].state, list[0].attempts), (NoticeState::Sent, 2));
    assert_eq!(list[0].kind, NoticeKind::Code);
    // Nothing more goes out: the queue is empty and the one SMS stays one.
    eventually(WAIT, "the queue settled", || async {
        Ok(notices(&api, &jonas).await[0].state == NoticeState::Sent)
    })
    .await?;
    assert_eq!(gw.accepted().len(), 1);
    assert_eq!(gw.requests(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_send_each_notice_once() -> anyhow::Result<()> {
    let gw = Gateway::start(TOKEN).await?;
    let db = PgDatabase::create("samtale_notices").await?;
    let storage = Storage::Postgres(db.url.clone());
    bootstrap(&storage, "aarhus")?;
    let env = [
        ("SAMTALE_CONTACT_KEY", KEY),
        ("SAMTALE_SMS_URL", gw.url.as_str()),
        ("SAMTALE_SMS_TOKEN", TOKEN),
        ("SAMTALE_NOTICE_RETRY_SECONDS", "1"),
    ];
    let node_a = Server::start_with_env(storage.clone(), &[], &env)?;
    let node_b = Server::start_with_env(storage, &[], &env)?;
    let a = Api {
        base: node_a.url(),
        http: Client::new(),
    };
    let b = Api {
        base: node_b.url(),
        http: Client::new(),
    };
    let sara = a.login("aarhus").await;
    // The gateway fails the first tries, so that both nodes hold due notices at once.
    gw.fail_next(4);
    let mut youths = Vec::new();
    for i in 0..6 {
        let api = if i % 2 == 0 { &a } else { &b };
        let youth = api.join(&a.invite(&sara, None).await.server_part).await;
        set_contact(api, &youth, "sms", &format!("4{i} 11 22 33")).await;
        let (s, v) = ask_code(api, &youth, "sms").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        youths.push(youth);
    }
    eventually(Duration::from_secs(60), "all six sent", || async {
        Ok(gw.accepted().len() >= 6)
    })
    .await?;
    // Once the last is out, nothing more may come: each notice exactly once.
    let mut refs: Vec<String> = gw
        .accepted()
        .into_iter()
        .filter_map(|s| s.userref)
        .collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 6);
    for youth in &youths {
        let list = notices(&a, youth).await;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].state, NoticeState::Sent);
    }
    assert_eq!(gw.accepted().len(), 6, "none sent twice");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_message_brings_one_content_free_sms_or_a_place_on_the_list() -> anyhow::Result<()>
{
    let gw = Gateway::start(TOKEN).await?;
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    Server::admin(
        &storage,
        &["units", "--slug", "aarhus", "--add", "Ungeindsatsen"],
    )?;
    Server::admin(
        &storage,
        &[
            "staff-unit",
            "--slug",
            "aarhus",
            "--username",
            "sara",
            "--unit",
            "Ungeindsatsen",
        ],
    )?;
    let server = Server::start_with_env(
        storage,
        &[],
        &[
            ("SAMTALE_CONTACT_KEY", KEY),
            ("SAMTALE_SMS_URL", gw.url.as_str()),
            ("SAMTALE_SMS_TOKEN", TOKEN),
            ("SAMTALE_NOTICE_WAIT_SECONDS", "1"),
            ("SAMTALE_NOTICE_QUIET_HOURS", "none"),
            ("SAMTALE_UNREACHABLE_AFTER_DAYS", "0"),
        ],
    )?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("aarhus").await;
    let mikkel = api.join(&api.invite(&sara, None).await.server_part).await;
    let jonas = api.join(&api.invite(&sara, None).await.server_part).await;
    let (_, v) = api
        .call(Method::GET, "/v1/units", Some(&sara.token), None)
        .await;
    let unge = serde_json::from_value::<Vec<UnitInfo>>(v)?[0].clone();

    // Mikkel: a verified number and consent to SMS about new messages from the unit.
    set_contact(&api, &mikkel, "sms", "23 45 67 89").await;
    let (s, v) = ask_code(&api, &mikkel, "sms").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    eventually(WAIT, "the code", || async { Ok(gw.accepted().len() == 1) }).await?;
    let code = code_in(&gw.accepted()[0].message);
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/me/contacts/sms/verify",
            Some(&mikkel.token),
            Some(json!({ "code": code }).to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/me/consents",
            Some(&mikkel.token),
            Some(json!({"unit": unge.id, "purpose": "new_messages", "channel": "sms"}).to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Jonas is 13: his own tap is not consent enough (a parent must give it).
    let year = samtale_proto::clock::local(samtale_tests::now_ms())
        .date
        .year;
    let born = |who: &Actor, body: Value| {
        let (api, token, path) = (
            &api,
            sara.token.clone(),
            format!("/v1/users/{}/born", who.user),
        );
        async move {
            api.call(Method::PUT, &path, Some(&token), Some(body.to_string()))
                .await
        }
    };
    for bad in ["30.02.2012", "2099-01-01", "1.1.1900", "i går"] {
        let (s, v) = born(&jonas, json!({ "born": bad })).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
    }
    let (s, _) = born(&sara, json!({ "born": "01.01.2000" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "staff have no birth date here");
    let (s, v) = born(&jonas, json!({ "born": format!("15.06.{}", year - 13) })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["born"], format!("{}-06-15", year - 13));
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/me/consents",
            Some(&jonas.token),
            Some(json!({"unit": unge.id, "purpose": "new_messages", "channel": "sms"}).to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Sara writes to each of them; neither reads.
    let to_mikkel = api
        .thread(&sara, ThreadKind::Youth, vec![mikkel.user.clone()])
        .await;
    let to_jonas = api
        .thread(&sara, ThreadKind::Youth, vec![jonas.user.clone()])
        .await;
    let text = b"Husk modet om din skoleplan i morgen kl. 10";
    for (thread, youth) in [(&to_mikkel, &mikkel), (&to_jonas, &jonas)] {
        let env = envelope(&sara, thread, &[youth], text);
        let (s, v) = api.post("/v1/envelopes", Some(&sara.token), &env).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }

    // Mikkel gets one SMS that says nothing but that a message waits.
    eventually(WAIT, "the notice SMS", || async {
        Ok(gw.accepted().len() == 2)
    })
    .await?;
    let notice = gw.accepted()[1].clone();
    assert_eq!(notice.msisdn, 4523456789);
    assert_eq!(
        notice.message,
        "Du har en ny besked fra aarhus Kommune i Samtale. Åbn appen for at læse den."
    );
    let list = notices(&api, &mikkel).await;
    let sent = list
        .iter()
        .find(|n| n.kind == NoticeKind::NewMessage)
        .expect("the notice");
    assert!(sent.reason.contains("samtykke fra"), "{}", sent.reason);

    // Jonas has no number and no consent: on Sara's list, with the reasons in words.
    let unreachable = || {
        let (api, token) = (&api, sara.token.clone());
        async move {
            let (s, v) = api
                .call(Method::GET, "/v1/unreachable", Some(&token), None)
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            serde_json::from_value::<Vec<UnreachableView>>(v).expect("list")
        }
    };
    eventually(WAIT, "Jonas on the list", || async {
        Ok(unreachable().await.iter().any(|u| u.citizen == jonas.user))
    })
    .await?;
    let list = unreachable().await;
    assert_eq!(list.len(), 1, "only Jonas: {list:?}");
    let entry = &list[0];
    assert_eq!(
        (entry.unit_name.as_str(), &entry.thread),
        ("Ungeindsatsen", &to_jonas)
    );
    let reasons = entry.reasons.join("; ");
    assert!(reasons.contains("givet af den unge før 15 år"), "{reasons}");
    assert!(
        reasons.contains("intet samtykke til e-mail fra Ungeindsatsen"),
        "{reasons}"
    );
    assert!(reasons.contains("app"), "{reasons}");
    // A youth may not see the list.
    let (s, _) = api
        .call(Method::GET, "/v1/unreachable", Some(&jonas.token), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Jonas answers: he is in the app, and off the list.
    let reply = envelope(&jonas, &to_jonas, &[&sara], b"ok");
    let (s, v) = api.post("/v1/envelopes", Some(&jonas.token), &reply).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(unreachable().await.is_empty());
    // A message Sara planned for later: once it is released and goes unread, he is back on the
    // list.
    let planned = samtale_proto::api::ScheduleRequest {
        envelope: envelope(&sara, &to_jonas, &[&jonas], b"Husk i morgen"),
        release_at_ms: samtale_tests::now_ms() + 1_500,
        to: None,
    };
    let (s, v) = api.post("/v1/scheduled", Some(&sara.token), &planned).await;
    assert!(s.is_success(), "{s} {v}");
    eventually(WAIT, "Jonas back on the list after the release", || async {
        Ok(unreachable().await.iter().any(|u| u.citizen == jonas.user))
    })
    .await?;

    // Nothing of the message, the caseworker or the unit in any SMS.
    for sms in gw.accepted() {
        for word in ["skoleplan", "Sara", "Ungeindsatsen", "Ung "] {
            assert!(!sms.message.contains(word), "{word:?} in {:?}", sms.message);
        }
    }
    Ok(())
}

/// The same through the `samtale` CLI, as a script would: a number entered, a code asked for
/// and typed back, consent given, listed and withdrawn, the notices listed; a code for another
/// channel and a consent for a malformed unit are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_consents_and_notices_through_the_cli() -> anyhow::Result<()> {
    use samtale_tests::{Tenant, cli, cli_invite_youth, cli_json, cli_login};

    let gw = Gateway::start(TOKEN).await?;
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "vejle")?;
    let unit = samtale_tests::add_unit(&storage, "vejle", "Ungeindsatsen")?;
    let server = Server::start_with_env(
        storage,
        &[],
        &[
            ("SAMTALE_CONTACT_KEY", KEY),
            ("SAMTALE_SMS_URL", gw.url.as_str()),
            ("SAMTALE_SMS_TOKEN", TOKEN),
        ],
    )?;
    let profiles = tempfile::tempdir()?;
    let (sara, mikkel) = (profiles.path().join("sara"), profiles.path().join("mikkel"));
    let tenant = Tenant {
        slug: "vejle".into(),
        caseworker: "sara".into(),
    };
    cli_login(&sara, &server.url(), &tenant)?;
    cli_invite_youth(&sara, &mikkel, &server.url(), "Mikkel")?;
    cli(&mikkel, &["set-contact", "sms", "23 45 67 89"])?;
    let sent = cli_json(&mikkel, &["contact-code", "sms"])?;
    assert_eq!(sent["channel"], "sms");
    eventually(WAIT, "the code", || async { Ok(gw.accepted().len() == 1) }).await?;
    let code = code_in(&gw.accepted()[0].message);
    let verified = cli_json(&mikkel, &["verify-contact", "sms", &code])?;
    assert_eq!(verified["state"], "verified");
    let refused = cli(&mikkel, &["contact-code", "email"]).unwrap_err();
    assert!(refused.to_string().contains("no e-mail"), "{refused:#}");
    let given = cli_json(
        &mikkel,
        &[
            "give-consent",
            "--unit",
            &unit,
            "--purpose",
            "new-messages",
            "--channel",
            "sms",
        ],
    )?;
    assert_eq!(given["unit_name"], "Ungeindsatsen");
    let refused = cli(
        &mikkel,
        &[
            "give-consent",
            "--unit",
            "x",
            "--purpose",
            "new-messages",
            "--channel",
            "sms",
        ],
    )
    .unwrap_err();
    assert!(refused.to_string().contains("not a unit id"), "{refused:#}");
    cli(
        &mikkel,
        &[
            "withdraw-consent",
            "--unit",
            &unit,
            "--purpose",
            "new-messages",
            "--channel",
            "sms",
        ],
    )?;
    let history = cli_json(&mikkel, &["consents"])?;
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    assert!(history[0]["withdrawn_at_ms"].is_i64(), "{history}");
    let sent = cli_json(&mikkel, &["notices"])?;
    assert_eq!(sent[0]["kind"], "code");
    Ok(())
}
