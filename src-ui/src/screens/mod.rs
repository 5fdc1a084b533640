//! The screens, by what a person is doing: [`welcome`] (join with a code, or staff login),
//! [`lock`] (the PIN that opens the app), [`home`] (the conversation list beside or instead of
//! a conversation, by screen width), [`conversation`], [`desk`] (a caseworker's invitations,
//! new threads and search), [`caseload`] (the youths and families a caseworker follows),
//! [`settings`] with [`devices`] (this account's devices, linking a new one, alerts), and
//! [`link`] (a new device asking to join the person's account); the care tools: [`checkin`]
//! (a youth's due smiley), [`plan`] (the smiley plan in a youth's conversation) and
//! [`timeline`] (a youth's answers over time with events, patterns and flags); [`cards`]
//! (appointments and questions in a conversation) and [`compose`] (a caseworker's tools to
//! make them, and to send a message later).

mod cards;
mod caseload;
mod checkin;
mod compose;
mod connector;
mod conversation;
mod desk;
mod devices;
mod files;
mod home;
mod link;
mod lock;
mod plan;
mod reach;
mod record;
mod settings;
mod timeline;
mod units;
mod welcome;

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{ACCOUNT, Language, READY, ReadyArgs, SETTINGS, Settings};
use samtale_ipc::views::Account;
use samtale_ipc::{ErrorKind, IpcError};

use crate::invoke::{invoke, listen};
use crate::state::Ui;

#[component]
pub fn App() -> impl IntoView {
    let ui = Ui::new();
    provide_context(ui);
    listen(move |e| ui.on_event(e));
    let loaded = RwSignal::new(false);
    let fatal: RwSignal<Option<IpcError>> = RwSignal::new(None);
    spawn_local(async move {
        if let Ok(s) = invoke::<_, Settings>(SETTINGS, &()).await {
            ui.lang.set(s.language);
        }
        match lock::refresh(ui).await {
            // Locked: the account is read once the PIN has opened the app.
            Ok(state) if state.locked => {}
            Ok(_) => match invoke::<_, Option<Account>>(ACCOUNT, &()).await {
                Ok(a) => ui.account.set(a),
                // Locked in between (by another window's "lock now"): the lock screen, not an error.
                Err(e) if e.kind == ErrorKind::Locked => ui.locked.set(true),
                Err(e) => fatal.set(Some(e)),
            },
            Err(e) => fatal.set(Some(e)),
        }
        loaded.set(true);
        // Once the first screen is painted, tell the shell (it logs the start-up time).
        request_animation_frame(|| {
            spawn_local(async {
                let args = ReadyArgs {
                    wasm_start_ms: crate::wasm_start_ms(),
                    painted_ms: crate::page_ms(),
                };
                let _ = invoke::<_, ()>(READY, &args).await;
            })
        });
    });
    lock::auto_lock(ui);
    Effect::new(move |_| {
        let lang = match ui.lang.get() {
            Language::Da => "da",
            Language::En => "en",
        };
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", lang);
        }
    });
    // Memos, so that setting a signal to the value it has does not rebuild the screen (and
    // lose what is typed into it).
    let locked = Memo::new(move |_| ui.locked.get());
    let signed_in = Memo::new(move |_| ui.account.with(Option::is_some));
    view! {
        <Show when=move || loaded.get() fallback=|| view! { <p class="loading" role="status">"Samtale"</p> }>
            {move || match (fatal.get(), locked.get(), signed_in.get()) {
                (Some(e), _, _) => view! { <Fatal error=e /> }.into_any(),
                (None, true, _) => view! { <lock::LockScreen /> }.into_any(),
                (None, false, false) => view! { <welcome::Welcome /> }.into_any(),
                (None, false, true) => view! { <home::Home /> }.into_any(),
            }}
        </Show>
    }
}

/// The app cannot work at all (no key store, data that will not unlock): say why, plainly.
#[component]
fn Fatal(error: IpcError) -> impl IntoView {
    let ui = crate::state::use_ui();
    let text = ui.error(&error);
    view! {
        <main class="fatal">
            <h1>{ui.text(crate::i18n::K::AppName)}</h1>
            <p role="alert">{text}</p>
            <details><summary>"Detaljer"</summary><p>{error.message}</p></details>
        </main>
    }
}
