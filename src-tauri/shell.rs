//! The state every command shares: the open engine (or why it could not be opened), and the
//! engine's live loop, started once there is an account. While the app lock is on, only the
//! lock's own commands reach the engine ([`Shell::client`] is the gate).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use samtale_client::Client;
use samtale_ipc::{ErrorKind, IpcError};
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::watch;

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Notes when the app started, for the start-up time logged by [`ready`].
pub fn mark_start() {
    let _ = STARTED.set(Instant::now());
}

/// The UI has its first interactive screen up: log how long that took from start, and the
/// wall clock, so `crates/bench/startup.sh` can measure from before the process existed.
pub fn ready(page: samtale_ipc::commands::ReadyArgs) {
    let since_start_ms = STARTED.get().map(|s| s.elapsed().as_millis()).unwrap_or(0);
    let unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    tracing::info!(
        since_start_ms,
        unix_ms,
        wasm_start_ms = page.wasm_start_ms.round() as u64,
        painted_ms = page.painted_ms.round() as u64,
        "first screen ready"
    );
}

pub struct Shell {
    client: Result<Arc<Client>, IpcError>,
    live: Mutex<Option<watch::Sender<bool>>>,
}

/// The profile directory: `SAMTALE_PROFILE`, else the platform's app data directory.
fn profile_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, IpcError> {
    if let Ok(dir) = std::env::var("SAMTALE_PROFILE") {
        return Ok(PathBuf::from(dir));
    }
    app.path()
        .app_data_dir()
        .map(|d| d.join("profile"))
        .map_err(|e| {
            IpcError::new(
                ErrorKind::Internal,
                format!("no place to keep data on this device: {e}"),
            )
        })
}

impl Shell {
    /// Opens the profile's engine; failures are kept and shown by every command.
    pub fn open<R: Runtime>(app: &AppHandle<R>) -> Shell {
        let client = profile_dir(app).and_then(|dir| {
            let key = crate::keystore::database_key(&dir.to_string_lossy())?;
            Client::open(&dir, &key)
                .map(Arc::new)
                .map_err(IpcError::from)
        });
        if let Err(e) = &client {
            tracing::error!(error = %e, "cannot open the profile");
        }
        let shell = Shell {
            client,
            live: Mutex::new(None),
        };
        shell.start_live();
        shell
    }

    /// For tests: a shell around an engine opened by the caller.
    pub fn with_client(client: Arc<Client>) -> Shell {
        Shell {
            client: Ok(client),
            live: Mutex::new(None),
        }
    }

    /// The engine for what the person does: refused with `Locked` while the app lock is on.
    pub fn client(&self) -> Result<&Arc<Client>, IpcError> {
        let client = self.engine()?;
        client.ensure_unlocked()?;
        Ok(client)
    }

    /// The engine whether locked or not: for the lock itself, the language of the lock screen,
    /// and the shell's own event forwarding.
    pub fn engine(&self) -> Result<&Arc<Client>, IpcError> {
        self.client.as_ref().map_err(Clone::clone)
    }

    /// Starts the engine's live loop if there is an account and it is not running yet.
    pub fn start_live(&self) {
        let Ok(client) = &self.client else { return };
        if !client.is_signed_in() {
            return;
        }
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        if live.is_some() {
            return;
        }
        let (stop, stopped) = watch::channel(false);
        tauri::async_runtime::spawn(client.clone().run_live(stopped));
        *live = Some(stop);
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        if let Some(stop) = self.live.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = stop.send(true);
        }
    }
}
