//! Storing a record mark that arrives (after `inbound` has checked the sender's device, its
//! signature and membership, and opened the envelope): only a caseworker in the conversation
//! marks messages, and only messages of that conversation. Marks are idempotent, so a replayed
//! envelope changes nothing; a mark that breaks a rule is kept out and told once as a notice.

use rusqlite::{Connection, params};
use samtale_proto::EnvelopeHeader;
use samtale_proto::api::Role;
use samtale_proto::records::RecordMark;

use super::store::{self, Mark};
use crate::checkins::apply::role_in;
use crate::error::ClientError;
use crate::inbound::{Applied, notice};

/// The line a record adds to the conversation.
pub(crate) fn describe(m: &RecordMark) -> String {
    let n = m.messages.len();
    let messages = format!("{n} {}", if n == 1 { "besked" } else { "beskeder" });
    let what = match (&m.checkins, n) {
        (None, _) => messages,
        (Some(span), 0) => format!("smiley-svar {}", super::pdf::span_da(span)),
        (Some(span), _) => format!("{messages} og smiley-svar {}", super::pdf::span_da(span)),
    };
    format!(
        "Journaliseret i sag {}: {} ({what})",
        m.case_number.trim(),
        m.title.trim(),
    )
}

pub(crate) fn mark(
    conn: &Connection,
    h: &EnvelopeHeader,
    m: &RecordMark,
    sender_name: &str,
) -> Result<Applied, ClientError> {
    let thread = h.thread.clone();
    let refuse = |why: &str| -> Result<Applied, ClientError> {
        notice(
            conn,
            &thread,
            &format!("En journalisering fra {sender_name} blev afvist: {why}."),
        )?;
        Ok(Applied::Done(thread.clone()))
    };
    if role_in(conn, &h.thread, &h.sender)? != Some(Role::Caseworker) {
        return refuse("kun en sagsbehandler journaliserer");
    }
    if m.validate().is_err() {
        return refuse("den er ikke udfyldt rigtigt");
    }
    // Every message must be this conversation's; one that has not arrived here yet is marked
    // when it comes (the mark is stored by id).
    for id in &m.messages {
        let elsewhere: bool = conn.query_row(
            "SELECT count(*) FROM messages WHERE id = ?1 AND thread_id != ?2",
            params![id.as_str(), h.thread.as_str()],
            |r| r.get::<_, i64>(0),
        )? > 0;
        if elsewhere {
            return refuse("den nævner en besked fra en anden samtale");
        }
    }
    // Inside the caller's transaction (the round applies a page of envelopes in one).
    let text = describe(m);
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
         VALUES (?1, ?2, ?3, ?4, 'record', ?5, ?6, ?7, 'received')",
        params![h.id.as_str(), h.thread.as_str(), h.sender.as_str(), h.sender_device.as_str(), text, h.sent_at_ms, crate::engine::now_ms()],
    )?;
    for id in &m.messages {
        store::insert_mark(
            conn,
            &Mark {
                message: id.as_str(),
                record: &m.record,
                thread: &h.thread,
                at: m.recorded_at_ms,
                case_number: &m.case_number,
                title: &m.title,
                by: h.sender.as_str(),
            },
        )?;
    }
    Ok(if inserted == 1 {
        Applied::Received(thread)
    } else {
        Applied::Done(thread)
    })
}

#[cfg(test)]
mod tests {
    use samtale_proto::{CareId, EnvelopeId};

    use super::*;
    use crate::testworld::{count, header, notices, tid, uid, world};

    const T: i64 = 1_780_477_200_000;

    /// A message `n` in thread `t` from user `from`.
    fn message(conn: &Connection, n: u8, t: u8, from: u8) -> EnvelopeId {
        let id = EnvelopeId::from_parts(9, [n; 10]);
        conn.execute(
            "INSERT INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
             VALUES (?1, ?2, ?3, 'd', 'message', 'hej', ?4, ?4, 'received')",
            params![id.as_str(), tid(t).as_str(), uid(from).as_str(), T],
        )
        .unwrap();
        id
    }

