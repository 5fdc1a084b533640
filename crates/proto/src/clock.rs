//! Danish local time (Europe/Copenhagen) without a time-zone database: CET (UTC+1) in winter,
//! CEST (UTC+2) from 01.00 UTC on the last Sunday of March to 01.00 UTC on the last Sunday of
//! October, the EU rule since 1996. Check-in plans are written in local time, so a plan's 08.00
//! stays 08.00 across the changes; the server's notices keep their quiet hours by it.
//!
//! A local time that does not exist (02.30 on the spring-forward night) moves an hour on, to
//! 03.30; one that exists twice (02.30 on the fall-back night) is the first of the two.

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// A moment as read on a Danish clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub date: Date,
    /// 0 for Monday to 6 for Sunday.
    pub weekday: usize,
    pub hour: u32,
    pub minute: u32,
}

const MS_PER_DAY: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(d: Date) -> i64 {
    let (m, y) = (i64::from(d.month), i64::from(d.year));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

/// 0 for Monday to 6 for Sunday.
pub fn weekday(d: Date) -> usize {
    // 1970-01-01 was a Thursday.
    (days_from_civil(d) + 3).rem_euclid(7) as usize
}

impl Date {
    pub fn add_days(self, n: i64) -> Date {
        civil_from_days(days_from_civil(self) + n)
    }

    /// Reads "2011-11-20" or the Danish "20.11.2011"; None for anything else or a day that
    /// does not exist (30.02).
    pub fn parse(text: &str) -> Option<Date> {
        let t = text.trim();
        let parts: Vec<&str> = t.split(['-', '.']).collect();
        let [a, b, c] = parts[..] else { return None };
        let (y, m, d) = if t.contains('-') {
            (a, b, c)
        } else {
            (c, b, a)
        };
        if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        // A day past the month's end comes back as another date.
        ((1..=12).contains(&date.month) && date.day >= 1 && date.add_days(0) == date)
            .then_some(date)
    }

    /// "2011-11-20".
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The UTC moment summer time starts (March) or ends (October) in `year`: 01.00 UTC on the
/// month's last Sunday.
fn change_ms(year: i32, month: u32) -> i64 {
    let last = Date {
        year,
        month,
        day: 31,
    };
    let back = (weekday(last) + 1) % 7;
    (days_from_civil(last) - back as i64) * MS_PER_DAY + HOUR_MS
}

/// Danish offset from UTC at a UTC moment, in ms.
pub fn offset_ms(utc_ms: i64) -> i64 {
    let year = civil_from_days(utc_ms.div_euclid(MS_PER_DAY)).year;
    if (change_ms(year, 3)..change_ms(year, 10)).contains(&utc_ms) {
        2 * HOUR_MS
    } else {
        HOUR_MS
    }
}

/// What a Danish clock shows at a UTC moment.
pub fn local(utc_ms: i64) -> LocalTime {
    let l = utc_ms + offset_ms(utc_ms);
    let date = civil_from_days(l.div_euclid(MS_PER_DAY));
    let minutes = l.rem_euclid(MS_PER_DAY) / 60_000;
    LocalTime {
        date,
        weekday: weekday(date),
        hour: (minutes / 60) as u32,
        minute: (minutes % 60) as u32,
    }
}

/// The UTC moment a Danish clock shows `hour:minute` on `date` (see the module doc for the two
/// nights a year where that is not one moment).
pub fn to_utc(date: Date, hour: u32, minute: u32) -> i64 {
    let naive = days_from_civil(date) * MS_PER_DAY + i64::from(hour * 60 + minute) * 60_000;
    let summer = naive - 2 * HOUR_MS;
    if offset_ms(summer) == 2 * HOUR_MS {
        return summer;
    }
    // Winter time, or the hour skipped in spring: read as winter time it lands an hour on.
    naive - HOUR_MS
}

/// Start of the Danish day holding `utc_ms`.
pub fn start_of_day(utc_ms: i64) -> i64 {
    to_utc(local(utc_ms).date, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    /// 2026-03-29 and 2026-10-25 are the changes of 2026.
    #[test]
    fn offsets_and_round_trips_across_the_2026_changes() {
        let utc = |s: &str| -> i64 {
            // "YYYY-MM-DD HH:MM" in UTC.
            let (date, time) = s.split_once(' ').unwrap();
            let p: Vec<u32> = date.split('-').map(|x| x.parse().unwrap()).collect();
            let t: Vec<u32> = time.split(':').map(|x| x.parse().unwrap()).collect();
            days_from_civil(d(p[0] as i32, p[1], p[2])) * MS_PER_DAY
                + i64::from(t[0] * 60 + t[1]) * 60_000
        };
        let cases = [
            // (UTC, Danish clock)
            ("2026-01-15 07:00", (d(2026, 1, 15), 8, 0)),
            ("2026-03-29 00:59", (d(2026, 3, 29), 1, 59)),
            ("2026-03-29 01:00", (d(2026, 3, 29), 3, 0)),
            ("2026-07-01 06:00", (d(2026, 7, 1), 8, 0)),
            ("2026-10-25 00:30", (d(2026, 10, 25), 2, 30)),
            ("2026-10-25 01:30", (d(2026, 10, 25), 2, 30)),
            ("2026-10-25 02:00", (d(2026, 10, 25), 3, 0)),
            ("2026-12-31 23:30", (d(2027, 1, 1), 0, 30)),
        ];
        for (u, (date, h, m)) in cases {
            let l = local(utc(u));
            assert_eq!((l.date, l.hour, l.minute), (date, h, m), "{u}");
        }
        // Ordinary local times come back to the same moment.
        for u in ["2026-01-15 07:00", "2026-07-01 06:00", "2026-10-25 02:00"] {
            let l = local(utc(u));
            assert_eq!(to_utc(l.date, l.hour, l.minute), utc(u), "{u}");
        }
        // 08.00 is 07.00 UTC in winter and 06.00 UTC in summer, on both sides of each change.
        assert_eq!(to_utc(d(2026, 3, 28), 8, 0), utc("2026-03-28 07:00"));
        assert_eq!(to_utc(d(2026, 3, 29), 8, 0), utc("2026-03-29 06:00"));
        assert_eq!(to_utc(d(2026, 10, 24), 8, 0), utc("2026-10-24 06:00"));
        assert_eq!(to_utc(d(2026, 10, 25), 8, 0), utc("2026-10-25 07:00"));
        // The skipped hour moves on; the doubled hour is its first pass.
        assert_eq!(to_utc(d(2026, 3, 29), 2, 30), utc("2026-03-29 01:30"));
        assert_eq!(local(utc("2026-03-29 01:30")).hour, 3);
        assert_eq!(to_utc(d(2026, 10, 25), 2, 30), utc("2026-10-25 00:30"));
        // The days around a change are 23 and 25 hours long.
        let len = |x: Date| to_utc(x.add_days(1), 0, 0) - to_utc(x, 0, 0);
        assert_eq!(len(d(2026, 3, 29)), 23 * HOUR_MS);
        assert_eq!(len(d(2026, 10, 25)), 25 * HOUR_MS);
        assert_eq!(len(d(2026, 6, 1)), 24 * HOUR_MS);
    }

    #[test]
    fn calendar_arithmetic() {
        assert_eq!(weekday(d(2026, 11, 27)), 4, "a Friday");
        assert_eq!(weekday(d(1970, 1, 1)), 3, "a Thursday");
        assert_eq!(d(2028, 2, 28).add_days(1), d(2028, 2, 29));
        assert_eq!(d(2026, 12, 31).add_days(1), d(2027, 1, 1));
        for n in [-800_000, -1, 0, 59, 20_000, 2_000_000] {
            assert_eq!(days_from_civil(civil_from_days(n)), n);
        }
    }

    #[test]
    fn dates_are_read_in_iso_and_danish_form() {
        assert_eq!(Date::parse("2011-11-20"), Some(d(2011, 11, 20)));
        assert_eq!(Date::parse(" 20.11.2011 "), Some(d(2011, 11, 20)));
        assert_eq!(Date::parse("1.3.2012"), Some(d(2012, 3, 1)));
        assert_eq!(Date::parse("29.02.2012"), Some(d(2012, 2, 29)));
        for bad in [
            "29.02.2011",
            "2011-13-01",
            "2011-11-31",
            "20/11/2011",
            "11-20",
            "",
            "2011-11-20-1",
            "0.1.2011",
            "20.11.11",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(d(2011, 3, 7).iso(), "2011-03-07");
    }
}
