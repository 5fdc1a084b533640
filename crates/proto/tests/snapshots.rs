//! Snapshot tests of every wire type in `samtale-proto`.
//!
//! Each type gets one realistic, fixed value whose JSON is pinned in `tests/snapshots/`. A change
//! to a field name, a variant's spelling or an encoding shows up as a failing snapshot, so the
//! wire format cannot change by accident. Every value is also round-tripped through JSON, request
//! bodies are checked to reject unknown fields, and response bodies to tolerate them (see the
//! compatibility rules in the crate docs).
//!
//! To accept intended changes: `INSTA_UPDATE=always cargo test -p samtale-proto --test snapshots`,
//! then read the changed `.snap` files before committing them.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

use samtale_proto::api::{
    AckRequest, CreateInvitation, CreateStaff, CreateThread, DeviceInfo, DeviceKeys,
    DeviceLoginRequest, DeviceRegistration, Health, InvitationInfo, JoinPreview,
    JoinPreviewRequest, JoinProof, JoinRequest, LoginRequest, MeResponse, MemberInfo,
    PostEnvelopeResponse, ReceiptRequest, Role, SessionInfo, SetMembers, TenantInfo, ThreadInfo,
    ThreadKind, UserInfo,
};
use samtale_proto::devices::{
    AcceptLink, AdminPassword, AdminReset, AdminResetDone, CreateLinkRequest, DeviceLink,
    DeviceList, DeviceProof, LinkClaimRequest, LinkPreview, LinkPreviewRequest, LinkRequestInfo,
    LinkStatus, OwnDevice,
};
use samtale_proto::invite::{ProofKind, format_code, qr_payload};
use samtale_proto::payload::MessagePayload;
use samtale_proto::{
    B64, DeviceId, EnvelopeHeader, EnvelopeId, ErrorBody, ErrorCode, EventBody, InboxEvent,
    InboxPage, InvitationId, LinkId, PROTOCOL_VERSION, PayloadKind, ReceiptKind, SealedEnvelope,
    TenantId, ThreadId, UserId, WsFrame,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Serializes with serde_json (what actually goes over the wire), reads it back and compares.
fn round_trip<T>(value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_string(value).expect("serializes");
    let back: T = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("does not read back its own JSON {json}: {e}"));
    assert_eq!(
        &back, value,
        "round trip changed the value; JSON was {json}"
    );
}

/// Pins the JSON of `value` under `name` and checks that it round-trips.
macro_rules! snap {
    ($name:literal, $value:expr) => {{
        let value = $value;
        insta::assert_json_snapshot!($name, value);
        round_trip(&value);
    }};
}

/// The serde_json text of `value` with one extra top-level field.
fn json_with_extra_field<T: Serialize>(value: &T) -> String {
    let mut json = serde_json::to_value(value).expect("serializes");
    json.as_object_mut().expect("a JSON object").insert(
        "zz_added_later".to_owned(),
        serde_json::json!("ukendt felt"),
    );
    json.to_string()
}

/// Requests are `deny_unknown_fields`: a misspelt or new field is an error.
fn assert_rejects_unknown_field<T>(value: &T)
where
    T: Serialize + DeserializeOwned + Debug,
{
    let json = json_with_extra_field(value);
    let err = serde_json::from_str::<T>(&json).expect_err(&format!(
        "{} accepted an unknown field: {json}",
        std::any::type_name::<T>()
    ));
    assert!(
        err.to_string().contains("unknown field `zz_added_later`"),
        "{}: unexpected error {err}",
        std::any::type_name::<T>()
    );
}

/// Responses and events tolerate unknown fields, so a newer server does not break older clients.
fn assert_accepts_unknown_field<T>(value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = json_with_extra_field(value);
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| {
        panic!(
            "{} rejected an unknown field: {e}\n{json}",
            std::any::type_name::<T>()
        )
    });
    assert_eq!(&back, value);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Fixed values
// ---------------------------------------------------------------------------------------------

/// 14 November 2023, 22:13:20 UTC.
const T0: u64 = 1_700_000_000_000;
const T0_MS: i64 = 1_700_000_000_000;

fn tenant_id() -> TenantId {
    TenantId::from_parts(T0, [1; 10])
}
fn caseworker_id() -> UserId {
    UserId::from_parts(T0 + 1_000, [3; 10])
}
fn youth_id() -> UserId {
    UserId::from_parts(T0 + 2_000, [4; 10])
}
fn parent_id() -> UserId {
    UserId::from_parts(T0 + 3_000, [5; 10])
}
fn caseworker_device_id() -> DeviceId {
    DeviceId::from_parts(T0 + 1_000, [0x11; 10])
}
fn youth_device_id() -> DeviceId {
    DeviceId::from_parts(T0 + 2_000, [0x12; 10])
}
fn thread_id() -> ThreadId {
    ThreadId::from_parts(T0 + 10_000, [0x21; 10])
}
fn envelope_id(n: u8) -> EnvelopeId {
    EnvelopeId::from_parts(T0 + 20_000 + u64::from(n), [0x30 + n; 10])
}
fn invitation_id() -> InvitationId {
    InvitationId::from_parts(T0 + 5_000, [0x41; 10])
}

