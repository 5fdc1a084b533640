//! The sync rules as a pure function: given what the engine knows (outbox, pending receipts,
//! cursor, what the server announced, whether the last attempt failed), [`plan`] says what to
//! do next. The engine does the I/O around it. Keeping the rules free of I/O lets the table
//! tests below pin them without a network.

use std::time::Duration;

/// One outbox entry as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: String,
    pub attempts: u32,
    /// Not before this time (ms since the Unix epoch).
    pub next_attempt_at: i64,
}

/// What the engine knows right now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncState {
    pub now_ms: i64,
    /// Oldest first.
    pub outbox: Vec<Pending>,
    pub pending_receipts: usize,
    /// Last inbox sequence stored locally.
    pub cursor: u64,
    /// Newest sequence the server announced (WebSocket), if any.
    pub announced: Option<u64>,
    /// True when the caller asks for a full catch-up (start, reconnect, user pull). The server
    /// is then known or hoped to be back, so backoff is skipped and the whole outbox is due.
    pub catch_up: bool,
}

/// One step of a sync round, in the order to run them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Push this outbox entry.
    Push(String),
    /// Send the queued receipts.
    SendReceipts,
    /// Fetch inbox pages from `since` until the server says there is no more.
    Pull { since: u64 },
    /// Nothing due now; come back after this long (`None`: only when something happens).
    Wait(Option<Duration>),
}

/// Decides a sync round. Outbox entries are pushed strictly in order, so the first one that is
/// not due yet holds back the ones behind it (the recipient sees messages in the order they
/// were written). A catch-up ignores backoff. Pulling comes after pushing so a round ends with
/// the newest state.
pub fn plan(s: &SyncState) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut wait: Option<i64> = None;
    for p in &s.outbox {
        if p.next_attempt_at > s.now_ms && !s.catch_up {
            wait = Some(p.next_attempt_at - s.now_ms);
            break;
        }
        steps.push(Step::Push(p.id.clone()));
    }
    if s.pending_receipts > 0 {
        steps.push(Step::SendReceipts);
    }
    if s.catch_up || s.announced.is_some_and(|a| a > s.cursor) {
        steps.push(Step::Pull { since: s.cursor });
    }
    if steps.is_empty() || wait.is_some() {
        steps.push(Step::Wait(
            wait.map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
        ));
    }
    steps
}

/// Delay before retry number `attempts` (1 = first retry): doubling from 1 s, at most 60 s,
/// scaled by `jitter` in [0, 1) to between 50 % and 100 % so that many clients coming back at
/// once do not hit the server in step.
pub fn backoff(attempts: u32, jitter: f64) -> Duration {
    let base_ms: u64 = 1000u64
        .saturating_mul(1u64 << attempts.saturating_sub(1).min(6))
        .min(60_000);
    let factor = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::from_millis((base_ms as f64 * factor) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str, next: i64) -> Pending {
        Pending {
            id: id.into(),
            attempts: 0,
            next_attempt_at: next,
        }
    }

    #[test]
    fn plan_table() {
        struct Case {
            name: &'static str,
            state: SyncState,
            want: Vec<Step>,
        }
        let now = 10_000;
        let cases = vec![
            Case {
                name: "idle",
                state: SyncState {
                    now_ms: now,
                    ..Default::default()
                },
                want: vec![Step::Wait(None)],
            },
            Case {
                name: "catch up on start",
                state: SyncState {
                    now_ms: now,
                    cursor: 7,
                    catch_up: true,
                    ..Default::default()
                },
                want: vec![Step::Pull { since: 7 }],
            },
            Case {
                name: "announced newer than cursor pulls",
                state: SyncState {
                    now_ms: now,
                    cursor: 7,
                    announced: Some(9),
                    ..Default::default()
                },
                want: vec![Step::Pull { since: 7 }],
            },
            Case {
                name: "announced but already held: nothing",
                state: SyncState {
                    now_ms: now,
                    cursor: 9,
                    announced: Some(9),
                    ..Default::default()
                },
                want: vec![Step::Wait(None)],
            },
            Case {
                name: "due outbox in order, then receipts, then pull",
                state: SyncState {
                    now_ms: now,
                    outbox: vec![p("a", 0), p("b", now)],
                    pending_receipts: 2,
                    catch_up: true,
                    ..Default::default()
                },
                want: vec![
                    Step::Push("a".into()),
                    Step::Push("b".into()),
                    Step::SendReceipts,
                    Step::Pull { since: 0 },
                ],
            },
            Case {
                name: "an entry in backoff holds back those behind it",
                state: SyncState {
                    now_ms: now,
                    outbox: vec![p("a", now + 1500), p("b", 0)],
                    ..Default::default()
                },
                want: vec![Step::Wait(Some(Duration::from_millis(1500)))],
            },
            Case {
                name: "a catch-up (reconnect, restart, user pull) skips backoff",
                state: SyncState {
                    now_ms: now,
                    outbox: vec![p("a", now + 1500), p("b", now + 60_000)],
                    catch_up: true,
                    cursor: 3,
                    ..Default::default()
                },
                want: vec![
                    Step::Push("a".into()),
                    Step::Push("b".into()),
                    Step::Pull { since: 3 },
                ],
            },
            Case {
                name: "pushes what is due, stops at the first in backoff, still pulls",
                state: SyncState {
                    now_ms: now,
                    outbox: vec![p("a", 0), p("b", now + 10), p("c", 0)],
                    announced: Some(1),
                    ..Default::default()
                },
                want: vec![
                    Step::Push("a".into()),
                    Step::Pull { since: 0 },
                    Step::Wait(Some(Duration::from_millis(10))),
                ],
            },
        ];
        for c in cases {
            assert_eq!(plan(&c.state), c.want, "case: {}", c.name);
        }
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        assert_eq!(backoff(1, 1.0), Duration::from_millis(1000));
        assert_eq!(backoff(2, 1.0), Duration::from_millis(2000));
        assert_eq!(backoff(3, 0.0), Duration::from_millis(2000));
        assert_eq!(backoff(30, 1.0), Duration::from_millis(60_000));
        assert_eq!(backoff(0, 1.0), Duration::from_millis(1000));
        assert!(backoff(5, 0.5) < backoff(5, 0.99));
    }
}
