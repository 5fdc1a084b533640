//! Files in the real app. On her laptop Sara drops a PDF and a picture on the composer of
//! Mikkel's conversation (the webview's drop event with the files' bytes; "Vedhæft" opens the
//! system's file picker, which WebDriver cannot fill): both wait as chips with the note that pictures lose their GPS position,
//! then go, and the message shows them. On his phone Mikkel sees the picture's thumbnail at
//! once (drawn by Sara's app, inside the sealed message), taps "Gem" on the PDF, and it is
//! saved, exactly as sent, in Downloads. Screenshots go to docs/screenshots/ with an axe-core
//! check. Runs only with `SAMTALE_APP_TESTS=1`.

use std::time::Duration;

use samtale_proto::api::ThreadKind;
use samtale_tests::app::{app_binary, capture, settled};
use samtale_tests::scene::Scene;
use samtale_tests::webdriver::{Driver, Session};

const T: Duration = Duration::from_secs(30);

/// Standard base64, for the webview's `atob`.
fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_the_real_app() -> anyhow::Result<()> {
    if std::env::var("SAMTALE_APP_TESTS").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set SAMTALE_APP_TESTS=1 with a display, tauri-driver and the built app (scripts/test.sh does)"
        );
        return Ok(());
    }
    let scene = Scene::start(&["vejle"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(&thread, "Hej Mikkel. Jeg sender dig planen fra i dag.")
        .await?;
    mikkel.sync().await?;
    drop((sara, mikkel));

    let mut pdf = b"%PDF-1.4\n% Uddannelsesplan for Mikkel\n".to_vec();
    pdf.extend((0..300_000u32).map(|i| b"abcdefghij \n"[(i % 12) as usize]));
    // A real picture the webview can draw a thumbnail of.
    let picture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/icons/128x128.png");

    let downloads = tempfile::tempdir()?;
    let app = app_binary();
    let env = |who: &str| scene.app_env_saving_to(who, downloads.path());

    {
        let driver = Driver::start(&env("sara")).await?;
        let laptop = Session::new(&driver, &app).await?;
        laptop.set_size(1280, 800).await?;
        laptop.click(&laptop.wait(".thread", T).await?).await?;
        // Dropped on the composer, as from the file manager: the webview gets the files'
        // bytes in a DataTransfer (WebKitWebDriver cannot fill a file picker).
        let dropped = laptop
            .script(
                "const files = arguments[0].map(([name, type, b64]) => {
                     const bin = atob(b64); const bytes = new Uint8Array(bin.length);
                     for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                     return new File([bytes], name, { type });
                 });
                 const dt = new DataTransfer();
                 files.forEach(f => dt.items.add(f));
                 document.querySelector('.composer').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
                 return dt.files.length;",
                serde_json::json!([[
                    ["Uddannelsesplan.pdf", "application/pdf", b64(&pdf)],
                    ["tegning.png", "image/png", b64(&std::fs::read(&picture)?)],
                ]]),
            )
            .await?;
        assert_eq!(dropped, serde_json::json!(2));
        laptop.wait(".attached-file", T).await?;
        laptop.wait_text("tegning.png", T).await?;
        laptop.wait_text("GPS-position", T).await?;
        let message = laptop.wait("#message", T).await?;
        laptop
            .type_into(&message, "Her er planen og tegningen")
            .await?;
        capture(&laptop, "laptop-files-attached").await?;
        laptop.click(&laptop.wait("#send", T).await?).await?;
        laptop
            .wait(".bubble.mine .file[data-state='uploaded']", T)
            .await?;
        laptop
            .wait(".bubble.mine .file img.thumb:not(.icon)", T)
            .await?;
        settled(&laptop, ".messages").await?;
        let chips = laptop.find_all(".attached-file").await?;
        assert!(chips.is_empty(), "the chips went with the message");
        capture(&laptop, "laptop-file-message").await?;
        laptop.close().await?;
    }

    {
        let driver = Driver::start(&env("mikkel")).await?;
        let phone = Session::new(&driver, &app).await?;
        phone.set_size(390, 844).await?;
        phone.click(&phone.wait(".thread", T).await?).await?;
        // The thumbnail shows before anything is fetched.
        phone
            .wait(".file[data-state='remote'] img.thumb:not(.icon)", T)
            .await?;
        phone.wait_text("Uddannelsesplan.pdf", T).await?;
        settled(&phone, ".messages").await?;
        capture(&phone, "phone-file-message").await?;
        let save = phone
            .wait(".file[data-state='remote'] .save-file", T)
            .await?;
        phone
            .script(
                "document.querySelector(\".file[data-state='remote'] .save-file\").scrollIntoView({block: 'center'}); return true;",
                serde_json::json!([]),
            )
            .await?;
        phone.click(&save).await?;

        phone.wait_text("Gemt:", T).await?;
        phone.wait(".file[data-state='local']", T).await?;
        settled(&phone, ".messages").await?;
        capture(&phone, "phone-file-saved").await?;
        phone.close().await?;
    }
    let saved = downloads.path().join("Uddannelsesplan.pdf");
    assert_eq!(
        std::fs::read(&saved)?,
        pdf,
        "the PDF Mikkel saved is what Sara sent"
    );
    Ok(())
}
