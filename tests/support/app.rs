//! What the app's end-to-end tests share: where the built app and the screenshots are, a
//! screenshot taken once the screen is painted followed by an axe-core check, and the ways a
//! person types and chooses that WebDriver's plain commands do not cover.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::webdriver::Session;

const T: Duration = Duration::from_secs(30);

/// Whether the real-app tests run here (`SAMTALE_APP_TESTS=1`, set by scripts/test.sh with a
/// display, tauri-driver and the built app); says why not when they do not.
pub fn enabled() -> bool {
    let on = std::env::var("SAMTALE_APP_TESTS").as_deref() == Ok("1");
    if !on {
        eprintln!(
            "skipped: set SAMTALE_APP_TESTS=1 with a display, tauri-driver and the built app (scripts/test.sh does)"
        );
    }
    on
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_owned()
}

pub fn shots() -> PathBuf {
    repo().join("docs/screenshots")
}

pub async fn axe(s: &Session, screen: &str) -> anyhow::Result<()> {
    let path = std::env::var("AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("target/tools/node_modules/axe-core/axe.min.js"));
    let source = std::fs::read_to_string(&path).map_err(|e| {
        anyhow::anyhow!(
            "axe-core not found at {} ({e}); the README's test command installs it",
            path.display()
        )
    })?;
    s.script(&format!("{source}\nreturn true;"), json!([]))
        .await?;
    let result = s
        .script_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')) })))).catch(e => done([{ id: 'axe-error', impact: 'critical', nodes: [String(e)] }]));",
            json!([]),
        )
        .await?;
    let serious: Vec<_> = result
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(serious.is_empty(), "axe-core on {screen}: {serious:#?}");
    Ok(())
}

/// Screenshot once what the screen should show is there (and painted: two animation frames
/// later), then the accessibility check.
pub async fn capture(s: &Session, name: &str) -> anyhow::Result<()> {
    s.script_async("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", json!([])).await?;
    s.screenshot(&shots().join(format!("{name}.png"))).await?;
    axe(s, name).await
}

pub async fn press_enter_in(s: &Session, css: &str, text: &str) -> anyhow::Result<()> {
    let field = s.wait(css, T).await?;
    s.type_into(&field, text).await?;
    s.type_into(&field, "\u{E007}").await
}

/// Chooses `value` in a `<select>` the way a person's choice arrives: a change event.
pub async fn select(s: &Session, css: &str, value: &str) -> anyhow::Result<()> {
    s.wait(css, T).await?;
    s.script(
        "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));",
        json!([css, value]),
    )
    .await?;
    Ok(())
}

pub fn app_binary() -> PathBuf {
    std::env::var("SAMTALE_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| crate::bin("samtale-app", "SAMTALE_APP_BIN"))
}

/// Waits until what `css` selects has stopped changing (the same markup on three looks 50 ms
/// apart), for a screen that is still taking in what the engine reports.
pub async fn settled(s: &Session, css: &str) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + T;
    let (mut last, mut same) = (String::new(), 0);
    while same < 3 {
        anyhow::ensure!(std::time::Instant::now() < deadline, "{css} kept changing");
        let now = s
            .script(
                "const e = document.querySelector(arguments[0]); return e ? e.innerHTML : '';",
                json!([css]),
            )
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        same = if now == last { same + 1 } else { 0 };
        last = now;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// How many answers the timeline chart draws: its points are grouped into a few paths, each
/// with its count in `data-n` (the UI's timeline.rs), so this adds those up.
pub async fn chart_points(s: &Session) -> anyhow::Result<u64> {
    let n = s
        .script(
            "return [...document.querySelectorAll('#timeline-chart path.points')]\
             .reduce((sum, p) => sum + Number(p.dataset.n), 0);",
            json!([]),
        )
        .await?;
    n.as_u64()
        .ok_or_else(|| anyhow::anyhow!("the chart's point count is not a number: {n}"))
}
