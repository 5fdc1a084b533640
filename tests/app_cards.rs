//! Appointments, questions and a message sent later, in the real app. On her laptop Sara puts
//! an appointment into Mikkel's family conversation with the form, asks a question, and plans a
//! message for tomorrow morning. On his phone Mikkel taps "Jeg kommer" and a smiley; his mother
//! answers from her own device (the engine). Back on the laptop Sara sees every answer on the
//! cards and the counts, saves the calendar file, and cancels the planned message. Screenshots
//! go to docs/screenshots/ with an axe-core check. Runs only with `SAMTALE_APP_TESTS=1`.

use std::time::Duration;

use samtale_client::card_views::CardView;
use samtale_proto::cards::Rsvp;
use samtale_tests::app::{app_binary, capture, select, settled};
use samtale_tests::scene::Scene;
use samtale_tests::webdriver::{Driver, Session};

const T: Duration = Duration::from_secs(30);

async fn fill(s: &Session, css: &str, text: &str) -> anyhow::Result<()> {
    let e = s.wait(css, T).await?;
    s.clear(&e).await?;
    s.type_into(&e, text).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_in_the_real_app() -> anyhow::Result<()> {
    if !samtale_tests::app::enabled() {
        return Ok(());
    }
    let scene = Scene::start(&["horsens"], &[])?;
    let (sara, _) = scene.sara().await?;
    let samtale_tests::scene::Family {
        mikkel,
        mette,
        thread: family,
        ..
    } = scene.family(&sara).await?;
    sara.send(&family, "Hej begge to. Her er et forslag til næste møde.")
        .await?;
    mikkel.sync().await?;
    mette.sync().await?;
    drop((sara, mikkel, mette));

    let downloads = tempfile::tempdir()?;
    let app = app_binary();
    let env = |who: &str| scene.app_env_saving_to(who, downloads.path());

    // Sara's laptop: the appointment, the question and a message for tomorrow, by the forms.
    {
        let driver = Driver::start(&env("sara")).await?;
        let laptop = Session::new(&driver, &app).await?;
        laptop.set_size(1280, 800).await?;
        laptop.click(&laptop.wait(".thread", T).await?).await?;
        laptop
            .click(&laptop.wait("#tool-appointment", T).await?)
            .await?;
        fill(&laptop, "#appt-title-new", "Møde om praktik").await?;
        fill(&laptop, "#appt-place-new", "Ungecentret, Søndergade 4").await?;
        select(&laptop, "#appt-minutes-new", "45").await?;
        // A bad link is refused in words, and nothing typed is lost.
        fill(&laptop, "#appt-link-new", "http://video").await?;
        laptop
            .click(&laptop.wait(".save-appointment", T).await?)
            .await?;
        laptop.wait_text("https://", T).await?;
        fill(&laptop, "#appt-link-new", "https://video.horsens.dk/m/42").await?;
        laptop
            .click(&laptop.wait(".save-appointment", T).await?)
            .await?;
        laptop.wait(".card.appointment", T).await?;
        laptop.wait_text("Møde om praktik", T).await?;

        laptop
            .click(&laptop.wait("#tool-question", T).await?)
            .await?;
        fill(&laptop, "#question-text", "Hvordan var mødet i dag?").await?;
        laptop.click(&laptop.wait("#ask", T).await?).await?;
        laptop.wait(".card.question", T).await?;

        laptop.click(&laptop.wait("#tool-later", T).await?).await?;
        fill(&laptop, "#later-text", "Godmorgen! Husk mødet i dag.").await?;
        laptop
            .click(&laptop.wait("#plan-message", T).await?)
            .await?;
        laptop.wait(".bubble[data-state='planned']", T).await?;
        settled(&laptop, ".messages").await?;
        laptop
            .script(
                "document.querySelector(\".bubble[data-state='planned']\").scrollIntoView(); return true;",
                serde_json::json!([]),
            )
            .await?;
        capture(&laptop, "laptop-planned-message").await?;
        laptop.close().await?;
    }

    // Mikkel's phone: one tap on each card.
    {
        let driver = Driver::start(&env("mikkel")).await?;
        let phone = Session::new(&driver, &app).await?;
        phone.set_size(390, 844).await?;
        phone.click(&phone.wait(".thread", T).await?).await?;
        phone.wait(".card.appointment", T).await?;
        let planned = phone
            .script(
                "return document.body.innerText.includes('Husk mødet');",
                serde_json::json!([]),
            )
            .await?;
        assert_eq!(
            planned,
            serde_json::json!(false),
            "a planned message arrived early"
        );
        // Clicks land where the list stands still.
        settled(&phone, ".messages").await?;
        phone
            .click(&phone.wait(".rsvp[data-rsvp='coming']", T).await?)
            .await?;
        phone
            .wait(".rsvp[data-rsvp='coming'][aria-pressed='true']", T)
            .await?;
        settled(&phone, ".messages").await?;
        phone
            .script(
                "document.querySelector('.card.appointment').scrollIntoView(); return true;",
                serde_json::json!([]),
            )
            .await?;
        capture(&phone, "phone-appointment-card").await?;
        settled(&phone, ".messages").await?;
        phone
            .click(&phone.wait(".choice[data-value='4']", T).await?)
            .await?;
        phone
            .wait(".choice[data-value='4'][aria-pressed='true']", T)
            .await?;
        settled(&phone, ".messages").await?;
        phone
            .script(
                "document.querySelector('.card.question').scrollIntoView(); return true;",
                serde_json::json!([]),
            )
            .await?;
        capture(&phone, "phone-question-card").await?;
        phone.close().await?;
    }

    // Mette answers on her own device.
    {
        let mette = scene.open("mette");
        mette.sync().await?;
        for card in mette.cards(&family)? {
            match card {
                CardView::Appointment(a) => {
                    mette
                        .reply_appointment(
                            &a.id,
                            Rsvp::Reschedule,
                            Some("Jeg arbejder til 15".into()),
                        )
                        .await?;
                }
                CardView::Question(q) => {
                    mette
                        .answer_question(&q.id, 5, Some("Rigtig godt".into()))
                        .await?;
                }
            }
        }
    }

    // Sara sees every answer and the counts, saves the calendar file, and cancels the planned
    // message.
    let driver = Driver::start(&env("sara")).await?;
    let laptop = Session::new(&driver, &app).await?;
    laptop.set_size(1280, 800).await?;
    laptop.click(&laptop.wait(".thread", T).await?).await?;
    laptop.wait_text("Jeg arbejder til 15", T).await?;
    laptop.wait_text("Rigtig godt", T).await?;
    let counts = laptop
        .script(
            "return [...document.querySelectorAll('.card.question .counts .count')].map(e => e.textContent);",
            serde_json::json!([]),
        )
        .await?;
    assert_eq!(counts, serde_json::json!(["0", "0", "0", "1", "1"]));
    settled(&laptop, ".messages").await?;
    laptop
        .script(
            "document.querySelector('.card.appointment').scrollIntoView(); return true;",
            serde_json::json!([]),
        )
        .await?;
    capture(&laptop, "laptop-appointment-card").await?;
    laptop
        .script(
            "document.querySelector('.card.question').scrollIntoView(); return true;",
            serde_json::json!([]),
        )
        .await?;
    capture(&laptop, "laptop-question-card").await?;
    laptop
        .click(
            &laptop
                .wait(".card.appointment .card-actions button", T)
                .await?,
        )
        .await?;
    laptop.wait_text("aftale.ics", T).await?;
    let ics = std::fs::read_to_string(downloads.path().join("aftale.ics"))?;
    assert!(ics.contains("SUMMARY:Møde om praktik"), "{ics}");
    assert!(
        ics.contains("LOCATION:Ungecentret\\, Søndergade 4"),
        "{ics}"
    );
    laptop
        .click(&laptop.wait(".cancel-planned", T).await?)
        .await?;
    let deadline = std::time::Instant::now() + T;
    while !laptop
        .find_all(".bubble[data-state='planned']")
        .await?
        .is_empty()
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the planned message stayed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    laptop.close().await?;
    Ok(())
}
