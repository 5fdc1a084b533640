//! View models of the care tools: check-in plans, the due check-in card, a youth's timeline
//! (answers, missed slots, events, patterns and flags), and what a plan or an event is made
//! from. The engine computes everything here; the UI only draws and words it.

use samtale_proto::care::{EventCategory, PlanStatus, SlotTime};
use samtale_proto::{CareId, ThreadId};
use serde::{Deserialize, Serialize};

use crate::views::MemberView;

/// What a plan is made or changed from. `plan: None` makes a new plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanInput {
    #[serde(default)]
    pub plan: Option<CareId>,
    pub question: String,
    pub times: Vec<SlotTime>,
    pub window_minutes: u16,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub note: bool,
    pub status: PlanStatus,
}

/// A check-in plan as it stands (its newest revision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub plan: CareId,
    pub thread: ThreadId,
    pub youth: MemberView,
    /// Who made this revision.
    pub changed_by: MemberView,
    pub revision: u32,
    pub changed_at_ms: i64,
    pub question: String,
    pub times: Vec<SlotTime>,
    pub window_minutes: u16,
    pub tags: Vec<String>,
    pub note: bool,
    pub status: PlanStatus,
    /// Everyone besides the youth who sees his answers.
    pub seen_by: Vec<MemberView>,
    pub next_slot_ms: Option<i64>,
}

/// An answer to one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerView {
    pub plan: CareId,
    pub slot_ms: i64,
    pub score: u8,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub answered_at_ms: i64,
    /// Answered after the plan's window.
    pub late: bool,
    /// Still waiting in this device's outbox.
    pub pending: bool,
}

/// A slot open for the youth's answer now: the card on his home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueCheckIn {
    pub plan: CareId,
    pub thread: ThreadId,
    pub question: String,
    pub slot_ms: i64,
    pub window_end_ms: i64,
    pub closes_ms: i64,
    pub tags: Vec<String>,
    pub note: bool,
    /// His answer so far, if he gave one (answering again replaces it).
    pub answer: Option<AnswerView>,
    /// Who besides him sees the answer.
    pub seen_by: Vec<MemberView>,
}

/// A youth's answer to the slot open now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerInput {
    pub plan: CareId,
    pub score: u8,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// What an event on the timeline is made from. `event: None` records a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventInput {
    #[serde(default)]
    pub event: Option<CareId>,
    pub at_ms: i64,
    pub category: EventCategory,
    #[serde(default)]
    pub text: String,
    /// Shown to the youth too; otherwise only staff in the conversation see it.
    #[serde(default)]
    pub shared: bool,
    #[serde(default)]
    pub deleted: bool,
}

/// Where a timeline event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSource {
    /// Recorded by a caseworker.
    Recorded,
    /// An appointment in a conversation the youth is in (at its start).
    Appointment,
    /// The youth's answer to a quick question (when he answered).
    Feedback,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub id: CareId,
    pub thread: ThreadId,
    pub source: EventSource,
    pub at_ms: i64,
    pub category: EventCategory,
    pub text: String,
    pub shared: bool,
    pub author: MemberView,
}

/// One answered slot on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePoint {
    pub slot_ms: i64,
    pub answered_at_ms: i64,
    pub score: u8,
    // Most answers have no tags, no note and are on time: leaving those out of the JSON takes
    // a two-year timeline from ~195 KB to about half (decoded in the UI on every range change).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

/// The mean of the 7 days ending with a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayMean {
    pub day_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeMean {
    pub hour: u32,
    pub minute: u32,
    pub mean: f64,
    pub answers: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    pub tag: String,
    /// Times it went with a low answer (1 or 2).
    pub low: usize,
    pub all: usize,
}

/// A change worth the caseworker's look, with the numbers that explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Flag {
    /// The last 7 days' mean against the 28 days before.
    Drop { recent: f64, before: f64 },
    /// The last `n` answers were the lowest.
    LowStreak { n: u32 },
    /// The last `n` slots were missed.
    MissedStreak { n: u32 },
}

/// A caseworker's thresholds for one youth's flags. 0 turns a streak rule off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlagRules {
    pub drop: f64,
    pub low_streak: u32,
    pub missed_streak: u32,
}

/// A youth's check-ins over a period, with what happened around them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineView {
    pub youth: MemberView,
    pub from_ms: i64,
    pub to_ms: i64,
    pub now_ms: i64,
    pub points: Vec<TimelinePoint>,
    /// Slots that closed without an answer.
    pub missed: Vec<i64>,
    pub events: Vec<EventView>,
    pub rolling: Vec<DayMean>,
    /// Mean by weekday, Monday first.
    pub by_weekday: Vec<Option<f64>>,
    pub by_time: Vec<TimeMean>,
    pub low_tags: Vec<TagCount>,
    /// The flags that hold now (over the last five weeks, whatever the period shown).
    pub flags: Vec<Flag>,
    pub rules: FlagRules,
}

/// One youth's flags for the caseworker's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YouthFlags {
    pub youth: MemberView,
    pub flags: Vec<Flag>,
}

/// The shell's care commands (see [`crate::commands`] for how commands are named and called).
pub mod commands {
    use samtale_proto::care::PlanStatus;
    use samtale_proto::{CareId, ThreadId, UserId};
    use serde::{Deserialize, Serialize};

    use super::{EventInput, FlagRules, PlanInput};

    pub const PLANS: &str = "plans";
    pub const SAVE_PLAN: &str = "save_plan";
    pub const SET_PLAN_STATUS: &str = "set_plan_status";
    pub const DUE_CHECK_INS: &str = "due_check_ins";
    pub const ANSWER_CHECK_IN: &str = "answer_check_in";
    pub const TIMELINE: &str = "timeline";
    pub const RECORD_EVENT: &str = "record_event";
    pub const YOUTH_FLAGS: &str = "youth_flags";
    pub const SET_FLAG_RULES: &str = "set_flag_rules";

    /// All plans, or one youth's.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PlansArgs {
        #[serde(default)]
        pub youth: Option<UserId>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SavePlanArgs {
        pub thread: ThreadId,
        pub input: PlanInput,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PlanStatusArgs {
        pub plan: CareId,
        pub status: PlanStatus,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct TimelineArgs {
        pub youth: UserId,
        pub from_ms: i64,
        pub to_ms: i64,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct RecordEventArgs {
        pub thread: ThreadId,
        pub input: EventInput,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct FlagRulesArgs {
        pub youth: UserId,
        pub rules: FlagRules,
    }
}
