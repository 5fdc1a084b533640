//! A caseworker's tools above the conversation list: invite a youth or a parent (the code to
//! type and the QR code to scan), start a conversation with the people who joined, and search
//! all conversations.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{
    CREATE_THREAD, CreateThreadArgs, INVITE, InviteArgs, PEOPLE, SEARCH, SearchArgs,
};
use samtale_ipc::views::{InvitationView, MessageView, PersonView};
use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::{ThreadId, UserId};

use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Panel {
    None,
    Invite,
    NewThread,
}

#[component]
pub fn DeskTools(selected: RwSignal<Option<ThreadId>>) -> impl IntoView {
    let ui = use_ui();
    let panel = RwSignal::new(Panel::None);
    let people: RwSignal<Vec<PersonView>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        ui.changes.track();
        panel.track();
        spawn_local(async move {
            if let Ok(p) = invoke::<_, Vec<PersonView>>(PEOPLE, &()).await {
                people.set(p);
            }
        });
    });
    let toggle = move |p: Panel| panel.update(|cur| *cur = if *cur == p { Panel::None } else { p });
    view! {
        <section class="desk" aria-label=ui.text(K::Desk)>
            <div class="desk-actions">
                <button id="open-invite" aria-expanded=move || (panel.get() == Panel::Invite).to_string() on:click=move |_| toggle(Panel::Invite)>{ui.text(K::Invite)}</button>
                <button id="open-new-thread" aria-expanded=move || (panel.get() == Panel::NewThread).to_string() on:click=move |_| toggle(Panel::NewThread)>{ui.text(K::NewThread)}</button>
            </div>
            {move || match panel.get() {
                Panel::Invite => view! { <InvitePanel people=people /> }.into_any(),
                Panel::NewThread => view! { <NewThreadPanel people=people selected=selected panel_open=panel /> }.into_any(),
                Panel::None => ().into_any(),
            }}
            <Search selected=selected />
        </section>
    }
}

