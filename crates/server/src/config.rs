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
}

impl FileConfig {
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
}

impl Config {
    pub fn resolve(file: FileConfig, o: Overrides) -> Result<Config, ConfigError> {
        let s3 = o.s3.clone().or(file.s3());
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
