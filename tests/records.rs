//! Records into the case file through real clients, a real server process and a real SMTP
//! server (aiosmtpd, STARTTLS required): Sara records an excerpt of her conversation with
//! Mikkel; with no connector and then with the mail server down it is kept with its reason,
//! and when the server is up it arrives once, as a PDF/A whose text (æøå, emoji, the case
//! number) can be extracted and metadata whose hash names that PDF. Mikkel sees the mark; the
//! municipality's audit log has one content-free line; the server's data holds none of the
//! text. Every bad input is refused with nothing stored; the folder and HTTPS connectors
//! deliver the same three files. A period of Mikkel's smiley check-ins is recorded with every
//! slot in it, answered, late or missed.

use std::process::Command;
use std::sync::{Arc, Mutex};

use samtale_client::files::FileInput;
use samtale_client::records::{Connector, RecordInput, RecordState};
use samtale_client::{Client, ClientError};
use samtale_proto::api::ThreadKind;
use samtale_proto::{EnvelopeId, ThreadId};
use samtale_tests::scene::Scene;
use samtale_tests::smtp::SmtpServer;
use samtale_tests::{Storage, dir_contains};
use sha2::{Digest, Sha256};

const CASE: &str = "27.12.08-G01-1234-26";
const TITLE: &str = "Samtale om skolegang og årsprøven";
const WORDS: &str = "Det gik fint 😀 men jeg er træt af årsprøven. Måske næste gang 👍🏽";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Sara, Mikkel and their conversation with three messages (one with a PDF); the ids of them.
async fn conversation(
    scene: &Scene,
) -> anyhow::Result<(Client, Client, ThreadId, Vec<EnvelopeId>)> {
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(&thread, "Hej Mikkel, hvordan gik mødet på skolen?")
        .await?;
    mikkel.sync().await?;
    mikkel.send(&thread, WORDS).await?;
    let work = tempfile::tempdir()?;
    let plan = work.path().join("Skoleplan.pdf");
    std::fs::write(&plan, b"%PDF-1.4\nSkoleplan for Mikkel\n%%EOF\n")?;
    sara.sync().await?;
    sara.send_files(&thread, "Her er planen", vec![FileInput::path(plan)])
        .await?;
    sara.sync().await?;
    let ids = sara
        .messages(&thread, 50)?
        .into_iter()
        .filter(|m| m.kind == "message")
        .map(|m| m.id)
        .collect::<Vec<_>>();
    anyhow::ensure!(
        ids.len() == 3,
        "expected three messages, found {}",
        ids.len()
    );
    Ok((sara, mikkel, thread, ids))
}

fn input(thread: &ThreadId, messages: Vec<EnvelopeId>) -> RecordInput {
    RecordInput {
        thread: thread.clone(),
        messages,
        case_number: CASE.into(),
        title: TITLE.into(),
        document_date: None,
        kle: Some("27.12.08".into()),
        checkins: None,
    }
}

fn smtp(port: u16, ca_file: Option<String>) -> Connector {
    Connector::Smtp {
        host: "localhost".into(),
        port,
        from: "samtale@aarhus.dk".into(),
        to: "journal@aarhus.dk".into(),
        username: None,
        password: None,
        ca_file,
        insecure_loopback: false,
    }
}

