//! Storing cards that arrive (after `inbound` has checked the sender's device, its signature
//! and membership, and opened the envelope): the rules of who may send what. The sending side
//! checks the same rules through [`card_refusal`] and [`reply_refusal`] before it seals.
//!
//! - Only staff in the conversation put an appointment or a question there, or change it; a
//!   card id stays in its conversation and its kind. The newest revision wins.
//! - Any member replies to an appointment; only members who are not staff answer a question,
//!   with a value the question offers. A member's newest reply wins.
//! - A reply or an answer signed after the card was cancelled or closed does not count, in
//!   whichever order the two arrive.
//!
//! Everything is idempotent, so a replayed envelope changes nothing. A card that breaks a rule
//! is kept out and told once as a notice; a broken reply only in the log.

use rusqlite::{Connection, params};
use samtale_proto::cards::{Appointment, AppointmentReply, FeedbackAnswer, Question};
use samtale_proto::{CareId, EnvelopeHeader, ThreadId, UserId};

use super::store::{self, APPOINTMENT, QUESTION, Revision, Stored};
use super::{changed_text, describe_appointment, describe_question};
use crate::checkins::apply::{is_staff, role_in};
use crate::error::ClientError;
use crate::inbound::{Applied, notice};

/// Why `sender` may not put this card (of `kind`) into `thread`, if not.
pub(crate) fn card_refusal(
    conn: &Connection,
    thread: &ThreadId,
    sender: &UserId,
    id: &CareId,
    kind: &str,
) -> Result<Option<String>, ClientError> {
    if !is_staff(role_in(conn, thread, sender)?) {
        return Ok(Some(format!(
            "only a caseworker puts {} into a conversation",
            if kind == APPOINTMENT {
                "an appointment"
            } else {
                "a question"
            }
        )));
    }
    if let Some(c) = store::card(conn, id)?
        && (c.thread != *thread || c.kind != kind)
    {
        return Ok(Some("the card belongs to another conversation".into()));
    }
    Ok(None)
}

/// Why `sender` may not reply to card `id` in `thread` at `at_ms`, if not. `value` is checked
/// by the caller against what the card offers.
pub(crate) fn reply_refusal(
    conn: &Connection,
    thread: &ThreadId,
    sender: &UserId,
    id: &CareId,
    kind: &str,
    at_ms: i64,
) -> Result<Option<String>, ClientError> {
    let Some(c) = store::card(conn, id)? else {
        return Ok(Some(format!("no such {kind} here")));
    };
    if c.thread != *thread || c.kind != kind {
        return Ok(Some(format!("the {kind} belongs to another conversation")));
    }
    if c.closed_at.is_some_and(|closed| at_ms > closed) {
        return Ok(Some(if kind == APPOINTMENT {
            "the appointment is cancelled".into()
        } else {
            "the question is closed; answers are no longer taken".into()
        }));
    }
    if kind == QUESTION && is_staff(role_in(conn, thread, sender)?) {
        return Ok(Some(
            "the caseworker asks; the youth and the parents answer".into(),
        ));
    }
    Ok(None)
}

/// Stores a revision of a card and the message row that shows it: the card itself the first
/// time, a line saying what changed after that.
fn store_card(
    conn: &Connection,
    h: &EnvelopeHeader,
    r: &Revision<'_>,
    first_text: &str,
    changed: impl FnOnce(&store::StoredCard) -> String,
) -> Result<Applied, ClientError> {
    let before = store::card(conn, r.id)?;
    let (kind, text) = match store::upsert(conn, r)? {
        Stored::Stale => return Ok(Applied::Done(h.thread.clone())),
        Stored::New => (r.kind, first_text.to_owned()),
        Stored::Changed => match &before {
            Some(b) => ("card_update", changed(b)),
            None => (r.kind, first_text.to_owned()),
        },
    };
    conn.execute(
        "INSERT OR IGNORE INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received')",
        params![h.id.as_str(), h.thread.as_str(), h.sender.as_str(), h.sender_device.as_str(), kind, text, h.sent_at_ms, crate::engine::now_ms()],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO pending_receipts (thread_id, envelope_id, kind) VALUES (?1, ?2, 'delivered')",
        [h.thread.as_str(), h.id.as_str()],
    )?;
    Ok(Applied::Received(h.thread.clone()))
}

