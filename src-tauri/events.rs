//! Engine events become one Tauri event for the UI. New messages also raise a notification
//! that carries no name and no content ("Ny besked fra Samtale") unless the person turned
//! previews on in settings (and the app is not locked), and never while the window has focus.

use samtale_ipc::EVENT;
use samtale_ipc::views::ClientEvent;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::shell::Shell;

pub fn forward<R: Runtime>(app: AppHandle<R>) {
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    let Ok(client) = shell.engine() else { return };
    let mut events = client.subscribe();
    let client = client.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(e) => e,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            };
            if let ClientEvent::Incoming { count, .. } = &event {
                let focused = app
                    .get_webview_window("main")
                    .and_then(|w| w.is_focused().ok())
                    .unwrap_or(false);
                if !focused {
                    // A locked app shows nothing, not even in a preview.
                    let previews = client.ensure_unlocked().is_ok()
                        && client
                            .settings()
                            .map(|s| s.notification_previews)
                            .unwrap_or(false);
                    let body = notification_text(*count, previews);
                    let _ = app
                        .notification()
                        .builder()
                        .title("Samtale")
                        .body(body)
                        .show();
                }
            }
            let _ = app.emit(EVENT, &event);
        }
    });
}

/// The text of a notification. Without previews it names nobody and quotes nothing; with
/// previews it still only counts (the text stays in the app, never in the OS's notification log).
pub fn notification_text(count: u32, previews: bool) -> String {
    match (count, previews) {
        (1, _) => "Ny besked fra Samtale".to_owned(),
        (n, false) => format!("{n} nye beskeder fra Samtale"),
        (n, true) => format!("{n} nye beskeder i Samtale – åbn appen for at læse dem"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn notifications_carry_no_content() {
        assert_eq!(super::notification_text(1, false), "Ny besked fra Samtale");
        assert_eq!(
            super::notification_text(3, false),
            "3 nye beskeder fra Samtale"
        );
    }
}
