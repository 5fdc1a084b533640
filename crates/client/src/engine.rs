//! The client engine: one [`Client`] per profile, shared by the app and the CLI. It owns the
//! encrypted local store, this device's identity and the session, and does everything else
//! through the modules beside it: `account` (join, login, invite), `outbound` (send, read
//! marks, retry), `inbound` (applying inbox events), `round` (one sync round around the pure
//! planner of [`crate::sync`]), `query` (views), `live` (the WebSocket loop) and `lock` (the
//! app-lock PIN).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use samtale_crypto::DeviceIdentity;
use samtale_proto::api::Role;
use samtale_proto::{DeviceId, UserId};
use tokio::sync::broadcast;

use crate::api::Api;
use crate::db::{self, get_meta};
use crate::error::ClientError;
use crate::views::ClientEvent;

/// Name of the database file inside a profile directory.
pub const DB_FILE: &str = "samtale.db";

/// Meta keys of the local store.
pub(crate) mod meta {
    pub const SERVER: &str = "server_url";
    pub const TOKEN: &str = "session_token";
    pub const TOKEN_EXPIRES: &str = "session_expires_at";
    pub const USER: &str = "user_id";
    pub const ROLE: &str = "user_role";
    pub const NAME: &str = "user_name";
    pub const TENANT_NAME: &str = "tenant_name";
    pub const TENANT_SLUG: &str = "tenant_slug";
    pub const DEVICE: &str = "device_id";
    pub const IDENTITY: &str = "device_identity";
    pub const CURSOR: &str = "inbox_cursor";
    pub const SETTINGS: &str = "settings";
    pub const PIN_HASH: &str = "pin_hash";
    pub const PIN_FAILURES: &str = "pin_failures";
    pub const PIN_WAIT_UNTIL: &str = "pin_wait_until_ms";
}

/// The signed-in part of the engine's state.
#[derive(Clone)]
pub(crate) struct Session {
    pub api: Api,
    pub user: UserId,
    pub role: Role,
    pub device: DeviceId,
    pub identity: Arc<DeviceIdentity>,
}

pub struct Client {
    pub(crate) db: Mutex<Connection>,
    pub(crate) session: Mutex<Option<Session>>,
    pub(crate) events: broadcast::Sender<ClientEvent>,
    /// One sync round at a time; a second caller waits and then finds little to do.
    pub(crate) round: tokio::sync::Mutex<()>,
    /// One upload of files at a time, outside the round, so fetching goes on meanwhile.
    pub(crate) uploads: tokio::sync::Mutex<()>,
    /// One pass over undelivered records at a time, so none is handed over twice.
    pub(crate) deliveries: tokio::sync::Mutex<()>,
    pub(crate) profile: PathBuf,
    /// The app lock (see [`crate::lock`]): set at open when a PIN is chosen.
    pub(crate) locked: AtomicBool,
    /// PIN checks one at a time, so the failure count cannot be raced.
    pub(crate) pin_gate: tokio::sync::Mutex<()>,
    /// No PIN try before this (monotonic, so changing the clock does not skip a wait).
    pub(crate) pin_not_before: Mutex<Option<std::time::Instant>>,
    /// See [`Client::clock_ms`].
    pub(crate) clock_shift: AtomicI64,
}

impl Client {
    /// Opens the profile in `dir` (created if missing) with the 32-byte database key.
    pub fn open(dir: &Path, key: &[u8; 32]) -> Result<Client, ClientError> {
        std::fs::create_dir_all(dir)?;
        let conn = db::open(&dir.join(DB_FILE), key)?;
        let session = load_session(&conn)?;
        let locked = get_meta(&conn, meta::PIN_HASH)?.is_some();
        // After too many wrong PINs, a restart starts the wait again on the monotonic clock, so
        // restarting with the clock set forward gains nothing.
        let failures = get_meta(&conn, meta::PIN_FAILURES)?
            .and_then(|f| f.parse::<u32>().ok())
            .unwrap_or(0);
        let pin_wait = crate::lock::wait_after(failures);
        let pin_not_before = (!pin_wait.is_zero()).then(|| std::time::Instant::now() + pin_wait);
        let (events, _) = broadcast::channel(256);
        Ok(Client {
            db: Mutex::new(conn),
            session: Mutex::new(session),
            events,
            round: tokio::sync::Mutex::new(()),
            uploads: tokio::sync::Mutex::new(()),
            deliveries: tokio::sync::Mutex::new(()),
            profile: dir.to_owned(),
            locked: AtomicBool::new(locked),
            pin_gate: tokio::sync::Mutex::new(()),
            pin_not_before: Mutex::new(pin_not_before),
            clock_shift: AtomicI64::new(clock_shift_from_env()),
        })
    }

