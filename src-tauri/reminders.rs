//! Reminders while the desktop app runs.
//!
//! - The smiley reminder: when a check-in slot opens and the youth has not answered, a
//!   notification that says only "Tid til dagens smiley" (never the question), once per slot,
//!   and not while the window has focus (the card is in front of him then). The UI is told at
//!   the same moment, so the card appears without waiting for its own refresh.
//! - Appointment reminders at the times the caseworker chose, once each (the engine keeps
//!   which were given): "Du har en aftale i Samtale om 1 time", never the title or the place.
//!
//! On a phone the OS suspends an app that is not in front, so the same reminders are handed to
//! the OS's scheduler ahead of time instead ([`schedule_ahead`], the week ahead from the
//! engine's `upcoming_notices`), again after every change. That path is compiled and its parts
//! tested on the desktop, but no mobile build is made on this project's machines yet.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use samtale_client::Client;
use samtale_client::ahead::UpcomingKind;
use samtale_client::care::DueCheckIn;
use samtale_ipc::EVENT;
use samtale_ipc::views::ClientEvent;
use samtale_proto::CareId;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// What the reminder says: nothing personal, not even the question.
pub const REMINDER_TEXT: &str = "Tid til dagens smiley";

/// What an appointment reminder says: how soon, nothing else.
pub fn appointment_text(minutes_before: u32) -> String {
    let soon = match minutes_before {
        m if m >= 1440 && m % 1440 == 0 => match m / 1440 {
            1 => "i morgen".to_owned(),
            d => format!("om {d} dage"),
        },
        m if m >= 60 && m % 60 == 0 => match m / 60 {
            1 => "om 1 time".to_owned(),
            h => format!("om {h} timer"),
        },
        m => format!("om {m} minutter"),
    };
    format!("Du har en aftale i Samtale {soon}")
}

/// How far ahead a phone is given its reminders (handed again after every change).
pub const AHEAD_MS: i64 = 7 * 86_400_000;

/// The notification id of a reminder's key: the same key gives the same id, so handing a
/// reminder to the OS again replaces it (FNV-1a, kept positive).
pub fn notice_id(key: &str) -> i32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash & 0x7fff_ffff) as i32
}

/// What a reminder says: nothing personal.
pub fn notice_text(what: UpcomingKind) -> String {
    match what {
        UpcomingKind::CheckIn => REMINDER_TEXT.to_owned(),
        UpcomingKind::Appointment { minutes_before } => appointment_text(minutes_before),
    }
}

/// Hands the OS the reminders of the week ahead, replacing those handed before. Mobile only:
/// the desktop plugin shows a notification at once and ignores the schedule.
#[cfg_attr(not(mobile), allow(dead_code))]
fn schedule_ahead<R: Runtime>(app: &AppHandle<R>, client: &Client) {
    use tauri_plugin_notification::Schedule;
    let Ok(list) = client.upcoming_notices(AHEAD_MS) else {
        return;
    };
    #[cfg(mobile)]
    let _ = app.notification().cancel_all();
    for u in list {
        let Ok(date) =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(u.at_ms) * 1_000_000)
        else {
            continue;
        };
        let _ = app
            .notification()
            .builder()
            .id(notice_id(&u.key))
            .title("Samtale")
            .body(notice_text(u.what))
            .schedule(Schedule::At {
                date,
                repeating: false,
                allow_while_idle: true,
            })
            .show();
    }
}

/// How often the shell looks for a slot that has opened.
const EVERY: Duration = Duration::from_secs(30);

/// The open, unanswered slots not reminded of yet; marks them reminded.
pub fn to_remind(due: &[DueCheckIn], reminded: &mut HashSet<(CareId, i64)>) -> Vec<DueCheckIn> {
    due.iter()
        .filter(|d| d.answer.is_none())
        .filter(|d| reminded.insert((d.plan.clone(), d.slot_ms)))
        .cloned()
        .collect()
}

