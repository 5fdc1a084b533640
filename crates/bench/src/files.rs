//! `samtale-load files`: what a file costs, measured on real client engines and a real server.
//! In one run: age's raw STREAM speed (the same bytes encrypted from the page cache into a sink,
//! the ceiling), sending a file of `--size-mb` (`Client::send_files`: sniff, encrypt into the
//! profile, upload in chunks) and receiving it (`Client::save_attachment`: download, hash check,
//! decrypt into a file), with the peak resident memory of this process (the client) and of the
//! server during each (`VmHWM`, reset before each step through `/proc/PID/clear_refs`, and the
//! client's resident memory when the step began); the page cache is written out before each
//! step (`sync`) so that one step's files are not written back during the next; then
//! `--concurrent` youths upload a file of `--concurrent-mb` each at the same time, for the
//! server's throughput; with `--cli`, the same file sent and saved by the `samtale` CLI, each a
//! client process of its own, for a whole client's peak memory. Build with `--release`.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use samtale_client::Client;
use samtale_client::files::FileInput;
use samtale_proto::api::{Role, ThreadKind};
use serde_json::json;

use crate::population::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Size of the file sent and received, in MB.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=2000))]
    pub size_mb: u64,
    /// Youths uploading at the same time in the throughput step.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrent: u32,
    /// Size of each of their files, in MB.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub concurrent_mb: u64,
    /// The server's process id, for its memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The `samtale` CLI: when given, the file is also sent and saved by it, each a client
    /// process of its own, for a client's whole peak memory (this generator holds two engines
    /// and more, so its own peak says little about one client).
    #[arg(long)]
    pub cli: Option<std::path::PathBuf>,
}

/// The database key of the generator's profiles, so that the CLI can open them too.
const PROFILE_KEY: [u8; 32] = [0x4c; 32];

/// What a client process took: its time, its peak resident memory, and what it printed.
struct ProcessRun {
    seconds: f64,
    peak: u64,
    stdout: String,
}

/// Runs `cmd` to its end, reading its peak resident memory (`VmHWM`) every few milliseconds
/// while it runs. (The kernel's `ru_maxrss` for a child is no use here: a child started by
/// `posix_spawn` shares this process's memory until it execs, and that larger peak is kept.)
/// The last reading may come a few milliseconds before the end; the peak of a transfer comes
/// during it.
fn run_measured(mut cmd: std::process::Command) -> Result<ProcessRun> {
    use std::io::Read as _;
    let started = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("cannot start the samtale CLI")?;
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let pid = child.id().to_string();
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        // Gone between the two calls: the last reading stands.
        if let Ok(now) = peak_bytes(&pid) {
            peak = peak.max(now);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    ensure!(status.success(), "the CLI failed: {stderr}");
    ensure!(peak > 0, "the CLI ended before its memory could be read");
    Ok(ProcessRun {
        seconds,
        peak,
        stdout,
    })
}

/// Peak resident memory (`VmHWM`) of `pid` in bytes.
fn peak_bytes(pid: &str) -> Result<u64> {
    status_bytes(pid, "VmHWM:")
}

/// A memory line of `/proc/PID/status` (`VmHWM:`, `VmRSS:`) in bytes.
fn status_bytes(pid: &str, key: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let line = text
        .lines()
        .find(|l| l.starts_with(key))
        .with_context(|| format!("no {key} line in {path}"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("cannot read {line:?}"))?;
    Ok(kib * 1024)
}

/// Starts a new peak for `pid` (Linux: writing 5 to clear_refs resets VmHWM to the current RSS).
fn reset_peak(pid: &str) -> Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .with_context(|| format!("cannot reset the memory peak of {pid}"))
}

/// Writes `mb` MB of incompressible-looking bytes to `path`, 1 MB at a time.
fn write_file(path: &Path, mb: u64) -> Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut block = vec![0u8; 1_000_000];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..mb {
        for b in block.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        f.write_all(&block)?;
    }
    f.flush()?;
    Ok(())
}

