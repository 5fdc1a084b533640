//! `samtale-load timeline`: what a caseworker's device spends on check-ins. Real client engines
//! and a real server: a caseworker and `--youths` youths, each with a plan asking at 08.00 and
//! 20.00 every day. The first youth answers every slot of `--days` days (about 1,460 answers in
//! two years, a few skipped) beside 24 recorded events; the others answer the last five weeks.
//! The engines' clocks are shifted to live those days (`Client::set_clock_shift`). Then, on the
//! caseworker's engine: the first youth's timeline over the whole period (the data the chart
//! draws, with patterns and flags) and the flags of every youth (the caseload). Build with
//! `--release`.

use std::time::Instant;

use anyhow::{Context, Result, ensure};
use samtale_client::Client;
use samtale_client::care::{AnswerInput, EventInput, PlanInput};
use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::care::{EventCategory, PlanStatus, SlotTime, Weekday};
use serde_json::json;

use crate::long_thread::timed;
use crate::population::Target;
use crate::stats::ms;

const DAY_MS: i64 = 86_400_000;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Days of answers for the first youth.
    #[arg(long, default_value_t = 730, value_parser = clap::value_parser!(u32).range(7..=1100))]
    pub days: u32,
    /// Youths on the caseload, each with a plan and five weeks of answers.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub youths: u32,
    /// Repetitions of each measurement.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,
}

fn plan_input() -> PlanInput {
    let daily = |hour| SlotTime {
        days: Weekday::ALL.to_vec(),
        hour,
        minute: 0,
    };
    PlanInput {
        plan: None,
        question: "Hvordan har du det lige nu?".into(),
        times: vec![daily(8), daily(20)],
        window_minutes: 180,
        tags: vec!["skole".into(), "hjemme".into(), "venner".into()],
        note: false,
        status: PlanStatus::Active,
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The youth answers every slot of his plan from `from` until now (skipping every 17th), at
/// 20 minutes past; returns how many he answered.
async fn answer_all(youth: &Client, plan: &samtale_proto::CareId, from: i64) -> Result<u32> {
    let mut t = from - DAY_MS;
    let mut answered = 0;
    let mut i = 0u32;
    loop {
        youth.set_clock_shift(t - now_ms());
        let next = youth
            .plan(plan)?
            .next_slot_ms
            .context("the plan has no next slot")?;
        if next + DAY_MS / 24 > now_ms() {
            break;
        }
        t = next;
        i += 1;
        if i.is_multiple_of(17) {
            continue;
        }
        youth.set_clock_shift(next + 20 * 60_000 - now_ms());
        // A slow wave with a weekly dip, so patterns and the rolling mean have shape.
        let score = 1 + ((i / 14 + i % 7) % 5) as u8;
        youth
            .answer_check_in(AnswerInput {
                plan: plan.clone(),
                score,
                tags: vec![["skole", "hjemme", "venner"][(i % 3) as usize].to_owned()],
                note: None,
            })
            .await?;
        answered += 1;
    }
    youth.set_clock_shift(0);
    Ok(answered)
}

pub async fn run(args: &Args) -> Result<serde_json::Value> {
    let password = std::env::var("SAMTALE_PASSWORD")
        .context("set SAMTALE_PASSWORD to the caseworker's password")?;
    let dir = std::env::temp_dir().join(format!("samtale-timeline-{}", std::process::id()));
    let result = measure(args, &password, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(args: &Args, password: &str, dir: &std::path::Path) -> Result<serde_json::Value> {
    let server = &args.target.server;
    let sara = Client::open(&dir.join("sara"), &samtale_client::new_db_key())?;
    sara.login(
        server,
        &args.target.tenant,
        &args.target.username,
        password,
        "bench",
    )
    .await
    .context("caseworker login")?;
    let started = Instant::now();
    let mut first = None;
    let mut answers = 0;
    for y in 0..args.youths {
        let days = if y == 0 { i64::from(args.days) } else { 35 };
        let name = format!("Ung {y}");
        let invitation = sara.invite(Role::Youth, &name, None, None).await?;
        let youth = Client::open(&dir.join(format!("y{y}")), &samtale_client::new_db_key())?;
        let me = youth
            .join(Some(server), &invitation.code, &name, "bench-telefon")
            .await
            .context("youth join")?;
        sara.sync().await?;
        let thread = sara
            .create_thread(ThreadKind::Youth, vec![me.user.clone()])
            .await?;
        let from = now_ms() - days * DAY_MS;
        sara.set_clock_shift(from - now_ms());
        let plan = sara.save_plan(&thread, plan_input()).await?;
        sara.set_clock_shift(0);
        youth.sync().await?;
        answers += answer_all(&youth, &plan.plan, from).await?;
        if y == 0 {
            for e in 0..24 {
                sara.record_event(
                    &thread,
                    EventInput {
                        event: None,
                        at_ms: from + i64::from(e) * days * DAY_MS / 24 + DAY_MS / 2,
                        category: EventCategory::ALL[e as usize % 5],
                        text: format!("Hændelse {e}"),
                        shared: e % 2 == 0,
                        deleted: false,
                    },
                )
                .await?;
            }
            first = Some(me.user.clone());
        }
        eprintln!(
            "  youth {} of {}: {answers} answers so far",
            y + 1,
            args.youths
        );
    }
    let seed_time = started.elapsed();
    sara.sync().await?;
    let first = first.context("no youth")?;
    let to = now_ms();
    let from = to - i64::from(args.days) * DAY_MS;
    let (timeline, view) = timed(args.repeat, || Ok(sara.timeline(&first, from, to)?))?;
    ensure!(
        view.points.len() > 1000 || args.days < 600,
        "only {} points in the timeline",
        view.points.len()
    );
    let view_json = serde_json::to_vec(&view)?.len();
    let (flags, list) = timed(args.repeat, || Ok(sara.youth_flags()?))?;
    ensure!(
        list.len() == args.youths as usize,
        "flags for {} youths",
        list.len()
    );
    println!(
        "check-ins: {} youths, {answers} answers seeded in {:.1}s",
        args.youths,
        seed_time.as_secs_f64()
    );
    println!(
        "  timeline of {} days ({} points, {} missed, {} events; {view_json} bytes as JSON)  {}",
        args.days,
        view.points.len(),
        view.missed.len(),
        view.events.len(),
        timeline.millis()
    );
    println!(
        "  flags of {} youths (the caseload)  {}",
        args.youths,
        flags.millis()
    );
    Ok(json!({
        "step": "timeline",
        "days": args.days,
        "youths": args.youths,
        "answers": answers,
        "points": view.points.len(),
        "missed": view.missed.len(),
        "events": view.events.len(),
        "view_json_bytes": view_json,
        "timeline_p50_ms": ms(timeline.p50),
        "timeline_p99_ms": ms(timeline.p99),
        "flags_p50_ms": ms(flags.p50),
        "flags_p99_ms": ms(flags.p99),
    }))
}
