//! One conversation: bubbles grouped by day, each own message with its state (waiting for the
//! connection, sending, sent, failed with "try again") and who has received and read it; notices
//! from the device in the middle; a composer where Enter sends and Shift+Enter adds a line.
//! Opening a conversation marks what others wrote as read.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::cards::commands::{CANCEL_PLANNED, CancelPlannedArgs};
use samtale_ipc::commands::{
    MARK_READ, MESSAGES, MessagesArgs, RETRY, RetryArgs, SEND, SendArgs, ThreadArgs,
};
use samtale_ipc::files::AttachInput;
use samtale_ipc::files::commands::{SEND_FILES, SendFilesArgs};
use samtale_ipc::views::{MessageState, MessageView, ThreadView};
use samtale_proto::{MAX_MESSAGE_BYTES, ThreadId};

use super::home::{js_now, others};
use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};
use crate::window;

#[component]
pub fn Conversation(
    thread: ThreadId,
    selected: RwSignal<Option<ThreadId>>,
    threads: RwSignal<Vec<ThreadView>>,
) -> impl IntoView {
    let ui = use_ui();
    // Only a slice of the conversation is held and rendered (see `window`).
    let messages: RwSignal<Vec<MessageView>> = RwSignal::new(Vec::new());
    let has_older = RwSignal::new(false);
    let loading_older = RwSignal::new(false);
    let list = NodeRef::<leptos::html::Ol>::new();
    // Whether the person is at the newest messages (so new ones should scroll into view).
    // Kept from the last scroll event, not measured when a refresh lands, so a refresh that
    // races with scrolling up cannot pull the view back down.
    let pinned = StoredValue::new(true);
    let tid = thread.clone();
    Effect::new(move |_| {
        ui.changes.track();
        let thread = tid.clone();
        spawn_local(async move {
            let args = MessagesArgs {
                thread: thread.clone(),
                limit: window::PAGE,
                before: None,
            };
            if let Ok(page) = invoke::<_, Vec<MessageView>>(MESSAGES, &args).await {
                let unread = page.iter().any(|m| !m.mine && m.kind == "message");
                let first = messages.with_untracked(Vec::is_empty);
                // Follow new messages only when at the bottom, not while reading back.
                let follow = first || pinned.get_value();
                let full = page.len() == window::PAGE as usize;
                let mut restarted = false;
                messages.update(|slice| restarted = window::merge_newest(slice, page));
                if first || restarted {
                    has_older.set(full);
                }
                if follow {
                    request_animation_frame(move || {
                        if pinned.get_value() {
                            scroll_to_end(list);
                        }
                    });
                }
                if unread {
                    let _ = invoke::<_, u32>(MARK_READ, &ThreadArgs { thread }).await;
                }
            }
        });
    });
    let older_thread = thread.clone();
    let on_scroll = move |_| {
        let Some(el) = list.get_untracked() else {
            return;
        };
        pinned.set_value(near_bottom(list));
        if el.scroll_top() > 200 || !has_older.get_untracked() || loading_older.get_untracked() {
            return;
        }
        let Some(before) = messages.with_untracked(|m| m.first().map(|m| m.id.clone())) else {
            return;
        };
        loading_older.set(true);
        let args = MessagesArgs {
            thread: older_thread.clone(),
            limit: window::PAGE,
            before: Some(before),
        };
        spawn_local(async move {
            if let Ok(page) = invoke::<_, Vec<MessageView>>(MESSAGES, &args).await {
                has_older.set(page.len() == window::PAGE as usize);
                // Keep what is on screen where it is while the page goes in above it.
                let height = el.scroll_height();
                messages.update(|slice| window::prepend_older(slice, page));
                // Once the rows are in (the render effects run before this tick ends).
                leptos::task::tick().await;
                el.set_scroll_top(el.scroll_top() + el.scroll_height() - height);
                loading_older.set(false);
            } else {
                loading_older.set(false);
            }
        });
    };
    let tools_thread = thread.clone();
    let record_thread = thread.clone();
    let picker = super::record::Picker::new();
    let title = {
        let thread = thread.clone();
        move || {
            threads.with(|ts| {
                ts.iter()
                    .find(|t| t.id == thread)
                    .map(|t| others(ui, t))
                    .unwrap_or_default()
            })
        }
    };
    view! {
        <section class="conversation" aria-labelledby="conversation-title">
            <header>
                <button class="back ghost" on:click=move |_| selected.set(None)>{ui.text(K::Back)}</button>
                <h2 id="conversation-title">{title}</h2>
                <Show when=move || ui.is_staff()>
                    <super::record::RecordBar thread=record_thread.clone() picker=picker />
                </Show>
            </header>
            <super::plan::PlanBar thread=thread.clone() threads=threads />
            <ol class="messages" aria-live="polite" aria-busy=move || loading_older.get().to_string() node_ref=list on:scroll=on_scroll tabindex="0" aria-labelledby="conversation-title">
                <Show when=move || has_older.get()>
                    <li class="older"><span role="status">{move || if loading_older.get() { ui.tr(K::LoadingOlder) } else { ui.tr(K::ScrollForOlder) }}</span></li>
                </Show>
                // Keyed, so a change re-renders only the rows it touches and the list (with
                // the person's scroll position) stays put.
                <For each=move || rows(ui, &messages.get()) key=|r| r.key.clone() let:row>
                    {match row.kind {
                        RowKind::Day(label) => view! { <li class="day">{label}</li> }.into_any(),
                        RowKind::Message(m, time) => bubble(ui, &m, time, picker),
                    }}
                </For>
            </ol>
            <Show when=move || ui.is_staff()>
                <super::compose::StaffTools thread=tools_thread.clone() />
            </Show>
            <Composer thread=thread />
        </section>
    }
}

