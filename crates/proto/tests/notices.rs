//! The wire form of consents (issue 9): snapshot, and what a client may not send.

use samtale_proto::UserId;
use samtale_proto::notices::{Channel, Consent, ConsentHow, ContactState, Purpose};

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
fn unknown_channels_and_purposes_are_refused() {
    let mut v = serde_json::to_value(consent()).expect("json");
    v["channel"] = "brevdue".into();
    assert!(serde_json::from_value::<Consent>(v).is_err());
    let mut v = serde_json::to_value(consent()).expect("json");
    v["purpose"] = "reklame".into();
    assert!(serde_json::from_value::<Consent>(v).is_err());
}
