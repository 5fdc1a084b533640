//! What the screens show of check-ins: plans as they stand, the card due now, a youth's
//! timeline with its patterns and flags, and the flags across a caseworker's youths. Every
//! view is computed from the local store with the pure rules of `schedule` and `patterns`.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use samtale_ipc::care::{
    AnswerView, DayMean, DueCheckIn, EventSource, EventView, Flag, FlagRules, PlanView, TagCount,
    TimeMean, TimelinePoint, TimelineView, YouthFlags,
};
use samtale_proto::api::Role;
use samtale_proto::care::{EventCategory, PlanStatus};
use samtale_proto::{CareId, UserId};

use super::patterns::{self, Mark, Rules};
use super::schedule::{self, Outcome, Revision};
use super::store;
use crate::engine::Client;
use crate::error::ClientError;
use crate::query::members;
use crate::views::MemberView;

const DAY_MS: i64 = 86_400_000;
/// Flags look at the last week against the four before it.
const FLAG_SPAN_MS: i64 = 35 * DAY_MS;

pub(crate) fn person(conn: &Connection, user: &UserId) -> Result<MemberView, ClientError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT display_name, role FROM users WHERE id = ?1",
            [user.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (display_name, role) = row.unwrap_or_else(|| ("En deltager".into(), "youth".into()));
    Ok(MemberView {
        user: user.clone(),
        display_name,
        role: Role::parse(&role).unwrap_or(Role::Youth),
    })
}

fn plan_view(conn: &Connection, plan: &CareId, now: i64) -> Result<PlanView, ClientError> {
    let revisions = store::revisions(conn, plan)?;
    let (Some(latest), Some((thread, author, changed_at_ms))) = (
        revisions
            .iter()
            .max_by_key(|r| (r.made_at_ms, r.plan.revision)),
        store::latest_meta(conn, plan)?,
    ) else {
        return Err(ClientError::NotFound("check-in plan"));
    };
    let p = &latest.plan;
    let seen_by = members(conn, thread.as_str())?
        .into_iter()
        .filter(|m| m.user != p.youth)
        .collect();
    Ok(PlanView {
        plan: plan.clone(),
        thread,
        youth: person(conn, &p.youth)?,
        changed_by: person(conn, &author)?,
        revision: p.revision,
        changed_at_ms,
        question: p.question.clone(),
        times: p.times.clone(),
        window_minutes: p.window_minutes,
        tags: p.tags.clone(),
        note: p.note,
        status: p.status,
        seen_by,
        next_slot_ms: schedule::next_slot(&revisions, now).map(|s| s.at_ms),
    })
}

