//! The Samtale client engine: everything a device does, without a screen.
//!
//! The app (src-tauri) and the CLI (`samtale`) are thin layers over [`Client`]. It keeps the
//! plaintext in an encrypted local store ([`db`]), seals and opens envelopes with
//! `samtale-crypto`, and syncs with the server through [`api`], following the pure rules of
//! [`sync`]. Everything a user does is a method on [`Client`]; everything they see is a type
//! in [`views`].
//!
//! ```text
//! account   join, login, invite, threads and members
//! outbound  send (seal + outbox), read marks, retry
//! planned   messages planned for later: the server's release queue, cancel
//! round     one sync round: push, receipts, pull (around sync::plan)
//! inbound   applying inbox events: threads, people, envelopes, receipts
//! trust     the device-chain rules, pure (which devices of a person to trust)
//! devices   pinning devices under those rules, notices and alerts about them
//! linking   linking a new device from an existing one; listing and removing own devices
//! query     views for the screens, search
//! caseload  a caseworker's youths and families, grouped from the threads
//! checkins  smiley check-in plans, answers, a youth's timeline with events, patterns, flags
//! files     files in messages: checked, cleaned, encrypted, uploaded and fetched in chunks
//! live      WebSocket loop with reconnect and backoff
//! lock      the app-lock PIN
//! admin     an administrator's actions on accounts (devices, sessions, resets) and units
//! letters   for citizens nothing digital reaches: a content-free letter (PDF), the list as CSV
//! ```

mod account;
pub mod admin;
pub mod ahead;
pub mod api;
pub mod cards;
pub mod caseload;
pub mod checkins;
pub mod consents;
pub mod contacts;
pub mod db;
mod devices;
mod engine;
mod error;
pub mod files;
mod inbound;
pub mod letters;
mod linking;
mod live;
pub mod lock;
mod outbound;
mod planned;
mod query;
pub mod records;
mod round;
pub mod sync;
#[cfg(test)]
mod testworld;
pub mod trust;
pub mod views;

pub use engine::{Client, DB_FILE};
pub use error::ClientError;
pub use samtale_ipc::cards as card_views;
/// The care tools' view models (shared with the UI).
pub use samtale_ipc::care;
pub use views::*;

/// A new random key for a local database, for embedders creating a profile.
pub fn new_db_key() -> zeroize::Zeroizing<[u8; 32]> {
    zeroize::Zeroizing::new(samtale_crypto::random::random_bytes::<32>())
}
