//! The screens, by what a person is doing: [`welcome`] (join with a code, or staff login),
//! [`home`] (the conversation list beside or instead of a conversation, by screen width),
//! [`conversation`], [`desk`] (a caseworker's invitations, new threads and search) and
//! [`settings`].

mod conversation;
mod desk;
mod home;
mod settings;
mod welcome;

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::IpcError;
use samtale_ipc::commands::{ACCOUNT, Language, SETTINGS, Settings};
use samtale_ipc::views::Account;

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
        match invoke::<_, Option<Account>>(ACCOUNT, &()).await {
            Ok(a) => ui.account.set(a),
            Err(e) => fatal.set(Some(e)),
        }
        loaded.set(true);
    });
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
    view! {
        <Show when=move || loaded.get() fallback=|| view! { <p class="loading" role="status">"Samtale"</p> }>
            {move || match (fatal.get(), ui.account.get().is_some()) {
                (Some(e), _) => view! { <Fatal error=e /> }.into_any(),
                (None, false) => view! { <welcome::Welcome /> }.into_any(),
                (None, true) => view! { <home::Home /> }.into_any(),
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
