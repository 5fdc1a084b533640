//! The caseworker's "young people and families" list: one entry per youth they follow, with
//! the parents' names, unread messages across the conversations about them, and a button per
//! conversation (the youth alone, the parents, the whole family) that opens it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::care::YouthFlags;
use samtale_ipc::care::commands::YOUTH_FLAGS;
use samtale_ipc::commands::CASELOAD;
use samtale_ipc::views::CaseView;
use samtale_proto::api::ThreadKind;
use samtale_proto::{ThreadId, UserId};

use super::timeline::TimelinePanel;

use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

#[component]
pub fn CaseList() -> impl IntoView {
    let ui = use_ui();
    let cases: RwSignal<Option<Vec<CaseView>>> = RwSignal::new(None);
    let flags: RwSignal<Vec<YouthFlags>> = RwSignal::new(Vec::new());
    // The open timeline lives here, not in an entry: entries are rebuilt on every change.
    let timeline_open = RwSignal::new(false);
    let timeline_for: RwSignal<Option<(UserId, Option<ThreadId>)>> = RwSignal::new(None);
    Effect::new(move |_| {
        ui.changes.track();
        spawn_local(async move {
            if let Ok(list) = invoke::<_, Vec<CaseView>>(CASELOAD, &()).await {
                cases.set(Some(list));
            }
            if let Ok(list) = invoke::<_, Vec<YouthFlags>>(YOUTH_FLAGS, &()).await {
                flags.set(list);
            }
        });
    });
    view! {
        // The tab above already says it; the heading is for screen readers' navigation.
        <h2 id="cases-title" class="visually-hidden">{ui.text(K::Cases)}</h2>
        {move || cases.get().map(|list| if list.is_empty() {
            view! { <p class="empty">{ui.tr(K::CasesEmpty)}</p> }.into_any()
        } else {
            view! {
                <ul class="cases" aria-labelledby="cases-title">
                    {list.into_iter().map(|c| {
                        let mine = c.youth.as_ref().and_then(|y| flags.with(|f| f.iter().find(|f| f.youth.user == y.user).cloned()));
                        view! { <Case case=c flags=mine timeline_open=timeline_open timeline_for=timeline_for /> }
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
        <Show when=move || timeline_open.get()>
            {move || timeline_for.get().map(|(youth, thread)| view! { <TimelinePanel youth=youth thread=thread open=timeline_open /> })}
        </Show>
        <super::reach::UnreachableList />
    }
}

#[component]
fn Case(
    case: CaseView,
    flags: Option<YouthFlags>,
    timeline_open: RwSignal<bool>,
    timeline_for: RwSignal<Option<(UserId, Option<ThreadId>)>>,
) -> impl IntoView {
    let ui = use_ui();
    let youth_thread = case
        .threads
        .iter()
        .find(|t| t.kind == ThreadKind::Youth)
        .map(|t| t.id.clone());
    let has_plan = flags.is_some();
    let flag_lines: Vec<String> = flags
        .as_ref()
        .map(|f| {
            f.flags
                .iter()
                .map(|x| super::timeline::flag_text(ui.lang.get_untracked(), x))
                .collect()
        })
        .unwrap_or_default();
    let youth_id = case.youth.as_ref().map(|y| y.user.clone());
    let parents: Vec<String> = case
        .parents
        .iter()
        .map(|p| p.display_name.clone())
        .collect();
    let (title, parents_line) = match &case.youth {
        Some(y) => (y.display_name.clone(), parents.join(", ")),
        None => (parents.join(", "), String::new()),
    };
    let unread = case.unread;
    let threads = case.threads.clone();
    view! {
        <li class="case">
            <div class="case-head">
                <strong class="who">{title}</strong>
                <Show when=move || unread.gt(&0)>
                    <span class="badge">{unread}<span class="visually-hidden">" "{ui.text(K::Unread)}</span></span>
                </Show>
            </div>
            <Show when={let p = parents_line.clone(); move || !p.is_empty()}>
                <p class="hint">{ui.text(K::ParentsLabel)}": "{parents_line.clone()}</p>
            </Show>
            <Show when={let t = threads.clone(); move || t.is_empty()}>
                <p class="hint">{ui.text(K::NoThreadYet)}</p>
            </Show>
            {flag_lines.into_iter().map(|l| view! { <p class="flag-line" role="note">"⚑ "{l}</p> }).collect_view()}
            <div class="row">
                {threads.into_iter().map(|t| {
                    let label = match t.kind {
                        ThreadKind::Youth => K::ThreadYouthShort,
                        ThreadKind::Parents => K::ThreadParentsShort,
                        _ => K::ThreadFamilyShort,
                    };
                    let id = t.id.clone();
                    let unread = t.unread;
                    view! {
                        <button class="case-thread" data-thread=t.id.to_string() on:click=move |_| ui.selected.set(Some(id.clone()))>
                            {ui.text(label)}
                            <Show when=move || unread.gt(&0)>
                                " "<span class="badge">{unread}<span class="visually-hidden">" "{ui.text(K::Unread)}</span></span>
                            </Show>
                        </button>
                    }
                }).collect_view()}
                <Show when=move || has_plan>
                    <button class="case-thread case-timeline" on:click={
                        let (youth, thread) = (youth_id.clone(), youth_thread.clone());
                        move |_| {
                            if let Some(y) = youth.clone() {
                                timeline_for.set(Some((y, thread.clone())));
                                timeline_open.set(true);
                            }
                        }
                    }>{ui.text(K::Timeline)}</button>
                </Show>
            </div>
        </li>
    }
}
