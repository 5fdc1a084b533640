//! The real app in real windows: two Samtale app processes (a caseworker on a laptop-sized
//! window, a youth on a phone-sized one) under Xvfb, driven by tauri-driver and WebKitWebDriver,
//! against a real `samtale-server`. The caseworker invites from the app, the youth joins with
//! the code read off the caseworker's screen, they write in Danish, the caseworker sees the read
//! mark; with the server stopped the youth sees the offline banner and a waiting message, which
//! is delivered once the server is back. The youth chooses a PIN when joining and locks the app
//! with a draft half-written; the caseworker turns her PIN on in settings. Every screen is
//! screenshotted into docs/screenshots/ and checked with axe-core.
//!
//! Needs the built app (`cargo build -p samtale-app --features custom-protocol` after
//! `scripts/build-ui.sh`), tauri-driver, WebKitWebDriver and a display; the README's test command
//! provides all of them and runs this under xvfb-run. Without `SAMTALE_APP_TESTS=1` it is skipped
//! with a message, so a plain `cargo test` on a machine without them stays meaningful.

use std::time::Duration;

use samtale_tests::app::{app_binary, capture, press_enter_in, select, settled};
use samtale_tests::webdriver::{Driver, Session};
use samtale_tests::{PASSWORD, Server, Storage, bootstrap};
use serde_json::json;

const T: Duration = Duration::from_secs(30);

