//! `samtale-server`: serve the sync API, or bootstrap municipalities and staff.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use samtale_proto::api::Role;
use samtale_server::blobs::ChunkStore;
use samtale_server::config::{Backend, Config, FileConfig, Overrides, S3Settings};
use samtale_server::store::Store;
use samtale_server::store::postgres::PgStore;
use samtale_server::store::sqlite::SqliteStore;
use samtale_server::{accounts, admin, serve};

#[derive(Parser)]
#[command(name = "samtale-server", version, about = "The Samtale sync server")]
struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, global = true, env = "SAMTALE_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct StorageArgs {
    /// TOML config file; flags and environment override it.
    #[arg(long, global = true, env = "SAMTALE_CONFIG")]
    config: Option<PathBuf>,
    /// Directory of the embedded SQLite database (the default backend).
    #[arg(long, global = true, env = "SAMTALE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL; when set, PostgreSQL is used instead of SQLite.
    #[arg(long, global = true, env = "SAMTALE_DATABASE_URL")]
    database_url: Option<String>,
    /// Directory of the files' ciphertext (default: `blobs` in the data directory; with
    /// PostgreSQL, files need this or an S3 bucket).
    #[arg(long, global = true, env = "SAMTALE_BLOB_DIR")]
    blob_dir: Option<PathBuf>,
    /// Write each file chunk to disk (fsync) before counting it (default true); false is
    /// faster, and a power cut may then lose a chunk the server said it had.
    #[arg(long, global = true, env = "SAMTALE_BLOB_FSYNC")]
    blob_fsync: Option<bool>,
    /// S3-compatible endpoint for files, e.g. https://s3.eu-north-1.amazonaws.com.
    #[arg(long, global = true, env = "SAMTALE_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    #[arg(long, global = true, env = "SAMTALE_S3_BUCKET")]
    s3_bucket: Option<String>,
    #[arg(long, global = true, env = "SAMTALE_S3_REGION")]
    s3_region: Option<String>,
    #[arg(long, global = true, env = "SAMTALE_S3_ACCESS_KEY")]
    s3_access_key: Option<String>,
    // The secret key is read from SAMTALE_S3_SECRET_KEY only, to keep it out of `ps`.
}

/// How notices leave the server (issue 9). The secrets (SAMTALE_SMS_TOKEN,
/// SAMTALE_SMS_WEBHOOK_SECRET, SAMTALE_SMTP_PASSWORD) come from the environment or the config
/// file, never from flags.
#[derive(clap::Args, Default)]
struct NoticeArgs {
    /// GatewayAPI's address (default https://gatewayapi.com); SMS goes only with a token.
    #[arg(long, env = "SAMTALE_SMS_URL")]
    sms_url: Option<String>,
    /// Shown as the sender of the SMS: up to 11 letters (default "Samtale").
    #[arg(long, env = "SAMTALE_SMS_SENDER")]
    sms_sender: Option<String>,
    /// This server's address as the gateway reaches it, for delivery reports.
    #[arg(long, env = "SAMTALE_PUBLIC_URL")]
    public_url: Option<String>,
    /// The mail server for e-mail notices (with --smtp-from).
    #[arg(long, env = "SAMTALE_SMTP_HOST")]
    smtp_host: Option<String>,
    /// Its port (default 587).
    #[arg(long, env = "SAMTALE_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// The sender, e.g. "Samtale <samtale@kommune.dk>".
    #[arg(long, env = "SAMTALE_SMTP_FROM")]
    smtp_from: Option<String>,
    #[arg(long, env = "SAMTALE_SMTP_USERNAME")]
    smtp_username: Option<String>,
    /// A CA certificate (PEM) to trust for the mail server, besides the system's.
    #[arg(long, env = "SAMTALE_SMTP_CA_FILE")]
    smtp_ca_file: Option<std::path::PathBuf>,
    /// STARTTLS required (default true); false only for a mail server on loopback.
    #[arg(long, env = "SAMTALE_SMTP_STARTTLS")]
    smtp_starttls: Option<bool>,
    /// Seconds to wait after a failed try, doubled after each (default 30).
    #[arg(long, env = "SAMTALE_NOTICE_RETRY_SECONDS")]
    notice_retry_seconds: Option<u64>,
    /// Seconds a message from a unit may stay unread before a notice (default 3600).
    #[arg(long, env = "SAMTALE_NOTICE_WAIT_SECONDS")]
    notice_wait_seconds: Option<u64>,
    /// At most one notice per citizen in this many hours (default 12).
    #[arg(long, env = "SAMTALE_NOTICE_GAP_HOURS")]
    notice_gap_hours: Option<u64>,
    /// Quiet hours in Danish time, when notices wait: "21:00-08:00" (default) or "none".
    #[arg(long, env = "SAMTALE_NOTICE_QUIET_HOURS")]
    notice_quiet_hours: Option<String>,
    /// Days after which a number or address not verified again is stale (default 182).
    #[arg(long, env = "SAMTALE_CONTACT_STALE_DAYS")]
    contact_stale_days: Option<u64>,
    /// Days without the app after which a citizen with no usable channel cannot be reached
    /// (default 14).
    #[arg(long, env = "SAMTALE_UNREACHABLE_AFTER_DAYS")]
    unreachable_after_days: Option<u64>,
}

