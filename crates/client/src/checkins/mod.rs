//! Smiley check-ins and the youth's timeline: the caseworker (or the youth) makes a plan in the
//! youth's conversation, the youth answers the slot that is open, and the caseworker reads the
//! answers over time beside the events she records. Everything travels sealed like messages
//! (see `samtale_proto::care`); the server relays and never sees a mood, a question or an event.
//!
//! ```text
//! clock     Danish local time, across the daylight-saving changes (pure)
//! schedule  slots of a plan's revisions; on time, late, missed (pure)
//! patterns  means by weekday and time, the rolling week, tags of low answers, flags (pure)
//! store     the care tables of the local store
//! apply     storing what arrives, under the rules of who may send what
//! views     plans, the due card, the timeline, the caseload's flags
//! export    a timeline as CSV
//! ```
//!
//! This file holds what a user does: make or change a plan, answer, record an event, tune the
//! flags.

pub(crate) mod apply;
/// Danish local time: shared with the server (its notices keep quiet hours), so it lives in
/// the wire crate.
pub use samtale_proto::clock;
mod export;
pub mod patterns;
pub mod schedule;
pub(crate) mod store;
pub(crate) mod views;

use rusqlite::params;
use samtale_ipc::care::{
    AnswerInput, AnswerView, EventInput, EventView, FlagRules, PlanInput, PlanView,
};
use samtale_proto::care::{Care, CareEvent, CheckInAnswer, CheckInPlan, PlanStatus, Weekday};
use samtale_proto::payload::MessagePayload;
use samtale_proto::{CareId, PayloadKind, ThreadId, UserId};

use crate::engine::{Client, fresh};
use crate::error::ClientError;
use crate::outbound::{Audience, queue, queue_shown, seal};
use crate::views::ClientEvent;

pub use export::csv;

impl Client {
    /// Makes a check-in plan in a youth's conversation, or changes one (`input.plan`). The
    /// youth sees it as a card and can pause or stop it himself.
    pub async fn save_plan(
        &self,
        thread: &ThreadId,
        input: PlanInput,
    ) -> Result<PlanView, ClientError> {
        let s = self.session()?;
        self.ensure_member(&s, thread).await?;
        let plan = {
            let db = self.db();
            let youth = youth_of(&db, thread).map_err(|_| {
                ClientError::Invalid("a check-in plan is made in a youth's own conversation".into())
            })?;
            let plan = input
                .plan
                .clone()
                .unwrap_or_else(|| fresh(CareId::from_parts));
            let top = store::top_revision(&db, &plan)?;
            if input.plan.is_some() && top == 0 {
                return Err(ClientError::NotFound("check-in plan"));
            }
            let p = CheckInPlan {
                plan: plan.clone(),
                revision: top + 1,
                youth,
                question: input.question.trim().to_owned(),
                times: input.times,
                window_minutes: input.window_minutes,
                tags: input.tags.iter().map(|t| t.trim().to_owned()).collect(),
                note: input.note,
                status: input.status,
            };
            if let Some(why) = apply::plan_refusal(&db, thread, &s.user, &p)? {
                return Err(ClientError::Invalid(why));
            }
            let text = describe_plan(&p);
            let payload = MessagePayload {
                v: 1,
                text: text.clone(),
                care: Some(Care::CheckInPlan(p.clone())),
                files: Vec::new(),
            };
            let sealed = seal(
                &db,
                &s,
                thread,
                PayloadKind::Message,
                &payload,
                Audience::Everyone,
                self.clock_ms(),
            )?;
            let tx = db.unchecked_transaction()?;
            store::insert_plan(&tx, &sealed.id, thread, &s.user, sealed.sent_at, &p)?;
            queue_shown(&tx, &s, thread, &sealed, "check_in_plan", &text)?;
            tx.commit()?;
            plan
        };
        self.after_care(thread).await;
        self.plan(&plan)
    }

