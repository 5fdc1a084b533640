//! Units, letters and the consent a youth gives himself at 15 (issue 9), through a real server
//! process and the `samtale` CLI:
//!
//! - An administrator adds units and sets a unit's letterhead; staff read it. A caseworker or a
//!   citizen who tries, a letterhead that cannot be printed, a name taken, another
//!   municipality's unit: each refused with its reason, nothing changed, every change audited.
//! - A parent gives, reads and withdraws consent for a youth under 15 (history kept). A youth
//!   whose parent gave consent for him is asked for his own once he is 15 (his birth date set
//!   by his caseworker), until he gives it; from then a parent cannot give one for him.
//! - A youth nothing digital reaches shows on the caseworker's list; the CLI writes her letter
//!   (PDF/A) and the list as CSV.

use std::time::Duration;

use samtale_client::{Client, ClientError};
use samtale_proto::ErrorCode;
use samtale_proto::api::{Letterhead, NewUnit, ThreadKind};
use samtale_proto::notices::{Channel, Purpose};
use samtale_tests::scene::Scene;
use samtale_tests::{Server, Storage, eventually};

const KEY: &str = "7f3a9c0e5b1d2468ace013579bdf02468ace013579bdf02468ace013579bdf0a";
const WAIT: Duration = Duration::from_secs(30);

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> ErrorCode {
    match r {
        Err(ClientError::Server { code, .. }) => code,
        other => panic!("expected a refusal from the server, got {other:?}"),
    }
}

fn letterhead() -> Letterhead {
    Letterhead {
        address: "Rådhuset\nSkolegade 1\n7100 Vejle".into(),
        phone: "76 81 00 00".into(),
        email: "unge@vejle.dk".into(),
        hours: "mandag-fredag 9-15".into(),
    }
}

fn scene() -> anyhow::Result<(Scene, Storage, tempfile::TempDir)> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let scene = Scene::start_on(
        storage.clone(),
        &["vejle", "odense"],
        &[],
        &[
            ("SAMTALE_CONTACT_KEY", KEY),
            ("SAMTALE_NOTICE_WAIT_SECONDS", "1"),
            ("SAMTALE_NOTICE_QUIET_HOURS", "none"),
            ("SAMTALE_UNREACHABLE_AFTER_DAYS", "0"),
        ],
    )?;
    Ok((scene, storage, data))
}

