//! Files in the real app. On her laptop Sara drops a PDF and a picture on the composer of
//! Mikkel's conversation (the webview's drop event with the files' bytes; "Vedhæft" opens the
//! system's file picker, which WebDriver cannot fill): both wait as chips with the note that pictures lose their GPS position,
//! then go, and the message shows them. On his phone Mikkel sees the picture's thumbnail at
//! once (drawn by Sara's app, inside the sealed message), taps "Gem" on the PDF, and it is
//! saved, exactly as sent, in Downloads. Then the server stops while Sara sends another file:
//! it waits with its progress bar and goes up when the server is back. Screenshots go to
//! docs/screenshots/ with an axe-core check. Runs only with `SAMTALE_APP_TESTS=1`.

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

/// Drops `files` (name, type, bytes) on the composer, as from the file manager: the webview
/// gets their bytes in a DataTransfer (WebKitWebDriver cannot fill a file picker). Returns how
/// many the drop carried.
async fn drop_files(s: &Session, files: &[(&str, &str, &[u8])]) -> anyhow::Result<u64> {
    let list: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, kind, bytes)| serde_json::json!([name, kind, b64(bytes)]))
        .collect();
    let dropped = s
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
            serde_json::json!([list]),
        )
        .await?;
    dropped
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("the drop answered {dropped}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_the_real_app() -> anyhow::Result<()> {
    if !samtale_tests::app::enabled() {
        return Ok(());
    }
    let mut scene = Scene::start(&["vejle"], &[])?;
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
    let (sara_env, mikkel_env) = (
        scene.app_env_saving_to("sara", downloads.path()),
        scene.app_env_saving_to("mikkel", downloads.path()),
    );

    {
        let driver = Driver::start(&sara_env).await?;
        let laptop = Session::new(&driver, &app).await?;
        laptop.set_size(1280, 800).await?;
        laptop.click(&laptop.wait(".thread", T).await?).await?;
        // Dropped on the composer, as from the file manager: the webview gets the files'
        // bytes in a DataTransfer (WebKitWebDriver cannot fill a file picker).
        let dropped = drop_files(
            &laptop,
            &[
                ("Uddannelsesplan.pdf", "application/pdf", &pdf),
                ("tegning.png", "image/png", &std::fs::read(&picture)?),
            ],
        )
        .await?;
        assert_eq!(dropped, 2);
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
        let driver = Driver::start(&mikkel_env).await?;
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

    // The server stops. Sara sends another file: it waits with its progress bar, the message
    // shows as waiting, and both go when the server is back (the app reconnects by itself).
    {
        let driver = Driver::start(&sara_env).await?;
        let laptop = Session::new(&driver, &app).await?;
        laptop.set_size(1280, 800).await?;
        laptop.click(&laptop.wait(".thread", T).await?).await?;
        laptop
            .wait(".bubble.mine .file[data-state='uploaded']", T)
            .await?;
        scene.server.kill_hard();
        let minutes = "%PDF-1.4\n% Referat af mødet\n".repeat(20_000).into_bytes();
        assert_eq!(
            drop_files(&laptop, &[("Referat.pdf", "application/pdf", &minutes)]).await?,
            1
        );
        laptop.wait_text("Referat.pdf", T).await?;
        laptop.click(&laptop.wait("#send", T).await?).await?;
        laptop
            .wait(
                ".bubble.mine[data-state='queued'] .file[data-state='uploading'] progress.file-progress",
                T,
            )
            .await?;
        settled(&laptop, ".messages").await?;
        capture(&laptop, "laptop-file-waiting").await?;
        scene.server.restart()?;
        let deadline = std::time::Instant::now() + 2 * T;
        loop {
            let up = laptop
                .script(
                    "return [...document.querySelectorAll('.bubble.mine')].some(b => b.textContent.includes('Referat.pdf') && b.dataset.state !== 'queued' && b.querySelector(\".file[data-state='uploaded']\"));",
                    serde_json::json!([]),
                )
                .await?;
            if up == serde_json::json!(true) {
                break;
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the file did not go up after the server came back"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        laptop.close().await?;
    }
    Ok(())
}