/// Mikkel's user id, from the caseworker's list of youths to invite a parent for.
async fn mikkel_id(s: &Session) -> anyhow::Result<String> {
    let id = s
        .script(
            "return [...document.querySelectorAll('#invite-youth option')].find(o => o.textContent === 'Mikkel')?.value ?? null;",
            json!([]),
        )
        .await?;
    id.as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("Mikkel is not among the youths to invite a parent for"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caseworker_and_youth_in_the_real_app() -> anyhow::Result<()> {
    if !samtale_tests::app::enabled() {
        return Ok(());
    }
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    let tenant = bootstrap(&storage, "aarhus")?;
    let mut server = Server::start(storage, &[])?;
    let profiles = tempfile::tempdir()?;
    let app = app_binary();
    let env = |who: &str, key: &str| {
        vec![
            (
                "SAMTALE_PROFILE",
                profiles.path().join(who).to_string_lossy().into_owned(),
            ),
            ("SAMTALE_DB_KEY", key.repeat(32)),
            ("SAMTALE_SERVER", server.url()),
        ]
    };
    let sara_driver = Driver::start(&env("sara", "a1")).await?;
    let sara = Session::new(&sara_driver, &app).await?;
    sara.set_size(1280, 800).await?;
    let youth_driver = Driver::start(&env("mikkel", "b2")).await?;
    let mikkel = Session::new(&youth_driver, &app).await?;
    mikkel.set_size(390, 844).await?;

    // The caseworker logs in on the laptop.
    sara.wait("#tab-staff", T).await?;
    capture(&sara, "laptop-welcome").await?;
    sara.click(&sara.wait("#tab-staff", T).await?).await?;
    sara.type_into(&sara.wait("#tenant", T).await?, &tenant.slug)
        .await?;
    sara.type_into(&sara.wait("#username", T).await?, &tenant.caseworker)
        .await?;
    sara.type_into(&sara.wait("#password", T).await?, "forkert-kodeord")
        .await?;
    sara.click(&sara.wait("#login", T).await?).await?;
    sara.wait_text("Forkert kommune, brugernavn eller adgangskode", T)
        .await?;
    let password = sara.wait("#password", T).await?;
    sara.clear(&password).await?;
    sara.type_into(&password, PASSWORD).await?;
    sara.click(&sara.wait("#login", T).await?).await?;
    sara.wait("#open-invite", T).await?;
    capture(&sara, "laptop-desk").await?;

    // She invites Mikkel and reads the code off her screen.
    sara.click(&sara.wait("#open-invite", T).await?).await?;
    sara.type_into(&sara.wait("#invite-name", T).await?, "Mikkel")
        .await?;
    sara.click(&sara.wait("#create-invitation", T).await?)
        .await?;
    let code = sara.text(&sara.wait("#invitation-code", T).await?).await?;
    assert_eq!(code.len(), 19, "{code:?}");
    capture(&sara, "laptop-invitation").await?;

    // Mikkel, on his phone: an empty code and a wrong code are refused in Danish, and what he
    // typed stays; then the right code.
    mikkel.wait("#code", T).await?;
    capture(&mikkel, "phone-welcome").await?;
    mikkel
        .type_into(&mikkel.wait("#name", T).await?, "Mikkel")
        .await?;
    mikkel.click(&mikkel.wait("#join", T).await?).await?;
    mikkel
        .wait_text("Det, du skrev, kan ikke bruges", T)
        .await?;
    let code_field = mikkel.wait("#code", T).await?;
    mikkel.type_into(&code_field, "AAAA-BBBB-CCCC-DDDD").await?;
    mikkel.click(&mikkel.wait("#join", T).await?).await?;
    mikkel.wait_text("Koden virker ikke", T).await?;
    assert_eq!(
        mikkel
            .property(&mikkel.wait("#name", T).await?, "value")
            .await?,
        json!("Mikkel")
    );
    capture(&mikkel, "phone-welcome-error").await?;
    mikkel.clear(&code_field).await?;
    mikkel.type_into(&code_field, &code).await?;
    // He chooses a PIN but mistypes the repetition: refused before the code is spent, and
    // nothing he typed is lost.
    mikkel
        .type_into(&mikkel.wait("#new-pin", T).await?, "2468")
        .await?;
    let repeat = mikkel.wait("#new-pin-repeat", T).await?;
    mikkel.type_into(&repeat, "2486").await?;
    mikkel.click(&mikkel.wait("#join", T).await?).await?;
    mikkel.wait_text("De to pinkoder er ikke ens", T).await?;
    assert_eq!(
        mikkel.property(&code_field, "value").await?,
        json!(code.clone())
    );
    mikkel.clear(&repeat).await?;
    mikkel.type_into(&repeat, "2468").await?;
    mikkel.click(&mikkel.wait("#join", T).await?).await?;
    mikkel.wait("#open-settings", T).await?;
    capture(&mikkel, "phone-empty").await?;

    // Sara starts a thread with Mikkel (his device has checked out) and writes.
    sara.click(&sara.wait("#open-new-thread", T).await?).await?;
    sara.click(&sara.wait("fieldset input[type=checkbox]", T).await?)
        .await?;
    capture(&sara, "laptop-new-thread").await?;
    sara.click(&sara.wait("#start-thread", T).await?).await?;
    press_enter_in(
        &sara,
        "#message",
        "Hej Mikkel! Hvordan går det med skolen? 📚 Husk vores møde på fredag kl. 14.",
    )
    .await?;
    sara.wait(".mine[data-state=sent]", T).await?;

    // Mikkel sees it arrive, opens it and answers.
    mikkel.wait(".thread .badge", T).await?;
    capture(&mikkel, "phone-list").await?;
    mikkel.click(&mikkel.wait(".thread", T).await?).await?;
    mikkel.wait_text("Hvordan går det med skolen?", T).await?;
    press_enter_in(
        &mikkel,
        "#message",
        "Det går fint 😊 Jeg kommer på fredag. Tak for hjælpen!",
    )
    .await?;
    mikkel.wait(".mine[data-state=sent]", T).await?;
    capture(&mikkel, "phone-conversation").await?;

    // Sara sees his answer and that he has read hers.
    sara.wait_text("Tak for hjælpen!", T).await?;
    sara.wait_text("Læst af Mikkel", T).await?;
    capture(&sara, "laptop-conversation").await?;

    // A message over the size limit is refused and stays in the box.
    let long = "ø".repeat(9000);
    mikkel.script("const t = document.querySelector('#message'); t.value = arguments[0]; t.dispatchEvent(new Event('input', { bubbles: true }));", json!([long])).await?;
    mikkel.click(&mikkel.wait("#send", T).await?).await?;
    mikkel.wait_text("Beskeden er for lang", T).await?;
    let kept = mikkel
        .property(&mikkel.wait("#message", T).await?, "value")
        .await?;
    assert_eq!(kept.as_str().map(|s| s.chars().count()), Some(9000));
    mikkel.script("const t = document.querySelector('#message'); t.value = ''; t.dispatchEvent(new Event('input', { bubbles: true }));", json!([])).await?;

    // The server goes away: the banner shows, a message waits, and goes once it is back.
    server.stop();
    mikkel.wait("#offline-banner", T).await?;
    press_enter_in(
        &mikkel,
        "#message",
        "Jeg er på vej – bussen er forsinket 🚌",
    )
    .await?;
    mikkel.wait(".mine[data-state=queued]", T).await?;
    capture(&mikkel, "phone-offline").await?;
    server.restart()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while !mikkel
        .find_all(".mine[data-state=queued]")
        .await?
        .is_empty()
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the waiting message was not delivered after the server came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sara.wait_text("bussen er forsinket", Duration::from_secs(90))
        .await?;
    assert!(mikkel.find_all("#offline-banner").await?.is_empty());

    // Mikkel starts a reply and locks the app: the lock screen hides everything, a wrong PIN
    // is refused in Danish and stays in the field, the right one brings back his draft.
    let draft = "Ses på fredag";
    mikkel
        .type_into(&mikkel.wait("#message", T).await?, draft)
        .await?;
    mikkel.click(&mikkel.wait("#lock-now", T).await?).await?;
    let pin = mikkel.wait("#pin", T).await?;
    assert!(mikkel.find_all(".messages").await?.is_empty());
    capture(&mikkel, "phone-locked").await?;
    mikkel.type_into(&pin, "1111").await?;
    mikkel.click(&mikkel.wait("#unlock", T).await?).await?;
    mikkel.wait_text("Forkert pinkode", T).await?;
    assert_eq!(mikkel.property(&pin, "value").await?, json!("1111"));
    capture(&mikkel, "phone-locked-error").await?;
    mikkel.clear(&pin).await?;
    mikkel.type_into(&pin, "2468").await?;
    mikkel.click(&mikkel.wait("#unlock", T).await?).await?;
    let composer = mikkel.wait("#message", T).await?;
    assert_eq!(mikkel.property(&composer, "value").await?, json!(draft));
    mikkel.clear(&composer).await?;

    // Settings, in both layouts.
    mikkel
        .click(&mikkel.wait("#open-settings", T).await?)
        .await?;
    mikkel.wait("#my-code", T).await?;
    capture(&mikkel, "phone-settings").await?;
    sara.click(&sara.wait("#open-settings", T).await?).await?;
    sara.wait_text("bekræftet med invitationen", T).await?;
    // Sara turns the PIN on from settings (a too-short one first), locks, and unlocks.
    sara.type_into(&sara.wait("#pin-new", T).await?, "135")
        .await?;
    sara.type_into(&sara.wait("#pin-repeat", T).await?, "135")
        .await?;
    sara.click(&sara.wait("#pin-save", T).await?).await?;
    sara.wait_text("Pinkoden skal være 4 til 12 cifre", T)
        .await?;
    for field in ["#pin-new", "#pin-repeat"] {
        sara.type_into(&sara.wait(field, T).await?, "7").await?;
    }
    sara.click(&sara.wait("#pin-save", T).await?).await?;
    sara.wait_text("Pinkoden er gemt", T).await?;
    sara.wait("#pin-current", T).await?;
    capture(&sara, "laptop-settings").await?;
    sara.click(&sara.wait("#pin-lock", T).await?).await?;
    let pin = sara.wait("#pin", T).await?;
    capture(&sara, "laptop-locked").await?;
    sara.type_into(&pin, "1357").await?;
    sara.click(&sara.wait("#unlock", T).await?).await?;
    sara.wait("#open-settings", T).await?;

    // She invites Mikkel's mother as his parent; Hanne joins on her own phone (the CLI here),
    // Sara starts a family conversation, and her list of youths and families shows Mikkel with
    // his mother and both conversations.
    sara.click(&sara.wait("#open-invite", T).await?).await?;
    select(&sara, "#invite-role", "parent").await?;
    sara.type_into(&sara.wait("#invite-name", T).await?, "Hanne")
        .await?;
    sara.wait("#invite-youth option:nth-child(2)", T).await?;
    select(&sara, "#invite-youth", &mikkel_id(&sara).await?).await?;
    sara.click(&sara.wait("#create-invitation", T).await?)
        .await?;
    let parent_code = sara.text(&sara.wait("#invitation-code", T).await?).await?;
    let hanne = profiles.path().join("hanne");
    let joined = samtale_tests::cli_json(
        &hanne,
        &[
            "join",
            &parent_code,
            "--server",
            &server.url(),
            "--name",
            "Hanne",
        ],
    )?;
    assert_eq!(joined["role"], json!("parent"), "{joined}");
    sara.click(&sara.wait("#open-new-thread", T).await?).await?;
    select(&sara, "#thread-kind", "family").await?;
    let deadline = std::time::Instant::now() + T;
    while sara.find_all("fieldset input[type=checkbox]").await?.len() < 2 {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "Hanne did not appear among the people to start a conversation with"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for member in sara.find_all("fieldset input[type=checkbox]").await? {
        sara.click(&member).await?;
    }
    sara.click(&sara.wait("#start-thread", T).await?).await?;
    press_enter_in(
        &sara,
        "#message",
        "Hej Mikkel og Hanne. Skal vi tale om praktikpladsen på torsdag?",
    )
    .await?;
    sara.wait(".mine[data-state=sent]", T).await?;
    sara.click(&sara.wait("#tab-cases", T).await?).await?;
    sara.wait_text("Forældre: Hanne", T).await?;
    assert_eq!(sara.find_all(".case .case-thread").await?.len(), 2);
    capture(&sara, "laptop-caseload").await?;
    sara.click(&sara.wait("#tab-threads", T).await?).await?;

    // The same screens the other way round: the caseworker on a phone, the youth on a laptop.
    sara.set_size(390, 844).await?;
    sara.wait("#message", T).await?;
    capture(&sara, "phone-caseworker-conversation").await?;
    // On the phone the list is a screen of its own: back to it, and her youths and families.
    sara.click(&sara.wait(".conversation .back", T).await?)
        .await?;
    sara.click(&sara.wait("#tab-cases", T).await?).await?;
    sara.wait(".case .case-thread", T).await?;
    capture(&sara, "phone-caseload").await?;
    sara.click(&sara.wait("#open-invite", T).await?).await?;
    sara.wait("#invite-name", T).await?;
    capture(&sara, "phone-invite").await?;
    mikkel
        .click(&mikkel.wait("#close-settings", T).await?)
        .await?;
    mikkel.set_size(1280, 800).await?;
    mikkel.wait("#message", T).await?;
    capture(&mikkel, "laptop-youth-conversation").await?;

    // In English, chosen in settings.
    mikkel
        .click(&mikkel.wait("#open-settings", T).await?)
        .await?;
    select(&mikkel, "#language", "en").await?;
    mikkel.wait_text("Lock with a PIN", T).await?;
    capture(&mikkel, "laptop-youth-settings-en").await?;
    mikkel
        .click(&mikkel.wait("#close-settings", T).await?)
        .await?;
    mikkel.wait_text("Conversations", T).await?;
    capture(&mikkel, "laptop-youth-conversation-en").await?;

    // A long conversation: Hanne (on her phone, the CLI here) writes 70 messages in the family
    // thread. Mikkel's screen holds only the newest page; scrolling to the top brings the older
    // ones in above, without jumping away from where he was reading.
    let threads = samtale_tests::cli_json(&hanne, &["threads"])?;
    let family = threads
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["kind"] == "family"))
        .and_then(|t| t["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("Hanne has no family thread: {threads}"))?;
    for i in 1..=70 {
        samtale_tests::cli(&hanne, &["send", &family, &format!("Besked {i} fra Hanne")])?;
    }
    // All of them in (the list's preview shows the last), so the list has stopped changing
    // under the click.
    mikkel.wait_text("Besked 70 fra Hanne", T).await?;
    mikkel
        .click(
            &mikkel
                .wait(&format!(".thread[data-thread='{family}']"), T)
                .await?,
        )
        .await?;
    // Only the long thread has more than a page: this is its list.
    mikkel.wait(".messages .older", T).await?;
    assert_eq!(mikkel.find_all(".messages .bubble").await?.len(), 60);
    // Opened at the newest: wait for that before scrolling up.
    let scroll_top = "return document.querySelector('.messages').scrollTop;";
    let deadline = std::time::Instant::now() + T;
    while mikkel.script(scroll_top, json!([])).await?.as_f64() == Some(0.0) {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the conversation did not open at its newest message"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    mikkel
        .script(
            "const l = document.querySelector('.messages'); l.scrollTop = 0; l.dispatchEvent(new Event('scroll'));",
            json!([]),
        )
        .await?;
    mikkel.wait_text("Besked 1 fra Hanne", T).await?;
    // Sara's first message and all 70 of Hanne's, and nothing more to load.
    assert_eq!(mikkel.find_all(".messages .bubble").await?.len(), 71);
    assert!(mikkel.find_all(".messages .older").await?.is_empty());
    // What was at the top of the view (Hanne's 11th, the oldest of the first page) is still
    // in view; the page that came in is above it, out of view.
    let place = mikkel
        .script(
            "const l = document.querySelector('.messages'); const top = l.getBoundingClientRect().top;
             const at = t => [...l.querySelectorAll('.bubble')].find(b => b.textContent.includes(t)).getBoundingClientRect().top - top;
             return [at('Besked 11 fra Hanne'), at('Besked 1 fra Hanne'), l.clientHeight];",
            json!([]),
        )
        .await?;
    let (kept, first, height) = (
        place[0].as_f64().unwrap_or(-1.0),
        place[1].as_f64().unwrap_or(0.0),
        place[2].as_f64().unwrap_or(0.0),
    );
    assert!(
        (0.0..height).contains(&kept) && first < 0.0,
        "the view jumped: Hanne's 11th at {kept} px, her 1st at {first} px, view {height} px high"
    );
    capture(&mikkel, "laptop-long-conversation").await?;

    // Mikkel loses his phone: an administrator resets his keys (the app on that phone is
    // signed out), Sara invites him again from her desk into the same account, and his new
    // phone (the CLI here) joins. Sara is told to compare codes until she confirms she has.
    let people = samtale_tests::cli_json(&hanne, &["people"])?;
    let mikkel_user = people
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["display_name"] == "Mikkel"))
        .and_then(|p| p["user"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("Hanne does not know Mikkel: {people}"))?;
    let admin = profiles.path().join("admin");
    samtale_tests::cli_json(
        &admin,
        &[
            "login",
            "--server",
            &server.url(),
            "--tenant",
            &tenant.slug,
            "--username",
            "admin",
        ],
    )?;
    samtale_tests::cli_json(&admin, &["admin", "reset", &mikkel_user])?;
    // (His app speaks English: he chose it above.)
    mikkel
        .wait_text(
            "This device is no longer connected to Samtale",
            Duration::from_secs(60),
        )
        .await?;
    sara.set_size(1280, 800).await?;
    // Back to the conversation list (a click during the resize can be lost: until it shows).
    let deadline = std::time::Instant::now() + T;
    while sara
        .find_all("#tab-threads[aria-selected='true']")
        .await?
        .is_empty()
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the conversation list did not come back"
        );
        sara.click(&sara.wait("#tab-threads", T).await?).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if sara.find_all("#invite-name").await?.is_empty() {
        sara.click(&sara.wait("#open-invite", T).await?).await?;
    }
    sara.wait("#invite-again", T).await?;
    select(&sara, "#invite-again", &mikkel_user).await?;
    assert_eq!(
        sara.property(&sara.wait("#invite-name", T).await?, "value")
            .await?,
        json!("Mikkel")
    );
    sara.click(&sara.wait("#create-invitation", T).await?)
        .await?;
    let again = sara.text(&sara.wait("#invitation-code", T).await?).await?;
    capture(&sara, "laptop-invite-again").await?;
    let back = samtale_tests::cli_json(
        &profiles.path().join("mikkel-ny"),
        &[
            "join",
            &again,
            "--server",
            &server.url(),
            "--name",
            "Mikkel",
        ],
    )?;
    assert_eq!(back["user"], json!(mikkel_user), "the same account");
    // The long family conversation: its "older messages" marker is on screen for the checks.
    sara.click(
        &sara
            .wait(&format!(".thread[data-thread='{family}']"), T)
            .await?,
    )
    .await?;
    sara.wait(".messages .older", T).await?;
    sara.wait_text("Mikkels nøgler er blevet nulstillet af administrator", T)
        .await?;
    // The conversation behind the settings is still taking in the reset's notices.
    settled(&sara, ".messages").await?;
    sara.click(&sara.wait("#open-settings", T).await?).await?;
    sara.wait_text("En administrator har nulstillet nøglerne", T)
        .await?;
    sara.script(
        "document.querySelector('.confirm-codes').scrollIntoView();",
        json!([]),
    )
    .await?;
    capture(&sara, "laptop-keys-reset").await?;
    sara.click(&sara.wait(".confirm-codes", T).await?).await?;
    let deadline = std::time::Instant::now() + T;
    while !sara.find_all(".confirm-codes").await?.is_empty() {
        anyhow::ensure!(std::time::Instant::now() < deadline, "the warning stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    sara.close().await?;
    mikkel.close().await?;
    Ok(())
}
