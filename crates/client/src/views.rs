//! The engine's views are the shared view models of `samtale-ipc`, so that the app's UI decodes
//! exactly what the engine produced.

pub use samtale_ipc::views::*;