fn rules_for(conn: &Connection, youth: &UserId) -> Result<Rules, ClientError> {
    let row: Option<(i64, u32, u32)> = conn
        .query_row(
            "SELECT drop_tenths, low_streak, missed_streak FROM checkin_rules WHERE youth = ?1",
            [youth.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match row {
        Some((d, low, missed)) => Rules {
            drop: d as f64 / 10.0,
            low_streak: low,
            missed_streak: missed,
        },
        None => Rules::default(),
    })
}

/// A youth's slots in `[from, to)` as they went by `now`: the answered ones as points, the
/// missed ones, and both as marks for the pattern rules. Answers to slots the plan no longer
/// shows (a device with a different view of the plan) are kept as points: no answer is lost.
struct Marks {
    points: Vec<TimelinePoint>,
    missed: Vec<i64>,
    marks: Vec<Mark>,
}

fn marks(
    conn: &Connection,
    youth: &UserId,
    from: i64,
    to: i64,
    now: i64,
) -> Result<Marks, ClientError> {
    let mut out = Marks {
        points: Vec::new(),
        missed: Vec::new(),
        marks: Vec::new(),
    };
    for plan in store::plan_ids(conn, Some(youth))? {
        let revisions = store::revisions(conn, &plan)?;
        let mut answers: HashMap<i64, store::StoredAnswer> = store::answers(conn, &plan, from, to)?
            .into_iter()
            .map(|a| (a.slot_ms, a))
            .collect();
        for slot in schedule::slots(&revisions, from, to) {
            let answer = answers.remove(&slot.at_ms);
            match (
                schedule::outcome(&slot, answer.as_ref().map(|a| a.answered_at), now),
                answer,
            ) {
                (Outcome::Open, _) => {}
                (Outcome::Missed, _) => {
                    out.missed.push(slot.at_ms);
                    out.marks.push(Mark {
                        slot_ms: slot.at_ms,
                        score: None,
                        tags: Vec::new(),
                    });
                }
                (outcome, Some(a)) => push_point(&mut out, a, outcome == Outcome::Late),
                (_, None) => {}
            }
        }
        for (_, a) in answers {
            let late = late_without_slot(&revisions, &a);
            push_point(&mut out, a, late);
        }
    }
    out.points.sort_by_key(|p| p.slot_ms);
    out.missed.sort_unstable();
    out.marks.sort_by_key(|m| m.slot_ms);
    Ok(out)
}

fn late_without_slot(revisions: &[Revision], a: &store::StoredAnswer) -> bool {
    let window = schedule::in_force(revisions, a.slot_ms)
        .map(|r| i64::from(r.plan.window_minutes) * 60_000)
        .unwrap_or(0);
    a.answered_at > a.slot_ms.saturating_add(window)
}

fn push_point(out: &mut Marks, a: store::StoredAnswer, late: bool) {
    out.marks.push(Mark {
        slot_ms: a.slot_ms,
        score: Some(a.score),
        tags: a.tags.clone(),
    });
    out.points.push(TimelinePoint {
        slot_ms: a.slot_ms,
        answered_at_ms: a.answered_at,
        score: a.score,
        tags: a.tags,
        note: a.note,
        late,
    });
}

fn flag_view(f: patterns::Flag) -> Flag {
    match f {
        patterns::Flag::Drop { recent, before } => Flag::Drop { recent, before },
        patterns::Flag::LowStreak { n } => Flag::LowStreak { n },
        patterns::Flag::MissedStreak { n } => Flag::MissedStreak { n },
    }
}

fn flags_now(conn: &Connection, youth: &UserId, now: i64) -> Result<Vec<Flag>, ClientError> {
    let m = marks(conn, youth, now - FLAG_SPAN_MS, now, now)?;
    Ok(patterns::flags(&m.marks, now, &rules_for(conn, youth)?)
        .into_iter()
        .map(flag_view)
        .collect())
}

fn event_view(conn: &Connection, e: store::StoredEvent) -> Result<EventView, ClientError> {
    Ok(EventView {
        id: e.id,
        thread: e.thread,
        source: EventSource::Recorded,
        at_ms: e.at_ms,
        category: EventCategory::parse(&e.category).unwrap_or(EventCategory::Other),
        text: e.text,
        shared: e.shared,
        author: person(conn, &e.author)?,
    })
}

pub(crate) fn event(conn: &Connection, id: &CareId) -> Result<EventView, ClientError> {
    match store::event(conn, id)? {
        Some(e) => event_view(conn, e),
        None => Err(ClientError::NotFound("event")),
    }
}

impl Client {
    /// One plan as it stands.
    pub fn plan(&self, plan: &CareId) -> Result<PlanView, ClientError> {
        plan_view(&self.db(), plan, self.clock_ms())
    }

    /// The plans this device knows, optionally only one youth's, oldest first.
    pub fn plans(&self, youth: Option<&UserId>) -> Result<Vec<PlanView>, ClientError> {
        let db = self.db();
        let now = self.clock_ms();
        store::plan_ids(&db, youth)?
            .iter()
            .map(|p| plan_view(&db, p, now))
            .collect()
    }

    /// The check-ins this person can answer now: one card per active plan whose slot is open,
    /// with the answer given so far.
    pub fn due_check_ins(&self) -> Result<Vec<DueCheckIn>, ClientError> {
        let s = self.session()?;
        let db = self.db();
        let now = self.clock_ms();
        let mut out = Vec::new();
        for plan in store::plan_ids(&db, Some(&s.user))? {
            let revisions = store::revisions(&db, &plan)?;
            let Some(slot) = schedule::open_slot(&revisions, now) else {
                continue;
            };
            let Some(rev) = schedule::in_force(&revisions, slot.at_ms) else {
                continue;
            };
            if rev.plan.status != PlanStatus::Active {
                continue;
            }
            let Some((thread, _)) = store::plan_home(&db, &plan)? else {
                continue;
            };
            let answer = match store::answers(&db, &plan, slot.at_ms, slot.at_ms + 1)?.pop() {
                Some(a) => Some(AnswerView {
                    pending: store::pending(&db, &a.envelope)?,
                    late: a.answered_at > slot.window_end_ms,
                    plan: a.plan,
                    slot_ms: a.slot_ms,
                    score: a.score,
                    tags: a.tags,
                    note: a.note,
                    answered_at_ms: a.answered_at,
                }),
                None => None,
            };
            let seen_by = members(&db, thread.as_str())?
                .into_iter()
                .filter(|m| m.user != s.user)
                .collect();
            out.push(DueCheckIn {
                plan,
                thread,
                seen_by,
                question: rev.plan.question.clone(),
                slot_ms: slot.at_ms,
                window_end_ms: slot.window_end_ms,
                closes_ms: slot.closes_ms,
                tags: rev.plan.tags.clone(),
                note: rev.plan.note,
                answer,
            });
        }
        Ok(out)
    }

    /// A youth's check-ins in `[from_ms, to_ms)` with the events around them, the patterns in
    /// that period, and the flags that hold now. A youth sees his own (without the events only
    /// staff can read).
    pub fn timeline(
        &self,
        youth: &UserId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<TimelineView, ClientError> {
        // 1970 to 2200: whatever else a caller passes is a mistake (and would overflow below).
        const LATEST_MS: i64 = 7_258_118_400_000;
        if from_ms < 0
            || to_ms > LATEST_MS
            || to_ms <= from_ms
            || to_ms - from_ms > 3 * 366 * DAY_MS
        {
            return Err(ClientError::Invalid(
                "a timeline spans from a moment to a later one, at most three years".into(),
            ));
        }
        let db = self.db();
        let now = self.clock_ms();
        // A week before the period, so its first days have a rolling mean.
        let m = marks(&db, youth, from_ms - 7 * DAY_MS, to_ms, now)?;
        let in_range: Vec<Mark> = m
            .marks
            .iter()
            .filter(|x| x.slot_ms >= from_ms)
            .cloned()
            .collect();
        let p = patterns::patterns(&in_range);
        let rules = rules_for(&db, youth)?;
        let mut events = store::events(&db, youth, from_ms, to_ms)?
            .into_iter()
            .map(|e| event_view(&db, e))
            .collect::<Result<Vec<_>, _>>()?;
        events.extend(crate::cards::timeline_events(&db, youth, from_ms, to_ms)?);
        events.sort_by_key(|e| e.at_ms);
        Ok(TimelineView {
            youth: person(&db, youth)?,
            from_ms,
            to_ms,
            now_ms: now,
            points: m
                .points
                .into_iter()
                .filter(|x| x.slot_ms >= from_ms)
                .collect(),
            missed: m.missed.into_iter().filter(|&x| x >= from_ms).collect(),
            events,
            rolling: patterns::rolling_week(&m.marks, from_ms, to_ms.min(now))
                .into_iter()
                .map(|(day_ms, mean)| DayMean { day_ms, mean })
                .collect(),
            by_weekday: p.by_weekday.to_vec(),
            by_time: p
                .by_time
                .into_iter()
                .map(|(hour, minute, mean, answers)| TimeMean {
                    hour,
                    minute,
                    mean,
                    answers,
                })
                .collect(),
            low_tags: p
                .low_tags
                .into_iter()
                .map(|(tag, low, all)| TagCount { tag, low, all })
                .collect(),
            flags: flags_now(&db, youth, now)?,
            rules: FlagRules {
                drop: rules.drop,
                low_streak: rules.low_streak,
                missed_streak: rules.missed_streak,
            },
        })
    }

    /// Every youth with a plan and the flags that hold for them now, flagged ones first: the
    /// caseworker's list.
    pub fn youth_flags(&self) -> Result<Vec<YouthFlags>, ClientError> {
        let db = self.db();
        let now = self.clock_ms();
        let mut youths: Vec<UserId> = Vec::new();
        for plan in store::plan_ids(&db, None)? {
            if let Some((_, y)) = store::plan_home(&db, &plan)?
                && !youths.contains(&y)
            {
                youths.push(y);
            }
        }
        let mut out = youths
            .iter()
            .map(|y| {
                Ok(YouthFlags {
                    youth: person(&db, y)?,
                    flags: flags_now(&db, y, now)?,
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        out.sort_by_key(|f| f.flags.is_empty());
        Ok(out)
    }
}
