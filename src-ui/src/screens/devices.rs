//! This account's devices in settings: each with when and by which device it was added, when
//! it was last seen and whether it is trusted, a way to remove the others, and linking a new
//! device by the code it shows (after comparing its safety code). Also the banner that tells
//! of a device added to or removed from the account.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{
    ACCEPT_LINK, ALERTS, DeviceArgs, LinkCodeArgs, MARK_ALERTS_SEEN, OWN_DEVICES, PREVIEW_LINK,
    REMOVE_DEVICE,
};
use samtale_ipc::views::{AlertView, DeviceTrust, LinkPreviewView, OwnDeviceView};

use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};

fn when(ui: Ui, ms: i64) -> String {
    let lang = ui.lang.get();
    let t = format::local(ms);
    format!(
        "{} {}",
        format::short(lang, &t, &format::local(0)),
        format::time(lang, &t)
    )
}

#[component]
pub fn DevicesSection() -> impl IntoView {
    let ui = use_ui();
    let devices: RwSignal<Vec<OwnDeviceView>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let confirming: RwSignal<Option<String>> = RwSignal::new(None);
    let load = move || {
        spawn_local(async move {
            match invoke::<_, Vec<OwnDeviceView>>(OWN_DEVICES, &()).await {
                Ok(list) => devices.set(list),
                Err(e) => error.set(Some(ui.error(&e))),
            }
        });
    };
    Effect::new(move |_| {
        ui.account_changes.track();
        load();
    });
    let remove = move |id: String| {
        spawn_local(async move {
            match invoke::<_, ()>(REMOVE_DEVICE, &DeviceArgs { device: id }).await {
                Ok(()) => {
                    confirming.set(None);
                    load();
                }
                Err(e) => error.set(Some(ui.error(&e))),
            }
        });
    };
    let trust = move |t: DeviceTrust| match t {
        DeviceTrust::Trusted => None,
        DeviceTrust::Pending => Some(ui.tr(K::TrustPending)),
        DeviceTrust::Refused => Some(ui.tr(K::TrustRefused)),
        DeviceTrust::Revoked => Some(ui.tr(K::TrustRevoked)),
        DeviceTrust::Retired => Some(ui.tr(K::TrustRetired)),
    };
    view! {
        <section class="devices" aria-labelledby="devices-title">
            <h3 id="devices-title">{ui.text(K::Devices)}</h3>
            <p class="hint">{ui.text(K::DevicesHint)}</p>
            <ul class="device-list">
                <For each=move || devices.get() key=|d| (d.id.clone(), d.trust as u8, d.last_seen_ms) let:d>
                    {
                        let id = d.id.clone();
                        let id2 = d.id.clone();
                        let by = d.added_by_name.clone().or(d.added_by.clone());
                        let warn = matches!(d.trust, DeviceTrust::Refused);
                        view! {
                            <li class="device" class:warn=warn data-device=d.id.clone()>
                                <strong>{d.name.clone()}</strong>
                                {d.this_device.then(|| view! { " (" {ui.text(K::ThisDevice)} ")" })}
                                {trust(d.trust).map(|t| view! { " – " <em>{t}</em> })}
                                {d.stale.then(|| view! { " – " <em>{ui.text(K::Stale)}</em> })}
                                <br />
                                <span class="hint">
                                    {ui.text(K::AddedOn)}" "{move || when(ui, d.added_at_ms)}" "
                                    {match by {
                                        Some(b) => format!("{} {b}", ui.tr(K::AddedBy)),
                                        None => format!("({})", ui.tr(K::FirstDevice)),
                                    }}
                                    " · "{ui.text(K::LastSeen)}" "{move || when(ui, d.last_seen_ms)}
                                </span>
                                <br /><span class="code">{d.fingerprint.clone()}</span>
                                <div class="row">
                                <Show when=move || !d.this_device && d.trust != DeviceTrust::Revoked>
                                    {
                                        let id = id.clone();
                                        let id2 = id2.clone();
                                        view! {
                                            <Show when={let id = id.clone(); move || confirming.get().as_deref() == Some(id.as_str())}
                                                fallback={let id = id.clone(); move || { let id = id.clone(); view! {
                                                    <button class="remove-device" on:click=move |_| confirming.set(Some(id.clone()))>{ui.text(K::Remove)}</button>
                                                }}}>
                                                <p role="alert">{ui.text(K::RemoveConfirm)}</p>
                                                <button id="confirm-remove" class="danger" on:click={let id = id2.clone(); move |_| remove(id.clone())}>{ui.text(K::RemoveYes)}</button>
                                                <button on:click=move |_| confirming.set(None)>{ui.text(K::Cancel)}</button>
                                            </Show>
                                        }
                                    }
                                </Show>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ul>
            <p class="error" role="alert">{move || error.get()}</p>
            <LinkNewDevice on_linked=load />
        </section>
    }
}

/// Type the new device's code, compare its safety code, approve.
#[component]
fn LinkNewDevice(on_linked: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let ui = use_ui();
    // Read from the field itself when asked, so nothing typed can be missed.
    let field: NodeRef<leptos::html::Input> = NodeRef::new();
    let preview: RwSignal<Option<LinkPreviewView>> = RwSignal::new(None);
    let message: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let ask = move |cmd: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        message.set(None);
        let args = LinkCodeArgs {
            code: field.get_untracked().map(|f| f.value()).unwrap_or_default(),
        };
        spawn_local(async move {
            match invoke::<_, LinkPreviewView>(cmd, &args).await {
                Ok(p) if cmd == ACCEPT_LINK => {
                    let _ = p;
                    preview.set(None);
                    if let Some(f) = field.get_untracked() {
                        f.set_value("");
                    }
                    message.set(Some((true, ui.tr(K::LinkDone).to_owned())));
                    on_linked();
                }
                Ok(p) => preview.set(Some(p)),
                Err(e) => {
                    preview.set(None);
                    message.set(Some((false, ui.error(&e))));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="link-new" aria-labelledby="link-new-title">
            <h4 id="link-new-title">{ui.text(K::LinkNew)}</h4>
            <label for="link-accept-code">{ui.text(K::LinkCode)}</label>
            <input id="link-accept-code" node_ref=field autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="link-new-hint"
                on:input=move |_| preview.set(None) />
            <p id="link-new-hint" class="hint">{ui.text(K::LinkNewHint)}</p>
            <button id="link-preview" disabled=move || busy.get() on:click=move |_| ask(PREVIEW_LINK)>{ui.text(K::ShowDevice)}</button>
            {move || preview.get().map(|p| view! {
                <div class="link-preview" role="status">
                    <p><strong id="link-preview-name">{p.device_name.clone()}</strong></p>
                    <p>{ui.text(K::LinkPreviewCompare)}</p>
                    <p id="link-preview-code" class="code">{p.fingerprint.clone()}</p>
                    <button id="link-approve" class="primary" disabled=move || busy.get() on:click=move |_| ask(ACCEPT_LINK)>{ui.text(K::Approve)}</button>
                </div>
            })}
            <p class="error" class:ok=move || message.with(|m| m.as_ref().is_some_and(|m| m.0)) role="status">
                {move || message.get().map(|m| m.1)}
            </p>
        </section>
    }
}

/// The newest unseen alert about this account, until it is acknowledged.
#[component]
pub fn AlertBanner() -> impl IntoView {
    let ui = use_ui();
    let alert: RwSignal<Option<AlertView>> = RwSignal::new(None);
    Effect::new(move |_| {
        ui.account_changes.track();
        spawn_local(async move {
            if let Ok(list) = invoke::<_, Vec<AlertView>>(ALERTS, &()).await {
                alert.set(list.into_iter().find(|a| !a.seen));
            }
        });
    });
    let seen = move |_| {
        alert.set(None);
        spawn_local(async move {
            let _ = invoke::<_, ()>(MARK_ALERTS_SEEN, &()).await;
        });
    };
    view! {
        {move || alert.get().map(|a| view! {
            <div id="account-alert" class="alert" role="alert">
                <p>{a.text.clone()}</p>
                <button id="alert-ok" on:click=seen>{ui.text(K::AlertOk)}</button>
            </div>
        })}
    }
}