/// At the bottom, give or take a few lines.
fn near_bottom(list: NodeRef<leptos::html::Ol>) -> bool {
    list.get_untracked()
        .is_none_or(|el| el.scroll_height() - el.scroll_top() - el.client_height() < 80)
}

fn scroll_to_end(list: NodeRef<leptos::html::Ol>) {
    if let Some(el) = list.get_untracked() {
        el.set_scroll_top(el.scroll_height());
    }
}

/// One row of the list: a day separator or a message with its formatted time. The key
/// changes whenever what the row shows changes (state, receipts, language, "today").
#[derive(Clone)]
struct Row {
    key: String,
    kind: RowKind,
}

#[derive(Clone)]
enum RowKind {
    Day(String),
    Message(Box<MessageView>, String),
}

fn rows(ui: Ui, list: &[MessageView]) -> Vec<Row> {
    let lang = ui.lang.get();
    let now = js_now();
    let today = format::local(now);
    let yesterday = format::local(now - 86_400_000);
    let mut out = Vec::with_capacity(list.len() + 8);
    let mut last_day: Option<format::Local> = None;
    for m in list {
        let at = format::local(m.sent_at_ms);
        if !last_day.is_some_and(|d| d.same_day(&at)) {
            let label = format::day(lang, &at, &today, &yesterday);
            out.push(Row {
                key: format!("day:{label}"),
                kind: RowKind::Day(label),
            });
            last_day = Some(at);
        }
        let key = format!(
            "{}:{}:{}:{}:{}:{lang:?}",
            m.id,
            m.state.as_str(),
            m.read_by().len(),
            m.delivered_unread().len(),
            m.card.as_ref().map(super::cards::key).unwrap_or_default()
        ) + if m.recorded.is_some() {
            ":recorded"
        } else {
            ""
        } + &m
            .files
            .iter()
            .map(|f| format!(":{:?}{}", f.state, f.done))
            .collect::<String>();
        out.push(Row {
            key,
            kind: RowKind::Message(Box::new(m.clone()), format::time(lang, &at)),
        });
    }
    out
}

