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

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(screens::App);
}
