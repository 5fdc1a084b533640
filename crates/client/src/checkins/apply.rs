//! Storing care payloads that arrive (after `inbound` has checked the sender's device, its
//! signature and membership, and opened the envelope): the rules of who may send what.
//!
//! - A plan belongs to a youth conversation and names its youth member; the youth himself or
//!   a staff member may make or change it; a plan id stays in its conversation and with its
//!   youth.
//! - Only the plan's youth answers; a slot later than the answer's own send time is refused;
//!   tags the plan never offered are dropped; the newest answer to a slot wins.
//! - Only staff record events, about the conversation's youth; the newest revision wins.
//!
//! Everything is idempotent, so a replayed envelope changes nothing. What breaks a rule is
//! kept out and told once as a notice in the conversation (answers only in the log: a youth's
//! broken answer is not news for the thread).

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::api::Role;
use samtale_proto::care::{CareEvent, CheckInAnswer, CheckInPlan};
use samtale_proto::{EnvelopeHeader, ThreadId, UserId};

use super::store;
use crate::error::ClientError;
use crate::inbound::{Applied, notice};

/// How far a sender's clock may run behind the slot it answers.
const SKEW_MS: i64 = 10 * 60_000;
const DAY_MS: i64 = 86_400_000;

pub(crate) fn role_in(
    conn: &Connection,
    thread: &ThreadId,
    user: &UserId,
) -> Result<Option<Role>, ClientError> {
    let role: Option<String> = conn
        .query_row(
            "SELECT u.role FROM members m JOIN users u ON u.id = m.user_id
             WHERE m.thread_id = ?1 AND m.user_id = ?2",
            [thread.as_str(), user.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(role.as_deref().and_then(Role::parse))
}

pub(crate) fn is_staff(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Caseworker | Role::Admin))
}