    /// Pauses, resumes or stops a plan: the youth's own switch, and the caseworker's.
    pub async fn set_plan_status(
        &self,
        plan: &CareId,
        status: PlanStatus,
    ) -> Result<PlanView, ClientError> {
        let current = self.plan(plan)?;
        self.save_plan(
            &current.thread,
            PlanInput {
                plan: Some(plan.clone()),
                question: current.question,
                times: current.times,
                window_minutes: current.window_minutes,
                tags: current.tags,
                note: current.note,
                status,
            },
        )
        .await
    }

    /// The youth answers the slot of `input.plan` that is open now. Works offline: the answer
    /// waits in the outbox, dated when it was given. Answering again replaces the answer.
    pub async fn answer_check_in(&self, input: AnswerInput) -> Result<AnswerView, ClientError> {
        let s = self.session()?;
        let (thread, answer, envelope) = {
            let db = self.db();
            let revisions = store::revisions(&db, &input.plan)?;
            let Some((thread, youth)) = store::plan_home(&db, &input.plan)? else {
                return Err(ClientError::NotFound("check-in plan"));
            };
            if youth != s.user {
                return Err(ClientError::Invalid(
                    "only the youth the plan is for answers it".into(),
                ));
            }
            let now = self.clock_ms();
            let Some(slot) = schedule::open_slot(&revisions, now) else {
                return Err(ClientError::Invalid(
                    "there is no check-in to answer right now; the card comes back at the next time in the plan".into(),
                ));
            };
            let offered = schedule::in_force(&revisions, slot.at_ms)
                .map(|r| r.plan.tags.clone())
                .unwrap_or_default();
            if let Some(t) = input.tags.iter().find(|t| !offered.contains(t)) {
                return Err(ClientError::Invalid(format!(
                    "the plan has no tag \"{t}\"; pick from: {}",
                    offered.join(", ")
                )));
            }
            let a = CheckInAnswer {
                plan: input.plan.clone(),
                slot_ms: slot.at_ms,
                score: input.score,
                tags: input.tags.clone(),
                note: input
                    .note
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty()),
            };
            a.validate().map_err(|e| ClientError::Invalid(e.0))?;
            let payload = MessagePayload {
                v: 1,
                text: format!("Smiley: {} af 5", a.score),
                care: Some(Care::CheckIn(a.clone())),
                files: Vec::new(),
            };
            let sealed = seal(
                &db,
                &s,
                &thread,
                PayloadKind::CheckIn,
                &payload,
                Audience::Everyone,
                now,
            )?;
            let tx = db.unchecked_transaction()?;
            store::upsert_answer(&tx, &sealed.id, &s.user, sealed.sent_at, &a, &a.tags)?;
            queue(&tx, &sealed)?;
            tx.commit()?;
            let late = sealed.sent_at > slot.window_end_ms;
            (
                thread,
                AnswerView {
                    plan: a.plan,
                    slot_ms: a.slot_ms,
                    score: a.score,
                    tags: a.tags,
                    note: a.note,
                    answered_at_ms: sealed.sent_at,
                    late,
                    pending: true,
                },
                sealed.id,
            )
        };
        self.after_care(&thread).await;
        let pending = store::pending(&self.db(), envelope.as_str())?;
        Ok(AnswerView { pending, ..answer })
    }

    /// Records (or changes, or with `deleted` removes) an event on the timeline of the youth
    /// in `thread`. Sealed only to staff in the conversation unless `shared`.
    pub async fn record_event(
        &self,
        thread: &ThreadId,
        input: EventInput,
    ) -> Result<EventView, ClientError> {
        let s = self.session()?;
        self.ensure_member(&s, thread).await?;
        let id = {
            let db = self.db();
            if !apply::is_staff(Some(s.role)) {
                return Err(ClientError::Invalid(
                    "only a caseworker records events on a timeline".into(),
                ));
            }
            let youth = youth_of(&db, thread)?;
            let id = input
                .event
                .clone()
                .unwrap_or_else(|| fresh(CareId::from_parts));
            if input.event.is_some() && store::event_home(&db, &id)?.as_ref() != Some(thread) {
                return Err(ClientError::NotFound("event"));
            }
            let e = CareEvent {
                event: id.clone(),
                revision: store::event_revision(&db, &id)? + 1,
                youth,
                at_ms: input.at_ms,
                category: input.category,
                text: input.text.trim().to_owned(),
                shared: input.shared,
                deleted: input.deleted,
            };
            e.validate().map_err(|e| ClientError::Invalid(e.0))?;
            let audience = if e.shared {
                Audience::Everyone
            } else {
                Audience::Staff
            };
            let payload = MessagePayload {
                v: 1,
                text: format!("Hændelse: {}", e.text),
                care: Some(Care::Event(e.clone())),
                files: Vec::new(),
            };
            let sealed = seal(
                &db,
                &s,
                thread,
                PayloadKind::Message,
                &payload,
                audience,
                self.clock_ms(),
            )?;
            let tx = db.unchecked_transaction()?;
            store::upsert_event(&tx, &sealed.id, thread, &s.user, &e)?;
            queue(&tx, &sealed)?;
            tx.commit()?;
            id
        };
        self.after_care(thread).await;
        views::event(&self.db(), &id)
    }

    /// The caseworker's thresholds for one youth's flags (kept on this device only).
    pub fn set_flag_rules(&self, youth: &UserId, rules: FlagRules) -> Result<(), ClientError> {
        if !(0.1..=4.0).contains(&rules.drop) || rules.low_streak > 50 || rules.missed_streak > 50 {
            return Err(ClientError::Invalid(
                "a drop is 0.1 to 4 points, a streak 0 (off) to 50".into(),
            ));
        }
        self.db().execute(
            "INSERT INTO checkin_rules (youth, drop_tenths, low_streak, missed_streak) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (youth) DO UPDATE SET drop_tenths = excluded.drop_tenths,
                 low_streak = excluded.low_streak, missed_streak = excluded.missed_streak",
            params![youth.as_str(), (rules.drop * 10.0).round() as i64, rules.low_streak, rules.missed_streak],
        )?;
        Ok(())
    }

    pub(crate) async fn after_care(&self, thread: &ThreadId) {
        self.emit(ClientEvent::ThreadsChanged {
            threads: vec![thread.clone()],
        });
        // Best effort now; the outbox keeps it if this fails.
        let _ = self.push_due().await;
    }
}

