//! What a phone schedules ahead. A mobile OS suspends an app that is not in front, so the
//! shell cannot wait for a slot to open as the desktop app does (see the shell's
//! `reminders.rs`); it hands the OS the reminders of the next days instead and hands them again
//! whenever something changes (a sync, an answer). This lists them: each unanswered check-in
//! slot of this person's active plans, and each appointment reminder not given yet, with a key
//! that stays the same for the same reminder so scheduling twice replaces rather than doubles.

use samtale_proto::care::PlanStatus;

use crate::checkins::schedule;
use crate::engine::Client;
use crate::error::ClientError;

/// One reminder to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcoming {
    /// The same for the same reminder every time it is listed.
    pub key: String,
    pub at_ms: i64,
    pub what: UpcomingKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpcomingKind {
    /// A check-in slot opens ("Tid til dagens smiley").
    CheckIn,
    /// An appointment starts in `minutes_before` minutes.
    Appointment { minutes_before: u32 },
}

impl Client {
    /// The reminders due after now and within `horizon_ms`, in time order.
    pub fn upcoming_notices(&self, horizon_ms: i64) -> Result<Vec<Upcoming>, ClientError> {
        let s = self.session()?;
        let db = self.db();
        let now = self.clock_ms();
        let until = now.saturating_add(horizon_ms.max(0));
        let mut out = Vec::new();
        for plan in crate::checkins::store::plan_ids(&db, Some(&s.user))? {
            let revisions = crate::checkins::store::revisions(&db, &plan)?;
            for slot in schedule::slots(&revisions, now, until) {
                let active = schedule::in_force(&revisions, slot.at_ms)
                    .is_some_and(|r| r.plan.status == PlanStatus::Active);
                let answered =
                    !crate::checkins::store::answers(&db, &plan, slot.at_ms, slot.at_ms + 1)?
                        .is_empty();
                if slot.at_ms > now && active && !answered {
                    out.push(Upcoming {
                        key: format!("checkin:{plan}:{}", slot.at_ms),
                        at_ms: slot.at_ms,
                        what: UpcomingKind::CheckIn,
                    });
                }
            }
        }
        let latest_start =
            until.saturating_add(i64::from(samtale_proto::cards::MAX_REMINDER_MINUTES) * 60_000);
        for card in crate::cards::store::appointments_of(&db, &s.user, now, latest_start)? {
            let Ok(a) = serde_json::from_str::<samtale_proto::cards::Appointment>(&card.body)
            else {
                continue;
            };
            for &m in &a.reminders {
                let at = a.starts_at_ms - i64::from(m) * 60_000;
                // Not one already due (the desktop path gives those), nor one given.
                if at <= now || at > until {
                    continue;
                }
                if crate::cards::store::reminder_given(&db, &card.id, a.starts_at_ms, m)? {
                    continue;
                }
                out.push(Upcoming {
                    key: format!("appointment:{}:{}:{m}", card.id, a.starts_at_ms),
                    at_ms: at,
                    what: UpcomingKind::Appointment { minutes_before: m },
                });
            }
        }
        out.sort_by(|a, b| (a.at_ms, &a.key).cmp(&(b.at_ms, &b.key)));
        Ok(out)
    }
}