/// A 32-byte MAC.
fn mac(seed: u8) -> B64 {
    B64((0..32u8)
        .map(|i| i.wrapping_mul(7).wrapping_add(seed))
        .collect())
}

fn tenant_info() -> TenantInfo {
    TenantInfo {
        id: tenant_id(),
        name: "Ærø Kommune".to_owned(),
        slug: "aeroe".to_owned(),
    }
}

fn caseworker_info() -> UserInfo {
    UserInfo {
        id: caseworker_id(),
        tenant: tenant_id(),
        role: Role::Caseworker,
        display_name: "Mette Sørensen".to_owned(),
    }
}

fn youth_info() -> UserInfo {
    UserInfo {
        id: youth_id(),
        tenant: tenant_id(),
        role: Role::Youth,
        display_name: "Mikkel Østergård".to_owned(),
    }
}

fn caseworker_keys() -> DeviceKeys {
    DeviceKeys {
        enc: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p".to_owned(),
        sign: B64((0..32u8).collect()),
    }
}

fn youth_keys() -> DeviceKeys {
    DeviceKeys {
        enc: "age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg".to_owned(),
        sign: B64((0..32u8).rev().collect()),
    }
}

fn youth_registration() -> DeviceRegistration {
    DeviceRegistration {
        name: "Mikkels telefon".to_owned(),
        keys: youth_keys(),
    }
}

fn join_proof() -> JoinProof {
    JoinProof {
        invitation: invitation_id(),
        kind: ProofKind::Code,
        mac: mac(0xA0),
    }
}

/// A staff device: no join proof.
fn caseworker_device() -> DeviceInfo {
    DeviceInfo {
        id: caseworker_device_id(),
        user: caseworker_id(),
        name: "Mettes bærbare".to_owned(),
        keys: caseworker_keys(),
        created_at_ms: T0_MS + 1_000,
        join_proof: None,
        link: None,
        chain: 0,
        revoked_at_ms: None,
    }
}

/// A citizen's first device: carries its join proof.
fn youth_device() -> DeviceInfo {
    DeviceInfo {
        id: youth_device_id(),
        user: youth_id(),
        name: "Mikkels telefon".to_owned(),
        keys: youth_keys(),
        created_at_ms: T0_MS + 2_000,
        join_proof: Some(join_proof()),
        link: None,
        chain: 0,
        revoked_at_ms: None,
    }
}

fn linked_device_id() -> DeviceId {
    DeviceId::from_parts(T0 + 3_000, [0x44; 10])
}

/// A youth's second phone, vouched for by his first, in his second key chain, since removed.
fn linked_device() -> DeviceInfo {
    DeviceInfo {
        id: linked_device_id(),
        user: youth_id(),
        name: "Mikkels nye telefon".to_owned(),
        keys: caseworker_keys(),
        created_at_ms: T0_MS + 3_000,
        join_proof: None,
        link: Some(DeviceLink {
            signer: youth_device_id(),
            at_ms: T0_MS + 2_500,
            signature: B64(vec![0x6C; 64]),
        }),
        chain: 1,
        revoked_at_ms: Some(T0_MS + 9_000),
    }
}

fn link_id() -> LinkId {
    LinkId::from_parts(T0 + 2_400, [0x55; 10])
}

fn thread_info() -> ThreadInfo {
    ThreadInfo {
        id: thread_id(),
        tenant: tenant_id(),
        kind: ThreadKind::Youth,
        created_by: caseworker_id(),
        created_at_ms: T0_MS + 10_000,
        members: vec![
            MemberInfo {
                user: caseworker_info(),
                devices: vec![caseworker_device()],
            },
            MemberInfo {
                user: youth_info(),
                devices: vec![youth_device()],
            },
        ],
        unit: None,
    }
}

fn envelope_header() -> EnvelopeHeader {
    EnvelopeHeader {
        v: PROTOCOL_VERSION,
        id: envelope_id(1),
        thread: thread_id(),
        sender: caseworker_id(),
        sender_device: caseworker_device_id(),
        kind: PayloadKind::Message,
        sent_at_ms: T0_MS + 20_001,
    }
}

fn sealed_envelope() -> SealedEnvelope {
    let mut ciphertext = b"age-encryption.org/v1\n-> X25519 ".to_vec();
    ciphertext.extend((0..48u8).map(|i| i.wrapping_mul(31)));
    SealedEnvelope {
        header: envelope_header(),
        ciphertext: B64(ciphertext),
        signature: B64((0..64u8).map(|i| 0xFF - i).collect()),
    }
}

fn receipt_body() -> EventBody {
    EventBody::Receipt {
        thread: thread_id(),
        user: youth_id(),
        device: youth_device_id(),
        kind: ReceiptKind::Read,
        envelopes: vec![envelope_id(1), envelope_id(2)],
        signature: Some(B64(vec![0x72; 64])),
    }
}

// ---------------------------------------------------------------------------------------------
// Exhaustive variant lists: adding a variant breaks the build here, so it cannot be forgotten.
// ---------------------------------------------------------------------------------------------

