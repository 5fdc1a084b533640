//! The commands through Tauri's own IPC path, on the mock runtime: arguments decode by name,
//! answers come back as the shared view models, and failures as `IpcError`s the UI can read.

use std::sync::Arc;

use samtale_client::Client;
use samtale_ipc::commands::{Language, Settings};
use samtale_ipc::views::LockState;
use samtale_ipc::{ErrorKind, IpcError};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;

use crate::commands;
use crate::shell::Shell;

fn app(dir: &std::path::Path) -> (tauri::App<MockRuntime>, tauri::WebviewWindow<MockRuntime>) {
    let client = Client::open(dir, &[5; 32]).expect("open profile");
    let app = mock_builder()
        .manage(Shell::with_client(Arc::new(client)))
        .invoke_handler(commands::handler())
        .build(mock_context(noop_assets()))
        .expect("mock app");
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("webview");
    (app, webview)
}

fn call(
    webview: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: Value,
) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|b| b.deserialize::<Value>().expect("json answer"))
}

fn error(v: Value) -> IpcError {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not an IpcError ({e}): {v}"))
}

#[test]
fn commands_answer_with_views_and_typed_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, webview) = app(dir.path());

    assert_eq!(call(&webview, "account", json!({})), Ok(Value::Null));
    let e = error(call(&webview, "threads", json!({})).unwrap_err());
    assert_eq!(e.kind, ErrorKind::NotSignedIn);

    // A malformed code is refused before anything reaches a server.
    let args = json!({"args": {"server": "http://127.0.0.1:9", "code": "ABCD", "displayName": "Mikkel", "deviceName": "telefon"}});
    let e = error(call(&webview, "join", args).unwrap_err());
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert!(e.message.contains("16 characters"), "{}", e.message);

    // A server that is not there is "offline", not a crash.
    let args = json!({"args": {"server": "http://127.0.0.1:9", "code": "ABCD-EFGH-JKMN-PQRS", "displayName": "Mikkel", "deviceName": "telefon"}});
    assert_eq!(
        error(call(&webview, "join", args).unwrap_err()).kind,
        ErrorKind::Offline
    );

    // Missing or mistyped arguments are Tauri's own error text, which the UI decodes as Internal.
    let e = call(&webview, "send", json!({"args": {"thread": "not-an-id"}})).unwrap_err();
    assert!(e.is_string(), "{e}");

    // Settings persist in the profile.
    let s: Settings =
        serde_json::from_value(call(&webview, "settings", json!({})).expect("settings"))
            .expect("settings json");
    assert_eq!(s.language, Language::Da);
    assert!(!s.notification_previews);
    let new = json!({"args": {"settings": {"language": "en", "notificationPreviews": true}}});
    assert_eq!(call(&webview, "set_settings", new), Ok(Value::Null));
    let s: Settings =
        serde_json::from_value(call(&webview, "settings", json!({})).expect("settings"))
            .expect("settings json");
    assert_eq!((s.language, s.notification_previews), (Language::En, true));
}

#[test]
fn the_app_lock_closes_every_command_but_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_app, webview) = app(dir.path());
    let state = |w: &tauri::WebviewWindow<MockRuntime>| -> LockState {
        serde_json::from_value(call(w, "lock_state", json!({})).expect("lock_state"))
            .expect("lock state json")
    };
    assert_eq!(state(&webview), LockState::default());

    // A PIN that is not 4 to 12 digits is refused.
    let e = error(
        call(
            &webview,
            "set_pin",
            json!({"args": {"current": null, "new": "12ab"}}),
        )
        .unwrap_err(),
    );
    assert_eq!(e.kind, ErrorKind::InvalidInput);
    assert_eq!(
        call(
            &webview,
            "set_pin",
            json!({"args": {"current": null, "new": "2468"}})
        ),
        Ok(Value::Null)
    );
    let locked: LockState =
        serde_json::from_value(call(&webview, "lock", json!({})).expect("lock")).expect("json");
    assert!(locked.pin_set && locked.locked);

    // Locked: every command of the person's is refused (with arguments that would otherwise
    // be taken), only the lock's own, settings and the start-up mark answer.
    let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let gated = [
        ("account", json!({})),
        (
            "join",
            json!({"args": {"server": "http://127.0.0.1:9", "code": "ABCD-EFGH-JKMN-PQRS", "displayName": "M", "deviceName": "t"}}),
        ),
        (
            "login",
            json!({"args": {"server": "http://127.0.0.1:9", "tenant": "t", "username": "u", "password": "p", "deviceName": "t"}}),
        ),
        ("threads", json!({})),
        ("messages", json!({"args": {"thread": id, "limit": 10}})),
        ("send", json!({"args": {"thread": id, "text": "hej"}})),
        ("mark_read", json!({"args": {"thread": id}})),
        ("retry", json!({"args": {"message": id}})),
        (
            "invite",
            json!({"args": {"role": "youth", "displayName": "M", "youth": null}}),
        ),
        ("invitations", json!({})),
        (
            "create_thread",
            json!({"args": {"kind": "youth", "members": []}}),
        ),
        ("search", json!({"args": {"query": "hej"}})),
        ("people", json!({})),
        ("caseload", json!({})),
        ("sync", json!({})),
        (
            "set_settings",
            json!({"args": {"settings": {"language": "en", "notificationPreviews": true}}}),
        ),
        ("set_pin", json!({"args": {"current": "2468", "new": null}})),
        (
            "start_link",
            json!({"args": {"server": "http://127.0.0.1:9", "deviceName": "t"}}),
        ),
        ("waiting_link", json!({})),
        ("poll_link", json!({})),
        (
            "preview_link",
            json!({"args": {"code": "ABCD-EFGH-JKMN-PQRS"}}),
        ),
        (
            "accept_link",
            json!({"args": {"code": "ABCD-EFGH-JKMN-PQRS"}}),
        ),
        ("own_devices", json!({})),
        ("remove_device", json!({"args": {"device": id}})),
        ("alerts", json!({})),
        ("mark_alerts_seen", json!({})),
        ("confirm_codes", json!({"args": {"user": id}})),
    ];
    for (cmd, args) in gated {
        let e = error(call(&webview, cmd, args).unwrap_err());
        assert_eq!(e.kind, ErrorKind::Locked, "{cmd}");
    }
    assert!(
        call(
            &webview,
            "ready",
            json!({"args": {"wasmStartMs": 120.5, "paintedMs": 180.0}})
        )
        .is_ok()
    );
    let s: Settings =
        serde_json::from_value(call(&webview, "settings", json!({})).expect("settings"))
            .expect("settings json");
    assert_eq!(
        s.language,
        Language::Da,
        "refused while locked, so unchanged"
    );
    assert!(call(&webview, "settings", json!({})).is_ok());
    let e = error(call(&webview, "unlock", json!({"args": {"pin": "1111"}})).unwrap_err());
    assert_eq!(e.kind, ErrorKind::WrongPin);
    assert!(state(&webview).locked);
    assert_eq!(
        call(&webview, "unlock", json!({"args": {"pin": "2468"}})),
        Ok(Value::Null)
    );
    assert!(!state(&webview).locked);
    assert_eq!(call(&webview, "account", json!({})), Ok(Value::Null));
}