fn into_unit(storage: &Storage, slug: &str, username: &str, unit: &str) -> anyhow::Result<()> {
    Server::admin(
        storage,
        &[
            "staff-unit",
            "--slug",
            slug,
            "--username",
            username,
            "--unit",
            unit,
        ],
    )?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_and_their_letterheads_are_the_administrators() -> anyhow::Result<()> {
    let (scene, storage, _data) = scene()?;
    let unge = samtale_tests::add_unit(&storage, "vejle", "Ungeindsatsen")?;
    let odense_unit = samtale_tests::add_unit(&storage, "odense", "Ungeindsatsen")?;
    let unge = samtale_proto::UnitId::parse(&unge)?;
    let odense_unit = samtale_proto::UnitId::parse(&odense_unit)?;
    let (admin, _) = scene.staff("admin", "vejle", "admin", "Admins pc").await?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, _) = scene.mikkel(&sara).await?;

    let listed = admin.units().await?;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].letterhead.is_empty());
    let edited = admin
        .edit_unit(
            &unge,
            &NewUnit {
                name: " Ungeindsatsen ".into(),
                letterhead: Letterhead {
                    address: "Rådhuset\n\nSkolegade 1\n7100 Vejle\n".into(),
                    ..letterhead()
                },
            },
        )
        .await?;
    assert_eq!(edited.name, "Ungeindsatsen");
    assert_eq!(edited.letterhead, letterhead(), "blank lines and spaces go");
    // Staff read it (for their letters).
    assert_eq!(sara.units().await?[0].letterhead, letterhead());
    let familie = admin
        .add_unit(&NewUnit {
            name: "Familierådgivningen".into(),
            letterhead: Letterhead::default(),
        })
        .await?;
    let before = admin.units().await?;
    assert_eq!(before.len(), 2);

    // Refused, each with nothing changed.
    let new = |name: &str, l: Letterhead| NewUnit {
        name: name.into(),
        letterhead: l,
    };
    assert_eq!(
        code(
            admin
                .add_unit(&new("FAMILIERÅDGIVNINGEN", Letterhead::default()))
                .await
        ),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(
            admin
                .edit_unit(&familie.id, &new("ungeindsatsen", Letterhead::default()))
                .await
        ),
        ErrorCode::Conflict
    );
    let bad_mail = Letterhead {
        email: "unge.vejle.dk".into(),
        ..letterhead()
    };
    assert_eq!(
        code(
            admin
                .edit_unit(&unge, &new("Ungeindsatsen", bad_mail))
                .await
        ),
        ErrorCode::BadRequest
    );
    let five_lines = Letterhead {
        address: "1\n2\n3\n4\n5".into(),
        ..letterhead()
    };
    assert_eq!(
        code(admin.add_unit(&new("Sundhedsplejen", five_lines)).await),
        ErrorCode::BadRequest
    );
    assert_eq!(
        code(admin.add_unit(&new("  ", Letterhead::default())).await),
        ErrorCode::BadRequest
    );
    assert_eq!(
        code(
            sara.add_unit(&new("Sundhedsplejen", Letterhead::default()))
                .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(
            sara.edit_unit(&unge, &new("Overtaget", Letterhead::default()))
                .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(code(mikkel.units().await), ErrorCode::Forbidden);
    // Another municipality's unit answers like a missing one.
    assert_eq!(
        code(
            admin
                .edit_unit(&odense_unit, &new("Overtaget", Letterhead::default()))
                .await
        ),
        ErrorCode::NotFound
    );
    assert_eq!(admin.units().await?, before, "nothing changed");
    let (odense, _) = scene
        .staff("admin-odense", "odense", "admin", "Admins pc")
        .await?;
    let theirs = odense.units().await?;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].name, "Ungeindsatsen");
    assert!(theirs[0].letterhead.is_empty());

    // Every change is in the audit log, with no letterhead in it.
    let log = admin.audit_log(500).await?;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"unit.edit"), "{actions:?}");
    assert!(actions.contains(&"unit.create"), "{actions:?}");
    assert!(!format!("{log:?}").contains("76 81 00 00"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_youth_who_turned_15_is_asked_for_his_own_consent() -> anyhow::Result<()> {
    let (scene, storage, _data) = scene()?;
    let unge = samtale_proto::UnitId::parse(&samtale_tests::add_unit(
        &storage,
        "vejle",
        "Ungeindsatsen",
    )?)?;
    into_unit(&storage, "vejle", "sara", "Ungeindsatsen")?;
    let (sara, _) = scene.sara().await?;
    let family = scene.family(&sara).await?;
    let (mikkel, mette) = (&family.mikkel, &family.mette);
    let youth = family.youth.user.clone();

    // His mother consents for him while his age is not known: he is not asked. She sees it in
    // his history, withdraws and gives it again; he cannot read his history as if a parent.
    mette
        .give_consent(
            &unge,
            Purpose::NewMessages,
            Channel::Sms,
            Some(youth.clone()),
        )
        .await?;
    assert!(!mikkel.consent_prompt().await?);
    let his = mette.consents_for(&youth).await?;
    assert_eq!(his.len(), 1);
    assert!(his[0].consent.by_parent);
    let after = mette
        .set_consent(
            &unge,
            Purpose::NewMessages,
            Channel::Sms,
            false,
            Some(youth.clone()),
        )
        .await?;
    assert!(after[0].consent.withdrawn_at_ms.is_some());
    assert!(
        mette.consents().await?.is_empty(),
        "nothing of hers changed"
    );
    let again = mette
        .set_consent(
            &unge,
            Purpose::NewMessages,
            Channel::Sms,
            true,
            Some(youth.clone()),
        )
        .await?;
    assert_eq!(again.len(), 2, "history kept");
    // His own consent (his age not known, so his tap counts) is not hers to take back: refused,
    // and it stays; he takes it back himself.
    mikkel
        .give_consent(&unge, Purpose::NewMessages, Channel::Email, None)
        .await?;
    assert_eq!(
        code(
            mette
                .withdraw_consent(
                    &unge,
                    Purpose::NewMessages,
                    Channel::Email,
                    Some(youth.clone())
                )
                .await
        ),
        ErrorCode::Conflict
    );
    let live_email = |list: &[samtale_proto::notices::ConsentView]| {
        list.iter()
            .filter(|c| c.consent.channel == Channel::Email && c.consent.withdrawn_at_ms.is_none())
            .count()
    };
    assert_eq!(live_email(&mikkel.consents().await?), 1, "his stays");
    mikkel
        .withdraw_consent(&unge, Purpose::NewMessages, Channel::Email, None)
        .await?;
    assert_eq!(live_email(&mikkel.consents().await?), 0);
    assert_eq!(
        code(mikkel.consents_for(&youth).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(mette.consents_for(&family.parent.user).await),
        ErrorCode::NotFound,
        "not a youth"
    );
    // 14: still hers to give; not asked.
    let year = samtale_proto::clock::local(samtale_tests::now_ms())
        .date
        .year;
    sara.set_born(&youth, Some(&format!("{}-01-01", year - 14)))
        .await?;
    assert!(!mikkel.consent_prompt().await?);
    // A date that does not exist is refused, the one stored kept.
    assert_eq!(
        code(sara.set_born(&youth, Some("31.02.2011")).await),
        ErrorCode::BadRequest
    );
    assert!(!mikkel.consent_prompt().await?);
    // Turned 15 (born 15 years ago yesterday at most): asked, and his mother can no longer
    // consent for him; she is never asked.
    let born = format!("{}-01-01", year - 16);
    assert_eq!(
        sara.set_born(&youth, Some(&born)).await?,
        Some(born.clone())
    );
    assert!(mikkel.consent_prompt().await?);
    assert!(!mette.consent_prompt().await?);
    assert_eq!(
        code(
            mette
                .give_consent(
                    &unge,
                    Purpose::NewMessages,
                    Channel::Email,
                    Some(youth.clone())
                )
                .await
        ),
        ErrorCode::Forbidden
    );
    assert_eq!(code(mette.consents_for(&youth).await), ErrorCode::Forbidden);
    // His own tap ends the question.
    let own = mikkel
        .give_consent(&unge, Purpose::NewMessages, Channel::Sms, None)
        .await?;
    assert!(!own.consent.by_parent, "his own, not the lapsed one");
    assert!(!mikkel.consent_prompt().await?);
    let history = mikkel.consents().await?;
    let live: Vec<_> = history
        .iter()
        .filter(|c| c.consent.withdrawn_at_ms.is_none())
        .collect();
    assert_eq!(live.len(), 1, "{history:?}");
    assert!(!live[0].consent.by_parent);
    assert_eq!(
        history.len(),
        4,
        "the parent's two and his e-mail kept: {history:?}"
    );
    Ok(())
}

fn cli(profile: &std::path::Path, args: &[&str]) -> anyhow::Result<String> {
    // Scene profiles are opened with the key of all 7s.
    let out = samtale_tests::cli_command(profile)
        .env("SAMTALE_DB_KEY", "07".repeat(32))
        .args(args)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "samtale {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_writes_the_letter_and_the_list_for_who_cannot_be_reached() -> anyhow::Result<()> {
    let (scene, storage, _data) = scene()?;
    samtale_tests::add_unit(&storage, "vejle", "Ungeindsatsen")?;
    into_unit(&storage, "vejle", "sara", "Ungeindsatsen")?;
    let (sara, _) = scene.sara().await?;
    let (emma, youth) = scene
        .citizen(
            &sara,
            samtale_proto::api::Role::Youth,
            "Emma",
            None,
            "emma",
            "Emmas telefon",
        )
        .await?;
    drop(emma);
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![youth.user.clone()])
        .await?;
    sara.send(&thread, "Hej Emma. Kan du ringe til mig i morgen?")
        .await?;
    eventually(WAIT, "Emma on the list", || async {
        Ok(sara
            .unreachable()
            .await?
            .iter()
            .any(|u| u.citizen == youth.user))
    })
    .await?;
    let admin = scene.profiles.path().join("admin");
    let (a, _) = scene.staff("admin", "vejle", "admin", "Admins pc").await?;
    drop(a);
    drop::<Client>(sara);
    let units: serde_json::Value = serde_json::from_str(&cli(&admin, &["--json", "units"])?)?;
    let unit = units[0]["id"].as_str().unwrap_or_default().to_owned();
    let edited: serde_json::Value = serde_json::from_str(&cli(
        &admin,
        &[
            "--json",
            "edit-unit",
            &unit,
            "--name",
            "Ungeindsatsen",
            "--address",
            "Rådhuset|7100 Vejle",
            "--phone",
            "76 81 00 00",
        ],
    )?)?;
    assert_eq!(edited["letterhead"]["address"], "Rådhuset\n7100 Vejle");
    let refused = cli(
        &admin,
        &["edit-unit", &unit, "--name", "x", "--email", "nope"],
    )
    .expect_err("a bad address");
    assert!(refused.to_string().contains("no @"), "{refused:#}");

    let sara_profile = scene.profiles.path().join("sara");
    let listed: serde_json::Value =
        serde_json::from_str(&cli(&sara_profile, &["--json", "unreachable"])?)?;
    assert_eq!(listed[0]["display_name"], "Emma");
    let dir = tempfile::tempdir()?;
    let pdf = dir.path().join("brev.pdf");
    cli(
        &sara_profile,
        &[
            "letter",
            youth.user.as_str(),
            "--out",
            &pdf.to_string_lossy(),
        ],
    )?;
    let bytes = std::fs::read(&pdf)?;
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&bytes).contains("Brev fra Ungeindsatsen til Emma"));
    // Read back as text: the unit's letterhead and how to get in touch; not the message, not
    // the caseworker.
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()?;
    anyhow::ensure!(out.status.success(), "pdftotext failed");
    let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    for want in [
        "vejle Kommune",
        "Rådhuset",
        "Kære Emma",
        "ringe til os på 76 81 00 00",
        "Venlig hilsen",
    ] {
        assert!(text.contains(want), "{want:?} not in {text}");
    }
    for never in ["ringe til mig", "Sara", "i morgen"] {
        assert!(!text.contains(never), "{never:?} in the letter: {text}");
    }
    let csv = dir.path().join("liste.csv");
    cli(
        &sara_profile,
        &["unreachable", "--csv", &csv.to_string_lossy()],
    )?;
    let text = std::fs::read_to_string(&csv)?;
    assert!(
        text.contains("\"Emma\";\"ung\";\"Ungeindsatsen\";"),
        "{text}"
    );
    // Someone not on the list has no letter, and a malformed id is refused as such.
    let none = cli(
        &sara_profile,
        &["letter", unit.as_str(), "--out", &pdf.to_string_lossy()],
    )
    .expect_err("not on the list");
    assert!(
        none.to_string().contains("no such citizen on the list"),
        "{none:#}"
    );
    let bad = cli(&sara_profile, &["letter", "nobody", "--out", "x.pdf"]).expect_err("bad id");
    assert!(bad.to_string().contains("not a user id"), "{bad:#}");
    Ok(())
}
