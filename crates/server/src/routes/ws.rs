//! `GET /v1/ws`: a WebSocket that only ever says "there is more, up to seq N". The client then
//! pulls `/v1/inbox`; a dropped socket therefore loses nothing, and reconnecting is a plain
//! catch-up. Buffers are kept small because an idle socket per citizen is the common case.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use samtale_proto::WsFrame;

use crate::auth::{Caller, now_ms};
use crate::state::AppState;
use crate::store::Store;

pub async fn upgrade<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ws: WebSocketUpgrade,
) -> Response {
    // The socket counts as opened when its session was checked, before the client hears the
    // upgrade: a device removed after that (the client may already call itself online) must
    // still close this socket, though `serve` starts later.
    let opened = now_ms();
    ws.read_buffer_size(512)
        .write_buffer_size(0)
        .max_message_size(4096)
        .on_upgrade(move |socket| serve(st, caller, opened, socket))
}

async fn serve<S: Store>(st: AppState<S>, caller: Caller, opened: i64, mut socket: WebSocket) {
    let user = caller.user.id.clone();
    let mut wake = st.hub.subscribe(&user);
    let mut shutdown = st.shutdown.clone();
    let mut ended = st.hub.watch_ended();
    // An end that came between the upgrade and the subscription above bumped nothing we saw.
    if st.hub.is_ended(&caller.device, opened) {
        let _ = socket.send(Message::Close(None)).await;
        drop(wake);
        st.hub.release(&user);
        return;
    }
    // The socket lives no longer than its session.
    let left = u64::try_from(caller.expires_at_ms.saturating_sub(opened)).unwrap_or(0);
    let expiry = tokio::time::sleep(std::time::Duration::from_millis(left));
    tokio::pin!(expiry);
    loop {
        tokio::select! {
            _ = &mut expiry => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
            changed = ended.changed() => {
                if changed.is_err() || st.hub.is_ended(&caller.device, opened) {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            }
            changed = wake.changed() => {
                if changed.is_err() {
                    break;
                }
                let seq = *wake.borrow_and_update();
                let Ok(text) = serde_json::to_string(&WsFrame::More { seq }) else { break };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                // Clients send nothing but pings and a close; axum answers pings itself.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
        }
    }
    drop(wake);
    st.hub.release(&user);
}
