//! Test support for the end-to-end suites: real `samtale-server` processes on 127.0.0.1 with
//! their own data directories, tenants bootstrapped through the server's own commands, and
//! client profiles opened on the real engine or driven through the real `samtale` CLI.
//!
//! The binaries are found next to the test executable's `target/<profile>/` directory (build
//! them first: the README's test command does), or at `SAMTALE_SERVER_BIN` / `SAMTALE_CLI_BIN`.
//! Nothing here sleeps for a fixed time: the server's readiness is the line it prints once it
//! listens, and every wait polls a condition with a deadline.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub mod app;
pub mod gateway;
pub mod liar;
pub mod raw;
pub mod scene;
pub mod smtp;
pub mod webdriver;

pub const PASSWORD: &str = "korrekt-hest-batteri";

/// `target/debug` (or release) of this build.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

pub fn bin(name: &str, env: &str) -> PathBuf {
    if let Ok(p) = std::env::var(env) {
        return PathBuf::from(p);
    }
    let p = target_dir().join(name);
    assert!(
        p.exists(),
        "{} is not built; run `cargo build --workspace --bins` first (the README's test command does)",
        p.display()
    );
    p
}

pub fn server_bin() -> PathBuf {
    bin("samtale-server", "SAMTALE_SERVER_BIN")
}

pub fn cli_bin() -> PathBuf {
    bin("samtale", "SAMTALE_CLI_BIN")
}