fn all_roles() -> Vec<Role> {
    let all = vec![Role::Admin, Role::Caseworker, Role::Youth, Role::Parent];
    for r in &all {
        match r {
            Role::Admin | Role::Caseworker | Role::Youth | Role::Parent => {}
        }
    }
    all
}

fn all_thread_kinds() -> Vec<ThreadKind> {
    let all = vec![ThreadKind::Youth, ThreadKind::Parents, ThreadKind::Family];
    for k in &all {
        match k {
            ThreadKind::Youth | ThreadKind::Parents | ThreadKind::Family => {}
        }
    }
    all
}

fn all_payload_kinds() -> Vec<PayloadKind> {
    let all = vec![
        PayloadKind::Message,
        PayloadKind::CheckIn,
        PayloadKind::Feedback,
    ];
    for k in &all {
        match k {
            PayloadKind::Message | PayloadKind::CheckIn | PayloadKind::Feedback => {}
        }
    }
    all
}

fn all_receipt_kinds() -> Vec<ReceiptKind> {
    let all = vec![ReceiptKind::Delivered, ReceiptKind::Read];
    for k in &all {
        match k {
            ReceiptKind::Delivered | ReceiptKind::Read => {}
        }
    }
    all
}

fn all_proof_kinds() -> Vec<ProofKind> {
    let all = vec![ProofKind::Code, ProofKind::Qr];
    for k in &all {
        match k {
            ProofKind::Code | ProofKind::Qr => {}
        }
    }
    all
}

/// `ErrorCode` is `#[non_exhaustive]`, so the compiler cannot check this list from outside the
/// crate: keep it in step with `error.rs` by hand.
fn all_error_codes() -> Vec<ErrorCode> {
    vec![
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::TooLarge,
        ErrorCode::InvalidInvitation,
        ErrorCode::BadSignature,
        ErrorCode::RateLimited,
        ErrorCode::BadCredentials,
        ErrorCode::LinkRequired,
        ErrorCode::DeviceLimit,
        ErrorCode::InvalidLink,
        ErrorCode::Disabled,
        ErrorCode::QuotaExceeded,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::Unknown,
    ]
}

fn all_event_bodies() -> Vec<EventBody> {
    let all = vec![
        EventBody::Envelope {
            envelope: sealed_envelope(),
        },
        receipt_body(),
        EventBody::Thread {
            thread: thread_info(),
        },
        EventBody::Device {
            device: youth_device(),
        },
        EventBody::DeviceRevoked {
            user: youth_id(),
            device: linked_device_id(),
            revoked_at_ms: T0_MS + 9_000,
        },
        EventBody::RefusedNewDevice {
            device_name: "Fremmed pc".to_owned(),
        },
    ];
    for b in &all {
        match b {
            EventBody::Envelope { .. }
            | EventBody::Receipt { .. }
            | EventBody::Thread { .. }
            | EventBody::Device { .. }
            | EventBody::DeviceRevoked { .. }
            | EventBody::RefusedNewDevice { .. } => {}
            // Only ever read, never sent: covered by `unknown_types_read_as_unknown`.
            EventBody::Unknown => {}
        }
    }
    all
}

fn all_ws_frames() -> Vec<WsFrame> {
    let all = vec![WsFrame::More { seq: 4_711 }];
    for f in &all {
        match f {
            WsFrame::More { .. } => {}
            WsFrame::Unknown => {}
        }
    }
    all
}

// ---------------------------------------------------------------------------------------------
// ids.rs, bytes.rs
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct AllIds {
    tenant: TenantId,
    user: UserId,
    device: DeviceId,
    thread: ThreadId,
    envelope: EnvelopeId,
    invitation: InvitationId,
}

#[test]
fn ids() {
    snap!(
        "ids",
        AllIds {
            tenant: tenant_id(),
            user: caseworker_id(),
            device: caseworker_device_id(),
            thread: thread_id(),
            envelope: envelope_id(1),
            invitation: invitation_id(),
        }
    );
    // A malformed id is a deserialization error, not a silently accepted string.
    assert!(serde_json::from_str::<UserId>("\"01hzzzzzzzzzzzzzzzzzzzzzzz\"").is_err());
    assert!(serde_json::from_str::<UserId>("42").is_err());
}

#[test]
fn b64() {
    snap!(
        "b64",
        vec![
            B64(vec![]),
            B64(vec![0]),
            B64(vec![0, 1, 2, 250, 251, 255]),
            B64("Hej med dig, Åse!".as_bytes().to_vec()),
        ]
    );
    // Standard base64 with padding or `+`/`/` is not what we send and is refused.
    assert!(serde_json::from_str::<B64>("\"AAEC+vv/\"").is_err());
    assert!(serde_json::from_str::<B64>("\"AA==\"").is_err());
}

// ---------------------------------------------------------------------------------------------
// Small enums: every variant, and `as_str` agrees with serde
// ---------------------------------------------------------------------------------------------

fn serde_name<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value).expect("serializes") {
        serde_json::Value::String(s) => s,
        other => panic!("expected a JSON string, got {other}"),
    }
}

