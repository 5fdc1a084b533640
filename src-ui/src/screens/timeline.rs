//! A youth's smiley timeline: his answers over 2 weeks, 3 months or a year, drawn as SVG with
//! the missed slots, the 7-day mean and the events on the same time axis, and the same answers
//! as a table for screen readers. Staff also see what deserves attention (in words), can tune
//! those rules, and record events; the youth sees his own history and the events shared with
//! him. The engine computes everything; this only draws.

use leptos::prelude::*;
use leptos::task::spawn_local;
use samtale_ipc::cards::commands::EXPORT_TIMELINE;
use samtale_ipc::care::commands::{
    FlagRulesArgs, RECORD_EVENT, RecordEventArgs, SET_FLAG_RULES, TIMELINE, TimelineArgs,
};
use samtale_ipc::care::{EventInput, EventSource, EventView, Flag, FlagRules, TimelineView};
use samtale_ipc::commands::Language;
use samtale_ipc::records::CheckInSpan;
use samtale_proto::care::EventCategory;
use samtale_proto::{ThreadId, UserId};

use super::checkin::{face, score_colour, score_text};
use super::home::js_now;
use super::record::{Picker, RecordDialog};
use crate::format;
use crate::i18n::{K, t};
use crate::state::{Ui, use_ui};

const DAY_MS: i64 = 86_400_000;

pub fn category_text(c: EventCategory) -> K {
    match c {
        EventCategory::SchoolChange => K::CatSchoolChange,
        EventCategory::Decision => K::CatDecision,
        EventCategory::MovedOut => K::CatMovedOut,
        EventCategory::Absence => K::CatAbsence,
        EventCategory::Other => K::CatOther,
    }
}

/// `x` with one decimal, "3,5" in Danish. Integer arithmetic only: float formatting would
/// add tens of KiB to the wasm.
pub fn one_decimal(lang: Language, x: f64) -> String {
    let tenths = (x * 10.0).round() as i64;
    let sep = if lang == Language::Da { ',' } else { '.' };
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{}{sep}{}", tenths.abs() / 10, tenths.abs() % 10)
}

/// "1,5" or "1.5" as tenths (15); None for anything else.
fn parse_tenths(s: &str) -> Option<u32> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, "0"));
    let frac = frac.chars().next().unwrap_or('0').to_digit(10)?;
    Some(whole.parse::<u32>().ok()? * 10 + frac)
}

/// A flag in words, with its numbers.
pub fn flag_text(lang: Language, f: &Flag) -> String {
    let one = |x: f64| one_decimal(lang, x);
    match (f, lang) {
        (Flag::Drop { recent, before }, Language::Da) => format!(
            "Gennemsnittet de sidste 7 dage ({}) er {} point lavere end de 28 dage før ({}).",
            one(*recent),
            one(before - recent),
            one(*before)
        ),
        (Flag::Drop { recent, before }, Language::En) => format!(
            "The mean of the last 7 days ({}) is {} points below the 28 days before ({}).",
            one(*recent),
            one(before - recent),
            one(*before)
        ),
        (Flag::LowStreak { n }, Language::Da) => {
            format!("De sidste {n} svar var den laveste smiley.")
        }
        (Flag::LowStreak { n }, Language::En) => {
            format!("The last {n} answers were the lowest smiley.")
        }
        (Flag::MissedStreak { n }, Language::Da) => {
            format!("De sidste {n} smileys er ikke besvaret.")
        }
        (Flag::MissedStreak { n }, Language::En) => {
            format!("The last {n} smileys were not answered.")
        }
    }
}

