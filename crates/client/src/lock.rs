//! The app lock: a PIN of 4 to 12 digits that keeps the app's screens closed while a phone is
//! out of its owner's hands (a sibling, a parent looking over a youth's shoulder).
//!
//! The PIN guards the screens, not the data: the data is already encrypted with the database
//! key from the OS key store. So the PIN is kept only as an Argon2id hash inside that encrypted
//! store, the app starts locked whenever a PIN is set, and the shell refuses every command but
//! the lock's own while locked (the engine keeps syncing underneath, so nothing waits on the
//! PIN). Wrong PINs are counted in the store, so restarting the app does not reset them: after
//! [`FREE_TRIES`] the next try waits, doubling from 30 seconds up to an hour. The wait is kept
//! twice: as a wall-clock deadline in the store (survives restarts; capped at the wait the count
//! allows, so a clock set back cannot stretch it) and as a monotonic deadline in memory (so a
//! clock set forward cannot skip it).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use samtale_crypto::passcode;
use samtale_ipc::views::{Account, LockState};

use crate::db;
use crate::engine::{Client, meta, now_ms};
use crate::error::ClientError;

/// Wrong PINs in a row that cost nothing but the Argon2id time.
pub const FREE_TRIES: u32 = 5;
/// The longest wait between tries.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// How long the next try must wait after `failures` wrong PINs in a row.
pub fn wait_after(failures: u32) -> Duration {
    if failures < FREE_TRIES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_TRIES).min(16);
    (Duration::from_secs(30) * 2u32.pow(doublings)).min(MAX_WAIT)
}

