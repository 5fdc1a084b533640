//! What every route handler shares: the store, the wake-up hub, the limits and the failure
//! limiter, plus a shutdown signal for long-lived sockets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::watch;

use crate::blobs::ChunkStore;
use crate::config::Limits;
use crate::hub::Hub;
use crate::store::Store;

pub struct AppState<S> {
    pub store: S,
    pub hub: Arc<Hub>,
    pub limits: Arc<Limits>,
    pub failures: Arc<FailureLimiter>,
    pub shutdown: watch::Receiver<bool>,
    /// Wakes the release loop when a message is planned (it may be due before the next
    /// scheduled look).
    pub release: Arc<tokio::sync::Notify>,
    /// The blob store for files, when one is set up.
    pub blobs: Option<ChunkStore>,
    /// The key the contact register is sealed under, when one is set up.
    pub contact_key: Option<Arc<samtale_crypto::at_rest::AtRestKey>>,
    /// The notice senders (with a contact key).
    pub outbound: Option<Arc<crate::notices::queue::Outbound>>,
    /// The secret the SMS gateway signs delivery reports with.
    pub sms_webhook_secret: Option<Arc<String>>,
    /// When notices go (with a sender): the routes start watches with its wait.
    pub notice_rules: Option<Arc<crate::notices::rules::Settings>>,
}

impl<S: Clone> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            hub: self.hub.clone(),
            limits: self.limits.clone(),
            failures: self.failures.clone(),
            shutdown: self.shutdown.clone(),
            release: self.release.clone(),
            blobs: self.blobs.clone(),
            contact_key: self.contact_key.clone(),
            outbound: self.outbound.clone(),
            sms_webhook_secret: self.sms_webhook_secret.clone(),
            notice_rules: self.notice_rules.clone(),
        }
    }
}

impl<S: Store> AppState<S> {
    pub fn new(
        store: S,
        limits: Limits,
        blobs: Option<ChunkStore>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let failures = Arc::new(FailureLimiter::new(
            limits.failures_per_window,
            limits.failure_window,
        ));
        AppState {
            store,
            hub: Arc::new(Hub::default()),
            limits: Arc::new(limits),
            failures,
            shutdown,
            release: Arc::new(tokio::sync::Notify::new()),
            blobs,
            contact_key: None,
            outbound: None,
            sms_webhook_secret: None,
            notice_rules: None,
        }
    }
}

/// Counts failed logins and invitation codes per client address in a fixed window, so that
/// guessing codes or passwords from one address stops early. The per-invitation attempt limit
/// in the store bounds guessing at one invitation from many addresses.
pub struct FailureLimiter {
    max: u32,
    window: std::time::Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailureLimiter {
    pub fn new(max: u32, window: std::time::Duration) -> Self {
        FailureLimiter {
            max,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// True while the address may still try.
    pub fn allowed(&self, ip: IpAddr) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get(&ip) {
            Some((start, n)) if start.elapsed() < self.window => *n < self.max,
            _ => true,
        }
    }

    pub fn record_failure(&self, ip: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, (start, _)| start.elapsed() < window);
        }
        let entry = seen.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refuses_after_max_failures_per_address() {
        let l = FailureLimiter::new(2, std::time::Duration::from_secs(60));
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!(l.allowed(a));
        l.record_failure(a);
        assert!(l.allowed(a));
        l.record_failure(a);
        assert!(!l.allowed(a));
        assert!(l.allowed(b));
    }
}
