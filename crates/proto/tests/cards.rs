//! Appointment and question cards: their JSON pinned by snapshot (a wire format between clients
//! of different versions), what an older client reads of them, and their validation tables.
//!
//! To accept intended changes: `INSTA_UPDATE=always cargo test -p samtale-proto --test cards`,
//! then read the changed `.snap` files before committing them.

use samtale_proto::CareId;
use samtale_proto::cards::{
    Appointment, AppointmentReply, FeedbackAnswer, Question, QuestionForm, Rsvp,
};
use samtale_proto::care::Care;
use samtale_proto::payload::{MessagePayload, PlainPayload};

const T0_MS: i64 = 1_780_477_200_000; // 2026-06-03 09:00 UTC

fn appointment() -> Appointment {
    Appointment {
        appointment: CareId::from_parts(T0_MS as u64, [0x51; 10]),
        revision: 1,
        title: "Samtale om praktik".into(),
        starts_at_ms: T0_MS,
        minutes: 45,
        place: "Rådhuset, lokale 2.14".into(),
        link: Some("https://video.kommune.dk/m/abc".into()),
        note: "Tag gerne din mor med.".into(),
        reminders: vec![1440, 60],
        cancelled: false,
    }
}

fn reply() -> AppointmentReply {
    AppointmentReply {
        appointment: appointment().appointment,
        starts_at_ms: T0_MS,
        answer: Rsvp::Reschedule,
        comment: Some("Jeg har skole til 10".into()),
    }
}

fn question() -> Question {
    Question {
        question: CareId::from_parts(T0_MS as u64, [0x61; 10]),
        revision: 1,
        text: "Hvordan var mødet i dag?".into(),
        form: QuestionForm::Smileys,
        comment: true,
        closed: false,
    }
}

fn choices(list: &[&str]) -> QuestionForm {
    QuestionForm::Choices {
        choices: list.iter().map(|c| c.to_string()).collect(),
    }
}

fn feedback() -> FeedbackAnswer {
    FeedbackAnswer {
        question: question().question,
        value: 4,
        comment: Some("Godt".into()),
    }
}

fn payload(text: &str, care: Care) -> MessagePayload {
    MessagePayload {
        v: 1,
        text: text.into(),
        care: Some(care),
        files: Vec::new(),
    }
}

#[test]
fn payload_snapshots() {
    let cases = [
        (
            "card_appointment",
            payload(
                "Aftale: Samtale om praktik",
                Care::Appointment(appointment()),
            ),
        ),
        (
            "card_appointment_reply",
            payload("Kan vi flytte det?", Care::AppointmentReply(reply())),
        ),
        (
            "card_question",
            payload(
                "Spørgsmål: Hvordan var mødet i dag?",
                Care::Question(question()),
            ),
        ),
        (
            "card_question_choices",
            payload(
                "Spørgsmål: Hvornår passer det?",
                Care::Question(Question {
                    text: "Hvornår passer det?".into(),
                    form: choices(&["Mandag", "Tirsdag"]),
                    comment: false,
                    ..question()
                }),
            ),
        ),
        (
            "card_feedback",
            payload("Svar: 4 af 5", Care::Feedback(feedback())),
        ),
    ];
    for (name, p) in cases {
        insta::assert_json_snapshot!(name, p);
        let json = serde_json::to_string(&p).unwrap();
        let back: MessagePayload = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p, "{name} does not survive a round trip");
        // What a client without cards shows: the text.
        let plain: PlainPayload = serde_json::from_str(&json).unwrap();
        assert_eq!(plain.text, p.text);
    }
}

#[test]
fn variant_names() {
    for r in Rsvp::ALL {
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            format!("\"{}\"", r.as_str())
        );
        assert_eq!(Rsvp::parse(r.as_str()), Some(r));
    }
    assert_eq!(Rsvp::parse("maybe"), None);
    for (form, name, values) in [
        (QuestionForm::Smileys, "smileys", 5),
        (QuestionForm::YesNo, "yes_no", 2),
        (choices(&["a", "b", "c"]), "choices", 3),
    ] {
        assert_eq!(form.as_str(), name);
        assert_eq!(form.values(), values);
    }
    assert_eq!(QuestionForm::YesNo.label(1), "Ja");
    assert_eq!(QuestionForm::YesNo.label(2), "Nej");
    assert_eq!(choices(&["a", "b"]).label(2), "b");
    assert_eq!(choices(&["a", "b"]).label(0), "");
}

