//! The Samtale app shell (Tauri v2). It owns only OS glue: where the profile lives, the key
//! store that holds the database key, notifications, and the window. Everything else is one
//! call into the client engine (`samtale-client`):
//!
//! - [`commands`]: the commands the UI invokes, one line each into the engine, and [`care`]
//!   those of the care tools, [`cards`] of appointments and questions, [`files`] of files;
//! - [`shell`]: the state they share (the engine once the profile is open, the key-store error
//!   when there is none) and the engine's live loop;
//! - [`keystore`]: the database key in the OS key store, or from `SAMTALE_DB_KEY` for tests;
//! - [`events`]: engine events to Tauri events, and calm notifications without content;
//! - [`reminders`]: "Tid til dagens smiley" when a check-in slot opens;
//! - [`painting`]: CPU painting for the webview where there is no GPU.

pub mod cards;
pub mod care;
pub mod commands;
pub mod events;
pub mod files;
pub mod keystore;
pub mod painting;
pub mod reach;
pub mod records;
pub mod reminders;
pub mod shell;
#[cfg(test)]
mod tests;

use tauri::Manager;

/// Builds and runs the app until its last window closes.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() -> Result<(), tauri::Error> {
    shell::mark_start();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let shell = shell::Shell::open(app.handle());
            app.manage(shell);
            events::forward(app.handle().clone());
            if let Some(client) = app
                .try_state::<shell::Shell>()
                .and_then(|s| s.engine().ok().cloned())
            {
                reminders::run(app.handle().clone(), client);
            }
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
}
