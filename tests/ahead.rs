//! What a phone schedules ahead (the engine's `upcoming_notices`, which the app hands to the
//! mobile OS's notification scheduler), against a real server: Mikkel's smiley slots at 08.00
//! and 20.00 Copenhagen time over the days ahead, right across the change to winter time; a
//! slot he has answered drops out; a paused plan schedules nothing; an appointment's reminders
//! the day and the hour before come in, and leave when it is cancelled. The keys stay the same
//! from one listing to the next, so scheduling again replaces rather than doubles.

use samtale_client::Client;
use samtale_client::ahead::UpcomingKind;
use samtale_client::card_views::AppointmentInput;
use samtale_client::care::{AnswerInput, PlanInput};
use samtale_client::checkins::clock;
use samtale_proto::api::ThreadKind;
use samtale_proto::care::{PlanStatus, SlotTime, Weekday};
use samtale_tests::now_ms as real_now;
use samtale_tests::scene::Scene;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-10-24 06:00 UTC (08.00 summer time in Copenhagen); winter time starts the next night.
const SATURDAY: i64 = 1_792_821_600_000;

fn live_at(c: &Client, at: i64) {
    c.set_clock_shift(at - real_now());
}

fn plan(status: PlanStatus, plan: Option<samtale_proto::CareId>) -> PlanInput {
    let at = |hour: u8| SlotTime {
        days: Weekday::ALL.to_vec(),
        hour,
        minute: 0,
    };
    PlanInput {
        plan,
        question: "Hvordan har du det lige nu?".into(),
        times: vec![at(8), at(20)],
        window_minutes: 180,
        tags: vec![],
        note: false,
        status,
    }
}

/// A half-hour meeting at `at` with the default reminders (a day and an hour before).
fn meeting(id: Option<samtale_proto::CareId>, at: i64, cancelled: bool) -> AppointmentInput {
    AppointmentInput {
        appointment: id,
        title: "Møde".into(),
        starts_at_ms: at,
        minutes: 30,
        place: String::new(),
        link: None,
        note: String::new(),
        reminders: None,
        cancelled,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_schedules_the_days_ahead_across_the_clock_change() -> anyhow::Result<()> {
    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    // Friday evening before the change, Sara makes the plan.
    live_at(&sara, SATURDAY - 12 * HOUR);
    let made = sara
        .save_plan(&thread, plan(PlanStatus::Active, None))
        .await?;
    live_at(&mikkel, SATURDAY - HOUR);
    mikkel.sync().await?;

    let listed = mikkel.upcoming_notices(3 * DAY)?;
    let slots: Vec<(i64, String)> = listed
        .iter()
        .filter(|u| u.what == UpcomingKind::CheckIn)
        .map(|u| {
            let l = clock::local(u.at_ms);
            (
                u.at_ms,
                format!(
                    "{:02}/{:02} {:02}.{:02}",
                    l.date.day, l.date.month, l.hour, l.minute
                ),
            )
        })
        .collect();
    let local: Vec<&str> = slots.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        local,
        [
            "24/10 08.00",
            "24/10 20.00",
            "25/10 08.00",
            "25/10 20.00",
            "26/10 08.00",
            "26/10 20.00"
        ],
        "every slot at 08.00 and 20.00 local time"
    );
    // In UTC the morning slot moves an hour across the change: 06.00 UTC, then 07.00 UTC.
    assert_eq!(slots[0].0, SATURDAY);
    assert_eq!(slots[2].0 - slots[0].0, DAY + HOUR);
    assert_eq!(
        mikkel.upcoming_notices(3 * DAY)?,
        listed,
        "the same keys each time"
    );

    // He answers the 08.00 slot as it opens: it drops out, the rest stay.
    live_at(&mikkel, SATURDAY + 10 * 60_000);
    mikkel
        .answer_check_in(AnswerInput {
            plan: made.plan.clone(),
            score: 4,
            tags: vec![],
            note: None,
        })
        .await?;
    let after = mikkel.upcoming_notices(3 * DAY)?;
    assert_eq!(after.len(), 5);
    assert!(after.iter().all(|u| u.at_ms > SATURDAY));

    // An appointment on Monday 14.00 (winter time) with the default reminders: the day before
    // and the hour before, both ahead.
    live_at(&sara, SATURDAY + HOUR);
    let monday = SATURDAY + 2 * DAY + 7 * HOUR; // 13.00 UTC = 14.00 in Copenhagen.
    let booked = sara
        .save_appointment(&thread, meeting(None, monday, false))
        .await?;
    mikkel.sync().await?;
    let reminders: Vec<(i64, UpcomingKind)> = mikkel
        .upcoming_notices(3 * DAY)?
        .into_iter()
        .filter(|u| u.what != UpcomingKind::CheckIn)
        .map(|u| (u.at_ms, u.what))
        .collect();
    assert_eq!(
        reminders,
        [
            (
                monday - DAY,
                UpcomingKind::Appointment {
                    minutes_before: 1440
                }
            ),
            (
                monday - HOUR,
                UpcomingKind::Appointment { minutes_before: 60 }
            ),
        ]
    );
    // Cancelled: its reminders leave the list.
    sara.save_appointment(&thread, meeting(Some(booked.id.clone()), monday, true))
        .await?;
    mikkel.sync().await?;
    assert!(
        mikkel
            .upcoming_notices(3 * DAY)?
            .iter()
            .all(|u| u.what == UpcomingKind::CheckIn)
    );

    // Paused by Mikkel: nothing to schedule.
    mikkel
        .set_plan_status(&made.plan, PlanStatus::Paused)
        .await?;
    assert!(mikkel.upcoming_notices(3 * DAY)?.is_empty());
    Ok(())
}
