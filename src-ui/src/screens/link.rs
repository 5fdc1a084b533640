//! A new device joins the person's account from a device they already have: it asks for a
//! link code, shows it (and a QR code) with its own safety code to compare, and waits until
//! the other device has approved it; then it is signed in. A code shown before a restart is
//! shown again.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::ErrorKind;
use samtale_ipc::commands::{ACCOUNT, POLL_LINK, START_LINK, StartLinkArgs, WAITING_LINK};
use samtale_ipc::views::{Account, LinkCodeView};

use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};

/// How often the new device asks whether it was approved (it has no session to be woken on).
const POLL_EVERY: Duration = Duration::from_millis(1500);

#[component]
pub fn LinkForm() -> impl IntoView {
    let ui = use_ui();
    let server = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let shown: RwSignal<Option<LinkCodeView>> = RwSignal::new(None);
    let waiting = RwSignal::new(false);
    super::welcome::default_server(server);
    on_cleanup(move || waiting.set(false));
    spawn_local(async move {
        if let Ok(Some(code)) = invoke::<_, Option<LinkCodeView>>(WAITING_LINK, &()).await {
            shown.set(Some(code));
            waiting.set(true);
            poll(ui, waiting, error);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if name.get_untracked().trim().is_empty() || server.get_untracked().trim().is_empty() {
            error.set(Some(ui.tr(K::ErrInvalidInput).to_owned()));
            return;
        }
        let args = StartLinkArgs {
            server: server.get_untracked(),
            device_name: name.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match invoke::<_, LinkCodeView>(START_LINK, &args).await {
                Ok(code) => {
                    shown.set(Some(code));
                    waiting.set(true);
                    poll(ui, waiting, error);
                }
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=move || shown.with(Option::is_none) fallback=move || view! {
            {move || shown.get().map(|c| view! { <LinkCode code=c /> })}
            <p class="error" role="alert">{move || error.get()}</p>
        }>
            <form class="card" on:submit=submit novalidate>
                <p class="lead">{ui.text(K::LinkLead)}</p>
                <label for="link-device-name">{ui.text(K::DeviceName)}</label>
                <input id="link-device-name" autocomplete="off" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <label for="link-server">{ui.text(K::Server)}</label>
                <input id="link-server" type="url" inputmode="url" prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev)) />
                <p class="error" role="alert">{move || error.get()}</p>
                <button id="get-link-code" type="submit" class="primary" disabled=move || busy.get()>{ui.text(K::GetLinkCode)}</button>
            </form>
        </Show>
    }
}

#[component]
fn LinkCode(code: LinkCodeView) -> impl IntoView {
    let ui = use_ui();
    let svg = qrcode::QrCode::new(code.qr_payload.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    view! {
        <div class="card link-code" role="status">
            <p>{ui.text(K::LinkShowCode)}</p>
            <p id="link-code" class="code">{code.code.clone()}</p>
            <div class="qr" role="img" aria-label="QR" inner_html=svg></div>
            <p>{ui.text(K::LinkCompare)}</p>
            <p id="link-fingerprint" class="code">{code.fingerprint.clone()}</p>
            <p class="waiting" aria-live="polite"><span class="spinner" aria-hidden="true"></span>{ui.text(K::LinkWaiting)}</p>
        </div>
    }
}

/// Asks once, then again after a pause while still waiting. Offline is not an end: it asks on.
fn poll(ui: Ui, waiting: RwSignal<bool>, error: RwSignal<Option<String>>) {
    spawn_local(async move {
        if !waiting.get_untracked() {
            return;
        }
        match invoke::<_, bool>(POLL_LINK, &()).await {
            Ok(true) => {
                waiting.set(false);
                if let Ok(Some(a)) = invoke::<_, Option<Account>>(ACCOUNT, &()).await {
                    ui.account.set(Some(a));
                }
            }
            Ok(false) => {
                error.set(None);
                set_timeout(move || poll(ui, waiting, error), POLL_EVERY);
            }
            Err(e) if e.kind == ErrorKind::Offline => {
                error.set(Some(ui.error(&e)));
                set_timeout(move || poll(ui, waiting, error), POLL_EVERY);
            }
            Err(e) => {
                waiting.set(false);
                error.set(Some(ui.error(&e)));
            }
        }
    });
}
