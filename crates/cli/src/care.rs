//! The care tools on the command line: check-in plans, answers, the due cards, a youth's
//! timeline, events and flags. Times are Danish local time.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use samtale_client::Client;
use samtale_client::care::{AnswerInput, EventInput, FlagRules, PlanInput};
use samtale_client::checkins::clock::{self, Date};
use samtale_proto::care::{EventCategory, PlanStatus, SlotTime, Weekday};
use samtale_proto::{CareId, UserId};

use crate::print::Printer;
use crate::thread_id;

#[derive(Subcommand)]
pub enum CareCommand {
    /// Make a check-in plan in a youth's conversation, or change one (--plan).
    Plan {
        thread: String,
        /// `DAYS@HH:MM`, e.g. `mon-fri@08:00`, `sat,sun@11:00`, `all@20:00`; repeat for more.
        #[arg(long = "time", required = true)]
        times: Vec<String>,
        #[arg(long, default_value = "Hvordan har du det lige nu?")]
        question: String,
        /// Minutes after each time in which an answer is on time.
        #[arg(long, default_value_t = 180)]
        window: u16,
        /// A tag the youth may tick; repeat for more.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Offer a short note with each answer.
        #[arg(long)]
        note: bool,
        /// Change this plan instead of making a new one.
        #[arg(long)]
        plan: Option<String>,
    },
    /// Pause, resume (active) or stop a plan.
    PlanStatus {
        plan: String,
        /// `active`, `paused` or `stopped`.
        status: String,
    },
    /// The check-in plans this device knows.
    Plans {
        #[arg(long)]
        youth: Option<String>,
    },
    /// The check-ins you can answer now.
    Due,
    /// Answer the check-in of a plan that is open now: a smiley from 1 to 5.
    CheckIn {
        plan: String,
        score: u8,
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// A youth's check-ins with the events around them, patterns and flags.
    Timeline {
        youth: String,
        /// How many days back from now.
        #[arg(long, default_value_t = 14)]
        days: u32,
        /// The answers and missed slots as CSV instead.
        #[arg(long)]
        csv: bool,
    },
    /// Record an event on the timeline of the youth in a conversation (caseworkers).
    Event {
        thread: String,
        /// `school_change`, `decision`, `moved_out`, `absence` or `other`.
        #[arg(long)]
        category: String,
        /// When it happened: `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (Danish time).
        #[arg(long)]
        at: String,
        #[arg(long, default_value = "")]
        text: String,
        /// Show it to the youth too.
        #[arg(long)]
        shared: bool,
        /// Change this event instead of recording a new one.
        #[arg(long)]
        event: Option<String>,
        /// Remove the event given by --event.
        #[arg(long)]
        delete: bool,
    },
    /// The youths with plans and the flags that hold for them now.
    Flags,
    /// Tune one youth's flags: a drop of --drop points, --low lowest answers or --missed missed
    /// slots in a row (0 turns a streak off).
    FlagRules {
        youth: String,
        #[arg(long, default_value_t = 1.0)]
        drop: f64,
        #[arg(long, default_value_t = 3)]
        low: u32,
        #[arg(long, default_value_t = 3)]
        missed: u32,
    },
}

fn care_id(s: &str) -> Result<CareId> {
    CareId::parse(s.trim()).with_context(|| format!("{s:?} is not a plan or event id"))
}

fn user_id(s: &str) -> Result<UserId> {
    UserId::parse(s.trim()).with_context(|| format!("{s:?} is not a user id"))
}

fn status(s: &str) -> Result<PlanStatus> {
    Ok(match s {
        "active" => PlanStatus::Active,
        "paused" => PlanStatus::Paused,
        "stopped" => PlanStatus::Stopped,
        other => bail!("the status is active, paused or stopped, not {other:?}"),
    })
}

/// `mon-fri@08:00`, `sat,sun@11:00`, `all@20:00`.
pub fn slot_time(s: &str) -> Result<SlotTime> {
    let (days, time) = s
        .split_once('@')
        .with_context(|| format!("{s:?}: write a time as DAYS@HH:MM, e.g. mon-fri@08:00"))?;
    let (h, m) = time
        .split_once([':', '.'])
        .with_context(|| format!("{time:?} is not HH:MM"))?;
    let hour: u8 = h
        .parse()
        .with_context(|| format!("{time:?} is not HH:MM"))?;
    let minute: u8 = m
        .parse()
        .with_context(|| format!("{time:?} is not HH:MM"))?;
    let day = |d: &str| Weekday::parse(d).with_context(|| format!("{d:?} is not mon..sun"));
    let mut out = Vec::new();
    for part in days.split(',') {
        match part.split_once('-') {
            _ if part == "all" => out.extend(Weekday::ALL),
            Some((a, b)) => {
                let (a, b) = (day(a)?.index(), day(b)?.index());
                if a > b {
                    bail!("{part:?}: a range runs from an earlier day to a later one");
                }
                out.extend((a..=b).filter_map(Weekday::from_index));
            }
            None => out.push(day(part)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(SlotTime {
        days: out,
        hour,
        minute,
    })
}

/// `YYYY-MM-DD` (noon) or `YYYY-MM-DDTHH:MM`, Danish time, to ms.
pub fn local_moment(s: &str) -> Result<i64> {
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let p: Vec<&str> = date.split('-').collect();
    let [y, mo, d] = p.as_slice() else {
        bail!("{s:?}: write the date as YYYY-MM-DD");
    };
    let date = Date {
        year: y.parse().with_context(|| format!("{s:?}: bad year"))?,
        month: mo.parse().with_context(|| format!("{s:?}: bad month"))?,
        day: d.parse().with_context(|| format!("{s:?}: bad day"))?,
    };
    if !(1..=12).contains(&date.month) || date.day == 0 || date.add_days(0) != date {
        bail!("{s:?} is not a date");
    }
    let (hour, minute) = match time {
        Some(t) => {
            let (h, m) = t
                .split_once(':')
                .with_context(|| format!("{t:?} is not HH:MM"))?;
            (h.parse::<u32>()?, m.parse::<u32>()?)
        }
        None => (12, 0),
    };
    if hour > 23 || minute > 59 {
        bail!("{s:?}: not a time of day");
    }
    Ok(clock::to_utc(date, hour, minute))
}

pub async fn run(client: &Client, command: CareCommand, out: &Printer) -> Result<()> {
    match command {
        CareCommand::Plan {
            thread,
            times,
            question,
            window,
            tags,
            note,
            plan,
        } => {
            let times = times
                .iter()
                .map(|t| slot_time(t))
                .collect::<Result<Vec<_>>>()?;
            let input = PlanInput {
                plan: plan.as_deref().map(care_id).transpose()?,
                question,
                times,
                window_minutes: window,
                tags,
                note,
                status: PlanStatus::Active,
            };
            out.plan(&client.save_plan(&thread_id(&thread)?, input).await?)
        }
        CareCommand::PlanStatus { plan, status: s } => {
            let view = client
                .set_plan_status(&care_id(&plan)?, status(&s)?)
                .await?;
            out.plan(&view)
        }
        CareCommand::Plans { youth } => {
            let _ = client.sync().await;
            let youth = youth.as_deref().map(user_id).transpose()?;
            out.plans(&client.plans(youth.as_ref())?)
        }
        CareCommand::Due => {
            let _ = client.sync().await;
            out.due(&client.due_check_ins()?)
        }
        CareCommand::CheckIn {
            plan,
            score,
            tags,
            note,
        } => {
            let _ = client.sync().await;
            let answer = client
                .answer_check_in(AnswerInput {
                    plan: care_id(&plan)?,
                    score,
                    tags,
                    note,
                })
                .await?;
            out.answer(&answer)
        }
        CareCommand::Timeline { youth, days, csv } => {
            let _ = client.sync().await;
            let now = client.clock_ms();
            let from = now - i64::from(days.clamp(1, 3 * 365)) * 86_400_000;
            let view = client.timeline(&user_id(&youth)?, from, now + 1)?;
            if csv {
                print!("{}", samtale_client::checkins::csv(&view));
                return Ok(());
            }
            out.timeline(&view)
        }
        CareCommand::Event {
            thread,
            category,
            at,
            text,
            shared,
            event,
            delete,
        } => {
            let category = EventCategory::parse(&category).with_context(|| {
                format!(
                    "--category is school_change, decision, moved_out, absence or other, not {category:?}"
                )
            })?;
            if delete && event.is_none() {
                bail!("--delete removes the event given by --event");
            }
            let view = client
                .record_event(
                    &thread_id(&thread)?,
                    EventInput {
                        event: event.as_deref().map(care_id).transpose()?,
                        at_ms: local_moment(&at)?,
                        category,
                        text,
                        shared,
                        deleted: delete,
                    },
                )
                .await?;
            out.event_view(&view)
        }
        CareCommand::Flags => {
            let _ = client.sync().await;
            out.flags(&client.youth_flags()?)
        }
        CareCommand::FlagRules {
            youth,
            drop,
            low,
            missed,
        } => {
            client.set_flag_rules(
                &user_id(&youth)?,
                FlagRules {
                    drop,
                    low_streak: low,
                    missed_streak: missed,
                },
            )?;
            out.done("saved")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_times_and_moments() {
        let t = slot_time("mon-fri@08:00").unwrap();
        assert_eq!((t.days.len(), t.hour, t.minute), (5, 8, 0));
        let t = slot_time("sat,sun@11.30").unwrap();
        assert_eq!(t.days, vec![Weekday::Sat, Weekday::Sun]);
        assert_eq!(slot_time("all@20:00").unwrap().days.len(), 7);
        for bad in ["mon-fri", "fri-mon@08:00", "xyz@08:00", "mon@8"] {
            assert!(slot_time(bad).is_err(), "{bad}");
        }
        assert_eq!(
            local_moment("2026-03-29T11:00").unwrap(),
            clock::to_utc(
                Date {
                    year: 2026,
                    month: 3,
                    day: 29
                },
                11,
                0
            )
        );
        for bad in ["2026-02-30", "2026-13-01", "26-1", "2026-03-29T25:00"] {
            assert!(local_moment(bad).is_err(), "{bad}");
        }
    }
}
