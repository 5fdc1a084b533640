//! First contact: a youth or parent joins with the code (or QR text) from their caseworker; a
//! caseworker logs in; or a new device is linked from one the person has (see `link`). Joining, they may choose the PIN that locks the app. A failure says what
//! to do in plain words and keeps what was typed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{JOIN, JoinArgs, LOGIN, LoginArgs, SETTINGS, Settings};
use samtale_ipc::views::Account;

use super::lock::new_pin;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

#[component]
pub fn Welcome() -> impl IntoView {
    let ui = use_ui();
    // 0: join with a code, 1: staff login, 2: link to an account from another device.
    let tab = RwSignal::new(0u8);
    view! {
        <main class="welcome">
            <img src="icon.png" alt="" class="logo" width="72" height="72" />
            <h1>{ui.text(K::Welcome)}</h1>
            <div class="tabs" role="tablist">
                <button role="tab" id="tab-code" aria-selected=move || (tab.get() == 0).to_string() on:click=move |_| tab.set(0)>{ui.text(K::HaveCode)}</button>
                <button role="tab" id="tab-staff" aria-selected=move || (tab.get() == 1).to_string() on:click=move |_| tab.set(1)>{ui.text(K::StaffLogin)}</button>
                <button role="tab" id="tab-link" aria-selected=move || (tab.get() == 2).to_string() on:click=move |_| tab.set(2)>{ui.text(K::LinkTab)}</button>
            </div>
            {move || match tab.get() {
                1 => view! { <LoginForm /> }.into_any(),
                2 => view! { <super::link::LinkForm /> }.into_any(),
                _ => view! { <JoinForm /> }.into_any(),
            }}
        </main>
    }
}

pub(super) fn default_server(server: RwSignal<String>) {
    spawn_local(async move {
        if let Ok(s) = invoke::<_, Settings>(SETTINGS, &()).await
            && let Some(url) = s.server
            && server.get_untracked().is_empty()
        {
            server.set(url);
        }
    });
}

#[component]
fn JoinForm() -> impl IntoView {
    let ui = use_ui();
    let code = RwSignal::new(String::new());
    let server = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let pin_repeat = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    default_server(server);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if code.get_untracked().trim().is_empty() || name.get_untracked().trim().is_empty() {
            error.set(Some(ui.tr(K::ErrInvalidInput).to_owned()));
            return;
        }
        let pin = match new_pin(ui, &pin.get_untracked(), &pin_repeat.get_untracked()) {
            Ok(pin) => pin,
            Err(text) => {
                error.set(Some(text));
                return;
            }
        };
        let args = JoinArgs {
            server: Some(server.get_untracked()).filter(|s| !s.trim().is_empty()),
            code: code.get_untracked(),
            display_name: name.get_untracked(),
            device_name: "Samtale-app".into(),
            pin,
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match invoke::<_, Account>(JOIN, &args).await {
                Ok(a) => {
                    ui.pin_set.set(args.pin.is_some());
                    ui.account.set(Some(a));
                }
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card" on:submit=submit novalidate>
            <p class="lead">{ui.text(K::WelcomeLead)}</p>
            <label for="code">{ui.text(K::Code)}</label>
            <input id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="code-hint"
                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
            <p id="code-hint" class="hint">{ui.text(K::CodeHint)}</p>
            <label for="name">{ui.text(K::YourName)}</label>
            <input id="name" name="name" autocomplete="given-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <label for="server">{ui.text(K::Server)}</label>
            <input id="server" name="server" type="url" inputmode="url" prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev)) />
            <label for="new-pin">{ui.text(K::PinChoose)}</label>
            <input id="new-pin" type="password" inputmode="numeric" autocomplete="new-password" aria-describedby="pin-hint"
                prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev)) />
            <label for="new-pin-repeat">{ui.text(K::PinRepeat)}</label>
            <input id="new-pin-repeat" type="password" inputmode="numeric" autocomplete="new-password"
                prop:value=move || pin_repeat.get() on:input=move |ev| pin_repeat.set(event_target_value(&ev)) />
            <p id="pin-hint" class="hint">{ui.text(K::PinChooseHint)}</p>
            <p class="error" role="alert">{move || error.get()}</p>
            <button id="join" type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { ui.tr(K::Joining) } else { ui.tr(K::Join) }}
            </button>
        </form>
    }
}

#[component]
pub(super) fn LoginForm() -> impl IntoView {
    let ui = use_ui();
    let server = RwSignal::new(String::new());
    let tenant = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    default_server(server);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let args = LoginArgs {
            server: server.get_untracked(),
            tenant: tenant.get_untracked(),
            username: username.get_untracked(),
            password: password.get_untracked(),
            device_name: "Samtale på bærbar".into(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match invoke::<_, Account>(LOGIN, &args).await {
                Ok(a) => {
                    ui.signed_out.set(false);
                    ui.account.set(Some(a));
                }
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card" on:submit=submit novalidate>
            <label for="tenant">{ui.text(K::Municipality)}</label>
            <input id="tenant" autocomplete="organization" prop:value=move || tenant.get() on:input=move |ev| tenant.set(event_target_value(&ev)) />
            <label for="username">{ui.text(K::Username)}</label>
            <input id="username" autocomplete="username" prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev)) />
            <label for="password">{ui.text(K::Password)}</label>
            <input id="password" type="password" autocomplete="current-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            <label for="login-server">{ui.text(K::Server)}</label>
            <input id="login-server" type="url" prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev)) />
            <p class="error" role="alert">{move || error.get()}</p>
            <button id="login" type="submit" class="primary" disabled=move || busy.get()>{ui.text(K::LogIn)}</button>
        </form>
    }
}
