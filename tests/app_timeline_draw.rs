//! The benchmark of drawing a youth's timeline in the real app (docs/benchmarks.md): two years
//! of twice-daily check-ins (about 1,400 answers, some skipped) and 24 events are lived on the
//! engine with shifted clocks, then Sara's app opens his timeline and switches between "2 uger"
//! and "2 år" twenty times. Each drawing is timed by the UI itself (`note_draw_time` in
//! src-ui/src/screens/timeline.rs): the data's request to its arrival (IPC, engine, JSON), and
//! from there to the laid-out frame that shows the chart, table and patterns, in parts; then
//! until the frame after it begins (its painting, plus up to one frame's wait). The numbers are
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

/// The parts of one drawing the UI notes on the panel (`note_draw_time`), in ms.
const PARTS: [&str; 7] = [
    "fetch", "decode", "draw", "build", "wait", "layout", "paint",
];

/// The panel's drawing count, the count its painting was noted for, and the last drawing's
/// times in the order of [`PARTS`].
async fn last_drawing(s: &Session) -> anyhow::Result<(u32, u32, [f64; 7])> {
    let v = s
        .script(
            "const p = document.querySelector('.timeline'); const d = p ? p.dataset : {}; \
             return [d.draws || '0', d.painted || '0', d.fetchMs || '0', d.decodeMs || '0', \
             d.drawMs || '0', d.buildMs || '0', d.waitMs || '0', d.layoutMs || '0', \
             d.paintMs || '0'];",
            serde_json::json!([]),
        )
        .await?;
    let field = |i: usize| v[i].as_str().unwrap_or("0").to_owned();
    let mut times = [0.0; 7];
    for (i, t) in times.iter_mut().enumerate() {
        *t = field(i + 2).parse()?;
    }
    Ok((field(0).parse()?, field(1).parse()?, times))
}

/// Taps `tab` and returns the times of the drawing it caused, once its painting is noted.
async fn redraw(s: &Session, tab: &str) -> anyhow::Result<[f64; 7]> {
    let (before, _, _) = last_drawing(s).await?;
    s.click(&s.wait(tab, T).await?).await?;
    let deadline = std::time::Instant::now() + T;
    loop {
        let (n, painted, times) = last_drawing(s).await?;
        if n > before && painted == n {
            return Ok(times);
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
    let mut parts: Vec<Vec<f64>> = vec![Vec::new(); PARTS.len()];
    let mut total = Vec::new();
    for round in 0..=ROUNDS {
        let times = redraw(&laptop, "#range-2y").await?;
        let points = chart_points(&laptop).await?;
        anyhow::ensure!(
            points == answered as u64,
            "the chart drew {points} of {answered} points"
        );
        // The first drawing of two years also warms the webview's caches: not counted.
        if round > 0 {
            for (v, t) in parts.iter_mut().zip(times) {
                v.push(t);
            }
            total.push(times[0] + times[2]);
        }
        redraw(&laptop, "#range-2w").await?;
    }
    laptop.close().await?;
    for v in parts.iter_mut().chain([&mut total]) {
        v.sort_by(f64::total_cmp);
    }
    let line = |name: &str, v: &[f64]| {
        format!(
            "{name} p50 {:.1} ms, p99 {:.1} ms",
            percentile(v, 50),
            percentile(v, 99)
        )
    };
    let labels = [
        "request to data (IPC, engine, JSON):",
        "  of which decoding in the wasm:",
        "data to laid-out frame (Leptos, SVG):",
        "  of which building the panel:",
        "  of which waiting for the frame:",
        "  of which style and layout:",
        "then to the next frame (painting, at most one frame's wait):",
    ];
    println!(
        "timeline drawn in the app: {answered} points, 24 events, {DAYS} days, {ROUNDS} drawings"
    );
    for (label, v) in labels.iter().zip(&parts) {
        println!("  {}", line(label, v));
    }
    println!("  {}", line("total (request to laid-out frame):", &total));
    let mut result = serde_json::json!({
        "bench": "ui-timeline",
        "points": answered,
        "total_p50_ms": percentile(&total, 50),
        "total_p99_ms": percentile(&total, 99),
    });
    for (name, v) in PARTS.iter().zip(&parts) {
        result[format!("{name}_p50_ms")] = percentile(v, 50).into();
        result[format!("{name}_p99_ms")] = percentile(v, 99).into();
    }
    println!("RESULT {result}");
    Ok(())
}
