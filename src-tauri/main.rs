// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

//! The desktop entry point; phones enter through `samtale_app::run` (the mobile entry point).

fn main() {
    samtale_app::painting::prefer_cpu_without_gpu();
    if let Err(e) = samtale_app::run() {
        eprintln!("Samtale could not start: {e}");
        std::process::exit(1);
    }
}
