//! Settings: language, notification previews, this device's safety code and the codes of the
//! people you talk to.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{Language, PEOPLE, SET_SETTINGS, SETTINGS, SetSettingsArgs, Settings};
use samtale_ipc::views::PersonView;

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
                    <button id="close-settings" class="ghost" autofocus on:click=move |_| open.set(false)>{ui.text(K::Close)}</button>
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
                <h3>{ui.text(K::MyCode)}</h3>
                <p class="code" id="my-code">{fingerprint}</p>
                <h3>{ui.text(K::SafetyCodes)}</h3>
                <p class="hint">{ui.text(K::SafetyHint)}</p>
                <ul class="people">
                    <For each=move || people.get() key=|p| p.user.clone() let:p>
                        <li>
                            <strong>{p.display_name.clone()}</strong>
                            <ul>
                                {p.devices.iter().map(|d| {
                                    let trust = if d.failed_check { ui.tr(K::CheckFailed) } else if d.verified { ui.tr(K::Verified) } else { ui.tr(K::NotVerified) };
                                    view! { <li class:warn=d.failed_check>{d.name.clone()}" – "{trust}<br /><span class="code">{d.safety_code.clone()}</span></li> }
                                }).collect_view()}
                            </ul>
                        </li>
                    </For>
                </ul>
            </section>
        </div>
    }
}
