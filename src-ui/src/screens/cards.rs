//! Cards in a conversation. An appointment card shows when and where, three answer buttons
//! ("Jeg kommer", "Jeg kan ikke", "Kan vi flytte det?") with an optional comment, every
//! member's answer, and "Tilføj til kalender"; a caseworker can move or cancel it. A question
//! card offers smileys, yes/no or the choices in one tap each, an optional comment, and shows
//! the answers with their counts; the caseworker closes it. The engine keeps each card in its
//! newest state, so the card is redrawn, not repeated, when it changes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::cards::commands::{
    ANSWER_QUESTION, AnswerQuestionArgs, CLOSE_QUESTION, CardArgs, REPLY_APPOINTMENT, ReplyArgs,
    SAVE_APPOINTMENT, SAVE_ICS, SaveAppointmentArgs,
};
use samtale_ipc::cards::{AppointmentInput, AppointmentView, CardView, QuestionView};
use samtale_ipc::views::MessageView;
use samtale_proto::cards::{QuestionForm, Rsvp};

use super::checkin::face;
use super::compose::AppointmentEditor;
use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};

/// What makes a card row's key change, so the list redraws it when it changes.
pub fn key(card: &CardView) -> String {
    match card {
        CardView::Appointment(a) => format!(
            "a{}:{}:{:?}",
            a.revision,
            a.replies.iter().map(|r| r.at_ms).max().unwrap_or(0),
            a.mine
        ),
        CardView::Question(q) => format!(
            "q{}:{}:{:?}",
            q.closed,
            q.answers.iter().map(|a| a.at_ms).max().unwrap_or(0),
            q.mine
        ),
    }
}

/// A row of kind `appointment`, `question` or `card_update`.
pub fn row(ui: Ui, m: &MessageView, time: String, picker: super::record::Picker) -> AnyView {
    // A card goes into the case file like a message: the box to pick it, and its mark.
    let pick = super::record::pick_box(ui, picker, m).into_any();
    let recorded = super::record::mark(ui, m.recorded.as_ref()).map(IntoAny::into_any);
    match &m.card {
        Some(CardView::Appointment(a)) => view! {
            <AppointmentCard a=a.clone() sender=m.sender_name.clone() pick=pick recorded=recorded />
        }
        .into_any(),
        Some(CardView::Question(q)) => view! {
            <QuestionCard q=q.clone() sender=m.sender_name.clone() pick=pick recorded=recorded />
        }
        .into_any(),
        // A change to a card: a line in the middle, with who made it.
        None => view! {
            <li class="plan-card card-update">
                {pick}
                <span class="sender">{m.sender_name.clone()}</span>
                <p class="text">{m.body.clone()}</p>
                <span class="meta"><time>{time}</time>" "{ui.tr(K::CardChanged)}{recorded}</span>
            </li>
        }
        .into_any(),
    }
}

fn rsvp_text(r: Rsvp) -> K {
    match r {
        Rsvp::Coming => K::RsvpComing,
        Rsvp::Cannot => K::RsvpCannot,
        Rsvp::Reschedule => K::RsvpReschedule,
    }
}

/// "onsdag 3. juni kl. 11.00, 45 min".
fn when(ui: Ui, a: &AppointmentView) -> String {
    let lang = ui.lang.get_untracked();
    let at = format::local(a.starts_at_ms);
    let now = super::home::js_now();
    let (today, yesterday) = (format::local(now), format::local(now - 86_400_000));
    format!(
        "{}, {} · {} min",
        format::day(lang, &at, &today, &yesterday),
        format::time(lang, &at),
        a.minutes
    )
}

