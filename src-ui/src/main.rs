//! The Samtale UI: Leptos, client-side rendered, running in the app's webview.
//!
//! It never talks to the server: every action is one command to the app shell through
//! [`invoke`], which decodes failures into the shared error kinds of `samtale-ipc`. Texts come
//! from the catalogue in [`i18n`]; dates and times are formatted the Danish way in [`format`].
//! Screens live in [`screens`], by what a person is doing.

mod format;
mod i18n;
mod invoke;
mod screens;
mod state;
mod window;

thread_local! {
    /// When `main` began, in ms since the page began to load: for the start-up log.
    static WASM_START_MS: f64 = page_ms();
}

/// The webview's `performance.now()`: ms since the page began to load.
pub fn page_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

pub fn wasm_start_ms() -> f64 {
    WASM_START_MS.with(|t| *t)
}

fn main() {
    // Read the clock first thing.
    let _ = wasm_start_ms();
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(screens::App);
}