fn bubble(ui: Ui, m: &MessageView, time: String, picker: super::record::Picker) -> AnyView {
    if m.kind == "notice" {
        return view! { <li class="notice">{m.body.clone()}</li> }.into_any();
    }
    if matches!(m.kind.as_str(), "appointment" | "question" | "card_update") {
        return super::cards::row(ui, m, time, picker);
    }
    if m.kind == "check_in_plan" || m.kind == "record" {
        // A plan made or changed: a card in the middle, like a notice, with who did it.
        return view! {
            <li class="plan-card" class:record-line=m.kind == "record">
                <span class="sender">{m.sender_name.clone()}</span>
                <p class="text">{m.body.clone()}</p>
                <span class="meta"><time>{time}</time></span>
            </li>
        }
        .into_any();
    }
    let body = m.body.clone();
    let sender = m.sender_name.clone();
    let files = super::files::file_list(ui, &m.files);
    let has_text = !body.is_empty();
    let pick = (m.kind == "message").then(|| super::record::pick_box(ui, picker, m));
    let recorded = super::record::mark(ui, m.recorded.as_ref());
    if !m.mine {
        return view! {
            <li class="bubble theirs">
                {pick}
                <span class="sender">{sender}</span>
                <Show when=move || has_text><p class="text">{body.clone()}</p></Show>
                {files}
                <span class="meta"><time>{time}</time>{recorded}</span>
            </li>
        }
        .into_any();
    }
    let state = match m.state {
        MessageState::Queued => ui.tr(K::Queued).to_owned(),
        MessageState::Planned => ui.tr(K::Planned).to_owned(),
        MessageState::Failed => ui.tr(K::Failed).to_owned(),
        _ => {
            let read = m.read_by();
            let delivered = m.delivered_unread();
            let mut parts = vec![ui.tr(K::Sent).to_owned()];
            if !delivered.is_empty() {
                parts.push(format!(
                    "{} {}",
                    ui.tr(K::DeliveredTo),
                    delivered.join(", ")
                ));
            }
            if !read.is_empty() {
                parts.push(format!("{} {}", ui.tr(K::ReadBy), read.join(", ")));
            }
            parts.join(" · ")
        }
    };
    let planned = m.state == MessageState::Planned;
    let failed = m.state == MessageState::Failed;
    let queued = m.state == MessageState::Queued;
    let id = m.id.clone();
    let planned_id = m.id.clone();
    view! {
        <li class="bubble mine" class:queued=queued class:failed=failed data-state=m.state_name()>
            {pick}
            <Show when=move || has_text><p class="text">{body.clone()}</p></Show>
            {files}
            <span class="meta"><time>{time}</time>" · "<span class="state">{state}</span>{recorded}</span>
            <Show when=move || planned>
                {
                    let message = planned_id.clone();
                    view! { <button class="ghost cancel-planned" on:click=move |_| {
                        let args = CancelPlannedArgs { message: message.clone() };
                        spawn_local(async move { let _ = invoke::<_, ()>(CANCEL_PLANNED, &args).await; });
                    }>{ui.tr(K::CancelPlanned)}</button> }
                }
            </Show>
            <Show when=move || failed>
                {
                    let id = id.clone();
                    view! { <button class="retry" on:click=move |_| {
                        let message = id.clone();
                        spawn_local(async move { let _ = invoke::<_, ()>(RETRY, &RetryArgs { message }).await; });
                    }>{ui.tr(K::Retry)}</button> }
                }
            </Show>
        </li>
    }
    .into_any()
}

trait StateName {
    fn state_name(&self) -> &'static str;
}

impl StateName for MessageView {
    fn state_name(&self) -> &'static str {
        self.state.as_str()
    }
}