fn refused(
    conn: &Connection,
    h: &EnvelopeHeader,
    what: &str,
    sender_name: &str,
    why: &str,
) -> Result<Applied, ClientError> {
    notice(
        conn,
        &h.thread,
        &format!("{what} fra {sender_name} blev afvist: {why}."),
    )?;
    Ok(Applied::Done(h.thread.clone()))
}

pub(crate) fn appointment(
    conn: &Connection,
    h: &EnvelopeHeader,
    a: &Appointment,
    sender_name: &str,
) -> Result<Applied, ClientError> {
    let why = match a.validate() {
        Err(e) => Some(e.0),
        Ok(()) => card_refusal(conn, &h.thread, &h.sender, &a.appointment, APPOINTMENT)?,
    };
    if let Some(why) = why {
        return refused(conn, h, "En aftale", sender_name, &why);
    }
    let r = Revision {
        id: &a.appointment,
        kind: APPOINTMENT,
        thread: &h.thread,
        envelope: &h.id,
        sender: &h.sender,
        sent_at: h.sent_at_ms,
        revision: a.revision,
        body: serde_json::to_string(a).map_err(|e| ClientError::Protocol(e.to_string()))?,
        starts_at: Some(a.starts_at_ms),
        closed: a.cancelled,
    };
    store_card(conn, h, &r, &describe_appointment(a), |before| {
        changed_text(before, a)
    })
}

pub(crate) fn question(
    conn: &Connection,
    h: &EnvelopeHeader,
    q: &Question,
    sender_name: &str,
) -> Result<Applied, ClientError> {
    let why = match q.validate() {
        Err(e) => Some(e.0),
        Ok(()) => card_refusal(conn, &h.thread, &h.sender, &q.question, QUESTION)?,
    };
    if let Some(why) = why {
        return refused(conn, h, "Et spørgsmål", sender_name, &why);
    }
    let r = Revision {
        id: &q.question,
        kind: QUESTION,
        thread: &h.thread,
        envelope: &h.id,
        sender: &h.sender,
        sent_at: h.sent_at_ms,
        revision: q.revision,
        body: serde_json::to_string(q).map_err(|e| ClientError::Protocol(e.to_string()))?,
        starts_at: None,
        closed: q.closed,
    };
    store_card(conn, h, &r, &describe_question(q), |_| {
        if q.closed {
            format!("Spørgsmålet \"{}\" er lukket.", q.text)
        } else {
            format!("Spørgsmålet \"{}\" er åbnet igen.", q.text)
        }
    })
}

pub(crate) fn reply(
    conn: &Connection,
    h: &EnvelopeHeader,
    r: &AppointmentReply,
) -> Result<Applied, ClientError> {
    let done = Applied::Done(h.thread.clone());
    let why = match r.validate() {
        Err(e) => Some(e.0),
        Ok(()) => reply_refusal(
            conn,
            &h.thread,
            &h.sender,
            &r.appointment,
            APPOINTMENT,
            h.sent_at_ms,
        )?,
    };
    if let Some(why) = why {
        tracing::warn!(envelope = %h.id, "a reply to an appointment was dropped: {why}");
        return Ok(done);
    }
    let inserted = store::insert_reply(
        conn,
        &store::Reply {
            card: &r.appointment,
            user: &h.sender,
            envelope: &h.id,
            value: r.answer.as_str().into(),
            answered_to: Some(r.starts_at_ms),
            comment: r.comment.clone(),
            at: h.sent_at_ms,
        },
    )?;
    // A new reply is news for the card's maker (a notification, like a message); a replay is
    // not.
    Ok(if inserted {
        Applied::Received(h.thread.clone())
    } else {
        done
    })
}

