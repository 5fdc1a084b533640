//! The care tools' sealed payloads: their JSON pinned by snapshot (they are a wire format
//! between clients of different versions), what an older client reads of them, and the
//! validation table of each.
//!
//! To accept intended changes: `INSTA_UPDATE=always cargo test -p samtale-proto --test care`,
//! then read the changed `.snap` files before committing them.

use samtale_proto::care::{
    Care, CareEvent, CheckInAnswer, CheckInPlan, EventCategory, PlanStatus, SlotTime, Weekday,
};
use samtale_proto::payload::{MessagePayload, PlainPayload};
use samtale_proto::{CareId, UserId};

const T0_MS: i64 = 1_774_771_200_000; // 2026-03-29 08:00 UTC

fn plan() -> CheckInPlan {
    CheckInPlan {
        plan: CareId::from_parts(T0_MS as u64, [0x31; 10]),
        revision: 2,
        youth: UserId::from_parts(T0_MS as u64, [0x22; 10]),
        question: "Hvordan har du det lige nu?".into(),
        times: vec![
            SlotTime {
                days: vec![
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                ],
                hour: 8,
                minute: 0,
            },
            SlotTime {
                days: vec![Weekday::Sat, Weekday::Sun],
                hour: 11,
                minute: 0,
            },
        ],
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
    }
}

fn answer() -> CheckInAnswer {
    CheckInAnswer {
        plan: plan().plan,
        slot_ms: T0_MS,
        score: 2,
        tags: vec!["skole".into()],
        note: Some("Træt".into()),
    }
}

fn event() -> CareEvent {
    CareEvent {
        event: CareId::from_parts(T0_MS as u64, [0x44; 10]),
        revision: 1,
        youth: plan().youth,
        at_ms: T0_MS - 86_400_000,
        category: EventCategory::SchoolChange,
        text: "Skifter til 8. klasse på Vestskolen".into(),
        shared: false,
        deleted: false,
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

fn round_trip(p: &MessagePayload) {
    let json = serde_json::to_string(p).unwrap();
    let back: MessagePayload = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, p);
}

#[test]
fn payload_snapshots() {
    let cases = [
        (
            "care_check_in_plan",
            payload(
                "Smiley-plan: \"Hvordan har du det lige nu?\"",
                Care::CheckInPlan(plan()),
            ),
        ),
        (
            "care_check_in",
            payload("Smiley: 2 af 5", Care::CheckIn(answer())),
        ),
        (
            "care_event",
            payload("Hændelse: Skifter skole", Care::Event(event())),
        ),
    ];
    for (name, p) in cases {
        insta::assert_json_snapshot!(name, p);
        round_trip(&p);
    }
}

#[test]
fn variant_names() {
    let names = |v: Vec<String>| v.join(",");
    assert_eq!(
        names(Weekday::ALL.iter().map(|d| d.as_str().to_owned()).collect()),
        "mon,tue,wed,thu,fri,sat,sun"
    );
    for d in Weekday::ALL {
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            format!("\"{}\"", d.as_str())
        );
        assert_eq!(Weekday::parse(d.as_str()), Some(d));
    }
    for c in EventCategory::ALL {
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!("\"{}\"", c.as_str())
        );
        assert_eq!(EventCategory::parse(c.as_str()), Some(c));
    }
    for s in [PlanStatus::Active, PlanStatus::Paused, PlanStatus::Stopped] {
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{}\"", s.as_str())
        );
    }
}

/// An older client reads a care payload's text and ignores the rest; a newer client's unknown
/// care type fails the full parse but leaves the text readable.
#[test]
fn older_and_newer_clients() {
    let json = serde_json::to_string(&payload("Smiley: 2 af 5", Care::CheckIn(answer()))).unwrap();
    #[derive(serde::Deserialize)]
    struct OldPayload {
        v: u16,
        text: String,
    }
    let old: OldPayload = serde_json::from_str(&json).unwrap();
    assert_eq!((old.v, old.text.as_str()), (1, "Smiley: 2 af 5"));
    let newer =
        r#"{"v":1,"text":"Aftale: møde tirsdag","care":{"type":"appointment_v9","title":"x"}}"#;
    assert!(serde_json::from_str::<MessagePayload>(newer).is_err());
    let plain: PlainPayload = serde_json::from_str(newer).unwrap();
    assert_eq!(plain.text, "Aftale: møde tirsdag");
}

