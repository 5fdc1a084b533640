//! Server configuration: defaults, then an optional TOML file, then environment and flags (clap
//! reads both), each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::blobs::{BlobBackend, S3Config};

/// Where the server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file, `samtale.db`, in this directory (created if missing).
    Sqlite { data_dir: PathBuf },
    /// A PostgreSQL database by URL, e.g. `postgres://samtale@db/samtale`.
    Postgres { url: String },
}

/// The settings `serve` runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub backend: Backend,
    pub limits: Limits,
    pub purge_every: Duration,
    /// Where files go; None: the server takes no files (PostgreSQL without `blob_dir` or S3).
    pub blobs: Option<BlobBackend>,
    /// The key the contact register is sealed under; None: the server keeps no contacts.
    pub contact_key: Option<std::sync::Arc<samtale_crypto::at_rest::AtRestKey>>,
    pub notices: NoticeSettings,
}

/// How notices leave the server (issue 9): an SMS gateway, a mail server, both or neither.
#[derive(Debug, Clone, Default)]
pub struct NoticeSettings {
    pub sms: Option<SmsSettings>,
    pub smtp: Option<crate::notices::email::SmtpSettings>,
    /// Wait after a failed try, doubled after each (default 30 s).
    pub retry_base: Duration,
    /// When a notice goes (wait, gap, quiet hours, staleness, unreachable).
    pub rules: crate::notices::rules::Settings,
}

/// "21:00-08:00" as ((21, 0), (8, 0)); "none" as an empty window.
fn quiet_hours(text: &str) -> Option<((u32, u32), (u32, u32))> {
    if text.trim() == "none" {
        return Some(((0, 0), (0, 0)));
    }
    let clock = |t: &str| -> Option<(u32, u32)> {
        let (h, m) = t.trim().split_once([':', '.'])?;
        let (h, m) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some((h, m))
    };
    let (from, to) = text.split_once('-')?;
    Some((clock(from)?, clock(to)?))
}

/// GatewayAPI's REST API.
#[derive(Clone)]
pub struct SmsSettings {
    /// `https://gatewayapi.com` (default) or `https://gatewayapi.eu`.
    pub url: String,
    pub token: String,
    /// Shown as the sender: up to 11 letters (default "Samtale").
    pub sender: String,
    /// The secret delivery reports are signed with; without it reports are refused.
    pub webhook_secret: Option<String>,
    /// The server's address as the gateway reaches it, for `callback_url`.
    pub public_url: Option<String>,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings")
            .field("url", &self.url)
            .field("token", &"(set)")
            .field("sender", &self.sender)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "(set)"),
            )
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// Rules the routes enforce.
#[derive(Debug, Clone)]
pub struct Limits {
    pub session_ttl: Duration,
    pub retention: Duration,
    pub invitation_ttl_max: Duration,
    pub invitation_attempts: u32,
    /// Failed logins or codes per client address in one window before it is refused.
    pub failures_per_window: u32,
    pub failure_window: Duration,
    /// Most devices (not removed) a youth or parent may have.
    pub citizen_devices: u32,
    /// Most devices (not removed) a caseworker or admin may have.
    pub staff_devices: u32,
    /// A device not seen for this long is stale: shown as such to its owner and no longer
    /// holding back the deletion of old messages.
    pub stale_after: Duration,
    /// Largest file (plaintext) a member may send.
    pub max_file_bytes: u64,
    /// Bytes of files one municipality may keep on the server at once.
    pub blob_quota_bytes: u64,
    /// Bytes per uploaded chunk (the last one of a file may be shorter).
    pub chunk_size: u32,
    /// An upload not sent in a message within this time is deleted.
    pub unsent_blob_ttl: Duration,
}

