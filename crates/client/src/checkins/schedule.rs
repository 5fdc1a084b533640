//! When check-ins are due, and how each slot went: pure functions of a plan's revisions, the
//! answers and the time, table-tested without a database.
//!
//! A plan is kept as every revision received. A slot at moment `t` exists when the revision in
//! force at `t` (the newest one made at or before `t`) is active and has that local time on that
//! weekday, so a plan changed at noon keeps the morning's slot and takes the new evening time.
//! A slot is open for an answer until the next slot begins (at most a day): within the plan's
//! window the answer is on time, after it late; a slot closed without an answer is missed.
//! A plan's first revision also counts the slot whose window is still open when it is made.

use samtale_proto::care::{CheckInPlan, PlanStatus};

use super::clock::{self, Date};

const DAY_MS: i64 = 86_400_000;

/// One revision of a plan and the moment it was made (the envelope's signed send time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub made_at_ms: i64,
    pub plan: CheckInPlan,
}

/// One scheduled check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub at_ms: i64,
    /// End of the on-time window.
    pub window_end_ms: i64,
    /// When the slot stops taking answers: the next slot, or a day after this one.
    pub closes_ms: i64,
}

/// How a slot went, seen at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    OnTime,
    Late,
    Missed,
    /// Still open and unanswered.
    Open,
}

/// The revision in force at `t`: the newest made at or before it. Ties go to the higher
/// revision number, so every device picks the same one. The first revision also takes the slot
/// whose window was still open when it was made: a plan made at 08.30 asks for 08.00's smiley.
pub fn in_force(revisions: &[Revision], t: i64) -> Option<&Revision> {
    let first = revisions.iter().map(|r| r.made_at_ms).min();
    revisions
        .iter()
        .filter(|r| {
            let grace = if Some(r.made_at_ms) == first {
                i64::from(r.plan.window_minutes) * 60_000
            } else {
                0
            };
            r.made_at_ms.saturating_sub(grace) <= t
        })
        .max_by_key(|r| (r.made_at_ms, r.plan.revision))
}

/// The slots in `[from_ms, to_ms)`, in time order.
pub fn slots(revisions: &[Revision], from_ms: i64, to_ms: i64) -> Vec<Slot> {
    let mut at: Vec<i64> = Vec::new();
    if revisions.is_empty() || to_ms <= from_ms {
        return Vec::new();
    }
    // Start a day early so the first slot's closing time is known from its predecessor.
    let first = clock::local(from_ms).date.add_days(-1);
    let last = clock::local(to_ms).date.add_days(1);
    let mut day: Date = first;
    while day <= last {
        let wd = clock::weekday(day);
        let mut times: Vec<(u32, u32)> = revisions
            .iter()
            .flat_map(|r| r.plan.times.iter())
            .filter(|t| t.days.iter().any(|d| d.index() == wd))
            .map(|t| (u32::from(t.hour), u32::from(t.minute)))
            .collect();
        times.sort_unstable();
        times.dedup();
        for (h, m) in times {
            let t = clock::to_utc(day, h, m);
            let Some(rev) = in_force(revisions, t) else {
                continue;
            };
            let listed = rev.plan.times.iter().any(|s| {
                u32::from(s.hour) == h
                    && u32::from(s.minute) == m
                    && s.days.iter().any(|d| d.index() == wd)
            });
            if rev.plan.status == PlanStatus::Active && listed {
                at.push(t);
            }
        }
        day = day.add_days(1);
    }
    at.sort_unstable();
    at.dedup();
    let mut out = Vec::new();
    for (i, &t) in at.iter().enumerate() {
        if t < from_ms || t >= to_ms {
            continue;
        }
        let window = in_force(revisions, t)
            .map(|r| i64::from(r.plan.window_minutes) * 60_000)
            .unwrap_or(0);
        let closes = at.get(i + 1).copied().unwrap_or(i64::MAX).min(t + DAY_MS);
        out.push(Slot {
            at_ms: t,
            window_end_ms: (t + window).min(closes),
            closes_ms: closes,
        });
    }
    out
}

/// The slot open for an answer at `now`, if any.
pub fn open_slot(revisions: &[Revision], now: i64) -> Option<Slot> {
    slots(revisions, now - DAY_MS, now + 1)
        .into_iter()
        .rev()
        .find(|s| s.at_ms <= now && now < s.closes_ms)
}

