//! Appointments and quick questions end to end against a real server process. Sara puts an
//! appointment into Mikkel's family conversation, Mikkel and his mother Mette reply, and she
//! moves it twice: every member ends with one card in the latest state, the replies to the old
//! time marked so, the reminders given once each at the right moments on each device, and the
//! calendar file at the new time. She asks a question; Mikkel answers, changes his answer, she
//! closes it, and an answer given after the close counts nowhere, in whichever order things
//! arrive. What anyone may not do is refused with nothing changed. Last, the same through the
//! `samtale` CLI as a script would.

use samtale_client::card_views::{AppointmentInput, CardView, QuestionInput};
use samtale_client::care::EventSource;
use samtale_client::{Client, ClientError};
use samtale_proto::api::Role;
use samtale_proto::cards::{QuestionForm, Rsvp};
use samtale_proto::{CareId, ThreadId};
use samtale_tests::now_ms as real_now;
use samtale_tests::scene::Scene;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

fn live_at(c: &Client, at: i64) {
    c.set_clock_shift(at - real_now());
}

fn invalid(r: Result<impl std::fmt::Debug, ClientError>) -> String {
    match r {
        Err(ClientError::Invalid(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn meeting(at: i64) -> AppointmentInput {
    AppointmentInput {
        appointment: None,
        title: "Møde om praktik".into(),
        starts_at_ms: at,
        minutes: 45,
        place: "Rådhuset, lokale 2.14".into(),
        link: None,
        note: "Tag gerne skemaet med.".into(),
        reminders: None,
        cancelled: false,
    }
}

/// The appointment cards a member's conversation shows, and the lines about changes.
fn cards_in(c: &Client, thread: &ThreadId) -> (Vec<CardView>, Vec<String>) {
    let messages = c.messages(thread, 100).expect("messages");
    let cards = messages
        .iter()
        .filter(|m| m.kind == "appointment" || m.kind == "question")
        .map(|m| m.card.clone().expect("a card row has its card"))
        .collect();
    let lines = messages
        .iter()
        .filter(|m| m.kind == "card_update")
        .map(|m| m.body.clone())
        .collect();
    (cards, lines)
}

fn appointment(card: &CardView) -> &samtale_client::card_views::AppointmentView {
    match card {
        CardView::Appointment(a) => a,
        other => panic!("expected an appointment, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_appointment_moved_twice() -> anyhow::Result<()> {
    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _) = scene.sara().await?;
    let samtale_tests::scene::Family {
        mikkel,
        youth: me,
        mette,
        thread: family,
        ..
    } = scene.family(&sara).await?;
    let (jonas, _) = scene
        .citizen(&sara, Role::Youth, "Jonas", None, "jonas", "Jonas' telefon")
        .await?;
    let now = real_now();
    let first = (now / HOUR) * HOUR + 3 * DAY;

    // What may not be: a citizen's appointment, one in the past, one without a title, a plain
    // http link. Nothing is made.
    mikkel.sync().await?;
    assert!(invalid(mikkel.save_appointment(&family, meeting(first)).await).contains("caseworker"));
    assert!(invalid(sara.save_appointment(&family, meeting(now - HOUR)).await).contains("passed"));
    let untitled = AppointmentInput {
        title: " ".into(),
        ..meeting(first)
    };
    assert!(invalid(sara.save_appointment(&family, untitled).await).contains("title"));
    let http = AppointmentInput {
        link: Some("http://video.example".into()),
        ..meeting(first)
    };
    assert!(invalid(sara.save_appointment(&family, http).await).contains("https://"));
    assert!(sara.cards(&family)?.is_empty());

    let made = sara.save_appointment(&family, meeting(first)).await?;
    assert_eq!(made.reminders, vec![1440, 60], "the default reminders");
    assert_eq!(made.waiting.len(), 2, "{:?}", made.waiting);
    let id = made.id.clone();

    // Both members get one card and reply to it.
    mikkel.sync().await?;
    mette.sync().await?;
    for c in [&mikkel, &mette] {
        let (cards, _) = cards_in(c, &family);
        assert_eq!(cards.len(), 1);
        let a = appointment(&cards[0]);
        assert_eq!(
            (a.title.as_str(), a.starts_at_ms),
            ("Møde om praktik", first)
        );
        assert!(!a.can_edit, "a citizen cannot move it");
    }
    mikkel.reply_appointment(&id, Rsvp::Coming, None).await?;
    mette
        .reply_appointment(&id, Rsvp::Reschedule, Some("Jeg arbejder til 15".into()))
        .await?;
    // Jonas is not in the conversation: he has no such appointment, and cannot reply.
    jonas.sync().await?;
    assert!(matches!(
        jonas.reply_appointment(&id, Rsvp::Coming, None).await,
        Err(ClientError::NotFound(_))
    ));
    sara.sync().await?;
    let seen = sara.appointment(&id)?;
    let replies: Vec<(&str, Rsvp, bool)> = seen
        .replies
        .iter()
        .map(|r| (r.member.display_name.as_str(), r.answer, r.earlier_time))
        .collect();
    assert_eq!(
        replies,
        vec![
            ("Mikkel", Rsvp::Coming, false),
            ("Mette", Rsvp::Reschedule, false)
        ]
    );
    assert!(seen.waiting.is_empty());
    assert_eq!(
        seen.replies[1].comment.as_deref(),
        Some("Jeg arbejder til 15")
    );

    // The day before, Mikkel's phone reminds him once.
    live_at(&mikkel, first - 23 * HOUR);
    let r = mikkel.take_due_reminders()?;
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].minutes_before, r[0].starts_at_ms), (1440, first));
    assert!(mikkel.take_due_reminders()?.is_empty(), "given once");
    live_at(&mikkel, real_now());

    // Sara moves it twice; Mikkel is offline for the first move.
    let second = first + DAY;
    let third = first + 2 * DAY + 2 * HOUR;
    sara.save_appointment(
        &family,
        AppointmentInput {
            appointment: Some(id.clone()),
            ..meeting(second)
        },
    )
    .await?;
    mette.sync().await?;
    sara.save_appointment(
        &family,
        AppointmentInput {
            appointment: Some(id.clone()),
            place: "Ungecentret".into(),
            ..meeting(third)
        },
    )
    .await?;
    for c in [&sara, &mikkel, &mette] {
        c.sync().await?;
        let (cards, lines) = cards_in(c, &family);
        assert_eq!(cards.len(), 1, "one card per member");
        let a = appointment(&cards[0]);
        assert_eq!(
            (a.starts_at_ms, a.place.as_str(), a.revision),
            (third, "Ungecentret", 3)
        );
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines.iter().all(|l| l.contains("er flyttet til")),
            "{lines:?}"
        );
    }
    // Both replies were to the first time; Mikkel answers again for the new one.
    let seen = sara.appointment(&id)?;
    assert!(seen.replies.iter().all(|r| r.earlier_time));
    mikkel.reply_appointment(&id, Rsvp::Coming, None).await?;
    sara.sync().await?;
    let seen = sara.appointment(&id)?;
    let mikkels = seen
        .replies
        .iter()
        .find(|r| r.member.display_name == "Mikkel")
        .expect("Mikkel's reply");
    assert!(!mikkels.earlier_time);

    // Reminders follow the new time: Mette's phone was off from two days before until half an
    // hour before: one reminder, the hour-before one.
    live_at(&mette, third - 30 * MIN);
    let r = mette.take_due_reminders()?;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!((r[0].minutes_before, r[0].starts_at_ms), (60, third));
    assert!(mette.take_due_reminders()?.is_empty());
    live_at(&mette, third + MIN);
    assert!(
        mette.take_due_reminders()?.is_empty(),
        "none after the start"
    );

    // The calendar file is at the newest time, as revision 3 of the same UID.
    let ics = mikkel.appointment_ics(&id)?;
    assert!(ics.contains(&format!("UID:{id}@samtale")), "{ics}");
    assert!(ics.contains("\r\nSEQUENCE:3\r\n"), "{ics}");
    assert!(ics.contains("\r\nLOCATION:Ungecentret\r\n"), "{ics}");

    // It is on Mikkel's timeline (Sara's view), at its start.
    let tl = sara.timeline(&me.user, now, third + DAY)?;
    let on_timeline: Vec<(EventSource, i64)> =
        tl.events.iter().map(|e| (e.source, e.at_ms)).collect();
    assert_eq!(on_timeline, vec![(EventSource::Appointment, third)]);

    // Sara cancels it: every card says so, a reply is refused, no reminders come.
    let cancel = AppointmentInput {
        appointment: Some(id.clone()),
        cancelled: true,
        ..meeting(third)
    };
    sara.save_appointment(&family, cancel.clone()).await?;
    assert!(invalid(sara.save_appointment(&family, cancel).await).contains("already cancelled"));
    for c in [&mikkel, &mette] {
        c.sync().await?;
        let (cards, lines) = cards_in(c, &family);
        assert!(appointment(&cards[0]).cancelled);
        assert!(
            lines.last().is_some_and(|l| l.contains("aflyst")),
            "{lines:?}"
        );
    }
    assert!(invalid(mikkel.reply_appointment(&id, Rsvp::Cannot, None).await).contains("cancelled"));
    live_at(&mikkel, third - 30 * MIN);
    assert!(mikkel.take_due_reminders()?.is_empty());
    assert!(mikkel.appointment_ics(&id)?.contains("STATUS:CANCELLED"));
    let tl = sara.timeline(&me.user, now, third + DAY)?;
    assert!(
        tl.events.is_empty(),
        "a cancelled appointment leaves the timeline"
    );
    Ok(())
}

fn question(card: &CardView) -> &samtale_client::card_views::QuestionView {
    match card {
        CardView::Question(q) => q,
        other => panic!("expected a question, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_question_answered_changed_and_closed() -> anyhow::Result<()> {
    let scene = Scene::start(&["odense"], &[])?;
    let (sara, _) = scene.sara().await?;
    let samtale_tests::scene::Family {
        mikkel,
        youth: me,
        mette,
        thread: family,
        ..
    } = scene.family(&sara).await?;
    let ask = |form| QuestionInput {
        text: "Hvordan var mødet i dag?".into(),
        form,
        comment: true,
    };
    let one_choice = QuestionForm::Choices {
        choices: vec!["Mandag".into()],
    };
    assert!(invalid(sara.ask_question(&family, ask(one_choice)).await).contains("2 to 6"));
    mikkel.sync().await?;
    assert!(
        invalid(
            mikkel
                .ask_question(&family, ask(QuestionForm::Smileys))
                .await
        )
        .contains("caseworker")
    );
    let q = sara
        .ask_question(&family, ask(QuestionForm::Smileys))
        .await?;
    assert!(q.can_close && !q.can_answer);
    let id = q.id.clone();

    // Mikkel answers 2, then changes his mind to 4 with a comment; 6 does not fit; Sara does
    // not answer her own question.
    mikkel.sync().await?;
    let (cards, _) = cards_in(&mikkel, &family);
    assert!(question(&cards[0]).can_answer);
    mikkel.answer_question(&id, 2, None).await?;
    assert!(invalid(mikkel.answer_question(&id, 6, None).await).contains("does not fit"));
    let changed = mikkel
        .answer_question(&id, 4, Some("Bedre end sidst".into()))
        .await?;
    assert_eq!(changed.mine, Some(4));
    assert!(invalid(sara.answer_question(&id, 3, None).await).contains("youth and the parents"));

    // Mette answers while the server is down: the answer waits, dated when she gave it, and
    // goes when it is back.
    mette.sync().await?;
    let mut scene = scene;
    scene.server.stop();
    let offline = mette.answer_question(&id, 5, None).await?;
    assert_eq!(offline.mine, Some(5));
    scene.server.restart()?;
    mette.sync().await?;

    sara.sync().await?;
    let seen = sara.question(&id)?;
    let answers: Vec<(&str, u8, &str)> = seen
        .answers
        .iter()
        .map(|a| (a.member.display_name.as_str(), a.value, a.label.as_str()))
        .collect();
    assert_eq!(
        answers,
        vec![("Mikkel", 4, "4 af 5"), ("Mette", 5, "5 af 5")]
    );
    assert_eq!(seen.counts, vec![0, 0, 0, 1, 1]);
    assert_eq!(seen.answers[0].comment.as_deref(), Some("Bedre end sidst"));
    assert!(seen.waiting.is_empty());

    // Mikkel's answer is an event on his timeline.
    let tl = sara.timeline(&me.user, real_now() - DAY, real_now() + DAY)?;
    assert_eq!(tl.events.len(), 1);
    assert_eq!(tl.events[0].source, EventSource::Feedback);
    assert!(
        tl.events[0].text.contains("4 af 5"),
        "{}",
        tl.events[0].text
    );

    // Sara closes it. Mette has not heard yet and changes her answer a minute later: her
    // device takes it, but Sara's does not count it, and Mette's own drops it once the closing
    // arrives. Mikkel, who has heard, is refused.
    let closed = sara.close_question(&id).await?;
    assert!(closed.closed && !closed.can_close);
    live_at(&mette, real_now() + MIN);
    mette.answer_question(&id, 1, None).await?;
    sara.sync().await?;
    assert_eq!(sara.question(&id)?.counts, vec![0, 0, 0, 1, 1]);
    mette.sync().await?;
    let hers = mette.question(&id)?;
    assert!(hers.closed && !hers.can_answer);
    assert_eq!(hers.mine, Some(5), "her late answer does not count");
    // Answers are sealed to staff: Mette sees her own, not Mikkel's.
    let seen_by_her: Vec<&str> = hers
        .answers
        .iter()
        .map(|a| a.member.display_name.as_str())
        .collect();
    assert_eq!(seen_by_her, vec!["Mette"]);
    mikkel.sync().await?;
    assert!(invalid(mikkel.answer_question(&id, 5, None).await).contains("closed"));
    assert!(invalid(sara.close_question(&id).await).contains("already closed"));
    let (cards, lines) = cards_in(&mikkel, &family);
    assert_eq!(cards.len(), 1);
    assert_eq!(question(&cards[0]).mine, Some(4));
    assert!(lines.iter().any(|l| l.contains("lukket")), "{lines:?}");

    // An unknown id is not found, for anyone.
    let nothing = CareId::from_parts(1, [9; 10]);
    assert!(matches!(
        mikkel.answer_question(&nothing, 1, None).await,
        Err(ClientError::NotFound(_))
    ));
    Ok(())
}

/// The same through the CLI: an appointment, a reply, the cards as JSON, the calendar file, a
/// question with choices answered and closed; bad input is a clear error.
#[test]
fn cards_through_the_cli() -> anyhow::Result<()> {
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

    let bad = cli(
        &sara,
        &[
            "appointment",
            &thread,
            "--title",
            "Møde",
            "--at",
            "2020-01-01T10:00",
        ],
    )
    .unwrap_err();
    assert!(bad.to_string().contains("passed"), "{bad:#}");
    let made = cli_json(
        &sara,
        &[
            "appointment",
            &thread,
            "--title",
            "Møde på skolen",
            "--at",
            "2031-05-06T10:00",
            "--minutes",
            "30",
            "--link",
            "https://video.kommune.dk/m/1",
            "--remind",
            "120",
        ],
    )?;
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["card"], "appointment");
    assert_eq!(made["reminders"], serde_json::json!([120]));

    let bad = cli(&mikkel, &["rsvp", &id, "maybe"]).unwrap_err();
    assert!(
        bad.to_string().contains("coming, cannot or reschedule"),
        "{bad:#}"
    );
    let replied = cli_json(&mikkel, &["rsvp", &id, "cannot", "--comment", "Jeg er syg"])?;
    assert_eq!(replied["mine"], "cannot");
    let cards = cli_json(&sara, &["cards", &thread])?;
    assert_eq!(cards.as_array().map(Vec::len), Some(1), "{cards}");
    assert_eq!(cards[0]["replies"][0]["answer"], "cannot");
    assert_eq!(cards[0]["replies"][0]["comment"], "Jeg er syg");
    let ics = cli(&mikkel, &["ics", &id])?;
    assert!(ics.contains("DTSTART:20310506T080000Z"), "{ics}");
    let moved = cli_json(
        &sara,
        &[
            "appointment",
            &thread,
            "--title",
            "Møde på skolen",
            "--at",
            "2031-05-07T10:00",
            "--appointment",
            &id,
        ],
    )?;
    assert_eq!(moved["revision"], 2);
    assert_eq!(moved["replies"][0]["earlier_time"], true);
    let cancelled = cli_json(&sara, &["cancel-appointment", &id])?;
    assert_eq!(cancelled["cancelled"], true);

    let bad = cli(&sara, &["ask", &thread, "Hvornår?", "--choice", "Mandag"]).unwrap_err();
    assert!(bad.to_string().contains("--form choices"), "{bad:#}");
    let q = cli_json(
        &sara,
        &[
            "ask",
            &thread,
            "Hvornår passer det?",
            "--form",
            "choices",
            "--choice",
            "Mandag",
            "--choice",
            "Tirsdag",
        ],
    )?;
    let qid = q["id"].as_str().unwrap().to_owned();
    let bad = cli(&mikkel, &["answer", &qid, "3"]).unwrap_err();
    assert!(bad.to_string().contains("does not fit"), "{bad:#}");
    let answered = cli_json(&mikkel, &["answer", &qid, "2"])?;
    assert_eq!(answered["mine"], 2);
    let closed = cli_json(&sara, &["close-question", &qid])?;
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["counts"], serde_json::json!([0, 1]));
    assert_eq!(closed["answers"][0]["label"], "Tirsdag");
    let bad = cli(&mikkel, &["answer", &qid, "1"]).unwrap_err();
    assert!(bad.to_string().contains("closed"), "{bad:#}");
    Ok(())
}
