//! Smiley check-ins end to end against a real server process. Sara makes a plan in Mikkel's
//! conversation; over three weeks (lived by shifting both engines' clocks) he answers at each
//! slot, skips two, answers four while the server is down (sent when it is back), one late, and
//! ends on three lowest smileys. Sara's timeline holds every answer in order with the missed
//! slots, her events (the staff-only one never reaches Mikkel, not even as ciphertext), the
//! patterns and the flags. He pauses the plan and she sees it. What either of them may not do
//! is refused, with nothing changed.

use samtale_client::care::{AnswerInput, EventInput, Flag, PlanInput};
use samtale_client::{Client, ClientError};
use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::care::{EventCategory, PlanStatus, SlotTime, Weekday};
use samtale_tests::scene::Scene;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

use samtale_tests::now_ms as real_now;

/// Sets `c`'s clock to read `at`.
fn live_at(c: &Client, at: i64) {
    c.set_clock_shift(at - real_now());
}

fn daily(hour: u8) -> SlotTime {
    SlotTime {
        days: Weekday::ALL.to_vec(),
        hour,
        minute: 0,
    }
}

fn plan_input() -> PlanInput {
    PlanInput {
        plan: None,
        question: "Hvordan har du det lige nu?".into(),
        times: vec![daily(8), daily(20)],
        window_minutes: 180,
        tags: vec!["skole".into(), "hjemme".into(), "venner".into()],
        note: true,
        status: PlanStatus::Active,
    }
}

