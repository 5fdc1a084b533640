//! Types shared by the Samtale UI (wasm, in the webview) and the app shell (Tauri): the view
//! models the client engine produces, the names and arguments of the shell's commands, the
//! event the shell pushes, and the error kinds every command can answer with. Serde only, so it
//! builds for wasm.

pub mod cards;
pub mod care;
pub mod commands;
pub mod error;
pub mod files;
pub mod reach;
pub mod records;
pub mod views;

pub use error::{ErrorKind, IpcError};

/// Name of the Tauri event carrying a [`views::ClientEvent`] from the engine to the UI.
pub const EVENT: &str = "samtale://event";