impl Limits {
    /// The device cap for a person of `role`.
    pub fn device_cap(&self, role: samtale_proto::api::Role) -> u32 {
        if role.is_staff() {
            self.staff_devices
        } else {
            self.citizen_devices
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            retention: Duration::from_secs(30 * 24 * 3600),
            invitation_ttl_max: Duration::from_secs(14 * 24 * 3600),
            invitation_attempts: 5,
            failures_per_window: 20,
            failure_window: Duration::from_secs(600),
            citizen_devices: 5,
            staff_devices: 10,
            stale_after: Duration::from_secs(90 * 24 * 3600),
            max_file_bytes: 100 * 1000 * 1000,
            blob_quota_bytes: 50 * 1000 * 1000 * 1000,
            chunk_size: 2 << 20,
            unsent_blob_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// The TOML file's shape; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub retention_days: Option<u64>,
    pub session_ttl_hours: Option<u64>,
    pub purge_every_seconds: Option<u64>,
    pub failures_per_window: Option<u32>,
    pub citizen_devices: Option<u32>,
    pub staff_devices: Option<u32>,
    pub stale_after_days: Option<u64>,
    /// Largest file in MB (1,000,000 bytes).
    pub max_file_mb: Option<u64>,
    /// Files one municipality may keep on the server, in MB.
    pub blob_quota_mb: Option<u64>,
    /// Seconds an upload may wait to be sent in a message before it is deleted (default a day).
    pub unsent_file_seconds: Option<u64>,
    /// Bytes per uploaded chunk, in KiB (default 2048; 64 to 16384).
    pub chunk_kib: Option<u32>,
    /// The key (64 hex digits) citizens' numbers and addresses are sealed under; better given
    /// as SAMTALE_CONTACT_KEY than in this file. Without it the server keeps no contacts.
    pub contact_key: Option<String>,
    /// Directory of the files' ciphertext (default: `blobs` in `data_dir` with SQLite).
    pub blob_dir: Option<PathBuf>,
    /// Each chunk written to disk (fsync) before it is counted (default true). False trades
    /// that for speed: a power cut may then lose a chunk the server said it had.
    pub blob_fsync: Option<bool>,
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key: Option<String>,
    pub s3_secret_key: Option<String>,
    // Notices (see `NoticeFileSettings`). Listed here, not flattened: serde cannot refuse
    // unknown keys across a flattened struct.
    pub sms_url: Option<String>,
    pub sms_token: Option<String>,
    pub sms_sender: Option<String>,
    pub sms_webhook_secret: Option<String>,
    pub public_url: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_from: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_ca_file: Option<PathBuf>,
    pub smtp_starttls: Option<bool>,
    pub notice_retry_seconds: Option<u64>,
    pub notice_wait_seconds: Option<u64>,
    pub notice_gap_hours: Option<u64>,
    pub notice_quiet_hours: Option<String>,
    pub contact_stale_days: Option<u64>,
    pub unreachable_after_days: Option<u64>,
}

/// The notice settings, in the file and as flags or environment alike; see `NoticeSettings`.
#[derive(Default, Clone)]
pub struct NoticeFileSettings {
    /// GatewayAPI's address (default https://gatewayapi.com); SMS goes only with a token.
    pub sms_url: Option<String>,
    pub sms_token: Option<String>,
    pub sms_sender: Option<String>,
    pub sms_webhook_secret: Option<String>,
    /// This server's address as the gateway reaches it (for delivery reports).
    pub public_url: Option<String>,
    /// The mail server for e-mail notices; e-mail goes only with a host and a from address.
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_from: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_ca_file: Option<PathBuf>,
    /// STARTTLS required (default true); false only for a mail server on loopback.
    pub smtp_starttls: Option<bool>,
    /// Seconds to wait after a failed try, doubled after each (default 30).
    pub notice_retry_seconds: Option<u64>,
    /// A message unread this long gets a notice (default 3600).
    pub notice_wait_seconds: Option<u64>,
    /// At most one notice per citizen in this many hours (default 12).
    pub notice_gap_hours: Option<u64>,
    /// Quiet hours in Danish time, "21:00-08:00" (default), or "none".
    pub notice_quiet_hours: Option<String>,
    /// A number or address not verified for this many days is stale (default 182).
    pub contact_stale_days: Option<u64>,
    /// With no channel, a citizen whose app has not been opened for this many days cannot be
    /// reached (default 14).
    pub unreachable_after_days: Option<u64>,
}

impl std::fmt::Debug for NoticeFileSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| v.as_ref().map(|_| "(set)");
        f.debug_struct("NoticeFileSettings")
            .field("sms_url", &self.sms_url)
            .field("sms_token", &set(&self.sms_token))
            .field("sms_sender", &self.sms_sender)
            .field("sms_webhook_secret", &set(&self.sms_webhook_secret))
            .field("smtp_host", &self.smtp_host)
            .field("smtp_from", &self.smtp_from)
            .field("smtp_password", &set(&self.smtp_password))
            .finish_non_exhaustive()
    }
}

