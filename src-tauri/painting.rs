//! How the webview paints where the machine has no graphics processor. WebKitGTK paints pages
//! with Skia on the GPU by default; without a GPU render node (`/dev/dri/renderD*`: a virtual
//! machine, a remote desktop, a test display) that "GPU" is Mesa's software renderer, and a
//! frame that changes much (the timeline's chart) took 90-230 ms to paint here. With Skia's
//! own CPU painting the next frame comes 34-39 ms later (docs/benchmarks.md, "The timeline
//! drawn").
//! Compositing stays on: turning it off was faster still, but WebKitWebDriver's screenshots
//! then hang. A `WEBKIT_SKIA_ENABLE_CPU_RENDERING` already set (to 0 or 1) is left alone.

use std::path::Path;

const VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Chooses CPU painting when there is no GPU render node. Call it first in `main`, before any
/// thread starts: it sets an environment variable, which the web process inherits.
pub fn prefer_cpu_without_gpu() {
    if cfg!(target_os = "linux")
        && std::env::var_os(VAR).is_none()
        && !has_render_node(Path::new("/dev/dri"))
    {
        // SAFETY: `main` calls this before the app starts any thread, so nothing reads the
        // environment at the same time.
        unsafe { std::env::set_var(VAR, "1") };
    }
}

/// Whether `dir` (`/dev/dri`) holds a render node of a graphics device.
fn has_render_node(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(test)]
mod tests {
    use super::has_render_node;

    #[test]
    fn only_a_render_node_counts_as_a_gpu() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(!has_render_node(&dir.path().join("missing")), "no /dev/dri");
        assert!(!has_render_node(dir.path()), "an empty /dev/dri");
        // A display-only device (card0) cannot render.
        std::fs::write(dir.path().join("card0"), b"").expect("card0");
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("renderD128"), b"").expect("renderD128");
        assert!(has_render_node(dir.path()));
    }
}
