//! The Samtale sync server.
//!
//! It relays sealed envelopes between the devices of a municipality's caseworkers, youths and
//! parents and never sees a word of what they say: it stores ciphertext and the routing metadata
//! it needs (who is in which thread, which device has which public key, inbox sequences).
//!
//! Layout:
//! - [`config`]: settings from defaults, file, environment and flags;
//! - [`store`]: the storage trait with its SQLite and PostgreSQL backends and their shared
//!   conformance suite;
//! - [`routes`]: the `/v1` HTTP API and the wake-up WebSocket, with [`auth`] for sessions and
//!   [`error`] for the single mapping of failures to answers;
//! - [`hub`]: in-process wake-ups of connected sockets;
//! - [`serve`]: binding, background purge and graceful shutdown; [`admin`]: bootstrap commands.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod blobs;
pub mod config;
pub mod error;
pub mod hub;
pub mod notices;
pub mod password;
pub mod routes;
pub mod serve;
pub mod state;
pub mod store;