    fn mark_of(messages: Vec<EnvelopeId>) -> RecordMark {
        RecordMark {
            record: CareId::from_parts(5, [1; 10]),
            case_number: "27.12.08-G01-1-26".into(),
            title: "Samtale om skolen".into(),
            messages,
            recorded_at_ms: T,
            checkins: None,
        }
    }

    /// Only a caseworker of the conversation marks, only its own messages; a replay adds
    /// nothing; a mark for a message not here yet is kept for when it comes.
    #[test]
    fn only_a_caseworker_marks_and_only_this_conversations_messages() {
        let (_dir, conn) = world();
        let mine = message(&conn, 1, 1, 2);
        let jonas = message(&conn, 2, 3, 4);
        // Mikkel (youth) and Mette (parent) cannot mark.
        mark(
            &conn,
            &header(1, 1, 2, T),
            &mark_of(vec![mine.clone()]),
            "Mikkel",
        )
        .unwrap();
        mark(
            &conn,
            &header(2, 2, 3, T),
            &mark_of(vec![mine.clone()]),
            "Mette",
        )
        .unwrap();
        // Sara cannot mark Jonas's message from Mikkel's conversation, nor send an empty one.
        mark(
            &conn,
            &header(3, 1, 1, T),
            &mark_of(vec![mine.clone(), jonas]),
            "Sara",
        )
        .unwrap();
        mark(&conn, &header(4, 1, 1, T), &mark_of(vec![]), "Sara").unwrap();
        assert_eq!(count(&conn, "record_marks"), 0);
        assert_eq!(notices(&conn).len(), 4);
        assert!(notices(&conn)[0].contains("kun en sagsbehandler"));
        assert!(notices(&conn)[2].contains("en anden samtale"));

        let later = EnvelopeId::from_parts(9, [7; 10]);
        let ok = mark_of(vec![mine.clone(), later.clone()]);
        let h = header(5, 1, 1, T);
        assert_eq!(
            mark(&conn, &h, &ok, "Sara").unwrap(),
            Applied::Received(tid(1))
        );
        assert_eq!(mark(&conn, &h, &ok, "Sara").unwrap(), Applied::Done(tid(1)));
        assert_eq!(count(&conn, "record_marks"), 2);
        let seen = store::mark_of(&conn, mine.as_str(), tid(1).as_str())
            .unwrap()
            .unwrap();
        assert_eq!(seen.by, "Sara");
        assert_eq!(seen.case_number, "27.12.08-G01-1-26");
        assert!(
            store::mark_of(&conn, later.as_str(), tid(1).as_str())
                .unwrap()
                .is_some()
        );
        assert!(
            store::mark_of(&conn, mine.as_str(), tid(3).as_str())
                .unwrap()
                .is_none()
        );
        let lines: i64 = conn
            .query_row(
                "SELECT count(*) FROM messages WHERE kind = 'record'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(lines, 1);
    }

    /// A record of check-ins only names no message; its line says which period went in.
    #[test]
    fn a_period_of_check_ins_is_a_mark_without_messages() {
        let (_dir, conn) = world();
        let span = samtale_proto::records::CheckInSpan {
            from_ms: 1_793_487_600_000, // 1.11.2026 00.00 in Denmark
            to_ms: 1_796_079_600_000,   // 1.12.2026 00.00
        };
        let m = RecordMark {
            checkins: Some(span),
            ..mark_of(vec![])
        };
        assert_eq!(
            describe(&m),
            "Journaliseret i sag 27.12.08-G01-1-26: Samtale om skolen (smiley-svar 01.11.2026–30.11.2026)"
        );
        assert_eq!(
            mark(&conn, &header(6, 1, 1, T), &m, "Sara").unwrap(),
            Applied::Received(tid(1))
        );
        assert_eq!(count(&conn, "record_marks"), 0, "no message to mark");
        assert!(notices(&conn).is_empty(), "{:?}", notices(&conn));
        // A period turned round is refused like any broken mark.
        let bad = RecordMark {
            checkins: Some(samtale_proto::records::CheckInSpan {
                from_ms: span.to_ms,
                to_ms: span.from_ms,
            }),
            ..mark_of(vec![])
        };
        mark(&conn, &header(7, 1, 1, T), &bad, "Sara").unwrap();
        assert_eq!(notices(&conn).len(), 1);
    }
}
