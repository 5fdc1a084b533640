//! Cards in a conversation: appointments (with each member's reply) and quick-feedback
//! questions (with each member's answer). Like the check-ins they are sealed payloads inside a
//! [`crate::MessagePayload`]'s `care` field; the server relays them and never sees a title, a
//! place, a question or an answer.
//!
//! An appointment or a question is sent whole on every change with a higher `revision`; a
//! device shows one card per id in its newest revision. A reply or an answer names the card it
//! belongs to; a member's newest one wins.

use serde::{Deserialize, Serialize};

use crate::care::{Invalid, MAX_NOTE_CHARS, MAX_QUESTION_CHARS};
use crate::ids::CareId;

/// Longest appointment title and place, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest video link, in bytes (it is ASCII).
pub const MAX_LINK_BYTES: usize = 500;
/// Most reminders of one appointment, and the earliest one: 14 days before.
pub const MAX_REMINDERS: usize = 4;
pub const MAX_REMINDER_MINUTES: u32 = 14 * 24 * 60;
/// Longest appointment: a whole day.
pub const MAX_APPOINTMENT_MINUTES: u16 = 24 * 60;
/// Most choices of a question, and the longest choice in characters.
pub const MAX_CHOICES: usize = 6;
pub const MAX_CHOICE_CHARS: usize = 60;

fn invalid<T>(why: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid(why.into()))
}

fn too_long(what: &str, text: &str, max: usize) -> Result<(), Invalid> {
    if text.chars().count() > max {
        return invalid(format!("{what} is too long: at most {max} characters"));
    }
    Ok(())
}

/// A meeting a caseworker puts into a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub appointment: CareId,
    pub revision: u32,
    pub title: String,
    /// When it starts (ms since the Unix epoch) and how long it lasts.
    pub starts_at_ms: i64,
    pub minutes: u16,
    #[serde(default)]
    pub place: String,
    /// A video link, `https://` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default)]
    pub note: String,
    /// When each member's device reminds, in minutes before the start.
    #[serde(default)]
    pub reminders: Vec<u32>,
    #[serde(default)]
    pub cancelled: bool,
}

impl Appointment {
    pub fn validate(&self) -> Result<(), Invalid> {
        let title = self.title.trim();
        if title.is_empty() {
            return invalid("the appointment needs a title, e.g. \"Samtale på kontoret\"");
        }
        too_long("the title", title, MAX_TITLE_CHARS)?;
        too_long("the place", &self.place, MAX_TITLE_CHARS)?;
        too_long("the note", &self.note, MAX_NOTE_CHARS)?;
        if self.minutes == 0 || self.minutes > MAX_APPOINTMENT_MINUTES {
            return invalid("an appointment lasts from 1 minute to 24 hours");
        }
        // Years 2000 to 2200: a time outside is a mistake, and keeps the arithmetic in range.
        if !(946_684_800_000..=7_258_118_400_000).contains(&self.starts_at_ms) {
            return invalid("the appointment's time is not a real date");
        }
        if let Some(link) = &self.link {
            if link.len() > MAX_LINK_BYTES {
                return invalid(format!(
                    "the video link is too long: at most {MAX_LINK_BYTES} characters"
                ));
            }
            if !link.starts_with("https://")
                || link.len() <= "https://".len()
                || link.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return invalid("a video link starts with https:// and has no spaces");
            }
        }
        if self.reminders.len() > MAX_REMINDERS {
            return invalid(format!("at most {MAX_REMINDERS} reminders"));
        }
        for (i, r) in self.reminders.iter().enumerate() {
            if *r == 0 || *r > MAX_REMINDER_MINUTES {
                return invalid("a reminder comes 1 minute to 14 days before the appointment");
            }
            if self.reminders[..i].contains(r) {
                return invalid("the same reminder is given twice");
            }
        }
        Ok(())
    }
}

/// A member's answer to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rsvp {
    /// "Jeg kommer".
    Coming,
    /// "Jeg kan ikke".
    Cannot,
    /// "Kan vi flytte det?".
    Reschedule,
}

impl Rsvp {
    pub const ALL: [Rsvp; 3] = [Rsvp::Coming, Rsvp::Cannot, Rsvp::Reschedule];