/// Sara's CLI sends `file` into `thread`; Mikkel's CLI saves it. Both start from their
/// profiles on disk, sync, and do the one thing.
fn in_processes(
    cli: &Path,
    dir: &Path,
    thread: &samtale_proto::ThreadId,
    file: &Path,
    size: u64,
) -> Result<(ProcessRun, ProcessRun)> {
    let key: String = PROFILE_KEY.iter().map(|b| format!("{b:02x}")).collect();
    let command = |profile: &str| {
        let mut c = std::process::Command::new(cli);
        c.arg("--profile")
            .arg(dir.join(profile))
            .arg("--json")
            .env("SAMTALE_DB_KEY", &key)
            .env_remove("SAMTALE_PROFILE");
        c
    };
    settle_disk()?;
    let mut send = command("sara");
    send.arg("send-files").arg(thread.as_str()).arg(file);
    let sent = run_measured(send)?;
    let message: serde_json::Value =
        serde_json::from_str(&sent.stdout).context("the CLI's message")?;
    let blob = message["files"][0]["blob"]
        .as_str()
        .context("no file in the CLI's message")?
        .to_owned();
    let out = dir.join("saved-by-cli");
    settle_disk()?;
    let mut save = command("Mikkel");
    save.arg("save-file").arg(&blob).arg("--dir").arg(&out);
    let saved = run_measured(save)?;
    let copy = std::fs::read_dir(&out)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .next()
        .context("the CLI saved nothing")?;
    ensure!(
        std::fs::metadata(&copy)?.len() == size && sha_of(&copy)? == sha_of(file)?,
        "the file the CLI saved differs"
    );
    Ok((sent, saved))
}

fn sha_of(path: &Path) -> Result<[u8; 32]> {
    Ok(samtale_crypto::file::sha256_of(std::fs::File::open(path)?)?)
}

fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / 1e6 / seconds.max(1e-9)
}

