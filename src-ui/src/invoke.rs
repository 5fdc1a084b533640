//! The one door to the shell: `invoke(command, args)` with typed arguments and results. A
//! failure always arrives as an [`IpcError`]: the shell's own errors decode as they are, and
//! anything else (a missing command, a panic in the shell) becomes an `Internal` error with
//! its text, never a panic here.

use samtale_ipc::{ErrorKind, IpcError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads a rejected invoke's payload, given as JSON text.
// Off wasm only the tests call it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn decode_error(json: Option<&str>) -> IpcError {
    let Some(json) = json else {
        return IpcError::new(ErrorKind::Internal, "the app did not answer");
    };
    if let Ok(e) = serde_json::from_str::<IpcError>(json) {
        return e;
    }
    match serde_json::from_str::<String>(json) {
        Ok(text) => IpcError::new(ErrorKind::Internal, text),
        Err(_) => IpcError::new(ErrorKind::Internal, json.to_owned()),
    }
}

#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
        pub async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

        #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
        pub async fn tauri_listen(
            event: &str,
            handler: &js_sys::Function,
        ) -> Result<JsValue, JsValue>;
    }
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static LAST_DECODE_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// How long the last answer took to decode in the wasm (JSON text and serde), in ms: the
/// timeline's benchmark tells it apart from the shell's part of a request.
#[cfg(target_arch = "wasm32")]
pub fn last_decode_ms() -> f64 {
    LAST_DECODE_MS.get()
}

/// Calls a shell command. `args` is sent as the command's `args` parameter; commands without
/// one take `()`.
///
/// Both ways go as JSON text through the browser's own `JSON` (native code), and serde_json
/// reads and writes it in the wasm: walking a large answer (a two-year timeline) field by field
/// across the wasm boundary, as serde-wasm-bindgen does, cost more than the rest of the call.
#[cfg(target_arch = "wasm32")]
pub async fn invoke<A: Serialize, T: DeserializeOwned>(cmd: &str, args: &A) -> Result<T, IpcError> {
    #[derive(Serialize)]
    struct Payload<'a, A> {
        args: &'a A,
    }
    let internal =
        |what: &str, e: String| IpcError::new(ErrorKind::Internal, format!("{what} {cmd}: {e}"));
    let text = serde_json::to_string(&Payload { args })
        .map_err(|e| internal("could not write the arguments of", e.to_string()))?;
    let payload = js_sys::JSON::parse(&text)
        .map_err(|_| internal("could not write the arguments of", text.clone()))?;
    match js::tauri_invoke(cmd, payload).await {
        Ok(value) => {
            let answered = crate::page_ms();
            // `undefined` (a command with no answer) has no JSON text: it reads as null.
            let text = js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| "null".to_owned());
            let out = serde_json::from_str(&text)
                .map_err(|e| internal("unexpected answer to", e.to_string()));
            LAST_DECODE_MS.set(crate::page_ms() - answered);
            out
        }
        Err(err) => {
            let text = js_sys::JSON::stringify(&err)
                .ok()
                .and_then(|s| s.as_string());
            Err(decode_error(text.as_deref()))
        }
    }
}

/// Calls `handler` with every engine event the shell emits.
#[cfg(target_arch = "wasm32")]
pub fn listen(handler: impl Fn(samtale_ipc::views::ClientEvent) + 'static) {
    use wasm_bindgen::prelude::*;
    let closure = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let payload =
            js_sys::Reflect::get(&event, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        let text = js_sys::JSON::stringify(&payload)
            .ok()
            .and_then(|s| s.as_string());
        if let Some(Ok(e)) = text.map(|t| serde_json::from_str(&t)) {
            handler(e);
        }
    });
    let function: js_sys::Function = closure.as_ref().unchecked_ref::<js_sys::Function>().clone();
    // The listener lives as long as the page.
    closure.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = js::tauri_listen(samtale_ipc::EVENT, &function).await;
    });
}

#[cfg(not(target_arch = "wasm32"))]
pub fn last_decode_ms() -> f64 {
    0.0
}

/// Off the webview (host builds for checks and tests) there is no shell to call.
#[cfg(not(target_arch = "wasm32"))]
pub async fn invoke<A: Serialize, T: DeserializeOwned>(
    cmd: &str,
    _args: &A,
) -> Result<T, IpcError> {
    Err(IpcError::new(
        ErrorKind::Internal,
        format!("{cmd}: the UI runs only inside the app"),
    ))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn listen(_handler: impl Fn(samtale_ipc::views::ClientEvent) + 'static) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_shell_errors_and_anything_else() {
        let e = decode_error(Some(
            r#"{"kind":"invalid_invitation","message":"the invitation has expired"}"#,
        ));
        assert_eq!(e.kind, ErrorKind::InvalidInvitation);
        assert_eq!(e.message, "the invitation has expired");
        let e = decode_error(Some(r#"{"kind":"some_future_kind","message":"x"}"#));
        assert_eq!(e.kind, ErrorKind::Unknown);
        let e = decode_error(Some(r#""command send not found""#));
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Internal, "command send not found")
        );
        let e = decode_error(Some("{not json"));
        assert_eq!(e.kind, ErrorKind::Internal);
        assert_eq!(decode_error(None).kind, ErrorKind::Internal);
    }
}