    pub fn as_str(self) -> &'static str {
        match self {
            Rsvp::Coming => "coming",
            Rsvp::Cannot => "cannot",
            Rsvp::Reschedule => "reschedule",
        }
    }

    pub fn parse(s: &str) -> Option<Rsvp> {
        Rsvp::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The button's words, which are also the plain text an older client shows.
    pub fn danish(self) -> &'static str {
        match self {
            Rsvp::Coming => "Jeg kommer",
            Rsvp::Cannot => "Jeg kan ikke",
            Rsvp::Reschedule => "Kan vi flytte det?",
        }
    }
}

/// A member's reply to an appointment. `starts_at_ms` is the time it answers: after the
/// appointment moves, a reply to the old time shows as such.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentReply {
    pub appointment: CareId,
    pub starts_at_ms: i64,
    pub answer: Rsvp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl AppointmentReply {
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(c) = &self.comment {
            too_long("the comment", c, MAX_NOTE_CHARS)?;
        }
        Ok(())
    }
}

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionForm {
    /// Five smileys, 1 (very bad) to 5 (very good).
    Smileys,
    /// 1 is yes, 2 is no.
    YesNo,
    /// 1 to the number of choices.
    Choices { choices: Vec<String> },
}

impl QuestionForm {
    /// How many values an answer may take (1 to this).
    pub fn values(&self) -> u8 {
        match self {
            QuestionForm::Smileys => 5,
            QuestionForm::YesNo => 2,
            QuestionForm::Choices { choices } => u8::try_from(choices.len()).unwrap_or(u8::MAX),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            QuestionForm::Smileys => "smileys",
            QuestionForm::YesNo => "yes_no",
            QuestionForm::Choices { .. } => "choices",
        }
    }

    /// An answer's value in words ("4 af 5", "Ja", the choice).
    pub fn label(&self, value: u8) -> String {
        match self {
            QuestionForm::Smileys => format!("{value} af 5"),
            QuestionForm::YesNo if value == 1 => "Ja".into(),
            QuestionForm::YesNo => "Nej".into(),
            QuestionForm::Choices { choices } => choices
                .get(usize::from(value).wrapping_sub(1))
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// A caseworker's quick question in a conversation. Closing it is a revision with `closed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub question: CareId,
    pub revision: u32,
    pub text: String,
    pub form: QuestionForm,
    /// Whether the card offers a comment field.
    #[serde(default)]
    pub comment: bool,
    #[serde(default)]
    pub closed: bool,
}

impl Question {
    pub fn validate(&self) -> Result<(), Invalid> {
        let text = self.text.trim();
        if text.is_empty() {
            return invalid("the question needs a text, e.g. \"Hvordan var mødet i dag?\"");
        }
        too_long("the question", text, MAX_QUESTION_CHARS)?;
        if let QuestionForm::Choices { choices } = &self.form {
            if !(2..=MAX_CHOICES).contains(&choices.len()) {
                return invalid(format!("a question has 2 to {MAX_CHOICES} choices"));
            }
            for (i, c) in choices.iter().enumerate() {
                let c = c.trim();
                if c.is_empty() || c.chars().count() > MAX_CHOICE_CHARS {
                    return invalid(format!("a choice is 1 to {MAX_CHOICE_CHARS} characters"));
                }
                if choices[..i].iter().any(|o| o.trim() == c) {
                    return invalid(format!("the choice \"{c}\" is given twice"));
                }
            }
        }
        Ok(())
    }
}

/// A member's answer to a question; a newer one from the same member replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackAnswer {
    pub question: CareId,
    pub value: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl FeedbackAnswer {
    /// The answer's own rules; whether its value fits the question is checked against it.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.value == 0 {
            return invalid("an answer is 1 or more");
        }
        if let Some(c) = &self.comment {
            too_long("the comment", c, MAX_NOTE_CHARS)?;
        }
        Ok(())
    }

    pub fn fits(&self, form: &QuestionForm) -> Result<(), Invalid> {
        if !(1..=form.values()).contains(&self.value) {
            return invalid(format!(
                "the answer {} does not fit the question: pick 1 to {}",
                self.value,
                form.values()
            ));
        }
        Ok(())
    }
}
