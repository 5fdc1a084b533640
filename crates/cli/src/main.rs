//! `samtale`: a headless Samtale client on the engine, for caseworkers' scripts, admins, tests
//! and load. Each command opens the profile, does one thing and prints it (or JSON with
//! `--json`).
//!
//! The profile's database key comes from `SAMTALE_DB_KEY` (64 hex characters) or, failing
//! that, from a key file `db.key` in the profile directory, created on first use with mode 0600.
//! The app keeps its key in the OS key store instead; a key file is only as safe as the account
//! that can read it.

mod cards;
mod care;
mod consents;
mod contacts;
mod files;
mod key;
mod print;
mod print_cards;
mod print_care;
mod records;
mod units;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use samtale_client::Client;
use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::{ThreadId, UserId};

#[derive(Parser)]
#[command(name = "samtale", version, about = "Headless Samtale client")]
struct Cli {
    /// Profile directory: the encrypted database and (without SAMTALE_DB_KEY) its key file.
    #[arg(
        long,
        global = true,
        env = "SAMTALE_PROFILE",
        default_value = "samtale-profile"
    )]
    profile: PathBuf,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Join with an invitation code (or a QR payload) from your caseworker.
    Join {
        /// `ABCD-EFGH-JKMN-PQRS` or `samtale:join?...`.
        code: String,
        /// Server address, e.g. http://127.0.0.1:8080 (a QR payload carries its own).
        #[arg(long)]
        server: Option<String>,
        /// Your name as the others will see it.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "samtale-cli")]
        device: String,
    },
    /// Log in as a caseworker or admin. The password is read from the variable --password-env names.
    Login {
        #[arg(long)]
        server: String,
        /// The municipality's short name.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "SAMTALE_PASSWORD")]
        password_env: String,
        #[arg(long, default_value = "samtale-cli")]
        device: String,
    },
    /// Who this profile is signed in as.
    Whoami,
    /// Invite a youth, or a parent of a youth (caseworkers).
    Invite {
        /// `youth` or `parent`.
        #[arg(long)]
        role: String,
        /// The name you know them by.
        #[arg(long)]
        name: String,
        /// For a parent: the youth's user id.
        #[arg(long)]
        youth: Option<String>,
        #[arg(long)]
        ttl_minutes: Option<u32>,
        /// Invite again a person whose keys an administrator reset (their user id): they keep
        /// their account and conversations.
        #[arg(long)]
        again: Option<String>,
    },
    /// Invitations made on this profile and whether they were used.
    Invitations,
    /// Start a thread (caseworkers): `new-thread --kind family USER...`.
    NewThread {
        /// `youth`, `parents` or `family`.
        #[arg(long)]
        kind: String,
        members: Vec<String>,
    },
    /// Set who is in a thread (caseworkers).
    Members {
        thread: String,
        members: Vec<String>,
    },
    /// List threads with unread counts.
    Threads,
    /// Send a message.
    Send { thread: String, text: String },
    /// Plan a message for later: the server sends it at --at (Danish time) even while this
    /// device is off.
    PlanMessage {
        thread: String,
        text: String,
        /// `YYYY-MM-DDTHH:MM`, Danish time.
        #[arg(long)]
        at: String,
    },
    /// Your planned messages.
    Planned,
    /// Cancel a planned message before it goes out.
    CancelPlanned { message: String },
    /// Show a thread's messages and mark them read.
    Read {
        thread: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Search all messages on this device.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// People you talk to, their devices and safety codes.
    People,
    /// Push what waits and fetch what is new.
    Sync,
    /// Stay connected and sync as things arrive, for the given number of seconds.
    Listen {
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// On a new device: ask to be linked to your account; prints the code to enter on a device
    /// you already have, then waits for it (up to --wait seconds).
    LinkStart {
        #[arg(long)]
        server: String,
        /// This device's name as your contacts will see it.
        #[arg(long, default_value = "samtale-cli")]
        device: String,
        #[arg(long, default_value_t = 600)]
        wait: u64,
    },
    /// On a new device: wait again for a link started before.
    LinkWait {
        #[arg(long, default_value_t = 600)]
        wait: u64,
    },
    /// On a device you have: show what a new device's link code leads to (its safety code).
    LinkPreview { code: String },
    /// On a device you have: vouch for the new device behind the code. Compare the safety code
    /// with the new device's first (`link-preview`).
    LinkAccept { code: String },
    /// This account's devices.
    Devices,
    /// Remove one of this account's other devices.
    RemoveDevice { device: String },
    /// Notices about this account (devices added or removed).
    Alerts,
    /// After an administrator reset someone's keys: you compared safety codes with them.
    ConfirmCodes { user: String },
    #[command(flatten)]
    Care(care::CareCommand),
    #[command(flatten)]
    Cards(cards::CardCommand),
    #[command(flatten)]
    Files(files::FileCommand),
    #[command(flatten)]
    Records(records::RecordCommand),
    #[command(flatten)]
    Contacts(contacts::ContactCommand),
    #[command(flatten)]
    Consents(consents::ConsentCommand),
    #[command(flatten)]
    Units(units::UnitCommand),
    /// Administrators: act on a person's account.
    Admin {
        #[command(subcommand)]
        action: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// A person's devices.
    Devices { user: String },
    /// Disable a person: no login, every session ends.
    Disable { user: String },
    /// Enable a disabled person again.
    Enable { user: String },
    /// End every session of a person.
    Logout { user: String },
    /// Set a staff member's password (read from the variable --password-env names).
    Password {
        user: String,
        #[arg(long, default_value = "SAMTALE_NEW_PASSWORD")]
        password_env: String,
    },
    /// Remove every device of a person and start a new key chain; staff may get a new password
    /// at once (from the variable --password-env names, when set).
    Reset {
        user: String,
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Remove one device.
    RevokeDevice { device: String },
}

/// Polls until the other device accepted the link, or `seconds` pass.
async fn wait_for_link(client: &Client, seconds: u64, out: &print::Printer) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if client.poll_link().await? {
            let _ = client.sync().await;
            let account = client.account()?.context("linked but not signed in")?;
            return out.account(&account);
        }
        if std::time::Instant::now() >= deadline {
            bail!("not linked yet; run `samtale link-wait` to keep waiting");
        }
        // Polling is what the new device can do: it has no session to be woken on.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

async fn admin(client: &Client, action: AdminCommand, out: &print::Printer) -> Result<()> {
    use samtale_client::admin::AdminAction;
    let user = |s: &str| UserId::parse(s.trim()).with_context(|| format!("{s:?} is not a user id"));
    match action {
        AdminCommand::Devices { user: u } => {
            let list = client.admin_devices(&user(&u)?).await?;
            out.device_list(&list)
        }
        AdminCommand::Disable { user: u } => {
            client.admin_act(&user(&u)?, AdminAction::Disable).await?;
            out.done("disabled")
        }
        AdminCommand::Enable { user: u } => {
            client.admin_act(&user(&u)?, AdminAction::Enable).await?;
            out.done("enabled")
        }
        AdminCommand::Logout { user: u } => {
            client
                .admin_act(&user(&u)?, AdminAction::EndSessions)
                .await?;
            out.done("sessions ended")
        }
        AdminCommand::Password {
            user: u,
            password_env,
        } => {
            let password = std::env::var(&password_env)
                .with_context(|| format!("set {password_env} to the new password"))?;
            client.admin_set_password(&user(&u)?, &password).await?;
            out.done("password set")
        }
        AdminCommand::Reset {
            user: u,
            password_env,
        } => {
            let password = password_env
                .map(|v| std::env::var(&v).with_context(|| format!("set {v} to the new password")))
                .transpose()?;
            let chain = client.admin_reset(&user(&u)?, password.as_deref()).await?;
            out.done(&format!("reset: new key chain {chain}"))
        }
        AdminCommand::RevokeDevice { device } => {
            let id = samtale_proto::DeviceId::parse(device.trim())
                .with_context(|| format!("{device:?} is not a device id"))?;
            client.admin_revoke_device(&id).await?;
            out.done("removed")
        }
    }
}

fn thread_id(s: &str) -> Result<ThreadId> {
    ThreadId::parse(s.trim())
        .with_context(|| format!("{s:?} is not a thread id; `samtale threads` lists them"))
}

fn user_ids(v: &[String]) -> Result<Vec<UserId>> {
    v.iter()
        .map(|s| UserId::parse(s.trim()).with_context(|| format!("{s:?} is not a user id")))
        .collect()
}

/// Rust ignores SIGPIPE, which turns a reader going away (`samtale threads | head -1`) into a
/// panic on the next print. A command-line tool should end quietly instead, like the others.
#[cfg(unix)]
fn default_sigpipe() {
    // SAFETY: sets the signal's disposition to the system default; no handler runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[tokio::main]
async fn main() {
    #[cfg(unix)]
    default_sigpipe();
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("samtale: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let key = key::load_or_create(&cli.profile)?;
    let client = Arc::new(Client::open(&cli.profile, &key)?);
    let out = print::Printer { json: cli.json };
    match cli.command {
        Command::Join {
            code,
            server,
            name,
            device,
        } => {
            let account = client
                .join(server.as_deref(), &code, &name, &device)
                .await?;
            let _ = client.sync().await;
            out.account(&account)
        }
        Command::Login {
            server,
            tenant,
            username,
            password_env,
            device,
        } => {
            let password = std::env::var(&password_env)
                .with_context(|| format!("set {password_env} to your password"))?;
            let account = client
                .login(&server, &tenant, &username, &password, &device)
                .await?;
            let _ = client.sync().await;
            out.account(&account)
        }
        Command::Whoami => match client.account()? {
            Some(a) => out.account(&a),
            None => bail!("this profile is not signed in; use `samtale join` or `samtale login`"),
        },
        Command::Invite {
            role,
            name,
            youth,
            ttl_minutes,
            again,
        } => {
            let role = match role.as_str() {
                "youth" => Role::Youth,
                "parent" => Role::Parent,
                other => bail!("--role must be youth or parent, not {other:?}"),
            };
            let youth = youth
                .map(|y| UserId::parse(&y).with_context(|| format!("{y:?} is not a user id")))
                .transpose()?;
            let inv = match again {
                Some(user) => {
                    let user = UserId::parse(user.trim())
                        .with_context(|| format!("{user:?} is not a user id"))?;
                    client.invite_again(user, role, &name, youth).await?
                }
                None => client.invite(role, &name, youth, ttl_minutes).await?,
            };
            out.invitation(&inv)
        }
        Command::Invitations => {
            let _ = client.sync().await;
            out.invitations(&client.invitations()?)
        }
        Command::NewThread { kind, members } => {
            let kind = ThreadKind::parse(&kind).with_context(|| {
                format!("--kind must be youth, parents or family, not {kind:?}")
            })?;
            let id = client.create_thread(kind, user_ids(&members)?).await?;
            out.thread_id(&id)
        }
        Command::Members { thread, members } => {
            let thread = thread_id(&thread)?;
            client.set_members(&thread, user_ids(&members)?).await?;
            out.thread_id(&thread)
        }
        Command::Threads => {
            let _ = client.sync().await;
            out.threads(&client.threads()?)
        }
        Command::Send { thread, text } => {
            let msg = client.send(&thread_id(&thread)?, &text).await?;
            out.message(&msg)
        }
        Command::PlanMessage { thread, text, at } => {
            let at = care::local_moment(&at)?;
            let msg = client.plan_message(&thread_id(&thread)?, &text, at).await?;
            out.message(&msg)
        }
        Command::Planned => out.messages(&client.planned()?),
        Command::CancelPlanned { message } => {
            let id = samtale_proto::EnvelopeId::parse(message.trim())
                .with_context(|| format!("{message:?} is not a message id"))?;
            client.cancel_planned(&id).await?;
            out.done("cancelled")
        }
        Command::Read { thread, limit } => {
            let thread = thread_id(&thread)?;
            let _ = client.sync().await;
            let messages = client.messages(&thread, limit)?;
            client.mark_read(&thread).await?;
            out.messages(&messages)
        }
        Command::Search { query, limit } => {
            let _ = client.sync().await;
            out.messages(&client.search(&query, limit)?)
        }
        Command::People => out.people(&client.people()?),
        Command::LinkStart {
            server,
            device,
            wait,
        } => {
            let view = client.start_link(&server, &device).await?;
            out.link_code(&view)?;
            wait_for_link(&client, wait, &out).await
        }
        Command::LinkWait { wait } => wait_for_link(&client, wait, &out).await,
        Command::LinkPreview { code } => out.link_preview(&client.preview_link(&code).await?),
        Command::LinkAccept { code } => {
            let linked = client.accept_link(&code).await?;
            out.link_preview(&linked)
        }
        Command::Devices => out.devices(&client.own_devices().await?),
        Command::RemoveDevice { device } => {
            client.remove_device(&device).await?;
            out.done("removed")
        }
        Command::Alerts => {
            let _ = client.sync().await;
            let alerts = client.alerts()?;
            client.mark_alerts_seen()?;
            out.alerts(&alerts)
        }
        Command::ConfirmCodes { user } => {
            let user =
                UserId::parse(user.trim()).with_context(|| format!("{user:?} is not a user id"))?;
            client.confirm_codes(&user)?;
            out.done("confirmed")
        }
        Command::Admin { action } => admin(&client, action, &out).await,
        Command::Care(command) => care::run(&client, command, &out).await,
        Command::Cards(command) => cards::run(&client, command, &out).await,
        Command::Files(command) => files::run(&client, command, &out).await,
        Command::Records(command) => records::run(&client, command, &out).await,
        Command::Contacts(command) => contacts::run(&client, command, &out).await,
        Command::Consents(command) => consents::run(&client, command, &out).await,
        Command::Units(command) => units::run(&client, command, &out).await,
        Command::Sync => out.sync(&client.sync().await?),
        Command::Listen { seconds } => {
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            let mut events = client.subscribe();
            let live = tokio::spawn(client.clone().run_live(stop_rx));
            let deadline = tokio::time::sleep(std::time::Duration::from_secs(seconds));
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    ev = events.recv() => match ev {
                        Ok(ev) => out.event(&ev)?,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(_) => break,
                    },
                }
            }
            let _ = stop_tx.send(true);
            let _ = live.await;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    /// clap's own checks of the command line.
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    /// Each record command parses and reads its values (an argument named like the global
    /// `--json` broke `set-connector` with a panic that the check above does not see).
    #[test]
    fn the_record_commands_parse() {
        let cases: [&[&str]; 9] = [
            &[
                "set-connector",
                r#"{"kind":"folder","path":"/srv/journal"}"#,
            ],
            &["--json", "set-connector", "none"],
            &[
                "record",
                "T",
                "--message",
                "M",
                "--case-number",
                "1",
                "--title",
                "t",
            ],
            &[
                "--json",
                "record",
                "T",
                "--message",
                "M",
                "--case-number",
                "1",
                "--title",
                "t",
                "--preview",
            ],
            &[
                "record",
                "T",
                "--checkins-from",
                "2026-11-02",
                "--checkins-to",
                "2026-11-03",
                "--case-number",
                "1",
                "--title",
                "t",
            ],
            &["records"],
            &["retry-records"],
            &["save-record", "R", "--dir", "/tmp"],
            &["--json", "audit-log", "--limit", "5"],
        ];
        for args in cases {
            let argv = ["samtale", "--profile", "/tmp/p"].iter().chain(args);
            let parsed = super::Cli::try_parse_from(argv);
            assert!(parsed.is_ok(), "{args:?}: {:?}", parsed.err());
        }
        // A period needs both ends.
        let half = [
            "samtale",
            "--profile",
            "/tmp/p",
            "record",
            "T",
            "--checkins-from",
            "2026-11-02",
            "--case-number",
            "1",
            "--title",
            "t",
        ];
        assert!(super::Cli::try_parse_from(half).is_err());
    }
}
