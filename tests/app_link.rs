//! Linking a new phone in the real app: two Samtale app processes under Xvfb (Mikkel's old
//! phone and his new one), driven by tauri-driver and WebKitWebDriver against a real
//! `samtale-server`; his caseworker works from the CLI. The new phone shows a code and its
//! safety code, the old phone shows the same safety code and approves, the new phone is signed
//! in and talks with the caseworker, the old phone is told, and removing the new phone from the
//! old one signs it out. Screenshots of each screen go to docs/screenshots/ with an axe-core
//! check. Runs only with `SAMTALE_APP_TESTS=1` (the README's test command sets it).

use std::time::Duration;

use samtale_tests::app::{app_binary, capture, press_enter_in};
use samtale_tests::webdriver::{Driver, Session};
use samtale_tests::{Server, Storage, bootstrap, cli_invite_youth, cli_json, cli_login};

const T: Duration = Duration::from_secs(30);

fn bodies(messages: &serde_json::Value) -> Vec<String> {
    messages
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["body"].as_str().map(str::to_owned))
        .collect()
}

/// Waits until the element with `id` has the focus: a dialog's `autofocus` takes it a frame
/// after the dialog appears, and keys typed before that would land elsewhere.
async fn settled_focus(s: &Session, id: &str) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + T;
    while s
        .script(
            "return document.activeElement && document.activeElement.id;",
            serde_json::json!([]),
        )
        .await?
        != serde_json::json!(id)
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "#{id} never got the focus"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_youth_links_a_new_phone_in_the_real_app() -> anyhow::Result<()> {
    if !samtale_tests::app::enabled() {
        return Ok(());
    }
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let tenant = bootstrap(&storage, "vejle")?;
    let server = Server::start(storage, &[])?;
    let url = server.url();
    let profiles = tempfile::tempdir()?;
    let (sara, old_profile) = (profiles.path().join("sara"), profiles.path().join("mikkel"));
    cli_login(&sara, &url, &tenant)?;
    // Mikkel's old phone joined before (through the CLI on the same profile and key the app
    // then opens).
    let mikkel = cli_invite_youth(&sara, &old_profile, &url, "Mikkel")?;
    let thread = cli_json(&sara, &["new-thread", "--kind", "youth", &mikkel])?["thread"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no thread id"))?;
    cli_json(&sara, &["send", &thread, "Hej Mikkel, hvordan går det?"])?;

    let app = app_binary();
    let env = |profile: &std::path::Path, key: &str| {
        vec![
            ("SAMTALE_PROFILE", profile.to_string_lossy().into_owned()),
            ("SAMTALE_DB_KEY", key.repeat(32)),
            ("SAMTALE_SERVER", url.clone()),
        ]
    };
    // The CLI's profiles use the key 4c…; the old phone's app opens the same database.
    let old_driver = Driver::start(&env(&old_profile, "4c")).await?;
    let old = Session::new(&old_driver, &app).await?;
    old.set_size(390, 844).await?;
    let new_driver = Driver::start(&env(&profiles.path().join("mikkel-ny"), "d4")).await?;
    let new = Session::new(&new_driver, &app).await?;
    new.set_size(390, 844).await?;

    // The new phone asks to be linked and shows its code and its safety code.
    new.click(&new.wait("#tab-link", T).await?).await?;
    new.click(&new.wait("#get-link-code", T).await?).await?;
    new.wait_text("Det, du skrev, kan ikke bruges", T).await?;
    new.type_into(
        &new.wait("#link-device-name", T).await?,
        "Mikkels nye telefon",
    )
    .await?;
    new.click(&new.wait("#get-link-code", T).await?).await?;
    let code = new.text(&new.wait("#link-code", T).await?).await?;
    let fingerprint = new.text(&new.wait("#link-fingerprint", T).await?).await?;
    assert_eq!(code.len(), 19, "{code:?}");
    new.wait_text("Venter på godkendelse", T).await?;
    capture(&new, "phone-link-code").await?;

    // On the old phone: a wrong code is refused; the right one shows the same safety code.
    old.wait(".thread", T).await?;
    old.click(&old.wait("#open-settings", T).await?).await?;
    settled_focus(&old, "close-settings").await?;
    let field = old.wait("#link-accept-code", T).await?;
    old.type_into(&field, "AAAA-BBBB-CCCC-DDDD").await?;
    old.click(&old.wait("#link-preview", T).await?).await?;

    old.wait_text("Koden virker ikke", T).await?;
    old.clear(&field).await?;
    old.type_into(&field, &code).await?;
    old.click(&old.wait("#link-preview", T).await?).await?;
    let shown = old.text(&old.wait("#link-preview-code", T).await?).await?;
    assert_eq!(shown, fingerprint, "both phones must show the same code");
    assert_eq!(
        old.text(&old.wait("#link-preview-name", T).await?).await?,
        "Mikkels nye telefon"
    );
    capture(&old, "phone-link-approve").await?;
    old.click(&old.wait("#link-approve", T).await?).await?;
    old.wait_text("Enheden er tilknyttet din konto.", T).await?;
    old.wait_text("Mikkels nye telefon", T).await?;

    // The new phone is signed in, with the conversation (its earlier messages stay on the old
    // phone), and talks with Sara.
    new.wait(".thread", T).await?;
    new.click(&new.wait(".thread", T).await?).await?;
    new.wait_text("Denne enhed er tilknyttet kontoen nu", T)
        .await?;
    // Sara's laptop learns of the new phone on its next sync (the app does it live).
    cli_json(&sara, &["sync"])?;
    cli_json(&sara, &["send", &thread, "Velkommen på den nye telefon 📱"])?;
    new.wait_text("Velkommen på den nye telefon", T).await?;
    press_enter_in(&new, "#message", "Tak! Nu skriver jeg herfra").await?;
    new.wait(".mine[data-state=sent]", T).await?;
    capture(&new, "phone-linked-conversation").await?;
    let read = cli_json(&sara, &["read", &thread])?;
    let texts = bodies(&read);
    assert!(
        texts.iter().any(|t| t == "Tak! Nu skriver jeg herfra"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t
            == "Mikkel har en ny enhed (Mikkels nye telefon). Sammenlign sikkerhedskoderne, før I skriver fortroligt."),
        "{texts:?}"
    );

    // The old phone was told, in a banner, until he has seen it.
    old.click(&old.wait("#close-settings", T).await?).await?;
    old.wait_text("Din konto har fået en ny enhed", T).await?;
    capture(&old, "phone-account-alert").await?;
    old.click(&old.wait("#alert-ok", T).await?).await?;
    let deadline = std::time::Instant::now() + T;
    while !old.find_all("#account-alert").await?.is_empty() {
        anyhow::ensure!(std::time::Instant::now() < deadline, "the alert stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // He removes the new phone from the old one: the new phone is signed out.
    old.click(&old.wait("#open-settings", T).await?).await?;
    settled_focus(&old, "close-settings").await?;
    old.wait(".device .remove-device", T).await?;
    old.script(
        "document.querySelector('.devices').scrollIntoView();",
        serde_json::json!([]),
    )
    .await?;
    capture(&old, "phone-devices").await?;
    old.click(&old.wait(".device .remove-device", T).await?)
        .await?;
    old.click(&old.wait("#confirm-remove", T).await?).await?;
    old.wait_text("fjernet", T).await?;
    cli_json(&sara, &["sync"])?;
    cli_json(&sara, &["send", &thread, "Kun til den gamle telefon"])?;
    new.wait_text(
        "Denne enhed er ikke længere tilsluttet Samtale",
        Duration::from_secs(60),
    )
    .await?;
    capture(&new, "phone-removed-device").await?;
    old.close().await?;
    new.close().await?;
    Ok(())
}