/// The next slot after `now`, for a reminder.
pub fn next_slot(revisions: &[Revision], now: i64) -> Option<Slot> {
    // A plan lists each time on at least one weekday, so a week always holds the next one.
    slots(revisions, now + 1, now + 8 * DAY_MS)
        .into_iter()
        .next()
}

/// How a slot went: answered at `answered_at` (if at all), seen at `now`.
pub fn outcome(slot: &Slot, answered_at: Option<i64>, now: i64) -> Outcome {
    match answered_at {
        Some(a) if a <= slot.window_end_ms => Outcome::OnTime,
        Some(_) => Outcome::Late,
        None if now >= slot.closes_ms => Outcome::Missed,
        None => Outcome::Open,
    }
}

#[cfg(test)]
mod tests {
    use samtale_proto::CareId;
    use samtale_proto::UserId;
    use samtale_proto::care::{SlotTime, Weekday};

    use super::*;
    use crate::checkins::clock::to_utc;

    fn d(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    const SCHOOL: [Weekday; 5] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];

    fn plan(revision: u32, times: &[(&[Weekday], u8, u8)], status: PlanStatus) -> CheckInPlan {
        CheckInPlan {
            plan: CareId::from_parts(1, [1; 10]),
            revision,
            youth: UserId::from_parts(1, [2; 10]),
            question: "Hvordan har du det lige nu?".into(),
            times: times
                .iter()
                .map(|(days, hour, minute)| SlotTime {
                    days: days.to_vec(),
                    hour: *hour,
                    minute: *minute,
                })
                .collect(),
            window_minutes: 180,
            tags: vec![],
            note: false,
            status,
        }
    }

    fn school_and_weekend(revision: u32, status: PlanStatus) -> CheckInPlan {
        plan(
            revision,
            &[
                (&SCHOOL, 8, 0),
                (&SCHOOL, 20, 0),
                (&[Weekday::Sat, Weekday::Sun], 11, 0),
            ],
            status,
        )
    }

    fn local_times(slots: &[Slot]) -> Vec<String> {
        slots
            .iter()
            .map(|s| {
                let l = clock::local(s.at_ms);
                format!(
                    "{:02}-{:02} {:02}.{:02}",
                    l.date.month, l.date.day, l.hour, l.minute
                )
            })
            .collect()
    }

    /// The week of the spring change: Friday 27 March to Tuesday 31 March 2026. Every slot stays
    /// on its Danish clock time although the UTC offset moves on Sunday 29th.
    #[test]
    fn slots_keep_local_time_across_both_2026_changes() {
        let made = to_utc(d(2026, 1, 1), 0, 0);
        let revs = vec![Revision {
            made_at_ms: made,
            plan: school_and_weekend(1, PlanStatus::Active),
        }];
        let got = slots(
            &revs,
            to_utc(d(2026, 3, 27), 0, 0),
            to_utc(d(2026, 3, 31), 0, 0),
        );
        assert_eq!(
            local_times(&got),
            [
                "03-27 08.00",
                "03-27 20.00",
                "03-28 11.00",
                "03-29 11.00",
                "03-30 08.00",
                "03-30 20.00"
            ]
        );
        // Sunday's 11.00 is 10.00 UTC after the change, Saturday's was 10.00 UTC + 1 h.
        assert_eq!(got[3].at_ms - got[2].at_ms, 23 * 3_600_000);
        let got = slots(
            &revs,
            to_utc(d(2026, 10, 24), 0, 0),
            to_utc(d(2026, 10, 27), 0, 0),
        );
        assert_eq!(
            local_times(&got),
            ["10-24 11.00", "10-25 11.00", "10-26 08.00", "10-26 20.00"]
        );
        assert_eq!(got[1].at_ms - got[0].at_ms, 25 * 3_600_000);
        // A slot in the skipped hour moves an hour on rather than vanishing.
        let night = vec![Revision {
            made_at_ms: made,
            plan: plan(1, &[(&[Weekday::Sun], 2, 30)], PlanStatus::Active),
        }];
        let got = slots(
            &night,
            to_utc(d(2026, 3, 29), 0, 0),
            to_utc(d(2026, 3, 30), 0, 0),
        );
        assert_eq!(local_times(&got), ["03-29 03.30"]);
    }

