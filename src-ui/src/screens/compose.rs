//! A caseworker's tools beside the composer: put an appointment into the conversation (or move
//! one), ask a quick question, or write a message that goes out later. Each opens a small form;
//! what is typed stays until it is sent or the form is closed, and a refusal is shown in words
//! beside the form with nothing lost.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::cards::commands::{
    ASK_QUESTION, AskArgs, PLAN_MESSAGE, PlanMessageArgs, SAVE_APPOINTMENT, SaveAppointmentArgs,
};
use samtale_ipc::cards::{AppointmentInput, AppointmentView, QuestionInput, QuestionView};
use samtale_ipc::views::MessageView;
use samtale_proto::ThreadId;
use samtale_proto::cards::QuestionForm;

use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::use_ui;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    None,
    Appointment,
    Question,
    Later,
}

/// The row of tools; only staff see it.
#[component]
pub fn StaffTools(thread: ThreadId) -> impl IntoView {
    let ui = use_ui();
    let open = RwSignal::new(Tool::None);
    // Each editor's own "done" closes that editor only if it is still the one open: the answer
    // to a saved question can come after the caseworker has opened the next tool.
    let closer = move |tool: Tool| {
        let done = RwSignal::new(false);
        Effect::new(move |_| {
            if done.get() {
                done.set(false);
                open.update(|o| {
                    if *o == tool {
                        *o = Tool::None;
                    }
                });
            }
        });
        done
    };
    let (done1, done2, done3) = (
        closer(Tool::Appointment),
        closer(Tool::Question),
        closer(Tool::Later),
    );
    let toggle = move |t: Tool| open.update(|o| *o = if *o == t { Tool::None } else { t });
    let (t1, t2, t3) = (thread.clone(), thread.clone(), thread);
    view! {
        <div class="staff-tools">
            <div class="tool-buttons">
                <button type="button" class="ghost" id="tool-appointment" aria-expanded=move || (open.get() == Tool::Appointment).to_string()
                    on:click=move |_| toggle(Tool::Appointment)>{ui.text(K::NewAppointment)}</button>
                <button type="button" class="ghost" id="tool-question" aria-expanded=move || (open.get() == Tool::Question).to_string()
                    on:click=move |_| toggle(Tool::Question)>{ui.text(K::NewQuestion)}</button>
                <button type="button" class="ghost" id="tool-later" aria-expanded=move || (open.get() == Tool::Later).to_string()
                    on:click=move |_| toggle(Tool::Later)>{ui.text(K::SendLater)}</button>
            </div>
            <Show when=move || open.get() == Tool::Appointment>
                <AppointmentEditor thread=t1.clone() existing=None done=done1 />
            </Show>
            <Show when=move || open.get() == Tool::Question>
                <QuestionEditor thread=t2.clone() done=done2 />
            </Show>
            <Show when=move || open.get() == Tool::Later>
                <LaterEditor thread=t3.clone() done=done3 />
            </Show>
        </div>
    }
}

/// `YYYY-MM-DD` and `HH:MM` of a moment, for date and time inputs.
fn inputs_of(ms: i64) -> (String, String) {
    let l = format::local(ms);
    (
        format!("{:04}-{:02}-{:02}", l.year, l.month + 1, l.day),
        format!("{:02}:{:02}", l.hour, l.minute),
    )
}

