//! The main screen once signed in: the conversation list and the open conversation, side by
//! side on a laptop, one at a time on a phone. Caseworkers get their desk tools above the list,
//! and can switch the list to the youths and families they follow.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::THREADS;
use samtale_ipc::views::ThreadView;
use samtale_proto::ThreadId;

use super::caseload::CaseList;
use super::conversation::Conversation;
use super::desk::DeskTools;
use super::settings::SettingsPanel;
use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

#[component]
pub fn Home() -> impl IntoView {
    let ui = use_ui();
    let threads: RwSignal<Vec<ThreadView>> = RwSignal::new(Vec::new());
    let selected = ui.selected;
    let show_settings = RwSignal::new(false);
    // A caseworker's list shows conversations or the youths and families they follow.
    let show_cases = RwSignal::new(false);
    Effect::new(move |_| {
        ui.changes.track();
        spawn_local(async move {
            if let Ok(list) = invoke::<_, Vec<ThreadView>>(THREADS, &()).await {
                threads.set(list);
            }
        });
    });
    let tenant = move || {
        ui.account.with(|a| {
            a.as_ref()
                .map(|a| a.tenant_name.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="home" class:thread-open=move || selected.get().is_some() class:staff=move || ui.is_staff()>
            <header class="top">
                <h1>{ui.text(K::AppName)}</h1>
                <span class="tenant">{tenant}</span>
                <Show when=move || ui.pin_set.get()>
                    <button id="lock-now" class="ghost" on:click=move |_| super::lock::lock_now(ui)>{ui.text(K::LockNow)}</button>
                </Show>
                <button id="open-settings" class="ghost" on:click=move |_| show_settings.set(true)>{ui.text(K::Settings)}</button>
            </header>
            <div class="banners">
                <Show when=move || ui.online.get() == Some(false)>
                    <p id="offline-banner" class="offline" role="status">{ui.text(K::Offline)}</p>
                </Show>
                <super::devices::AlertBanner />
                <Show when=move || ui.account.with(|a| a.as_ref().is_some_and(|a| a.role == samtale_proto::api::Role::Youth))>
                    <super::reach::ConsentPromptBanner open_settings=show_settings />
                </Show>
            </div>
            <nav class="list" aria-label=ui.text(K::Conversations)>
                <Show when=move || ui.account.with(|a| a.as_ref().is_some_and(|a| a.role == samtale_proto::api::Role::Youth))>
                    <super::checkin::DueCards />
                </Show>
                <Show when=move || ui.is_staff()>
                    <DeskTools selected=selected />
                </Show>
                <Show when=move || ui.is_staff()>
                    <div class="tabs" role="tablist" aria-label=ui.text(K::Desk)>
                        <button role="tab" id="tab-threads" aria-selected=move || (!show_cases.get()).to_string() on:click=move |_| show_cases.set(false)>{ui.text(K::Conversations)}</button>
                        <button role="tab" id="tab-cases" aria-selected=move || show_cases.get().to_string() on:click=move |_| show_cases.set(true)>{ui.text(K::Cases)}</button>
                    </div>
                </Show>
                <Show when=move || ui.is_staff() && show_cases.get() fallback=move || view! {
                    <h2>{ui.text(K::Conversations)}</h2>
                    <Show when=move || threads.with(|t| t.is_empty())>
                        <p class="empty">{ui.text(K::NoConversations)}</p>
                    </Show>
                    <ul class="threads">
                        <For each=move || threads.get() key=|t| (t.id.clone(), t.unread, t.last_activity_ms) let:thread>
                            <ThreadItem thread=thread selected=selected />
                        </For>
                    </ul>
                }>
                    <CaseList />
                </Show>
            </nav>
            <main class="pane">
                {move || match selected.get() {
                    Some(id) => view! { <Conversation thread=id selected=selected threads=threads /> }.into_any(),
                    None => view! { <p class="pick">{ui.text(K::PickConversation)}</p> }.into_any(),
                }}
            </main>
            <Show when=move || show_settings.get()>
                <SettingsPanel open=show_settings />
            </Show>
            <Show when=move || ui.signed_out.get()>
                <SignedOut />
            </Show>
        </div>
    }
}

/// The server no longer takes this device's session and the device could not log in again by
/// itself: staff log in with their password (their conversations stay on the device); a
/// citizen's device has been removed, and only a new invitation helps.
#[component]
fn SignedOut() -> impl IntoView {
    let ui = use_ui();
    view! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="signed-out-title">
            <section class="settings">
                <h2 id="signed-out-title">{ui.text(K::SignedOutTitle)}</h2>
                {move || if ui.is_staff() {
                    view! { <p>{ui.text(K::SignedOutStaff)}</p><super::welcome::LoginForm /> }.into_any()
                } else {
                    view! { <p role="alert">{ui.text(K::SignedOutCitizen)}</p> }.into_any()
                }}
            </section>
        </div>
    }
}

/// The people in a thread other than me, by name.
pub fn others(ui: crate::state::Ui, t: &ThreadView) -> String {
    let me = ui
        .account
        .with_untracked(|a| a.as_ref().map(|a| a.user.clone()));
    let names: Vec<&str> = t
        .members
        .iter()
        .filter(|m| Some(&m.user) != me.as_ref())
        .map(|m| m.display_name.as_str())
        .collect();
    names.join(", ")
}

#[component]
fn ThreadItem(thread: ThreadView, selected: RwSignal<Option<ThreadId>>) -> impl IntoView {
    let ui = use_ui();
    let id = thread.id.clone();
    let is_selected = {
        let id = id.clone();
        Memo::new(move |_| selected.with(|s| s.as_ref() == Some(&id)))
    };
    let title = others(ui, &thread);
    let now = format::local(js_now());
    let when = format::short(
        ui.lang.get_untracked(),
        &format::local(thread.last_activity_ms),
        &now,
    );
    let unread = thread.unread;
    let preview = thread.last_message.clone().unwrap_or_default();
    view! {
        <li>
            <button class="thread" class:selected=is_selected aria-current=move || if is_selected.get() { "true" } else { "false" }
                data-thread=id.to_string() on:click=move |_| selected.set(Some(id.clone()))>
                <span class="who">{title}</span>
                <span class="when">{when}</span>
                <span class="preview">{preview}</span>
                <Show when=move || unread.gt(&0)>
                    <span class="badge">{unread}<span class="visually-hidden">" "{ui.text(K::Unread)}</span></span>
                </Show>
            </button>
        </li>
    }
}

pub fn js_now() -> i64 {
    js_sys::Date::now() as i64
}