/// How many strongly coloured pixels page 1 of `pdf` has when drawn (`pdftoppm`): the text and
/// rules are black and grey, so these are the colour emoji.
fn coloured_pixels(pdf: &std::path::Path) -> anyhow::Result<usize> {
    let dir = tempfile::tempdir()?;
    let out = Command::new("pdftoppm")
        .args(["-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(dir.path().join("page"))
        .output()?;
    anyhow::ensure!(out.status.success(), "pdftoppm failed on {}", pdf.display());
    // A binary PPM: "P6", width, height, 255, then RGB bytes.
    let ppm = std::fs::read(dir.path().join("page.ppm"))?;
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 && at < ppm.len() {
        while at < ppm.len() && ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        while at < ppm.len() && !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    Ok(ppm
        .get(at + 1..)
        .unwrap_or_default()
        .chunks_exact(3)
        .filter(|p| p.iter().max().unwrap_or(&0) - p.iter().min().unwrap_or(&0) > 80)
        .count())
}

fn pdftotext(pdf: &std::path::Path) -> anyhow::Result<String> {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    Ok(String::from_utf8(out.stdout)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_reaches_the_case_system_once_and_every_member_sees_the_mark() -> anyhow::Result<()>
{
    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, mikkel, thread, ids) = conversation(&scene).await?;
    let input = input(&thread, ids.clone());

    // What will be recorded, shown first: both people, the three messages in order, the file.
    let preview = sara.preview_record(&input).await?;
    assert_eq!(preview.messages.len(), 3);
    assert_eq!(preview.messages[1].text, WORDS);
    assert_eq!(preview.messages[1].role, "ung");
    assert_eq!(preview.participants.len(), 2);
    let file = &preview.messages[2].files[0];
    assert_eq!(file.name, "Skoleplan.pdf");
    assert_eq!(file.hash_of, "indhold");
    assert_eq!(
        file.sha256,
        hex(&Sha256::digest(b"%PDF-1.4\nSkoleplan for Mikkel\n%%EOF\n"))
    );

    // No connector on this device yet: made and kept, with the reason.
    let r = sara.record(&input).await?;
    assert_eq!(r.state, RecordState::Failed);
    let why = r.error.clone().unwrap_or_default();
    assert!(why.starts_with("Kunne ikke journaliseres"), "{why}");
    assert!(why.contains("ikke sat op"), "{why}");

    // The mail server is down: still kept, the reason says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    sara.set_record_connector(Some(&smtp(closed, None)))?;
    let list = sara.retry_records().await?;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state, RecordState::Failed);
    assert!(
        list[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("mailserveren")
    );
    assert_eq!(list[0].attempts, 2);

    // Up, with STARTTLS and its own CA: delivered once; trying again sends nothing more.
    let server = SmtpServer::start()?;
    let ca = server.ca_file.to_string_lossy().into_owned();
    sara.set_record_connector(Some(&smtp(server.port, Some(ca))))?;
    let list = sara.retry_records().await?;
    assert_eq!(list[0].state, RecordState::Delivered, "{:?}", list[0].error);
    assert_eq!(
        list[0].delivered_to.as_deref(),
        Some("e-mail til journal@aarhus.dk")
    );
    sara.retry_records().await?;
    let mails = server.mails()?;
    assert_eq!(mails.len(), 1, "one record, one mail");
    let (raw, parts) = &mails[0];
    let raw = String::from_utf8_lossy(raw);
    assert!(raw.contains("Subject:"), "{raw}");
    assert!(raw.contains(CASE), "the subject names the case");

    // The PDF: PDF/A-2u, and its text comes back out whole.
    let name = &list[0].file_name;
    let pdf_path = parts.join(format!("{name}.pdf"));
    let pdf = std::fs::read(&pdf_path)?;
    assert!(pdf.starts_with(b"%PDF-"));
    let xmp = String::from_utf8_lossy(&pdf);
    assert!(
        xmp.contains("<pdfaid:part>2</pdfaid:part>"),
        "not marked PDF/A-2"
    );
    assert!(xmp.contains("<pdfaid:conformance>U</pdfaid:conformance>"));
    let text = pdftotext(&pdf_path)?;
    for needle in [
        CASE,
        "årsprøven",
        "æ",
        "ø",
        "😀",
        "Mikkel (ung)",
        "Sara Sagsbehandler",
        "Skoleplan.pdf",
        "27.12.08",
    ] {
        assert!(
            text.contains(needle),
            "the PDF's text lacks {needle:?}:\n{text}"
        );
    }
    // The emoji are drawn in colour, not left blank.
    assert!(coloured_pixels(&pdf_path)? > 20, "the emoji are not drawn");
    // The metadata names this PDF by its hash, as JSON and as XML.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(parts.join(format!("{name}.json")))?)?;
    assert_eq!(json["case_number"], CASE);
    assert_eq!(json["kle"], "27.12.08");
    assert_eq!(json["document"]["sha256"], hex(&Sha256::digest(&pdf)));
    assert_eq!(json["messages"].as_array().map(Vec::len), Some(3));
    let xml = std::fs::read_to_string(parts.join(format!("{name}.xml")))?;
    assert!(xml.contains(&format!("<caseNumber>{CASE}</caseNumber>")));
    assert!(xml.contains(&hex(&Sha256::digest(&pdf))));
    // Her own copy is the same document.
    assert_eq!(sara.record_files(&list[0].record)?.0, pdf);

    // Mikkel sees the mark on each recorded message, and the line saying so.
    mikkel.sync().await?;
    let his = mikkel.messages(&thread, 50)?;
    for id in &ids {
        let m = his.iter().find(|m| &m.id == id).expect("message");
        let mark = m.recorded.as_ref().expect("the mark");
        assert_eq!(mark.case_number, CASE);
        assert_eq!(mark.by, "Sara Sagsbehandler");
    }
    assert!(
        his.iter()
            .any(|m| m.kind == "record" && m.body.contains(CASE))
    );

    // The audit log: one line naming the conversation and the case, nothing of the content.
    let (admin, _) = scene.staff("admin", "aarhus", "admin", "Admins pc").await?;
    let log = admin.audit_log(1000).await?;
    let lines: Vec<_> = log.iter().filter(|l| l.action == "record").collect();
    assert_eq!(lines.len(), 1, "{log:?}");
    assert!(lines[0].subject.contains(thread.as_str()));
    assert!(lines[0].subject.contains(CASE));
    assert!(!lines[0].subject.contains("årsprøven") && !lines[0].subject.contains("Samtale om"));
    // A caseworker cannot read the audit log.
    assert!(sara.audit_log(10).await.is_err());

    // The server never held the words, the title or the PDF.
    let Storage::Sqlite(data) = &scene.server.storage else {
        unreachable!("this scene runs on SQLite")
    };
    for secret in ["årsprøven".as_bytes(), b"Samtale om skolegang", b"%PDF-1.7"] {
        assert!(
            !dir_contains(data, secret)?,
            "the server's data holds {secret:?}"
        );
    }
    Ok(())
}

/// Which error a bad record must give.
type Expect = fn(&ClientError) -> bool;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_records_are_refused_and_nothing_is_stored() -> anyhow::Result<()> {
    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, mikkel, thread, ids) = conversation(&scene).await?;
    let (_jonas, jonas_me) = scene
        .citizen(
            &sara,
            samtale_proto::api::Role::Youth,
            "Jonas",
            None,
            "jonas",
            "Jonas' telefon",
        )
        .await?;
    let other = sara
        .create_thread(ThreadKind::Youth, vec![jonas_me.user.clone()])
        .await?;
    let theirs = sara.send(&other, "Hej Jonas").await?.id;
    let lines_before = sara.messages(&thread, 50)?.len();

    let cases: Vec<(&str, RecordInput, Expect)> = vec![
        (
            "empty case number",
            RecordInput {
                case_number: " ".into(),
                ..input(&thread, ids.clone())
            },
            |e| matches!(e, ClientError::Invalid(_)),
        ),
        (
            "case number on two lines",
            RecordInput {
                case_number: "12\n34".into(),
                ..input(&thread, ids.clone())
            },
            |e| matches!(e, ClientError::Invalid(_)),
        ),
        (
            "no title",
            RecordInput {
                title: String::new(),
                ..input(&thread, ids.clone())
            },
            |e| matches!(e, ClientError::Invalid(_)),
        ),
        (
            "title too long",
            RecordInput {
                title: "x".repeat(201),
                ..input(&thread, ids.clone())
            },
            |e| matches!(e, ClientError::Invalid(_)),
        ),
        (
            "bad KLE",
            RecordInput {
                kle: Some("27.1".into()),
                ..input(&thread, ids.clone())
            },
            |e| matches!(e, ClientError::Invalid(_)),
        ),
        (
            "not a date",
            RecordInput {
                document_date: Some("2026-02-30".into()),
                ..input(&thread, ids.clone())
            },
            |e| matches!(e, ClientError::Invalid(_)),
        ),
        ("no messages", input(&thread, vec![]), |e| {
            matches!(e, ClientError::Invalid(_))
        }),
        (
            "a message twice",
            input(&thread, vec![ids[0].clone(), ids[0].clone()]),
            |e| matches!(e, ClientError::Invalid(_)),
        ),
        (
            "another conversation's message",
            input(&thread, vec![ids[0].clone(), theirs.clone()]),
            |e| matches!(e, ClientError::NotFound(_)),
        ),
        (
            "a message that does not exist",
            input(&thread, vec![EnvelopeId::from_parts(1, [3; 10])]),
            |e| matches!(e, ClientError::NotFound(_)),
        ),
        (
            "a conversation she is not in",
            input(&ThreadId::from_parts(1, [4; 10]), ids.clone()),
            |e| matches!(e, ClientError::NotFound(_) | ClientError::Server { .. }),
        ),
    ];
    for (what, bad, expected) in cases {
        let e = sara
            .record(&bad)
            .await
            .err()
            .unwrap_or_else(|| panic!("{what} was recorded"));
        assert!(expected(&e), "{what}: {e:?}");
        assert!(!e.to_string().is_empty());
    }
    // A youth cannot record, even his own conversation.
    mikkel.sync().await?;
    let e = mikkel
        .record(&input(&thread, ids.clone()))
        .await
        .expect_err("refused");
    assert!(matches!(e, ClientError::Invalid(_)), "{e:?}");
    // Nothing was kept, nothing was sent.
    assert!(sara.records()?.is_empty());
    assert!(mikkel.records()?.is_empty());
    assert_eq!(sara.messages(&thread, 50)?.len(), lines_before);
    // A connector that cannot work is refused before it is saved.
    let plain = Connector::Smtp {
        host: "mail.example.org".into(),
        port: 25,
        from: "a@example.org".into(),
        to: "b@example.org".into(),
        username: None,
        password: None,
        ca_file: None,
        insecure_loopback: true,
    };
    assert!(sara.set_record_connector(Some(&plain)).is_err());
    assert!(sara.record_connector()?.is_none());
    Ok(())
}

/// The folder and HTTPS connectors hand over the same three files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_and_https_connectors_deliver_the_record() -> anyhow::Result<()> {
    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _mikkel, thread, ids) = conversation(&scene).await?;

    let drop = tempfile::tempdir()?;
    sara.set_record_connector(Some(&Connector::Folder {
        path: drop.path().to_string_lossy().into_owned(),
    }))?;
    let r = sara.record(&input(&thread, ids[..1].to_vec())).await?;
    assert_eq!(r.state, RecordState::Delivered, "{:?}", r.error);
    let mut names: Vec<String> = std::fs::read_dir(drop.path())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    let n = &r.file_name;
    assert_eq!(
        names,
        vec![format!("{n}.json"), format!("{n}.pdf"), format!("{n}.xml")]
    );

    // A case system's HTTP intake on this machine, answering 503 first, then 201.
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let app = {
        let (got, calls) = (got.clone(), calls.clone());
        axum::Router::new().route(
            "/intake",
            axum::routing::post(
                move |headers: axum::http::HeaderMap,
                      axum::Json(body): axum::Json<serde_json::Value>| {
                    let (got, calls) = (got.clone(), calls.clone());
                    async move {
                        if headers.get("authorization").and_then(|v| v.to_str().ok())
                            != Some("Bearer hemmelig")
                        {
                            return axum::http::StatusCode::UNAUTHORIZED;
                        }
                        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                            return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                        }
                        got.lock().unwrap_or_else(|p| p.into_inner()).push(body);
                        axum::http::StatusCode::CREATED
                    }
                },
            ),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/intake", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    sara.set_record_connector(Some(&Connector::Https {
        url: url.clone(),
        token: Some("hemmelig".into()),
        ca_file: None,
    }))?;
    let r = sara.record(&input(&thread, ids[1..].to_vec())).await?;
    assert_eq!(r.state, RecordState::Failed);
    assert!(
        r.error.as_deref().unwrap_or_default().contains("503"),
        "{:?}",
        r.error
    );
    let list = sara.retry_records().await?;
    let r = list.iter().find(|x| x.record == r.record).expect("kept");
    assert_eq!(r.state, RecordState::Delivered, "{:?}", r.error);
    let got = got.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert_eq!(got.len(), 1);
    use base64::Engine;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(got[0]["pdf"].as_str().unwrap_or_default())?;
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        got[0]["metadata"]["document"]["sha256"],
        hex(&Sha256::digest(&pdf))
    );
    assert_eq!(
        got[0]["metadata"]["messages"].as_array().map(Vec::len),
        Some(2)
    );
    Ok(())
}

