//! The care tools' sealed payloads: smiley check-in plans, the youth's answers, and the events a
//! caseworker records on a youth's timeline (appointments and questions are in [`crate::cards`]).
//! They travel inside a [`crate::MessagePayload`]'s `care` field, beside a plain `text` that an
//! older client shows instead.
//!
//! The shapes and their limits live here so that the sending and the receiving client apply the
//! same rules: a plan or answer that breaks them is refused when made and ignored when received.
//! What depends on the conversation (who may answer, which tags a plan offers) is checked by
//! the client engine.

use serde::{Deserialize, Serialize};

use crate::cards::{Appointment, AppointmentReply, FeedbackAnswer, Question};
use crate::ids::{CareId, UserId};

/// Longest check-in question, in characters.
pub const MAX_QUESTION_CHARS: usize = 200;
/// Most tags a plan offers, and the longest tag in characters.
pub const MAX_TAGS: usize = 12;
pub const MAX_TAG_CHARS: usize = 30;
/// Most check-in times in one plan (each on some weekdays).
pub const MAX_SLOT_TIMES: usize = 8;
/// Longest note with an answer, and longest event text, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// The answer window of a slot: from 15 minutes to 12 hours.
pub const MIN_WINDOW_MINUTES: u16 = 15;
pub const MAX_WINDOW_MINUTES: u16 = 720;

/// Why a care payload is not acceptable, in words for the person who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

fn invalid<T>(why: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid(why.into()))
}

/// A day of the week, Monday first as in Denmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// 0 for Monday to 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<Weekday> {
        Weekday::ALL.get(i).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    pub fn parse(s: &str) -> Option<Weekday> {
        Weekday::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// One check-in time of day (Danish local time) on some weekdays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotTime {
    pub days: Vec<Weekday>,
    pub hour: u8,
    pub minute: u8,
}

impl SlotTime {
    /// Minutes after local midnight.
    pub fn minute_of_day(&self) -> u16 {
        u16::from(self.hour) * 60 + u16::from(self.minute)
    }
}

/// Whether a plan asks for answers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Active,
    /// The youth or the caseworker paused it; it can be resumed.
    Paused,
    /// Ended for good; a new plan starts afresh.
    Stopped,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Active => "active",
            PlanStatus::Paused => "paused",
            PlanStatus::Stopped => "stopped",
        }
    }
}

/// A youth's check-in plan. Every change is sent whole with a higher `revision`; a device keeps
/// each revision it receives, because a slot exists when the revision in force at that moment
/// has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInPlan {
    pub plan: CareId,
    pub revision: u32,
    /// The youth whose mood the plan asks for; only he answers.
    pub youth: UserId,
    pub question: String,
    pub times: Vec<SlotTime>,
    /// How long after a slot an answer counts as on time.
    pub window_minutes: u16,
    /// Tags the youth may tick with an answer.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Whether the answer card offers a short note.
    #[serde(default)]
    pub note: bool,
    pub status: PlanStatus,
}

impl CheckInPlan {
    /// The plan's own rules: a question, one to eight valid times each on at least one day, a
    /// sensible window, a short list of short tags.
    pub fn validate(&self) -> Result<(), Invalid> {
        let q = self.question.trim();
        if q.is_empty() {
            return invalid("the plan needs a question, e.g. \"Hvordan har du det lige nu?\"");
        }
        if q.chars().count() > MAX_QUESTION_CHARS {
            return invalid(format!(
                "the question is too long: at most {MAX_QUESTION_CHARS} characters"
            ));
        }
        if self.times.is_empty() {
            return invalid("the plan has no times: add at least one time of day and its days");
        }
        if self.times.len() > MAX_SLOT_TIMES {
            return invalid(format!(
                "the plan has {} times; at most {MAX_SLOT_TIMES}",
                self.times.len()
            ));
        }
        for t in &self.times {
            if t.hour > 23 || t.minute > 59 {
                return invalid(format!(
                    "{:02}.{:02} is not a time of day: hours run 0-23 and minutes 0-59",
                    t.hour, t.minute
                ));
            }
            if t.days.is_empty() {
                return invalid(format!(
                    "the time {:02}.{:02} has no weekdays",
                    t.hour, t.minute
                ));
            }
        }
        for (i, a) in self.times.iter().enumerate() {
            for b in &self.times[i + 1..] {
                if a.minute_of_day() == b.minute_of_day()
                    && a.days.iter().any(|d| b.days.contains(d))
                {
                    return invalid(format!(
                        "the time {:02}.{:02} is given twice on the same day",
                        a.hour, a.minute
                    ));
                }
            }
        }
        if !(MIN_WINDOW_MINUTES..=MAX_WINDOW_MINUTES).contains(&self.window_minutes) {
            return invalid(format!(
                "the answer window must be {MIN_WINDOW_MINUTES} to {MAX_WINDOW_MINUTES} minutes"
            ));
        }
        if self.tags.len() > MAX_TAGS {
            return invalid(format!("at most {MAX_TAGS} tags"));
        }
        for (i, tag) in self.tags.iter().enumerate() {
            let t = tag.trim();
            if t.is_empty() || t.chars().count() > MAX_TAG_CHARS {
                return invalid(format!("a tag must be 1 to {MAX_TAG_CHARS} characters"));
            }
            if self.tags[..i].iter().any(|o| o.trim() == t) {
                return invalid(format!("the tag \"{t}\" is given twice"));
            }
        }
        Ok(())
    }
}

