//! Reaching citizens in the real app (issue 9), under Xvfb with tauri-driver against a real
//! server, a local SMS gateway that speaks GatewayAPI's REST API (`tests/support/gateway.rs`):
//! Mikkel enters his number in settings, confirms it with the code read from the gateway, and
//! gives and withdraws consent with one tap; his mother Mette gives one for him in her
//! settings; she herself, with no number and no consent of her own, shows on Sara's "kan ikke
//! nås digitalt" list with the reasons in words once a message to her goes unread; Sara saves
//! the letter to print for her and the list as CSV, with the letterhead the administrator set
//! in his settings. Screenshots go to docs/screenshots/ with an axe-core check. Runs only with
//! `SAMTALE_APP_TESTS=1`.

use std::time::Duration;

use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::notices::{Channel, Purpose};
use samtale_tests::app::{app_binary, capture};
use samtale_tests::gateway::Gateway;
use samtale_tests::scene::Scene;
use samtale_tests::webdriver::{Driver, Session};
use samtale_tests::{Server, Storage, eventually};

const T: Duration = Duration::from_secs(30);
const KEY: &str = "7f3a9c0e5b1d2468ace013579bdf02468ace013579bdf02468ace013579bdf0a";

/// Whether the checkbox `css` is ticked.
async fn ticked(s: &Session, css: &str) -> anyhow::Result<bool> {
    Ok(s.property(&s.wait(css, T).await?, "checked").await? == serde_json::json!(true))
}