/// The server's record route, called by hand: only a caseworker member of the conversation
/// (a youth member and another municipality's caseworker are refused), with a case number that is one short line and nothing else in
/// the body; a replay writes no second line; only an administrator reads the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_route_refuses_what_it_must() -> anyhow::Result<()> {
    use reqwest::{Method, StatusCode};
    use samtale_proto::CareId;
    use samtale_tests::raw::{Api, id};

    let scene = Scene::start(&["aarhus", "odense"], &[])?;
    let api = Api {
        base: scene.url.clone(),
        http: reqwest::Client::new(),
    };
    let sara = api.login("aarhus").await;
    let youth = api.join(&api.invite(&sara, None).await.server_part).await;
    let thread = api
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    let odense = api.login("odense").await;
    let path = format!("/v1/threads/{thread}/records");
    let body =
        |case: &str| serde_json::json!({ "record": id(CareId::from_parts), "case_number": case });

    let refused: Vec<(&str, &str, Option<&str>, String, StatusCode)> = vec![
        ("a youth", &path, Some(youth.token.as_str()), body("1").to_string(), StatusCode::FORBIDDEN),
        ("another municipality", &path, Some(odense.token.as_str()), body("1").to_string(), StatusCode::NOT_FOUND),
        ("no session", &path, None, body("1").to_string(), StatusCode::UNAUTHORIZED),
        ("an empty case number", &path, Some(sara.token.as_str()), body(" ").to_string(), StatusCode::BAD_REQUEST),
        ("a case number on two lines", &path, Some(sara.token.as_str()), body("1\n2").to_string(), StatusCode::BAD_REQUEST),
        ("a case number too long", &path, Some(sara.token.as_str()), body(&"9".repeat(41)).to_string(), StatusCode::BAD_REQUEST),
        ("content in the body", &path, Some(sara.token.as_str()), serde_json::json!({ "record": id(CareId::from_parts), "case_number": "1", "title": "Samtale om skolen" }).to_string(), StatusCode::BAD_REQUEST),
        ("not JSON", &path, Some(sara.token.as_str()), "sagsnummer=1".into(), StatusCode::BAD_REQUEST),
        ("a thread that does not exist", "/v1/threads/nope/records", Some(sara.token.as_str()), body("1").to_string(), StatusCode::NOT_FOUND),
    ];
    for (what, path, token, body, expected) in refused {
        let (status, v) = api.call(Method::POST, path, token, Some(body)).await;
        assert_eq!(status, expected, "{what}: {v}");
    }
    let once = body("27.12.08-G01-5-26");
    for _ in 0..3 {
        let (status, v) = api.post(&path, Some(&sara.token), &once).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    }
    let (admin, _) = scene.staff("admin", "aarhus", "admin", "Admins pc").await?;
    let log = admin.audit_log(1000).await?;
    let lines: Vec<_> = log.iter().filter(|l| l.action == "record").collect();
    assert_eq!(
        lines.len(),
        1,
        "one line for a record however often it is sent: {log:?}"
    );
    assert_eq!(lines[0].actor.as_ref(), Some(&sara.user));
    // Nothing of the refused calls reached the log; a caseworker cannot read it.
    let (status, _) = api
        .call(Method::GET, "/v1/admin/audit", Some(&sara.token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    Ok(())
}

/// 2026-11-02 00.00 in Copenhagen (a Monday, winter time: UTC+1).
const MONDAY: i64 = 1_793_574_000_000;
const HOUR: i64 = 3_600_000;

fn live_at(c: &Client, at: i64) {
    c.set_clock_shift(at - samtale_tests::now_ms());
}

/// A period of check-ins goes in whole: the PDF lists every slot (answered, late, missed) with
/// the score, tags and note; the metadata counts them; Mikkel sees which period was recorded.
/// A youth cannot record one, nor can a period that is too long or holds no check-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_period_of_check_ins_is_recorded_with_every_slot() -> anyhow::Result<()> {
    use samtale_client::care::{AnswerInput, PlanInput};
    use samtale_client::records::CheckInSpan;
    use samtale_proto::care::{PlanStatus, SlotTime, Weekday};

    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    live_at(&sara, MONDAY - 12 * HOUR);
    let at = |hour: u8| SlotTime {
        days: Weekday::ALL.to_vec(),
        hour,
        minute: 0,
    };
    let plan = sara
        .save_plan(
            &thread,
            PlanInput {
                plan: None,
                question: "Hvordan har du det lige nu?".into(),
                times: vec![at(8), at(20)],
                window_minutes: 180,
                tags: vec!["skole".into(), "søvn".into()],
                note: true,
                status: PlanStatus::Active,
            },
        )
        .await?
        .plan;
    // Monday 08.10: 2, school, a note. Monday 20.00: nothing. Tuesday 08.30: 5. Tuesday 20.00
    // answered at 23.30, after the window: late.
    let answers = [
        (
            8 * HOUR + 10 * 60_000,
            2,
            vec!["skole".to_owned()],
            Some("Træt efter weekenden"),
        ),
        (24 * HOUR + 8 * HOUR + 30 * 60_000, 5, vec![], None),
        (
            24 * HOUR + 23 * HOUR + 30 * 60_000,
            3,
            vec!["søvn".to_owned()],
            None,
        ),
    ];
    for (offset, score, tags, note) in answers {
        live_at(&mikkel, MONDAY + offset);
        mikkel.sync().await?;
        mikkel
            .answer_check_in(AnswerInput {
                plan: plan.clone(),
                score,
                tags,
                note: note.map(str::to_owned),
            })
            .await?;
    }
    // Wednesday noon, Sara records Monday and Tuesday.
    live_at(&sara, MONDAY + 2 * 24 * HOUR + 12 * HOUR);
    sara.sync().await?;
    let drop = tempfile::tempdir()?;
    sara.set_record_connector(Some(&Connector::Folder {
        path: drop.path().to_string_lossy().into_owned(),
    }))?;
    let span = CheckInSpan {
        from_ms: MONDAY,
        to_ms: MONDAY + 2 * 24 * HOUR,
    };
    let period = RecordInput {
        title: "Smiley-tjek efter skoleskiftet".into(),
        checkins: Some(span),
        ..input(&thread, vec![])
    };
    let shown = sara.preview_record(&period).await?;
    let c = shown
        .checkins
        .as_ref()
        .expect("the period is in the preview");
    assert_eq!(c.youth, "Mikkel");
    let scores: Vec<Option<u8>> = c.slots.iter().map(|s| s.score).collect();
    assert_eq!(
        scores,
        [Some(2), None, Some(5), Some(3)],
        "every slot, in order"
    );
    assert_eq!(
        c.slots.iter().map(|s| s.late).collect::<Vec<_>>(),
        [false, false, false, true]
    );
    assert_eq!(shown.document_date, "2026-11-03", "the period's last day");
    let r = sara.record(&period).await?;
    assert_eq!(r.state, RecordState::Delivered, "{:?}", r.error);
    assert_eq!(r.messages, 0);

    let n = &r.file_name;
    let pdf = drop.path().join(format!("{n}.pdf"));
    let text = pdftotext(&pdf)?;
    for want in [
        "Smiley-tjek for Mikkel, 02.11.2026–03.11.2026",
        "3 af 4 tidspunkter besvaret",
        "02.11.2026 kl. 08.00: 2 (dårligt)",
        "Træt efter weekenden",
        "02.11.2026 kl. 20.00: ikke besvaret",
        "03.11.2026 kl. 20.00: 3 (midt imellem), sent svar 03.11.2026 kl. 23.30",
        CASE,
    ] {
        assert!(
            text.contains(want),
            "{want:?} is not in the PDF's text:\n{text}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(drop.path().join(format!("{n}.json")))?)?;
    assert_eq!(json["checkins"]["answered"], 3);
    assert_eq!(json["checkins"]["missed"], 1);
    assert_eq!(json["checkins"]["youth"], "Mikkel");
    let xml = std::fs::read_to_string(drop.path().join(format!("{n}.xml")))?;
    assert!(xml.contains("answered=\"3\" missed=\"1\""), "{xml}");

    // Mikkel sees the line naming the period.
    mikkel.sync().await?;
    let lines: Vec<String> = mikkel
        .messages(&thread, 50)?
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(
        lines
            .iter()
            .any(|t| t.contains("smiley-svar 02.11.2026–03.11.2026")),
        "{lines:?}"
    );

    // Refused: a youth recording, a period over a year, a period turned round, one with no
    // check-in in it; nothing more is kept.
    let e = mikkel.record(&period).await.expect_err("a youth");
    assert!(matches!(e, ClientError::Invalid(_)), "{e:?}");
    for (what, span) in [
        (
            "over a year",
            CheckInSpan {
                from_ms: MONDAY - 400 * 24 * HOUR,
                to_ms: MONDAY,
            },
        ),
        (
            "turned round",
            CheckInSpan {
                from_ms: MONDAY,
                to_ms: MONDAY - 24 * HOUR,
            },
        ),
        (
            "before the plan",
            CheckInSpan {
                from_ms: MONDAY - 30 * 24 * HOUR,
                to_ms: MONDAY - 20 * 24 * HOUR,
            },
        ),
    ] {
        let e = sara
            .record(&RecordInput {
                checkins: Some(span),
                ..period.clone()
            })
            .await
            .expect_err(what);
        assert!(matches!(e, ClientError::Invalid(_)), "{what}: {e:?}");
    }
    assert_eq!(sara.records()?.len(), 1);
    Ok(())
}
