//! What every screen shares: the language, the signed-in account, whether the engine is online,
//! and a counter that ticks when the engine reports changes (screens re-read on it).

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
    /// The threads the last change touched.
    pub changed_threads: RwSignal<Vec<ThreadId>>,
    pub signed_out: RwSignal<bool>,
}

impl Ui {
    pub fn new() -> Ui {
        Ui {
            lang: RwSignal::new(Language::Da),
            account: RwSignal::new(None),
            online: RwSignal::new(None),
            changes: RwSignal::new(0),
            changed_threads: RwSignal::new(Vec::new()),
            signed_out: RwSignal::new(false),
        }
    }

    pub fn tr(&self, key: K) -> &'static str {
        t(self.lang.get_untracked(), key)
    }

    /// A reactive text: follows the language.
    pub fn text(self, key: K) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || t(self.lang.get(), key)
    }

    pub fn error(&self, e: &IpcError) -> String {
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
}

pub fn use_ui() -> Ui {
    expect_context::<Ui>()
}
