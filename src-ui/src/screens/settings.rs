//! Settings: language, notification previews, the app-lock PIN, this account's devices (see
//! `devices`), this device's safety code and the codes of the people you talk to.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{
    CONFIRM_CODES, Language, PEOPLE, PersonArgs, SET_PIN, SET_SETTINGS, SETTINGS, SetPinArgs,
    SetSettingsArgs, Settings,
};
use samtale_ipc::views::PersonView;

use super::lock::{lock_now, new_pin, pin_error_text, refresh};
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

#[component]
pub fn SettingsPanel(open: RwSignal<bool>) -> impl IntoView {
    let ui = use_ui();
    let settings: RwSignal<Settings> = RwSignal::new(Settings::default());
    let people: RwSignal<Vec<PersonView>> = RwSignal::new(Vec::new());
    spawn_local(async move {
        if let Ok(s) = invoke::<_, Settings>(SETTINGS, &()).await {
            settings.set(s);
        }
        if let Ok(p) = invoke::<_, Vec<PersonView>>(PEOPLE, &()).await {
            people.set(p);
        }
    });
    let save = move |s: Settings| {
        ui.lang.set(s.language);
        settings.set(s.clone());
        spawn_local(async move {
            let _ = invoke::<_, ()>(
                SET_SETTINGS,
                &SetSettingsArgs {
                    settings: Settings { server: None, ..s },
                },
            )
            .await;
        });
    };
    // The dialog's first control takes the focus as soon as it exists (an `autofocus`
    // attribute is applied by the webview whenever it gets to it, and could take the focus
    // from a field the person is already typing in).
    let close: NodeRef<leptos::html::Button> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(button) = close.get() {
            let _ = button.focus();
        }
    });
    let fingerprint = move || {
        ui.account.with(|a| {
            a.as_ref()
                .map(|a| a.fingerprint.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="settings-title"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
            <section class="settings">
                <header>
                    <h2 id="settings-title">{ui.text(K::Settings)}</h2>
                    <button id="close-settings" class="ghost" node_ref=close on:click=move |_| open.set(false)>{ui.text(K::Close)}</button>
                </header>
                <label for="language">{ui.text(K::Language)}</label>
                <select id="language" on:change=move |ev| {
                    let language = if event_target_value(&ev) == "en" { Language::En } else { Language::Da };
                    save(Settings { language, ..settings.get_untracked() });
                }>
                    <option value="da" selected=move || settings.with(|s| s.language == Language::Da)>"Dansk"</option>
                    <option value="en" selected=move || settings.with(|s| s.language == Language::En)>"English"</option>
                </select>
                <div class="check">
                    <input type="checkbox" id="previews" prop:checked=move || settings.with(|s| s.notification_previews)
                        on:change=move |ev| save(Settings { notification_previews: event_target_checked(&ev), ..settings.get_untracked() }) aria-describedby="previews-hint" />
                    <label for="previews">{ui.text(K::Previews)}</label>
                </div>
                <p id="previews-hint" class="hint">{ui.text(K::PreviewsHint)}</p>
                <PinSettings />
                <super::devices::DevicesSection />
                <Show when=move || !ui.is_staff()>
                    <super::reach::ReachSection />
                </Show>
                <Show when=move || ui.is_staff()>
                    <super::record::RecordsList />
                    <super::connector::ConnectorSettingsForm />
                </Show>
                <Show when=move || ui.is_admin()>
                    <super::units::UnitsSection />
                </Show>
                <h3>{ui.text(K::MyCode)}</h3>
                <p class="code" id="my-code">{fingerprint}</p>
                <h3>{ui.text(K::SafetyCodes)}</h3>
                <p class="hint">{ui.text(K::SafetyHint)}</p>
                <ul class="people">
                    <For each=move || people.get() key=|p| (p.user.clone(), p.keys_reset) let:p>
                        <li>
                            <strong>{p.display_name.clone()}</strong>
                            {p.keys_reset.then(|| {
                                let user = p.user.clone();
                                view! {
                                    <p class="warn" role="alert">{ui.text(K::KeysReset)}</p>
                                    <button class="confirm-codes" on:click=move |_| {
                                        let user = user.clone();
                                        spawn_local(async move {
                                            let _ = invoke::<_, ()>(CONFIRM_CODES, &PersonArgs { user }).await;
                                            if let Ok(p) = invoke::<_, Vec<PersonView>>(PEOPLE, &()).await {
                                                people.set(p);
                                            }
                                        });
                                    }>{ui.text(K::CodesMatch)}</button>
                                }
                            })}
                            <ul>
                                {p.devices.iter().map(|d| {
                                    let refused = matches!(d.trust, samtale_ipc::views::DeviceTrust::Refused);
                                    let trust = match d.trust {
                                        samtale_ipc::views::DeviceTrust::Refused => ui.tr(K::TrustRefused),
                                        samtale_ipc::views::DeviceTrust::Revoked => ui.tr(K::TrustRevoked),
                                        samtale_ipc::views::DeviceTrust::Retired => ui.tr(K::TrustRetired),
                                        samtale_ipc::views::DeviceTrust::Pending => ui.tr(K::TrustPending),
                                        samtale_ipc::views::DeviceTrust::Trusted if d.failed_check => ui.tr(K::CheckFailed),
                                        samtale_ipc::views::DeviceTrust::Trusted if d.verified => ui.tr(K::Verified),
                                        samtale_ipc::views::DeviceTrust::Trusted => ui.tr(K::NotVerified),
                                    };
                                    view! { <li class:warn=d.failed_check || refused>{d.name.clone()}" – "{trust}<br /><span class="code">{d.safety_code.clone()}</span></li> }
                                }).collect_view()}
                            </ul>
                        </li>
                    </For>
                </ul>
            </section>
        </div>
    }
}

/// Choose, change or turn off the PIN, and lock now. Wrong input keeps what was typed.
#[component]
fn PinSettings() -> impl IntoView {
    let ui = use_ui();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let message: RwSignal<Option<(bool, String)>> = RwSignal::new(None);
    spawn_local(async move {
        let _ = refresh(ui).await;
    });
    // `remove`: turn the PIN off instead of setting `new`.
    let apply = move |remove: bool| {
        if ui.pin_set.get_untracked() && current.get_untracked().is_empty() {
            message.set(Some((false, ui.tr(K::ErrPinCurrent).to_owned())));
            return;
        }
        let chosen = if remove {
            None
        } else {
            match new_pin(ui, &new.get_untracked(), &repeat.get_untracked()) {
                Ok(Some(pin)) => Some(pin),
                Ok(None) => {
                    message.set(Some((false, ui.tr(K::ErrPinFormat).to_owned())));
                    return;
                }
                Err(text) => {
                    message.set(Some((false, text)));
                    return;
                }
            }
        };
        let args = SetPinArgs {
            current: Some(current.get_untracked()).filter(|c| !c.is_empty()),
            new: chosen,
        };
        spawn_local(async move {
            match invoke::<_, ()>(SET_PIN, &args).await {
                Ok(()) => {
                    for field in [current, new, repeat] {
                        field.set(String::new());
                    }
                    let done = if remove { K::PinRemoved } else { K::PinSaved };
                    message.set(Some((true, ui.tr(done).to_owned())));
                    let _ = refresh(ui).await;
                }
                Err(e) => message.set(Some((false, pin_error_text(ui, &e).await))),
            }
        });
    };
    let field = move |id: &'static str,
                      label: K,
                      value: RwSignal<String>,
                      autocomplete: &'static str| {
        view! {
            <label for=id>{ui.text(label)}</label>
            <input id=id type="password" inputmode="numeric" autocomplete=autocomplete
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    view! {
        <section class="pin-settings" aria-labelledby="pin-title">
            <h3 id="pin-title">{ui.text(K::AppLock)}</h3>
            <p class="hint">{ui.text(K::AppLockHint)}</p>
            <Show when=move || ui.pin_set.get()>
                {field("pin-current", K::PinCurrent, current, "current-password")}
            </Show>
            {field("pin-new", K::PinNew, new, "new-password")}
            {field("pin-repeat", K::PinRepeat, repeat, "new-password")}
            <p class="error" class:ok=move || message.with(|m| m.as_ref().is_some_and(|m| m.0)) role="status">
                {move || message.get().map(|m| m.1)}
            </p>
            <div class="row">
                <button id="pin-save" class="primary" on:click=move |_| apply(false)>
                    {move || if ui.pin_set.get() { ui.tr(K::PinChange) } else { ui.tr(K::PinOn) }}
                </button>
                <Show when=move || ui.pin_set.get()>
                    <button id="pin-off" on:click=move |_| apply(true)>{ui.text(K::PinOff)}</button>
                    <button id="pin-lock" on:click=move |_| lock_now(ui)>{ui.text(K::LockNow)}</button>
                </Show>
            </div>
        </section>
    }
}
