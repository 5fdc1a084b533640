//! What the screens show of cards: an appointment with every member's reply and who has not
//! answered, a question with the answers, their counts and who may still answer; and the
//! events the cards add to a youth's timeline.

use rusqlite::Connection;
use samtale_ipc::cards::{AppointmentView, CardView, FeedbackView, QuestionView, ReplyView};
use samtale_ipc::care::{EventSource, EventView};
use samtale_proto::cards::{Appointment, Question, Rsvp};
use samtale_proto::care::EventCategory;
use samtale_proto::{CareId, UserId};

use super::store::{self, APPOINTMENT, QUESTION, StoredCard};
use crate::checkins::apply::is_staff;
use crate::checkins::views::person;
use crate::error::ClientError;
use crate::query::members;
use crate::views::MemberView;

fn is_staff_member(m: &MemberView) -> bool {
    is_staff(Some(m.role))
}

fn appointment_view(
    conn: &Connection,
    me: &UserId,
    c: StoredCard,
    a: Appointment,
) -> Result<AppointmentView, ClientError> {
    let everyone = members(conn, c.thread.as_str())?;
    let mut replies = Vec::new();
    let mut mine = None;
    for r in store::replies(conn, &c)? {
        let Some(answer) = Rsvp::parse(&r.value) else {
            continue;
        };
        if &r.user == me {
            mine = Some(answer);
        }
        replies.push(ReplyView {
            member: person(conn, &r.user)?,
            answer,
            comment: r.comment,
            at_ms: r.at,
            earlier_time: r.answered_to != Some(a.starts_at_ms),
        });
    }
    let waiting = everyone
        .iter()
        .filter(|m| m.user != c.author && !replies.iter().any(|r| r.member.user == m.user))
        .cloned()
        .collect();
    let can_edit = everyone.iter().any(|m| &m.user == me && is_staff_member(m));
    let can_reply = !a.cancelled && &c.author != me && everyone.iter().any(|m| &m.user == me);
    Ok(AppointmentView {
        id: c.id,
        thread: c.thread,
        revision: c.revision,
        author: person(conn, &c.author)?,
        changed_at_ms: c.changed_at,
        title: a.title,
        starts_at_ms: a.starts_at_ms,
        minutes: a.minutes,
        place: a.place,
        link: a.link,
        note: a.note,
        reminders: a.reminders,
        cancelled: a.cancelled,
        replies,
        waiting,
        mine,
        can_reply,
        can_edit,
    })
}

fn question_view(
    conn: &Connection,
    me: &UserId,
    c: StoredCard,
    q: Question,
) -> Result<QuestionView, ClientError> {
    let everyone = members(conn, c.thread.as_str())?;
    let me_staff = everyone.iter().any(|m| &m.user == me && is_staff_member(m));
    let me_member = everyone.iter().any(|m| &m.user == me);
    let values = q.form.values();
    let mut counts = vec![0u32; usize::from(values)];
    let mut answers = Vec::new();
    let mut mine = None;
    for r in store::replies(conn, &c)? {
        let Some(value) = r
            .value
            .parse::<u8>()
            .ok()
            .filter(|v| (1..=values).contains(v))
        else {
            continue;
        };
        // Members answer the caseworker, not each other.
        if !me_staff && &r.user != me {
            continue;
        }
        counts[usize::from(value - 1)] += 1;
        if &r.user == me {
            mine = Some(value);
        }
        answers.push(FeedbackView {
            member: person(conn, &r.user)?,
            value,
            label: q.form.label(value),
            comment: r.comment,
            at_ms: r.at,
        });
    }
    let waiting = everyone
        .iter()
        .filter(|m| me_staff && !is_staff_member(m))
        .filter(|m| !answers.iter().any(|a| a.member.user == m.user))
        .cloned()
        .collect();
    Ok(QuestionView {
        id: c.id,
        thread: c.thread,
        author: person(conn, &c.author)?,
        asked_at_ms: c.changed_at,
        can_answer: me_member && !me_staff && !q.closed,
        can_close: me_staff && !q.closed,
        text: q.text,
        form: q.form,
        comment: q.comment,
        closed: q.closed,
        answers,
        counts,
        waiting,
        mine,
    })
}

fn view(conn: &Connection, me: &UserId, c: StoredCard) -> Result<Option<CardView>, ClientError> {
    Ok(match c.kind.as_str() {
        APPOINTMENT => match serde_json::from_str::<Appointment>(&c.body) {
            Ok(a) => Some(CardView::Appointment(appointment_view(conn, me, c, a)?)),
            Err(_) => None,
        },
        QUESTION => match serde_json::from_str::<Question>(&c.body) {
            Ok(q) => Some(CardView::Question(question_view(conn, me, c, q)?)),
            Err(_) => None,
        },
        _ => None,
    })
}

pub(crate) fn card(
    conn: &Connection,
    me: &UserId,
    id: &CareId,
) -> Result<Option<CardView>, ClientError> {
    match store::card(conn, id)? {
        Some(c) => view(conn, me, c),
        None => Ok(None),
    }
}

/// The card a message row of the conversation shows, if it shows one.
pub(crate) fn card_for_message(
    conn: &Connection,
    me: &UserId,
    message: &str,
) -> Result<Option<CardView>, ClientError> {
    match store::card_of_message(conn, message)? {
        Some(c) => view(conn, me, c),
        None => Ok(None),
    }
}

/// The timeline events from cards in `[from, to)`: appointments in the youth's conversations
/// (at their start, not cancelled) and his answers to questions (when he answered).
pub fn timeline_events(
    conn: &Connection,
    youth: &UserId,
    from: i64,
    to: i64,
) -> Result<Vec<EventView>, ClientError> {
    let mut out = Vec::new();
    for c in store::appointments_of(conn, youth, from, to)? {
        let Ok(a) = serde_json::from_str::<Appointment>(&c.body) else {
            continue;
        };
        out.push(EventView {
            id: c.id,
            thread: c.thread,
            source: EventSource::Appointment,
            at_ms: a.starts_at_ms,
            category: EventCategory::Other,
            text: a.title,
            shared: true,
            author: person(conn, &c.author)?,
        });
    }
    for (c, r) in store::answers_by(conn, youth, from, to)? {
        let Ok(q) = serde_json::from_str::<Question>(&c.body) else {
            continue;
        };
        let Some(value) = r.value.parse::<u8>().ok() else {
            continue;
        };
        out.push(EventView {
            id: c.id,
            thread: c.thread,
            source: EventSource::Feedback,
            at_ms: r.at,
            category: EventCategory::Other,
            text: format!("{} {}", q.text.trim(), q.form.label(value)),
            shared: true,
            author: person(conn, youth)?,
        });
    }
    Ok(out)
}
