//! A timeline's check-ins as CSV, for a spreadsheet or the case file: one row per slot that
//! closed or was answered, in Danish local time.

use samtale_ipc::care::TimelineView;

use super::clock;

fn local(ms: i64) -> String {
    let l = clock::local(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        l.date.year, l.date.month, l.date.day, l.hour, l.minute
    )
}

/// A field as CSV wants it: quoted when it holds a comma, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub fn csv(t: &TimelineView) -> String {
    let mut rows: Vec<(i64, String)> = t
        .points
        .iter()
        .map(|p| {
            let status = if p.late { "late" } else { "on_time" };
            let line = [
                local(p.slot_ms),
                local(p.answered_at_ms),
                p.score.to_string(),
                status.to_owned(),
                field(&p.tags.join(";")),
                field(p.note.as_deref().unwrap_or("")),
            ]
            .join(",");
            (p.slot_ms, line)
        })
        .collect();
    rows.extend(
        t.missed
            .iter()
            .map(|&m| (m, format!("{},,,missed,,", local(m)))),
    );
    rows.sort_by_key(|(at, _)| *at);
    let mut out = String::from("slot,answered,score,status,tags,note\n");
    for (_, line) in rows {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use samtale_ipc::care::{FlagRules, TimelinePoint};
    use samtale_ipc::views::MemberView;
    use samtale_proto::UserId;
    use samtale_proto::api::Role;

    use super::*;
    use crate::checkins::clock::{Date, to_utc};

    #[test]
    fn rows_in_time_order_with_quoting() {
        let at = |d, h| {
            to_utc(
                Date {
                    year: 2026,
                    month: 3,
                    day: d,
                },
                h,
                0,
            )
        };
        let t = TimelineView {
            youth: MemberView {
                user: UserId::from_parts(1, [1; 10]),
                display_name: "Mikkel".into(),
                role: Role::Youth,
            },
            from_ms: at(1, 0),
            to_ms: at(5, 0),
            now_ms: at(5, 0),
            points: vec![TimelinePoint {
                slot_ms: at(3, 8),
                answered_at_ms: at(3, 12),
                score: 2,
                tags: vec!["skole".into(), "søvn".into()],
                note: Some("træt, \"meget\"".into()),
                late: true,
            }],
            missed: vec![at(2, 20)],
            events: vec![],
            rolling: vec![],
            by_weekday: vec![],
            by_time: vec![],
            low_tags: vec![],
            flags: vec![],
            rules: FlagRules {
                drop: 1.0,
                low_streak: 3,
                missed_streak: 3,
            },
        };
        assert_eq!(
            csv(&t),
            "slot,answered,score,status,tags,note\n\
             2026-03-02 20:00,,,missed,,\n\
             2026-03-03 08:00,2026-03-03 12:00,2,late,skole;søvn,\"træt, \"\"meget\"\"\"\n"
        );
    }
}