impl NoticeFileSettings {
    /// Each value from `self` where set, else from `other`.
    pub fn or(self, other: NoticeFileSettings) -> NoticeFileSettings {
        NoticeFileSettings {
            sms_url: self.sms_url.or(other.sms_url),
            sms_token: self.sms_token.or(other.sms_token),
            sms_sender: self.sms_sender.or(other.sms_sender),
            sms_webhook_secret: self.sms_webhook_secret.or(other.sms_webhook_secret),
            public_url: self.public_url.or(other.public_url),
            smtp_host: self.smtp_host.or(other.smtp_host),
            smtp_port: self.smtp_port.or(other.smtp_port),
            smtp_from: self.smtp_from.or(other.smtp_from),
            smtp_username: self.smtp_username.or(other.smtp_username),
            smtp_password: self.smtp_password.or(other.smtp_password),
            smtp_ca_file: self.smtp_ca_file.or(other.smtp_ca_file),
            smtp_starttls: self.smtp_starttls.or(other.smtp_starttls),
            notice_retry_seconds: self.notice_retry_seconds.or(other.notice_retry_seconds),
            notice_wait_seconds: self.notice_wait_seconds.or(other.notice_wait_seconds),
            notice_gap_hours: self.notice_gap_hours.or(other.notice_gap_hours),
            notice_quiet_hours: self.notice_quiet_hours.or(other.notice_quiet_hours),
            contact_stale_days: self.contact_stale_days.or(other.contact_stale_days),
            unreachable_after_days: self.unreachable_after_days.or(other.unreachable_after_days),
        }
    }

    fn resolve(self) -> Result<NoticeSettings, ConfigError> {
        let sms = match self.sms_token {
            None => None,
            Some(token) => {
                let sender = self.sms_sender.unwrap_or_else(|| "Samtale".to_owned());
                let ok = (1..=11).contains(&sender.chars().count())
                    && sender
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == ' ')
                    || (1..=15).contains(&sender.len())
                        && sender.bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    return Err(ConfigError::Incomplete(
                        "sms_sender is up to 11 letters and digits, or up to 15 digits",
                    ));
                }
                Some(SmsSettings {
                    url: self
                        .sms_url
                        .unwrap_or_else(|| "https://gatewayapi.com".to_owned()),
                    token,
                    sender,
                    webhook_secret: self.sms_webhook_secret,
                    public_url: self.public_url,
                })
            }
        };
        let smtp = match (self.smtp_host, self.smtp_from) {
            (None, None) => None,
            (Some(host), Some(from)) => Some(crate::notices::email::SmtpSettings {
                host,
                port: self.smtp_port.unwrap_or(587),
                from,
                username: self.smtp_username,
                password: self.smtp_password,
                ca_file: self.smtp_ca_file,
                starttls: self.smtp_starttls.unwrap_or(true),
            }),
            _ => {
                return Err(ConfigError::Incomplete(
                    "for e-mail notices, set both smtp_host and smtp_from",
                ));
            }
        };
        let mut rules = crate::notices::rules::Settings::default();
        let ms = |secs: u64| i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        if let Some(s) = self.notice_wait_seconds {
            rules.wait_ms = ms(s);
        }
        if let Some(h) = self.notice_gap_hours {
            rules.gap_ms = ms(h.saturating_mul(3600));
        }
        if let Some(d) = self.contact_stale_days {
            rules.stale_after_ms = ms(d.max(1).saturating_mul(86_400));
        }
        if let Some(d) = self.unreachable_after_days {
            rules.unreachable_after_ms = ms(d.saturating_mul(86_400));
        }
        if let Some(q) = &self.notice_quiet_hours {
            let (from, to) = quiet_hours(q).ok_or(ConfigError::Incomplete(
                "notice_quiet_hours is like \"21:00-08:00\", or \"none\"",
            ))?;
            rules.quiet_from = from;
            rules.quiet_to = to;
        }
        Ok(NoticeSettings {
            sms,
            smtp,
            retry_base: Duration::from_secs(self.notice_retry_seconds.unwrap_or(30).max(1)),
            rules,
        })
    }
}