    pub fn profile_dir(&self) -> &Path {
        &self.profile
    }

    /// Changes in threads and connection state, for the UI.
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: ClientEvent) {
        let _ = self.events.send(event);
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn session(&self) -> Result<Session, ClientError> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(ClientError::NotSignedIn)
    }

    pub(crate) fn set_session(&self, s: Option<Session>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = s;
    }

    /// This device's settings (defaults until changed); readable before signing in.
    pub fn settings(&self) -> Result<samtale_ipc::commands::Settings, ClientError> {
        Ok(match db::get_meta(&self.db(), meta::SETTINGS)? {
            Some(json) => serde_json::from_str(&json).unwrap_or_default(),
            None => samtale_ipc::commands::Settings::default(),
        })
    }

    pub fn set_settings(
        &self,
        settings: &samtale_ipc::commands::Settings,
    ) -> Result<(), ClientError> {
        let json =
            serde_json::to_string(settings).map_err(|e| ClientError::Protocol(e.to_string()))?;
        db::set_meta(&self.db(), meta::SETTINGS, &json)
    }

    /// The time this device's user lives by, for what is dated in a conversation (an
    /// envelope's send time, check-in slots): the system clock, shifted by
    /// `SAMTALE_CLOCK_SHIFT_MS` or [`Client::set_clock_shift`]. Demos and tests use the shift to
    /// live a plan's weeks in a minute. It moves nothing a server trusts (a device can always
    /// claim any send time); sessions and links keep the system clock.
    pub fn clock_ms(&self) -> i64 {
        now_ms().saturating_add(self.clock_shift.load(Ordering::Relaxed))
    }

    /// Shifts [`Client::clock_ms`] by `ms` from the system clock.
    pub fn set_clock_shift(&self, ms: i64) {
        self.clock_shift.store(ms, Ordering::Relaxed);
    }

    pub fn is_signed_in(&self) -> bool {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}

fn load_session(conn: &Connection) -> Result<Option<Session>, ClientError> {
    let (Some(server), Some(token), Some(user), Some(role), Some(device), Some(identity)) = (
        get_meta(conn, meta::SERVER)?,
        get_meta(conn, meta::TOKEN)?,
        get_meta(conn, meta::USER)?,
        get_meta(conn, meta::ROLE)?,
        get_meta(conn, meta::DEVICE)?,
        get_meta(conn, meta::IDENTITY)?,
    ) else {
        return Ok(None);
    };
    let secret = samtale_proto::B64::decode(&identity)
        .map_err(|_| ClientError::Protocol("stored identity is corrupt".into()))?;
    let identity = DeviceIdentity::from_secret_bytes(&secret.0)?;
    Ok(Some(Session {
        api: Api::new(&server)?.with_token(Some(token)),
        user: UserId::parse(&user).map_err(|e| ClientError::Protocol(e.to_string()))?,
        role: Role::parse(&role)
            .ok_or_else(|| ClientError::Protocol("stored role is corrupt".into()))?,
        device: DeviceId::parse(&device).map_err(|e| ClientError::Protocol(e.to_string()))?,
        identity: Arc::new(identity),
    }))
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The shift of the user's clock from `SAMTALE_CLOCK_SHIFT_MS`, for a new [`Client`].
fn clock_shift_from_env() -> i64 {
    std::env::var("SAMTALE_CLOCK_SHIFT_MS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// A fresh time-ordered id.
pub(crate) fn fresh<T>(from_parts: fn(u64, [u8; 10]) -> T) -> T {
    from_parts(
        u64::try_from(now_ms()).unwrap_or(0),
        samtale_crypto::random::new_id_random(),
    )
}
