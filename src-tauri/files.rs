//! The file commands: send files with a message, fetch one, save a plain copy into Downloads,
//! stop a message whose files are still going up. One line each into the engine; the shell
//! adds only the Downloads folder (see [`crate::cards::downloads`]).

use samtale_client::MessageView;
use samtale_client::files::{FileInput, FileSource, FileView};
use samtale_ipc::files::commands::{BlobArgs, MessageArgs, SendFilesArgs};
use samtale_ipc::{ErrorKind, IpcError};
use tauri::{AppHandle, Runtime, State};

use crate::shell::Shell;

type Res<T> = Result<T, IpcError>;

fn input(a: samtale_ipc::files::AttachInput) -> Res<FileInput> {
    let source = match (a.path, a.bytes) {
        (Some(p), None) => FileSource::Path(p.into()),
        (None, Some(b)) => FileSource::Bytes(b.0),
        _ => {
            return Err(IpcError::new(
                ErrorKind::InvalidInput,
                "a file needs a path or its bytes, not both",
            ));
        }
    };
    Ok(FileInput {
        source,
        name: a.name,
        thumbnail: a.thumbnail.map(|t| t.0),
    })
}

#[tauri::command]
pub async fn send_files(shell: State<'_, Shell>, args: SendFilesArgs) -> Res<MessageView> {
    let files = args.files.into_iter().map(input).collect::<Res<Vec<_>>>()?;
    Ok(shell
        .client()?
        .send_files(&args.thread, &args.text, files)
        .await?)
}

#[tauri::command]
pub async fn fetch_file(shell: State<'_, Shell>, args: BlobArgs) -> Res<FileView> {
    Ok(shell.client()?.fetch_file(&args.blob).await?)
}

/// Saves a plain copy in Downloads; answers with where it went.
#[tauri::command]
pub async fn save_attachment<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    args: BlobArgs,
) -> Res<String> {
    let dir = crate::cards::downloads(&app)?;
    let path = shell.client()?.save_attachment(&args.blob, &dir).await?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub async fn cancel_sending(shell: State<'_, Shell>, args: MessageArgs) -> Res<()> {
    Ok(shell.client()?.cancel_sending(&args.message).await?)
}