impl FileConfig {
    fn notices(&self) -> NoticeFileSettings {
        NoticeFileSettings {
            sms_url: self.sms_url.clone(),
            sms_token: self.sms_token.clone(),
            sms_sender: self.sms_sender.clone(),
            sms_webhook_secret: self.sms_webhook_secret.clone(),
            public_url: self.public_url.clone(),
            smtp_host: self.smtp_host.clone(),
            smtp_port: self.smtp_port,
            smtp_from: self.smtp_from.clone(),
            smtp_username: self.smtp_username.clone(),
            smtp_password: self.smtp_password.clone(),
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

    fn s3(&self) -> S3Settings {
        S3Settings {
            s3_endpoint: self.s3_endpoint.clone(),
            s3_bucket: self.s3_bucket.clone(),
            s3_region: self.s3_region.clone(),
            s3_access_key: self.s3_access_key.clone(),
            s3_secret_key: self.s3_secret_key.clone(),
        }
    }
}

/// An S3-compatible bucket for files (several server nodes): all of endpoint, bucket, access
/// key and secret key, or none.
#[derive(Default, Clone)]
pub struct S3Settings {
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key: Option<String>,
    pub s3_secret_key: Option<String>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_bucket", &self.s3_bucket)
            .field("s3_region", &self.s3_region)
            .field("s3_access_key", &self.s3_access_key)
            .field(
                "s3_secret_key",
                &self.s3_secret_key.as_ref().map(|_| "(set)"),
            )
            .finish()
    }
}

impl S3Settings {
    fn or(self, other: S3Settings) -> S3Settings {
        S3Settings {
            s3_endpoint: self.s3_endpoint.or(other.s3_endpoint),
            s3_bucket: self.s3_bucket.or(other.s3_bucket),
            s3_region: self.s3_region.or(other.s3_region),
            s3_access_key: self.s3_access_key.or(other.s3_access_key),
            s3_secret_key: self.s3_secret_key.or(other.s3_secret_key),
        }
    }

