//! The care tools' commands: check-in plans, the due cards, answers, a youth's timeline,
//! events and flags. One line each into the engine, like [`crate::commands`].

use samtale_client::care::commands::*;
use samtale_client::care::{
    AnswerInput, AnswerView, DueCheckIn, EventView, PlanView, TimelineView, YouthFlags,
};
use samtale_ipc::IpcError;
use tauri::State;

use crate::shell::Shell;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub async fn plans(shell: State<'_, Shell>, args: PlansArgs) -> Res<Vec<PlanView>> {
    Ok(shell.client()?.plans(args.youth.as_ref())?)
}

#[tauri::command]
pub async fn save_plan(shell: State<'_, Shell>, args: SavePlanArgs) -> Res<PlanView> {
    Ok(shell.client()?.save_plan(&args.thread, args.input).await?)
}

#[tauri::command]
pub async fn set_plan_status(shell: State<'_, Shell>, args: PlanStatusArgs) -> Res<PlanView> {
    Ok(shell
        .client()?
        .set_plan_status(&args.plan, args.status)
        .await?)
}

#[tauri::command]
pub async fn due_check_ins(shell: State<'_, Shell>) -> Res<Vec<DueCheckIn>> {
    Ok(shell.client()?.due_check_ins()?)
}

#[tauri::command]
pub async fn answer_check_in(shell: State<'_, Shell>, args: AnswerInput) -> Res<AnswerView> {
    Ok(shell.client()?.answer_check_in(args).await?)
}

#[tauri::command]
pub async fn timeline(shell: State<'_, Shell>, args: TimelineArgs) -> Res<TimelineView> {
    Ok(shell
        .client()?
        .timeline(&args.youth, args.from_ms, args.to_ms)?)
}

#[tauri::command]
pub async fn record_event(shell: State<'_, Shell>, args: RecordEventArgs) -> Res<EventView> {
    Ok(shell
        .client()?
        .record_event(&args.thread, args.input)
        .await?)
}

#[tauri::command]
pub async fn youth_flags(shell: State<'_, Shell>) -> Res<Vec<YouthFlags>> {
    Ok(shell.client()?.youth_flags()?)
}

#[tauri::command]
pub async fn set_flag_rules(shell: State<'_, Shell>, args: FlagRulesArgs) -> Res<()> {
    Ok(shell.client()?.set_flag_rules(&args.youth, args.rules)?)
}