#[component]
pub fn TimelinePanel(
    youth: UserId,
    /// The youth's own conversation, where staff record events; None for the youth himself.
    thread: Option<ThreadId>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let ui = use_ui();
    let days = RwSignal::new(14i64);
    let view: RwSignal<Option<TimelineView>> = RwSignal::new(None);
    let reload = RwSignal::new(0u32);
    let y = youth.clone();
    Effect::new(move |_| {
        ui.changes.track();
        reload.track();
        let now = js_now();
        let args = TimelineArgs {
            youth: y.clone(),
            from_ms: now - days.get() * DAY_MS,
            to_ms: now + 1,
        };
        spawn_local(async move {
            let asked = crate::page_ms();
            if let Ok(v) = crate::invoke::invoke::<_, TimelineView>(TIMELINE, &args).await {
                let fetched = crate::page_ms();
                let decode = crate::invoke::last_decode_ms();
                view.try_set(Some(v));
                // Queued behind the panel's rebuild, which setting the signal has just queued.
                spawn_local(async move {
                    let built = crate::page_ms();
                    request_animation_frame(move || {
                        let frame = crate::page_ms();
                        // Where the chart scrolls sideways (a phone), show the newest end.
                        if let Ok(Some(chart)) =
                            document().query_selector(".timeline .chart-scroll")
                        {
                            chart.set_scroll_left(chart.scroll_width());
                        }
                        note_draw_time(&DrawTimes {
                            asked,
                            fetched,
                            decode,
                            built,
                            frame,
                        });
                    });
                });
            }
        });
    });
    let close: NodeRef<leptos::html::Button> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(b) = close.get() {
            let _ = b.focus();
        }
    });
    // The flags and their rules hold now, whatever the range: a new range leaves them (and a
    // rules form being edited) as they are, and the drawing has less to rebuild.
    let flags_now =
        Memo::new(move |_| view.with(|v| v.as_ref().map(|v| (v.flags.clone(), v.rules))));
    let staff = ui.is_staff();
    let title = move || {
        view.with(|v| {
            v.as_ref()
                .map(|v| {
                    if staff {
                        format!("{}: {}", ui.tr(K::Timeline), v.youth.display_name)
                    } else {
                        ui.tr(K::MySmileys).to_owned()
                    }
                })
                .unwrap_or_else(|| ui.tr(K::Timeline).to_owned())
        })
    };
    // The series shown, as CSV in Downloads (for a spreadsheet or the case file).
    let saved: RwSignal<Option<String>> = RwSignal::new(None);
    let export_youth = youth.clone();
    let export = move |_| {
        let now = js_now();
        let args = TimelineArgs {
            youth: export_youth.clone(),
            from_ms: now - days.get_untracked() * DAY_MS,
            to_ms: now + 1,
        };
        spawn_local(async move {
            saved.set(Some(
                match crate::invoke::invoke::<_, String>(EXPORT_TIMELINE, &args).await {
                    Ok(path) => format!("{} {path}", ui.tr(K::SavedIn)),
                    Err(e) => ui.error(&e),
                },
            ));
        });
    };
    // "Journalisér perioden": the period shown goes into the case file (staff, in the youth's
    // conversation).
    let recording = RwSignal::new(false);
    let record_span: RwSignal<Option<CheckInSpan>> = RwSignal::new(None);
    let record_thread = thread.clone().filter(|_| staff);
    let can_record = record_thread.is_some();
    let record_period = move |_| {
        let now = js_now();
        record_span.set(Some(CheckInSpan {
            from_ms: now - days.get_untracked() * DAY_MS,
            to_ms: now + 1,
        }));
        recording.set(true);
    };
    let range = move |n: i64, key: K, id: &'static str| {
        view! { <button role="tab" id=id aria-selected=move || (days.get() == n).to_string() on:click=move |_| days.set(n)>{ui.text(key)}</button> }
    };
    view! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="timeline-title"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
            <section class="settings timeline">
                <header>
                    <h2 id="timeline-title">{title}</h2>
                    <button id="close-timeline" class="ghost" node_ref=close on:click=move |_| open.set(false)>{ui.text(K::Close)}</button>
                </header>
                <div class="tabs" role="tablist">
                    {range(14, K::Range2w, "range-2w")}
                    {range(91, K::Range3m, "range-3m")}
                    {range(365, K::Range1y, "range-1y")}
                    {range(730, K::Range2y, "range-2y")}
                </div>
                <div class="card-actions">
                    <button id="export-csv" type="button" class="ghost" on:click=export>{ui.text(K::ExportCsv)}</button>
                    <Show when=move || can_record>
                        <button id="record-period" type="button" class="ghost" on:click=record_period>{ui.text(K::RecordPeriod)}</button>
                    </Show>
                    <span class="saved" role="status">{move || saved.get()}</span>
                </div>
                {move || flags_now.get().filter(|_| staff).map(|(flags, _)| view! { <Flags flags=flags /> })}
                {move || view.with(|v| v.as_ref().map(|v| view! {
                    {chart(ui, v)}
                    {table(ui, v)}
                    {patterns(ui, v)}
                    {events_list(ui, &v.events, staff)}
                }))}
                {move || flags_now.get().filter(|_| staff).map(|(_, rules)| view! {
                    <RulesForm youth=youth.clone() rules=rules reload=reload />
                })}
                {move || thread.clone().filter(|_| staff).map(|t| view! { <EventForm thread=t /> })}
            </section>
        </div>
        {move || {
            let span = record_span.get().filter(|_| recording.get())?;
            let thread = record_thread.clone()?;
            Some(view! { <RecordDialog thread=thread picker=Picker::new() open=recording span=span /> })
        }}
    }
}