#[component]
fn AppointmentCard(
    a: AppointmentView,
    sender: String,
    pick: AnyView,
    recorded: Option<AnyView>,
) -> impl IntoView {
    let ui = use_ui();
    let comment = RwSignal::new(String::new());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let saved: RwSignal<Option<String>> = RwSignal::new(None);
    let editing = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let id = a.id.clone();
    let reply = move |answer: Rsvp| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let args = ReplyArgs {
            appointment: id.clone(),
            answer,
            comment: Some(comment.get_untracked()).filter(|c| !c.trim().is_empty()),
        };
        spawn_local(async move {
            match invoke::<_, AppointmentView>(REPLY_APPOINTMENT, &args).await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    let ics_id = a.id.clone();
    let add_to_calendar = move |_| {
        let args = CardArgs { id: ics_id.clone() };
        spawn_local(async move {
            match invoke::<_, String>(SAVE_ICS, &args).await {
                Ok(path) => saved.set(Some(format!("{} {path}", ui.tr(K::SavedIn)))),
                Err(e) => error.set(Some(ui.error(&e))),
            }
        });
    };
    let cancel_a = a.clone();
    let cancel = move |_| {
        let a = cancel_a.clone();
        let args = SaveAppointmentArgs {
            thread: a.thread.clone(),
            input: AppointmentInput {
                appointment: Some(a.id.clone()),
                title: a.title,
                starts_at_ms: a.starts_at_ms,
                minutes: a.minutes,
                place: a.place,
                link: a.link,
                note: a.note,
                reminders: Some(a.reminders),
                cancelled: true,
            },
        };
        spawn_local(async move {
            if let Err(e) = invoke::<_, AppointmentView>(SAVE_APPOINTMENT, &args).await {
                error.set(Some(ui.error(&e)));
            }
        });
    };
    let heading = format!("card-{}", a.id);
    let labelled_by = heading.clone();
    let mine = a.mine;
    let open = !a.cancelled;
    let can_reply = a.can_reply;
    let can_edit = a.can_edit && open;
    let answer_buttons = move || {
        Rsvp::ALL
            .into_iter()
            .map(|r| {
                let reply = reply.clone();
                view! {
                    <button type="button" class="rsvp" data-rsvp=r.as_str() aria-pressed=(mine == Some(r)).to_string()
                        disabled=move || busy.get() on:click=move |_| reply(r)>{ui.tr(rsvp_text(r))}</button>
                }
            })
            .collect_view()
    };
    let replies = a
        .replies
        .iter()
        .map(|r| {
            let earlier = r.earlier_time.then(|| ui.tr(K::EarlierTime));
            view! {
                <li>
                    <strong>{r.member.display_name.clone()}</strong>": "{ui.tr(rsvp_text(r.answer))}
                    {r.comment.clone().map(|c| view! { <q>{c}</q> })}
                    {earlier.map(|e| view! { <span class="hint">" ("{e}")"</span> })}
                </li>
            }
        })
        .collect_view();
    let waiting: Vec<String> = a.waiting.iter().map(|m| m.display_name.clone()).collect();
    let comment_id = format!("c-{}", a.id);
    let (editor_thread, editor_a) = (a.thread.clone(), a.clone());
    let (when_text, title) = (when(ui, &a), a.title.clone());
    let place = (!a.place.is_empty()).then(|| a.place.clone());
    let link = a.link.clone();
    let note = (!a.note.is_empty()).then(|| a.note.clone());
    view! {
        <li class="card appointment" class:cancelled=!open data-card="appointment" aria-labelledby=labelled_by>
            {pick}
            <span class="sender">{sender}{recorded.map(|r| view! { " · "{r} })}</span>
            <h3 id=heading>{ui.tr(K::Appointment)}": "{title}</h3>
            <p class="when">{when_text}</p>
            {place.map(|p| view! { <p class="place">{ui.tr(K::Place)}": "{p}</p> })}
            {link.map(|l| view! { <p class="link">{ui.tr(K::VideoLink)}": "<span class="url">{l}</span></p> })}
            {note.map(|n| view! { <p class="note">{n}</p> })}
            <Show when=move || !open>
                <p class="cancelled-note" role="status">{ui.tr(K::Cancelled)}</p>
            </Show>
            <Show when=move || can_reply>
                <div class="rsvps" role="group" aria-label=ui.tr(K::YourAnswer)>{answer_buttons.clone()}</div>
                <label class="visually-hidden" for=comment_id.clone()>{ui.tr(K::Comment)}</label>
                <input id=comment_id.clone() class="comment" placeholder=ui.tr(K::CommentOptional)
                    prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev)) />
            </Show>
            <ul class="replies">{replies}</ul>
            {(!waiting.is_empty() && open).then(|| view! { <p class="hint waiting">{ui.tr(K::NotAnswered)}": "{waiting.join(", ")}</p> })}
            <div class="card-actions">
                <button type="button" class="ghost" on:click=add_to_calendar>{ui.tr(K::AddToCalendar)}</button>
                <Show when=move || can_edit>
                    <button type="button" class="ghost move" on:click=move |_| editing.update(|e| *e = !*e)>{ui.tr(K::Move)}</button>
                    <button type="button" class="ghost cancel" on:click=cancel.clone()>{ui.tr(K::CancelAppointment)}</button>
                </Show>
            </div>
            <Show when=move || editing.get()>
                <AppointmentEditor thread=editor_thread.clone() existing=Some(editor_a.clone()) done=editing />
            </Show>
            <p class="saved" role="status">{move || saved.get()}</p>
            <p class="error" role="alert">{move || error.get()}</p>
        </li>
    }
}

