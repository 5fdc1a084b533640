//! Patterns in a youth's answers and the rules that flag a change for the caseworker: pure
//! functions of the slots' outcomes, run on the caseworker's device (the server never sees a
//! value). Table-tested here; the engine feeds them and the UI puts them in words.

use std::collections::BTreeMap;

use super::clock;

const DAY_MS: i64 = 86_400_000;

/// One slot as it went: answered with a score (and tags), or missed. Open slots are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub slot_ms: i64,
    /// None when the slot was missed.
    pub score: Option<u8>,
    pub tags: Vec<String>,
}

/// The caseworker's thresholds for one youth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    /// Flag when the last 7 days' mean is this far below the 28 days before.
    pub drop: f64,
    /// Flag this many lowest answers (1) in a row.
    pub low_streak: u32,
    /// Flag this many missed slots in a row.
    pub missed_streak: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            drop: 1.0,
            low_streak: 3,
            missed_streak: 3,
        }
    }
}

/// A change worth a look, with the numbers that explain it.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// The mean of the last 7 days against the 28 days before them.
    Drop { recent: f64, before: f64 },
    /// The last `n` answers were all the lowest.
    LowStreak { n: u32 },
    /// The last `n` slots were all missed.
    MissedStreak { n: u32 },
}

/// Fewest answers in each period before a mean is compared: two answers are not a pattern.
const MIN_ANSWERS: usize = 3;

fn mean(xs: impl Iterator<Item = u8>) -> Option<(f64, usize)> {
    let (sum, n) = xs.fold((0u32, 0usize), |(s, n), x| (s + u32::from(x), n + 1));
    (n > 0).then(|| (f64::from(sum) / n as f64, n))
}

/// The rules that hold at `now` for marks in time order.
pub fn flags(marks: &[Mark], now: i64, rules: &Rules) -> Vec<Flag> {
    let mut out = Vec::new();
    let week = now - 7 * DAY_MS;
    let month = week - 28 * DAY_MS;
    let recent = mean(
        marks
            .iter()
            .filter(|m| m.slot_ms >= week && m.slot_ms < now)
            .filter_map(|m| m.score),
    );
    let before = mean(
        marks
            .iter()
            .filter(|m| m.slot_ms >= month && m.slot_ms < week)
            .filter_map(|m| m.score),
    );
    if let (Some((r, rn)), Some((b, bn))) = (recent, before)
        && rn >= MIN_ANSWERS
        && bn >= MIN_ANSWERS
        && b - r >= rules.drop - 1e-9
    {
        out.push(Flag::Drop {
            recent: r,
            before: b,
        });
    }
    let low = marks
        .iter()
        .rev()
        .filter_map(|m| m.score)
        .take_while(|&s| s == 1)
        .count() as u32;
    if rules.low_streak > 0 && low >= rules.low_streak {
        out.push(Flag::LowStreak { n: low });
    }
    let missed = marks.iter().rev().take_while(|m| m.score.is_none()).count() as u32;
    if rules.missed_streak > 0 && missed >= rules.missed_streak {
        out.push(Flag::MissedStreak { n: missed });
    }
    out
}

/// Summaries of the answers for the timeline's pattern panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns {
    /// Mean by weekday, Monday first; None for a weekday without answers.
    pub by_weekday: [Option<f64>; 7],
    /// Mean by local time of the slot ("08.00"), earliest first, with the number of answers.
    pub by_time: Vec<(u32, u32, f64, usize)>,
    /// Tags ticked with low answers (1 or 2): (tag, times with a low answer, times in all),
    /// most often low first.
    pub low_tags: Vec<(String, usize, usize)>,
}

pub fn patterns(marks: &[Mark]) -> Patterns {
    let mut days: [Vec<u8>; 7] = Default::default();
    let mut times: BTreeMap<(u32, u32), Vec<u8>> = BTreeMap::new();
    let mut tags: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for m in marks {
        let Some(score) = m.score else { continue };
        let l = clock::local(m.slot_ms);
        days[l.weekday].push(score);
        times.entry((l.hour, l.minute)).or_default().push(score);
        for t in &m.tags {
            let e = tags.entry(t.as_str()).or_default();
            e.1 += 1;
            if score <= 2 {
                e.0 += 1;
            }
        }
    }
    let mut low_tags: Vec<(String, usize, usize)> = tags
        .into_iter()
        .filter(|(_, (low, _))| *low > 0)
        .map(|(t, (low, all))| (t.to_owned(), low, all))
        .collect();
    low_tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Patterns {
        by_weekday: days.map(|v| mean(v.into_iter()).map(|(m, _)| m)),
        by_time: times
            .into_iter()
            .filter_map(|((h, mi), v)| mean(v.into_iter()).map(|(m, n)| (h, mi, m, n)))
            .collect(),
        low_tags,
    }
}