fn invalid(r: Result<impl std::fmt::Debug, ClientError>) -> String {
    match r {
        Err(ClientError::Invalid(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn three_weeks_of_check_ins() -> anyhow::Result<()> {
    let mut scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let (mette, mor) = scene
        .citizen(
            &sara,
            Role::Parent,
            "Mette",
            Some(me.user.clone()),
            "mette",
            "Mettes telefon",
        )
        .await?;
    let own = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let family = sara
        .create_thread(ThreadKind::Family, vec![me.user.clone(), mor.user.clone()])
        .await?;

    // Bad plans are refused and nothing is made.
    let no_times = PlanInput {
        times: vec![],
        ..plan_input()
    };
    assert!(invalid(sara.save_plan(&own, no_times).await).contains("no times"));
    let late_hour = PlanInput {
        times: vec![daily(25)],
        ..plan_input()
    };
    assert!(invalid(sara.save_plan(&own, late_hour).await).contains("not a time of day"));
    assert!(invalid(sara.save_plan(&family, plan_input()).await).contains("youth's own"));
    assert!(sara.plans(None)?.is_empty());

    // Three weeks ago, Sara makes the plan.
    let start = real_now() - 21 * DAY;
    live_at(&sara, start);
    live_at(&mikkel, start);
    let plan = sara.save_plan(&own, plan_input()).await?;
    assert_eq!(plan.youth.user, me.user);
    let seen: Vec<&str> = plan
        .seen_by
        .iter()
        .map(|m| m.display_name.as_str())
        .collect();
    assert_eq!(seen.len(), 1, "only Sara sees his answers: {seen:?}");
    mikkel.sync().await?;
    let his = mikkel.plans(None)?;
    assert_eq!(his.len(), 1);
    assert_eq!(his[0].question, "Hvordan har du det lige nu?");
    assert_eq!(his[0].seen_by, plan.seen_by);
    // The plan is a card in his conversation.
    assert!(
        mikkel
            .messages(&own, 50)?
            .iter()
            .any(|m| m.kind == "check_in_plan" && m.body.contains("Hvordan har du det"))
    );

    // Every slot from the plan's first to the last one half an hour old.
    let mut slots = Vec::new();
    let mut t = start - 3 * HOUR;
    loop {
        live_at(&mikkel, t);
        let next = mikkel
            .plan(&plan.plan)?
            .next_slot_ms
            .expect("an active plan");
        if next + HOUR > real_now() {
            break;
        }
        slots.push(next);
        t = next;
    }
    let n = slots.len();
    assert!((40..=44).contains(&n), "{n} slots in three weeks");

    // Neither Sara nor Mette answers for him.
    live_at(&sara, slots[0] + 30 * MIN);
    let answer = |score: u8, tags: &[&str]| AnswerInput {
        plan: plan.plan.clone(),
        score,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        note: None,
    };
    assert!(invalid(sara.answer_check_in(answer(3, &[])).await).contains("only the youth"));
    assert!(matches!(
        mette.answer_check_in(answer(3, &[])).await,
        Err(ClientError::NotFound(_))
    ));

    let mut want: Vec<(i64, u8, bool)> = Vec::new();
    for (i, &slot) in slots.iter().enumerate() {
        if i == 10 || i == 11 {
            continue; // missed
        }
        let offline = (n - 12..n - 8).contains(&i);
        if i == n - 12 {
            scene.server.stop();
        }
        let late = i == n - 8;
        let score = match i {
            _ if i >= n - 3 => 1,
            _ if late => 2,
            _ if i >= n - 12 => 3,
            _ => 4,
        };
        live_at(&mikkel, slot + if late { 4 * HOUR } else { 30 * MIN });
        let due = mikkel.due_check_ins()?;
        assert_eq!(due.len(), 1, "slot {i}");
        assert_eq!(due[0].slot_ms, slot);
        if i == 0 {
            // Bad answers first: a score out of range, a tag the plan does not have.
            assert!(invalid(mikkel.answer_check_in(answer(6, &[])).await).contains("1 to 5"));
            assert!(invalid(mikkel.answer_check_in(answer(0, &[])).await).contains("1 to 5"));
            assert!(
                invalid(mikkel.answer_check_in(answer(4, &["fodbold"])).await).contains("no tag")
            );
            // He first answers 2, then changes his mind: the 4 stays.
            mikkel.answer_check_in(answer(2, &["hjemme"])).await?;
        }
        let a = mikkel.answer_check_in(answer(score, &["skole"])).await?;
        assert_eq!(
            (a.slot_ms, a.late, a.pending),
            (slot, late, offline),
            "slot {i}"
        );
        want.push((slot, score, late));
        if i == n - 9 {
            scene.server.restart()?;
            mikkel.sync().await?;
        }
    }
    // Out of slots: no card until the next one.
    live_at(&mikkel, slots[n - 1] + 13 * HOUR);
    assert!(
        mikkel
            .due_check_ins()?
            .iter()
            .all(|d| d.slot_ms > slots[n - 1])
    );

    // Sara notes a school change (staff only) and a meeting she shares with him.
    live_at(&sara, real_now());
    let change = sara
        .record_event(
            &own,
            EventInput {
                event: None,
                at_ms: slots[n - 12] - 2 * HOUR,
                category: EventCategory::SchoolChange,
                text: "Skifter skole".into(),
                shared: false,
                deleted: false,
            },
        )
        .await?;
    sara.record_event(
        &own,
        EventInput {
            event: None,
            at_ms: slots[n - 5],
            category: EventCategory::Other,
            text: "Møde med skolen".into(),
            shared: true,
            deleted: false,
        },
    )
    .await?;
    assert!(
        invalid(
            mikkel
                .record_event(
                    &own,
                    EventInput {
                        event: None,
                        at_ms: slots[0],
                        category: EventCategory::Absence,
                        text: String::new(),
                        shared: false,
                        deleted: false,
                    },
                )
                .await
        )
        .contains("only a caseworker")
    );

    sara.sync().await?;
    mikkel.sync().await?;
    for (from, to) in [
        (i64::MIN, 1),
        (0, i64::MAX),
        (real_now(), real_now() - 1),
        (0, 4 * 366 * DAY),
    ] {
        assert!(invalid(sara.timeline(&me.user, from, to)).contains("timeline"));
    }
    let tl = sara.timeline(&me.user, start - DAY, real_now())?;
    let got: Vec<(i64, u8, bool)> = tl
        .points
        .iter()
        .map(|p| (p.slot_ms, p.score, p.late))
        .collect();
    assert_eq!(got, want, "every answer, in slot order, late where late");
    assert!(tl.points.iter().all(|p| p.tags == ["skole"]));
    assert_eq!(tl.missed, vec![slots[10], slots[11]]);
    let events: Vec<&str> = tl.events.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(events, ["Skifter skole", "Møde med skolen"]);
    assert!(
        tl.flags.contains(&Flag::LowStreak { n: 3 }),
        "{:?}",
        tl.flags
    );
    assert!(
        tl.flags.iter().any(|f| matches!(f, Flag::Drop { .. })),
        "{:?}",
        tl.flags
    );
    let flagged = sara.youth_flags()?;
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].youth.user, me.user);
    assert_eq!(flagged[0].flags, tl.flags);
    // Tuned to want five lowest in a row, the streak flag goes.
    sara.set_flag_rules(
        &me.user,
        samtale_client::care::FlagRules {
            drop: 1.0,
            low_streak: 5,
            missed_streak: 3,
        },
    )?;
    let tuned = sara.timeline(&me.user, start - DAY, real_now())?;
    assert!(
        !tuned
            .flags
            .iter()
            .any(|f| matches!(f, Flag::LowStreak { .. }))
    );

    // His own history: the same answers, only the shared event; the staff-only one never came.
    let mine = mikkel.timeline(&me.user, start - DAY, real_now())?;
    assert_eq!(mine.points, tl.points);
    let his_events: Vec<&str> = mine.events.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(his_events, ["Møde med skolen"]);
    assert!(
        !mikkel
            .messages(&own, 500)?
            .iter()
            .any(|m| m.kind == "notice" && m.body.contains("kan ikke læses")),
        "the staff-only event reached Mikkel as something he could not read"
    );
    let _ = change;

    // He pauses the plan; Sara sees it, and no card is due while it is paused.
    live_at(&mikkel, real_now());
    let paused = mikkel
        .set_plan_status(&plan.plan, PlanStatus::Paused)
        .await?;
    assert_eq!((paused.status, paused.revision), (PlanStatus::Paused, 2));
    live_at(&mikkel, real_now() + DAY);
    assert!(mikkel.due_check_ins()?.is_empty());
    sara.sync().await?;
    let hers = sara.plan(&plan.plan)?;
    assert_eq!(
        (hers.status, hers.changed_by.user.clone()),
        (PlanStatus::Paused, me.user.clone())
    );
    Ok(())
}

/// The same through the `samtale` CLI, as a script would: a plan with a time ten minutes ago
/// (the new plan still asks for it), the youth's due card and answer, the timeline as JSON and
/// CSV, an event, the flags; a smiley of 9 is refused.
#[test]
fn check_ins_through_the_cli() -> anyhow::Result<()> {
    use samtale_client::checkins::clock;
    use samtale_tests::{cli, cli_invite_youth, cli_json, cli_login};

    let scene = Scene::start(&["vejle"], &[])?;
    let (sara, mikkel) = (
        scene.profiles.path().join("sara"),
        scene.profiles.path().join("mikkel"),
    );
    cli_login(&sara, &scene.url, &scene.tenant)?;
    let youth = cli_invite_youth(&sara, &mikkel, &scene.url, "Mikkel")?;
    let thread = cli_json(&sara, &["new-thread", "--kind", "youth", &youth])?;
    let thread = thread["thread"].as_str().unwrap().to_owned();
    let ten_ago = clock::local(real_now() - 10 * MIN);
    let at = format!("all@{:02}:{:02}", ten_ago.hour, ten_ago.minute);
    let plan = cli_json(
        &sara,
        &[
            "plan", &thread, "--time", &at, "--tag", "skole", "--tag", "venner",
        ],
    )?;
    let plan_id = plan["plan"].as_str().unwrap().to_owned();
    assert_eq!(plan["status"], "active");

    let due = cli_json(&mikkel, &["due"])?;
    assert_eq!(due.as_array().map(Vec::len), Some(1), "{due}");
    assert_eq!(due[0]["plan"], plan_id.as_str());
    let refused = cli(&mikkel, &["check-in", &plan_id, "9"]).unwrap_err();
    assert!(refused.to_string().contains("1 to 5"), "{refused:#}");
    let answer = cli_json(&mikkel, &["check-in", &plan_id, "4", "--tag", "venner"])?;
    assert_eq!(
        (answer["score"].as_u64(), answer["late"].as_bool()),
        (Some(4), Some(false))
    );

    cli(
        &sara,
        &[
            "event",
            &thread,
            "--category",
            "decision",
            "--at",
            "2026-11-20",
            "--text",
            "Afgørelse om efterværn",
        ],
    )?;
    let timeline = cli_json(&sara, &["timeline", &youth, "--days", "30"])?;
    assert_eq!(
        timeline["points"].as_array().map(Vec::len),
        Some(1),
        "{timeline}"
    );
    assert_eq!(timeline["points"][0]["tags"][0], "venner");
    let csv = cli(&sara, &["timeline", &youth, "--csv"])?;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].ends_with(",4,on_time,venner,"), "{csv}");
    let flags = cli_json(&sara, &["flags"])?;
    assert_eq!(flags[0]["youth"]["user"], youth.as_str());
    assert_eq!(flags[0]["flags"].as_array().map(Vec::len), Some(0));
    Ok(())
}