pub(crate) fn feedback(
    conn: &Connection,
    h: &EnvelopeHeader,
    f: &FeedbackAnswer,
) -> Result<Applied, ClientError> {
    let done = Applied::Done(h.thread.clone());
    let why = match f.validate() {
        Err(e) => Some(e.0),
        Ok(()) => match reply_refusal(
            conn,
            &h.thread,
            &h.sender,
            &f.question,
            QUESTION,
            h.sent_at_ms,
        )? {
            Some(why) => Some(why),
            None => super::question_of(conn, &f.question)?
                .and_then(|q| f.fits(&q.form).err())
                .map(|e| e.0),
        },
    };
    if let Some(why) = why {
        tracing::warn!(envelope = %h.id, "an answer to a question was dropped: {why}");
        return Ok(done);
    }
    let inserted = store::insert_reply(
        conn,
        &store::Reply {
            card: &f.question,
            user: &h.sender,
            envelope: &h.id,
            value: f.value.to_string(),
            answered_to: None,
            comment: f.comment.clone(),
            at: h.sent_at_ms,
        },
    )?;
    Ok(if inserted {
        Applied::Received(h.thread.clone())
    } else {
        done
    })
}

#[cfg(test)]
mod tests {
    use samtale_proto::cards::{QuestionForm, Rsvp};

    use super::*;
    use crate::testworld::{count, header, notices, tid, uid, world};

    const T: i64 = 1_780_477_200_000;

    fn a(revision: u32, starts_at_ms: i64) -> Appointment {
        Appointment {
            appointment: CareId::from_parts(4, [8; 10]),
            revision,
            title: "Møde".into(),
            starts_at_ms,
            minutes: 30,
            place: String::new(),
            link: None,
            note: String::new(),
            reminders: vec![60],
            cancelled: false,
        }
    }

    fn q(revision: u32, closed: bool) -> Question {
        Question {
            question: CareId::from_parts(4, [9; 10]),
            revision,
            text: "Hvordan var mødet?".into(),
            form: QuestionForm::YesNo,
            comment: false,
            closed,
        }
    }

    fn starts(conn: &Connection) -> Vec<(i64, u32)> {
        conn.prepare("SELECT starts_at, revision FROM cards")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// What counts: each member's newest reply, given before any close.
    fn counting(conn: &Connection, card: &CareId) -> Vec<(String, String)> {
        let c = store::card(conn, card).unwrap().unwrap();
        store::replies(conn, &c)
            .unwrap()
            .into_iter()
            .map(|r| (r.user.to_string(), r.value))
            .collect()
    }

    /// Appointments only from staff; an id stays in its conversation; the newest revision wins
    /// whatever the order, with one card row and a line per change; replays change nothing.
    #[test]
    fn appointments_only_from_staff_and_the_newest_wins() {
        let (_dir, conn) = world();
        appointment(&conn, &header(1, 2, 2, T), &a(1, T + 9), "Mikkel").unwrap();
        appointment(&conn, &header(2, 2, 3, T), &a(1, T + 9), "Mette").unwrap();
        let untitled = Appointment {
            title: String::new(),
            ..a(1, T + 9)
        };
        appointment(&conn, &header(3, 2, 1, T), &untitled, "Sara").unwrap();
        assert_eq!(count(&conn, "cards"), 0);
        assert_eq!(notices(&conn).len(), 3);

        appointment(&conn, &header(4, 2, 1, T), &a(1, T + 9), "Sara").unwrap();
        // Revision 3 comes before revision 2 (the server may reorder): 3 stays.
        appointment(&conn, &header(6, 2, 1, T + 2), &a(3, T + 30), "Sara").unwrap();
        appointment(&conn, &header(5, 2, 1, T + 1), &a(2, T + 20), "Sara").unwrap();
        appointment(&conn, &header(4, 2, 1, T), &a(1, T + 9), "Sara").unwrap();
        assert_eq!(starts(&conn), vec![(T + 30, 3)]);
        let kinds: Vec<String> = conn
            .prepare("SELECT kind FROM messages WHERE kind != 'notice' ORDER BY sent_at")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kinds, vec!["appointment", "card_update"]);
        // The same id in Jonas's conversation is refused.
        appointment(&conn, &header(7, 3, 1, T + 3), &a(4, T + 40), "Sara").unwrap();
        assert_eq!(starts(&conn), vec![(T + 30, 3)]);
        assert!(
            notices(&conn)
                .last()
                .unwrap()
                .contains("another conversation")
        );
    }

