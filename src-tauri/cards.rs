//! The card commands: appointments and replies, questions and answers, and files the person
//! saves (an appointment's calendar file, a timeline as CSV). One line each into the engine,
//! like [`crate::commands`]; [`save_file`] is the shell's part, since only the shell knows the
//! platform's Downloads folder.

use std::path::PathBuf;

use samtale_client::MessageView;
use samtale_client::card_views::commands::*;
use samtale_client::card_views::{AppointmentView, QuestionView};
use samtale_client::care::commands::TimelineArgs;
use samtale_ipc::{ErrorKind, IpcError};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::shell::Shell;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub async fn save_appointment(
    shell: State<'_, Shell>,
    args: SaveAppointmentArgs,
) -> Res<AppointmentView> {
    Ok(shell
        .client()?
        .save_appointment(&args.thread, args.input)
        .await?)
}

#[tauri::command]
pub async fn reply_appointment(shell: State<'_, Shell>, args: ReplyArgs) -> Res<AppointmentView> {
    Ok(shell
        .client()?
        .reply_appointment(&args.appointment, args.answer, args.comment)
        .await?)
}

#[tauri::command]
pub async fn ask_question(shell: State<'_, Shell>, args: AskArgs) -> Res<QuestionView> {
    Ok(shell
        .client()?
        .ask_question(&args.thread, args.input)
        .await?)
}

#[tauri::command]
pub async fn answer_question(
    shell: State<'_, Shell>,
    args: AnswerQuestionArgs,
) -> Res<QuestionView> {
    Ok(shell
        .client()?
        .answer_question(&args.question, args.value, args.comment)
        .await?)
}

#[tauri::command]
pub async fn close_question(shell: State<'_, Shell>, args: CardArgs) -> Res<QuestionView> {
    Ok(shell.client()?.close_question(&args.id).await?)
}

#[tauri::command]
pub async fn plan_message(shell: State<'_, Shell>, args: PlanMessageArgs) -> Res<MessageView> {
    Ok(shell
        .client()?
        .plan_message(&args.thread, &args.text, args.at_ms)
        .await?)
}

#[tauri::command]
pub async fn cancel_planned(shell: State<'_, Shell>, args: CancelPlannedArgs) -> Res<()> {
    Ok(shell.client()?.cancel_planned(&args.message).await?)
}

/// Saves the appointment's calendar file in Downloads; answers with where it went.
#[tauri::command]
pub async fn save_ics<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    args: CardArgs,
) -> Res<String> {
    save_file(
        &app,
        "aftale.ics",
        shell.client()?.appointment_ics(&args.id)?.as_bytes(),
    )
}

/// Saves a youth's timeline as CSV in Downloads; answers with where it went.
#[tauri::command]
pub async fn export_timeline<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    args: TimelineArgs,
) -> Res<String> {
    let view = shell
        .client()?
        .timeline(&args.youth, args.from_ms, args.to_ms)?;
    save_file(
        &app,
        "smileys.csv",
        samtale_client::checkins::csv(&view).as_bytes(),
    )
}

pub(crate) fn downloads<R: Runtime>(app: &AppHandle<R>) -> Res<PathBuf> {
    if let Ok(dir) = std::env::var("SAMTALE_DOWNLOADS") {
        return Ok(PathBuf::from(dir));
    }
    app.path().download_dir().map_err(|e| {
        IpcError::new(
            ErrorKind::Internal,
            format!("this device has no Downloads folder to save in: {e}"),
        )
    })
}

/// Writes `content` to `name` in Downloads, as `name-2`, `name-3`, … when that is taken, so
/// nothing there is overwritten.
pub(crate) fn save_file<R: Runtime>(app: &AppHandle<R>, name: &str, content: &[u8]) -> Res<String> {
    let dir = downloads(app)?;
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let failed = |e: std::io::Error| {
        IpcError::new(
            ErrorKind::Internal,
            format!("the file could not be saved in {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(&dir).map_err(failed)?;
    for n in 1..1000 {
        let file = if n == 1 {
            dir.join(name)
        } else {
            dir.join(format!("{stem}-{n}.{ext}"))
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file)
        {
            Ok(mut f) => {
                std::io::Write::write_all(&mut f, content).map_err(failed)?;
                return Ok(file.display().to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(failed(e)),
        }
    }
    Err(IpcError::new(
        ErrorKind::Internal,
        format!("{} holds too many files named {name}", dir.display()),
    ))
}
