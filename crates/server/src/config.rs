//! Server configuration: defaults, then an optional TOML file, then environment and flags (clap
//! reads both), each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

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
}

impl Config {
    pub fn resolve(file: FileConfig, o: Overrides) -> Config {
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
        let backend = match o.database_url.or(file.database_url) {
            Some(url) => Backend::Postgres { url },
            None => Backend::Sqlite {
                data_dir: o
                    .data_dir
                    .or(file.data_dir)
                    .unwrap_or_else(|| PathBuf::from("samtale-data")),
            },
        };
        Config {
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
        }
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
        );
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
        );
        assert_eq!(
            c.backend,
            Backend::Postgres {
                url: "postgres://x/y".into()
            }
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("listn = \"127.0.0.1:1\"").is_err());
    }
}