/// The rolling 7-day mean at the end of each Danish day from `from_ms` to `to_ms`: (start of
/// the day, mean of the answers in the 7 days ending with it). Days without a week of any
/// answers are None, so the line breaks rather than invents.
pub fn rolling_week(marks: &[Mark], from_ms: i64, to_ms: i64) -> Vec<(i64, Option<f64>)> {
    let mut out = Vec::new();
    let mut day = clock::local(from_ms).date;
    let last = clock::local(to_ms).date;
    // Marks are in time order: a sliding window over them keeps this linear.
    let (mut lo, mut hi, mut sum, mut n) = (0usize, 0usize, 0u32, 0u32);
    while day <= last {
        let start = clock::to_utc(day, 0, 0);
        let end = clock::to_utc(day.add_days(1), 0, 0);
        let begin = clock::to_utc(day.add_days(-6), 0, 0);
        while hi < marks.len() && marks[hi].slot_ms < end {
            if let Some(s) = marks[hi].score {
                sum += u32::from(s);
                n += 1;
            }
            hi += 1;
        }
        while lo < hi && marks[lo].slot_ms < begin {
            if let Some(s) = marks[lo].score {
                sum -= u32::from(s);
                n -= 1;
            }
            lo += 1;
        }
        out.push((start, (n > 0).then(|| f64::from(sum) / f64::from(n))));
        day = day.add_days(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkins::clock::{Date, to_utc};

    fn at(day: u32, hour: u32) -> i64 {
        to_utc(
            Date {
                year: 2026,
                month: 3,
                day,
            },
            hour,
            0,
        )
    }

    /// (day of March 2026, hour, score or None for missed).
    type Spec = Vec<(u32, u32, Option<u8>)>;

    fn marks(spec: &[(u32, u32, Option<u8>)]) -> Vec<Mark> {
        spec.iter()
            .map(|&(day, hour, score)| Mark {
                slot_ms: at(day, hour),
                score,
                tags: vec![],
            })
            .collect()
    }

    /// Each rule, just over and just under its threshold.
    #[test]
    fn flags_table() {
        let now = at(31, 12);
        let rules = Rules::default();
        // Four weeks at 4 and a last week at 3: a drop of exactly one point.
        let mut drop: Spec = (3..24).map(|d| (d, 8, Some(4))).collect();
        drop.extend((25..31).map(|d| (d, 8, Some(3))));
        // Same but only 0.5 lower.
        let mut slight: Spec = (3..24).map(|d| (d, 8, Some(4))).collect();
        slight.extend((25..31).flat_map(|d| [(d, 8, Some(3)), (d, 20, Some(4))]));
        let table: Vec<(&str, Spec, Rules, Vec<Flag>)> = vec![
            ("nothing", vec![], rules, vec![]),
            (
                "a drop of one point",
                drop.clone(),
                rules,
                vec![Flag::Drop {
                    recent: 3.0,
                    before: 4.0,
                }],
            ),
            ("half a point", slight, rules, vec![]),
            (
                "a drop, tuned to want 1.5",
                drop,
                Rules { drop: 1.5, ..rules },
                vec![],
            ),
            (
                "too few answers to compare",
                vec![
                    (10, 8, Some(5)),
                    (11, 8, Some(5)),
                    (12, 8, Some(5)),
                    (28, 8, Some(1)),
                ],
                rules,
                vec![],
            ),
            (
                "three lowest in a row, a miss between does not break it",
                vec![
                    (27, 8, Some(4)),
                    (28, 8, Some(1)),
                    (29, 8, None),
                    (29, 20, Some(1)),
                    (30, 8, Some(1)),
                ],
                rules,
                vec![Flag::LowStreak { n: 3 }],
            ),
            (
                "two lowest after a 2",
                vec![(28, 8, Some(2)), (29, 8, Some(1)), (30, 8, Some(1))],
                rules,
                vec![],
            ),
            (
                "three missed in a row",
                vec![
                    (29, 8, Some(3)),
                    (29, 20, None),
                    (30, 8, None),
                    (30, 20, None),
                ],
                rules,
                vec![Flag::MissedStreak { n: 3 }],
            ),
            (
                "missed streak turned off",
                vec![(29, 20, None), (30, 8, None), (30, 20, None)],
                Rules {
                    missed_streak: 0,
                    ..rules
                },
                vec![],
            ),
            (
                "an answer ends the missed streak",
                vec![(29, 20, None), (30, 8, None), (30, 20, Some(2))],
                rules,
                vec![],
            ),
        ];
        for (name, spec, rules, want) in table {
            assert_eq!(flags(&marks(&spec), now, &rules), want, "{name}");
        }
    }

    #[test]
    fn patterns_by_weekday_time_and_tags() {
        // 2 March 2026 was a Monday.
        let mut m = marks(&[
            (2, 8, Some(2)),
            (2, 20, Some(4)),
            (3, 8, Some(1)),
            (7, 11, Some(5)),
            (8, 11, None),
        ]);
        m[0].tags = vec!["skole".into()];
        m[2].tags = vec!["skole".into(), "søvn".into()];
        m[3].tags = vec!["venner".into(), "skole".into()];
        let p = patterns(&m);
        assert_eq!(
            p.by_weekday,
            [Some(3.0), Some(1.0), None, None, None, Some(5.0), None]
        );
        assert_eq!(
            p.by_time,
            vec![(8, 0, 1.5, 2), (11, 0, 5.0, 1), (20, 0, 4.0, 1)]
        );
        assert_eq!(
            p.low_tags,
            vec![("skole".to_owned(), 2, 3), ("søvn".to_owned(), 1, 1)]
        );
    }

    #[test]
    fn rolling_week_slides_and_breaks_on_empty_weeks() {
        let m = marks(&[
            (1, 8, Some(5)),
            (2, 8, Some(3)),
            (8, 8, Some(1)),
            (20, 8, Some(4)),
        ]);
        let got = rolling_week(&m, at(1, 0), at(20, 0));
        let by_day = |d: u32| got.iter().find(|(s, _)| *s == at(d, 0)).unwrap().1;
        assert_eq!(by_day(1), Some(5.0));
        assert_eq!(by_day(2), Some(4.0));
        assert_eq!(by_day(7), Some(4.0));
        // The 8th's window is 2nd-8th: 3 and 1.
        assert_eq!(by_day(8), Some(2.0));
        assert_eq!(by_day(14), Some(1.0));
        assert_eq!(by_day(15), None);
        assert_eq!(by_day(20), Some(4.0));
        assert_eq!(got.len(), 20);
    }
}
