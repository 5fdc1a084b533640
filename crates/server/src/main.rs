//! `samtale-server`: serve the sync API, or bootstrap municipalities and staff.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use samtale_proto::api::Role;
use samtale_server::config::{Backend, Config, FileConfig, Overrides};
use samtale_server::store::Store;
use samtale_server::store::postgres::PgStore;
use samtale_server::store::sqlite::SqliteStore;
use samtale_server::{admin, serve};

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
    } = &cli.command
    {
        overrides.citizen_devices = *citizen_devices;
        overrides.staff_devices = *staff_devices;
        overrides.stale_after_days = *stale_after_days;
        overrides.listen = *listen;
        overrides.retention_days = *retention_days;
        overrides.session_ttl_hours = *session_ttl_hours;
        overrides.purge_every_seconds = *purge_every_seconds;
        overrides.failures_per_window = *failures_per_window;
    }
    let config = Config::resolve(file, overrides);
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
            tracing::info!(%addr, backend = ?config.backend, "listening");
            // Tests and scripts read this line to learn the port.
            let mut out = std::io::stdout().lock();
            writeln!(out, "samtale-server listening on http://{addr}")?;
            out.flush()?;
            drop(out);
            serve::serve(
                store,
                listener,
                config.limits.clone(),
                config.purge_every,
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
    }
    Ok(())
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
