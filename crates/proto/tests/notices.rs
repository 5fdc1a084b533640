//! The wire form of consents (issue 9): snapshot, and what a client may not send.

use samtale_proto::notices::{
    Channel, CodeSent, Consent, ConsentHow, ConsentView, ContactState, GiveConsent, NoticeKind,
    NoticeState, NoticeView, Purpose, RecordConsent, VerifyContact, WithdrawConsent,
};
use samtale_proto::{UnitId, UserId};

fn consent() -> Consent {
    Consent {
        citizen: UserId::from_parts(1, [1; 10]),
        unit: "Ungeindsatsen".into(),
        purpose: Purpose::NewMessages,
        channel: Channel::Sms,
        given_at_ms: 1_795_000_000_000,
        given_by: UserId::from_parts(2, [2; 10]),
        by_parent: true,
        how: ConsentHow::Recorded {
            note: "mundtligt ved møde 12.11".into(),
        },
        withdrawn_at_ms: None,
    }
}

#[test]
fn wire_snapshots() {
    insta::assert_json_snapshot!("consent", consent());
    insta::assert_json_snapshot!(
        "consent_withdrawn_in_app",
        Consent {
            how: ConsentHow::InApp,
            by_parent: false,
            withdrawn_at_ms: Some(1_796_000_000_000),
            ..consent()
        }
    );
    insta::assert_json_snapshot!(
        "contact_states",
        [
            ContactState::Verified,
            ContactState::Unverified,
            ContactState::Bounced
        ]
    );
}

#[test]
fn consent_and_notice_wire_snapshots() {
    let unit = UnitId::from_parts(3, [3; 10]);
    insta::assert_json_snapshot!(
        "give_consent",
        GiveConsent {
            unit: unit.clone(),
            purpose: Purpose::MeetingReminders,
            channel: Channel::Email,
            for_youth: Some(UserId::from_parts(1, [1; 10])),
        }
    );
    insta::assert_json_snapshot!(
        "record_consent",
        RecordConsent {
            unit: unit.clone(),
            purpose: Purpose::NewMessages,
            channel: Channel::Sms,
            note: "mundtligt ved møde 12.11".into(),
            given_by: None,
        }
    );
    insta::assert_json_snapshot!(
        "withdraw_consent",
        WithdrawConsent {
            unit,
            purpose: Purpose::NewMessages,
            channel: Channel::Sms,
            for_youth: None,
        }
    );
    insta::assert_json_snapshot!(
        "consent_view",
        ConsentView {
            id: "c1".into(),
            unit_name: "Ungeindsatsen".into(),
            consent: consent(),
        }
    );
    insta::assert_json_snapshot!(
        "code_sent",
        CodeSent {
            channel: Channel::Sms,
            expires_at_ms: 1_795_000_600_000,
        }
    );
    insta::assert_json_snapshot!(
        "notice_view",
        NoticeView {
            id: "n1".into(),
            citizen: UserId::from_parts(1, [1; 10]),
            channel: Channel::Sms,
            kind: NoticeKind::NewMessage,
            state: NoticeState::Sent,
            reason: "sms: samtykke fra 03.11, nummeret bekræftet 04.11; sendt kl. 09.12".into(),
            attempts: 2,
            created_at_ms: 1_795_000_000_000,
            sent_at_ms: Some(1_795_000_060_000),
        }
    );
}

#[test]
fn a_client_sends_only_the_fields_it_may() {
    let unit = UnitId::from_parts(3, [3; 10]);
    let give = serde_json::json!({"unit": unit, "purpose": "new_messages", "channel": "sms",
        "given_at_ms": 1});
    assert!(
        serde_json::from_value::<GiveConsent>(give).is_err(),
        "no backdating"
    );
    let verify = serde_json::json!({"code": "123456", "channel": "sms"});
    assert!(serde_json::from_value::<VerifyContact>(verify).is_err());
}

#[test]
fn unknown_channels_and_purposes_are_refused() {
    let mut v = serde_json::to_value(consent()).expect("json");
    v["channel"] = "brevdue".into();
    assert!(serde_json::from_value::<Consent>(v).is_err());
    let mut v = serde_json::to_value(consent()).expect("json");
    v["purpose"] = "reklame".into();
    assert!(serde_json::from_value::<Consent>(v).is_err());
}

#[test]
fn unit_letterhead_wire_snapshots_and_checks() {
    use samtale_proto::api::{Letterhead, NewUnit, UnitInfo};
    let letterhead = Letterhead {
        address: "Rådhuset\nSkolegade 1\n7100 Vejle".into(),
        phone: "76 81 00 00".into(),
        email: "ungeindsatsen@vejle.dk".into(),
        hours: "mandag-fredag 9-15".into(),
    };
    insta::assert_json_snapshot!(
        "unit_info",
        UnitInfo {
            id: UnitId::from_parts(3, [3; 10]),
            name: "Ungeindsatsen".into(),
            letterhead: letterhead.clone(),
        }
    );
    // A unit without a letterhead keeps the wire form it had.
    let bare = serde_json::to_value(UnitInfo {
        id: UnitId::from_parts(3, [3; 10]),
        name: "Ungeindsatsen".into(),
        letterhead: Letterhead::default(),
    })
    .expect("json");
    assert_eq!(bare.as_object().map(|o| o.len()), Some(2), "{bare}");
    insta::assert_json_snapshot!(
        "new_unit",
        NewUnit {
            name: "Ungeindsatsen".into(),
            letterhead: letterhead.clone(),
        }
    );
    // Unknown fields are refused.
    assert!(serde_json::from_str::<NewUnit>(r#"{"name":"x","letterhead":{"fax":"1"}}"#).is_err());
    // Blank lines and spaces go; too many lines, a control character, a long field or an
    // e-mail address without "@" are refused with the field named.
    let tidy = Letterhead {
        address: "  Rådhuset \n\n 7100 Vejle ".into(),
        phone: " 76 81 00 00 ".into(),
        ..Letterhead::default()
    }
    .checked()
    .expect("fine");
    assert_eq!(tidy.address, "Rådhuset\n7100 Vejle");
    assert_eq!(tidy.phone, "76 81 00 00");
    let bad = |l: Letterhead| l.checked().expect_err("refused");
    assert!(
        bad(Letterhead {
            address: "a\nb\nc\nd\ne".into(),
            ..letterhead.clone()
        })
        .contains("address")
    );
    assert!(
        bad(Letterhead {
            phone: "1\u{7}".into(),
            ..letterhead.clone()
        })
        .contains("phone")
    );
    assert!(
        bad(Letterhead {
            hours: "x".repeat(201),
            ..letterhead.clone()
        })
        .contains("hours")
    );
    assert!(
        bad(Letterhead {
            email: "vejle.dk".into(),
            ..letterhead
        })
        .contains("@")
    );
}
