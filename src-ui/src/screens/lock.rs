//! The app lock as the person meets it: the lock screen that asks for the PIN, "lock now",
//! locking by itself after a while in the background, and the check of a newly chosen PIN
//! that the join form and settings share. The shell enforces the lock; this only shows it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::commands::{ACCOUNT, LOCK, LOCK_STATE, UNLOCK, UnlockArgs, pin_is_valid};
use samtale_ipc::views::{Account, LockState};
use samtale_ipc::{ErrorKind, IpcError};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::i18n::{K, pin_wait_text};
use crate::invoke::invoke;
use crate::state::{Ui, use_ui};

/// Time in the background after which the app locks itself (when a PIN is set).
const AUTO_LOCK_MS: f64 = 2.0 * 60.0 * 1000.0;

/// Checks a newly chosen PIN and its repetition: `Ok(None)` when both are empty (no PIN),
/// `Ok(Some(pin))` when they match and have the right shape, else the sentence to show.
pub fn new_pin(ui: Ui, pin: &str, repeat: &str) -> Result<Option<String>, String> {
    if pin.is_empty() && repeat.is_empty() {
        return Ok(None);
    }
    if !pin_is_valid(pin) {
        return Err(ui.tr(K::ErrPinFormat).to_owned());
    }
    if pin != repeat {
        return Err(ui.tr(K::ErrPinMismatch).to_owned());
    }
    Ok(Some(pin.to_owned()))
}

/// The sentence for a failed PIN check; for a wait, with how long it still is.
pub async fn pin_error_text(ui: Ui, e: &IpcError) -> String {
    if e.kind == ErrorKind::PinWait {
        let wait = refresh(ui).await.map(|s| s.wait_seconds).unwrap_or(0);
        if wait > 0 {
            return pin_wait_text(ui.lang.get_untracked(), wait);
        }
    }
    ui.error(e)
}

/// Reads the lock's state into the shared signals.
pub async fn refresh(ui: Ui) -> Result<LockState, IpcError> {
    let state = invoke::<_, LockState>(LOCK_STATE, &()).await?;
    ui.pin_set.set(state.pin_set);
    ui.locked.set(state.locked);
    Ok(state)
}

/// Locks the app now: the screen closes at once, then the shell is told.
pub fn lock_now(ui: Ui) {
    if ui.pin_set.get_untracked() {
        ui.locked.set(true);
    }
    spawn_local(async move {
        if let Ok(state) = invoke::<_, LockState>(LOCK, &()).await {
            ui.pin_set.set(state.pin_set);
            ui.locked.set(state.locked);
        }
    });
}

/// Locks the app when it comes back after [`AUTO_LOCK_MS`] or more out of sight.
pub fn auto_lock(ui: Ui) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let hidden_since = StoredValue::new(None::<f64>);
    let doc = document.clone();
    let on_change = Closure::<dyn Fn()>::new(move || {
        let now = js_sys::Date::now();
        if doc.hidden() {
            hidden_since.set_value(Some(now));
        } else if let Some(since) = hidden_since.get_value() {
            hidden_since.set_value(None);
            if now - since >= AUTO_LOCK_MS && ui.pin_set.get_untracked() {
                lock_now(ui);
            }
        }
    });
    let _ = document
        .add_event_listener_with_callback("visibilitychange", on_change.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_change.forget();
}

#[component]
pub fn LockScreen() -> impl IntoView {
    let ui = use_ui();
    let pin = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let field = NodeRef::<leptos::html::Input>::new();
    let select_field = move || {
        if let Some(input) = field.get_untracked() {
            let _ = input.focus();
            input.select();
        }
    };
    // A wait still running from earlier tries is said at once. Only read here: "lock now"
    // shows this screen before the shell has locked, and an answer from before that must not
    // take the screen away again.
    spawn_local(async move {
        if let Ok(state) = invoke::<_, LockState>(LOCK_STATE, &()).await
            && state.wait_seconds > 0
        {
            error.set(Some(pin_wait_text(
                ui.lang.get_untracked(),
                state.wait_seconds,
            )));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let args = UnlockArgs {
            pin: pin.get_untracked(),
        };
        if !pin_is_valid(&args.pin) {
            // Not a PIN at all: said without spending a try.
            error.set(Some(ui.tr(K::ErrPinFormat).to_owned()));
            select_field();
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match invoke::<_, ()>(UNLOCK, &args).await {
                Ok(()) => {
                    if let Ok(account) = invoke::<_, Option<Account>>(ACCOUNT, &()).await {
                        ui.account.set(account);
                    }
                    ui.locked.set(false);
                }
                Err(e) => {
                    error.set(Some(pin_error_text(ui, &e).await));
                    // The PIN stays, selected, so typing again replaces it.
                    select_field();
                }
            }
            busy.set(false);
        });
    };
    view! {
        <main class="welcome lock">
            <img src="icon.png" alt="" class="logo" width="72" height="72" />
            <h1>{ui.text(K::LockedTitle)}</h1>
            <form class="card" on:submit=submit novalidate>
                <p class="lead">{ui.text(K::LockedLead)}</p>
                <label for="pin">{ui.text(K::Pin)}</label>
                <input id="pin" node_ref=field type="password" inputmode="numeric" autocomplete="off" autofocus
                    aria-describedby="pin-error" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev)) />
                <p id="pin-error" class="error" role="alert">{move || error.get()}</p>
                <button id="unlock" type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { ui.tr(K::Unlocking) } else { ui.tr(K::Unlock) }}
                </button>
                <p class="hint">{ui.text(K::PinForgot)}</p>
            </form>
        </main>
    }
}
