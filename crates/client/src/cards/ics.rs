//! An appointment as an iCalendar file (RFC 5545), for "Tilføj til kalender": caseworkers live
//! in Outlook, parents in their phone's calendar. Pure: the text is made from the appointment
//! alone. The UID is the appointment's id and SEQUENCE its revision, so importing a moved or
//! cancelled appointment again updates the calendar entry instead of adding a second one.

use samtale_proto::cards::Appointment;

use crate::checkins::clock::civil_from_days;

const DAY_MS: i64 = 86_400_000;

/// A UTC moment in iCalendar's form, `20260603T090000Z`.
fn stamp(ms: i64) -> String {
    let d = civil_from_days(ms.div_euclid(DAY_MS));
    let s = ms.rem_euclid(DAY_MS) / 1000;
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        d.year,
        d.month,
        d.day,
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// TEXT values escape backslash, semicolon, comma and line breaks.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets are folded: CRLF and a space, never inside a character.
fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The calendar file of an appointment; `changed_at_ms` is when its newest revision was made.
pub fn ics(a: &Appointment, changed_at_ms: i64) -> String {
    let mut out = String::new();
    let end = a.starts_at_ms + i64::from(a.minutes) * 60_000;
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".into(),
        "PRODID:-//Samtale//Samtale//DA".into(),
        "METHOD:PUBLISH".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}@samtale", a.appointment.as_str()),
        format!("DTSTAMP:{}", stamp(changed_at_ms)),
        format!("SEQUENCE:{}", a.revision),
        format!("DTSTART:{}", stamp(a.starts_at_ms)),
        format!("DTEND:{}", stamp(end)),
        format!("SUMMARY:{}", text(a.title.trim())),
    ];
    if !a.place.trim().is_empty() {
        lines.push(format!("LOCATION:{}", text(a.place.trim())));
    }
    if let Some(link) = &a.link {
        lines.push(format!("URL:{link}"));
    }
    let mut description = a.note.trim().to_owned();
    if let Some(link) = &a.link {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("Video: {link}"));
    }
    if !description.is_empty() {
        lines.push(format!("DESCRIPTION:{}", text(&description)));
    }
    lines.push(format!(
        "STATUS:{}",
        if a.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        }
    ));
    if !a.cancelled {
        for m in &a.reminders {
            lines.push("BEGIN:VALARM".into());
            lines.push("ACTION:DISPLAY".into());
            lines.push("DESCRIPTION:Påmindelse".into());
            lines.push(format!("TRIGGER:-PT{m}M"));
            lines.push("END:VALARM".into());
        }
    }
    lines.push("END:VEVENT".into());
    lines.push("END:VCALENDAR".into());
    for l in &lines {
        push_line(&mut out, l);
    }
    out
}

#[cfg(test)]
mod tests {
    use samtale_proto::CareId;

    use super::*;

    fn appointment() -> Appointment {
        Appointment {
            appointment: CareId::from_parts(1, [7; 10]),
            revision: 3,
            title: "Møde, om skole; og praktik".into(),
            starts_at_ms: 1_780_477_200_000, // 2026-06-03 09:00 UTC
            minutes: 45,
            place: "Rådhuset".into(),
            link: Some("https://video.kommune.dk/m/abc".into()),
            note: "Linje 1\nLinje 2 \\ slut".into(),
            reminders: vec![1440, 60],
            cancelled: false,
        }
    }

    #[test]
    fn an_appointment_as_a_calendar_file() {
        let a = appointment();
        let f = ics(&a, 1_780_000_000_000);
        assert!(f.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(f.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        for line in [
            format!("UID:{}@samtale", a.appointment.as_str()),
            "SEQUENCE:3".into(),
            "DTSTART:20260603T090000Z".into(),
            "DTEND:20260603T094500Z".into(),
            "SUMMARY:Møde\\, om skole\\; og praktik".into(),
            "LOCATION:Rådhuset".into(),
            "STATUS:CONFIRMED".into(),
            "TRIGGER:-PT1440M".into(),
            "TRIGGER:-PT60M".into(),
        ] {
            assert!(
                f.contains(&format!("\r\n{line}\r\n")),
                "{line} missing in\n{f}"
            );
        }
        // The note's line break and backslash are escaped, and the video link is in it.
        let unfolded = f.replace("\r\n ", "");
        assert!(unfolded.contains(
            "DESCRIPTION:Linje 1\\nLinje 2 \\\\ slut\\n\\nVideo: https://video.kommune.dk/m/abc\r\n"
        ));
        // Every line is at most 75 octets, and every line ends in CRLF.
        for l in f.split("\r\n") {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
            assert!(!l.contains('\n') && !l.contains('\r'));
        }
    }

    #[test]
    fn folding_never_splits_a_character() {
        let a = Appointment {
            title: "æøå".repeat(40),
            ..appointment()
        };
        let f = ics(&a, 0);
        let summary: String = f
            .split("\r\n")
            .skip_while(|l| !l.starts_with("SUMMARY:"))
            .take_while(|l| l.starts_with("SUMMARY:") || l.starts_with(' '))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        assert_eq!(summary, format!("SUMMARY:{}", "æøå".repeat(40)));
    }

    #[test]
    fn a_cancelled_appointment_has_no_alarms() {
        let a = Appointment {
            cancelled: true,
            revision: 4,
            ..appointment()
        };
        let f = ics(&a, 0);
        assert!(f.contains("\r\nSTATUS:CANCELLED\r\n"));
        assert!(f.contains("\r\nSEQUENCE:4\r\n"));
        assert!(!f.contains("VALARM"));
    }
}