/// Moments of one drawing, from `crate::page_ms`.
struct DrawTimes {
    /// The request went to the shell.
    asked: f64,
    /// Its answer was decoded in the wasm (which took `decode` ms of the request).
    fetched: f64,
    decode: f64,
    /// The panel was rebuilt (Leptos made and placed its nodes).
    built: f64,
    /// The next frame began.
    frame: f64,
}

/// Notes on the panel how long the last drawing took, for the benchmark of docs/benchmarks.md
/// (`tests/app_timeline_draw.rs` reads it): `data-fetch-ms` from the request to the data's
/// arrival (IPC, engine, JSON; `data-decode-ms` of it in the wasm), `data-draw-ms` from there to
/// the laid-out frame that shows it (reading `clientHeight` forces the layout), split into
/// `data-build-ms` (Leptos), `data-wait-ms` (until the frame) and `data-layout-ms` (the
/// webview's style and layout); `data-draws` counts the drawings, and `data-paint-ms` follows
/// (with `data-painted`, the drawing it belongs to).
fn note_draw_time(t: &DrawTimes) {
    let Ok(Some(panel)) = document().query_selector(".timeline") else {
        return;
    };
    let _ = panel.client_height();
    let drawn = crate::page_ms();
    let draws = panel
        .get_attribute("data-draws")
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    // Whole tenths of a ms, written with integers (float formatting is kept out of the UI).
    let tenths = |ms: f64| {
        let t = (ms * 10.0).round() as i64;
        format!("{}.{}", t / 10, t % 10)
    };
    for (name, ms) in [
        ("data-fetch-ms", t.fetched - t.asked),
        ("data-decode-ms", t.decode),
        ("data-draw-ms", drawn - t.fetched),
        ("data-build-ms", t.built - t.fetched),
        ("data-wait-ms", t.frame - t.built),
        ("data-layout-ms", drawn - t.frame),
    ] {
        let _ = panel.set_attribute(name, &tenths(ms));
    }
    let _ = panel.set_attribute("data-draws", &(draws + 1).to_string());
    // The frame after this one begins once this one is painted: `data-paint-ms` bounds the
    // webview's painting from above (it adds up to one frame's wait).
    request_animation_frame(move || {
        let next = crate::page_ms();
        if let Ok(Some(panel)) = document().query_selector(".timeline") {
            let _ = panel.set_attribute("data-paint-ms", &tenths(next - drawn));
            let _ = panel.set_attribute("data-painted", &(draws + 1).to_string());
        }
    });
}

