//! When an appointment's reminders are due (pure). Each member's device reminds at the times
//! the caseworker chose (minutes before the start). A device that was closed over several of
//! them gives one reminder, the nearest to the start, and counts the earlier ones as given;
//! none is given once the appointment has started.

/// The reminders of an appointment whose moment has come by `now` while it has not started,
/// nearest to the start first.
pub fn due(starts_at_ms: i64, reminders: &[u32], now_ms: i64) -> Vec<u32> {
    if now_ms >= starts_at_ms {
        return Vec::new();
    }
    let mut out: Vec<u32> = reminders
        .iter()
        .copied()
        .filter(|m| starts_at_ms.saturating_sub(i64::from(*m) * 60_000) <= now_ms)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The reminder to give now: the nearest due one, unless it was given already. (The engine
/// then marks every due one as given, so an earlier one never comes after a later one.)
pub fn decide(due: &[u32], given: impl Fn(u32) -> bool) -> Option<u32> {
    let nearest = *due.first()?;
    (!given(nearest)).then_some(nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    /// At each moment, which reminders are due, and which one is given.
    #[test]
    fn due_reminders_table() {
        let start = 100 * H;
        let r = [1440, 60];
        let table: [(i64, &[u32]); 6] = [
            (start - 25 * H, &[]),
            (start - 24 * H, &[1440]),
            (start - 2 * H, &[1440]),
            (start - H, &[60, 1440]),
            (start - 1, &[60, 1440]),
            (start, &[]),
        ];
        for (now, want) in table {
            assert_eq!(due(start, &r, now), want, "at {}", (now - start) / 60_000);
        }
        assert!(due(start, &[], start - H).is_empty());
        // Extreme numbers do not overflow.
        assert_eq!(due(i64::MIN + 1, &[u32::MAX], i64::MIN), vec![u32::MAX]);
    }

    #[test]
    fn one_reminder_after_a_closed_laptop() {
        // Both are due (the laptop was closed for a day): the hour-before one is given once.
        assert_eq!(decide(&[60, 1440], |_| false), Some(60));
        assert_eq!(decide(&[60, 1440], |m| m == 60), None);
        // The day-before one was given; now the hour-before one comes.
        assert_eq!(decide(&[60, 1440], |m| m == 1440), Some(60));
        assert_eq!(decide(&[], |_| false), None);
    }
}
