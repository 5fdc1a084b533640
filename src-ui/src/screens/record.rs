//! "Journalisér": a caseworker picks messages in a conversation, fills in the case number, a
//! short title, the document date and optionally a KLE number, sees exactly what will be
//! recorded, and records. Every member then sees "Journaliseret 27.11.2026" on what went into
//! the case file. The list of her records, with their state and "try again", is in settings.
//! The engine makes the PDF/A and delivers it; this only asks and shows.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::records::commands::{PREVIEW_RECORD, RECORD, RECORDS, RETRY_RECORDS, RecordArgs};
use samtale_ipc::records::{
    CheckInSpan, RecordInput, RecordPreview, RecordState, RecordView, RecordedMark,
};
use samtale_ipc::views::MessageView;
use samtale_proto::{EnvelopeId, ThreadId};

use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};

/// Picking messages for a record, in one conversation.
#[derive(Clone, Copy)]
pub struct Picker {
    pub picking: RwSignal<bool>,
    pub picked: RwSignal<Vec<EnvelopeId>>,
}

impl Picker {
    pub fn new() -> Picker {
        Picker {
            picking: RwSignal::new(false),
            picked: RwSignal::new(Vec::new()),
        }
    }

    fn stop(self) {
        self.picking.set(false);
        self.picked.set(Vec::new());
    }
}

/// The box to pick a message with, while picking.
pub fn pick_box(ui: Ui, picker: Picker, m: &MessageView) -> impl IntoView + use<> {
    let id = m.id.clone();
    let checked = {
        let id = id.clone();
        move || picker.picked.with(|p| p.contains(&id))
    };
    view! {
        <Show when=move || picker.picking.get()>
            {
                let (id, checked) = (id.clone(), checked.clone());
                view! {
                    <input type="checkbox" class="pick" aria-label=ui.tr(K::RecordPick) data-message=id.to_string()
                        prop:checked=checked
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let id = id.clone();
                            picker.picked.update(|p| {
                                p.retain(|x| *x != id);
                                if on { p.push(id) }
                            });
                        } />
                }
            }
        </Show>
    }
}

/// "Journaliseret 27.11.2026" on a recorded message, with the case and title on hover.
pub fn mark(ui: Ui, r: Option<&RecordedMark>) -> Option<impl IntoView + use<>> {
    let r = r?;
    // "27.11.2026": the date as the case file writes it.
    let l = format::local(r.at_ms);
    let day = format!("{:02}.{:02}.{}", l.day, l.month + 1, l.year);
    let about = format!("{} · {} · {}", r.case_number, r.title, r.by);
    Some(view! {
        <span class="recorded" title=about.clone() aria-label=format!("{} {day}: {about}", ui.tr(K::RecordedMark))>
            {ui.tr(K::RecordedMark)}" "{day.clone()}
        </span>
    })
}

/// The button that starts picking, and the bar while picking.
#[component]
pub fn RecordBar(thread: ThreadId, picker: Picker) -> impl IntoView {
    let ui = use_ui();
    let open = RwSignal::new(false);
    let count = move || picker.picked.with(Vec::len);
    view! {
        <Show when=move || !picker.picking.get()>
            <button id="record-start" type="button" class="ghost" on:click=move |_| picker.picking.set(true)>{ui.text(K::RecordStart)}</button>
        </Show>
        <Show when=move || picker.picking.get()>
            <div class="record-bar" role="region" aria-label=ui.tr(K::RecordStart)>
                <span>{ui.text(K::RecordPick)}": "<strong id="picked-count">{count}</strong>" "{ui.text(K::RecordPicked)}</span>
                <button id="record-next" type="button" class="primary" disabled=move || count() == 0 on:click=move |_| open.set(true)>{ui.text(K::RecordNext)}</button>
                <button type="button" class="ghost" on:click=move |_| picker.stop()>{ui.text(K::Cancel)}</button>
            </div>
        </Show>
        <Show when=move || open.get()>
            <RecordDialog thread=thread.clone() picker=picker open=open />
        </Show>
    }
}

