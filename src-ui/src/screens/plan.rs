//! The smiley plan in a youth's own conversation: a bar above the messages says whether there
//! is one, when it asks, its state and who sees the answers. The youth pauses, resumes or
//! stops it there; staff make or change it in the editor and open the timeline.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::care::commands::{
    PLANS, PlanStatusArgs, PlansArgs, SAVE_PLAN, SET_PLAN_STATUS, SavePlanArgs,
};
use samtale_ipc::care::{PlanInput, PlanView};
use samtale_ipc::views::ThreadView;
use samtale_proto::ThreadId;
use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::care::{PlanStatus, SlotTime, Weekday};

use super::timeline::TimelinePanel;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};

const DAYS: [K; 7] = [K::Mon, K::Tue, K::Wed, K::Thu, K::Fri, K::Sat, K::Sun];

fn status_text(s: PlanStatus) -> K {
    match s {
        PlanStatus::Active => K::PlanActive,
        PlanStatus::Paused => K::PlanPaused,
        PlanStatus::Stopped => K::PlanStopped,
    }
}

/// "08.00 man–fre, 11.00 lør+søn".
fn times_text(ui: Ui, times: &[SlotTime]) -> String {
    let lang = ui.lang.get_untracked();
    times
        .iter()
        .map(|t| {
            let mut idx: Vec<usize> = t.days.iter().map(|d| d.index()).collect();
            idx.sort_unstable();
            let days = match idx.as_slice() {
                [0, 1, 2, 3, 4, 5, 6] => String::new(),
                [0, 1, 2, 3, 4] => format!(
                    " {}–{}",
                    crate::i18n::t(lang, K::Mon),
                    crate::i18n::t(lang, K::Fri)
                ),
                _ => format!(
                    " {}",
                    idx.iter()
                        .map(|&i| crate::i18n::t(lang, DAYS[i]))
                        .collect::<Vec<_>>()
                        .join("+")
                ),
            };
            let sep = if lang == samtale_ipc::commands::Language::Da {
                '.'
            } else {
                ':'
            };
            format!("{:02}{sep}{:02}{days}", t.hour, t.minute)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn PlanBar(thread: ThreadId, threads: RwSignal<Vec<ThreadView>>) -> impl IntoView {
    let ui = use_ui();
    let plan: RwSignal<Option<PlanView>> = RwSignal::new(None);
    let editing = RwSignal::new(false);
    let timeline = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let info = {
        let thread = thread.clone();
        Memo::new(move |_| {
            threads.with(|ts| {
                ts.iter().find(|t| t.id == thread).and_then(|t| {
                    (t.kind == ThreadKind::Youth)
                        .then(|| t.members.iter().find(|m| m.role == Role::Youth).cloned())
                        .flatten()
                })
            })
        })
    };
    let tid = thread.clone();
    Effect::new(move |_| {
        ui.changes.track();
        let Some(youth) = info.get() else { return };
        let thread = tid.clone();
        spawn_local(async move {
            let args = PlansArgs {
                youth: Some(youth.user),
            };
            if let Ok(list) = invoke::<_, Vec<PlanView>>(PLANS, &args).await {
                plan.try_set(list.into_iter().rev().find(|p| p.thread == thread));
            }
        });
    });
    let staff = ui.is_staff();
    let set_status = move |status: PlanStatus| {
        let Some(p) = plan.get_untracked() else {
            return;
        };
        let args = PlanStatusArgs {
            plan: p.plan,
            status,
        };
        spawn_local(async move {
            match invoke::<_, PlanView>(SET_PLAN_STATUS, &args).await {
                Ok(v) => {
                    plan.try_set(Some(v));
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
        });
    };
    let thread_for_editor = thread.clone();
    let thread_for_timeline = thread.clone();
    view! {
        // A youth without a plan is not shown an empty bar.
        <Show when=move || info.with(Option::is_some) && (staff || plan.with(Option::is_some))>
            <div class="plan-bar" id="plan-bar">
                {move || match plan.get() {
                    Some(p) => {
                        let seen: Vec<String> = p.seen_by.iter().map(|m| m.display_name.clone()).collect();
                        view! {
                            <p>
                                <strong>{ui.text(K::Plan)}": "</strong>{times_text(ui, &p.times)}
                                " · "<span class="plan-status" data-status=p.status.as_str()>{ui.text(status_text(p.status))}</span>
                                <span class="hint">" · "{ui.text(K::CheckInSeenBy)}" "{seen.join(", ")}</span>
                            </p>
                        }.into_any()
                    }
                    None => ().into_any(),
                }}
                <div class="row">
                    <Show when=move || !staff && plan.with(|p| p.as_ref().is_some_and(|p| p.status == PlanStatus::Active))>
                        <button id="plan-pause" on:click=move |_| set_status(PlanStatus::Paused)>{ui.text(K::PlanPause)}</button>
                    </Show>
                    <Show when=move || plan.with(|p| p.as_ref().is_some_and(|p| p.status != PlanStatus::Active))>
                        <button id="plan-resume" on:click=move |_| set_status(PlanStatus::Active)>{ui.text(K::PlanResume)}</button>
                    </Show>
                    <Show when=move || !staff && plan.with(|p| p.as_ref().is_some_and(|p| p.status != PlanStatus::Stopped))>
                        <button id="plan-stop" on:click=move |_| set_status(PlanStatus::Stopped)>{ui.text(K::PlanStop)}</button>
                    </Show>
                    <Show when=move || staff>
                        <button id="plan-edit" on:click=move |_| editing.set(true)>
                            {move || if plan.with(Option::is_some) { ui.tr(K::PlanEdit) } else { ui.tr(K::PlanMake) }}
                        </button>
                    </Show>
                    <Show when=move || staff && plan.with(Option::is_some)>
                        <button id="open-timeline" on:click=move |_| timeline.set(true)>{ui.text(K::Timeline)}</button>
                    </Show>
                </div>
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" role="alert">{move || error.get()}</p>
                </Show>
            </div>
        </Show>
        <Show when=move || editing.get()>
            <PlanEditor thread=thread_for_editor.clone() current=plan.get_untracked() open=editing saved=plan />
        </Show>
        <Show when=move || timeline.get()>
            {
                let thread = thread_for_timeline.clone();
                move || info.get().map(|y| view! { <TimelinePanel youth=y.user thread=Some(thread.clone()) open=timeline /> })
            }
        </Show>
    }
}

/// One time of day in the editor: "HH:MM" and the days it applies on.
#[derive(Clone)]
struct Row {
    time: RwSignal<String>,
    days: RwSignal<[bool; 7]>,
}

impl Row {
    fn new(time: &str, days: [bool; 7]) -> Row {
        Row {
            time: RwSignal::new(time.to_owned()),
            days: RwSignal::new(days),
        }
    }
}

fn parse_time(s: &str) -> Option<(u8, u8)> {
    let (h, m) = s.trim().split_once([':', '.'])?;
    let (h, m) = (h.parse::<u8>().ok()?, m.parse::<u8>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

#[component]
fn PlanEditor(
    thread: ThreadId,
    current: Option<PlanView>,
    open: RwSignal<bool>,
    saved: RwSignal<Option<PlanView>>,
) -> impl IntoView {
    let ui = use_ui();
    let existing = current.as_ref().map(|p| p.plan.clone());
    let status = current
        .as_ref()
        .map(|p| p.status)
        .unwrap_or(PlanStatus::Active);
    let question = RwSignal::new(
        current
            .as_ref()
            .map(|p| p.question.clone())
            .unwrap_or_else(|| "Hvordan har du det lige nu?".into()),
    );
    let school = [true, true, true, true, true, false, false];
    let weekend = [false, false, false, false, false, true, true];
    let initial: Vec<Row> = match &current {
        Some(p) => p
            .times
            .iter()
            .map(|t| {
                let mut days = [false; 7];
                for d in &t.days {
                    days[d.index()] = true;
                }
                Row::new(&format!("{:02}:{:02}", t.hour, t.minute), days)
            })
            .collect(),
        None => vec![
            Row::new("08:00", school),
            Row::new("20:00", school),
            Row::new("11:00", weekend),
        ],
    };
    let rows: RwSignal<Vec<(u32, Row)>> = RwSignal::new(
        initial
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as u32, r))
            .collect(),
    );
    let next_key = StoredValue::new(rows.with_untracked(Vec::len) as u32);
    let window = RwSignal::new(current.as_ref().map(|p| p.window_minutes).unwrap_or(180));
    let tags = RwSignal::new(
        current
            .as_ref()
            .map(|p| p.tags.join(", "))
            .unwrap_or_else(|| "skole, hjemme, venner, søvn, fritid".into()),
    );
    let note = RwSignal::new(current.as_ref().map(|p| p.note).unwrap_or(true));
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let first: NodeRef<leptos::html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(i) = first.get() {
            let _ = i.focus();
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if question.get_untracked().trim().is_empty() {
            error.set(Some(ui.tr(K::PlanNeedsQuestion).to_owned()));
            return;
        }
        let mut times = Vec::new();
        for (_, r) in rows.get_untracked() {
            let days: Vec<Weekday> = r
                .days
                .get_untracked()
                .iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .filter_map(|(i, _)| Weekday::from_index(i))
                .collect();
            match parse_time(&r.time.get_untracked()) {
                Some((hour, minute)) if !days.is_empty() => {
                    times.push(SlotTime { days, hour, minute })
                }
                _ => {
                    error.set(Some(ui.tr(K::PlanNeedsTime).to_owned()));
                    return;
                }
            }
        }
        if times.is_empty() {
            error.set(Some(ui.tr(K::PlanNeedsTime).to_owned()));
            return;
        }
        let args = SavePlanArgs {
            thread: thread.clone(),
            input: PlanInput {
                plan: existing.clone(),
                question: question.get_untracked(),
                times,
                window_minutes: window.get_untracked(),
                tags: tags
                    .get_untracked()
                    .split(',')
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect(),
                note: note.get_untracked(),
                status,
            },
        };
        busy.set(true);
        spawn_local(async move {
            match invoke::<_, PlanView>(SAVE_PLAN, &args).await {
                Ok(v) => {
                    saved.try_set(Some(v));
                    open.try_set(false);
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
            busy.try_set(false);
        });
    };
    view! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="plan-title"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
            <section class="settings">
                <header>
                    <h2 id="plan-title">{if current.is_some() { ui.tr(K::PlanEdit) } else { ui.tr(K::PlanMake) }}</h2>
                    <button class="ghost" on:click=move |_| open.set(false)>{ui.text(K::Close)}</button>
                </header>
                <form id="plan-form" on:submit=save>
                    <label for="plan-question">{ui.text(K::PlanQuestion)}</label>
                    <input id="plan-question" maxlength="200" node_ref=first prop:value=move || question.get() on:input=move |ev| question.set(event_target_value(&ev)) />
                    <fieldset>
                        <legend>{ui.text(K::PlanTimes)}</legend>
                        <For each=move || rows.get() key=|(k, _)| *k let:item>
                            {
                                let (key, row) = item;
                                let label = format!("plan-time-{key}");
                                view! {
                                    <div class="plan-time">
                                        <label class="visually-hidden" for=label.clone()>{ui.text(K::PlanTimes)}</label>
                                        <input id=label type="time" prop:value=move || row.time.get() on:input=move |ev| row.time.set(event_target_value(&ev)) />
                                        <div class="days">
                                            {(0..7).map(|i| {
                                                let id = format!("plan-day-{key}-{i}");
                                                view! {
                                                    <span class="day-check">
                                                        <input id=id.clone() type="checkbox" prop:checked=move || row.days.get()[i]
                                                            on:change=move |ev| { let on = event_target_checked(&ev); row.days.update(|d| d[i] = on) } />
                                                        <label for=id>{ui.text(DAYS[i])}</label>
                                                    </span>
                                                }
                                            }).collect_view()}
                                        </div>
                                        <button type="button" class="ghost" on:click=move |_| rows.update(|r| r.retain(|(k, _)| *k != key))>{ui.text(K::PlanRemoveTime)}</button>
                                    </div>
                                }
                            }
                        </For>
                        <button type="button" id="plan-add-time" on:click=move |_| {
                            let key = next_key.get_value();
                            next_key.set_value(key + 1);
                            rows.update(|r| r.push((key, Row::new("12:00", [true; 7]))));
                        }>{ui.text(K::PlanAddTime)}</button>
                    </fieldset>
                    <label for="plan-window">{ui.text(K::PlanWindow)}</label>
                    <select id="plan-window" on:change=move |ev| if let Ok(m) = event_target_value(&ev).parse() { window.set(m) }>
                        {[60u16, 120, 180, 360].into_iter().map(|m| view! {
                            <option value=m.to_string() selected=move || window.get() == m>{m / 60}" "{ui.text(K::Hours)}</option>
                        }).collect_view()}
                    </select>
                    <label for="plan-tags">{ui.text(K::PlanTagsLabel)}</label>
                    <input id="plan-tags" prop:value=move || tags.get() on:input=move |ev| tags.set(event_target_value(&ev)) />
                    <div class="check">
                        <input id="plan-note" type="checkbox" prop:checked=move || note.get() on:change=move |ev| note.set(event_target_checked(&ev)) />
                        <label for="plan-note">{ui.text(K::PlanNoteLabel)}</label>
                    </div>
                    <button id="plan-save" type="submit" class="primary" disabled=move || busy.get()>{ui.text(K::PlanSave)}</button>
                    <p class="error" role="alert">{move || error.get()}</p>
                </form>
            </section>
        </div>
    }
}