    /// Changed at noon on Wednesday 4 March 2026 from 08/20 to 09/21: the morning keeps 08.00,
    /// the evening takes 21.00; a pause from Thursday noon stops the slots until it is lifted.
    #[test]
    fn a_plan_changed_mid_day_and_paused() {
        let revs = vec![
            Revision {
                made_at_ms: to_utc(d(2026, 3, 1), 12, 0),
                plan: plan(1, &[(&SCHOOL, 8, 0), (&SCHOOL, 20, 0)], PlanStatus::Active),
            },
            Revision {
                made_at_ms: to_utc(d(2026, 3, 4), 12, 0),
                plan: plan(2, &[(&SCHOOL, 9, 0), (&SCHOOL, 21, 0)], PlanStatus::Active),
            },
            Revision {
                made_at_ms: to_utc(d(2026, 3, 5), 12, 0),
                plan: plan(3, &[(&SCHOOL, 9, 0), (&SCHOOL, 21, 0)], PlanStatus::Paused),
            },
            Revision {
                made_at_ms: to_utc(d(2026, 3, 9), 8, 30),
                plan: plan(4, &[(&SCHOOL, 9, 0), (&SCHOOL, 21, 0)], PlanStatus::Active),
            },
        ];
        let got = slots(
            &revs,
            to_utc(d(2026, 3, 4), 0, 0),
            to_utc(d(2026, 3, 10), 0, 0),
        );
        assert_eq!(
            local_times(&got),
            [
                "03-04 08.00",
                "03-04 21.00",
                "03-05 09.00",
                "03-09 09.00",
                "03-09 21.00"
            ]
        );
        // Nothing before the plan was made.
        assert!(slots(&revs, to_utc(d(2026, 2, 1), 0, 0), revs[0].made_at_ms).is_empty());
        // Made at 08.30 on a school day, the plan asks for 08.00's smiley (its window is open),
        // made at 11.30 it does not.
        let made = |h: u32, m: u32| {
            vec![Revision {
                made_at_ms: to_utc(d(2026, 3, 4), h, m),
                plan: plan(1, &[(&SCHOOL, 8, 0)], PlanStatus::Active),
            }]
        };
        let day = (to_utc(d(2026, 3, 4), 0, 0), to_utc(d(2026, 3, 5), 0, 0));
        assert_eq!(
            local_times(&slots(&made(8, 30), day.0, day.1)),
            ["03-04 08.00"]
        );
        assert!(slots(&made(11, 30), day.0, day.1).is_empty());
        // A stopped plan has no next slot.
        let stopped = vec![Revision {
            made_at_ms: 0,
            plan: plan(1, &[(&SCHOOL, 8, 0)], PlanStatus::Stopped),
        }];
        assert_eq!(next_slot(&stopped, to_utc(d(2026, 3, 4), 0, 0)), None);
    }

    /// On time within the window, late after it, missed once the next slot begins, open before.
    #[test]
    fn late_and_missed() {
        let revs = vec![Revision {
            made_at_ms: 0,
            plan: plan(1, &[(&SCHOOL, 8, 0), (&SCHOOL, 20, 0)], PlanStatus::Active),
        }];
        let morning = to_utc(d(2026, 3, 4), 8, 0);
        let slot = open_slot(&revs, morning + 60_000).unwrap();
        assert_eq!(slot.at_ms, morning);
        assert_eq!(slot.window_end_ms, morning + 3 * 3_600_000);
        assert_eq!(slot.closes_ms, to_utc(d(2026, 3, 4), 20, 0));
        let h = 3_600_000;
        let table = [
            (Some(morning + h), morning + 2 * h, Outcome::OnTime),
            (Some(morning + 3 * h), morning + 4 * h, Outcome::OnTime),
            (Some(morning + 3 * h + 1), morning + 4 * h, Outcome::Late),
            (None, morning + 4 * h, Outcome::Open),
            (None, morning + 12 * h, Outcome::Missed),
        ];
        for (answered, now, want) in table {
            assert_eq!(outcome(&slot, answered, now), want, "{answered:?} at {now}");
        }
        // Friday evening's slot stays open until Monday morning? No: a day at most.
        let friday = to_utc(d(2026, 3, 6), 20, 0);
        let s = open_slot(&revs, friday + h).unwrap();
        assert_eq!(s.closes_ms, friday + DAY_MS);
        assert_eq!(open_slot(&revs, friday + DAY_MS + h), None);
        assert_eq!(
            next_slot(&revs, friday + h).map(|s| s.at_ms),
            Some(to_utc(d(2026, 3, 9), 8, 0))
        );
    }
}