impl NoticeArgs {
    fn settings(&self) -> samtale_server::config::NoticeFileSettings {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        samtale_server::config::NoticeFileSettings {
            sms_url: self.sms_url.clone(),
            sms_token: env("SAMTALE_SMS_TOKEN"),
            sms_sender: self.sms_sender.clone(),
            sms_webhook_secret: env("SAMTALE_SMS_WEBHOOK_SECRET"),
            public_url: self.public_url.clone(),
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port,
            smtp_from: self.smtp_from.clone(),
            smtp_username: self.smtp_username.clone(),
            smtp_password: env("SAMTALE_SMTP_PASSWORD"),
            smtp_ca_file: self.smtp_ca_file.clone(),
            smtp_starttls: self.smtp_starttls,
            notice_retry_seconds: self.notice_retry_seconds,
            notice_wait_seconds: self.notice_wait_seconds,
            notice_gap_hours: self.notice_gap_hours,
            notice_quiet_hours: self.notice_quiet_hours.clone(),
            contact_stale_days: self.contact_stale_days,
            unreachable_after_days: self.unreachable_after_days,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until Ctrl-C or SIGTERM.
    Serve {
        /// Address to listen on; port 0 picks a free port (printed on stdout).
        #[arg(long, env = "SAMTALE_LISTEN")]
        listen: Option<SocketAddr>,
        /// Days an envelope is kept after every member device has fetched it.
        #[arg(long, env = "SAMTALE_RETENTION_DAYS")]
        retention_days: Option<u64>,
        /// Hours a session lives before it must be refreshed.
        #[arg(long, env = "SAMTALE_SESSION_TTL_HOURS")]
        session_ttl_hours: Option<u64>,
        /// Seconds between retention purges.
        #[arg(long, env = "SAMTALE_PURGE_EVERY_SECONDS")]
        purge_every_seconds: Option<u64>,
        /// Failed logins or codes allowed per client address per 10 minutes.
        #[arg(long, env = "SAMTALE_FAILURES_PER_WINDOW")]
        failures_per_window: Option<u32>,
        /// Most devices a youth or parent may have (default 5).
        #[arg(long, env = "SAMTALE_CITIZEN_DEVICES")]
        citizen_devices: Option<u32>,
        /// Most devices a caseworker or admin may have (default 10).
        #[arg(long, env = "SAMTALE_STAFF_DEVICES")]
        staff_devices: Option<u32>,
        /// Days without being seen before a device counts as stale (default 90).
        #[arg(long, env = "SAMTALE_STALE_AFTER_DAYS")]
        stale_after_days: Option<u64>,
        /// Largest file a member may send, in MB (default 100).
        #[arg(long, env = "SAMTALE_MAX_FILE_MB")]
        max_file_mb: Option<u64>,
        /// Files one municipality may keep on the server, in MB (default 50,000).
        #[arg(long, env = "SAMTALE_BLOB_QUOTA_MB")]
        blob_quota_mb: Option<u64>,
        /// Seconds an upload may wait to be sent in a message before it is deleted (default
        /// 86,400: a day).
        #[arg(long, env = "SAMTALE_UNSENT_FILE_SECONDS")]
        unsent_file_seconds: Option<u64>,
        /// Bytes per uploaded chunk, in KiB (default 2048, 64 to 16384). Larger chunks mean
        /// fewer requests and disk syncs per file, and more memory per upload in flight.
        #[arg(long, env = "SAMTALE_CHUNK_KIB")]
        chunk_kib: Option<u32>,
        #[command(flatten)]
        notices: Box<NoticeArgs>,
    },
    /// Create a municipality with its first admin. The password is read from SAMTALE_PASSWORD.
    CreateTenant {
        #[arg(long)]
        name: String,
        /// Short name used at login, e.g. `aarhus`.
        #[arg(long)]
        slug: String,
        #[arg(long)]
        admin_username: String,
        #[arg(long)]
        admin_name: String,
    },
    /// A person's devices (who: --user ID, or --slug and --username for staff).
    Devices(Who),
    /// Remove one device: its sessions end and everyone stops sealing to it.
    RevokeDevice {
        #[arg(long)]
        device: String,
    },
    /// Disable a person: no login, every session ends.
    DisableUser(Who),
    /// Enable a disabled person again.
    EnableUser(Who),
    /// End every session of a person.
    EndSessions(Who),
    /// Set a staff member's password (read from SAMTALE_PASSWORD); their sessions end.
    ResetPassword(Who),
    /// Remove every device of a person and start a new key chain, for a lost phone or a stolen
    /// password. With --new-password, a staff member's password is set from SAMTALE_PASSWORD.
    ResetKeys {
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        new_password: bool,
    },
    /// Add a caseworker or admin. The password is read from SAMTALE_PASSWORD.
    AddStaff {
        #[arg(long)]
        slug: String,
        /// `caseworker` or `admin`.
        #[arg(long, default_value = "caseworker")]
        role: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
    },
    /// Show a municipality's own rules for files; with options, set them (replacing what was
    /// set; what is left out follows the server's settings); with --clear, remove them.
    FilePolicy {
        #[arg(long)]
        slug: String,
        /// Largest file a member may send, in MB.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        max_file_mb: Option<u64>,
        /// Files the municipality may keep on the server, in MB.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        quota_mb: Option<u64>,
        /// The types of file allowed, comma-separated, e.g. `application/pdf,image/*`.
        #[arg(long, value_delimiter = ',')]
        types: Option<Vec<String>>,
        #[arg(long, conflicts_with_all = ["max_file_mb", "quota_mb", "types"])]
        clear: bool,
    },
    /// List a municipality's units; with --add, add one (e.g. "Ungeindsatsen").
    Units {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        add: Option<String>,
    },
    /// Put a staff member in a unit (--unit NAME), or in none (--none). Conversations she
    /// starts belong to her unit.
    StaffUnit {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        username: String,
        #[arg(long, required_unless_present = "none")]
        unit: Option<String>,
        #[arg(long, conflicts_with = "unit")]
        none: bool,
    },
}

/// Whom an administrative command acts on.
#[derive(Args, Clone)]
struct Who {
    /// The person's user id.
    #[arg(long, conflicts_with_all = ["slug", "username"])]
    user: Option<String>,
    /// The municipality's short name (with --username, for staff).
    #[arg(long, requires = "username")]
    slug: Option<String>,
    #[arg(long, requires = "slug")]
    username: Option<String>,
}

impl Who {
    async fn find<S: Store>(&self, store: &S) -> Result<samtale_server::store::User> {
        let found = match (&self.user, &self.slug, &self.username) {
            (Some(id), _, _) => admin::user_by_id(store, id).await?,
            (None, Some(slug), Some(name)) => admin::staff_by_name(store, slug, name).await?,
            _ => anyhow::bail!("say whom: --user ID, or --slug and --username"),
        };
        Ok(found)
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_json);
    let file = match &cli.storage.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let mut overrides = Overrides {
        data_dir: cli.storage.data_dir.clone(),
        database_url: cli.storage.database_url.clone(),
        blob_dir: cli.storage.blob_dir.clone(),
        blob_fsync: cli.storage.blob_fsync,
        s3: S3Settings {
            s3_endpoint: cli.storage.s3_endpoint.clone(),
            s3_bucket: cli.storage.s3_bucket.clone(),
            s3_region: cli.storage.s3_region.clone(),
            s3_access_key: cli.storage.s3_access_key.clone(),
            s3_secret_key: std::env::var("SAMTALE_S3_SECRET_KEY").ok(),
        },
        // A secret: from the environment (or the config file), never a flag.
        contact_key: std::env::var("SAMTALE_CONTACT_KEY").ok(),
        ..Default::default()
    };
    if let Command::Serve {
        listen,
        retention_days,
        session_ttl_hours,
        purge_every_seconds,
        failures_per_window,
        citizen_devices,
        staff_devices,
        stale_after_days,
        max_file_mb,
        blob_quota_mb,
        unsent_file_seconds,
        chunk_kib,
        notices,
    } = &cli.command
    {
        overrides.notices = notices.settings();
        overrides.unsent_file_seconds = *unsent_file_seconds;
        overrides.chunk_kib = *chunk_kib;
        overrides.max_file_mb = *max_file_mb;
        overrides.blob_quota_mb = *blob_quota_mb;
        overrides.citizen_devices = *citizen_devices;
        overrides.staff_devices = *staff_devices;
        overrides.stale_after_days = *stale_after_days;
        overrides.listen = *listen;
        overrides.retention_days = *retention_days;
        overrides.session_ttl_hours = *session_ttl_hours;
        overrides.purge_every_seconds = *purge_every_seconds;
        overrides.failures_per_window = *failures_per_window;
    }
    let config = Config::resolve(file, overrides)?;
    match config.backend.clone() {
        Backend::Sqlite { data_dir } => {
            std::fs::create_dir_all(&data_dir).with_context(|| {
                format!("cannot create the data directory {}", data_dir.display())
            })?;
            let store = SqliteStore::open(data_dir.join("samtale.db"))
                .context("cannot open the SQLite database")?;
            run(store, &config, cli.command).await
        }
        Backend::Postgres { url } => {
            let store = PgStore::connect(&url, 16)
                .await
                .context("cannot connect to PostgreSQL")?;
            run(store, &config, cli.command).await
        }
    }
}

async fn run<S: Store>(store: S, config: &Config, command: Command) -> Result<()> {
    store
        .migrate()
        .await
        .context("cannot create or upgrade the database schema")?;
    match command {
        Command::Serve { .. } => {
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, backend = ?config.backend, files = ?config.blobs, "listening");
            // Tests and scripts read this line to learn the port.
            let mut out = std::io::stdout().lock();
            writeln!(out, "samtale-server listening on http://{addr}")?;
            out.flush()?;
            drop(out);
            let blobs = match &config.blobs {
                Some(b) => Some(ChunkStore::open(b).context("cannot open the file store")?),
                None => {
                    tracing::warn!("no file store: set blob_dir or s3_* to take files");
                    None
                }
            };
            serve::serve(
                store,
                listener,
                serve::Setup {
                    contact_key: config.contact_key.clone(),
                    notices: config.notices.clone(),
                    limits: config.limits.clone(),
                    purge_every: config.purge_every,
                    blobs,
                },
                serve::shutdown_signal(),
            )
            .await?;
            tracing::info!("stopped");
        }
        Command::CreateTenant {
            name,
            slug,
            admin_username,
            admin_name,
        } => {
            let password = password_from_env()?;
            let (tenant, admin) = admin::create_tenant(
                &store,
                &name,
                &slug,
                &admin_username,
                &admin_name,
                &password,
            )
            .await?;
            println!(
                "created municipality {} ({}) with admin {} ({})",
                tenant.name, tenant.id, admin_username, admin.id
            );
        }
        Command::Devices(who) => {
            let user = who.find(&store).await?;
            for d in store.devices_of(&user.id).await? {
                let state = if d.revoked_at_ms.is_some() {
                    "removed"
                } else {
                    "active"
                };
                println!(
                    "{}  {:<28} chain {}  {state}  added by {}",
                    d.id,
                    d.name,
                    d.chain,
                    d.link
                        .as_ref()
                        .map_or("(first device)".to_owned(), |l| l.signer.to_string())
                );
            }
        }
        Command::RevokeDevice { device } => {
            let device = admin::device_by_id(&store, &device).await?;
            accounts::revoke_device(&store, None, &device, None).await?;
            println!("removed device {}", device.id);
        }
        Command::DisableUser(who) => {
            let user = who.find(&store).await?;
            accounts::set_disabled(&store, None, &user, true, None).await?;
            println!("disabled {}", user.id);
        }
        Command::EnableUser(who) => {
            let user = who.find(&store).await?;
            accounts::set_disabled(&store, None, &user, false, None).await?;
            println!("enabled {}", user.id);
        }
        Command::EndSessions(who) => {
            let user = who.find(&store).await?;
            accounts::end_sessions(&store, None, &user, None).await?;
            println!("ended the sessions of {}", user.id);
        }
        Command::ResetPassword(who) => {
            let user = who.find(&store).await?;
            let password = password_from_env()?;
            accounts::set_password(&store, None, &user, &password, None).await?;
            println!("set the password of {}", user.id);
        }
        Command::ResetKeys { who, new_password } => {
            let user = who.find(&store).await?;
            let password = if new_password {
                Some(password_from_env()?)
            } else {
                None
            };
            let chain =
                accounts::reset_keys(&store, None, &user, password.as_deref(), None).await?;
            println!("reset the keys of {}: new key chain {chain}", user.id);
        }
        Command::AddStaff {
            slug,
            role,
            username,
            name,
        } => {
            let role = Role::parse(&role)
                .filter(|r| r.is_staff())
                .context("--role must be caseworker or admin")?;
            let password = password_from_env()?;
            let user = admin::add_staff(&store, &slug, role, &username, &name, &password).await?;
            println!("added {} {} ({})", role.as_str(), username, user.id);
        }
        Command::Units { slug, add } => {
            if let Some(name) = add {
                let u = admin::add_unit(&store, &slug, &name).await?;
                println!("added unit {} ({})", u.name, u.id);
            }
            for u in admin::units(&store, &slug).await? {
                println!("{}  {}", u.id, u.name);
            }
        }
        Command::StaffUnit {
            slug,
            username,
            unit,
            none: _,
        } => {
            let (user, found) =
                admin::set_staff_unit(&store, &slug, &username, unit.as_deref()).await?;
            match found {
                Some(u) => println!("{} ({}) is in {}", username, user.id, u.name),
                None => println!("{} ({}) is in no unit", username, user.id),
            }
        }
        Command::FilePolicy {
            slug,
            max_file_mb,
            quota_mb,
            types,
            clear,
        } => {
            let asked = max_file_mb.is_some() || quota_mb.is_some() || types.is_some();
            let policy = if clear {
                admin::set_file_policy(&store, &slug, None).await?
            } else if asked {
                let mb = |n: u64| n.saturating_mul(1_000_000);
                let policy = samtale_server::store::FilePolicy {
                    max_file_bytes: max_file_mb.map(mb),
                    quota_bytes: quota_mb.map(mb),
                    allowed_types: types
                        .map(|t| t.into_iter().map(|r| r.trim().to_owned()).collect()),
                };
                admin::set_file_policy(&store, &slug, Some(policy)).await?
            } else {
                admin::file_policy(&store, &slug).await?.1
            };
            print_file_policy(&slug, policy.as_ref(), &config.limits);
        }
    }
    Ok(())
}

/// The rules in force for a municipality, its own or the server's.
fn print_file_policy(
    slug: &str,
    own: Option<&samtale_server::store::FilePolicy>,
    server: &samtale_server::config::Limits,
) {
    let own = own.cloned().unwrap_or_default();
    let source = |set: bool| if set { "" } else { " (the server's setting)" };
    println!("file rules of {slug}:");
    println!(
        "  largest file: {} MB{}",
        own.max_file_bytes.unwrap_or(server.max_file_bytes) / 1_000_000,
        source(own.max_file_bytes.is_some())
    );
    println!(
        "  storage: {} MB{}",
        own.quota_bytes.unwrap_or(server.blob_quota_bytes) / 1_000_000,
        source(own.quota_bytes.is_some())
    );
    match own.allowed_types {
        Some(t) => println!("  types: {}", t.join(", ")),
        None => println!("  types: every type but programs (the server's setting)"),
    }
}

fn password_from_env() -> Result<String> {
    std::env::var("SAMTALE_PASSWORD").context("set SAMTALE_PASSWORD to the new account's password")
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
