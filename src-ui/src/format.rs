//! Dates and times the Danish way: "14.05", "I dag", "I går", "mandag 23. november 2026".

use samtale_ipc::commands::Language;

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS_DA: [&str; 7] = [
    "søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag",
];
const DAYS_EN: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A moment in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    pub year: u32,
    /// 0-based.
    pub month: u32,
    pub day: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    pub hour: u32,
    pub minute: u32,
}

impl Local {
    pub fn same_day(&self, other: &Local) -> bool {
        (self.year, self.month, self.day) == (other.year, other.month, other.day)
    }
}

/// What a Danish clock shows at a Unix millisecond timestamp: the municipality's time, the
/// same the engine writes into cards and records, whatever zone the device is set to.
pub fn local(ms: i64) -> Local {
    let l = samtale_proto::clock::local(ms);
    Local {
        year: u32::try_from(l.date.year).unwrap_or(0),
        month: l.date.month.saturating_sub(1),
        day: l.date.day,
        // The clock counts from Monday, this from Sunday.
        weekday: ((l.weekday + 1) % 7) as u32,
        hour: l.hour,
        minute: l.minute,
    }
}

/// Noon local time on a date (month 1-12), in ms since the epoch.
pub fn local_noon(year: i32, month: u32, day: u32) -> i64 {
    local_at(year, month, day, 12, 0)
}

/// A Danish date (month 1-12) and time of day, in ms since the epoch.
pub fn local_at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    samtale_proto::clock::to_utc(
        samtale_proto::clock::Date { year, month, day },
        hour,
        minute,
    )
}

/// A date input's `YYYY-MM-DD` and a time input's `HH:MM`, local, in ms; None for anything
/// else.
pub fn parse_moment(date: &str, time: &str) -> Option<i64> {
    let mut p = date.split('-').map(|x| x.parse::<i32>().ok());
    let (y, m, d) = (p.next()??, p.next()??, p.next()??);
    let (h, min) = time.split_once(':')?;
    let (h, min) = (h.parse::<u32>().ok()?, min.parse::<u32>().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || min > 59 {
        return None;
    }
    Some(local_at(y, m as u32, d as u32, h, min))
}

/// "14.05" (Danish) or "14:05" (English).
pub fn time(lang: Language, t: &Local) -> String {
    match lang {
        Language::Da => format!("{:02}.{:02}", t.hour, t.minute),
        Language::En => format!("{:02}:{:02}", t.hour, t.minute),
    }
}

/// The heading of a day in a conversation.
pub fn day(lang: Language, t: &Local, today: &Local, yesterday: &Local) -> String {
    if t.same_day(today) {
        return crate::i18n::t(lang, crate::i18n::K::Today).to_owned();
    }
    if t.same_day(yesterday) {
        return crate::i18n::t(lang, crate::i18n::K::Yesterday).to_owned();
    }
    let w = t.weekday.min(6) as usize;
    let m = t.month.min(11) as usize;
    match lang {
        Language::Da => format!("{} {}. {} {}", DAYS_DA[w], t.day, MONTHS_DA[m], t.year),
        Language::En => format!("{}, {} {} {}", DAYS_EN[w], t.day, MONTHS_EN[m], t.year),
    }
}

/// Time for a list entry: the time today, else the date.
pub fn short(lang: Language, t: &Local, today: &Local) -> String {
    if t.same_day(today) {
        time(lang, t)
    } else {
        match lang {
            Language::Da => format!("{}. {}", t.day, &MONTHS_DA[t.month.min(11) as usize][..3]),
            Language::En => format!("{} {}", &MONTHS_EN[t.month.min(11) as usize][..3], t.day),
        }
    }
}

/// "23. nov" (Danish) or "Nov 23" (English), whatever the day.
pub fn date(lang: Language, t: &Local) -> String {
    let m = t.month.min(11) as usize;
    match lang {
        Language::Da => format!("{}. {}", t.day, &MONTHS_DA[m][..3]),
        Language::En => format!("{} {}", &MONTHS_EN[m][..3], t.day),
    }
}

/// "man 23. nov 08.00": a moment in a table.
pub fn moment(lang: Language, t: &Local) -> String {
    let w = t.weekday.min(6) as usize;
    let day = match lang {
        Language::Da => &DAYS_DA[w][..3],
        Language::En => &DAYS_EN[w][..3],
    };
    format!("{day} {} {}", date(lang, t), time(lang, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_dates_and_times() {
        // 2026-11-23 14:05 UTC was a Monday, 15.05 in Copenhagen (winter time), whatever
        // zone the device is set to.
        let t = local(1_795_442_700_000);
        assert_eq!(
            (t.year, t.month, t.day, t.weekday, t.hour, t.minute),
            (2026, 10, 23, 1, 15, 5)
        );
        // Summer time: 2026-07-01 10:00 UTC is 12.00.
        assert_eq!(local(1_782_900_000_000).hour, 12);
        let later = local(1_795_442_700_000 + 3 * 86_400_000);
        let yesterday = local(1_795_442_700_000 + 2 * 86_400_000);
        assert_eq!(time(Language::Da, &t), "15.05");
        assert_eq!(time(Language::En, &t), "15:05");
        assert_eq!(
            day(Language::Da, &t, &later, &yesterday),
            "mandag 23. november 2026"
        );
        assert_eq!(day(Language::Da, &t, &t, &yesterday), "I dag");
        assert_eq!(day(Language::Da, &yesterday, &later, &yesterday), "I går");
        assert_eq!(short(Language::Da, &t, &later), "23. nov");
        assert_eq!(moment(Language::Da, &t), "man 23. nov 15.05");
        let noon = local(local_noon(2026, 11, 23));
        assert_eq!(
            (noon.year, noon.month, noon.day, noon.hour),
            (2026, 10, 23, 12)
        );
        assert_eq!(moment(Language::En, &t), "Mon Nov 23 15:05");
    }
}