fn thread_kind(conn: &Connection, thread: &ThreadId) -> Result<Option<String>, ClientError> {
    Ok(conn
        .query_row(
            "SELECT kind FROM threads WHERE id = ?1",
            [thread.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Why a plan from `sender` cannot be taken, or None when it can.
pub(crate) fn plan_refusal(
    conn: &Connection,
    thread: &ThreadId,
    sender: &UserId,
    p: &CheckInPlan,
) -> Result<Option<String>, ClientError> {
    if let Err(e) = p.validate() {
        return Ok(Some(e.0));
    }
    if thread_kind(conn, thread)?.as_deref() != Some("youth") {
        return Ok(Some(
            "a check-in plan belongs in a youth's own conversation".into(),
        ));
    }
    if role_in(conn, thread, &p.youth)? != Some(Role::Youth) {
        return Ok(Some(
            "the plan names someone who is not the youth here".into(),
        ));
    }
    if sender != &p.youth && !is_staff(role_in(conn, thread, sender)?) {
        return Ok(Some(
            "only the youth or a caseworker can make a plan".into(),
        ));
    }
    if let Some((t, y)) = store::plan_home(conn, &p.plan)?
        && (t != *thread || y != p.youth)
    {
        return Ok(Some("the plan belongs to another conversation".into()));
    }
    Ok(None)
}

pub(crate) fn plan(
    conn: &Connection,
    h: &EnvelopeHeader,
    p: &CheckInPlan,
    text: &str,
    sender_name: &str,
) -> Result<Applied, ClientError> {
    if let Some(why) = plan_refusal(conn, &h.thread, &h.sender, p)? {
        notice(
            conn,
            &h.thread,
            &format!("En smiley-plan fra {sender_name} blev afvist: {why}."),
        )?;
        return Ok(Applied::Done(h.thread.clone()));
    }
    store::insert_plan(conn, &h.id, &h.thread, &h.sender, h.sent_at_ms, p)?;
    conn.execute(
        "INSERT OR IGNORE INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
         VALUES (?1, ?2, ?3, ?4, 'check_in_plan', ?5, ?6, ?7, 'received')",
        params![h.id.as_str(), h.thread.as_str(), h.sender.as_str(), h.sender_device.as_str(), text, h.sent_at_ms, crate::engine::now_ms()],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO pending_receipts (thread_id, envelope_id, kind) VALUES (?1, ?2, 'delivered')",
        [h.thread.as_str(), h.id.as_str()],
    )?;
    Ok(Applied::Received(h.thread.clone()))
}

pub(crate) fn answer(
    conn: &Connection,
    h: &EnvelopeHeader,
    a: &CheckInAnswer,
) -> Result<Applied, ClientError> {
    let done = Applied::Done(h.thread.clone());
    if let Err(e) = a.validate() {
        tracing::warn!(envelope = %h.id, "a check-in answer was dropped: {e}");
        return Ok(done);
    }
    let revisions = store::revisions(conn, &a.plan)?;
    let Some(first) = revisions.first() else {
        tracing::warn!(envelope = %h.id, "a check-in answer to an unknown plan was dropped");
        return Ok(done);
    };
    if first.plan.youth != h.sender
        || store::plan_home(conn, &a.plan)?.map(|(t, _)| t) != Some(h.thread.clone())
    {
        tracing::warn!(envelope = %h.id, "a check-in answer from someone else than the plan's youth was dropped");
        return Ok(done);
    }
    // Send times and slots are the sender's numbers: compared without overflow, and a slot
    // must lie between the plan's start and the answer's own send time.
    if a.slot_ms > h.sent_at_ms.saturating_add(SKEW_MS)
        || a.slot_ms < first.made_at_ms.saturating_sub(DAY_MS)
    {
        tracing::warn!(envelope = %h.id, "a check-in answer to a slot outside the plan's life was dropped");
        return Ok(done);
    }
    let offered: Vec<&String> = revisions.iter().flat_map(|r| r.plan.tags.iter()).collect();
    let tags: Vec<String> = a
        .tags
        .iter()
        .filter(|t| offered.contains(t))
        .cloned()
        .collect();
    store::upsert_answer(conn, &h.id, &h.sender, h.sent_at_ms, a, &tags)?;
    Ok(done)
}

pub(crate) fn event(
    conn: &Connection,
    h: &EnvelopeHeader,
    e: &CareEvent,
    sender_name: &str,
) -> Result<Applied, ClientError> {
    let why = if let Err(err) = e.validate() {
        Some(err.0)
    } else if !is_staff(role_in(conn, &h.thread, &h.sender)?) {
        Some("only a caseworker can record events".into())
    } else if role_in(conn, &h.thread, &e.youth)? != Some(Role::Youth) {
        Some("the event names someone who is not the youth here".into())
    } else if store::event_home(conn, &e.event)?.is_some_and(|t| t != h.thread) {
        Some("the event belongs to another conversation".into())
    } else {
        None
    };
    if let Some(why) = why {
        notice(
            conn,
            &h.thread,
            &format!("En hændelse fra {sender_name} blev afvist: {why}."),
        )?;
        return Ok(Applied::Done(h.thread.clone()));
    }
    store::upsert_event(conn, &h.id, &h.thread, &h.sender, e)?;
    Ok(Applied::Done(h.thread.clone()))
}

#[cfg(test)]
mod tests {
    use samtale_proto::CareId;
    use samtale_proto::care::{EventCategory, PlanStatus, SlotTime, Weekday};

    use super::*;
    use crate::checkins::clock::{Date, to_utc};
    use crate::testworld::{count, header, notices, uid, world};

    fn at(day: u32, hour: u32) -> i64 {
        to_utc(
            Date {
                year: 2026,
                month: 3,
                day,
            },
            hour,
            0,
        )
    }

    fn a_plan(youth: u8) -> CheckInPlan {
        CheckInPlan {
            plan: CareId::from_parts(4, [9; 10]),
            revision: 1,
            youth: uid(youth),
            question: "Hvordan har du det lige nu?".into(),
            times: vec![SlotTime {
                days: Weekday::ALL.to_vec(),
                hour: 8,
                minute: 0,
            }],
            window_minutes: 180,
            tags: vec!["skole".into()],
            note: true,
            status: PlanStatus::Active,
        }
    }

    /// Each plan someone may not make is kept out and told once; the one they may is stored.
    #[test]
    fn plans_only_from_the_youth_or_staff_in_his_own_conversation() {
        let (_dir, conn) = world();
        let refused = [
            ("a parent", header(1, 1, 3, at(1, 7)), a_plan(2)),
            (
                "the family's conversation",
                header(2, 2, 1, at(1, 7)),
                a_plan(2),
            ),
            (
                "a plan naming the caseworker",
                header(3, 1, 1, at(1, 7)),
                a_plan(1),
            ),
            (
                "a plan naming a youth not here",
                header(4, 1, 1, at(1, 7)),
                a_plan(4),
            ),
            (
                "a plan without times",
                header(5, 1, 1, at(1, 7)),
                CheckInPlan {
                    times: vec![],
                    ..a_plan(2)
                },
            ),
        ];
        for (what, h, p) in &refused {
            let before = notices(&conn).len();
            plan(&conn, h, p, "x", "Afsender").unwrap();
            assert_eq!(count(&conn, "checkin_plans"), 0, "{what} was stored");
            assert_eq!(notices(&conn).len(), before + 1, "{what} was not told");
        }
        // Sara's plan for Mikkel in his conversation, and Mikkel's own change of it, are taken.
        plan(&conn, &header(6, 1, 1, at(1, 7)), &a_plan(2), "x", "Sara").unwrap();
        let paused = CheckInPlan {
            revision: 2,
            status: PlanStatus::Paused,
            ..a_plan(2)
        };
        plan(&conn, &header(7, 1, 2, at(2, 7)), &paused, "x", "Mikkel").unwrap();
        assert_eq!(count(&conn, "checkin_plans"), 2);
        // The same plan id moved to Jonas's conversation is refused; a replay changes nothing.
        let moved = CheckInPlan {
            youth: uid(4),
            revision: 3,
            ..a_plan(2)
        };
        plan(&conn, &header(8, 3, 1, at(3, 7)), &moved, "x", "Sara").unwrap();
        plan(&conn, &header(6, 1, 1, at(1, 7)), &a_plan(2), "x", "Sara").unwrap();
        assert_eq!(count(&conn, "checkin_plans"), 2);
        assert!(
            notices(&conn)
                .last()
                .unwrap()
                .contains("another conversation")
        );
    }

    /// Only the plan's youth answers; future slots are dropped; unknown tags are dropped; the
    /// newest answer to a slot wins and a replay or an older one changes nothing.
    #[test]
    fn answers_only_from_the_youth_and_the_newest_wins() {
        let (_dir, conn) = world();
        plan(&conn, &header(1, 1, 1, at(1, 7)), &a_plan(2), "x", "Sara").unwrap();
        let answer = |score: u8, tags: &[&str]| CheckInAnswer {
            plan: a_plan(2).plan,
            slot_ms: at(2, 8),
            score,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            note: None,
        };
        let stored = |conn: &Connection| -> Vec<(i64, u8, String)> {
            conn.prepare("SELECT slot_at, score, tags FROM checkin_answers ORDER BY slot_at")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        // From Sara, from a thread the plan is not in, for a slot after the send time, a score
        // of 6: all dropped.
        answer_env(&conn, header(2, 1, 1, at(2, 9)), answer(3, &[]));
        answer_env(&conn, header(3, 2, 2, at(2, 9)), answer(3, &[]));
        answer_env(&conn, header(4, 1, 2, at(2, 7)), answer(3, &[]));
        answer_env(&conn, header(5, 1, 2, at(2, 9)), answer(6, &[]));
        assert!(stored(&conn).is_empty());
        // Mikkel at 09.00 with a tag the plan has and one it has not.
        answer_env(
            &conn,
            header(6, 1, 2, at(2, 9)),
            answer(2, &["skole", "politik"]),
        );
        assert_eq!(stored(&conn), vec![(at(2, 8), 2, "[\"skole\"]".to_owned())]);
        // Numbers at the ends of the range, and a slot before the plan existed: dropped, no panic.
        let mut extreme = header(8, 1, 2, i64::MAX);
        answer_env(
            &conn,
            extreme.clone(),
            CheckInAnswer {
                slot_ms: i64::MIN,
                ..answer(3, &[])
            },
        );
        extreme.sent_at_ms = i64::MIN;
        answer_env(&conn, extreme, answer(3, &[]));
        answer_env(
            &conn,
            header(9, 1, 2, at(2, 9)),
            CheckInAnswer {
                slot_ms: at(1, 7) - 2 * DAY_MS,
                ..answer(3, &[])
            },
        );
        assert_eq!(stored(&conn).len(), 1);
        // He changes his mind at 10.00; then the 09.00 answer is replayed: 4 stays.
        answer_env(&conn, header(7, 1, 2, at(2, 10)), answer(4, &[]));
        answer_env(&conn, header(6, 1, 2, at(2, 9)), answer(2, &["skole"]));
        assert_eq!(stored(&conn), vec![(at(2, 8), 4, "[]".to_owned())]);
    }

    fn answer_env(conn: &Connection, h: EnvelopeHeader, a: CheckInAnswer) {
        answer(conn, &h, &a).unwrap();
    }

    /// Only staff record events, only about the conversation's youth, and an event id stays in
    /// its conversation; the newest revision wins.
    #[test]
    fn events_only_from_staff_about_the_youth() {
        let (_dir, conn) = world();
        let e = |revision: u32, youth: u8, text: &str| CareEvent {
            event: CareId::from_parts(5, [5; 10]),
            revision,
            youth: uid(youth),
            at_ms: at(3, 12),
            category: EventCategory::Decision,
            text: text.into(),
            shared: false,
            deleted: false,
        };
        event(
            &conn,
            &header(1, 1, 2, at(3, 13)),
            &e(1, 2, "fra Mikkel"),
            "Mikkel",
        )
        .unwrap();
        event(
            &conn,
            &header(2, 1, 1, at(3, 13)),
            &e(1, 4, "om Jonas"),
            "Sara",
        )
        .unwrap();
        assert_eq!(count(&conn, "care_events"), 0);
        assert_eq!(notices(&conn).len(), 2);
        event(
            &conn,
            &header(3, 1, 1, at(3, 13)),
            &e(1, 2, "afgørelse"),
            "Sara",
        )
        .unwrap();
        event(
            &conn,
            &header(4, 1, 1, at(3, 14)),
            &e(3, 2, "ændret"),
            "Sara",
        )
        .unwrap();
        event(
            &conn,
            &header(5, 1, 1, at(3, 15)),
            &e(2, 2, "for gammel"),
            "Sara",
        )
        .unwrap();
        event(
            &conn,
            &header(6, 3, 1, at(3, 15)),
            &e(4, 4, "flyttet"),
            "Sara",
        )
        .unwrap();
        let body: String = conn
            .query_row("SELECT body FROM care_events", [], |r| r.get(0))
            .unwrap();
        assert_eq!((count(&conn, "care_events"), body.as_str()), (1, "ændret"));
    }
}