/// Where a test server keeps its data.
#[derive(Clone, Debug)]
pub enum Storage {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Storage {
    fn apply(&self, cmd: &mut Command) {
        match self {
            Storage::Sqlite(dir) => cmd
                .env("SAMTALE_DATA_DIR", dir)
                .env_remove("SAMTALE_DATABASE_URL"),
            Storage::Postgres(url) => cmd
                .env("SAMTALE_DATABASE_URL", url)
                .env_remove("SAMTALE_DATA_DIR"),
        };
    }
}

/// A running `samtale-server serve`; killed when dropped.
pub struct Server {
    pub storage: Storage,
    pub addr: SocketAddr,
    child: Option<Child>,
    extra_args: Vec<String>,
    extra_env: Vec<(String, String)>,
}

impl Server {
    /// Runs a one-shot admin command of the server binary (`create-tenant`, `add-staff`).
    pub fn admin(storage: &Storage, args: &[&str]) -> Result<String> {
        let mut cmd = Command::new(server_bin());
        storage.apply(&mut cmd);
        let out = cmd
            .args(args)
            .env("SAMTALE_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .output()?;
        if !out.status.success() {
            bail!(
                "samtale-server {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Starts serving on a free port.
    pub fn start(storage: Storage, extra_args: &[&str]) -> Result<Server> {
        Self::start_with_env(storage, extra_args, &[])
    }

    /// Starts serving on a free port with more environment (settings kept out of the
    /// argument list, such as the S3 secret key).
    pub fn start_with_env(
        storage: Storage,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Server> {
        let mut s = Server {
            storage,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            child: None,
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            extra_env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        s.spawn()?;
        Ok(s)
    }

    fn spawn(&mut self) -> Result<()> {
        let mut cmd = Command::new(server_bin());
        self.storage.apply(&mut cmd);
        cmd.args(["serve", "--listen", &self.addr.to_string()])
            .args(&self.extra_args)
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().context("start samtale-server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        // Blocks until the server prints its address (or exits).
        let line = lines
            .next()
            .context("samtale-server exited before listening")??;
        let url = line
            .strip_prefix("samtale-server listening on http://")
            .with_context(|| format!("unexpected first line {line:?}"))?;
        self.addr = url.parse()?;
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.child = Some(child);
        Ok(())
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the process (SIGTERM, then waits).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would: no shutdown at all.
    pub fn kill_hard(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same address and data.
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() < deadline => {
                    eprintln!("restart retry: {e:#}");
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A municipality set up through the server binary: slug, caseworker username.
pub struct Tenant {
    pub slug: String,
    pub caseworker: String,
}

/// Adds a unit to the municipality `slug` through the server's own command; returns its id.
pub fn add_unit(storage: &Storage, slug: &str, name: &str) -> Result<String> {
    let listed = Server::admin(storage, &["units", "--slug", slug, "--add", name])?;
    let suffix = format!("  {name}");
    listed
        .lines()
        .find_map(|l| l.strip_suffix(suffix.as_str()))
        .map(str::to_owned)
        .with_context(|| format!("no id for {name} in {listed:?}"))
}

pub fn bootstrap(storage: &Storage, slug: &str) -> Result<Tenant> {
    Server::admin(
        storage,
        &[
            "create-tenant",
            "--name",
            &format!("{slug} Kommune"),
            "--slug",
            slug,
            "--admin-username",
            "admin",
            "--admin-name",
            "Admin",
        ],
    )?;
    Server::admin(
        storage,
        &[
            "add-staff",
            "--slug",
            slug,
            "--role",
            "caseworker",
            "--username",
            "sara",
            "--name",
            "Sara Sagsbehandler",
        ],
    )?;
    Ok(Tenant {
        slug: slug.to_owned(),
        caseworker: "sara".to_owned(),
    })
}

/// Polls `cond` until it holds or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, what: &str, mut cond: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if cond().await? {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// True when `needle` occurs in any file below `dir`.
pub fn dir_contains(dir: &Path, needle: &[u8]) -> Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if dir_contains(&path, needle)? {
                return Ok(true);
            }
        } else {
            let bytes = std::fs::read(&path)?;
            if bytes.windows(needle.len()).any(|w| w == needle) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The system clock in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Runs the `samtale` CLI on a profile with a fixed database key; returns stdout, or the error
/// with stderr.
pub fn cli(profile: &Path, args: &[&str]) -> Result<String> {
    let out = cli_command(profile)
        .args(args)
        .output()
        .context("run samtale")?;
    if !out.status.success() {
        bail!(
            "samtale {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `samtale` command for a profile, for tests that need to spawn or kill it themselves.
pub fn cli_command(profile: &Path) -> Command {
    let mut cmd = Command::new(cli_bin());
    cmd.arg("--profile")
        .arg(profile)
        .env("SAMTALE_DB_KEY", "4c".repeat(32))
        .env("SAMTALE_PASSWORD", PASSWORD)
        .env_remove("SAMTALE_PROFILE");
    cmd
}

/// Runs the CLI with `--json` and parses its output.
pub fn cli_json(profile: &Path, args: &[&str]) -> Result<serde_json::Value> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = cli(profile, &all)?;
    serde_json::from_str(out.trim())
        .with_context(|| format!("samtale {args:?} printed no JSON: {out:?}"))
}

/// A throwaway PostgreSQL database on the server of `SAMTALE_TEST_PG` (default: the local one
/// with trust auth), dropped again when this value is dropped.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

fn pg_admin_url() -> String {
    std::env::var("SAMTALE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

async fn pg_admin(url: &str) -> Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .with_context(|| "PostgreSQL is not reachable (the README's test command starts one; or set SAMTALE_TEST_PG)")?;
    tokio::spawn(connection);
    Ok(client)
}

impl PgDatabase {
    pub async fn create(prefix: &str) -> Result<PgDatabase> {
        let admin_url = pg_admin_url();
        let client = pg_admin(&admin_url).await?;
        let suffix: String = samtale_crypto::random::random_bytes::<6>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("{prefix}_{suffix}");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap_or(admin_url.clone());
        Ok(PgDatabase {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside or outside a runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let client = pg_admin(&url).await.ok()?;
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// Logs the tenant's caseworker in on a CLI profile; returns the account JSON.
pub fn cli_login(profile: &Path, url: &str, tenant: &Tenant) -> Result<serde_json::Value> {
    cli_json(
        profile,
        &[
            "login",
            "--server",
            url,
            "--tenant",
            &tenant.slug,
            "--username",
            &tenant.caseworker,
        ],
    )
}

/// The caseworker on `caseworker` invites a youth, who joins on `youth` with the typed code;
/// returns the youth's user id.
pub fn cli_invite_youth(caseworker: &Path, youth: &Path, url: &str, name: &str) -> Result<String> {
    let invitation = cli_json(caseworker, &["invite", "--role", "youth", "--name", name])?;
    let code = invitation["code"].as_str().context("no code")?.to_owned();
    let joined = cli_json(youth, &["join", &code, "--server", url, "--name", name])?;
    Ok(joined["user"].as_str().context("no user id")?.to_owned())
}