    fn config(self) -> Result<Option<S3Config>, ConfigError> {
        match (
            self.s3_endpoint,
            self.s3_bucket,
            self.s3_access_key,
            self.s3_secret_key,
        ) {
            (None, None, None, None) => Ok(None),
            (Some(endpoint), Some(bucket), Some(access_key), Some(secret_key)) => {
                Ok(Some(S3Config {
                    endpoint,
                    bucket,
                    region: self.s3_region.unwrap_or_else(|| "us-east-1".to_owned()),
                    access_key,
                    secret_key,
                }))
            }
            _ => Err(ConfigError::Incomplete(
                "for files in S3, set all of s3_endpoint, s3_bucket, s3_access_key and s3_secret_key",
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("the settings are incomplete: {0}")]
    Incomplete(&'static str),
    #[error("contact_key is not usable: {0}")]
    ContactKey(String),
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

/// What flags and environment said; `None` leaves the file's or the default value.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub retention_days: Option<u64>,
    pub session_ttl_hours: Option<u64>,
    pub purge_every_seconds: Option<u64>,
    pub failures_per_window: Option<u32>,
    pub citizen_devices: Option<u32>,
    pub staff_devices: Option<u32>,
    pub stale_after_days: Option<u64>,
    pub max_file_mb: Option<u64>,
    pub blob_quota_mb: Option<u64>,
    pub unsent_file_seconds: Option<u64>,
    pub chunk_kib: Option<u32>,
    pub blob_dir: Option<PathBuf>,
    pub blob_fsync: Option<bool>,
    pub contact_key: Option<String>,
    pub s3: S3Settings,
    pub notices: NoticeFileSettings,
}

impl Config {
    pub fn resolve(file: FileConfig, o: Overrides) -> Result<Config, ConfigError> {
        let s3 = o.s3.clone().or(file.s3());
        let notices = o.notices.or(file.notices()).resolve()?;
        let mut limits = Limits::default();
        if let Some(days) = o.retention_days.or(file.retention_days) {
            limits.retention = Duration::from_secs(days * 24 * 3600);
        }
        if let Some(hours) = o.session_ttl_hours.or(file.session_ttl_hours) {
            limits.session_ttl = Duration::from_secs(hours.max(1) * 3600);
        }
        if let Some(n) = o.failures_per_window.or(file.failures_per_window) {
            limits.failures_per_window = n;
        }
        if let Some(n) = o.citizen_devices.or(file.citizen_devices) {
            limits.citizen_devices = n.max(1);
        }
        if let Some(n) = o.staff_devices.or(file.staff_devices) {
            limits.staff_devices = n.max(1);
        }
        if let Some(days) = o.stale_after_days.or(file.stale_after_days) {
            limits.stale_after = Duration::from_secs(days.max(1) * 24 * 3600);
        }
        if let Some(mb) = o.max_file_mb.or(file.max_file_mb) {
            limits.max_file_bytes = mb.clamp(1, 10_000) * 1000 * 1000;
        }
        if let Some(mb) = o.blob_quota_mb.or(file.blob_quota_mb) {
            limits.blob_quota_bytes = mb.max(1).saturating_mul(1000 * 1000);
        }
        if let Some(s) = o.unsent_file_seconds.or(file.unsent_file_seconds) {
            limits.unsent_blob_ttl = Duration::from_secs(s.max(1));
        }
        if let Some(kib) = o.chunk_kib.or(file.chunk_kib) {
            // A client takes chunks of at most 16 MiB.
            limits.chunk_size = kib.clamp(64, 16 * 1024) * 1024;
        }
        let backend = match o.database_url.or(file.database_url) {
            Some(url) => Backend::Postgres { url },
            None => Backend::Sqlite {
                data_dir: o
                    .data_dir
                    .or(file.data_dir)
                    .unwrap_or_else(|| PathBuf::from("samtale-data")),
            },
        };
        let blob_dir = o.blob_dir.or(file.blob_dir);
        let fsync = o.blob_fsync.or(file.blob_fsync).unwrap_or(true);
        let blobs = match s3.config()? {
            Some(s3) => Some(BlobBackend::S3(s3)),
            None => match (&backend, blob_dir) {
                (_, Some(dir)) => Some(BlobBackend::Local { dir, fsync }),
                (Backend::Sqlite { data_dir }, None) => Some(BlobBackend::Local {
                    dir: data_dir.join("blobs"),
                    fsync,
                }),
                (Backend::Postgres { .. }, None) => None,
            },
        };
        let contact_key = match o.contact_key.or(file.contact_key) {
            None => None,
            Some(hex) => Some(std::sync::Arc::new(
                samtale_crypto::at_rest::AtRestKey::from_hex(&hex)
                    .map_err(|e| ConfigError::ContactKey(e.to_string()))?,
            )),
        };
        Ok(Config {
            notices,
            contact_key,
            listen: o
                .listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            backend,
            limits,
            purge_every: Duration::from_secs(
                o.purge_every_seconds
                    .or(file.purge_every_seconds)
                    .unwrap_or(3600)
                    .max(1),
            ),
            blobs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_override_defaults() {
        let file: FileConfig = toml::from_str(
            "listen = \"127.0.0.1:9000\"\nretention_days = 7\ndata_dir = \"/srv/samtale\"",
        )
        .unwrap();
        let c = Config::resolve(
            file,
            Overrides {
                retention_days: Some(2),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.limits.retention, Duration::from_secs(2 * 24 * 3600));
        assert_eq!(
            c.backend,
            Backend::Sqlite {
                data_dir: "/srv/samtale".into()
            }
        );
        let c = Config::resolve(
            FileConfig::default(),
            Overrides {
                database_url: Some("postgres://x/y".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            c.backend,
            Backend::Postgres {
                url: "postgres://x/y".into()
            }
        );
    }

    #[test]
    fn files_go_beside_sqlite_and_need_a_store_with_postgres() {
        let sqlite = Config::resolve(
            toml::from_str("data_dir = \"/srv/samtale\"").unwrap(),
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            sqlite.blobs,
            Some(BlobBackend::Local {
                dir: "/srv/samtale/blobs".into(),
                fsync: true,
            })
        );
        // Chunks of 4 MiB; a size past what clients take is held to 16 MiB.
        let chunks = |kib: u32| {
            Config::resolve(
                FileConfig {
                    chunk_kib: Some(kib),
                    ..FileConfig::default()
                },
                Overrides::default(),
            )
            .unwrap()
            .limits
            .chunk_size
        };
        assert_eq!(chunks(4096), 4 << 20);
        assert_eq!(chunks(1 << 20), 16 << 20);
        assert_eq!(chunks(1), 64 << 10);
        // Durable unless the operator trades it for speed.
        let fast = Config::resolve(
            toml::from_str("data_dir = \"/srv/samtale\"\nblob_fsync = false").unwrap(),
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            fast.blobs,
            Some(BlobBackend::Local {
                dir: "/srv/samtale/blobs".into(),
                fsync: false,
            })
        );
        let pg = |file: &str| {
            Config::resolve(
                toml::from_str(file).unwrap(),
                Overrides {
                    database_url: Some("postgres://x/y".into()),
                    ..Default::default()
                },
            )
        };
        assert_eq!(pg("").unwrap().blobs, None);
        let s3 = pg("s3_endpoint = \"https://s3.example.dk\"\ns3_bucket = \"samtale\"\ns3_access_key = \"a\"\ns3_secret_key = \"s\"\nmax_file_mb = 20")
            .unwrap();
        assert!(
            matches!(&s3.blobs, Some(BlobBackend::S3(c)) if c.bucket == "samtale" && c.region == "us-east-1")
        );
        assert_eq!(s3.limits.max_file_bytes, 20_000_000);
        let half = pg("s3_bucket = \"samtale\"").unwrap_err();
        assert!(half.to_string().contains("s3_endpoint"), "{half}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("listn = \"127.0.0.1:1\"").is_err());
    }
}
