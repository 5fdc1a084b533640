//! The commands for reaching a citizen outside the app (issue 9): his number and address and
//! their codes, his consents, and for staff the "kan ikke nås digitalt" list. One line each
//! into the engine.

use samtale_ipc::IpcError;
use samtale_ipc::reach::commands::{
    ChannelArgs, CitizenArgs, ConsentArgs, EditUnitArgs, SetContactArgs, VerifyArgs,
};
use samtale_proto::api::{NewUnit, UnitInfo};
use samtale_proto::notices::{CodeSent, ConsentView, ContactView, UnreachableView};
use tauri::{AppHandle, Runtime, State};

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
        .set_consent(
            &args.unit,
            args.purpose,
            args.channel,
            args.on,
            args.for_youth,
        )
        .await?)
}

#[tauri::command]
pub async fn unreachable(shell: State<'_, Shell>) -> Res<Vec<UnreachableView>> {
    Ok(shell.client()?.unreachable().await?)
}

#[tauri::command]
pub async fn consent_prompt(shell: State<'_, Shell>) -> Res<bool> {
    Ok(shell.client()?.consent_prompt().await?)
}

/// Saves the letter for a citizen nothing digital reaches in Downloads; answers where.
#[tauri::command]
pub async fn save_letter<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    args: CitizenArgs,
) -> Res<String> {
    let (name, pdf) = shell.client()?.unreachable_letter(&args.citizen).await?;
    crate::cards::save_file(&app, &name, &pdf)
}

/// Saves the "kan ikke nås digitalt" list as CSV in Downloads; answers where.
#[tauri::command]
pub async fn save_unreachable_csv<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> Res<String> {
    let csv = shell.client()?.unreachable_csv().await?;
    crate::cards::save_file(&app, "kan-ikke-naas-digitalt.csv", csv.as_bytes())
}

#[tauri::command]
pub async fn units(shell: State<'_, Shell>) -> Res<Vec<UnitInfo>> {
    Ok(shell.client()?.units().await?)
}

#[tauri::command]
pub async fn add_unit(shell: State<'_, Shell>, args: NewUnit) -> Res<UnitInfo> {
    Ok(shell.client()?.add_unit(&args).await?)
}

#[tauri::command]
pub async fn edit_unit(shell: State<'_, Shell>, args: EditUnitArgs) -> Res<UnitInfo> {
    Ok(shell.client()?.edit_unit(&args.id, &args.unit).await?)
}

#[tauri::command]
pub async fn youth_consents(shell: State<'_, Shell>, args: CitizenArgs) -> Res<Vec<ConsentView>> {
    Ok(shell.client()?.consents_for(&args.citizen).await?)
}