/// Taps the checkbox `css` and waits until the server's answer leaves it as `want`.
async fn tap_until(s: &Session, css: &str, want: bool) -> anyhow::Result<()> {
    s.click(&s.wait(css, T).await?).await?;
    let deadline = std::time::Instant::now() + T;
    while ticked(s, css).await? != want {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{css} stayed as it was"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_youth_confirms_his_number_and_consents_and_sara_sees_who_cannot_be_reached()
-> anyhow::Result<()> {
    if !samtale_tests::app::enabled() {
        return Ok(());
    }
    let gw = Gateway::start("gw-token").await?;
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let scene = Scene::start_on(
        storage.clone(),
        &["vejle"],
        &[],
        &[
            ("SAMTALE_CONTACT_KEY", KEY),
            ("SAMTALE_SMS_URL", gw.url.as_str()),
            ("SAMTALE_SMS_TOKEN", "gw-token"),
            ("SAMTALE_NOTICE_WAIT_SECONDS", "1"),
            ("SAMTALE_NOTICE_QUIET_HOURS", "none"),
            ("SAMTALE_UNREACHABLE_AFTER_DAYS", "0"),
        ],
    )?;
    let unit = samtale_tests::add_unit(&storage, "vejle", "Ungeindsatsen")?;
    Server::admin(
        &storage,
        &[
            "staff-unit",
            "--slug",
            "vejle",
            "--username",
            "sara",
            "--unit",
            "Ungeindsatsen",
        ],
    )?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let (mette, parent) = scene
        .citizen(
            &sara,
            Role::Parent,
            "Mette",
            Some(me.user.clone()),
            "mette",
            "Mettes telefon",
        )
        .await?;
    let to_mikkel = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let to_mette = sara
        .create_thread(ThreadKind::Parents, vec![parent.user.clone()])
        .await?;
    // The family conversation: Mette may consent for Mikkel, whom she shares it with.
    sara.create_thread(
        ThreadKind::Family,
        vec![me.user.clone(), parent.user.clone()],
    )
    .await?;
    sara.send(&to_mikkel, "Hej Mikkel. Vi ses torsdag.").await?;
    sara.send(&to_mette, "Hej Mette. Kan du ringe til mig i morgen?")
        .await?;
    drop((sara, mikkel, mette));
    let app = app_binary();

    // Mikkel, on his phone: number, code from the gateway, consent.
    {
        let driver = Driver::start(&scene.app_env("mikkel")).await?;
        let phone = Session::new(&driver, &app).await?;
        phone.set_size(390, 844).await?;
        phone.click(&phone.wait("#open-settings", T).await?).await?;
        let number = phone.wait("#contact-sms-value", T).await?;
        phone.type_into(&number, "12 34").await?;
        phone
            .click(&phone.wait("#contact-sms-save", T).await?)
            .await?;
        phone
            .wait_text("Skriv et dansk mobilnummer med 8 cifre", T)
            .await?;
        phone.clear(&number).await?;
        phone.type_into(&number, "23 45 67 89").await?;
        phone
            .click(&phone.wait("#contact-sms-save", T).await?)
            .await?;
        phone.wait_text("Ikke bekræftet endnu", T).await?;
        phone
            .click(&phone.wait("#contact-sms-code", T).await?)
            .await?;
        eventually(T, "the code at the gateway", || async {
            Ok(gw.accepted().len() == 1)
        })
        .await?;
        let text = gw.accepted()[0].message.clone();
        let code = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap_or_default()
            .to_owned();
        assert_eq!(code.len(), 6, "{text}");
        let field = phone.wait("#contact-sms-code-value", T).await?;
        phone.type_into(&field, "000000").await?;
        phone
            .click(&phone.wait("#contact-sms-confirm", T).await?)
            .await?;
        if code != "000000" {
            phone.wait_text("Koden passer ikke", T).await?;
        }
        phone.clear(&field).await?;
        phone.type_into(&field, &code).await?;
        phone
            .click(&phone.wait("#contact-sms-confirm", T).await?)
            .await?;
        phone.wait(".contact-state:not(.warn)", T).await?;
        phone.wait_text("Bekræftet", T).await?;
        // Consent with one tap, withdrawn with one, given again.
        let sms_new = format!("#consent-sms-new-{unit}");
        assert!(!ticked(&phone, &sms_new).await?);
        for want in [true, false, true] {
            tap_until(&phone, &sms_new, want).await?;
        }
        phone
            .script(
                "document.querySelector('.reach').scrollIntoView();",
                serde_json::json!([]),
            )
            .await?;
        capture(&phone, "phone-reach-settings").await?;
        phone.close().await?;
    }

    // Mette, on her phone, gives consent for Mikkel (under 15 as far as anyone knows) to
    // e-mail: the box under her own, for him; her own consents stay as they were.
    {
        let driver = Driver::start(&scene.app_env("mette")).await?;
        let phone = Session::new(&driver, &app).await?;
        phone.set_size(390, 844).await?;
        phone.click(&phone.wait("#open-settings", T).await?).await?;
        phone.wait_text("Må sende besked til Mikkel", T).await?;
        // His own SMS consent shows in her boxes for him, but is not hers to take back.
        let his_own = format!("#consent-sms-new-{unit}-{}", me.user);
        assert!(ticked(&phone, &his_own).await?);
        assert_eq!(
            phone
                .property(&phone.wait(&his_own, T).await?, "disabled")
                .await?,
            serde_json::json!(true)
        );
        phone.wait_text("givet af den unge selv", T).await?;
        let for_him = format!("#consent-email-new-{unit}-{}", me.user);
        assert!(!ticked(&phone, &for_him).await?);
        tap_until(&phone, &for_him, true).await?;
        phone
            .script(
                "document.querySelector('.reach').scrollIntoView(false);",
                serde_json::json!([]),
            )
            .await?;
        capture(&phone, "phone-parent-consent").await?;
        phone.close().await?;
    }
    let mette = scene.open("mette");
    // His history: his own SMS consent from his phone, and hers for e-mail.
    let his = mette.consents_for(&me.user).await?;
    let hers: Vec<_> = his.iter().filter(|c| c.consent.by_parent).collect();
    assert_eq!(hers.len(), 1, "{his:?}");
    assert_eq!(
        hers[0].consent.channel,
        samtale_proto::notices::Channel::Email
    );
    assert!(hers[0].consent.withdrawn_at_ms.is_none());
    assert!(mette.consents().await?.is_empty(), "none of her own");
    drop(mette);

    // Sara records that Mikkel is 16. Mette's consent for him has lapsed, and he has none of
    // his own (he takes his SMS consent back): his home screen asks him to choose, he gives it
    // again in settings with one tap, and the question is gone.
    let unge = samtale_proto::UnitId::parse(&unit)?;
    {
        let year = samtale_proto::clock::local(samtale_tests::now_ms())
            .date
            .year;
        let sara = scene.open("sara");
        sara.set_born(&me.user, Some(&format!("{}-01-01", year - 16)))
            .await?;
        let mikkel = scene.open("mikkel");
        mikkel
            .withdraw_consent(&unge, Purpose::NewMessages, Channel::Sms, None)
            .await?;
        assert!(mikkel.consent_prompt().await?);
    }
    {
        let driver = Driver::start(&scene.app_env("mikkel")).await?;
        let phone = Session::new(&driver, &app).await?;
        phone.set_size(390, 844).await?;
        phone
            .wait_text("Du er fyldt 15", T)
            .await
            .map_err(|e| anyhow::anyhow!("the banner's text: {e}"))?;
        capture(&phone, "phone-consent-prompt").await?;
        phone
            .click(&phone.wait("#consent-prompt button", T).await?)
            .await?;
        let own = format!("#consent-sms-new-{unit}");
        tap_until(&phone, &own, true).await?;
        phone
            .click(&phone.wait("#close-settings", T).await?)
            .await?;
        eventually(T, "the banner gone", || async {
            Ok(phone.find_all("#consent-prompt").await?.is_empty())
        })
        .await?;
        phone.close().await?;
    }
    let mikkel = scene.open("mikkel");
    assert!(!mikkel.consent_prompt().await?);
    let live: Vec<_> = mikkel
        .consents()
        .await?
        .into_iter()
        .filter(|c| c.consent.withdrawn_at_ms.is_none() && !c.consent.by_parent)
        .collect();
    assert_eq!(live.len(), 1, "his own, given again: {live:?}");
    assert_eq!(live[0].consent.channel, Channel::Sms);
    drop(mikkel);

    // The administrator gives the unit its letterhead in settings; a broken e-mail address is
    // refused with the reason, nothing saved.
    {
        let (admin, _) = scene
            .staff("admin", "vejle", "admin", "Admins computer")
            .await?;
        drop(admin);
        let driver = Driver::start(&scene.app_env("admin")).await?;
        let laptop = Session::new(&driver, &app).await?;
        laptop.set_size(1280, 800).await?;
        laptop
            .click(&laptop.wait("#open-settings", T).await?)
            .await?;
        let form = format!("form[data-unit='{unit}']");
        laptop.wait(&form, T).await?;
        let field = |what: &str| format!("#unit-{what}-{unit}");
        laptop
            .type_into(&laptop.wait(&field("phone"), T).await?, "76 81 00 00")
            .await?;
        laptop
            .type_into(
                &laptop.wait(&field("hours"), T).await?,
                "mandag-fredag 9-15",
            )
            .await?;
        laptop
            .type_into(
                &laptop.wait(&field("address"), T).await?,
                // WebDriver's Enter key makes the line breaks.
                "Rådhuset\u{E007}Skolegade 1\u{E007}7100 Vejle",
            )
            .await?;
        let email = laptop.wait(&field("email"), T).await?;
        laptop.type_into(&email, "unge.vejle.dk").await?;
        laptop
            .click(&laptop.wait(&format!("{form} .save-unit"), T).await?)
            .await?;
        laptop.wait_text("E-mailadressen mangler et @", T).await?;
        laptop.clear(&email).await?;
        laptop.type_into(&email, "unge@vejle.dk").await?;
        laptop
            .click(&laptop.wait(&format!("{form} .save-unit"), T).await?)
            .await?;
        laptop.wait("#units-status.ok", T).await?;
        laptop
            .script(
                "document.querySelector('.units').scrollIntoView();",
                serde_json::json!([]),
            )
            .await?;
        capture(&laptop, "laptop-units").await?;
        laptop.close().await?;
    }
    let units = scene.open("admin").units().await?;
    assert_eq!(
        units[0].letterhead.address,
        "Rådhuset\nSkolegade 1\n7100 Vejle"
    );
    assert_eq!(units[0].letterhead.email, "unge@vejle.dk");

    // Sara's laptop: Mette is on the list, with why; Mikkel is not. The letter and the list
    // are saved in Downloads.
    let downloads = tempfile::tempdir()?;
    {
        let driver = Driver::start(&scene.app_env_saving_to("sara", downloads.path())).await?;
        let laptop = Session::new(&driver, &app).await?;
        laptop.set_size(1280, 800).await?;
        laptop.click(&laptop.wait("#tab-cases", T).await?).await?;
        laptop.wait_text("Kan ikke nås digitalt", T).await?;
        laptop
            .wait_text("intet samtykke til sms fra Ungeindsatsen", T)
            .await?;
        let list = laptop
            .text(&laptop.wait(".unreachable-list", T).await?)
            .await?;
        assert!(list.contains("Mette"), "{list}");
        assert!(!list.contains("Mikkel"), "{list}");
        laptop
            .script(
                "document.querySelector('.unreachable').scrollIntoView();",
                serde_json::json!([]),
            )
            .await?;
        capture(&laptop, "laptop-unreachable").await?;
        laptop
            .click(&laptop.wait(".unreachable-list .letter", T).await?)
            .await?;
        laptop.wait("#unreachable-saved.ok", T).await?;
        laptop
            .click(&laptop.wait("#unreachable-csv", T).await?)
            .await?;
        laptop.wait_text("kan-ikke-naas-digitalt.csv", T).await?;
        laptop.close().await?;
    }
    let letter = std::fs::read(downloads.path().join("Brev til Mette.pdf"))?;
    assert!(letter.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&letter);
    assert!(raw.contains("Brev fra Ungeindsatsen til Mette"));
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>"));
    let csv = std::fs::read_to_string(downloads.path().join("kan-ikke-naas-digitalt.csv"))?;
    assert!(csv.starts_with("\u{feff}Navn;Rolle;Enhed"), "{csv}");
    assert!(
        csv.contains("\"Mette\";\"forælder\";\"Ungeindsatsen\";"),
        "{csv}"
    );
    assert!(
        csv.contains("intet samtykke til sms fra Ungeindsatsen"),
        "{csv}"
    );
    assert!(!csv.contains("Mikkel"), "{csv}");
    // Mikkel's consent and number reached the server: his unread message brought one SMS.
    eventually(T, "Mikkel's notice", || async {
        Ok(gw.accepted().len() == 2)
    })
    .await?;
    assert!(
        gw.accepted()[1]
            .message
            .starts_with("Du har en ny besked fra vejle Kommune")
    );
    Ok(())
}
