//! One conversation: bubbles grouped by day, each own message with its state (waiting for the
//! connection, sending, sent, failed with "try again") and who has received and read it; notices
//! from the device in the middle; a composer where Enter sends and Shift+Enter adds a line.
//! Opening a conversation marks what others wrote as read.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{
    MARK_READ, MESSAGES, MessagesArgs, RETRY, RetryArgs, SEND, SendArgs, ThreadArgs,
};
use samtale_ipc::views::{MessageState, MessageView, ThreadView};
use samtale_proto::{MAX_MESSAGE_BYTES, ThreadId};

use super::home::{js_now, others};
use crate::format;
use crate::i18n::K;
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};

/// How many of the newest messages are shown.
const SHOWN: u32 = 500;

#[component]
pub fn Conversation(
    thread: ThreadId,
    selected: RwSignal<Option<ThreadId>>,
    threads: RwSignal<Vec<ThreadView>>,
) -> impl IntoView {
    let ui = use_ui();
    let messages: RwSignal<Vec<MessageView>> = RwSignal::new(Vec::new());
    let tid = thread.clone();
    Effect::new(move |_| {
        ui.changes.track();
        let thread = tid.clone();
        spawn_local(async move {
            let args = MessagesArgs {
                thread: thread.clone(),
                limit: SHOWN,
            };
            if let Ok(list) = invoke::<_, Vec<MessageView>>(MESSAGES, &args).await {
                let unread = list.iter().any(|m| !m.mine && m.kind == "message");
                messages.set(list);
                scroll_to_end();
                if unread {
                    let _ = invoke::<_, u32>(MARK_READ, &ThreadArgs { thread }).await;
                }
            }
        });
    });
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
            </header>
            <ol class="messages" aria-live="polite">
                {move || render_messages(ui, &messages.get())}
            </ol>
            <Composer thread=thread />
        </section>
    }
}

fn scroll_to_end() {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(".messages li:last-child").ok().flatten())
    {
        el.scroll_into_view_with_bool(false);
    }
}

fn render_messages(ui: Ui, list: &[MessageView]) -> Vec<AnyView> {
    let lang = ui.lang.get();
    let now = js_now();
    let today = format::local(now);
    let yesterday = format::local(now - 86_400_000);
    let mut out = Vec::with_capacity(list.len() + 8);
    let mut last_day: Option<format::Local> = None;
    for m in list {
        let at = format::local(m.sent_at_ms);
        if !last_day.is_some_and(|d| d.same_day(&at)) {
            out.push(
                view! { <li class="day">{format::day(lang, &at, &today, &yesterday)}</li> }
                    .into_any(),
            );
            last_day = Some(at);
        }
        out.push(bubble(ui, m, format::time(lang, &at)));
    }
    out
}

fn bubble(ui: Ui, m: &MessageView, time: String) -> AnyView {
    if m.kind == "notice" {
        return view! { <li class="notice">{m.body.clone()}</li> }.into_any();
    }
    let body = m.body.clone();
    let sender = m.sender_name.clone();
    if !m.mine {
        return view! {
            <li class="bubble theirs">
                <span class="sender">{sender}</span>
                <p class="text">{body}</p>
                <span class="meta"><time>{time}</time></span>
            </li>
        }
        .into_any();
    }
    let state = match m.state {
        MessageState::Queued => ui.tr(K::Queued).to_owned(),
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
    let failed = m.state == MessageState::Failed;
    let queued = m.state == MessageState::Queued;
    let id = m.id.clone();
    view! {
        <li class="bubble mine" class:queued=queued class:failed=failed data-state=m.state_name()>
            <p class="text">{body}</p>
            <span class="meta"><time>{time}</time>" · "<span class="state">{state}</span></span>
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
    let text = RwSignal::new(String::new());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let send = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() {
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
        let args = SendArgs {
            thread: thread.clone(),
            text: body,
        };
        spawn_local(async move {
            match invoke::<_, MessageView>(SEND, &args).await {
                Ok(_) => text.set(String::new()),
                Err(e) => error.set(Some(ui.error(&e))),
            }
            busy.set(false);
        });
    };
    let send_key = send.clone();
    view! {
        <form class="composer" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(); }>
            <label for="message" class="visually-hidden">{ui.text(K::WriteMessage)}</label>
            <textarea id="message" rows="2" placeholder=ui.tr(K::WriteMessage) aria-describedby="send-hint composer-error"
                prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); error.set(None); }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send_key();
                    }
                }></textarea>
            <button id="send" type="submit" class="primary" disabled=move || busy.get()>{ui.text(K::Send)}</button>
            <p id="send-hint" class="hint">{ui.text(K::SendHint)}</p>
            <p id="composer-error" class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
