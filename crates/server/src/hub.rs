//! Wake-ups for connected sockets. When a write appends to users' inboxes, the hub tells the
//! sockets of those users the newest sequence; the socket only says "there is more" and the
//! client pulls through the paging route. One `watch` channel per connected user keeps this
//! allocation-light and coalesces bursts: a slow socket sees only the latest sequence.

use std::collections::HashMap;
use std::sync::Mutex;

use samtale_proto::UserId;
use tokio::sync::watch;

use crate::store::Fanout;

#[derive(Default)]
pub struct Hub {
    users: Mutex<HashMap<UserId, watch::Sender<u64>>>,
}

impl Hub {
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
