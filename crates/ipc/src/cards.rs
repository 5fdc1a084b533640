//! View models of the cards in a conversation: appointments with each member's reply, and
//! quick-feedback questions with each member's answer and the counts. The engine computes them;
//! the UI draws and words them.

use samtale_proto::cards::{QuestionForm, Rsvp};
use samtale_proto::{CareId, ThreadId};
use serde::{Deserialize, Serialize};

use crate::views::MemberView;

/// What an appointment is made or changed from. `appointment: None` makes a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentInput {
    #[serde(default)]
    pub appointment: Option<CareId>,
    pub title: String,
    pub starts_at_ms: i64,
    pub minutes: u16,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub note: String,
    /// Minutes before the start; `None` takes the default (24 hours and 1 hour).
    #[serde(default)]
    pub reminders: Option<Vec<u32>>,
    #[serde(default)]
    pub cancelled: bool,
}

/// One member's reply on an appointment card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyView {
    pub member: MemberView,
    pub answer: Rsvp,
    pub comment: Option<String>,
    pub at_ms: i64,
    /// Given to an earlier time: the appointment has moved since.
    pub earlier_time: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub id: CareId,
    pub thread: ThreadId,
    pub revision: u32,
    pub author: MemberView,
    pub changed_at_ms: i64,
    pub title: String,
    pub starts_at_ms: i64,
    pub minutes: u16,
    pub place: String,
    pub link: Option<String>,
    pub note: String,
    pub reminders: Vec<u32>,
    pub cancelled: bool,
    /// Every member's newest reply (members who have not replied are in `waiting`).
    pub replies: Vec<ReplyView>,
    pub waiting: Vec<MemberView>,
    /// This person's own reply, if any.
    pub mine: Option<Rsvp>,
    /// Whether this person replies to it (a member who did not make it, while it stands).
    pub can_reply: bool,
    /// Whether this person may move or cancel it (staff in the conversation).
    pub can_edit: bool,
}

/// What a question is asked from. `question: None` asks a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionInput {
    pub text: String,
    pub form: QuestionForm,
    #[serde(default)]
    pub comment: bool,
}

/// One member's answer on a question card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackView {
    pub member: MemberView,
    pub value: u8,
    /// The value in words ("4 af 5", "Ja", the choice).
    pub label: String,
    pub comment: Option<String>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: CareId,
    pub thread: ThreadId,
    pub author: MemberView,
    pub asked_at_ms: i64,
    pub text: String,
    pub form: QuestionForm,
    pub comment: bool,
    pub closed: bool,
    /// Staff see every member's answer; a member only his own (answers are sealed to staff).
    pub answers: Vec<FeedbackView>,
    /// How many answered each value, value 1 first (of the answers above).
    pub counts: Vec<u32>,
    /// Members who may answer and have not (empty for members).
    pub waiting: Vec<MemberView>,
    pub mine: Option<u8>,
    /// Whether this person answers it (a member who is not staff, while it is open).
    pub can_answer: bool,
    /// Whether this person may close it (staff in the conversation).
    pub can_close: bool,
}

/// A card in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "card", rename_all = "snake_case")]
pub enum CardView {
    Appointment(AppointmentView),
    Question(QuestionView),
}

/// An appointment reminder due now on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderView {
    pub appointment: CareId,
    pub thread: ThreadId,
    pub starts_at_ms: i64,
    pub minutes_before: u32,
}

/// The shell's card commands (see [`crate::commands`] for how commands are named and called).
pub mod commands {
    use samtale_proto::cards::Rsvp;
    use samtale_proto::{CareId, ThreadId};
    use serde::{Deserialize, Serialize};

    use super::{AppointmentInput, QuestionInput};

    pub const SAVE_APPOINTMENT: &str = "save_appointment";
    pub const REPLY_APPOINTMENT: &str = "reply_appointment";
    pub const SAVE_ICS: &str = "save_ics";
    pub const ASK_QUESTION: &str = "ask_question";
    pub const ANSWER_QUESTION: &str = "answer_question";
    pub const CLOSE_QUESTION: &str = "close_question";
    pub const EXPORT_TIMELINE: &str = "export_timeline";
    pub const PLAN_MESSAGE: &str = "plan_message";
    pub const CANCEL_PLANNED: &str = "cancel_planned";

    /// A message written now that the server releases at `at_ms`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PlanMessageArgs {
        pub thread: ThreadId,
        pub text: String,
        pub at_ms: i64,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CancelPlannedArgs {
        pub message: samtale_proto::EnvelopeId,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SaveAppointmentArgs {
        pub thread: ThreadId,
        pub input: AppointmentInput,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ReplyArgs {
        pub appointment: CareId,
        pub answer: Rsvp,
        #[serde(default)]
        pub comment: Option<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CardArgs {
        pub id: CareId,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct AskArgs {
        pub thread: ThreadId,
        pub input: QuestionInput,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct AnswerQuestionArgs {
        pub question: CareId,
        pub value: u8,
        #[serde(default)]
        pub comment: Option<String>,
    }
}