pub fn run<R: Runtime>(app: AppHandle<R>, client: Arc<Client>) {
    #[cfg(mobile)]
    {
        // The OS keeps the schedule; hand it over now and after every change.
        let (app, client) = (app.clone(), client.clone());
        let mut events = client.subscribe();
        tauri::async_runtime::spawn(async move {
            schedule_ahead(&app, &client);
            while events.recv().await.is_ok() {
                schedule_ahead(&app, &client);
            }
        });
        return;
    }
    #[cfg_attr(mobile, allow(unreachable_code))]
    tauri::async_runtime::spawn(async move {
        let mut reminded = HashSet::new();
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            // Reminders are not given while the app is locked; they come after unlocking.
            if client.ensure_unlocked().is_err() {
                continue;
            }
            let notify = |text: &str| {
                let _ = app
                    .notification()
                    .builder()
                    .title("Samtale")
                    .body(text)
                    .show();
            };
            // Given now or never: the engine marks them given.
            for r in client.take_due_reminders().unwrap_or_default() {
                notify(&appointment_text(r.minutes_before));
            }
            // Only a signed-in youth has slots of his own; anything else finds none.
            let Ok(due) = client.due_check_ins() else {
                continue;
            };
            let new = to_remind(&due, &mut reminded);
            if new.is_empty() {
                continue;
            }
            let focused = app
                .get_webview_window("main")
                .and_then(|w| w.is_focused().ok())
                .unwrap_or(false);
            if !focused {
                notify(REMINDER_TEXT);
            }
            let threads = new.into_iter().map(|d| d.thread).collect();
            let _ = app.emit(EVENT, &ClientEvent::ThreadsChanged { threads });
        }
    });
}

#[cfg(test)]
mod tests {
    use samtale_client::care::AnswerView;
    use samtale_proto::ThreadId;

    use super::*;

    fn due(n: u8, slot: i64, answered: bool) -> DueCheckIn {
        let plan = CareId::from_parts(1, [n; 10]);
        DueCheckIn {
            plan: plan.clone(),
            thread: ThreadId::from_parts(1, [n; 10]),
            question: "Hvordan har du det lige nu?".into(),
            slot_ms: slot,
            window_end_ms: slot + 1,
            closes_ms: slot + 2,
            tags: vec![],
            note: false,
            answer: answered.then(|| AnswerView {
                plan,
                slot_ms: slot,
                score: 3,
                tags: vec![],
                note: None,
                answered_at_ms: slot,
                late: false,
                pending: false,
            }),
            seen_by: vec![],
        }
    }

    /// Once per slot, only unanswered ones, and the text carries nothing personal.
    #[test]
    fn reminds_once_per_open_unanswered_slot() {
        let mut reminded = HashSet::new();
        let first = to_remind(&[due(1, 100, false), due(2, 100, true)], &mut reminded);
        assert_eq!(first.len(), 1);
        assert!(to_remind(&[due(1, 100, false)], &mut reminded).is_empty());
        assert_eq!(to_remind(&[due(1, 200, false)], &mut reminded).len(), 1);
        assert!(!REMINDER_TEXT.contains("Hvordan"));
    }

    /// The same reminder always gets the same positive id; different ones differ.
    #[test]
    fn notice_ids_are_stable_and_positive() {
        let a = notice_id("checkin:P1:1792821600000");
        assert_eq!(a, notice_id("checkin:P1:1792821600000"));
        assert!(a >= 0);
        assert_ne!(a, notice_id("checkin:P1:1792864800000"));
        assert_eq!(notice_text(UpcomingKind::CheckIn), REMINDER_TEXT);
        assert_eq!(
            notice_text(UpcomingKind::Appointment { minutes_before: 60 }),
            "Du har en aftale i Samtale om 1 time"
        );
    }

    /// How soon, in words, and nothing else.
    #[test]
    fn appointment_reminders_say_only_how_soon() {
        assert_eq!(
            appointment_text(1440),
            "Du har en aftale i Samtale i morgen"
        );
        assert_eq!(
            appointment_text(2880),
            "Du har en aftale i Samtale om 2 dage"
        );
        assert_eq!(appointment_text(60), "Du har en aftale i Samtale om 1 time");
        assert_eq!(
            appointment_text(120),
            "Du har en aftale i Samtale om 2 timer"
        );
        assert_eq!(
            appointment_text(90),
            "Du har en aftale i Samtale om 90 minutter"
        );
    }
}
