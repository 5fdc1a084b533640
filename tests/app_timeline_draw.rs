//! The benchmark of drawing a youth's timeline in the real app (docs/benchmarks.md): two years
//! of twice-daily check-ins (about 1,400 answers, some skipped) and 24 events are lived on the
//! engine with shifted clocks, then Sara's app opens his timeline and switches between "2 uger"
//! and "2 år" twenty times. Each drawing is timed by the UI itself (`note_draw_time` in
//! src-ui/src/screens/timeline.rs): the data's request to its arrival (IPC, engine, JSON), and
//! from there to the laid-out frame that shows the chart, table and patterns. The numbers are
//! printed, not asserted (a benchmark, not a timed test); the test checks only that the chart
//! drew every point. Ignored by default: `crates/bench/run.sh ui-timeline` runs it.

use std::time::Duration;

use samtale_client::care::{AnswerInput, EventInput, PlanInput};
use samtale_proto::api::ThreadKind;
use samtale_proto::care::{EventCategory, PlanStatus, SlotTime, Weekday};
use samtale_tests::app::{app_binary, chart_points};
use samtale_tests::now_ms as real_now;
use samtale_tests::scene::Scene;
use samtale_tests::webdriver::{Driver, Session};

const T: Duration = Duration::from_secs(60);
const DAY: i64 = 86_400_000;
const DAYS: i64 = 730;
const ROUNDS: usize = 20;

fn daily(hour: u8) -> SlotTime {
    SlotTime {
        days: Weekday::ALL.to_vec(),
        hour,
        minute: 0,
    }
}

/// The p-th percentile (0-100) of sorted samples, nearest rank.
fn percentile(sorted: &[f64], p: usize) -> f64 {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// The panel's drawing count and the last drawing's (fetch, draw) times in ms.
async fn last_drawing(s: &Session) -> anyhow::Result<(u32, f64, f64)> {
    let v = s
        .script(
            "const p = document.querySelector('.timeline'); return p ? [p.dataset.draws || '0', p.dataset.fetchMs || '0', p.dataset.drawMs || '0'] : ['0', '0', '0'];",
            serde_json::json!([]),
        )
        .await?;
    let field = |i: usize| v[i].as_str().unwrap_or("0").to_owned();
    Ok((field(0).parse()?, field(1).parse()?, field(2).parse()?))
}

/// Taps `tab` and returns the (fetch, draw) times of the drawing it caused.
async fn redraw(s: &Session, tab: &str) -> anyhow::Result<(f64, f64)> {
    let (before, _, _) = last_drawing(s).await?;
    s.click(&s.wait(tab, T).await?).await?;
    let deadline = std::time::Instant::now() + T;
    loop {
        let (n, fetch, draw) = last_drawing(s).await?;
        if n > before {
            return Ok((fetch, draw));
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{tab} did not draw the timeline again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: crates/bench/run.sh ui-timeline"]
async fn two_years_of_check_ins_drawn_in_the_app() -> anyhow::Result<()> {
    let scene = Scene::start(&["roskilde"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let from = real_now() - DAYS * DAY;
    sara.set_clock_shift(from - DAY - real_now());
    let plan = sara
        .save_plan(
            &thread,
            PlanInput {
                plan: None,
                question: "Hvordan har du det lige nu?".into(),
                times: vec![daily(8), daily(20)],
                window_minutes: 180,
                tags: vec!["skole".into(), "hjemme".into(), "venner".into()],
                note: false,
                status: PlanStatus::Active,
            },
        )
        .await?;
    sara.set_clock_shift(0);
    mikkel.sync().await?;
    let started = std::time::Instant::now();
    // From the start of the two years (the plan is a day older), so the range holds them all.
    let (mut t, mut i, mut answered) = (from, 0u32, 0usize);
    loop {
        mikkel.set_clock_shift(t - real_now());
        let Some(next) = mikkel.plan(&plan.plan)?.next_slot_ms else {
            break;
        };
        if next + DAY / 24 > real_now() {
            break;
        }
        t = next;
        i += 1;
        if i.is_multiple_of(17) {
            continue; // missed
        }
        mikkel.set_clock_shift(next + 20 * 60_000 - real_now());
        mikkel
            .answer_check_in(AnswerInput {
                plan: plan.plan.clone(),
                score: 1 + ((i / 14 + i % 7) % 5) as u8,
                tags: vec![["skole", "hjemme", "venner"][(i % 3) as usize].to_owned()],
                note: None,
            })
            .await?;
        answered += 1;
    }
    mikkel.set_clock_shift(0);
    for e in 0..24i64 {
        sara.record_event(
            &thread,
            EventInput {
                event: None,
                at_ms: from + e * DAYS * DAY / 24 + DAY / 2,
                category: EventCategory::ALL[e as usize % 5],
                text: format!("Hændelse {e}"),
                shared: e % 2 == 0,
                deleted: false,
            },
        )
        .await?;
    }
    sara.sync().await?;
    eprintln!(
        "seeded {answered} answers and 24 events in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    drop(mikkel);
    drop(sara);

    let driver = Driver::start(&scene.app_env("sara")).await?;
    let laptop = Session::new(&driver, &app_binary()).await?;
    laptop.set_size(1280, 800).await?;
    laptop.click(&laptop.wait("#tab-cases", T).await?).await?;
    laptop
        .click(&laptop.wait(".case-timeline", T).await?)
        .await?;
    laptop.wait(".timeline[data-draws]", T).await?;
    let (mut fetch, mut draw, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=ROUNDS {
        let (f, d) = redraw(&laptop, "#range-2y").await?;
        let points = chart_points(&laptop).await?;
        anyhow::ensure!(
            points == answered as u64,
            "the chart drew {points} of {answered} points"
        );
        // The first drawing of two years also warms the webview's caches: not counted.
        if round > 0 {
            fetch.push(f);
            draw.push(d);
            total.push(f + d);
        }
        redraw(&laptop, "#range-2w").await?;
    }
    laptop.close().await?;
    for v in [&mut fetch, &mut draw, &mut total] {
        v.sort_by(f64::total_cmp);
    }
    let line = |name: &str, v: &[f64]| {
        format!(
            "{name} p50 {:.1} ms, p99 {:.1} ms",
            percentile(v, 50),
            percentile(v, 99)
        )
    };
    println!(
        "timeline drawn in the app: {answered} points, 24 events, {DAYS} days, {ROUNDS} drawings"
    );
    println!("  {}", line("request to data (IPC, engine, JSON):", &fetch));
    println!("  {}", line("data to laid-out frame (Leptos, SVG):", &draw));
    println!("  {}", line("total:", &total));
    println!(
        "RESULT {}",
        serde_json::json!({
            "bench": "ui-timeline",
            "points": answered,
            "fetch_p50_ms": percentile(&fetch, 50),
            "fetch_p99_ms": percentile(&fetch, 99),
            "draw_p50_ms": percentile(&draw, 50),
            "draw_p99_ms": percentile(&draw, 99),
            "total_p50_ms": percentile(&total, 50),
            "total_p99_ms": percentile(&total, 99),
        })
    );
    Ok(())
}
