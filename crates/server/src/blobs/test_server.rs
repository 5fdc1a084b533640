//! A real S3 server on loopback for tests and benchmarks: moto's server mode (PyPI `moto`,
//! installed by `scripts/setup.sh` into /opt/samtale-test-tools), started on a free port with an
//! empty bucket, and killed when dropped. Waits by polling the port, never by sleeping blind.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::S3Config;

/// Where moto's server is, unless `SAMTALE_MOTO` says otherwise.
pub const DEFAULT_MOTO: &str = "/opt/samtale-test-tools/bin/moto_server";

pub struct S3TestServer {
    child: Child,
    pub port: u16,
}

impl S3TestServer {
    /// Starts moto on a free port and creates `bucket`.
    pub fn start(bucket: &str) -> std::io::Result<S3TestServer> {
        let moto = std::env::var("SAMTALE_MOTO").unwrap_or_else(|_| DEFAULT_MOTO.to_owned());
        // A free port: bind, read, release. moto binds it right after.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::other(format!(
                    "cannot start the S3 test server {moto}: {e}; install it with scripts/setup.sh (ensure_test_services)"
                ))
            })?;
        let server = S3TestServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(status) = server.request("PUT", &format!("/{bucket}")) {
                if status == 200 {
                    return Ok(server);
                }
                return Err(std::io::Error::other(format!(
                    "creating the bucket answered {status}"
                )));
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other("the S3 test server did not start"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Settings for the bucket (moto takes any credentials).
    pub fn config(&self, bucket: &str) -> S3Config {
        S3Config {
            endpoint: self.endpoint(),
            bucket: bucket.to_owned(),
            region: "eu-north-1".to_owned(),
            access_key: "samtale-test".to_owned(),
            secret_key: "samtale-test-secret".to_owned(),
        }
    }

    /// The keys stored in `bucket` (for tests that look at what the server keeps).
    pub fn list(&self, bucket: &str) -> std::io::Result<String> {
        self.raw("GET", &format!("/{bucket}?list-type=2"))
            .map(|(_, body)| body)
    }

    fn request(&self, method: &str, path: &str) -> std::io::Result<u16> {
        self.raw(method, path).map(|(status, _)| status)
    }

    fn raw(&self, method: &str, path: &str) -> std::io::Result<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        let status = out
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
        let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
        Ok((status, body))
    }
}

impl Drop for S3TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