/// The record form. With `span`, a period of the youth's check-ins goes in (from the
/// timeline), with or without picked messages.
#[component]
pub fn RecordDialog(
    thread: ThreadId,
    picker: Picker,
    open: RwSignal<bool>,
    #[prop(optional)] span: Option<CheckInSpan>,
) -> impl IntoView {
    let ui = use_ui();
    let case_number = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let kle = RwSignal::new(String::new());
    let preview: RwSignal<Option<RecordPreview>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let done: RwSignal<Option<RecordView>> = RwSignal::new(None);
    let input = {
        let thread = thread.clone();
        move || RecordInput {
            thread: thread.clone(),
            messages: picker.picked.get_untracked(),
            case_number: case_number.get_untracked(),
            title: title.get_untracked(),
            document_date: Some(iso_of(&date.get_untracked())).filter(|d| !d.is_empty()),
            kle: Some(kle.get_untracked()).filter(|k| !k.trim().is_empty()),
            checkins: span,
        }
    };
    // What will be recorded, once, when the dialog opens (the fields do not change it).
    {
        let input = input.clone();
        spawn_local(async move {
            match invoke::<_, RecordPreview>(PREVIEW_RECORD, &RecordArgs { input: input() }).await {
                Ok(p) => {
                    date.try_set(danish_of(&p.document_date));
                    preview.try_set(Some(p));
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
        });
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let args = RecordArgs { input: input() };
        spawn_local(async move {
            match invoke::<_, RecordView>(RECORD, &args).await {
                Ok(r) => {
                    done.try_set(Some(r));
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
            busy.try_set(false);
        });
    };
    let close = move |_| {
        if done.get_untracked().is_some() {
            picker.stop();
        }
        open.set(false);
    };
    let field = move |id: &'static str, key: K, value: RwSignal<String>, kind: &'static str| {
        view! {
            <label for=id>{ui.text(key)}</label>
            <input id=id type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    view! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="record-title"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
            <section class="settings record-dialog">
                <header>
                    <h2 id="record-title">{ui.text(K::RecordTitle)}</h2>
                    <button id="close-record" class="ghost" on:click=close>{ui.text(K::Close)}</button>
                </header>
                {move || match done.get() {
                    Some(r) => result(ui, &r).into_any(),
                    None => view! {
                        <form id="record-form" on:submit=submit.clone()>
                            {field("record-case", K::RecordCase, case_number, "text")}
                            {field("record-topic", K::RecordTopic, title, "text")}
                            // Danish form (dd.mm.åååå) whatever the system's locale: a date
                            // input would show the webview's (12/07/2026 on an English one).
                            {field("record-date", K::RecordDate, date, "text")}
                            {field("record-kle", K::RecordKle, kle, "text")}
                            <p class="hint">{ui.text(K::RecordMarkHint)}</p>
                            <button id="record-confirm" type="submit" class="primary" disabled=move || busy.get() || preview.with(Option::is_none)>
                                {move || if busy.get() { ui.tr(K::RecordBusy) } else { ui.tr(K::RecordConfirm) }}
                            </button>
                            <p class="error" role="alert">{move || error.get()}</p>
                        </form>
                        {move || preview.get().map(|p| what(ui, &p))}
                    }.into_any(),
                }}
            </section>
        </div>
    }
}

/// "2026-12-07" as "07.12.2026" (what is not such a date stays as it is).
fn danish_of(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] if y.len() == 4 => format!("{d}.{m}.{y}"),
        _ => iso.to_owned(),
    }
}

/// "7.12.2026" or "07.12.2026" as "2026-12-07"; anything else is passed on as typed, for the
/// engine to refuse with its reason.
fn iso_of(typed: &str) -> String {
    let t = typed.trim();
    match t.split(['.', '-', '/']).collect::<Vec<_>>().as_slice() {
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 && t.contains('.') => {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{danish_of, iso_of};

    #[test]
    fn document_dates_are_shown_and_read_the_danish_way() {
        assert_eq!(danish_of("2026-12-07"), "07.12.2026");
        assert_eq!(iso_of("07.12.2026"), "2026-12-07");
        assert_eq!(iso_of(" 7.12.2026 "), "2026-12-07");
        assert_eq!(iso_of(&danish_of("2026-01-31")), "2026-01-31");
        // Not a Danish date: passed on for the engine to refuse or take.
        assert_eq!(iso_of("2026-12-07"), "2026-12-07");
        assert_eq!(iso_of("i går"), "i går");
        assert_eq!(iso_of(""), "");
    }
}

/// Exactly what goes into the record: the people and the messages as written.
fn what(ui: Ui, p: &RecordPreview) -> impl IntoView + use<> {
    let lang = ui.lang.get_untracked();
    let people = p
        .participants
        .iter()
        .map(|m| format!("{} ({})", m.name, m.role))
        .collect::<Vec<_>>()
        .join(", ");
    let items = p
        .messages
        .iter()
        .map(|m| {
            let when = format::moment(lang, &format::local(m.sent_at_ms));
            let files = m
                .files
                .iter()
                .map(|f| {
                    view! { <li class="hint">{f.name.clone()}" · "{ui.tr(K::HashOfContent)}" "{f.sha256.chars().take(16).collect::<String>()}"…"</li> }
                })
                .collect_view();
            view! {
                <li class="record-item">
                    <span class="hint">{when}" · "{m.sender.clone()}" ("{m.role.clone()}")"</span>
                    <p class="text">{m.text.clone()}</p>
                    <ul>{files}</ul>
                </li>
            }
        })
        .collect_view();
    let checkins = p.checkins.as_ref().map(|c| {
        let day = |ms: i64| {
            let l = format::local(ms);
            format!("{:02}.{:02}.{}", l.day, l.month + 1, l.year)
        };
        let answered = c.slots.iter().filter(|s| s.score.is_some()).count();
        let slots = c
            .slots
            .iter()
            .map(|s| {
                let when = format::moment(lang, &format::local(s.slot_ms));
                let got = match s.score {
                    Some(n) => view! { {super::checkin::face(n, 16)}" "{ui.tr(super::checkin::score_text(n))} }.into_any(),
                    None => view! { <em>{ui.tr(K::RecordNotAnswered)}</em> }.into_any(),
                };
                view! { <li class="record-slot" data-answered=s.score.is_some().to_string()>{when}": "{got}</li> }
            })
            .collect_view();
        view! {
            <p id="record-checkins"><strong>{format!(
                "{} {}, {}–{}: ",
                ui.tr(K::RecordCheckIns),
                c.youth,
                day(c.span.from_ms),
                day(c.span.to_ms - 1)
            )}</strong>{format!("{answered} {} {}", ui.tr(K::RecordOf), c.slots.len())}" "{ui.tr(K::RecordAnswered)}</p>
            <ul class="record-slots">{slots}</ul>
        }
    });
    view! {
        <section class="record-preview" aria-labelledby="record-what">
            <h3 id="record-what">{ui.tr(K::RecordWhat)}</h3>
            <p><strong>{ui.tr(K::RecordPeople)}": "</strong>{people}</p>
            {checkins}
            <ol id="record-messages">{items}</ol>
        </section>
    }
}

fn result(ui: Ui, r: &RecordView) -> impl IntoView + use<> {
    let text = match r.state {
        RecordState::Delivered => format!(
            "{} {}.",
            ui.tr(K::RecordDone),
            r.delivered_to.clone().unwrap_or_default()
        ),
        _ => format!(
            "{} {}",
            ui.tr(K::RecordKept),
            r.error.clone().unwrap_or_default()
        ),
    };
    view! { <p id="record-result" role="status" data-state=state_name(r.state)>{text}</p> }
}

fn state_name(s: RecordState) -> &'static str {
    match s {
        RecordState::Delivered => "delivered",
        RecordState::Pending => "pending",
        RecordState::Failed => "failed",
    }
}

/// Her records and where each stands, with "try again" (in settings).
#[component]
pub fn RecordsList() -> impl IntoView {
    let ui = use_ui();
    let list: RwSignal<Vec<RecordView>> = RwSignal::new(Vec::new());
    let busy = RwSignal::new(false);
    Effect::new(move |_| {
        ui.changes.track();
        spawn_local(async move {
            if let Ok(l) = invoke::<_, Vec<RecordView>>(RECORDS, &()).await {
                list.try_set(l);
            }
        });
    });
    let retry = move |_| {
        busy.set(true);
        spawn_local(async move {
            if let Ok(l) = invoke::<_, Vec<RecordView>>(RETRY_RECORDS, &()).await {
                list.try_set(l);
            }
            busy.try_set(false);
        });
    };
    let lang = move || ui.lang.get();
    view! {
        <section class="records" aria-labelledby="records-title">
            <h3 id="records-title">{ui.text(K::RecordsTitle)}</h3>
            <Show when=move || list.with(Vec::is_empty)>
                <p class="hint">{ui.text(K::RecordsNone)}</p>
            </Show>
            <ul id="record-list">
                {move || list.get().into_iter().map(|r| {
                    let state = match r.state {
                        RecordState::Delivered => ui.tr(K::RecordStateDelivered),
                        RecordState::Pending => ui.tr(K::RecordStatePending),
                        RecordState::Failed => ui.tr(K::RecordStateFailed),
                    };
                    let when = format::moment(lang(), &format::local(r.recorded_at_ms));
                    view! {
                        <li class="record-row" data-state=state_name(r.state)>
                            <strong>{r.case_number.clone()}</strong>" · "{r.title.clone()}
                            <span class="hint">" · "{when}" · "{state}</span>
                            {r.error.clone().map(|e| view! { <p class="error">{e}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <Show when=move || list.with(|l| l.iter().any(|r| r.state != RecordState::Delivered))>
                <button id="records-retry" type="button" class="ghost" disabled=move || busy.get() on:click=retry>{ui.text(K::RecordRetry)}</button>
            </Show>
        </section>
    }
}