#[test]
fn role_all_variants() {
    snap!("role_all_variants", all_roles());
    for r in all_roles() {
        assert_eq!(serde_name(r), r.as_str());
        assert_eq!(Role::parse(r.as_str()), Some(r));
        round_trip(&r);
    }
}

#[test]
fn thread_kind_all_variants() {
    snap!("thread_kind_all_variants", all_thread_kinds());
    for k in all_thread_kinds() {
        assert_eq!(serde_name(k), k.as_str());
        assert_eq!(ThreadKind::parse(k.as_str()), Some(k));
        round_trip(&k);
    }
}

#[test]
fn payload_kind_all_variants() {
    snap!("payload_kind_all_variants", all_payload_kinds());
    for k in all_payload_kinds() {
        // `as_str` is what the envelope signature covers; it must match the JSON spelling.
        assert_eq!(serde_name(k), k.as_str());
        round_trip(&k);
    }
}

#[test]
fn receipt_kind_all_variants() {
    snap!("receipt_kind_all_variants", all_receipt_kinds());
    for k in all_receipt_kinds() {
        assert_eq!(serde_name(k), k.as_str());
        round_trip(&k);
    }
}

#[test]
fn proof_kind_all_variants() {
    snap!("proof_kind_all_variants", all_proof_kinds());
    for k in all_proof_kinds() {
        round_trip(&k);
    }
}

// ---------------------------------------------------------------------------------------------
// error.rs
// ---------------------------------------------------------------------------------------------

#[test]
fn error_code_all_variants() {
    snap!("error_code_all_variants", all_error_codes());
    for c in all_error_codes() {
        round_trip(&c);
    }
}