#[component]
fn QuestionCard(
    q: QuestionView,
    sender: String,
    pick: AnyView,
    recorded: Option<AnyView>,
) -> impl IntoView {
    let ui = use_ui();
    let comment = RwSignal::new(String::new());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let id = q.id.clone();
    let answer = move |value: u8| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let args = AnswerQuestionArgs {
            question: id.clone(),
            value,
            comment: Some(comment.get_untracked()).filter(|c| !c.trim().is_empty()),
        };
        spawn_local(async move {
            match invoke::<_, QuestionView>(ANSWER_QUESTION, &args).await {
                Ok(_) => error.set(None),
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    let close_id = q.id.clone();
    let close = move |_| {
        let args = CardArgs {
            id: close_id.clone(),
        };
        spawn_local(async move {
            if let Err(e) = invoke::<_, QuestionView>(CLOSE_QUESTION, &args).await {
                error.set(Some(ui.error(&e)));
            }
        });
    };
    let heading = format!("card-{}", q.id);
    let labelled_by = heading.clone();
    let values: Vec<(u8, String)> = (1..=q.form.values())
        .map(|v| (v, label(ui, &q.form, v)))
        .collect();
    let smileys = q.form == QuestionForm::Smileys;
    let mine = q.mine;
    let choice_values = values.clone();
    let buttons = move || {
        choice_values
            .iter()
            .map(|(v, text)| {
                let (v, answer) = (*v, answer.clone());
                let pressed = (mine == Some(v)).to_string();
                let shown = if smileys {
                    face(v, 40).into_any()
                } else {
                    view! { <span>{text.clone()}</span> }.into_any()
                };
                view! {
                    <button type="button" class="choice" class:smiley=smileys data-value=v.to_string() aria-pressed=pressed
                        aria-label=text.clone() disabled=move || busy.get() on:click=move |_| answer(v)>
                        {shown}
                    </button>
                }
            })
            .collect_view()
    };
    let total: u32 = q.counts.iter().sum();
    let counts = values
        .iter()
        .zip(&q.counts)
        .map(|((_, text), n)| {
            let width = (n * 100).checked_div(total).unwrap_or(0);
            view! {
                <li><span class="count-label">{text.clone()}</span>
                    <svg class="bar" height="10" aria-hidden="true"><rect width=format!("{width}%") height="10" rx="2" /></svg>
                    <span class="count">{*n}</span></li>
            }
        })
        .collect_view();
    let answers = q
        .answers
        .iter()
        .map(|a| {
            view! {
                <li><strong>{a.member.display_name.clone()}</strong>": "{label(ui, &q.form, a.value)}
                    {a.comment.clone().map(|c| view! { <q>{c}</q> })}</li>
            }
        })
        .collect_view();
    let staff = ui.is_staff();
    let (can_answer, can_close, closed, with_comment) =
        (q.can_answer, q.can_close, q.closed, q.comment);
    let waiting: Vec<String> = q.waiting.iter().map(|m| m.display_name.clone()).collect();
    let cid = format!("qc-{}", q.id);
    view! {
        <li class="card question" class:closed=closed data-card="question" aria-labelledby=labelled_by>
            {pick}
            <span class="sender">{sender}{recorded.map(|r| view! { " · "{r} })}</span>
            <h3 id=heading>{q.text.clone()}</h3>
            <Show when=move || can_answer>
                <div class="choices" role="group" aria-label=ui.tr(K::YourAnswer)>{buttons.clone()}</div>
                {with_comment.then(|| {
                    let cid = cid.clone();
                    view! {
                        <label class="visually-hidden" for=cid.clone()>{ui.tr(K::Comment)}</label>
                        <input id=cid class="comment" placeholder=ui.tr(K::CommentOptional)
                            prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev)) />
                    }
                })}
                <p class="hint">{ui.tr(K::ChangeUntilClosed)}</p>
            </Show>
            {staff.then(|| view! { <ul class="counts" aria-label=ui.tr(K::AnswerCounts)>{counts}</ul> })}
            <ul class="replies">{answers}</ul>
            {(!waiting.is_empty() && !closed).then(|| view! { <p class="hint waiting">{ui.tr(K::NotAnswered)}": "{waiting.join(", ")}</p> })}
            <Show when=move || closed>
                <p class="cancelled-note" role="status">{ui.tr(K::QuestionClosed)}</p>
            </Show>
            <Show when=move || can_close>
                <div class="card-actions"><button type="button" class="ghost close-question" on:click=close.clone()>{ui.tr(K::CloseQuestion)}</button></div>
            </Show>
            <p class="error" role="alert">{move || error.get()}</p>
        </li>
    }
}

/// A value in the reader's language.
fn label(ui: Ui, form: &QuestionForm, value: u8) -> String {
    match form {
        QuestionForm::Smileys => ui.tr(super::checkin::score_text(value)).to_owned(),
        QuestionForm::YesNo if value == 1 => ui.tr(K::Yes).to_owned(),
        QuestionForm::YesNo => ui.tr(K::No).to_owned(),
        QuestionForm::Choices { .. } => form.label(value),
    }
}