#[component]
fn InvitePanel(people: RwSignal<Vec<PersonView>>) -> impl IntoView {
    let ui = use_ui();
    let role = RwSignal::new(Role::Youth);
    let name = RwSignal::new(String::new());
    let youth: RwSignal<Option<UserId>> = RwSignal::new(None);
    // A person whose keys were reset, invited again into their own account.
    let again: RwSignal<Option<UserId>> = RwSignal::new(None);
    let made: RwSignal<Option<InvitationView>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if name.get_untracked().trim().is_empty()
            || (role.get_untracked() == Role::Parent && youth.get_untracked().is_none())
        {
            error.set(Some(ui.tr(K::ErrInvalidInput).to_owned()));
            return;
        }
        let args = InviteArgs {
            role: role.get_untracked(),
            display_name: name.get_untracked(),
            youth: youth
                .get_untracked()
                .filter(|_| role.get_untracked() == Role::Parent),
            again: again.get_untracked(),
        };
        error.set(None);
        spawn_local(async move {
            match invoke::<_, InvitationView>(INVITE, &args).await {
                Ok(i) => made.set(Some(i)),
                Err(e) => error.set(Some(ui.error(&e))),
            }
        });
    };
    let youths = move || {
        people.with(|p| {
            p.iter()
                .filter(|p| p.role == Role::Youth)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    // People of the chosen role who had devices and have none left that is trusted.
    let lost = move || {
        people.with(|p| {
            p.iter()
                .filter(|p| p.role == role.get())
                .filter(|p| {
                    !p.devices.is_empty()
                        && p.devices
                            .iter()
                            .all(|d| d.trust != samtale_ipc::views::DeviceTrust::Trusted)
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <form class="panel" on:submit=submit aria-labelledby="invite-title">
            <h3 id="invite-title">{ui.text(K::Invite)}</h3>
            <label for="invite-role">{ui.text(K::Role)}</label>
            <select id="invite-role" on:change=move |ev| role.set(if event_target_value(&ev) == "parent" { Role::Parent } else { Role::Youth })>
                <option value="youth">{ui.text(K::Youth)}</option>
                <option value="parent">{ui.text(K::Parent)}</option>
            </select>
            <Show when=move || !lost().is_empty()>
                <label for="invite-again">{ui.text(K::InviteAgain)}</label>
                <select id="invite-again" aria-describedby="invite-again-hint" on:change=move |ev| {
                    let chosen = UserId::parse(&event_target_value(&ev)).ok();
                    if let Some(p) = chosen.as_ref().and_then(|u| people.with(|ps| ps.iter().find(|p| &p.user == u).cloned())) {
                        name.set(p.display_name.clone());
                    }
                    again.set(chosen);
                }>
                    <option value="">{ui.text(K::NewPerson)}</option>
                    <For each=lost key=|p| p.user.clone() let:p>
                        <option value=p.user.to_string()>{p.display_name.clone()}</option>
                    </For>
                </select>
                <p id="invite-again-hint" class="hint">{ui.text(K::InviteAgainHint)}</p>
            </Show>
            <label for="invite-name">{ui.text(K::Name)}</label>
            <input id="invite-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <Show when=move || role.get() == Role::Parent>
                <label for="invite-youth">{ui.text(K::ParentOf)}</label>
                <select id="invite-youth" on:change=move |ev| youth.set(UserId::parse(&event_target_value(&ev)).ok())>
                    <option value="">"—"</option>
                    <For each=youths key=|p| p.user.clone() let:p>
                        <option value=p.user.to_string()>{p.display_name.clone()}</option>
                    </For>
                </select>
            </Show>
            <p class="error" role="alert">{move || error.get()}</p>
            <button id="create-invitation" type="submit" class="primary">{ui.text(K::CreateInvitation)}</button>
            {move || made.get().map(|i| view! { <InvitationCard invitation=i /> })}
        </form>
    }
}

#[component]
fn InvitationCard(invitation: InvitationView) -> impl IntoView {
    let ui = use_ui();
    let svg = qrcode::QrCode::new(invitation.qr_payload.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    let lang = ui.lang.get_untracked();
    let expires = format::local(invitation.expires_at_ms);
    let expires = format!(
        "{} {} {}",
        ui.tr(K::Expires),
        format::short(lang, &expires, &format::local(0)),
        format::time(lang, &expires)
    );
    view! {
        <div class="invitation" role="status">
            <p>{ui.text(K::InvitationReady)}</p>
            <p id="invitation-code" class="code">{invitation.code.clone()}</p>
            <div class="qr" role="img" aria-label=format!("QR: {}", invitation.display_name) inner_html=svg></div>
            <p class="hint">{expires}</p>
        </div>
    }
}

#[component]
fn NewThreadPanel(
    people: RwSignal<Vec<PersonView>>,
    selected: RwSignal<Option<ThreadId>>,
    panel_open: RwSignal<Panel>,
) -> impl IntoView {
    let ui = use_ui();
    let kind = RwSignal::new(ThreadKind::Youth);
    let chosen: RwSignal<Vec<UserId>> = RwSignal::new(Vec::new());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let citizens = move || {
        people.with(|p| {
            p.iter()
                .filter(|p| matches!(p.role, Role::Youth | Role::Parent))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let args = CreateThreadArgs {
            kind: kind.get_untracked(),
            members: chosen.get_untracked(),
        };
        spawn_local(async move {
            match invoke::<_, ThreadId>(CREATE_THREAD, &args).await {
                Ok(id) => {
                    selected.set(Some(id));
                    panel_open.set(Panel::None);
                }
                Err(e) => error.set(Some(format!("{} ({})", ui.error(&e), e.message))),
            }
        });
    };
    view! {
        <form class="panel" on:submit=submit aria-labelledby="new-thread-title">
            <h3 id="new-thread-title">{ui.text(K::NewThread)}</h3>
            <label for="thread-kind">{ui.text(K::Kind)}</label>
            <select id="thread-kind" on:change=move |ev| kind.set(ThreadKind::parse(&event_target_value(&ev)).unwrap_or(ThreadKind::Youth))>
                <option value="youth">{ui.text(K::KindYouth)}</option>
                <option value="parents">{ui.text(K::KindParents)}</option>
                <option value="family">{ui.text(K::KindFamily)}</option>
            </select>
            <fieldset>
                <legend>{ui.text(K::Members)}</legend>
                <For each=citizens key=|p| p.user.clone() let:p>
                    {
                        let id = p.user.clone();
                        let input_id = format!("member-{}", p.user);
                        let role = if p.role == Role::Youth { ui.tr(K::Youth) } else { ui.tr(K::Parent) };
                        view! {
                            <div class="check">
                                <input type="checkbox" id=input_id.clone() on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let id = id.clone();
                                    chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                                } />
                                <label for=input_id>{format!("{} ({role})", p.display_name)}</label>
                            </div>
                        }
                    }
                </For>
            </fieldset>
            <p class="error" role="alert">{move || error.get()}</p>
            <button id="start-thread" type="submit" class="primary">{ui.text(K::Start)}</button>
        </form>
    }
}

#[component]
fn Search(selected: RwSignal<Option<ThreadId>>) -> impl IntoView {
    let ui = use_ui();
    let query = RwSignal::new(String::new());
    let results: RwSignal<Option<Vec<MessageView>>> = RwSignal::new(None);
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let args = SearchArgs {
            query: query.get_untracked(),
        };
        if args.query.trim().is_empty() {
            results.set(None);
            return;
        }
        spawn_local(async move {
            results.set(invoke::<_, Vec<MessageView>>(SEARCH, &args).await.ok());
        });
    };
    view! {
        <form class="search" role="search" on:submit=run>
            <label for="search" class="visually-hidden">{ui.text(K::Search)}</label>
            <input id="search" type="search" placeholder=ui.tr(K::Search) prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
        </form>
        {move || results.get().map(|list| if list.is_empty() {
            view! { <p class="empty">{ui.tr(K::NoResults)}</p> }.into_any()
        } else {
            view! {
                <ul class="results">
                    {list.into_iter().map(|m| {
                        let thread = m.thread.clone();
                        view! { <li><button class="result" on:click=move |_| selected.set(Some(thread.clone()))>
                            <span class="who">{m.sender_name.clone()}</span>
                            <span class="preview">{m.body.clone()}</span>
                        </button></li> }
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
}