#[test]
fn error_code_unknown_string_is_unknown() {
    assert_eq!(
        serde_json::from_str::<ErrorCode>("\"payment_required\"").unwrap(),
        ErrorCode::Unknown
    );
    let body: ErrorBody =
        serde_json::from_str(r#"{"code":"insurance_required","message":"Kvoten er brugt op."}"#)
            .unwrap();
    assert_eq!(body.code, ErrorCode::Unknown);
    assert_eq!(body.message, "Kvoten er brugt op.");
}

#[test]
fn error_body() {
    snap!(
        "error_body",
        ErrorBody {
            code: ErrorCode::InvalidInvitation,
            message: "Koden er forkert, brugt eller udløbet. Spørg din kontaktperson om en ny."
                .to_owned(),
        }
    );
}

// ---------------------------------------------------------------------------------------------
// api.rs
// ---------------------------------------------------------------------------------------------

#[test]
fn tenant_info_snapshot() {
    snap!("tenant_info", tenant_info());
}

#[test]
fn user_info() {
    snap!("user_info", caseworker_info());
}

#[test]
fn device_keys() {
    snap!("device_keys", caseworker_keys());
}

#[test]
fn device_registration() {
    snap!("device_registration", youth_registration());
}

#[test]
fn join_proof_snapshot() {
    snap!("join_proof", join_proof());
}

#[test]
fn device_info() {
    snap!("device_info_staff", caseworker_device());
    snap!("device_info_citizen_with_join_proof", youth_device());
}

#[test]
fn login_request() {
    snap!(
        "login_request_known_device",
        LoginRequest {
            tenant: "aeroe".to_owned(),
            username: "mette.soerensen".to_owned(),
            password: "rødgrød med fløde".to_owned(),
            device_id: Some(caseworker_device_id()),
            new_device: None,
            device_proof: Some(DeviceProof {
                at_ms: T0_MS,
                signature: B64(vec![0x50; 64]),
            }),
        }
    );
    snap!(
        "login_request_new_device",
        LoginRequest {
            tenant: "aeroe".to_owned(),
            username: "mette.soerensen".to_owned(),
            password: "rødgrød med fløde".to_owned(),
            device_id: None,
            new_device: Some(DeviceRegistration {
                name: "Mettes bærbare".to_owned(),
                keys: caseworker_keys(),
            }),
            device_proof: None,
        }
    );
}

#[test]
fn device_login_request() {
    snap!(
        "device_login_request",
        DeviceLoginRequest {
            device: youth_device_id(),
            at_ms: T0_MS,
            signature: B64(vec![0x51; 64]),
        }
    );
    assert_rejects_unknown_field(&DeviceLoginRequest {
        device: youth_device_id(),
        at_ms: T0_MS,
        signature: B64(vec![0x51; 64]),
    });
}

/// What a device signs to log in: pinned byte for byte, like the envelope's signed bytes.
#[test]
fn device_login_signing_bytes() {
    let bytes = samtale_proto::api::device_login_bytes(&youth_device_id(), T0_MS);
    insta::assert_snapshot!("device_login_signing_bytes_hex", hex(&bytes));
}

#[test]
fn session_info() {
    snap!(
        "session_info",
        SessionInfo {
            token: B64(vec![0x5A; 32]).encode(),
            expires_at_ms: T0_MS + 30 * 24 * 3_600_000,
            user: caseworker_info(),
            device: caseworker_device_id(),
        }
    );
}

#[test]
fn create_invitation() {
    snap!(
        "create_invitation_parent",
        CreateInvitation {
            id: invitation_id(),
            role: Role::Parent,
            display_name: "Lærke Østergård".to_owned(),
            youth: Some(youth_id()),
            inviter_proof_code: mac(0xC0),
            inviter_proof_qr: mac(0xD0),
            ttl_minutes: Some(7 * 24 * 60),
            user: None,
        }
    );
    snap!(
        "create_invitation_again_after_a_reset",
        CreateInvitation {
            id: invitation_id(),
            role: Role::Youth,
            display_name: "Mikkel Østergård".to_owned(),
            youth: None,
            inviter_proof_code: mac(0xC0),
            inviter_proof_qr: mac(0xD0),
            ttl_minutes: None,
            user: Some(youth_id()),
        }
    );
}

#[test]
fn invitation_info() {
    snap!(
        "invitation_info",
        InvitationInfo {
            id: invitation_id(),
            server_part: "K7QD2M9X".to_owned(),
            role: Role::Parent,
            display_name: "Lærke Østergård".to_owned(),
            youth: Some(youth_id()),
            inviter: caseworker_id(),
            inviter_device: caseworker_device_id(),
            expires_at_ms: T0_MS + 7 * 24 * 3_600_000,
            joined_user: None,
        }
    );
}

#[test]
fn join_preview_request() {
    snap!(
        "join_preview_request",
        JoinPreviewRequest {
            code: "K7QD2M9X".to_owned(),
        }
    );
}

#[test]
fn join_preview() {
    snap!(
        "join_preview",
        JoinPreview {
            invitation: invitation_id(),
            tenant: tenant_info(),
            role: Role::Youth,
            display_name: "Mikkel Østergård".to_owned(),
            inviter: caseworker_info(),
            inviter_device: caseworker_device(),
            inviter_proof_code: mac(0xC0),
            inviter_proof_qr: mac(0xD0),
            expires_at_ms: T0_MS + 7 * 24 * 3_600_000,
        }
    );
}

#[test]
fn join_request() {
    snap!(
        "join_request",
        JoinRequest {
            code: "K7QD2M9X".to_owned(),
            display_name: "Mikkel Østergård".to_owned(),
            device: youth_registration(),
            proof_kind: ProofKind::Qr,
            proof_mac: mac(0xA0),
        }
    );
}

#[test]
fn me_response() {
    snap!(
        "me_response",
        MeResponse {
            tenant: tenant_info(),
            user: youth_info(),
            device: youth_device(),
        }
    );
}

#[test]
fn create_staff() {
    snap!(
        "create_staff",
        CreateStaff {
            role: Role::Caseworker,
            username: "soeren.aeblegaard".to_owned(),
            display_name: "Søren Æblegård".to_owned(),
            password: "blåbærgrød-2024".to_owned(),
        }
    );
}

#[test]
fn create_thread() {
    snap!(
        "create_thread",
        CreateThread {
            kind: ThreadKind::Family,
            members: vec![youth_id(), parent_id()],
        }
    );
}

#[test]
fn set_members() {
    snap!(
        "set_members",
        SetMembers {
            members: vec![caseworker_id(), youth_id(), parent_id()],
        }
    );
}

#[test]
fn member_info() {
    snap!(
        "member_info",
        MemberInfo {
            user: youth_info(),
            devices: vec![youth_device()],
        }
    );
}

#[test]
fn thread_info_snapshot() {
    snap!("thread_info", thread_info());
}

#[test]
fn post_envelope_response() {
    snap!(
        "post_envelope_response",
        vec![
            PostEnvelopeResponse { stored: true },
            PostEnvelopeResponse { stored: false },
        ]
    );
}

#[test]
fn receipt_request() {
    snap!(
        "receipt_request",
        ReceiptRequest {
            thread: thread_id(),
            kind: ReceiptKind::Delivered,
            envelopes: vec![envelope_id(1), envelope_id(2)],
            signature: B64(vec![0x72; 64]),
        }
    );
}

/// What a device signs for a receipt: pinned byte for byte.
#[test]
fn receipt_signing_bytes() {
    let bytes = samtale_proto::api::receipt_bytes(
        &thread_id(),
        &youth_device_id(),
        ReceiptKind::Read,
        &[envelope_id(1), envelope_id(2)],
    );
    insta::assert_snapshot!("receipt_signing_bytes_hex", hex(&bytes));
}

/// What a device signs to vouch for another: pinned byte for byte.
#[test]
fn device_link_signing_bytes() {
    let bytes = samtale_proto::devices::device_link_bytes(
        &youth_id(),
        1,
        &linked_device_id(),
        &caseworker_keys(),
        &youth_device_id(),
        T0_MS + 2_500,
    );
    insta::assert_snapshot!("device_link_signing_bytes_hex", hex(&bytes));
}

#[test]
fn device_trust_wire_types() {
    snap!("device_info_linked_revoked", linked_device());
    snap!(
        "create_link_request",
        CreateLinkRequest {
            id: link_id(),
            device_id: linked_device_id(),
            device: DeviceRegistration {
                name: "Mikkels nye telefon".to_owned(),
                keys: caseworker_keys(),
            },
            proof_code: mac(0xE0),
            proof_qr: mac(0xF0),
        }
    );
    snap!(
        "link_request_info",
        LinkRequestInfo {
            id: link_id(),
            server_part: "K7QD2M9X".to_owned(),
            expires_at_ms: T0_MS + 900_000,
        }
    );
    snap!(
        "link_preview_request",
        LinkPreviewRequest {
            code: "K7QD2M9X".to_owned(),
        }
    );
    snap!(
        "link_preview",
        LinkPreview {
            id: link_id(),
            device_id: linked_device_id(),
            name: "Mikkels nye telefon".to_owned(),
            keys: caseworker_keys(),
            proof_code: mac(0xE0),
            proof_qr: mac(0xF0),
            expires_at_ms: T0_MS + 900_000,
        }
    );
    let accept = AcceptLink {
        code: "K7QD2M9X".to_owned(),
        proof_kind: ProofKind::Qr,
        signer_proof: mac(0xB0),
        link: linked_device().link.expect("linked"),
    };
    snap!("accept_link", accept.clone());
    let claim = LinkClaimRequest {
        at_ms: T0_MS,
        signature: B64(vec![0x43; 64]),
    };
    snap!("link_claim_request", claim.clone());
    snap!(
        "link_status_pending",
        LinkStatus::Pending {
            expires_at_ms: T0_MS + 900_000,
        }
    );
    let linked = LinkStatus::Linked {
        session: SessionInfo {
            token: B64(vec![0x5A; 32]).encode(),
            expires_at_ms: T0_MS,
            user: youth_info(),
            device: linked_device_id(),
        },
        tenant: tenant_info(),
        device: linked_device(),
        signer: youth_device(),
        proof_kind: ProofKind::Code,
        signer_proof: mac(0xB0),
        inbox_head: 42,
    };
    snap!("link_status_linked", linked.clone());
    let list = DeviceList {
        devices: vec![OwnDevice {
            device: linked_device(),
            last_seen_ms: T0_MS + 8_000,
            stale: false,
        }],
    };
    snap!("device_list", list.clone());
    let proof = DeviceProof {
        at_ms: T0_MS,
        signature: B64(vec![0x50; 64]),
    };
    snap!("device_proof", proof.clone());
    let password = AdminPassword {
        password: "nyt kodeord".to_owned(),
    };
    snap!("admin_password", password.clone());
    let reset = AdminReset { password: None };
    snap!("admin_reset", reset.clone());
    snap!("admin_reset_done", AdminResetDone { chain: 2 });

    assert_rejects_unknown_field(&accept);
    assert_rejects_unknown_field(&claim);
    assert_rejects_unknown_field(&proof);
    assert_rejects_unknown_field(&password);
    assert_rejects_unknown_field(&reset);
    assert_accepts_unknown_field(&linked_device());
    assert_accepts_unknown_field(&linked);
    assert_accepts_unknown_field(&list);
    // A device from a server that predates device trust reads as a chain's first device.
    let old = r#"{"id":"01HF7YAT000000000000000000","user":"01HF7YAT000000000000000000","name":"x","keys":{"enc":"age1x","sign":"AAAA"},"created_at_ms":1,"join_proof":null}"#;
    let d: DeviceInfo = serde_json::from_str(old).expect("old device info");
    assert_eq!((d.link, d.chain, d.revoked_at_ms), (None, 0, None));
}

#[test]
fn ack_request() {
    snap!("ack_request", AckRequest { seq: 4_711 });
}

#[test]
fn health() {
    snap!(
        "health",
        Health {
            status: "ok".to_owned(),
            version: "0.1.0".to_owned(),
        }
    );
}

/// Optional request fields marked `#[serde(default)]` may be left out entirely.
#[test]
fn optional_request_fields_may_be_omitted() {
    let login: LoginRequest = serde_json::from_str(
        r#"{"tenant":"aeroe","username":"mette.soerensen","password":"hemmelig"}"#,
    )
    .unwrap();
    assert_eq!(login.device_id, None);
    assert_eq!(login.new_device, None);

    let inv: CreateInvitation = serde_json::from_value(serde_json::json!({
        "id": invitation_id(),
        "role": "youth",
        "display_name": "Mikkel Østergård",
        "inviter_proof_code": mac(0xC0),
        "inviter_proof_qr": mac(0xD0),
    }))
    .unwrap();
    assert_eq!(inv.youth, None);
    assert_eq!(inv.ttl_minutes, None);
}

// ---------------------------------------------------------------------------------------------
// envelope.rs
// ---------------------------------------------------------------------------------------------

#[test]
fn envelope_header_snapshot() {
    snap!("envelope_header", envelope_header());
}

#[test]
fn sealed_envelope_snapshot() {
    snap!("sealed_envelope", sealed_envelope());
}

/// The signed byte layout, pinned: changing it invalidates every signature in the field.
#[test]
fn envelope_header_signing_bytes() {
    let bytes = envelope_header().signing_bytes(&[7u8; 32]);
    insta::assert_snapshot!("envelope_header_signing_bytes_hex", hex(&bytes));
}

// ---------------------------------------------------------------------------------------------
// event.rs
// ---------------------------------------------------------------------------------------------

#[test]
fn event_body_all_variants() {
    let events: Vec<InboxEvent> = all_event_bodies()
        .into_iter()
        .enumerate()
        .map(|(i, body)| InboxEvent {
            seq: 100 + i as u64,
            at_ms: T0_MS + 30_000 + i as i64,
            body,
        })
        .collect();
    let [envelope, receipt, thread, device, revoked, refused]: [InboxEvent; 6] =
        events.try_into().expect("six variants");
    snap!("inbox_event_envelope", envelope);
    snap!("inbox_event_receipt", receipt);
    snap!("inbox_event_thread", thread);
    snap!("inbox_event_device", device);
    snap!("inbox_event_device_revoked", revoked);
    snap!("inbox_event_refused_new_device", refused);
    // The body alone (without `seq`/`at_ms`) round-trips as well.
    for body in all_event_bodies() {
        round_trip(&body);
    }
}

#[test]
fn inbox_page() {
    snap!(
        "inbox_page",
        InboxPage {
            events: vec![InboxEvent {
                seq: 101,
                at_ms: T0_MS + 30_001,
                body: receipt_body(),
            }],
            next: 101,
            more: true,
        }
    );
    snap!(
        "inbox_page_empty",
        InboxPage {
            events: vec![],
            next: 4_711,
            more: false,
        }
    );
}

#[test]
fn ws_frame_all_variants() {
    snap!("ws_frame_all_variants", all_ws_frames());
    for f in all_ws_frames() {
        round_trip(&f);
    }
}

// ---------------------------------------------------------------------------------------------
// payload.rs, invite.rs (text formats), constants
// ---------------------------------------------------------------------------------------------

/// The release queue's request and listing (`/v1/scheduled`).
#[test]
fn scheduled_snapshots() {
    snap!(
        "schedule_request",
        samtale_proto::api::ScheduleRequest {
            envelope: sealed_envelope(),
            release_at_ms: T0_MS + 86_400_000,
            to: Some(vec![caseworker_id()]),
        }
    );
    snap!(
        "held_envelope",
        vec![samtale_proto::api::HeldEnvelope {
            id: envelope_id(1),
            thread: thread_id(),
            release_at_ms: T0_MS + 86_400_000,
        }]
    );
    assert_rejects_unknown_field(&samtale_proto::api::ScheduleRequest {
        envelope: sealed_envelope(),
        release_at_ms: T0_MS,
        to: None,
    });
}

#[test]
fn message_payload() {
    snap!(
        "message_payload",
        MessagePayload {
            v: 1,
            text: "Hej Mikkel! Husk mødet på torsdag kl. 14 på rådhuset. 😊".to_owned(),
            care: None,
            files: Vec::new(),
        }
    );
}

/// The typed code and the QR payload are wire formats too: another client must read them.
#[test]
fn invitation_code_text_forms() {
    insta::assert_snapshot!(
        "invitation_code_text_forms",
        format!(
            "typed: {}\nqr: {}",
            format_code("K7QD2M9X", "4HPZ0TNE"),
            qr_payload("https://samtale.aeroe.dk:8443", "K7QD2M9X", &[7u8; 32]),
        )
    );
}

#[test]
fn protocol_constants() {
    insta::assert_json_snapshot!(
        "protocol_constants",
        serde_json::json!({
            "PROTOCOL_VERSION": PROTOCOL_VERSION,
            "MAX_CIPHERTEXT_BYTES": samtale_proto::MAX_CIPHERTEXT_BYTES,
            "MAX_MESSAGE_BYTES": samtale_proto::MAX_MESSAGE_BYTES,
            "MAX_PAGE": samtale_proto::MAX_PAGE,
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown fields: requests reject them, responses and events accept them
// ---------------------------------------------------------------------------------------------

#[test]
fn requests_reject_unknown_fields() {
    assert_accepts_unknown_field(&caseworker_keys());
    assert_accepts_unknown_field(&join_proof());
    assert_rejects_unknown_field(&youth_registration());
    assert_rejects_unknown_field(&LoginRequest {
        tenant: "aeroe".to_owned(),
        username: "mette.soerensen".to_owned(),
        password: "hemmelig".to_owned(),
        device_id: Some(caseworker_device_id()),
        new_device: None,
        device_proof: None,
    });
    assert_rejects_unknown_field(&CreateInvitation {
        id: invitation_id(),
        role: Role::Youth,
        display_name: "Mikkel Østergård".to_owned(),
        youth: None,
        inviter_proof_code: mac(0xC0),
        inviter_proof_qr: mac(0xD0),
        ttl_minutes: None,
        user: None,
    });
    assert_rejects_unknown_field(&JoinPreviewRequest {
        code: "K7QD2M9X".to_owned(),
    });
    assert_rejects_unknown_field(&JoinRequest {
        code: "K7QD2M9X".to_owned(),
        display_name: "Mikkel Østergård".to_owned(),
        device: youth_registration(),
        proof_kind: ProofKind::Code,
        proof_mac: mac(0xA0),
    });
    assert_rejects_unknown_field(&CreateStaff {
        role: Role::Admin,
        username: "aase.kjaer".to_owned(),
        display_name: "Åse Kjær".to_owned(),
        password: "hemmelig".to_owned(),
    });
    assert_rejects_unknown_field(&CreateThread {
        kind: ThreadKind::Parents,
        members: vec![parent_id()],
    });
    assert_rejects_unknown_field(&SetMembers {
        members: vec![caseworker_id(), parent_id()],
    });
    assert_rejects_unknown_field(&ReceiptRequest {
        thread: thread_id(),
        kind: ReceiptKind::Read,
        envelopes: vec![envelope_id(1)],
        signature: B64(vec![0x72; 64]),
    });
    assert_rejects_unknown_field(&CreateLinkRequest {
        id: link_id(),
        device_id: linked_device_id(),
        device: youth_registration(),
        proof_code: mac(0xE0),
        proof_qr: mac(0xF0),
    });
    assert_rejects_unknown_field(&LinkPreviewRequest {
        code: "K7QD2M9X".to_owned(),
    });
    assert_rejects_unknown_field(&AckRequest { seq: 1 });
    assert_rejects_unknown_field(&envelope_header());
    assert_rejects_unknown_field(&sealed_envelope());

    // An unknown field inside a nested request part is refused too.
    let mut json = serde_json::to_value(sealed_envelope()).unwrap();
    json["header"]
        .as_object_mut()
        .unwrap()
        .insert("zz_added_later".to_owned(), serde_json::json!(1));
    assert!(serde_json::from_value::<SealedEnvelope>(json).is_err());
}

#[test]
fn responses_accept_unknown_fields() {
    assert_accepts_unknown_field(&tenant_info());
    assert_accepts_unknown_field(&caseworker_info());
    assert_accepts_unknown_field(&youth_device());
    assert_accepts_unknown_field(&SessionInfo {
        token: B64(vec![0x5A; 32]).encode(),
        expires_at_ms: T0_MS,
        user: caseworker_info(),
        device: caseworker_device_id(),
    });
    assert_accepts_unknown_field(&InvitationInfo {
        id: invitation_id(),
        server_part: "K7QD2M9X".to_owned(),
        role: Role::Youth,
        display_name: "Mikkel Østergård".to_owned(),
        youth: None,
        inviter: caseworker_id(),
        inviter_device: caseworker_device_id(),
        expires_at_ms: T0_MS,
        joined_user: Some(youth_id()),
    });
    assert_accepts_unknown_field(&JoinPreview {
        invitation: invitation_id(),
        tenant: tenant_info(),
        role: Role::Youth,
        display_name: "Mikkel Østergård".to_owned(),
        inviter: caseworker_info(),
        inviter_device: caseworker_device(),
        inviter_proof_code: mac(0xC0),
        inviter_proof_qr: mac(0xD0),
        expires_at_ms: T0_MS,
    });
    assert_accepts_unknown_field(&MeResponse {
        tenant: tenant_info(),
        user: youth_info(),
        device: youth_device(),
    });
    assert_accepts_unknown_field(&MemberInfo {
        user: youth_info(),
        devices: vec![youth_device()],
    });
    assert_accepts_unknown_field(&thread_info());
    assert_accepts_unknown_field(&PostEnvelopeResponse { stored: true });
    assert_accepts_unknown_field(&Health {
        status: "ok".to_owned(),
        version: "0.1.0".to_owned(),
    });
    assert_accepts_unknown_field(&ErrorBody {
        code: ErrorCode::NotFound,
        message: "Findes ikke.".to_owned(),
    });
    for body in all_event_bodies() {
        assert_accepts_unknown_field(&body);
        assert_accepts_unknown_field(&InboxEvent {
            seq: 7,
            at_ms: T0_MS,
            body,
        });
    }
    assert_accepts_unknown_field(&InboxPage {
        events: vec![InboxEvent {
            seq: 7,
            at_ms: T0_MS,
            body: receipt_body(),
        }],
        next: 7,
        more: false,
    });
    for frame in all_ws_frames() {
        assert_accepts_unknown_field(&frame);
    }
    assert_accepts_unknown_field(&MessagePayload {
        v: 1,
        text: "Hej".to_owned(),
        care: None,
        files: Vec::new(),
    });
}

#[test]
fn unknown_types_read_as_unknown() {
    let ev: InboxEvent =
        serde_json::from_str(r#"{"seq":9,"at_ms":1,"type":"reaction","emoji":"👍"}"#).unwrap();
    assert_eq!(ev.body, EventBody::Unknown);
    assert_eq!(ev.seq, 9);
    let page: InboxPage = serde_json::from_str(
        r#"{"events":[{"seq":9,"at_ms":1,"type":"future"}],"next":9,"more":false}"#,
    )
    .unwrap();
    assert_eq!(page.events[0].body, EventBody::Unknown);
    let frame: WsFrame = serde_json::from_str(r#"{"type":"ping","n":1}"#).unwrap();
    assert_eq!(frame, WsFrame::Unknown);
}
