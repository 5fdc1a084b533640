//! Cards in a conversation: a caseworker's appointments (each member replies "Jeg kommer",
//! "Jeg kan ikke" or "Kan vi flytte det?", and every device reminds before it) and quick
//! questions (each citizen member answers on a smiley scale, yes/no or a few choices, and may
//! change the answer until the caseworker closes it). They travel sealed like messages (see
//! `samtale_proto::cards`) and are events on the youth's timeline.
//!
//! ```text
//! store      the card tables of the local store
//! apply      storing what arrives, under the rules of who may send what
//! views      a card as its reader sees it, and the timeline's events from cards
//! reminders  when an appointment's reminders are due (pure)
//! ics        an appointment as a calendar file (pure)
//! ```
//!
//! This file holds what a user does: put an appointment in, move or cancel it, reply; ask,
//! answer, close; take the reminders that are due; get the calendar file.

pub(crate) mod apply;
pub mod ics;
pub mod reminders;
pub(crate) mod store;
mod views;

use rusqlite::Connection;
use samtale_ipc::cards::{
    AppointmentInput, AppointmentView, CardView, QuestionInput, QuestionView, ReminderView,
};
use samtale_proto::cards::{Appointment, AppointmentReply, FeedbackAnswer, Question, Rsvp};
use samtale_proto::care::Care;
use samtale_proto::payload::MessagePayload;
use samtale_proto::{CareId, PayloadKind, ThreadId};

use crate::checkins::clock;
use crate::engine::{Client, Session, fresh};
use crate::error::ClientError;
use crate::outbound::{Audience, queue, queue_shown, seal};
use store::{APPOINTMENT, QUESTION, StoredCard};

pub(crate) use views::card_for_message;
pub use views::timeline_events;

/// Reminders when the caseworker chooses none: the day before and the hour before.
pub const DEFAULT_REMINDERS: [u32; 2] = [1440, 60];

const WEEKDAYS: [&str; 7] = [
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
];
const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// A moment in Danish words: "onsdag 3. juni kl. 11.00".
pub fn when_da(utc_ms: i64) -> String {
    let l = clock::local(utc_ms);
    format!(
        "{} {}. {} kl. {:02}.{:02}",
        WEEKDAYS[l.weekday % 7],
        l.date.day,
        MONTHS[(l.date.month as usize + 11) % 12],
        l.hour,
        l.minute
    )
}

/// The appointment in words, for the conversation and for clients that do not know cards.
pub fn describe_appointment(a: &Appointment) -> String {
    let mut s = format!("Aftale: {}, {}", a.title.trim(), when_da(a.starts_at_ms));
    if !a.place.trim().is_empty() {
        s.push_str(&format!(", {}", a.place.trim()));
    }
    if a.cancelled {
        s.push_str(" (aflyst)");
    }
    s
}

pub fn describe_question(q: &Question) -> String {
    format!("Spørgsmål: {}", q.text.trim())
}

/// The line a changed appointment adds to the conversation.
pub(crate) fn changed_text(before: &StoredCard, a: &Appointment) -> String {
    let old: Option<Appointment> = serde_json::from_str(&before.body).ok();
    let title = a.title.trim();
    if a.cancelled {
        format!("Aftalen \"{title}\" er aflyst.")
    } else if old.as_ref().is_some_and(|o| o.cancelled) {
        format!(
            "Aftalen \"{title}\" gælder igen: {}.",
            when_da(a.starts_at_ms)
        )
    } else if old.is_some_and(|o| o.starts_at_ms != a.starts_at_ms) {
        format!(
            "Aftalen \"{title}\" er flyttet til {}.",
            when_da(a.starts_at_ms)
        )
    } else {
        format!("Aftalen \"{title}\" er ændret.")
    }
}

pub(crate) fn question_of(conn: &Connection, id: &CareId) -> Result<Option<Question>, ClientError> {
    Ok(store::card(conn, id)?
        .filter(|c| c.kind == QUESTION)
        .and_then(|c| serde_json::from_str(&c.body).ok()))
}

