//! A real SMTP server on loopback for the record tests: aiosmtpd (PyPI, installed by the
//! README's test command into /opt/samtale-test-tools) with STARTTLS required and a
//! certificate made for the test by `openssl`. It keeps every mail and its attachments in a
//! folder the test reads back (see `smtpd.py`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result};

/// The Python that has aiosmtpd, unless `SAMTALE_TEST_PYTHON` says otherwise.
pub const DEFAULT_PYTHON: &str = "/opt/samtale-test-tools/bin/python";

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    /// The CA file a client must trust (the server's self-signed certificate).
    pub ca_file: PathBuf,
    dir: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl SmtpServer {
    pub fn start() -> Result<SmtpServer> {
        let dir = tempfile::tempdir()?;
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let made = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", "/CN=localhost"])
            .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("run openssl to make the SMTP server's certificate")?;
        anyhow::ensure!(made.success(), "openssl could not make a certificate");
        let mail = dir.path().join("mail");
        std::fs::create_dir(&mail)?;
        let port = free_port()?;
        let python =
            std::env::var("SAMTALE_TEST_PYTHON").unwrap_or_else(|_| DEFAULT_PYTHON.to_owned());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("support/smtpd.py");
        let mut child = Command::new(&python)
            .arg(script)
            .arg(port.to_string())
            .arg(&mail)
            .arg(&cert)
            .arg(&key)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| {
                format!("start aiosmtpd with {python} (run the README's test command)")
            })?;
        let out = child.stdout.take().context("smtpd stdout")?;
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line)?;
        anyhow::ensure!(line.trim() == "READY", "aiosmtpd did not start: {line:?}");
        Ok(SmtpServer {
            child,
            port,
            ca_file: cert,
            dir,
        })
    }

    /// The mails received so far, in order: each its raw text and its attachments' folder.
    pub fn mails(&self) -> Result<Vec<(Vec<u8>, PathBuf)>> {
        let mail = self.dir.path().join("mail");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&mail)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| Ok((std::fs::read(&p)?, p.with_extension(""))))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