/// The youth member of a youth conversation.
fn youth_of(db: &rusqlite::Connection, thread: &ThreadId) -> Result<UserId, ClientError> {
    let youth: Option<String> = rusqlite::OptionalExtension::optional(db.query_row(
        "SELECT m.user_id FROM members m JOIN users u ON u.id = m.user_id
         WHERE m.thread_id = ?1 AND u.role = 'youth' LIMIT 1",
        [thread.as_str()],
        |r| r.get(0),
    ))?;
    youth
        .and_then(|y| UserId::parse(&y).ok())
        .ok_or_else(|| ClientError::Invalid("this is not a conversation with a youth".into()))
}

/// The plan in words, for the conversation and for clients that do not know plans.
pub fn describe_plan(p: &CheckInPlan) -> String {
    match p.status {
        PlanStatus::Paused => return "Smiley-planen er sat på pause.".into(),
        PlanStatus::Stopped => return "Smiley-planen er stoppet.".into(),
        PlanStatus::Active => {}
    }
    let times: Vec<String> = p
        .times
        .iter()
        .map(|t| format!("{} {:02}.{:02}", days_da(&t.days), t.hour, t.minute))
        .collect();
    format!("Smiley-plan: \"{}\" ({})", p.question, times.join(", "))
}

fn days_da(days: &[Weekday]) -> String {
    const NAMES: [&str; 7] = ["man", "tir", "ons", "tor", "fre", "lør", "søn"];
    let mut idx: Vec<usize> = days.iter().map(|d| d.index()).collect();
    idx.sort_unstable();
    idx.dedup();
    match idx.as_slice() {
        [0, 1, 2, 3, 4, 5, 6] => "alle dage".into(),
        [0, 1, 2, 3, 4] => "hverdage".into(),
        [5, 6] => "weekender".into(),
        _ => idx.iter().map(|&i| NAMES[i]).collect::<Vec<_>>().join("+"),
    }
}
