//! Wake-ups for connected sockets. When a write appends to users' inboxes, the hub tells the
//! sockets of those users the newest sequence; the socket only says "there is more" and the
//! client pulls through the paging route. One `watch` channel per connected user keeps this
//! allocation-light and coalesces bursts: a slow socket sees only the latest sequence.

use std::collections::HashMap;
use std::sync::Mutex;

use samtale_proto::{DeviceId, UserId};
use tokio::sync::watch;

use crate::store::Fanout;

pub struct Hub {
    users: Mutex<HashMap<UserId, watch::Sender<u64>>>,
    /// Devices whose sessions were ended (revoked, or signed out by an administrator), with
    /// when: a socket opened before that closes.
    ended: Mutex<HashMap<DeviceId, i64>>,
    /// Bumped on each ended device, so sockets look only then.
    ended_gen: watch::Sender<u64>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            users: Mutex::default(),
            ended: Mutex::default(),
            ended_gen: watch::channel(0).0,
        }
    }
}

impl Hub {
    /// Closes the sockets `device` opened before `at_ms` (on this node).
    pub fn end_device(&self, device: &DeviceId, at_ms: i64) {
        self.ended
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(device.clone(), at_ms);
        self.ended_gen.send_modify(|g| *g += 1);
    }

    /// Wakes when any device's sockets are to close; then ask [`Hub::is_ended`].
    pub fn watch_ended(&self) -> watch::Receiver<u64> {
        self.ended_gen.subscribe()
    }

    /// True when a socket of `device` opened at `opened_ms` must close.
    pub fn is_ended(&self, device: &DeviceId, opened_ms: i64) -> bool {
        self.ended
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(device)
            .is_some_and(|at| *at >= opened_ms)
    }

    pub fn subscribe(&self, user: &UserId) -> watch::Receiver<u64> {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        users
            .entry(user.clone())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Drops the channel of a user nobody listens to any more.
    pub fn release(&self, user: &UserId) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if users.get(user).is_some_and(|tx| tx.receiver_count() == 0) {
            users.remove(user);
        }
    }

    pub fn notify(&self, fanout: &Fanout) {
        let users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for (user, seq) in fanout {
            if let Some(tx) = users.get(user) {
                tx.send_if_modified(|current| {
                    let newer = *seq > *current;
                    if newer {
                        *current = *seq;
                    }
                    newer
                });
            }
        }
    }

    pub fn connected_users(&self) -> usize {
        self.users.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
