//! A youth's check-ins: the card for the smiley due now, on top of his conversation list. One
//! tap on a smiley answers; topics and a note are optional and go with the tap. The card says
//! who sees the answer, thanks him, and lets him change it while it is open. "Mine smileys"
//! opens his own history (the timeline, without the caseworker's tools).

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::care::commands::{ANSWER_CHECK_IN, DUE_CHECK_INS};
use samtale_ipc::care::{AnswerInput, AnswerView, DueCheckIn};

use super::timeline::TimelinePanel;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

/// The words for a score, 1 to 5.
pub fn score_text(score: u8) -> K {
    match score {
        1 => K::Score1,
        2 => K::Score2,
        3 => K::Score3,
        4 => K::Score4,
        _ => K::Score5,
    }
}

/// Fill colour of a face: red to green, each dark enough for its outline to show on white.
pub fn score_colour(score: u8) -> &'static str {
    match score {
        1 => "#d9534f",
        2 => "#f0883e",
        3 => "#f2c94c",
        4 => "#8cc152",
        _ => "#3aa757",
    }
}

/// A smiley face drawn in SVG (fonts with emoji are not on every device), `size` px wide.
pub fn face(score: u8, size: u32) -> impl IntoView {
    // The mouth bends from a frown (1) to a broad smile (5).
    let bend = (i32::from(score) - 3) * 5;
    let mouth = format!("M 11 26 Q 20 {} 29 26", 26 + bend);
    view! {
        <svg class="face" width=size height=size viewBox="0 0 40 40" aria-hidden="true" focusable="false">
            <circle cx="20" cy="20" r="18" fill=score_colour(score) stroke="#1b1f24" stroke-width="1.5" />
            <circle cx="14" cy="15" r="2.2" fill="#1b1f24" />
            <circle cx="26" cy="15" r="2.2" fill="#1b1f24" />
            <path d=mouth fill="none" stroke="#1b1f24" stroke-width="2.2" stroke-linecap="round" />
        </svg>
    }
}

#[component]
pub fn DueCards() -> impl IntoView {
    let ui = use_ui();
    let due: RwSignal<Vec<DueCheckIn>> = RwSignal::new(Vec::new());
    let history = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            if let Ok(list) = invoke::<_, Vec<DueCheckIn>>(DUE_CHECK_INS, &()).await {
                due.try_set(list);
            }
        });
    };
    Effect::new(move |_| {
        ui.changes.track();
        load();
    });
    // A slot opens on the clock, not on an engine event: look again every minute.
    if let Ok(handle) = set_interval_with_handle(load, std::time::Duration::from_secs(60)) {
        on_cleanup(move || handle.clear());
    }
    let me = move || ui.account.with(|a| a.as_ref().map(|a| a.user.clone()));
    view! {
        <For each=move || due.get() key=|d| (d.plan.clone(), d.slot_ms, d.answer.as_ref().map(|a| (a.score, a.pending))) let:card>
            <Card card=card />
        </For>
        <button id="my-smileys" class="my-smileys" on:click=move |_| history.set(true)>{ui.text(K::MySmileys)}</button>
        <Show when=move || history.get()>
            {move || me().map(|youth| view! { <TimelinePanel youth=youth thread=None open=history /> })}
        </Show>
    }
}

#[component]
fn Card(card: DueCheckIn) -> impl IntoView {
    let ui = use_ui();
    let tags: RwSignal<Vec<String>> = RwSignal::new(
        card.answer
            .as_ref()
            .map(|a| a.tags.clone())
            .unwrap_or_default(),
    );
    let note = RwSignal::new(
        card.answer
            .as_ref()
            .and_then(|a| a.note.clone())
            .unwrap_or_default(),
    );
    let answer: RwSignal<Option<AnswerView>> = RwSignal::new(card.answer.clone());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let plan = card.plan.clone();
    let send = move |score: u8| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let note = note.get_untracked();
        let args = AnswerInput {
            plan: plan.clone(),
            score,
            tags: tags.get_untracked(),
            note: (!note.trim().is_empty()).then_some(note),
        };
        spawn_local(async move {
            match invoke::<_, AnswerView>(ANSWER_CHECK_IN, &args).await {
                Ok(a) => {
                    answer.try_set(Some(a));
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
            busy.try_set(false);
        });
    };
    let qid = format!("checkin-q-{}", card.plan);
    let seen: Vec<String> = card
        .seen_by
        .iter()
        .map(|m| m.display_name.clone())
        .collect();
    let seen = seen.join(", ");
    let offered = card.tags.clone();
    view! {
        <section class="checkin-card" aria-labelledby=qid.clone() data-plan=card.plan.to_string()>
            <p class="kicker">{ui.text(K::CheckInKicker)}</p>
            <h2 id=qid.clone()>{card.question.clone()}</h2>
            <Show when={let o = offered.clone(); move || !o.is_empty()}>
                <p class="hint" id="checkin-tags-label">{ui.text(K::CheckInTags)}</p>
                <div class="chips" role="group" aria-labelledby="checkin-tags-label">
                    {offered.clone().into_iter().map(|tag| {
                        let on = { let tag = tag.clone(); move || tags.with(|t| t.contains(&tag)) };
                        let toggle = { let tag = tag.clone(); move |_| tags.update(|t| {
                            if let Some(i) = t.iter().position(|x| x == &tag) { t.remove(i); } else { t.push(tag.clone()); }
                        }) };
                        view! { <button class="chip" data-tag=tag.clone() aria-pressed=move || on().to_string() on:click=toggle>{tag.clone()}</button> }
                    }).collect_view()}
                </div>
            </Show>
            <Show when=move || card.note>
                <label for="checkin-note">{ui.text(K::CheckInNote)}</label>
                <textarea id="checkin-note" rows="2" maxlength="500" prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </Show>
            <p class="hint" id="checkin-pick">{ui.text(K::CheckInPick)}</p>
            <div class="smileys" role="group" aria-labelledby="checkin-pick">
                {(1u8..=5).map(|score| {
                    let send = send.clone();
                    let chosen = move || answer.with(|a| a.as_ref().is_some_and(|a| a.score == score));
                    view! {
                        <button class="smiley" data-score=score aria-pressed=move || chosen().to_string()
                            disabled=move || busy.get() on:click=move |_| send(score)>
                            {face(score, 44)}
                            <span>{ui.text(score_text(score))}</span>
                        </button>
                    }
                }).collect_view()}
            </div>
            <p class="checkin-status" role="status">{move || answer.get().map(|a| {
                if a.pending { ui.tr(K::CheckInWaiting) } else { ui.tr(K::CheckInThanks) }
            })}</p>
            <p class="error" role="alert">{move || error.get()}</p>
            <p class="hint">{ui.text(K::CheckInSeenBy)}": "{seen}</p>
        </section>
    }
}