/// The youth's answer to one slot of a plan. The moment he answered is the envelope's signed
/// `sent_at_ms`; answering the same slot again replaces the earlier answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInAnswer {
    pub plan: CareId,
    /// The slot answered: its scheduled moment (ms since the Unix epoch).
    pub slot_ms: i64,
    /// 1 (very bad) to 5 (very good).
    pub score: u8,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CheckInAnswer {
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(1..=5).contains(&self.score) {
            return invalid(format!("a smiley is 1 to 5, not {}", self.score));
        }
        if self.tags.len() > MAX_TAGS {
            return invalid(format!("at most {MAX_TAGS} tags"));
        }
        if let Some(note) = &self.note
            && note.chars().count() > MAX_NOTE_CHARS
        {
            return invalid(format!(
                "the note is too long: at most {MAX_NOTE_CHARS} characters"
            ));
        }
        Ok(())
    }
}

/// What kind of thing happened in a youth's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventCategory {
    /// Skoleskift.
    SchoolChange,
    /// Afgørelse.
    Decision,
    /// Flyttet hjemmefra.
    MovedOut,
    /// Fravær.
    Absence,
    /// Anything else, said in the text.
    Other,
}

impl EventCategory {
    pub const ALL: [EventCategory; 5] = [
        EventCategory::SchoolChange,
        EventCategory::Decision,
        EventCategory::MovedOut,
        EventCategory::Absence,
        EventCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventCategory::SchoolChange => "school_change",
            EventCategory::Decision => "decision",
            EventCategory::MovedOut => "moved_out",
            EventCategory::Absence => "absence",
            EventCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<EventCategory> {
        EventCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Something that happened around a youth, recorded by a caseworker for the timeline. Sealed
/// only to the staff in the conversation unless `shared` is set; a later revision with the same
/// id replaces it (or removes it, with `deleted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareEvent {
    pub event: CareId,
    pub revision: u32,
    pub youth: UserId,
    /// When it happened (ms since the Unix epoch).
    pub at_ms: i64,
    pub category: EventCategory,
    pub text: String,
    /// Sealed to the youth too.
    #[serde(default)]
    pub shared: bool,
    #[serde(default)]
    pub deleted: bool,
}

impl CareEvent {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.text.chars().count() > MAX_NOTE_CHARS {
            return invalid(format!(
                "the text is too long: at most {MAX_NOTE_CHARS} characters"
            ));
        }
        if self.category == EventCategory::Other && self.text.trim().is_empty() && !self.deleted {
            return invalid("say in a few words what happened");
        }
        Ok(())
    }
}

/// A care payload: one of the above, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Care {
    CheckInPlan(CheckInPlan),
    CheckIn(CheckInAnswer),
    Event(CareEvent),
    Appointment(Appointment),
    AppointmentReply(AppointmentReply),
    Question(Question),
    Feedback(FeedbackAnswer),
    Record(crate::records::RecordMark),
}

impl Care {
    pub fn validate(&self) -> Result<(), Invalid> {
        match self {
            Care::CheckInPlan(p) => p.validate(),
            Care::CheckIn(a) => a.validate(),
            Care::Event(e) => e.validate(),
            Care::Appointment(a) => a.validate(),
            Care::AppointmentReply(r) => r.validate(),
            Care::Question(q) => q.validate(),
            Care::Feedback(f) => f.validate(),
            Care::Record(r) => r.validate(),
        }
    }
}
