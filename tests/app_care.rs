//! Smiley check-ins in the real app: three weeks of Mikkel's answers are lived first on the
//! engine (both clocks shifted; a dip after a school change Sara recorded, ending on three of
//! the lowest smileys), then the app opens on his phone with the smiley due now. He ticks a
//! topic and taps a smiley; the card thanks him, and "Mine smileys" shows his history. On
//! Sara's laptop the caseload flags him, in words; the timeline shows his new answer with the
//! events (one of them an appointment in his conversation) and the flags, on the laptop and
//! on a phone; the plan editor opens from his
//! conversation; she removes an event again. Screenshots go to docs/screenshots/ with an axe-core check. Runs only with
//! `SAMTALE_APP_TESTS=1` (the README's test command sets it).

use std::time::Duration;

use samtale_client::care::{AnswerInput, EventInput, PlanInput};
use samtale_client::checkins::clock;
use samtale_proto::api::ThreadKind;
use samtale_proto::care::{EventCategory, PlanStatus, SlotTime, Weekday};
use samtale_tests::app::{app_binary, capture, chart_points, settled};
use samtale_tests::scene::Scene;
use samtale_tests::webdriver::{Driver, Session};

const T: Duration = Duration::from_secs(30);
const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

use samtale_tests::now_ms as real_now;

