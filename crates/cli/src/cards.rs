//! Appointments and quick questions on the command line: put one in, move or cancel it, reply,
//! get its calendar file; ask, answer, close; list a conversation's cards. Times are Danish
//! local time.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use samtale_client::Client;
use samtale_client::card_views::{AppointmentInput, CardView, QuestionInput};
use samtale_proto::CareId;
use samtale_proto::cards::{QuestionForm, Rsvp};

use crate::care::local_moment;
use crate::print::Printer;
use crate::thread_id;

#[derive(Subcommand)]
pub enum CardCommand {
    /// Put an appointment into a conversation (caseworkers), or change one (--appointment).
    Appointment {
        thread: String,
        #[arg(long)]
        title: String,
        /// When it starts: `YYYY-MM-DDTHH:MM` (Danish time).
        #[arg(long)]
        at: String,
        /// How long it lasts, in minutes.
        #[arg(long, default_value_t = 60)]
        minutes: u16,
        #[arg(long, default_value = "")]
        place: String,
        /// A video link (https://).
        #[arg(long)]
        link: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Minutes before the start each member's device reminds; repeat for more. Default: the
        /// day before (1440) and the hour before (60).
        #[arg(long = "remind")]
        reminders: Vec<u32>,
        /// Change (move) this appointment instead of making a new one.
        #[arg(long)]
        appointment: Option<String>,
    },
    /// Cancel an appointment (caseworkers).
    CancelAppointment { appointment: String },
    /// Reply to an appointment: `coming`, `cannot` or `reschedule`.
    Rsvp {
        appointment: String,
        answer: String,
        #[arg(long)]
        comment: Option<String>,
    },
    /// An appointment as an iCalendar file (to stdout, or --out FILE).
    Ics {
        appointment: String,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Ask a quick question in a conversation (caseworkers).
    Ask {
        thread: String,
        text: String,
        /// `smileys` (1-5), `yes_no` (1 yes, 2 no) or `choices` (give --choice twice or more).
        #[arg(long, default_value = "smileys")]
        form: String,
        #[arg(long = "choice")]
        choices: Vec<String>,
        /// Offer a comment field.
        #[arg(long)]
        comment: bool,
    },
    /// Answer a question: the value's number (smileys 1-5, yes 1 / no 2, or the choice's number).
    Answer {
        question: String,
        value: u8,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Close a question (caseworkers): later answers do not count.
    CloseQuestion { question: String },
    /// The appointments and questions of a conversation, with the replies.
    Cards { thread: String },
}

fn care_id(s: &str) -> Result<CareId> {
    CareId::parse(s.trim()).with_context(|| format!("{s:?} is not an appointment or question id"))
}

fn form(name: &str, choices: Vec<String>) -> Result<QuestionForm> {
    if name != "choices" && !choices.is_empty() {
        bail!("--choice goes with --form choices");
    }
    Ok(match name {
        "smileys" => QuestionForm::Smileys,
        "yes_no" => QuestionForm::YesNo,
        "choices" => QuestionForm::Choices { choices },
        other => bail!("--form is smileys, yes_no or choices, not {other:?}"),
    })
}

pub async fn run(client: &Client, command: CardCommand, out: &Printer) -> Result<()> {
    match command {
        CardCommand::Appointment {
            thread,
            title,
            at,
            minutes,
            place,
            link,
            note,
            reminders,
            appointment,
        } => {
            let input = AppointmentInput {
                appointment: appointment.as_deref().map(care_id).transpose()?,
                title,
                starts_at_ms: local_moment(&at)?,
                minutes,
                place,
                link,
                note,
                reminders: (!reminders.is_empty()).then_some(reminders),
                cancelled: false,
            };
            let view = client.save_appointment(&thread_id(&thread)?, input).await?;
            out.card(&CardView::Appointment(view))
        }
        CardCommand::CancelAppointment { appointment } => {
            let id = care_id(&appointment)?;
            let _ = client.sync().await;
            let a = client.appointment(&id)?;
            let input = AppointmentInput {
                appointment: Some(id),
                title: a.title,
                starts_at_ms: a.starts_at_ms,
                minutes: a.minutes,
                place: a.place,
                link: a.link,
                note: a.note,
                reminders: Some(a.reminders),
                cancelled: true,
            };
            let view = client.save_appointment(&a.thread, input).await?;
            out.card(&CardView::Appointment(view))
        }
        CardCommand::Rsvp {
            appointment,
            answer,
            comment,
        } => {
            let answer = Rsvp::parse(&answer).with_context(|| {
                format!("the answer is coming, cannot or reschedule, not {answer:?}")
            })?;
            let _ = client.sync().await;
            let view = client
                .reply_appointment(&care_id(&appointment)?, answer, comment)
                .await?;
            out.card(&CardView::Appointment(view))
        }
        CardCommand::Ics {
            appointment,
            out: file,
        } => {
            let _ = client.sync().await;
            let ics = client.appointment_ics(&care_id(&appointment)?)?;
            match file {
                Some(path) => {
                    std::fs::write(&path, ics)
                        .with_context(|| format!("could not write {}", path.display()))?;
                    out.done("saved")
                }
                None => {
                    print!("{ics}");
                    Ok(())
                }
            }
        }
        CardCommand::Ask {
            thread,
            text,
            form: name,
            choices,
            comment,
        } => {
            let input = QuestionInput {
                text,
                form: form(&name, choices)?,
                comment,
            };
            let view = client.ask_question(&thread_id(&thread)?, input).await?;
            out.card(&CardView::Question(view))
        }
        CardCommand::Answer {
            question,
            value,
            comment,
        } => {
            let _ = client.sync().await;
            let view = client
                .answer_question(&care_id(&question)?, value, comment)
                .await?;
            out.card(&CardView::Question(view))
        }
        CardCommand::CloseQuestion { question } => {
            let _ = client.sync().await;
            let view = client.close_question(&care_id(&question)?).await?;
            out.card(&CardView::Question(view))
        }
        CardCommand::Cards { thread } => {
            let _ = client.sync().await;
            out.cards(&client.cards(&thread_id(&thread)?)?)
        }
    }
}