#[component]
fn Flags(flags: Vec<Flag>) -> impl IntoView {
    let ui = use_ui();
    let lang = ui.lang.get_untracked();
    view! {
        <section class="flags" aria-labelledby="flags-title">
            <h3 id="flags-title">{ui.text(K::Flags)}</h3>
            {if flags.is_empty() {
                view! { <p class="hint" id="no-flags">{ui.tr(K::FlagsNone)}</p> }.into_any()
            } else {
                view! { <ul id="flag-list">{flags.iter().map(|f| view! { <li class="flag">{flag_text(lang, f)}</li> }).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}

/// Chart geometry, in the SVG's own units.
const W: f64 = 720.0;
const H: f64 = 264.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 54.0;
const BOTTOM: f64 = 40.0;

/// Lines above the plot for the labels of events.
const LABEL_ROWS: usize = 3;

/// Where a label's text lies along the x axis (an estimate: 6.5 units a character at the
/// labels' 11 px).
fn label_extent(lx: i64, anchor: &str, label: &str) -> (i64, i64) {
    let width = (label.chars().count() as f64 * 6.5).ceil() as i64;
    if anchor == "end" {
        (lx - width, lx)
    } else {
        (lx, lx + width)
    }
}

/// The line for each label (in the order given): the first of `rows` where it begins after
/// the last label on that line ends (with a little room); when none is free, the line whose
/// last label ends first.
fn label_rows(extents: &[(i64, i64)], rows: usize) -> Vec<usize> {
    const GAP: i64 = 4;
    let mut ends: Vec<Option<(i64, i64)>> = vec![None; rows.max(1)];
    extents
        .iter()
        .map(|&(start, end)| {
            let free = ends
                .iter()
                .position(|last| last.is_none_or(|(s, e)| start >= e + GAP || end + GAP <= s));
            let row = free.unwrap_or_else(|| {
                (0..ends.len())
                    .min_by_key(|&r| ends[r].map_or(i64::MIN, |(_, e)| e))
                    .unwrap_or(0)
            });
            ends[row] = Some((start, end));
            row
        })
        .collect()
}

fn chart(ui: Ui, v: &TimelineView) -> impl IntoView + use<> {
    let lang = ui.lang.get_untracked();
    let span = (v.to_ms - v.from_ms).max(1) as f64;
    let from = v.from_ms;
    // Whole units: an SVG attribute from an f64 would pull float formatting into the wasm.
    let x = move |ms: i64| (LEFT + (ms - from) as f64 / span * (W - LEFT - RIGHT)).round() as i64;
    let plot_bottom = (H - BOTTOM) as i64;
    let y = move |score: f64| (TOP + (5.0 - score) / 4.0 * (H - BOTTOM - TOP)).round() as i64;
    let (left, right, top) = (LEFT as i64, (W - RIGHT) as i64, TOP as i64);
    let grid = (1..=5u8)
        .map(|s| {
            let yy = y(f64::from(s));
            view! {
                <line x1=left x2=right y1=yy y2=yy stroke="#dfe4ea" />
                <text x=left - 8 y=yy + 4 text-anchor="end" class="axis">{s}</text>
            }
        })
        .collect_view();
    // Ticks: every day over two weeks, Mondays over three months, the 1st over a year.
    let days = (v.to_ms - v.from_ms) / DAY_MS;
    let first = format::local(v.from_ms);
    let mut tick =
        v.from_ms - (i64::from(first.hour) * 60 + i64::from(first.minute)) * 60_000 + DAY_MS;
    let mut ticks = Vec::new();
    while tick < v.to_ms {
        let l = format::local(tick);
        let show = match days {
            0..=21 => true,
            22..=120 => l.weekday == 1,
            _ => l.day == 1,
        };
        if show {
            ticks.push((x(tick), format::date(lang, &l)));
        }
        tick += DAY_MS;
    }
    let every = if ticks.len() > 8 { 2 } else { 1 };
    // One path for all tick marks; labels only where they fit.
    let tick_marks: String = ticks
        .iter()
        .map(|(xx, _)| format!("M{xx} {plot_bottom}v4"))
        .collect();
    let labels = ticks
        .into_iter()
        .step_by(every)
        .map(|(xx, label)| {
            view! { <text x=xx y=plot_bottom + 26 text-anchor="middle" class="axis">{label}</text> }
        })
        .collect_view();
    let ticks = view! { <path d=tick_marks stroke="#7a8594" />{labels} };
    // Each label where it does not run into another: near the right edge it reads leftwards,
    // so it stays inside; labels of events close together go on the first of three lines
    // where they fit.
    let placed: Vec<(i64, i64, &'static str, &'static str)> = v
        .events
        .iter()
        .map(|e| {
            let xx = x(e.at_ms);
            let label = event_label(lang, e);
            let (lx, anchor) = if xx > right - 90 {
                (xx - 3, "end")
            } else {
                (xx + 3, "start")
            };
            (xx, lx, anchor, label)
        })
        .collect();
    let extents: Vec<(i64, i64)> = placed
        .iter()
        .map(|(_, lx, anchor, label)| label_extent(*lx, anchor, label))
        .collect();
    let rows = label_rows(&extents, LABEL_ROWS);
    let events = v
        .events
        .iter()
        .zip(placed)
        .zip(rows)
        .map(|((e, (xx, lx, anchor, label)), row)| {
            let ly = top - 34 + 14 * row as i64;
            view! {
                <g class="event" class:shared=e.shared data-source=source_name(e.source)>
                    <line x1=xx x2=xx y1=ly + 2 y2=plot_bottom stroke="#5b6b7f" stroke-dasharray="4 3" />
                    <text x=lx y=ly text-anchor=anchor class="event-label">{label}</text>
                </g>
            }
        })
        .collect_view();
    // The 7-day mean as a line that breaks where a week had no answers.
    let mut segments: Vec<Vec<(i64, i64)>> = vec![Vec::new()];
    for d in &v.rolling {
        match d.mean {
            Some(m) => segments
                .last_mut()
                .map(|s| s.push((x(d.day_ms + DAY_MS / 2), y(m))))
                .unwrap_or_default(),
            None => segments.push(Vec::new()),
        }
    }
    let lines = segments
        .into_iter()
        .filter(|s| s.len() > 1)
        .map(|s| {
            let points: Vec<String> = s
                .iter()
                .map(|(a, b)| format!("{a},{b}"))
                .collect();
            view! { <polyline class="week" points=points.join(" ") fill="none" stroke="#1f5faf" stroke-width="2" /> }
        })
        .collect_view();
    // A few paths rather than an element per slot: two years are ~1,500 points, and an
    // element each made the drawing ~20x slower than the goal (docs/benchmarks.md).
    let missed_marks: String = v
        .missed
        .iter()
        .map(|&m| format!("M{} {}v7", x(m), plot_bottom + 6))
        .collect();
    let missed = (!v.missed.is_empty()).then(|| {
        view! { <path class="missed" d=missed_marks data-n=v.missed.len() stroke="#6b7685" stroke-width="2" /> }
    });
    // Answers grouped by (score, late), each group drawn as dots: a zero-length line with round
    // ends is a dot, cheaper for the webview to paint than a circle of two arcs (two years of
    // answers: docs/benchmarks.md). A darker, wider dot under each makes the outline.
    let mut groups: Vec<(u8, bool, String, usize)> = Vec::new();
    for p in &v.points {
        let at = format!("M{} {}h0", x(p.slot_ms), y(f64::from(p.score)));
        match groups.iter_mut().find(|g| g.0 == p.score && g.1 == p.late) {
            Some(g) => {
                g.2.push_str(&at);
                g.3 += 1;
            }
            None => groups.push((p.score, p.late, at, 1)),
        }
    }
    let points = groups
        .into_iter()
        .map(|(score, late, d, n)| {
            let fill = if late { "#ffffff" } else { score_colour(score) };
            view! {
                <path class="outline" d=d.clone() stroke="#1b1f24" stroke-width="10.2" stroke-linecap="round" />
                <path class="points" class:late=late d=d stroke=fill stroke-width="7.8" stroke-linecap="round" data-score=score data-n=n />
            }
        })
        .collect_view();
    let mean = {
        let n = v.points.len();
        (n > 0).then(|| v.points.iter().map(|p| f64::from(p.score)).sum::<f64>() / n as f64)
    };
    let summary = format!(
        "{} {}, {} {}{}",
        v.points.len(),
        t(lang, K::Answers),
        v.missed.len(),
        t(lang, K::Missed),
        mean.map(|m| format!(", {} {}", t(lang, K::Mean), one_decimal(lang, m)))
            .unwrap_or_default()
    );
    let empty = v.points.is_empty();
    view! {
        <figure class="chart">
            // Focusable: on a phone the chart scrolls sideways, also by keyboard.
            <div class="chart-scroll" tabindex="0" aria-labelledby="chart-summary">
                <svg id="timeline-chart" viewBox=format!("0 0 {} {}", W as i64, H as i64) role="img" aria-labelledby="chart-summary">
                    {grid}{ticks}{events}{lines}{missed}{points}
                </svg>
            </div>
            <figcaption id="chart-summary">{summary}</figcaption>
            <Show when=move || empty>
                <p class="hint">{t(lang, K::TimelineEmpty)}</p>
            </Show>
            <ul class="legend" aria-hidden="true">
                <li><svg width="12" height="12"><circle cx="6" cy="6" r="4.5" fill="#8cc152" stroke="#1b1f24" /></svg>{t(lang, K::LegendAnswer)}</li>
                <li><svg width="12" height="12"><circle cx="6" cy="6" r="4.5" fill="#fff" stroke="#1b1f24" /></svg>{t(lang, K::LegendLate)}</li>
                <li><svg width="12" height="12"><line x1="6" x2="6" y1="1" y2="11" stroke="#6b7685" stroke-width="2" /></svg>{t(lang, K::LegendMissed)}</li>
                <li><svg width="18" height="12"><line x1="0" x2="18" y1="6" y2="6" stroke="#1f5faf" stroke-width="2" /></svg>{t(lang, K::LegendWeek)}</li>
                <li><svg width="12" height="12"><line x1="6" x2="6" y1="0" y2="12" stroke="#5b6b7f" stroke-dasharray="3 2" /></svg>{t(lang, K::LegendEvent)}</li>
            </ul>
        </figure>
    }
}

/// The answers as a table, for screen readers and for reading exact values. Its rows are
/// made when it is opened: two years are ~1,500 rows, too many to build on every drawing.
fn table(ui: Ui, v: &TimelineView) -> impl IntoView + use<> {
    let lang = ui.lang.get_untracked();
    let open = RwSignal::new(false);
    let points = v.points.clone();
    let rows = move || {
        open.get().then(|| {
            points
                .iter()
                .rev()
                .map(|p| {
                    let when = format::moment(lang, &format::local(p.slot_ms));
                    let late = if p.late { t(lang, K::Yes) } else { "" };
                    view! {
                        <tr>
                            <td>{when}</td>
                            <td class="score">{face(p.score, 18)}" "{p.score}" "{t(lang, score_text(p.score))}</td>
                            <td>{p.tags.join(", ")}</td>
                            <td>{p.note.clone().unwrap_or_default()}</td>
                            <td>{late}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <details class="answers" on:toggle=move |ev| {
            open.set(event_target::<web_sys::Element>(&ev).has_attribute("open"));
        }>
            <summary>{t(lang, K::ShowTable)}</summary>
            <table id="answers-table">
                <thead><tr>
                    <th scope="col">{t(lang, K::ColWhen)}</th>
                    <th scope="col">{t(lang, K::ColScore)}</th>
                    <th scope="col">{t(lang, K::ColTags)}</th>
                    <th scope="col">{t(lang, K::ColNote)}</th>
                    <th scope="col">{t(lang, K::ColLate)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}

fn patterns(ui: Ui, v: &TimelineView) -> impl IntoView + use<> {
    let lang = ui.lang.get_untracked();
    let one = |x: f64| one_decimal(lang, x);
    let days = [K::Mon, K::Tue, K::Wed, K::Thu, K::Fri, K::Sat, K::Sun];
    let weekday = v
        .by_weekday
        .iter()
        .zip(days)
        .map(|(m, d)| view! { <tr><th scope="row">{t(lang, d)}</th><td>{m.map(one).unwrap_or_else(|| "–".into())}</td></tr> })
        .collect_view();
    let times = v
        .by_time
        .iter()
        .map(|m| {
            let label = format::time(
                lang,
                &format::Local {
                    year: 0,
                    month: 0,
                    day: 0,
                    weekday: 0,
                    hour: m.hour,
                    minute: m.minute,
                },
            );
            view! { <tr><th scope="row">{label}</th><td>{one(m.mean)}" ("{m.answers}")"</td></tr> }
        })
        .collect_view();
    let tags = v
        .low_tags
        .iter()
        .map(|c| view! { <li>{c.tag.clone()}": "{c.low}" / "{c.all}</li> })
        .collect_view();
    let no_tags = v.low_tags.is_empty();
    view! {
        <section class="patterns" aria-labelledby="patterns-title">
            <h3 id="patterns-title">{t(lang, K::Patterns)}</h3>
            <div class="pattern-grid">
                <table><caption>{t(lang, K::ByWeekday)}</caption><tbody>{weekday}</tbody></table>
                <table><caption>{t(lang, K::ByTime)}</caption><tbody>{times}</tbody></table>
                <div>
                    <p class="caption">{t(lang, K::LowTags)}</p>
                    <Show when=move || no_tags><p class="hint">"–"</p></Show>
                    <ul>{tags}</ul>
                </div>
            </div>
        </section>
    }
}

/// What kind of event, in words: the category of a recorded one, else where it came from.
fn event_label(lang: Language, e: &EventView) -> &'static str {
    match e.source {
        EventSource::Recorded => t(lang, category_text(e.category)),
        EventSource::Appointment => t(lang, K::Appointment),
        EventSource::Feedback => t(lang, K::FeedbackEvent),
    }
}

fn source_name(s: EventSource) -> &'static str {
    match s {
        EventSource::Recorded => "recorded",
        EventSource::Appointment => "appointment",
        EventSource::Feedback => "feedback",
    }
}

fn events_list(ui: Ui, events: &[EventView], staff: bool) -> impl IntoView + use<> {
    let lang = ui.lang.get_untracked();
    let items = events
        .iter()
        .rev()
        .map(|e| {
            let when = format::date(lang, &format::local(e.at_ms));
            let who = e.author.display_name.clone();
            let staff_only = (!e.shared).then(|| format!(" ({})", t(lang, K::OnlyStaffSee)));
            // Removing is a new revision marked deleted, sealed like the event itself.
            let remove = {
                let e = e.clone();
                move |_| {
                    let args = RecordEventArgs {
                        thread: e.thread.clone(),
                        input: EventInput {
                            event: Some(e.id.clone()),
                            at_ms: e.at_ms,
                            category: e.category,
                            text: e.text.clone(),
                            shared: e.shared,
                            deleted: true,
                        },
                    };
                    spawn_local(async move {
                        let _ = crate::invoke::invoke::<_, EventView>(RECORD_EVENT, &args).await;
                    });
                }
            };
            // Appointments and answers are changed on their cards, not here.
            let removable = staff && e.source == EventSource::Recorded;
            view! {
                <li class="event-item">
                    <strong>{when}" · "{event_label(lang, e)}</strong>" "{e.text.clone()}
                    <span class="hint">" – "{who}{staff_only}</span>
                    <Show when=move || removable>
                        <button class="ghost remove-event" on:click=remove.clone()>{t(lang, K::EventRemove)}</button>
                    </Show>
                </li>
            }
        })
        .collect_view();
    let none = events.is_empty();
    view! {
        <section class="events" aria-labelledby="events-title">
            <h3 id="events-title">{t(lang, K::Events)}</h3>
            <Show when=move || none><p class="hint">"–"</p></Show>
            <ul id="event-list">{items}</ul>
        </section>
    }
}

#[component]
fn RulesForm(youth: UserId, rules: FlagRules, reload: RwSignal<u32>) -> impl IntoView {
    let ui = use_ui();
    let drop = RwSignal::new(one_decimal(ui.lang.get_untracked(), rules.drop));
    let low = RwSignal::new(rules.low_streak.to_string());
    let missed = RwSignal::new(rules.missed_streak.to_string());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = (
            parse_tenths(&drop.get_untracked()),
            low.get_untracked().trim().parse::<u32>(),
            missed.get_untracked().trim().parse::<u32>(),
        );
        let (Some(d), Ok(l), Ok(m)) = parsed else {
            error.set(Some(ui.tr(K::ErrInvalidInput).to_owned()));
            return;
        };
        let args = FlagRulesArgs {
            youth: youth.clone(),
            rules: FlagRules {
                drop: f64::from(d) / 10.0,
                low_streak: l,
                missed_streak: m,
            },
        };
        spawn_local(async move {
            match crate::invoke::invoke::<_, ()>(SET_FLAG_RULES, &args).await {
                Ok(()) => {
                    error.try_set(None);
                    reload.try_update(|n| *n += 1);
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
        });
    };
    view! {
        <details class="rules">
            <summary>{ui.text(K::FlagRules)}</summary>
            <form on:submit=save>
                <label for="rule-drop">{ui.text(K::FlagDropLabel)}</label>
                <input id="rule-drop" inputmode="decimal" prop:value=move || drop.get() on:input=move |ev| drop.set(event_target_value(&ev)) />
                <label for="rule-low">{ui.text(K::FlagLowLabel)}</label>
                <input id="rule-low" inputmode="numeric" prop:value=move || low.get() on:input=move |ev| low.set(event_target_value(&ev)) />
                <label for="rule-missed">{ui.text(K::FlagMissedLabel)}</label>
                <input id="rule-missed" inputmode="numeric" prop:value=move || missed.get() on:input=move |ev| missed.set(event_target_value(&ev)) />
                <button type="submit" class="primary">{ui.text(K::SaveRules)}</button>
                <p class="error" role="alert">{move || error.get()}</p>
            </form>
        </details>
    }
}

#[component]
fn EventForm(thread: ThreadId) -> impl IntoView {
    let ui = use_ui();
    let category = RwSignal::new(EventCategory::SchoolChange);
    let today = format::local(js_now());
    let date = RwSignal::new(format!(
        "{:04}-{:02}-{:02}",
        today.year,
        today.month + 1,
        today.day
    ));
    let text = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(at_ms) = noon_of(&date.get_untracked()) else {
            error.set(Some(ui.tr(K::ErrInvalidInput).to_owned()));
            return;
        };
        busy.set(true);
        let args = RecordEventArgs {
            thread: thread.clone(),
            input: EventInput {
                event: None,
                at_ms,
                category: category.get_untracked(),
                text: text.get_untracked(),
                shared: shared.get_untracked(),
                deleted: false,
            },
        };
        spawn_local(async move {
            match crate::invoke::invoke::<_, EventView>(RECORD_EVENT, &args).await {
                Ok(_) => {
                    text.try_set(String::new());
                    error.try_set(None);
                }
                Err(e) => {
                    error.try_set(Some(ui.error(&e)));
                }
            }
            busy.try_set(false);
        });
    };
    view! {
        <details class="event-form">
            <summary>{ui.text(K::EventAdd)}</summary>
            <form on:submit=save>
                <label for="event-category">{ui.text(K::EventCategory)}</label>
                <select id="event-category" on:change=move |ev| {
                    if let Some(c) = EventCategory::parse(&event_target_value(&ev)) { category.set(c) }
                }>
                    {EventCategory::ALL.into_iter().map(|c| view! {
                        <option value=c.as_str() selected=move || category.get() == c>{ui.text(category_text(c))}</option>
                    }).collect_view()}
                </select>
                <label for="event-date">{ui.text(K::EventDate)}</label>
                <input id="event-date" type="date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev)) />
                <label for="event-text">{ui.text(K::EventText)}</label>
                <input id="event-text" maxlength="500" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                <div class="check">
                    <input id="event-shared" type="checkbox" prop:checked=move || shared.get() on:change=move |ev| shared.set(event_target_checked(&ev)) />
                    <label for="event-shared">{ui.text(K::EventShared)}</label>
                </div>
                <button id="event-save" type="submit" class="primary" disabled=move || busy.get()>{ui.text(K::EventAdd)}</button>
                <p class="error" role="alert">{move || error.get()}</p>
            </form>
        </details>
    }
}

/// Noon (local) of a `YYYY-MM-DD` date, in ms; None for anything else.
fn noon_of(s: &str) -> Option<i64> {
    let mut p = s.split('-').map(|x| x.parse::<i32>().ok());
    let (y, m, d) = (p.next()??, p.next()??, p.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(format::local_noon(y, m as u32, d as u32))
}

#[cfg(test)]
mod tests {
    use super::{label_extent, label_rows};

    #[test]
    fn labels_close_together_go_on_lines_where_they_fit() {
        // Three events near the right edge, read leftwards: each on a line of its own.
        let e = [
            label_extent(660, "end", "Skoleskift"),
            label_extent(672, "end", "Aftale"),
            label_extent(690, "end", "Andet"),
        ];
        assert_eq!(label_rows(&e, 3), [0, 1, 2]);
        // Far apart: all on the first line.
        let apart = [
            label_extent(50, "start", "Skoleskift"),
            label_extent(200, "start", "Aftale"),
            label_extent(400, "start", "Andet"),
        ];
        assert_eq!(label_rows(&apart, 3), [0, 0, 0]);
        // Two close, then one far: the far one back on the first line.
        let mixed = [
            label_extent(100, "start", "Skoleskift"),
            label_extent(110, "start", "Aftale"),
            label_extent(300, "start", "Andet"),
        ];
        assert_eq!(label_rows(&mixed, 3), [0, 1, 0]);
        // More than the lines hold: the line whose last label ends first.
        let crowded: Vec<_> = (0..4)
            .map(|i| label_extent(100 + i, "start", "Afgørelse"))
            .collect();
        assert_eq!(label_rows(&crowded, 3), [0, 1, 2, 0]);
    }
}