/// Every day at the local time of `at`.
fn daily_at(at: i64) -> SlotTime {
    let l = clock::local(at);
    SlotTime {
        days: Weekday::ALL.to_vec(),
        hour: l.hour as u8,
        minute: l.minute as u8,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_ins_in_the_real_app() -> anyhow::Result<()> {
    if !samtale_tests::app::enabled() {
        return Ok(());
    }
    let scene = Scene::start(&["roskilde"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(
        &thread,
        "Hej Mikkel. Nu kan du sende en smiley to gange om dagen.",
    )
    .await?;

    // Three weeks ago Sara made a plan for ten minutes ago and twelve hours later, daily.
    let start = real_now() - 21 * DAY;
    let now_slot = real_now() - 10 * MIN;
    sara.set_clock_shift(start - real_now());
    let plan = sara
        .save_plan(
            &thread,
            PlanInput {
                plan: None,
                question: "Hvordan har du det lige nu?".into(),
                times: vec![daily_at(now_slot), daily_at(now_slot + 12 * HOUR)],
                window_minutes: 180,
                tags: vec![
                    "skole".into(),
                    "hjemme".into(),
                    "venner".into(),
                    "søvn".into(),
                    "fritid".into(),
                ],
                note: true,
                status: PlanStatus::Active,
            },
        )
        .await?;
    mikkel.sync().await?;
    let mut slots = Vec::new();
    let mut t = start - 3 * HOUR;
    loop {
        mikkel.set_clock_shift(t - real_now());
        let next = mikkel.plan(&plan.plan)?.next_slot_ms.expect("active");
        if next >= now_slot - MIN {
            break;
        }
        slots.push(next);
        t = next;
    }
    let n = slots.len();
    for (i, &slot) in slots.iter().enumerate() {
        if i == 6 || i == n - 5 {
            continue; // not answered
        }
        let (score, tags): (u8, &[&str]) = match i {
            _ if i >= n - 3 => (1, &["skole", "søvn"]),
            _ if i >= n - 12 => (2, &["skole"]),
            _ if i % 3 == 0 => (5, &["venner"]),
            _ => (4, &["fritid"]),
        };
        mikkel.set_clock_shift(slot + 25 * MIN - real_now());
        mikkel
            .answer_check_in(AnswerInput {
                plan: plan.plan.clone(),
                score,
                tags: tags.iter().map(|t| t.to_string()).collect(),
                note: (i == n - 1).then(|| "Træt af den nye skole".to_owned()),
            })
            .await?;
    }
    // An appointment a few days before the end, put in while it was still ahead.
    let meeting_at = slots[n - 6] + 2 * HOUR;
    sara.set_clock_shift(meeting_at - 2 * DAY - real_now());
    sara.save_appointment(
        &thread,
        samtale_client::card_views::AppointmentInput {
            appointment: None,
            title: "Samtale på kontoret".into(),
            starts_at_ms: meeting_at,
            minutes: 45,
            place: "Rådhuset".into(),
            link: None,
            note: String::new(),
            reminders: None,
            cancelled: false,
        },
    )
    .await?;
    sara.set_clock_shift(0);
    for (at, category, text, shared) in [
        (
            slots[n - 12] - 5 * HOUR,
            EventCategory::SchoolChange,
            "Skifter til Vestskolen",
            false,
        ),
        (slots[n - 4], EventCategory::Other, "Møde med skolen", true),
    ] {
        sara.record_event(
            &thread,
            EventInput {
                event: None,
                at_ms: at,
                category,
                text: text.into(),
                shared,
                deleted: false,
            },
        )
        .await?;
    }
    sara.sync().await?;
    // Where her records go (settings can set it too: tests/app_records.rs).
    let import = tempfile::tempdir()?;
    sara.set_record_connector(Some(&samtale_client::records::Connector::Folder {
        path: import.path().to_string_lossy().into_owned(),
    }))?;
    // The profiles go to the apps (one process at a time on a database).
    drop(mikkel);
    drop(sara);

    let app = app_binary();
    let env = |who: &str| scene.app_env(who);

    // Mikkel's phone: the card for the smiley due now.
    let phone_driver = Driver::start(&env("mikkel")).await?;
    let phone = Session::new(&phone_driver, &app).await?;
    phone.set_size(390, 844).await?;
    phone.wait(".checkin-card", T).await?;
    phone.wait_text("Tid til dagens smiley", T).await?;
    phone.wait_text("Dine svar ses af", T).await?;
    capture(&phone, "phone-checkin-card").await?;
    phone
        .click(&phone.wait(".chip[data-tag='skole']", T).await?)
        .await?;
    phone
        .click(&phone.wait(".smiley[data-score='1']", T).await?)
        .await?;
    phone.wait_text("Tak! Du har svaret", T).await?;
    phone
        .wait(".smiley[data-score='1'][aria-pressed='true']", T)
        .await?;
    capture(&phone, "phone-checkin-answered").await?;
    phone.click(&phone.wait("#my-smileys", T).await?).await?;
    phone.click(&phone.wait("#range-3m", T).await?).await?;
    phone.wait("#timeline-chart path.points", T).await?;
    phone.wait_text("Møde med skolen", T).await?;
    let staff_only = phone
        .script(
            "return document.body.innerText.includes('Vestskolen');",
            serde_json::json!([]),
        )
        .await?;
    assert_eq!(
        staff_only,
        serde_json::json!(false),
        "a staff-only event reached Mikkel"
    );
    settled(&phone, "#timeline-chart").await?;
    capture(&phone, "phone-my-smileys").await?;
    phone.close().await?;

    // Sara's laptop: the caseload flags Mikkel; the timeline has his new answer and the events.
    let laptop_driver = Driver::start(&env("sara")).await?;
    let laptop = Session::new(&laptop_driver, &app).await?;
    laptop.set_size(1280, 800).await?;
    laptop.click(&laptop.wait("#tab-cases", T).await?).await?;
    laptop
        .wait_text("De sidste 4 svar var den laveste smiley", T)
        .await?;
    capture(&laptop, "laptop-caseload-flag").await?;
    laptop
        .click(&laptop.wait(".case-timeline", T).await?)
        .await?;
    laptop.wait("#flag-list", T).await?;
    laptop.click(&laptop.wait("#range-3m", T).await?).await?;
    laptop.wait_text("Skifter til Vestskolen", T).await?;
    laptop.wait_text("Samtale på kontoret", T).await?;
    laptop
        .wait("#timeline-chart g.event[data-source='appointment']", T)
        .await?;
    let points = chart_points(&laptop).await?;
    assert_eq!(points, (n - 2 + 1) as u64, "every answer is a point");
    // The table beside the chart is made when opened: one row per answer, the newest first.
    laptop
        .click(&laptop.wait(".answers summary", T).await?)
        .await?;
    laptop.wait("#answers-table tbody tr", T).await?;
    let rows = laptop.find_all("#answers-table tbody tr").await?;
    assert_eq!(rows.len(), n - 2 + 1, "every answer is a row of the table");
    laptop
        .click(&laptop.wait(".answers summary", T).await?)
        .await?;
    settled(&laptop, "#timeline-chart").await?;
    capture(&laptop, "laptop-timeline").await?;
    laptop.set_size(390, 844).await?;
    // Back to two weeks: the chart is drawn again at phone width, scrolled to its newest end.
    laptop.click(&laptop.wait("#range-2w", T).await?).await?;
    settled(&laptop, ".timeline").await?;
    capture(&laptop, "phone-timeline-caseworker").await?;
    laptop.set_size(1280, 800).await?;
    // She removes the meeting from the timeline: gone from the list and the chart.
    laptop
        .script(
            "[...document.querySelectorAll('.event-item')].find(li => li.textContent.includes('Møde med skolen')).querySelector('.remove-event').click(); return true;",
            serde_json::json!([]),
        )
        .await?;
    let deadline = std::time::Instant::now() + T;
    while laptop
        .script(
            "return document.querySelector('#event-list').textContent.includes('Møde med skolen');",
            serde_json::json!([]),
        )
        .await?
        != serde_json::json!(false)
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the removed event stayed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(laptop.find_all("#timeline-chart g.event").await?.len(), 2);
    // The two weeks shown go into the case file: every slot is in what will be recorded.
    laptop
        .click(&laptop.wait("#record-period", T).await?)
        .await?;
    laptop
        .type_into(&laptop.wait("#record-case", T).await?, "27.12.08-G01-9-26")
        .await?;
    laptop
        .type_into(
            &laptop.wait("#record-topic", T).await?,
            "Smiley-tjek efter skoleskiftet",
        )
        .await?;
    laptop.wait("#record-checkins", T).await?;
    let shown = laptop.find_all(".record-slot").await?.len();
    assert!(shown >= 27, "two weeks of two slots a day: {shown}");
    settled(&laptop, ".record-dialog").await?;
    capture(&laptop, "laptop-record-period").await?;
    laptop
        .click(&laptop.wait("#record-confirm", T).await?)
        .await?;
    laptop
        .wait("#record-result[data-state='delivered']", T)
        .await?;
    laptop
        .click(&laptop.wait("#close-record", T).await?)
        .await?;
    let delivered = std::fs::read_dir(import.path())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pdf"))
        .count();
    assert_eq!(
        delivered, 1,
        "the PDF of the period is in the import folder"
    );
    laptop
        .click(&laptop.wait("#close-timeline", T).await?)
        .await?;

    // The plan editor from his conversation (once the list has taken in the removal).
    settled(&laptop, ".cases").await?;
    laptop
        .click(&laptop.wait(".case-thread[data-thread]", T).await?)
        .await?;
    laptop.wait("#plan-bar", T).await?;
    laptop.click(&laptop.wait("#plan-edit", T).await?).await?;
    laptop.wait("#plan-form", T).await?;
    capture(&laptop, "laptop-plan-editor").await?;
    laptop.close().await?;
    Ok(())
}