/// Refuses a PIN that is not 4 to 12 digits, before anything is stored or sent.
pub fn check_pin_format(pin: &str) -> Result<(), ClientError> {
    if samtale_ipc::commands::pin_is_valid(pin) {
        Ok(())
    } else {
        Err(ClientError::Invalid(
            "the PIN must be 4 to 12 digits".into(),
        ))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ClientError> {
    // Argon2id takes tens of milliseconds: keep it off the async threads.
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ClientError::Protocol(format!("PIN task failed: {e}")))
}

fn read_i64(conn: &rusqlite::Connection, key: &str) -> Result<i64, ClientError> {
    Ok(db::get_meta(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

impl Client {
    /// Whether a PIN is set, whether the app is locked, and how long the next try must wait.
    pub fn lock_state(&self) -> Result<LockState, ClientError> {
        let conn = self.db();
        let pin_set = db::get_meta(&conn, meta::PIN_HASH)?.is_some();
        let wait = self.pin_wait(&conn)?;
        Ok(LockState {
            pin_set,
            locked: pin_set && self.locked.load(Ordering::SeqCst),
            wait_seconds: whole_seconds(wait),
        })
    }

    /// How long the next PIN try must still wait: the later of the stored deadline (capped at
    /// what the failure count allows) and the in-memory monotonic one.
    fn pin_wait(&self, conn: &rusqlite::Connection) -> Result<Duration, ClientError> {
        let failures =
            u32::try_from(read_i64(conn, meta::PIN_FAILURES)?.max(0)).unwrap_or(u32::MAX);
        let stored_ms = read_i64(conn, meta::PIN_WAIT_UNTIL)?.saturating_sub(now_ms());
        let stored = Duration::from_millis(u64::try_from(stored_ms.max(0)).unwrap_or(0))
            .min(wait_after(failures));
        let monotonic = self
            .pin_not_before
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map(|at| at.saturating_duration_since(Instant::now()))
            .unwrap_or_default();
        Ok(stored.max(monotonic))
    }

    /// The lock's gate for everything else the app does.
    pub fn ensure_unlocked(&self) -> Result<(), ClientError> {
        if self.locked.load(Ordering::SeqCst) {
            Err(ClientError::Locked)
        } else {
            Ok(())
        }
    }

    /// Locks the app now, if a PIN is set.
    pub fn lock(&self) -> Result<LockState, ClientError> {
        let pin_set = db::get_meta(&self.db(), meta::PIN_HASH)?.is_some();
        self.locked.store(pin_set, Ordering::SeqCst);
        self.lock_state()
    }

    /// Unlocks with the PIN. A wrong PIN is counted; past [`FREE_TRIES`] the next try is refused
    /// with [`ClientError::PinWait`] until the wait is over, without looking at the PIN.
    pub async fn unlock(&self, pin: &str) -> Result<(), ClientError> {
        self.check_pin(pin).await?;
        self.locked.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Chooses, changes or removes (`new: None`) the PIN. With a PIN set, `current` must be it
    /// (a wrong one counts like a wrong unlock). Only while unlocked.
    pub async fn set_pin(
        &self,
        current: Option<&str>,
        new: Option<&str>,
    ) -> Result<(), ClientError> {
        self.ensure_unlocked()?;
        if let Some(new) = new {
            check_pin_format(new)?;
        }
        if db::get_meta(&self.db(), meta::PIN_HASH)?.is_some() {
            // An empty field is a slip, not a guess: refused without counting.
            let current = current.filter(|c| !c.is_empty()).ok_or_else(|| {
                ClientError::Invalid("enter the current PIN to change or remove it".into())
            })?;
            self.check_pin(current).await?;
        }
        let hash = match new {
            Some(new) => Some(hash_pin(new).await?),
            None => None,
        };
        self.store_pin_hash(hash.as_deref())
    }

    /// Joins with an invitation (see [`Client::join`]) and sets the PIN chosen on the same
    /// screen. The PIN's format is checked first, so a mistyped PIN spends no invitation.
    pub async fn join_with_pin(
        &self,
        server: Option<&str>,
        invite: &str,
        display_name: &str,
        device_name: &str,
        pin: Option<&str>,
    ) -> Result<Account, ClientError> {
        let pin = pin.filter(|p| !p.is_empty());
        if let Some(pin) = pin {
            check_pin_format(pin)?;
        }
        // Hashed before joining, so nothing can fail between spending the invitation and
        // storing the PIN but the write itself.
        let hash = match pin {
            Some(pin) => Some(hash_pin(pin).await?),
            None => None,
        };
        let account = self.join(server, invite, display_name, device_name).await?;
        if let Some(hash) = hash
            && let Err(e) = self.store_pin_hash(Some(&hash))
        {
            // The account exists now; the person sees no PIN in settings and can choose again.
            tracing::error!(error = %e, "joined, but the PIN could not be stored");
        }
        Ok(account)
    }

    fn store_pin_hash(&self, hash: Option<&str>) -> Result<(), ClientError> {
        let mut conn = self.db();
        let tx = conn.transaction()?;
        match hash {
            Some(hash) => db::set_meta(&tx, meta::PIN_HASH, hash)?,
            None => {
                tx.execute("DELETE FROM meta WHERE key = ?1", [meta::PIN_HASH])?;
            }
        }
        db::set_meta(&tx, meta::PIN_FAILURES, "0")?;
        db::set_meta(&tx, meta::PIN_WAIT_UNTIL, "0")?;
        tx.commit()?;
        *self
            .pin_not_before
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
        if hash.is_none() {
            self.locked.store(false, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Checks `pin` against the stored hash, counting failures. One check at a time, so
    /// parallel guesses cannot slip past the count. The failure that starts a wait answers
    /// with the wait, so the person knows at once.
    async fn check_pin(&self, pin: &str) -> Result<(), ClientError> {
        let _one_at_a_time = self.pin_gate.lock().await;
        let (hash, failures, wait) = {
            let conn = self.db();
            (
                db::get_meta(&conn, meta::PIN_HASH)?,
                read_i64(&conn, meta::PIN_FAILURES)?,
                self.pin_wait(&conn)?,
            )
        };
        let Some(hash) = hash else {
            return Ok(());
        };
        if !wait.is_zero() {
            return Err(ClientError::PinWait {
                seconds: whole_seconds(wait),
            });
        }
        let pin = pin.to_owned();
        let right = blocking(move || passcode::verify(&hash, &pin)).await?;
        let failures = if right {
            0
        } else {
            u32::try_from(failures.max(0))
                .unwrap_or(u32::MAX)
                .saturating_add(1)
        };
        let wait = wait_after(failures);
        let until = if wait.is_zero() {
            0
        } else {
            now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
        };
        {
            let mut conn = self.db();
            let tx = conn.transaction()?;
            db::set_meta(&tx, meta::PIN_FAILURES, &failures.to_string())?;
            db::set_meta(&tx, meta::PIN_WAIT_UNTIL, &until.to_string())?;
            tx.commit()?;
        }
        *self
            .pin_not_before
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = (!wait.is_zero()).then(|| Instant::now() + wait);
        match (right, wait.is_zero()) {
            (true, _) => Ok(()),
            (false, true) => Err(ClientError::WrongPin),
            (false, false) => Err(ClientError::PinWait {
                seconds: whole_seconds(wait),
            }),
        }
    }
}

fn whole_seconds(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000).try_into().unwrap_or(u64::MAX)
}

async fn hash_pin(pin: &str) -> Result<String, ClientError> {
    let pin = pin.to_owned();
    blocking(move || passcode::hash(&pin))
        .await?
        .map_err(ClientError::from)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn client() -> (tempfile::TempDir, Client) {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = Client::open(dir.path(), &[7; 32]).expect("open");
        (dir, client)
    }

    #[test]
    fn waits_grow_after_the_free_tries_and_stop_at_an_hour() {
        assert_eq!(wait_after(FREE_TRIES - 1), Duration::ZERO);
        assert_eq!(wait_after(FREE_TRIES), Duration::from_secs(30));
        assert_eq!(wait_after(FREE_TRIES + 1), Duration::from_secs(60));
        assert_eq!(wait_after(FREE_TRIES + 40), MAX_WAIT);
    }

    #[test]
    fn pins_are_4_to_12_digits() {
        for good in ["2468", "000000", "123456789012"] {
            assert!(check_pin_format(good).is_ok(), "{good}");
        }
        for bad in ["", "123", "1234567890123", "12a4", "١٢٣٤", " 1234"] {
            assert!(
                matches!(check_pin_format(bad), Err(ClientError::Invalid(_))),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn lock_unlock_change_and_remove() {
        let (dir, c) = client();
        assert_eq!(c.lock_state().expect("state"), LockState::default());
        // Without a PIN, locking does nothing.
        assert!(!c.lock().expect("lock").locked);
        c.ensure_unlocked().expect("open without a PIN");

        assert!(matches!(
            c.set_pin(None, Some("12")).await,
            Err(ClientError::Invalid(_))
        ));
        c.set_pin(None, Some("2468")).await.expect("choose");
        assert!(c.lock().expect("lock").locked);
        assert!(matches!(c.ensure_unlocked(), Err(ClientError::Locked)));
        // Locked, the PIN cannot be changed.
        assert!(matches!(
            c.set_pin(Some("2468"), Some("1357")).await,
            Err(ClientError::Locked)
        ));
        assert!(matches!(c.unlock("1111").await, Err(ClientError::WrongPin)));
        assert!(c.lock_state().expect("state").locked);
        c.unlock("2468").await.expect("unlock");
        c.ensure_unlocked().expect("unlocked");

        // Changing needs the current PIN.
        assert!(matches!(
            c.set_pin(Some("0000"), Some("1357")).await,
            Err(ClientError::WrongPin)
        ));
        c.set_pin(Some("2468"), Some("1357")).await.expect("change");

        // A restart starts locked, with the new PIN.
        drop(c);
        let c = Client::open(dir.path(), &[7; 32]).expect("reopen");
        assert!(c.lock_state().expect("state").locked);
        assert!(matches!(c.unlock("2468").await, Err(ClientError::WrongPin)));
        c.unlock("1357").await.expect("unlock");

        // Removing it needs it too, and leaves nothing to unlock.
        c.set_pin(Some("1357"), None).await.expect("remove");
        assert!(!c.lock().expect("lock").locked);
        assert!(!c.lock_state().expect("state").pin_set);
    }

    #[tokio::test]
    async fn too_many_wrong_pins_wait_even_across_restarts() {
        let (dir, c) = client();
        c.set_pin(None, Some("2468")).await.expect("choose");
        c.lock().expect("lock");
        for _ in 1..FREE_TRIES {
            assert!(matches!(c.unlock("0000").await, Err(ClientError::WrongPin)));
        }
        // The try that starts the wait says so.
        assert!(matches!(
            c.unlock("0000").await,
            Err(ClientError::PinWait { seconds: 30 })
        ));
        let state = c.lock_state().expect("state");
        assert!(
            state.wait_seconds > 0 && state.wait_seconds <= 30,
            "{state:?}"
        );
        // Even the right PIN is not looked at while waiting.
        assert!(matches!(
            c.unlock("2468").await,
            Err(ClientError::PinWait { seconds }) if seconds > 0 && seconds <= 30
        ));
        drop(c);
        let c = Client::open(dir.path(), &[7; 32]).expect("reopen");
        assert!(matches!(
            c.unlock("2468").await,
            Err(ClientError::PinWait { .. })
        ));
        assert!(c.lock_state().expect("state").locked);

        // A clock set back a year does not stretch the wait past what the count allows…
        let far = (now_ms() + 365 * 86_400_000).to_string();
        db::set_meta(&c.db(), meta::PIN_WAIT_UNTIL, &far).expect("meta");
        assert!(c.lock_state().expect("state").wait_seconds <= 30);
        // …and a clock set forward does not skip it: the monotonic deadline still holds.
        db::set_meta(&c.db(), meta::PIN_WAIT_UNTIL, "0").expect("meta");
        *c.pin_not_before.lock().expect("lock") = Some(Instant::now() + Duration::from_secs(30));
        assert!(matches!(
            c.unlock("2468").await,
            Err(ClientError::PinWait { .. })
        ));
        // Once both have passed, the right PIN opens and the count starts over.
        *c.pin_not_before.lock().expect("lock") = None;
        c.unlock("2468").await.expect("unlock");
        assert_eq!(c.lock_state().expect("state").wait_seconds, 0);
    }

    #[tokio::test]
    async fn an_empty_current_pin_is_a_slip_not_a_guess() {
        let (_dir, c) = client();
        c.set_pin(None, Some("2468")).await.expect("choose");
        for _ in 0..10 {
            assert!(matches!(
                c.set_pin(None, None).await,
                Err(ClientError::Invalid(_))
            ));
            assert!(matches!(
                c.set_pin(Some(""), Some("1357")).await,
                Err(ClientError::Invalid(_))
            ));
        }
        assert_eq!(c.lock_state().expect("state").wait_seconds, 0);
        c.set_pin(Some("2468"), None).await.expect("remove");
    }
}
