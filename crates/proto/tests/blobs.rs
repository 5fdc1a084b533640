//! Files on the wire: the blob routes' bodies and a message carrying files, pinned by snapshot;
//! what an older client reads of such a message; requests refuse unknown fields; and the checks
//! a client makes of a received file reference.
//!
//! To accept intended changes: `INSTA_UPDATE=always cargo test -p samtale-proto --test blobs`,
//! then read the changed `.snap` files before committing them.

use samtale_proto::blobs::{BlobPolicy, BlobStatus, CreateBlob, FileRef, check_file_name};
use samtale_proto::payload::{MessagePayload, PlainPayload};
use samtale_proto::{B64, BlobId, ThreadId};

const T0: u64 = 1_780_477_200_000;

fn file() -> FileRef {
    FileRef {
        blob: BlobId::from_parts(T0, [0x71; 10]),
        name: "Uddannelsesplan æøå.pdf".into(),
        mime: "application/pdf".into(),
        size: 120_000,
        cipher_size: 120_250,
        sha256: B64(vec![0xab; 32]),
        key: "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ".into(),
        thumbnail: None,
    }
}

#[test]
fn wire_snapshots() {
    let thread = ThreadId::from_parts(T0, [0x72; 10]);
    insta::assert_json_snapshot!(
        "blob_create",
        CreateBlob {
            id: file().blob,
            thread: thread.clone(),
            size: 120_250,
        }
    );
    insta::assert_json_snapshot!(
        "blob_status",
        BlobStatus {
            id: file().blob,
            thread,
            size: 5_000_000,
            chunk_size: 2 << 20,
            chunks: 3,
            received: 1,
            complete: false,
        }
    );
    insta::assert_json_snapshot!(
        "blob_policy",
        BlobPolicy {
            max_file_bytes: 100_000_000,
            chunk_size: 2 << 20,
            free_bytes: 49_000_000_000,
            allowed_types: None,
        }
    );
    insta::assert_json_snapshot!(
        "blob_policy_with_types",
        BlobPolicy {
            max_file_bytes: 20_000_000,
            chunk_size: 2 << 20,
            free_bytes: 1_000_000_000,
            allowed_types: Some(vec!["application/pdf".into(), "image/*".into()]),
        }
    );
    let payload = MessagePayload {
        v: 1,
        text: "Her er planen".into(),
        care: None,
        files: vec![
            file(),
            FileRef {
                blob: BlobId::from_parts(T0, [0x73; 10]),
                name: "IMG_2041.jpg".into(),
                mime: "image/jpeg".into(),
                thumbnail: Some(B64(vec![0xff, 0xd8, 0xff, 0xe0])),
                ..file()
            },
        ],
    };
    insta::assert_json_snapshot!("message_with_files", payload);
    // A message without files has no `files` key: older clients' payloads are unchanged.
    let plain = serde_json::to_value(MessagePayload {
        files: Vec::new(),
        ..payload.clone()
    })
    .unwrap();
    assert!(plain.get("files").is_none(), "{plain}");
    // An older client reads the text.
    let old: PlainPayload =
        serde_json::from_value(serde_json::to_value(&payload).unwrap()).unwrap();
    assert_eq!(old.text, "Her er planen");
}

#[test]
fn requests_refuse_unknown_fields() {
    let mut v = serde_json::to_value(CreateBlob {
        id: file().blob,
        thread: ThreadId::from_parts(T0, [1; 10]),
        size: 1,
    })
    .unwrap();
    v["owner"] = "someone".into();
    assert!(serde_json::from_value::<CreateBlob>(v).is_err());
}

#[test]
fn received_file_references_are_checked() {
    assert!(file().check().is_ok());
    let bad = [
        FileRef {
            name: String::new(),
            ..file()
        },
        FileRef {
            name: "../../.bashrc".into(),
            ..file()
        },
        FileRef {
            name: "a\\b.pdf".into(),
            ..file()
        },
        FileRef {
            name: "x\u{0}.pdf".into(),
            ..file()
        },
        FileRef {
            name: "n".repeat(121),
            ..file()
        },
        FileRef {
            sha256: B64(vec![1; 31]),
            ..file()
        },
        FileRef {
            cipher_size: 0,
            ..file()
        },
        FileRef {
            cipher_size: 10_000_000,
            ..file()
        },
        FileRef {
            mime: "pdf".into(),
            ..file()
        },
        FileRef {
            thumbnail: Some(B64(vec![0; 7000])),
            ..file()
        },
    ];
    for f in bad {
        assert!(f.check().is_err(), "{f:?}");
    }
    for ok in ["Plan.pdf", "billede 1.jpg", "æøå 🙂.txt", ".env"] {
        assert!(check_file_name(ok).is_ok(), "{ok}");
    }
    for bad in [".", "..", "a/b"] {
        assert!(check_file_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn type_rules_name_types_or_families() {
    use samtale_proto::blobs::{check_type_rule, type_allowed};
    for ok in [
        "application/pdf",
        "image/*",
        "application/vnd.ms-excel",
        "text/plain",
    ] {
        assert!(check_type_rule(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "pdf",
        "*/*",
        "image/",
        "/pdf",
        "Image/PNG",
        "image/png;x=1",
        "a/b/c",
        "image/ *",
    ] {
        assert!(check_type_rule(bad).is_err(), "{bad}");
    }
    let rules = vec!["application/pdf".to_owned(), "image/*".to_owned()];
    assert!(type_allowed(Some(&rules), "application/pdf"));
    assert!(type_allowed(Some(&rules), "image/jpeg"));
    assert!(!type_allowed(Some(&rules), "text/plain"));
    assert!(!type_allowed(Some(&rules), "application/pdfx"));
    assert!(
        !type_allowed(Some(&[]), "application/pdf"),
        "an empty list allows nothing"
    );
    assert!(type_allowed(None, "text/plain"), "no list: every type");
}