/// Makes a new appointment, or moves and changes `existing`. Sets `done` when saved.
#[component]
pub fn AppointmentEditor(
    thread: ThreadId,
    existing: Option<AppointmentView>,
    done: RwSignal<bool>,
) -> impl IntoView {
    let ui = use_ui();
    // A new appointment starts tomorrow at ten.
    let start = existing
        .as_ref()
        .map(|a| a.starts_at_ms)
        .unwrap_or_else(|| {
            let l = format::local(super::home::js_now() + 86_400_000);
            format::local_at(l.year as i32, l.month + 1, l.day, 10, 0)
        });
    let (d, t) = inputs_of(start);
    let title = RwSignal::new(
        existing
            .as_ref()
            .map(|a| a.title.clone())
            .unwrap_or_default(),
    );
    let date = RwSignal::new(d);
    let time = RwSignal::new(t);
    let minutes = RwSignal::new(existing.as_ref().map_or(60, |a| a.minutes).to_string());
    let place = RwSignal::new(
        existing
            .as_ref()
            .map(|a| a.place.clone())
            .unwrap_or_default(),
    );
    let link = RwSignal::new(
        existing
            .as_ref()
            .and_then(|a| a.link.clone())
            .unwrap_or_default(),
    );
    let note = RwSignal::new(
        existing
            .as_ref()
            .map(|a| a.note.clone())
            .unwrap_or_default(),
    );
    let reminders = existing
        .as_ref()
        .map_or(vec![1440, 60], |a| a.reminders.clone());
    let day_before = RwSignal::new(reminders.contains(&1440));
    let hour_before = RwSignal::new(reminders.contains(&60));
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let id = existing.as_ref().map(|a| a.id.clone());
    // Ids are unique per form: a card's own editor and the toolbar's can both be open.
    let p = StoredValue::new(id.as_ref().map_or("new".to_owned(), |i| i.to_string()));
    let f = move |name: &str| format!("appt-{name}-{}", p.get_value());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(at) = format::parse_moment(&date.get_untracked(), &time.get_untracked()) else {
            error.set(Some(ui.tr(K::BadMoment).to_owned()));
            return;
        };
        // The common mistakes in words here; the engine checks everything again.
        let link_text = link.get_untracked();
        let problem = if title.get_untracked().trim().is_empty() {
            Some(K::NeedTitle)
        } else if !link_text.trim().is_empty() && !link_text.trim().starts_with("https://") {
            Some(K::LinkHttps)
        } else if at <= super::home::js_now() {
            Some(K::TimePassed)
        } else {
            None
        };
        if let Some(k) = problem {
            error.set(Some(ui.tr(k).to_owned()));
            return;
        }
        let mut chosen = Vec::new();
        if day_before.get_untracked() {
            chosen.push(1440);
        }
        if hour_before.get_untracked() {
            chosen.push(60);
        }
        let args = SaveAppointmentArgs {
            thread: thread.clone(),
            input: AppointmentInput {
                appointment: id.clone(),
                title: title.get_untracked(),
                starts_at_ms: at,
                minutes: minutes.get_untracked().parse().unwrap_or(60),
                place: place.get_untracked(),
                link: Some(link.get_untracked()).filter(|l| !l.trim().is_empty()),
                note: note.get_untracked(),
                reminders: Some(chosen),
                cancelled: false,
            },
        };
        busy.set(true);
        spawn_local(async move {
            match invoke::<_, AppointmentView>(SAVE_APPOINTMENT, &args).await {
                Ok(_) => {
                    error.set(None);
                    done.set(true);
                }
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    let field = move |name: &str, label: K, kind: &'static str, value: RwSignal<String>| {
        let id = f(name);
        view! {
            <label for=id.clone()>{ui.tr(label)}</label>
            <input id=id type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    let check = move |name: &str, label: K, value: RwSignal<bool>| {
        let id = f(name);
        view! {
            <span class="day-check">
                <input id=id.clone() type="checkbox" prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev)) />
                <label for=id>{ui.tr(label)}</label>
            </span>
        }
    };
    let minutes_id = f("minutes");
    let note_id = f("note");
    view! {
        <form class="card-form appointment-form" on:submit=save>
            {field("title", K::Title, "text", title)}
            <div class="when-row">
                <span>{field("date", K::Date, "date", date)}</span>
                <span>{field("time", K::Time, "time", time)}</span>
                <span>
                    <label for=minutes_id.clone()>{ui.text(K::Duration)}</label>
                    <select id=minutes_id prop:value=move || minutes.get() on:change=move |ev| minutes.set(event_target_value(&ev))>
                        {[15u16, 30, 45, 60, 90, 120].into_iter().map(|m| view! { <option value=m.to_string()>{format!("{m} min")}</option> }).collect_view()}
                    </select>
                </span>
            </div>
            {field("place", K::Place, "text", place)}
            {field("link", K::VideoLink, "url", link)}
            <label for=note_id.clone()>{ui.text(K::Note)}</label>
            <textarea id=note_id rows="2" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <fieldset class="days">
                <legend>{ui.text(K::Reminders)}</legend>
                {check("day", K::DayBefore, day_before)}
                {check("hour", K::HourBefore, hour_before)}
            </fieldset>
            <button type="submit" class="primary save-appointment" disabled=move || busy.get()>{ui.text(K::Save)}</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

#[component]
fn QuestionEditor(thread: ThreadId, done: RwSignal<bool>) -> impl IntoView {
    let ui = use_ui();
    let text = RwSignal::new(String::new());
    let form = RwSignal::new("smileys".to_owned());
    let choices = RwSignal::new(String::new());
    let comment = RwSignal::new(true);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if text.get_untracked().trim().is_empty() {
            error.set(Some(ui.tr(K::NeedQuestion).to_owned()));
            return;
        }
        let form = match form.get_untracked().as_str() {
            "yes_no" => QuestionForm::YesNo,
            "choices" => QuestionForm::Choices {
                choices: choices
                    .get_untracked()
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect(),
            },
            _ => QuestionForm::Smileys,
        };
        let args = AskArgs {
            thread: thread.clone(),
            input: QuestionInput {
                text: text.get_untracked(),
                form,
                comment: comment.get_untracked(),
            },
        };
        busy.set(true);
        spawn_local(async move {
            match invoke::<_, QuestionView>(ASK_QUESTION, &args).await {
                Ok(_) => {
                    error.set(None);
                    done.set(true);
                }
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card-form question-form" on:submit=ask>
            <label for="question-text">{ui.text(K::QuestionText)}</label>
            <input id="question-text" type="text" placeholder="Hvordan var mødet i dag?" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
            <label for="question-form">{ui.text(K::AnswerWith)}</label>
            <select id="question-form" prop:value=move || form.get() on:change=move |ev| form.set(event_target_value(&ev))>
                <option value="smileys">{ui.text(K::FormSmileys)}</option>
                <option value="yes_no">{ui.text(K::FormYesNo)}</option>
                <option value="choices">{ui.text(K::FormChoices)}</option>
            </select>
            <Show when=move || form.get() == "choices">
                <label for="question-choices">{ui.text(K::ChoicesOnePerLine)}</label>
                <textarea id="question-choices" rows="3" prop:value=move || choices.get() on:input=move |ev| choices.set(event_target_value(&ev))></textarea>
            </Show>
            <span class="day-check">
                <input id="question-comment" type="checkbox" prop:checked=move || comment.get() on:change=move |ev| comment.set(event_target_checked(&ev)) />
                <label for="question-comment">{ui.text(K::OfferComment)}</label>
            </span>
            <button type="submit" class="primary" id="ask" disabled=move || busy.get()>{ui.text(K::Ask)}</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// A message written now that the server sends at the chosen time, even with the laptop shut.
#[component]
fn LaterEditor(thread: ThreadId, done: RwSignal<bool>) -> impl IntoView {
    let ui = use_ui();
    let (d, _) = inputs_of(super::home::js_now() + 86_400_000);
    let text = RwSignal::new(String::new());
    let date = RwSignal::new(d);
    let time = RwSignal::new("07:30".to_owned());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(at_ms) = format::parse_moment(&date.get_untracked(), &time.get_untracked()) else {
            error.set(Some(ui.tr(K::BadMoment).to_owned()));
            return;
        };
        let args = PlanMessageArgs {
            thread: thread.clone(),
            text: text.get_untracked(),
            at_ms,
        };
        busy.set(true);
        spawn_local(async move {
            match invoke::<_, MessageView>(PLAN_MESSAGE, &args).await {
                Ok(_) => {
                    error.set(None);
                    done.set(true);
                }
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card-form later-form" on:submit=plan>
            <label for="later-text">{ui.text(K::WriteMessage)}</label>
            <textarea id="later-text" rows="2" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <div class="when-row">
                <span><label for="later-date">{ui.text(K::Date)}</label>
                    <input id="later-date" type="date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev)) /></span>
                <span><label for="later-time">{ui.text(K::Time)}</label>
                    <input id="later-time" type="time" prop:value=move || time.get() on:input=move |ev| time.set(event_target_value(&ev)) /></span>
            </div>
            <p class="hint">{ui.text(K::SendLaterHint)}</p>
            <button type="submit" class="primary" id="plan-message" disabled=move || busy.get()>{ui.text(K::PlanIt)}</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