    /// Replies from members; a reply signed after the cancellation does not count, whether it
    /// arrives before or after it; the newest reply of a member wins.
    #[test]
    fn replies_and_cancellation_in_either_order() {
        let (_dir, conn) = world();
        appointment(&conn, &header(1, 2, 1, T), &a(1, T + 9), "Sara").unwrap();
        let r = |answer| AppointmentReply {
            appointment: a(1, 0).appointment,
            starts_at_ms: T + 9,
            answer,
            comment: None,
        };
        // A new reply is news (the card's maker is notified); its replay is not; a dropped one
        // is not either.
        assert_eq!(
            reply(&conn, &header(2, 2, 2, T + 1), &r(Rsvp::Coming)).unwrap(),
            Applied::Received(tid(2))
        );
        reply(&conn, &header(3, 2, 2, T + 3), &r(Rsvp::Cannot)).unwrap();
        assert_eq!(
            reply(&conn, &header(2, 2, 2, T + 1), &r(Rsvp::Coming)).unwrap(),
            Applied::Done(tid(2))
        );
        // Mette's reply signed after the cancel arrives first.
        reply(&conn, &header(4, 2, 3, T + 6), &r(Rsvp::Coming)).unwrap();
        // To an unknown appointment, or from Jonas's conversation: dropped.
        let unknown = AppointmentReply {
            appointment: CareId::from_parts(4, [1; 10]),
            ..r(Rsvp::Coming)
        };
        assert_eq!(
            reply(&conn, &header(5, 2, 3, T + 1), &unknown).unwrap(),
            Applied::Done(tid(2))
        );
        reply(&conn, &header(6, 3, 4, T + 1), &r(Rsvp::Coming)).unwrap();
        let cancelled = Appointment {
            cancelled: true,
            ..a(2, T + 9)
        };
        appointment(&conn, &header(7, 2, 1, T + 5), &cancelled, "Sara").unwrap();
        let id = a(1, 0).appointment;
        assert_eq!(
            counting(&conn, &id),
            vec![(uid(2).to_string(), "cannot".into())]
        );
        // After the cancellation is known, a later reply is dropped too.
        reply(&conn, &header(8, 2, 3, T + 7), &r(Rsvp::Coming)).unwrap();
        assert_eq!(counting(&conn, &id).len(), 1);
    }

    /// Questions only from staff; answers only from citizens, with a value the question has;
    /// an answer signed after the close does not count in either order.
    #[test]
    fn answers_only_from_citizens_until_closed() {
        let (_dir, conn) = world();
        question(&conn, &header(1, 2, 2, T), &q(1, false), "Mikkel").unwrap();
        assert_eq!(count(&conn, "cards"), 0);
        question(&conn, &header(2, 2, 1, T), &q(1, false), "Sara").unwrap();
        let f = |value| FeedbackAnswer {
            question: q(1, false).question,
            value,
            comment: None,
        };
        // Dropped answers are no news; a new one is (Sara is notified), its replay is not.
        for (n, sender, value) in [(3, 1, 1), (4, 2, 3), (5, 2, 0)] {
            assert_eq!(
                feedback(&conn, &header(n, 2, sender, T + 1), &f(value)).unwrap(),
                Applied::Done(tid(2))
            );
        }
        assert_eq!(count(&conn, "card_replies"), 0);
        assert_eq!(
            feedback(&conn, &header(6, 2, 2, T + 1), &f(2)).unwrap(),
            Applied::Received(tid(2))
        );
        feedback(&conn, &header(7, 2, 2, T + 2), &f(1)).unwrap();
        assert_eq!(
            feedback(&conn, &header(6, 2, 2, T + 1), &f(2)).unwrap(),
            Applied::Done(tid(2))
        );
        feedback(&conn, &header(8, 2, 3, T + 9), &f(2)).unwrap(); // after the close
        question(&conn, &header(9, 2, 1, T + 5), &q(2, true), "Sara").unwrap();
        feedback(&conn, &header(10, 2, 3, T + 10), &f(1)).unwrap();
        assert_eq!(
            counting(&conn, &q(1, false).question),
            vec![(uid(2).to_string(), "1".into())]
        );
    }
}