#[component]
fn Composer(thread: ThreadId) -> impl IntoView {
    let ui = use_ui();
    // The draft lives in the shared state, so locking the app or switching conversation
    // loses nothing typed.
    let text = RwSignal::new(ui.draft(&thread));
    let draft_thread = thread.clone();
    Effect::new(move |_| ui.set_draft(&draft_thread, text.get()));
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    // Files waiting to go with the next message.
    let attached: RwSignal<Vec<AttachInput>> = RwSignal::new(Vec::new());
    let take_files = move |list: Option<web_sys::FileList>| {
        let Some(list) = list.filter(|l| l.length() > 0) else {
            return;
        };
        error.set(None);
        spawn_local(async move {
            match super::files::read_files(list).await {
                Ok(files) => attached.update(|a| a.extend(files)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let send = move || {
        let body = text.get_untracked();
        let files = attached.get_untracked();
        if body.trim().is_empty() && files.is_empty() {
            error.set(Some(ui.tr(K::Empty).to_owned()));
            return;
        }
        if body.len() > MAX_MESSAGE_BYTES {
            // Refused here, and the text stays where it is.
            error.set(Some(ui.tr(K::TooLong).to_owned()));
            return;
        }
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (draft_of, sent) = (thread.clone(), body.clone());
        let thread = thread.clone();
        spawn_local(async move {
            let result = if files.is_empty() {
                invoke::<_, MessageView>(SEND, &SendArgs { thread, text: body }).await
            } else {
                attached.set(Vec::new());
                let args = SendFilesArgs {
                    thread,
                    text: body,
                    files: files.clone(),
                };
                let r = invoke::<_, MessageView>(SEND_FILES, &args).await;
                if r.is_err() {
                    // Nothing was sent: the files wait in the composer again.
                    attached.try_set(files);
                }
                r
            };
            match result {
                Ok(_) => {
                    // The draft goes with the message, even if the screen closed meanwhile.
                    if ui.draft(&draft_of) == sent {
                        ui.set_draft(&draft_of, String::new());
                    }
                    text.try_set(String::new());
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
            busy.try_set(false);
        });
    };
    let send_key = send.clone();
    let picker: NodeRef<leptos::html::Input> = NodeRef::new();
    view! {
        <form class="composer" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(); }
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                take_files(ev.data_transfer().and_then(|d| d.files()));
            }>
            <label for="message" class="visually-hidden">{ui.text(K::WriteMessage)}</label>
            <textarea id="message" rows="2" placeholder=ui.tr(K::WriteMessage) aria-describedby="send-hint composer-error"
                prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); error.set(None); }
                on:paste=move |ev: leptos::ev::ClipboardEvent| {
                    let files = ev.clipboard_data().and_then(|d| d.files());
                    if files.as_ref().is_some_and(|f| f.length() > 0) {
                        ev.prevent_default();
                        take_files(files);
                    }
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send_key();
                    }
                }></textarea>
            <input id="attach-input" type="file" multiple class="visually-hidden" node_ref=picker tabindex="-1"
                aria-label=ui.tr(K::Attach)
                on:change=move |ev| {
                    let input = event_target::<web_sys::HtmlInputElement>(&ev);
                    take_files(input.files());
                    input.set_value("");
                } />
            <button id="attach" type="button" class="ghost" on:click=move |_| {
                if let Some(p) = picker.get() { p.click(); }
            }>{ui.text(K::Attach)}</button>
            <button id="send" type="submit" class="primary" disabled=move || busy.get()>{ui.text(K::Send)}</button>
            <Show when=move || !attached.with(Vec::is_empty)>
                <ul class="attached" aria-label=ui.tr(K::Attached)>
                    {move || attached.get().into_iter().enumerate().map(|(i, a)| {
                        let name = a.name.clone().unwrap_or_default();
                        let size = a.bytes.as_ref().map(|b| super::files::size_text(b.len() as u64)).unwrap_or_default();
                        view! {
                            <li class="chip attached-file">
                                {name}" · "{size}
                                <button type="button" class="ghost remove-attached" aria-label=ui.tr(K::RemoveAttachment)
                                    on:click=move |_| attached.update(|v| { if i < v.len() { v.remove(i); } })>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="hint photo-note">{ui.text(K::PhotoNote)}</p>
            </Show>
            <p id="send-hint" class="hint">{ui.text(K::SendHint)}</p>
            <p id="composer-error" class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