pub async fn run(args: &Args) -> Result<serde_json::Value> {
    let password = std::env::var("SAMTALE_PASSWORD")
        .context("set SAMTALE_PASSWORD to the caseworker's password")?;
    let dir = std::env::temp_dir().join(format!("samtale-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(args, &password, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

struct Step {
    seconds: f64,
    client_peak: u64,
    /// The client's resident memory when the step began (its peak above this is the step's).
    client_start: u64,
    server_peak: Option<u64>,
}

/// Writes the dirty page cache out first, so that an earlier step's files are not written
/// back to disk during this one (it made the same run vary by half).
fn settle_disk() -> Result<()> {
    let ok = std::process::Command::new("sync").status()?.success();
    ensure!(ok, "sync failed");
    Ok(())
}

async fn step<T>(
    server: Option<&str>,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<(Step, T)> {
    settle_disk()?;
    reset_peak("self")?;
    if let Some(pid) = server {
        reset_peak(pid)?;
    }
    let client_start = status_bytes("self", "VmRSS:")?;
    let started = Instant::now();
    let out = work.await?;
    Ok((
        Step {
            seconds: started.elapsed().as_secs_f64(),
            client_peak: peak_bytes("self")?,
            client_start,
            server_peak: server.map(peak_bytes).transpose()?,
        },
        out,
    ))
}

async fn youth(
    sara: &Client,
    server: &str,
    dir: &Path,
    name: &str,
) -> Result<(Client, samtale_proto::ThreadId)> {
    let invitation = sara.invite(Role::Youth, name, None, None).await?;
    let youth = Client::open(&dir.join(name), &PROFILE_KEY)?;
    let me = youth
        .join(Some(server), &invitation.code, name, "bench-telefon")
        .await
        .context("youth join")?;
    sara.sync().await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    youth.sync().await?;
    Ok((youth, thread))
}

async fn measure(args: &Args, password: &str, dir: &Path) -> Result<serde_json::Value> {
    let server = &args.target.server;
    let server_pid = args.server_pid.map(|p| p.to_string());
    let spid = server_pid.as_deref();
    let size = args.size_mb * 1_000_000;
    let file = dir.join("plan.bin");
    write_file(&file, args.size_mb)?;

    // The ceiling: age's STREAM over the same bytes, best of two.
    settle_disk()?;
    let mut raw = f64::MAX;
    for _ in 0..2 {
        let t = Instant::now();
        let f = std::io::BufReader::new(std::fs::File::open(&file)?);
        samtale_crypto::file::encrypt_file(f.take(u64::MAX), std::io::sink())?;
        raw = raw.min(t.elapsed().as_secs_f64());
    }

    let sara = Client::open(&dir.join("sara"), &PROFILE_KEY)?;
    sara.login(
        server,
        &args.target.tenant,
        &args.target.username,
        password,
        "bench",
    )
    .await
    .context("caseworker login")?;
    let (mikkel, thread) = youth(&sara, server, dir, "Mikkel").await?;

    let (send, msg) = step(spid, async {
        Ok(sara
            .send_files(&thread, "", vec![FileInput::path(&file)])
            .await?)
    })
    .await?;
    ensure!(
        msg.state == samtale_client::views::MessageState::Sent,
        "the file was not sent: {:?}",
        msg.error
    );
    mikkel.sync().await?;
    let out = dir.join("saved");
    let blob = msg.files[0].blob.clone();
    let (receive, saved) = step(spid, async {
        Ok(mikkel.save_attachment(&blob, &out).await?)
    })
    .await?;
    ensure!(sha_of(&saved)? == sha_of(&file)?, "the saved file differs");
    std::fs::remove_file(&saved)?;

    // Throughput: several youths upload at once.
    let mut uploaders = Vec::new();
    for i in 0..args.concurrent {
        uploaders.push(youth(&sara, server, dir, &format!("Ung{i}")).await?);
    }
    let small = dir.join("small.bin");
    write_file(&small, args.concurrent_mb)?;
    let (many, sent) = step(spid, async {
        let all = futures_util::future::join_all(
            uploaders
                .iter()
                .map(|(y, t)| y.send_files(t, "", vec![FileInput::path(&small)])),
        )
        .await;
        Ok(all.into_iter().filter(|r| r.is_ok()).count())
    })
    .await?;
    ensure!(
        sent == args.concurrent as usize,
        "only {sent} uploads succeeded"
    );
    let total = args.concurrent_mb * 1_000_000 * u64::from(args.concurrent);

    // The same file sent and saved by the CLI, each a client process of its own (the profiles
    // are let go first: one engine at a time on a database).
    drop(uploaders);
    drop(mikkel);
    drop(sara);
    let processes = match &args.cli {
        None => None,
        Some(cli) => Some(in_processes(cli, dir, &thread, &file, size)?),
    };

    let raw_rate = mb_per_s(size, raw);
    let send_rate = mb_per_s(size, send.seconds);
    let receive_rate = mb_per_s(size, receive.seconds);
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let server_mib = |s: &Step| s.server_peak.map(mib);
    println!("files: one file of {} MB", args.size_mb);
    println!("  age STREAM alone (encrypt to a sink)     {raw_rate:7.1} MB/s");
    println!(
        "  send (sniff, encrypt, upload)            {send_rate:7.1} MB/s  ({:.0} % of age)  client peak {:.1} MiB (+{:.1} over its start), server peak {}",
        100.0 * send_rate / raw_rate,
        mib(send.client_peak),
        mib(send.client_peak.saturating_sub(send.client_start)),
        server_mib(&send).map_or("-".into(), |m| format!("{m:.1} MiB"))
    );
    println!(
        "  receive (download, check, decrypt)       {receive_rate:7.1} MB/s  ({:.0} % of age)  client peak {:.1} MiB (+{:.1} over its start), server peak {}",
        100.0 * receive_rate / raw_rate,
        mib(receive.client_peak),
        mib(receive.client_peak.saturating_sub(receive.client_start)),
        server_mib(&receive).map_or("-".into(), |m| format!("{m:.1} MiB"))
    );
    println!(
        "  {} uploads of {} MB at once             {:7.1} MB/s in all, server peak {}",
        args.concurrent,
        args.concurrent_mb,
        mb_per_s(total, many.seconds),
        server_mib(&many).map_or("-".into(), |m| format!("{m:.1} MiB"))
    );
    if let Some((send, save)) = &processes {
        println!(
            "  the CLI sending it, one process          {:7.1} MB/s  peak {:.1} MiB (the whole client)",
            mb_per_s(size, send.seconds),
            mib(send.peak)
        );
        println!(
            "  the CLI saving it, one process           {:7.1} MB/s  peak {:.1} MiB (the whole client)",
            mb_per_s(size, save.seconds),
            mib(save.peak)
        );
    }
    Ok(json!({
        "bench": "files",
        "cli_send_peak_mib": processes.as_ref().map(|p| mib(p.0.peak)),
        "cli_save_peak_mib": processes.as_ref().map(|p| mib(p.1.peak)),
        "cli_send_mb_s": processes.as_ref().map(|p| mb_per_s(size, p.0.seconds)),
        "cli_save_mb_s": processes.as_ref().map(|p| mb_per_s(size, p.1.seconds)),
        "size_mb": args.size_mb,
        "age_mb_s": raw_rate,
        "send_mb_s": send_rate,
        "receive_mb_s": receive_rate,
        "send_client_peak_mib": mib(send.client_peak),
        "send_client_start_mib": mib(send.client_start),
        "send_server_peak_mib": server_mib(&send),
        "receive_client_peak_mib": mib(receive.client_peak),
        "receive_client_start_mib": mib(receive.client_start),
        "receive_server_peak_mib": server_mib(&receive),
        "concurrent": args.concurrent,
        "concurrent_mb": args.concurrent_mb,
        "concurrent_mb_s": mb_per_s(total, many.seconds),
        "concurrent_server_peak_mib": server_mib(&many),
    }))
}