fn appointment_of(
    conn: &Connection,
    id: &CareId,
) -> Result<(StoredCard, Appointment), ClientError> {
    let card = store::card(conn, id)?
        .filter(|c| c.kind == APPOINTMENT)
        .ok_or(ClientError::NotFound("appointment"))?;
    let a = serde_json::from_str(&card.body)
        .map_err(|e| ClientError::Protocol(format!("a stored appointment is unreadable: {e}")))?;
    Ok((card, a))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, ClientError> {
    serde_json::to_string(v).map_err(|e| ClientError::Protocol(e.to_string()))
}

impl Client {
    /// Puts an appointment into a conversation, or moves, changes or cancels one
    /// (`input.appointment`). Every member gets one card, which later changes update.
    pub async fn save_appointment(
        &self,
        thread: &ThreadId,
        input: AppointmentInput,
    ) -> Result<AppointmentView, ClientError> {
        let s = self.session()?;
        self.ensure_member(&s, thread).await?;
        let id = {
            let db = self.db();
            let now = self.clock_ms();
            let id = input
                .appointment
                .clone()
                .unwrap_or_else(|| fresh(CareId::from_parts));
            let before = match &input.appointment {
                Some(id) => Some(appointment_of(&db, id)?),
                None => None,
            };
            if let Some(why) = apply::card_refusal(&db, thread, &s.user, &id, APPOINTMENT)? {
                return Err(ClientError::Invalid(why));
            }
            if before.as_ref().is_some_and(|(_, a)| a.cancelled) && input.cancelled {
                return Err(ClientError::Invalid(
                    "the appointment is already cancelled".into(),
                ));
            }
            if !input.cancelled && input.starts_at_ms <= now {
                return Err(ClientError::Invalid(
                    "the appointment's time has passed: pick a time ahead".into(),
                ));
            }
            let a = Appointment {
                appointment: id.clone(),
                revision: before.as_ref().map_or(0, |(c, _)| c.revision) + 1,
                title: input.title.trim().to_owned(),
                starts_at_ms: input.starts_at_ms,
                minutes: input.minutes,
                place: input.place.trim().to_owned(),
                link: input
                    .link
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty()),
                note: input.note.trim().to_owned(),
                reminders: input
                    .reminders
                    .unwrap_or_else(|| DEFAULT_REMINDERS.to_vec()),
                cancelled: input.cancelled,
            };
            a.validate().map_err(|e| ClientError::Invalid(e.0))?;
            let (kind, text) = match &before {
                Some((card, _)) => ("card_update", changed_text(card, &a)),
                None => (APPOINTMENT, describe_appointment(&a)),
            };
            let payload = MessagePayload {
                v: 1,
                text: text.clone(),
                care: Some(Care::Appointment(a.clone())),
                files: Vec::new(),
            };
            self.send_card(&db, &s, thread, &payload, |tx, sealed| {
                store::upsert(
                    tx,
                    &store::Revision {
                        id: &id,
                        kind: APPOINTMENT,
                        thread,
                        envelope: &sealed.id,
                        sender: &s.user,
                        sent_at: sealed.sent_at,
                        revision: a.revision,
                        body: json(&a)?,
                        starts_at: Some(a.starts_at_ms),
                        closed: a.cancelled,
                    },
                )?;
                queue_shown(tx, &s, thread, sealed, kind, &text)
            })?;
            id
        };
        self.after_care(thread).await;
        self.appointment(&id)
    }

    /// Replies to an appointment; replying again replaces the reply.
    pub async fn reply_appointment(
        &self,
        id: &CareId,
        answer: Rsvp,
        comment: Option<String>,
    ) -> Result<AppointmentView, ClientError> {
        let s = self.session()?;
        let thread = {
            let db = self.db();
            let (card, a) = appointment_of(&db, id)?;
            let now = self.clock_ms();
            if let Some(why) =
                apply::reply_refusal(&db, &card.thread, &s.user, id, APPOINTMENT, now)?
            {
                return Err(ClientError::Invalid(why));
            }
            let r = AppointmentReply {
                appointment: id.clone(),
                starts_at_ms: a.starts_at_ms,
                answer,
                comment: comment
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            };
            r.validate().map_err(|e| ClientError::Invalid(e.0))?;
            let payload = MessagePayload {
                v: 1,
                text: format!("{}: {}", a.title.trim(), answer.danish()),
                care: Some(Care::AppointmentReply(r.clone())),
                files: Vec::new(),
            };
            self.send_card(&db, &s, &card.thread, &payload, |tx, sealed| {
                store::insert_reply(
                    tx,
                    &store::Reply {
                        card: id,
                        user: &s.user,
                        envelope: &sealed.id,
                        value: answer.as_str().into(),
                        answered_to: Some(a.starts_at_ms),
                        comment: r.comment.clone(),
                        at: sealed.sent_at,
                    },
                )?;
                queue(tx, sealed)
            })?;
            card.thread
        };
        self.after_care(&thread).await;
        self.appointment(id)
    }

    /// Asks a quick question in a conversation.
    pub async fn ask_question(
        &self,
        thread: &ThreadId,
        input: QuestionInput,
    ) -> Result<QuestionView, ClientError> {
        let q = Question {
            question: fresh(CareId::from_parts),
            revision: 1,
            text: input.text.trim().to_owned(),
            form: input.form,
            comment: input.comment,
            closed: false,
        };
        self.send_question(thread, q).await
    }

    /// Closes a question: answers given after this do not count.
    pub async fn close_question(&self, id: &CareId) -> Result<QuestionView, ClientError> {
        let (thread, q) = {
            let db = self.db();
            let card = store::card(&db, id)?
                .filter(|c| c.kind == QUESTION)
                .ok_or(ClientError::NotFound("question"))?;
            let q: Question = serde_json::from_str(&card.body)
                .map_err(|e| ClientError::Protocol(e.to_string()))?;
            if q.closed {
                return Err(ClientError::Invalid(
                    "the question is already closed".into(),
                ));
            }
            (
                card.thread,
                Question {
                    revision: card.revision + 1,
                    closed: true,
                    ..q
                },
            )
        };
        self.send_question(&thread, q).await
    }

    async fn send_question(
        &self,
        thread: &ThreadId,
        q: Question,
    ) -> Result<QuestionView, ClientError> {
        let s = self.session()?;
        self.ensure_member(&s, thread).await?;
        {
            let db = self.db();
            if let Some(why) = apply::card_refusal(&db, thread, &s.user, &q.question, QUESTION)? {
                return Err(ClientError::Invalid(why));
            }
            q.validate().map_err(|e| ClientError::Invalid(e.0))?;
            let (kind, text) = if q.revision > 1 {
                (
                    "card_update",
                    format!("Spørgsmålet \"{}\" er lukket.", q.text),
                )
            } else {
                (QUESTION, describe_question(&q))
            };
            let payload = MessagePayload {
                v: 1,
                text: text.clone(),
                care: Some(Care::Question(q.clone())),
                files: Vec::new(),
            };
            self.send_card(&db, &s, thread, &payload, |tx, sealed| {
                store::upsert(
                    tx,
                    &store::Revision {
                        id: &q.question,
                        kind: QUESTION,
                        thread,
                        envelope: &sealed.id,
                        sender: &s.user,
                        sent_at: sealed.sent_at,
                        revision: q.revision,
                        body: json(&q)?,
                        starts_at: None,
                        closed: q.closed,
                    },
                )?;
                queue_shown(tx, &s, thread, sealed, kind, &text)
            })?;
        }
        self.after_care(thread).await;
        self.question(&q.question)
    }

    /// Answers a question; answering again replaces the answer, until it is closed. The answer
    /// is sealed to the staff in the conversation (and this person's own devices): a youth's
    /// honest answer is not his parents' to read.
    pub async fn answer_question(
        &self,
        id: &CareId,
        value: u8,
        comment: Option<String>,
    ) -> Result<QuestionView, ClientError> {
        let s = self.session()?;
        let thread = {
            let db = self.db();
            let card = store::card(&db, id)?
                .filter(|c| c.kind == QUESTION)
                .ok_or(ClientError::NotFound("question"))?;
            let q = question_of(&db, id)?.ok_or(ClientError::NotFound("question"))?;
            let now = self.clock_ms();
            if let Some(why) = apply::reply_refusal(&db, &card.thread, &s.user, id, QUESTION, now)?
            {
                return Err(ClientError::Invalid(why));
            }
            let comment = comment
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty());
            if comment.is_some() && !q.comment {
                return Err(ClientError::Invalid(
                    "this question takes no comment".into(),
                ));
            }
            let f = FeedbackAnswer {
                question: id.clone(),
                value,
                comment,
            };
            f.validate().map_err(|e| ClientError::Invalid(e.0))?;
            f.fits(&q.form).map_err(|e| ClientError::Invalid(e.0))?;
            let payload = MessagePayload {
                v: 1,
                text: format!("Svar: {}", q.form.label(value)),
                care: Some(Care::Feedback(f.clone())),
                files: Vec::new(),
            };
            self.send_card_as(
                &db,
                &s,
                &card.thread,
                &payload,
                (PayloadKind::Feedback, Audience::Staff),
                |tx, sealed| {
                    store::insert_reply(
                        tx,
                        &store::Reply {
                            card: id,
                            user: &s.user,
                            envelope: &sealed.id,
                            value: value.to_string(),
                            answered_to: None,
                            comment: f.comment.clone(),
                            at: sealed.sent_at,
                        },
                    )?;
                    queue(tx, sealed)
                },
            )?;
            card.thread
        };
        self.after_care(&thread).await;
        self.question(id)
    }

    fn send_card(
        &self,
        db: &Connection,
        s: &Session,
        thread: &ThreadId,
        payload: &MessagePayload,
        store: impl FnOnce(&Connection, &crate::outbound::Sealed) -> Result<(), ClientError>,
    ) -> Result<(), ClientError> {
        let how = (PayloadKind::Message, Audience::Everyone);
        self.send_card_as(db, s, thread, payload, how, store)
    }

    /// Seals a card payload for `audience` and stores it with `store` in one transaction.
    fn send_card_as(
        &self,
        db: &Connection,
        s: &Session,
        thread: &ThreadId,
        payload: &MessagePayload,
        (kind, audience): (PayloadKind, Audience),
        store: impl FnOnce(&Connection, &crate::outbound::Sealed) -> Result<(), ClientError>,
    ) -> Result<(), ClientError> {
        let sealed = seal(db, s, thread, kind, payload, audience, self.clock_ms())?;
        let tx = db.unchecked_transaction()?;
        store(&tx, &sealed)?;
        tx.commit()?;
        Ok(())
    }

    /// One appointment as this person sees it.
    pub fn appointment(&self, id: &CareId) -> Result<AppointmentView, ClientError> {
        let me = self.session()?.user;
        match views::card(&self.db(), &me, id)? {
            Some(CardView::Appointment(a)) => Ok(a),
            _ => Err(ClientError::NotFound("appointment")),
        }
    }

    /// One question as this person sees it.
    pub fn question(&self, id: &CareId) -> Result<QuestionView, ClientError> {
        let me = self.session()?.user;
        match views::card(&self.db(), &me, id)? {
            Some(CardView::Question(q)) => Ok(q),
            _ => Err(ClientError::NotFound("question")),
        }
    }

    /// The cards of a conversation, oldest first.
    pub fn cards(&self, thread: &ThreadId) -> Result<Vec<CardView>, ClientError> {
        let me = self.session()?.user;
        let db = self.db();
        let mut out = Vec::new();
        for c in store::cards_in(&db, thread)? {
            if let Some(v) = views::card(&db, &me, &c.id)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// An appointment as an iCalendar file, for the person's own calendar.
    pub fn appointment_ics(&self, id: &CareId) -> Result<String, ClientError> {
        let (card, a) = appointment_of(&self.db(), id)?;
        Ok(ics::ics(&a, card.changed_at))
    }

    /// The appointment reminders due now on this device, each given once: the shell shows a
    /// notification that names no title or place, only that an appointment is coming.
    pub fn take_due_reminders(&self) -> Result<Vec<ReminderView>, ClientError> {
        let me = self.session()?.user;
        let db = self.db();
        let now = self.clock_ms();
        let horizon =
            now.saturating_add(i64::from(samtale_proto::cards::MAX_REMINDER_MINUTES) * 60_000 + 1);
        let mut out = Vec::new();
        for card in store::appointments_of(&db, &me, now, horizon)? {
            let Ok(a) = serde_json::from_str::<Appointment>(&card.body) else {
                continue;
            };
            let due = reminders::due(a.starts_at_ms, &a.reminders, now);
            let given =
                |m: u32| store::reminder_given(&db, &card.id, a.starts_at_ms, m).unwrap_or(true);
            let give = reminders::decide(&due, given);
            for m in &due {
                store::give_reminder(&db, &card.id, a.starts_at_ms, *m)?;
            }
            if let Some(minutes_before) = give {
                out.push(ReminderView {
                    appointment: card.id.clone(),
                    thread: card.thread.clone(),
                    starts_at_ms: a.starts_at_ms,
                    minutes_before,
                });
            }
        }
        Ok(out)
    }
}
