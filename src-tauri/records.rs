//! The record commands ("Journalisér"): preview what a record will hold, record, list records,
//! try the undelivered ones again, see and set where records go. One line each into the engine.

use samtale_client::records::{ConnectorSettings, RecordPreview, RecordView};
use samtale_ipc::IpcError;
use samtale_ipc::records::commands::{RecordArgs, SaveConnectorArgs};
use tauri::State;

use crate::shell::Shell;

type Res<T> = Result<T, IpcError>;

#[tauri::command]
pub async fn preview_record(shell: State<'_, Shell>, args: RecordArgs) -> Res<RecordPreview> {
    Ok(shell.client()?.preview_record(&args.input).await?)
}

#[tauri::command]
pub async fn record(shell: State<'_, Shell>, args: RecordArgs) -> Res<RecordView> {
    Ok(shell.client()?.record(&args.input).await?)
}

#[tauri::command]
pub async fn records(shell: State<'_, Shell>) -> Res<Vec<RecordView>> {
    Ok(shell.client()?.records()?)
}

#[tauri::command]
pub async fn retry_records(shell: State<'_, Shell>) -> Res<Vec<RecordView>> {
    Ok(shell.client()?.retry_records().await?)
}

#[tauri::command]
pub async fn record_connector(shell: State<'_, Shell>) -> Res<ConnectorSettings> {
    Ok(shell.client()?.record_connector_settings()?)
}

#[tauri::command]
pub async fn save_record_connector(
    shell: State<'_, Shell>,
    args: SaveConnectorArgs,
) -> Res<ConnectorSettings> {
    Ok(shell
        .client()?
        .save_record_connector(args.connector, args.keep_secret)?)
}
