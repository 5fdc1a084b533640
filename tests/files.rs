//! Files through real clients and a real server process: a PDF and a photo from the
//! caseworker reach the youth intact while the server holds only ciphertext (a marker in the
//! PDF is nowhere in its data) and the photo's GPS position never leaves her laptop; programs
//! and files over the limit are refused before anything is sent; a file the server changed is
//! caught by its hash and not opened; a 50 MB upload survives the server being killed with
//! SIGKILL halfway and resumes where it stopped; a file that grows while it is read is refused
//! and what went up of it early is taken back; a municipality that takes only PDF files has a
//! photo refused on the sending device. The same 50 MB survive a killed node of two on
//! PostgreSQL with the files in S3, the youth fetching it through the other node.

use std::sync::Arc;
use std::time::Duration;

use samtale_client::ClientEvent;
use samtale_client::files::{FileInput, FileState};
use samtale_proto::api::ThreadKind;
use samtale_tests::scene::Scene;
use samtale_tests::{Server, Storage, dir_contains, eventually};
use sha2::{Digest, Sha256};

const MARKER: &[u8] = b"FORTROLIGT-MARKER-5531";

/// A PDF-looking file of `len` bytes with the marker in it.
fn pdf(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    while v.len() < len {
        v.extend_from_slice(MARKER);
        v.extend((0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    }
    v.truncate(len);
    v
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xff, marker];
    s.extend(((body.len() + 2) as u16).to_be_bytes());
    s.extend(body);
    s
}

/// A photo as a phone writes it: JFIF, then EXIF with the camera and a GPS position.
fn photo() -> Vec<u8> {
    let mut j = vec![0xff, 0xd8];
    j.extend(segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
    let mut exif =
        b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
    exif.extend(b"GPSLatitude 55.7618N GPSLongitude 12.4538E Bagsvaerdvej 12, iPhone 15");
    j.extend(segment(0xe1, &exif));
    j.extend(segment(0xdb, &[0u8; 65]));
    j.extend(segment(0xda, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    j.extend((0..5000u32).map(|i| (i % 200) as u8 + 1));
    j.extend([0xff, 0xd9]);
    j
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn data_dir(scene: &Scene) -> std::path::PathBuf {
    match &scene.server.storage {
        Storage::Sqlite(p) => p.clone(),
        Storage::Postgres(_) => unreachable!("these scenes run on SQLite"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_arrive_intact_and_the_server_sees_only_ciphertext() -> anyhow::Result<()> {
    let scene = Scene::start(&["aarhus"], &["--max-file-mb", "8"])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let work = tempfile::tempdir()?;
    let doc = pdf(5_000_000);
    std::fs::write(work.path().join("Uddannelsesplan.pdf"), &doc)?;
    std::fs::write(work.path().join("IMG_2041.jpg"), photo())?;
    // A thumbnail the app would draw: a tiny PNG.
    let thumb = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR tiny".to_vec();

    let msg = sara
        .send_files(
            &thread,
            "Her er planen og billedet fra mødet",
            vec![
                FileInput::path(work.path().join("Uddannelsesplan.pdf")),
                FileInput {
                    thumbnail: Some(thumb.clone()),
                    ..FileInput::path(work.path().join("IMG_2041.jpg"))
                },
            ],
        )
        .await?;
    assert_eq!(
        msg.state,
        samtale_client::views::MessageState::Sent,
        "{msg:?}"
    );
    assert_eq!(msg.files.len(), 2);
    assert!(msg.files.iter().all(|f| f.state == FileState::Uploaded));
    // The server keeps ciphertext only: neither the PDF's marker nor the photo's position.
    let data = data_dir(&scene);
    assert!(
        !dir_contains(&data, MARKER)?,
        "plaintext of the PDF on the server"
    );
    assert!(
        !dir_contains(&data, b"Bagsvaerdvej")?,
        "the photo's position on the server"
    );
    assert!(
        !dir_contains(&data, b"Uddannelsesplan")?,
        "a file name on the server"
    );

    mikkel.sync().await?;
    let got = mikkel.messages(&thread, 10)?;
    let m = got
        .iter()
        .find(|m| m.id == msg.id)
        .expect("the message arrived");
    assert_eq!(m.body, "Her er planen og billedet fra mødet");
    let names: Vec<(&str, &str, FileState)> = m
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.mime.as_str(), f.state))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Uddannelsesplan.pdf", "application/pdf", FileState::Remote),
            ("IMG_2041.jpg", "image/jpeg", FileState::Remote),
        ]
    );
    assert_eq!(m.files[0].size, doc.len() as u64);
    assert_eq!(
        m.files[1].thumbnail.as_ref().map(|t| t.0.clone()),
        Some(thumb),
        "the thumbnail shows before the download"
    );

    // Fetched with progress, kept encrypted in his profile, saved as a plain copy.
    let mut events = mikkel.subscribe();
    let fetched = mikkel.fetch_file(&m.files[0].blob).await?;
    assert_eq!(
        (fetched.state, fetched.done),
        (FileState::Local, fetched.total)
    );
    let mut progress = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let ClientEvent::Transfer { done, total, .. } = e {
            progress.push((done, total));
        }
    }
    assert!(
        progress.len() >= 3,
        "a progress step per chunk: {progress:?}"
    );
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(
        !dir_contains(&scene.profiles.path().join("mikkel"), MARKER)?,
        "kept encrypted"
    );
    let out = tempfile::tempdir()?;
    let saved = mikkel.save_attachment(&m.files[0].blob, out.path()).await?;
    assert_eq!(saved.file_name().unwrap(), "Uddannelsesplan.pdf");
    assert_eq!(
        std::fs::read(&saved)?,
        doc,
        "the PDF is exactly what Sara sent"
    );
    let again = mikkel.save_attachment(&m.files[0].blob, out.path()).await?;
    assert_eq!(
        again.file_name().unwrap(),
        "Uddannelsesplan (2).pdf",
        "nothing overwritten"
    );
    let pic = std::fs::read(mikkel.save_attachment(&m.files[1].blob, out.path()).await?)?;
    assert!(
        !contains(&pic, b"GPS") && !contains(&pic, b"iPhone"),
        "metadata left the photo"
    );
    assert!(pic.starts_with(&[0xff, 0xd8]) && pic.ends_with(&[0xff, 0xd9]));
    assert!(
        contains(&pic, &(1..=200).collect::<Vec<u8>>()),
        "the picture itself is kept"
    );

    // Refused before anything is sent: a program dressed as a photo, and a file over 8 MB.
    std::fs::write(
        work.path().join("ferie.jpg"),
        b"\x7fELF\x02\x01\x01\0 not a photo",
    )?;
    std::fs::write(work.path().join("stor.pdf"), pdf(8_500_000))?;
    for (name, why) in [("ferie.jpg", "program"), ("stor.pdf", "at most 8 MB")] {
        let err = sara
            .send_files(&thread, "", vec![FileInput::path(work.path().join(name))])
            .await
            .expect_err(name);
        assert!(
            matches!(err, samtale_client::ClientError::FileRefused(_))
                && err.to_string().contains(why),
            "{name}: {err}"
        );
    }
    assert_eq!(
        sara.messages(&thread, 10)?.len(),
        got.len(),
        "nothing was queued"
    );

    // A server that changes a file is caught by the hash in the sealed message.
    std::fs::write(work.path().join("notat.txt"), "Aftale om praktik 🙂 æøå")?;
    let note = sara
        .send_files(
            &thread,
            "",
            vec![FileInput::path(work.path().join("notat.txt"))],
        )
        .await?;
    let blob = note.files[0].blob.clone();
    let chunk = walk(&data.join("blobs"))
        .into_iter()
        .find(|p| p.to_string_lossy().contains(blob.as_str()))
        .expect("the note's chunk on the server");
    let mut bytes = std::fs::read(&chunk)?;
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&chunk, bytes)?;
    mikkel.sync().await?;
    let err = mikkel
        .save_attachment(&blob, out.path())
        .await
        .expect_err("a changed file");
    assert!(
        matches!(err, samtale_client::ClientError::FileDamaged(_)),
        "{err}"
    );
    assert_eq!(mikkel.file(&blob)?.state, FileState::Failed);
    assert_eq!(
        std::fs::read_dir(out.path())?.count(),
        3,
        "nothing of it was saved"
    );
    Ok(())
}

type Sending = tokio::task::JoinHandle<
    Result<samtale_client::views::MessageView, samtale_client::ClientError>,
>;

/// Writes a 50 MB PDF into `work` and starts sending it from `sara` (in the background, so the
/// test can kill the server meanwhile). Returns the file's bytes and the send.
fn send_50_mb(
    sara: &Arc<samtale_client::Client>,
    thread: &samtale_proto::ThreadId,
    work: &std::path::Path,
) -> anyhow::Result<(Vec<u8>, Sending)> {
    let big = pdf(50_000_000);
    let path = work.join("sagsakter.pdf");
    std::fs::write(&path, &big)?;
    let (sara, thread) = (sara.clone(), thread.clone());
    let sending = tokio::spawn(async move {
        sara.send_files(&thread, "Alle papirerne", vec![FileInput::path(path)])
            .await
    });
    Ok((big, sending))
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_survives_a_server_killed_halfway() -> anyhow::Result<()> {
    let mut scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let work = tempfile::tempdir()?;
    let sara = Arc::new(sara);
    let (big, sending) = send_50_mb(&sara, &thread, work.path())?;
    // Killed once a few chunks are up: counted on the server's disk, since the upload begins
    // while the file is still being encrypted, before the message is queued.
    let blobs = data_dir(&scene).join("blobs");
    eventually(Duration::from_secs(60), "a few chunks are up", || {
        let blobs = blobs.clone();
        async move { Ok(walk(&blobs).len() >= 4) }
    })
    .await?;
    scene.server.kill_hard();
    let queued = sending.await??;
    assert_eq!(
        queued.state,
        samtale_client::views::MessageState::Queued,
        "kept to send later"
    );
    let file = sara.file(&queued.files[0].blob)?;
    assert!(
        file.state == FileState::Uploading && file.done < file.total,
        "{file:?}"
    );

    scene.server.restart()?;
    let mut events = sara.subscribe();
    sara.sync().await?;
    let first = std::iter::from_fn(|| events.try_recv().ok())
        .find_map(|e| match e {
            ClientEvent::Transfer { done, .. } => Some(done),
            _ => None,
        })
        .expect("progress after the restart");
    assert!(
        first > 4 << 20,
        "the upload went on from the chunks the server kept: {first}"
    );
    let sent = sara.message(&queued.id)?;
    assert_eq!(sent.state, samtale_client::views::MessageState::Sent);

    mikkel.sync().await?;
    let out = tempfile::tempdir()?;
    let saved = mikkel
        .save_attachment(&queued.files[0].blob, out.path())
        .await?;
    let got = std::fs::read(saved)?;
    assert_eq!(got.len(), big.len());
    assert!(
        Sha256::digest(&got) == Sha256::digest(&big),
        "the 50 MB arrived intact"
    );
    Ok(())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_grows_while_it_is_read_is_refused_and_nothing_is_left() -> anyhow::Result<()> {
    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (_mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let work = tempfile::tempdir()?;
    // A pipe says it is empty, then yields 3 MB: the upload that began from the announced size
    // is wrong, and the file must not be sent.
    let fifo = work.path().join("vokser.pdf");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status()?;
    anyhow::ensure!(made.success(), "mkfifo failed");
    let writer = std::thread::spawn({
        let fifo = fifo.clone();
        move || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo)?;
            f.write_all(&pdf(3_000_000))
        }
    });
    let err = sara
        .send_files(&thread, "", vec![FileInput::path(&fifo)])
        .await
        .expect_err("a file that changed while it was read");
    assert!(
        err.to_string().contains("changed while it was being read"),
        "{err}"
    );
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("the writer panicked"))??;
    assert!(sara.messages(&thread, 10)?.is_empty(), "nothing was queued");
    let left = walk(&data_dir(&scene).join("blobs"));
    assert!(
        left.is_empty(),
        "what went up early was taken back: {left:?}"
    );
    let kept = walk(&samtale_client::files::files_dir(
        &scene.profiles.path().join("sara"),
    ));
    assert!(kept.is_empty(), "no encrypted copy is kept: {kept:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_municipality_that_takes_only_pdf_has_a_photo_refused_before_it_is_sent()
-> anyhow::Result<()> {
    let scene = Scene::start(&["aarhus"], &[])?;
    let (sara, _) = scene.sara().await?;
    let (_mikkel, me) = scene.mikkel(&sara).await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let work = tempfile::tempdir()?;
    std::fs::write(work.path().join("IMG_2041.jpg"), photo())?;
    std::fs::write(work.path().join("plan.pdf"), pdf(3_000))?;
    // The administrator narrows the types while the server runs; it takes effect at once.
    let shown = Server::admin(
        &scene.server.storage,
        &[
            "file-policy",
            "--slug",
            "aarhus",
            "--types",
            "application/pdf",
        ],
    )?;
    assert!(shown.contains("types: application/pdf"), "{shown}");
    let err = sara
        .send_files(
            &thread,
            "",
            vec![FileInput::path(work.path().join("IMG_2041.jpg"))],
        )
        .await
        .expect_err("a photo where only PDF is taken");
    assert!(
        matches!(err, samtale_client::ClientError::FileRefused(_))
            && err
                .to_string()
                .contains("only these types of file: application/pdf"),
        "{err}"
    );
    assert!(sara.messages(&thread, 10)?.is_empty(), "nothing was queued");
    assert!(
        walk(&data_dir(&scene).join("blobs")).is_empty(),
        "nothing went up"
    );
    sent_alone(&sara, &thread, &work.path().join("plan.pdf")).await?;
    // Back to the server's settings: every type but programs.
    let shown = Server::admin(
        &scene.server.storage,
        &["file-policy", "--slug", "aarhus", "--clear"],
    )?;
    assert!(shown.contains("every type but programs"), "{shown}");
    sent_alone(&sara, &thread, &work.path().join("IMG_2041.jpg")).await?;
    Ok(())
}

/// Sends one file without text and checks that it went.
async fn sent_alone(
    sara: &samtale_client::Client,
    thread: &samtale_proto::ThreadId,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let sent = sara
        .send_files(thread, "", vec![FileInput::path(path)])
        .await?;
    anyhow::ensure!(
        sent.state == samtale_client::views::MessageState::Sent,
        "{} was not sent: {:?}",
        path.display(),
        sent.error
    );
    Ok(())
}

/// The chunks the server has counted for any upload, read from its PostgreSQL database.
async fn chunks_counted(url: &str) -> anyhow::Result<i64> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let driver = tokio::spawn(conn);
    let row = client
        .query_one("SELECT COALESCE(MAX(received), 0)::BIGINT FROM blobs", &[])
        .await?;
    drop(client);
    let _ = driver.await;
    Ok(row.get(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_survives_a_killed_node_of_two_on_postgresql_and_s3() -> anyhow::Result<()> {
    let s3 = samtale_server::blobs::test_server::S3TestServer::start("samtale-files")?;
    let db = samtale_tests::PgDatabase::create("samtale_files_e2e").await?;
    let endpoint = s3.endpoint();
    let args = [
        "--s3-endpoint",
        &endpoint,
        "--s3-bucket",
        "samtale-files",
        "--s3-access-key",
        "samtale-test",
    ];
    let env = [("SAMTALE_S3_SECRET_KEY", "samtale-test-secret")];
    let storage = Storage::Postgres(db.url.clone());
    let mut scene = Scene::start_on(storage.clone(), &["kobenhavn"], &args, &env)?;
    let node_b = Server::start_with_env(storage, &args, &env)?;
    let (sara, _) = scene.sara().await?;
    // Mikkel's phone talks to the other node.
    let invitation = sara
        .invite(samtale_proto::api::Role::Youth, "Mikkel", None, None)
        .await?;
    let mikkel = scene.open("mikkel");
    let me = mikkel
        .join(
            Some(&node_b.url()),
            &invitation.code,
            "Mikkel",
            "Mikkels telefon",
        )
        .await?;
    sara.sync().await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    let work = tempfile::tempdir()?;
    let sara = Arc::new(sara);
    let (big, sending) = send_50_mb(&sara, &thread, work.path())?;
    // Node A is killed once a few chunks are counted in the database.
    eventually(Duration::from_secs(60), "a few chunks are up", || {
        let url = db.url.clone();
        async move { Ok(chunks_counted(&url).await? >= 3) }
    })
    .await?;
    scene.server.kill_hard();
    let queued = sending.await??;
    assert_eq!(
        queued.state,
        samtale_client::views::MessageState::Queued,
        "kept to send later"
    );
    let before = chunks_counted(&db.url).await?;
    assert!(before < 24, "cut off halfway: {before} chunks of 24");
    scene.server.restart()?;
    sara.sync().await?;
    let sent = sara.message(&queued.id)?;
    assert_eq!(sent.state, samtale_client::views::MessageState::Sent);
    mikkel.sync().await?;
    let out = tempfile::tempdir()?;
    let saved = mikkel
        .save_attachment(&queued.files[0].blob, out.path())
        .await?;
    let got = std::fs::read(saved)?;
    assert!(
        got.len() == big.len() && Sha256::digest(&got) == Sha256::digest(&big),
        "the 50 MB arrived intact through the other node"
    );
    Ok(())
}