#[test]
fn plan_validation_table() {
    let ok = plan();
    assert_eq!(ok.validate(), Ok(()));
    let table: Vec<(&str, CheckInPlan, &str)> = vec![
        (
            "no question",
            CheckInPlan {
                question: "  ".into(),
                ..plan()
            },
            "needs a question",
        ),
        (
            "a long question",
            CheckInPlan {
                question: "x".repeat(201),
                ..plan()
            },
            "too long",
        ),
        (
            "no times",
            CheckInPlan {
                times: vec![],
                ..plan()
            },
            "no times",
        ),
        (
            "nine times",
            CheckInPlan {
                times: (0..9)
                    .map(|h| SlotTime {
                        days: vec![Weekday::Mon],
                        hour: h,
                        minute: 0,
                    })
                    .collect(),
                ..plan()
            },
            "at most 8",
        ),
        (
            "hour 24",
            CheckInPlan {
                times: vec![SlotTime {
                    days: vec![Weekday::Mon],
                    hour: 24,
                    minute: 0,
                }],
                ..plan()
            },
            "not a time of day",
        ),
        (
            "minute 60",
            CheckInPlan {
                times: vec![SlotTime {
                    days: vec![Weekday::Mon],
                    hour: 8,
                    minute: 60,
                }],
                ..plan()
            },
            "not a time of day",
        ),
        (
            "a time with no days",
            CheckInPlan {
                times: vec![SlotTime {
                    days: vec![],
                    hour: 8,
                    minute: 0,
                }],
                ..plan()
            },
            "no weekdays",
        ),
        (
            "the same time twice on a Monday",
            CheckInPlan {
                times: vec![
                    SlotTime {
                        days: vec![Weekday::Mon],
                        hour: 8,
                        minute: 0,
                    },
                    SlotTime {
                        days: vec![Weekday::Mon, Weekday::Tue],
                        hour: 8,
                        minute: 0,
                    },
                ],
                ..plan()
            },
            "twice",
        ),
        (
            "a 5-minute window",
            CheckInPlan {
                window_minutes: 5,
                ..plan()
            },
            "window",
        ),
        (
            "a 13-hour window",
            CheckInPlan {
                window_minutes: 780,
                ..plan()
            },
            "window",
        ),
        (
            "thirteen tags",
            CheckInPlan {
                tags: (0..13).map(|i| format!("t{i}")).collect(),
                ..plan()
            },
            "at most 12 tags",
        ),
        (
            "an empty tag",
            CheckInPlan {
                tags: vec![" ".into()],
                ..plan()
            },
            "1 to 30",
        ),
        (
            "a tag twice",
            CheckInPlan {
                tags: vec!["skole".into(), "skole".into()],
                ..plan()
            },
            "twice",
        ),
    ];
    for (what, p, says) in table {
        let err = p.validate().expect_err(what);
        assert!(err.0.contains(says), "{what}: {}", err.0);
    }
}

#[test]
fn answer_and_event_validation() {
    assert_eq!(answer().validate(), Ok(()));
    for score in [0u8, 6, 255] {
        let a = CheckInAnswer { score, ..answer() };
        assert!(a.validate().unwrap_err().0.contains("1 to 5"), "{score}");
    }
    let long = CheckInAnswer {
        note: Some("x".repeat(501)),
        ..answer()
    };
    assert!(long.validate().unwrap_err().0.contains("too long"));
    assert_eq!(event().validate(), Ok(()));
    let vague = CareEvent {
        category: EventCategory::Other,
        text: " ".into(),
        ..event()
    };
    assert!(vague.validate().unwrap_err().0.contains("what happened"));
    let long = CareEvent {
        text: "x".repeat(501),
        ..event()
    };
    assert!(long.validate().unwrap_err().0.contains("too long"));
}
