//! What every screen shares: the language, the signed-in account, whether the engine is online,
//! a counter that ticks when the engine reports changes (screens re-read on it), and what must
//! outlive the screens while the app is locked: the open conversation and unsent drafts.

use std::collections::HashMap;

use leptos::prelude::*;
use samtale_ipc::IpcError;
use samtale_ipc::commands::Language;
use samtale_ipc::views::{Account, ClientEvent};
use samtale_proto::ThreadId;

use crate::i18n::{K, error_text, t};

#[derive(Clone, Copy)]
pub struct Ui {
    pub lang: RwSignal<Language>,
    pub account: RwSignal<Option<Account>>,
    /// `None` until the engine has said anything.
    pub online: RwSignal<Option<bool>>,
    /// Bumped on every change the engine reports.
    pub changes: RwSignal<u64>,
    /// Bumped when this account's devices or alerts change.
    pub account_changes: RwSignal<u64>,
    /// The threads the last change touched.
    pub changed_threads: RwSignal<Vec<ThreadId>>,
    pub signed_out: RwSignal<bool>,
    /// The app lock is on: only the lock screen shows.
    pub locked: RwSignal<bool>,
    /// A PIN is chosen, so the app can be locked.
    pub pin_set: RwSignal<bool>,
    /// The open conversation.
    pub selected: RwSignal<Option<ThreadId>>,
    /// Unsent text per conversation, kept across locking and switching.
    pub drafts: StoredValue<HashMap<ThreadId, String>>,
}

impl Ui {
    pub fn new() -> Ui {
        Ui {
            lang: RwSignal::new(Language::Da),
            account: RwSignal::new(None),
            online: RwSignal::new(None),
            changes: RwSignal::new(0),
            account_changes: RwSignal::new(0),
            changed_threads: RwSignal::new(Vec::new()),
            signed_out: RwSignal::new(false),
            locked: RwSignal::new(false),
            pin_set: RwSignal::new(false),
            selected: RwSignal::new(None),
            drafts: StoredValue::new(HashMap::new()),
        }
    }

    pub fn draft(&self, thread: &ThreadId) -> String {
        self.drafts
            .with_value(|d| d.get(thread).cloned().unwrap_or_default())
    }

    pub fn set_draft(&self, thread: &ThreadId, text: String) {
        self.drafts.update_value(|d| {
            if text.is_empty() {
                d.remove(thread);
            } else {
                d.insert(thread.clone(), text);
            }
        });
    }

    /// The text for `key`; inside a reactive closure it follows the language.
    pub fn tr(&self, key: K) -> &'static str {
        t(self.lang.get(), key)
    }

    /// A reactive text: follows the language.
    pub fn text(self, key: K) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || t(self.lang.get(), key)
    }

    /// The sentence for an error; a `Locked` answer also brings up the lock screen.
    pub fn error(&self, e: &IpcError) -> String {
        if e.kind == samtale_ipc::ErrorKind::Locked && !self.locked.get_untracked() {
            self.locked.set(true);
        }
        error_text(self.lang.get_untracked(), e.kind).to_owned()
    }

    pub fn on_event(&self, event: ClientEvent) {
        match event {
            ClientEvent::ThreadsChanged { threads } | ClientEvent::Incoming { threads, .. } => {
                self.changed_threads.set(threads);
                self.changes.update(|n| *n += 1);
            }
            ClientEvent::Connection { online } => {
                self.online.set(Some(online));
                self.changes.update(|n| *n += 1);
            }
            ClientEvent::SignedOut => self.signed_out.set(true),
            ClientEvent::AccountChanged => self.account_changes.update(|n| *n += 1),
            // A file's progress: the conversation reads the views again (one chunk is 2 MiB).
            ClientEvent::Transfer { thread, .. } => {
                self.changed_threads.set(vec![thread]);
                self.changes.update(|n| *n += 1);
            }
        }
    }

    pub fn is_staff(&self) -> bool {
        self.account.with(|a| {
            a.as_ref().is_some_and(|a| {
                matches!(
                    a.role,
                    samtale_proto::api::Role::Caseworker | samtale_proto::api::Role::Admin
                )
            })
        })
    }

    pub fn is_admin(&self) -> bool {
        self.account.with(|a| {
            a.as_ref()
                .is_some_and(|a| a.role == samtale_proto::api::Role::Admin)
        })
    }
}

pub fn use_ui() -> Ui {
    expect_context::<Ui>()
}
