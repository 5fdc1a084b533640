//! The commands for reaching a citizen outside the app (issue 9): his number and address and
//! their codes, his consents, and for staff the "kan ikke nås digitalt" list. One line each
//! into the engine.

use samtale_ipc::IpcError;
use samtale_ipc::reach::commands::{ChannelArgs, ConsentArgs, SetContactArgs, VerifyArgs};
use samtale_proto::api::UnitInfo;
use samtale_proto::notices::{CodeSent, ConsentView, ContactView, UnreachableView};
use tauri::State;

use crate::shell::Shell;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub async fn contacts(shell: State<'_, Shell>) -> Res<Vec<ContactView>> {
    Ok(shell.client()?.contacts().await?)
}

#[tauri::command]
pub async fn set_contact(shell: State<'_, Shell>, args: SetContactArgs) -> Res<ContactView> {
    Ok(shell
        .client()?
        .set_contact(args.channel, &args.value)
        .await?)
}

#[tauri::command]
pub async fn remove_contact(shell: State<'_, Shell>, args: ChannelArgs) -> Res<()> {
    Ok(shell.client()?.remove_contact(args.channel).await?)
}

#[tauri::command]
pub async fn send_contact_code(shell: State<'_, Shell>, args: ChannelArgs) -> Res<CodeSent> {
    Ok(shell.client()?.send_contact_code(args.channel).await?)
}

#[tauri::command]
pub async fn verify_contact(shell: State<'_, Shell>, args: VerifyArgs) -> Res<ContactView> {
    Ok(shell
        .client()?
        .verify_contact(args.channel, &args.code)
        .await?)
}

#[tauri::command]
pub async fn consent_units(shell: State<'_, Shell>) -> Res<Vec<UnitInfo>> {
    Ok(shell.client()?.consent_units().await?)
}

#[tauri::command]
pub async fn consents(shell: State<'_, Shell>) -> Res<Vec<ConsentView>> {
    Ok(shell.client()?.consents().await?)
}

#[tauri::command]
pub async fn set_consent(shell: State<'_, Shell>, args: ConsentArgs) -> Res<Vec<ConsentView>> {
    Ok(shell
        .client()?
        .set_consent(&args.unit, args.purpose, args.channel, args.on)
        .await?)
}

#[tauri::command]
pub async fn unreachable(shell: State<'_, Shell>) -> Res<Vec<UnreachableView>> {
    Ok(shell.client()?.unreachable().await?)
}
