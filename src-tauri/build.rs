//! Build script of the app shell: Tauri's code generation, with the capabilities kept under
//! src-tauri/ although the manifest sits at the repository root beside tauri.conf.json.

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*");
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; say what to fix.
        panic!(
            "tauri-build failed: {e:#}. Build the UI first (scripts/build-ui.sh) so that dist/ exists."
        );
    }
}
