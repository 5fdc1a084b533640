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

/// Local time of a Unix millisecond timestamp (the webview knows the time zone).
#[cfg(target_arch = "wasm32")]
pub fn local(ms: i64) -> Local {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    Local {
        year: d.get_full_year(),
        month: d.get_month(),
        day: d.get_date(),
        weekday: d.get_day(),
        hour: d.get_hours(),
        minute: d.get_minutes(),
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub fn local(ms: i64) -> Local {
    // UTC off the webview; only used by host-side checks.
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = civil_from_days(days);
    Local {
        year: y as u32,
        month: m - 1,
        day: d,
        weekday: ((days + 4).rem_euclid(7)) as u32,
        hour: (secs / 3600) as u32,
        minute: ((secs / 60) % 60) as u32,
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Noon local time on a date (month 1-12), in ms since the epoch.
pub fn local_noon(year: i32, month: u32, day: u32) -> i64 {
    local_at(year, month, day, 12, 0)
}

/// A local date (month 1-12) and time of day, in ms since the epoch.
#[cfg(target_arch = "wasm32")]
pub fn local_at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    js_sys::Date::new_with_year_month_day_hr_min_sec(
        year as u32,
        month as i32 - 1,
        day as i32,
        hour as i32,
        minute as i32,
        0,
    )
    .get_time() as i64
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

#[cfg(not(target_arch = "wasm32"))]
pub fn local_at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    // UTC off the webview, like `local`.
    let (y, m) = if month <= 2 {
        (i64::from(year) - 1, i64::from(month) + 9)
    } else {
        (i64::from(year), i64::from(month) - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + i64::from(day) - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * 86_400_000 + i64::from(hour) * 3_600_000 + i64::from(minute) * 60_000
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
        // 2026-11-23 14:05 UTC was a Monday.
        let t = local(1_795_442_700_000);
        assert_eq!(
            (t.year, t.month, t.day, t.weekday, t.hour, t.minute),
            (2026, 10, 23, 1, 14, 5)
        );
        let later = local(1_795_442_700_000 + 3 * 86_400_000);
        let yesterday = local(1_795_442_700_000 + 2 * 86_400_000);
        assert_eq!(time(Language::Da, &t), "14.05");
        assert_eq!(time(Language::En, &t), "14:05");
        assert_eq!(
            day(Language::Da, &t, &later, &yesterday),
            "mandag 23. november 2026"
        );
        assert_eq!(day(Language::Da, &t, &t, &yesterday), "I dag");
        assert_eq!(day(Language::Da, &yesterday, &later, &yesterday), "I går");
        assert_eq!(short(Language::Da, &t, &later), "23. nov");
        assert_eq!(moment(Language::Da, &t), "man 23. nov 14.05");
        let noon = local(local_noon(2026, 11, 23));
        assert_eq!(
            (noon.year, noon.month, noon.day, noon.hour),
            (2026, 10, 23, 12)
        );
        assert_eq!(moment(Language::En, &t), "Mon Nov 23 14:05");
    }
}
