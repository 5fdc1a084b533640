//! A small local store for the receiving rules' unit tests: Sara (caseworker), Mikkel (youth),
//! Mette (parent) and Jonas (youth); thread 1 is Mikkel's own, thread 2 the family's, thread 3
//! Jonas's. Envelope headers are made up with a sender and a send time.

use rusqlite::{Connection, params};
use samtale_proto::{
    DeviceId, EnvelopeHeader, EnvelopeId, PROTOCOL_VERSION, PayloadKind, ThreadId, UserId,
};

pub(crate) fn uid(n: u8) -> UserId {
    UserId::from_parts(1, [n; 10])
}

pub(crate) fn tid(n: u8) -> ThreadId {
    ThreadId::from_parts(1, [n; 10])
}

/// Sara (caseworker), Mikkel (youth), Mette (parent); thread 1 is Mikkel's own, thread 2
/// the family's, thread 3 another youth's (Jonas).
pub(crate) fn world() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = crate::db::open(&dir.path().join("t.db"), &[3; 32]).unwrap();
    for (n, role, name) in [
        (1, "caseworker", "Sara"),
        (2, "youth", "Mikkel"),
        (3, "parent", "Mette"),
        (4, "youth", "Jonas"),
    ] {
        conn.execute(
            "INSERT INTO users (id, role, display_name) VALUES (?1, ?2, ?3)",
            params![uid(n).as_str(), role, name],
        )
        .unwrap();
    }
    for (t, kind, members) in [
        (1, "youth", vec![1, 2]),
        (2, "family", vec![1, 2, 3]),
        (3, "youth", vec![1, 4]),
    ] {
        conn.execute(
            "INSERT INTO threads (id, kind, created_by, created_at) VALUES (?1, ?2, ?3, 0)",
            params![tid(t).as_str(), kind, uid(1).as_str()],
        )
        .unwrap();
        for m in members {
            conn.execute(
                "INSERT INTO members (thread_id, user_id) VALUES (?1, ?2)",
                [tid(t).as_str(), uid(m).as_str()],
            )
            .unwrap();
        }
    }
    (dir, conn)
}

pub(crate) fn header(n: u8, thread: u8, sender: u8, sent_at_ms: i64) -> EnvelopeHeader {
    EnvelopeHeader {
        v: PROTOCOL_VERSION,
        id: EnvelopeId::from_parts(2, [n; 10]),
        thread: tid(thread),
        sender: uid(sender),
        sender_device: DeviceId::from_parts(3, [sender; 10]),
        kind: PayloadKind::Message,
        sent_at_ms,
    }
}

pub(crate) fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

pub(crate) fn notices(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT body FROM messages WHERE kind = 'notice' ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