#[test]
fn appointment_validation_table() {
    assert_eq!(appointment().validate(), Ok(()));
    let table: Vec<(&str, Appointment, &str)> = vec![
        (
            "no title",
            Appointment {
                title: " ".into(),
                ..appointment()
            },
            "needs a title",
        ),
        (
            "a long title",
            Appointment {
                title: "x".repeat(121),
                ..appointment()
            },
            "too long",
        ),
        (
            "a long place",
            Appointment {
                place: "x".repeat(121),
                ..appointment()
            },
            "too long",
        ),
        (
            "a long note",
            Appointment {
                note: "x".repeat(501),
                ..appointment()
            },
            "too long",
        ),
        (
            "no length",
            Appointment {
                minutes: 0,
                ..appointment()
            },
            "1 minute to 24 hours",
        ),
        (
            "two days",
            Appointment {
                minutes: 2880,
                ..appointment()
            },
            "1 minute to 24 hours",
        ),
        (
            "year 1970",
            Appointment {
                starts_at_ms: 0,
                ..appointment()
            },
            "not a real date",
        ),
        (
            "the end of time",
            Appointment {
                starts_at_ms: i64::MAX,
                ..appointment()
            },
            "not a real date",
        ),
        (
            "a plain http link",
            Appointment {
                link: Some("http://video.kommune.dk".into()),
                ..appointment()
            },
            "https://",
        ),
        (
            "a javascript link",
            Appointment {
                link: Some("javascript:alert(1)".into()),
                ..appointment()
            },
            "https://",
        ),
        (
            "a link with a space",
            Appointment {
                link: Some("https://a b".into()),
                ..appointment()
            },
            "no spaces",
        ),
        (
            "a long link",
            Appointment {
                link: Some(format!("https://{}", "x".repeat(500))),
                ..appointment()
            },
            "too long",
        ),
        (
            "five reminders",
            Appointment {
                reminders: vec![1, 2, 3, 4, 5],
                ..appointment()
            },
            "at most 4",
        ),
        (
            "a reminder at the start",
            Appointment {
                reminders: vec![0],
                ..appointment()
            },
            "1 minute to 14 days",
        ),
        (
            "a reminder a month before",
            Appointment {
                reminders: vec![30 * 1440],
                ..appointment()
            },
            "1 minute to 14 days",
        ),
        (
            "the same reminder twice",
            Appointment {
                reminders: vec![60, 60],
                ..appointment()
            },
            "twice",
        ),
    ];
    for (what, a, says) in table {
        let err = a.validate().expect_err(what);
        assert!(err.0.contains(says), "{what}: {}", err.0);
    }
    let long = AppointmentReply {
        comment: Some("x".repeat(501)),
        ..reply()
    };
    assert!(long.validate().unwrap_err().0.contains("too long"));
}

#[test]
fn question_and_answer_validation_table() {
    assert_eq!(question().validate(), Ok(()));
    let table: Vec<(&str, Question, &str)> = vec![
        (
            "no text",
            Question {
                text: "".into(),
                ..question()
            },
            "needs a text",
        ),
        (
            "a long text",
            Question {
                text: "x".repeat(201),
                ..question()
            },
            "too long",
        ),
        (
            "one choice",
            Question {
                form: choices(&["a"]),
                ..question()
            },
            "2 to 6",
        ),
        (
            "seven choices",
            Question {
                form: choices(&["1", "2", "3", "4", "5", "6", "7"]),
                ..question()
            },
            "2 to 6",
        ),
        (
            "an empty choice",
            Question {
                form: choices(&["a", " "]),
                ..question()
            },
            "1 to 60",
        ),
        (
            "a choice twice",
            Question {
                form: choices(&["a", "a "]),
                ..question()
            },
            "twice",
        ),
    ];
    for (what, q, says) in table {
        let err = q.validate().expect_err(what);
        assert!(err.0.contains(says), "{what}: {}", err.0);
    }
    assert_eq!(feedback().validate(), Ok(()));
    let zero = FeedbackAnswer {
        value: 0,
        ..feedback()
    };
    assert!(zero.validate().is_err());
    let long = FeedbackAnswer {
        comment: Some("x".repeat(501)),
        ..feedback()
    };
    assert!(long.validate().unwrap_err().0.contains("too long"));
    // Whether a value fits depends on the form.
    for (form, ok, bad) in [
        (QuestionForm::Smileys, 5, 6),
        (QuestionForm::YesNo, 2, 3),
        (choices(&["a", "b", "c"]), 3, 4),
    ] {
        let a = |value| FeedbackAnswer {
            value,
            ..feedback()
        };
        assert_eq!(a(ok).fits(&form), Ok(()));
        assert!(a(bad).fits(&form).unwrap_err().0.contains("does not fit"));
    }
}
