//! Recording into the case file in the real app. On her laptop Sara sets up the import folder
//! in settings, presses "Journalisér" in Mikkel's conversation, ticks two messages and a meeting
//! card, fills in the case number and a title, sees what will be recorded, and records; her
//! device hands the PDF/A and its metadata to the case system's import folder, and the messages
//! and the card carry the mark. On his phone Mikkel sees the same mark. Screenshots go to
//! docs/screenshots/. Runs only with `SAMTALE_APP_TESTS=1`.

use std::time::Duration;

use samtale_proto::api::ThreadKind;
use samtale_tests::app::{app_binary, capture, select, settled};
use samtale_tests::scene::Scene;
use samtale_tests::webdriver::{Driver, Session};

const T: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_an_excerpt_in_the_real_app() -> anyhow::Result<()> {
    if !samtale_tests::app::enabled() {
        return Ok(());
    }
    let scene = Scene::start(&["vejle"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(&thread, "Hej Mikkel. Hvordan gik det med praktikpladsen?")
        .await?;
    mikkel.sync().await?;
    mikkel
        .send(
            &thread,
            "Jeg har fået den! 🎉 Jeg starter på værkstedet mandag.",
        )
        .await?;
    // A meeting card: it can go into the case file like a message.
    sara.save_appointment(
        &thread,
        samtale_client::card_views::AppointmentInput {
            appointment: None,
            title: "Første dag på værkstedet".into(),
            starts_at_ms: samtale_tests::now_ms() + 3 * 86_400_000,
            minutes: 30,
            place: "Værkstedet".into(),
            link: None,
            note: String::new(),
            reminders: None,
            cancelled: false,
        },
    )
    .await?;
    sara.sync().await?;
    let import = tempfile::tempdir()?;
    drop((sara, mikkel));

    let app = app_binary();
    {
        let driver = Driver::start(&scene.app_env("sara")).await?;
        let laptop = Session::new(&driver, &app).await?;
        laptop.set_size(1280, 800).await?;
        // Where records go, set up in settings: a folder that does not exist is refused with
        // the reason, the import folder is taken.
        laptop
            .click(&laptop.wait("#open-settings", T).await?)
            .await?;
        select(&laptop, "#connector-kind", "folder").await?;
        let path = laptop.wait("#connector-path", T).await?;
        laptop.type_into(&path, "/ingen/sådan/mappe").await?;
        laptop
            .click(&laptop.wait("#connector-save", T).await?)
            .await?;
        laptop
            .wait_text("/ingen/sådan/mappe findes ikke", T)
            .await?;
        laptop.clear(&path).await?;
        laptop
            .type_into(&path, &import.path().to_string_lossy())
            .await?;
        laptop
            .click(&laptop.wait("#connector-save", T).await?)
            .await?;
        laptop.wait("#connector-status.ok", T).await?;
        settled(&laptop, ".connector-settings").await?;
        capture(&laptop, "laptop-connector-settings").await?;
        laptop
            .click(&laptop.wait("#close-settings", T).await?)
            .await?;
        laptop.click(&laptop.wait(".thread", T).await?).await?;
        laptop.wait_text("praktikpladsen", T).await?;
        laptop
            .click(&laptop.wait("#record-start", T).await?)
            .await?;
        // The meeting card may be drawn a moment after the messages: wait for all three.
        samtale_tests::eventually(T, "two messages and the meeting card to pick", || async {
            Ok(laptop.find_all(".bubble .pick, .card .pick").await?.len() == 3)
        })
        .await?;
        // Read marks and the card's state can still redraw rows: pick once they have settled.
        settled(&laptop, ".messages").await?;
        for pick in laptop.find_all(".bubble .pick, .card .pick").await? {
            laptop.click(&pick).await?;
        }
        let count = laptop.text(&laptop.wait("#picked-count", T).await?).await?;
        assert_eq!(count, "3", "two messages and the meeting card");
        laptop.click(&laptop.wait("#record-next", T).await?).await?;
        laptop
            .type_into(&laptop.wait("#record-case", T).await?, "27.12.08-G01-77-26")
            .await?;
        laptop
            .type_into(
                &laptop.wait("#record-topic", T).await?,
                "Praktikplads på værkstedet",
            )
            .await?;
        laptop.wait("#record-messages li", T).await?;
        laptop.wait_text("Mikkel (ung)", T).await?;
        settled(&laptop, ".record-dialog").await?;
        capture(&laptop, "laptop-record-dialog").await?;
        laptop
            .click(&laptop.wait("#record-confirm", T).await?)
            .await?;
        laptop
            .wait("#record-result[data-state='delivered']", T)
            .await?;
        laptop
            .click(&laptop.wait("#close-record", T).await?)
            .await?;
        laptop.wait(".bubble .recorded", T).await?;
        let marks = laptop.find_all(".bubble .recorded").await?;
        assert_eq!(marks.len(), 2, "both picked messages carry the mark");
        laptop.wait(".card .recorded", T).await?;
        laptop
            .wait_text("Journaliseret i sag 27.12.08-G01-77-26", T)
            .await?;
        settled(&laptop, ".messages").await?;
        capture(&laptop, "laptop-recorded").await?;
        laptop.close().await?;
    }
    // What the import folder got: the PDF, its XML and JSON.
    let mut names: Vec<String> = std::fs::read_dir(import.path())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".pdf")));

    let driver = Driver::start(&scene.app_env("mikkel")).await?;
    let phone = Session::new(&driver, &app).await?;
    phone.set_size(390, 844).await?;
    phone.click(&phone.wait(".thread", T).await?).await?;
    phone.wait(".bubble .recorded", T).await?;
    phone.wait_text("Journaliseret i sag", T).await?;
    assert!(
        phone.find_all("#record-start").await?.is_empty(),
        "a youth has no Journalisér"
    );
    settled(&phone, ".messages").await?;
    capture(&phone, "phone-recorded-mark").await?;
    phone.close().await?;
    Ok(())
}
