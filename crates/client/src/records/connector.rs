//! Handing a record to the municipality's case system, from the caseworker's device: by e-mail
//! to the case system's intake address (SMTP with STARTTLS), as files in a folder its import
//! reads, or by an HTTPS POST. Each returns a reason in Danish when it fails; the caller keeps
//! the record and tries again later.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use samtale_ipc::records::Connector;

/// What is handed over: the PDF and its metadata, under one file name.
pub struct Package<'a> {
    /// Without extension: `<name>.pdf`, `<name>.json`, `<name>.xml`.
    pub file_name: &'a str,
    pub case_number: &'a str,
    pub title: &'a str,
    pub pdf: &'a [u8],
    pub json: &'a str,
    pub xml: &'a str,
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Whether `host` is this machine: plain connections are allowed only there.
fn loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks a connector before it is saved: the parts must be usable.
pub fn check(c: &Connector) -> Result<(), String> {
    match c {
        Connector::Smtp {
            host,
            from,
            to,
            insecure_loopback,
            ca_file,
            ..
        } => {
            if host.trim().is_empty() {
                return Err("angiv SMTP-serverens navn".into());
            }
            from.parse::<Mailbox>()
                .map_err(|_| format!("afsenderadressen {from} er ikke en e-mailadresse"))?;
            to.parse::<Mailbox>()
                .map_err(|_| format!("journalens adresse {to} er ikke en e-mailadresse"))?;
            if *insecure_loopback && !loopback(host) {
                return Err(
                    "SMTP uden kryptering er kun tilladt til en server på denne maskine".into(),
                );
            }
            if let Some(ca) = ca_file
                && !Path::new(ca).is_file()
            {
                return Err(format!("certifikatfilen {ca} findes ikke"));
            }
            Ok(())
        }
        Connector::Folder { path } => {
            if !Path::new(path).is_dir() {
                return Err(format!("mappen {path} findes ikke"));
            }
            Ok(())
        }
        Connector::Https { url, .. } => {
            let u = reqwest::Url::parse(url).map_err(|_| format!("{url} er ikke en adresse"))?;
            match u.scheme() {
                "https" => Ok(()),
                "http" if u.host_str().is_some_and(loopback) => Ok(()),
                _ => Err("adressen skal begynde med https://".into()),
            }
        }
    }
}

/// Hands the package over; the error is the reason, for "Kunne ikke journaliseres: ...".
pub async fn deliver(c: &Connector, p: &Package<'_>) -> Result<(), String> {
    check(c)?;
    match c {
        Connector::Smtp { .. } => smtp(c, p).await,
        Connector::Folder { path } => folder(Path::new(path), p),
        Connector::Https {
            url,
            token,
            ca_file,
        } => https(url, token.as_deref(), ca_file.as_deref(), p).await,
    }
}

async fn smtp(c: &Connector, p: &Package<'_>) -> Result<(), String> {
    let Connector::Smtp {
        host,
        port,
        from,
        to,
        username,
        password,
        ca_file,
        insecure_loopback,
    } = c
    else {
        return Err("not an SMTP connector".into());
    };
    let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
    let json_type = ContentType::parse("application/json").map_err(|e| e.to_string())?;
    let xml_type = ContentType::parse("application/xml").map_err(|e| e.to_string())?;
    let body = format!(
        "Journalisering fra Samtale.\n\nSagsnummer: {}\nTitel: {}\n\nDokumentet er vedhæftet som PDF/A ({}.pdf) med metadata som JSON og XML.\n",
        p.case_number, p.title, p.file_name
    );
    let mail = Message::builder()
        .from(
            from.parse()
                .map_err(|_| format!("{from} er ikke en e-mailadresse"))?,
        )
        .to(to
            .parse()
            .map_err(|_| format!("{to} er ikke en e-mailadresse"))?)
        .subject(format!(
            "Journalisering: sag {} - {}",
            p.case_number, p.title
        ))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(body))
                .singlepart(
                    Attachment::new(format!("{}.pdf", p.file_name)).body(p.pdf.to_vec(), pdf_type),
                )
                .singlepart(
                    Attachment::new(format!("{}.json", p.file_name))
                        .body(p.json.to_owned(), json_type),
                )
                .singlepart(
                    Attachment::new(format!("{}.xml", p.file_name))
                        .body(p.xml.to_owned(), xml_type),
                ),
        )
        .map_err(|e| format!("e-mailen kunne ikke laves: {e}"))?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
        .port(*port)
        .timeout(Some(TIMEOUT));
    if !*insecure_loopback {
        let mut tls = TlsParameters::builder(host.clone());
        if let Some(ca) = ca_file {
            let pem = std::fs::read(ca).map_err(|e| format!("certifikatfilen {ca}: {e}"))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| format!("certifikatfilen {ca} kan ikke læses: {e}"))?;
            tls = tls.add_root_certificate(cert);
        }
        let tls = tls
            .build_native()
            .map_err(|e| format!("TLS kunne ikke sættes op: {e}"))?;
        // STARTTLS is required: the record never goes over the wire in the clear.
        builder = builder.tls(Tls::Required(tls));
    }
    if let (Some(u), Some(pw)) = (username, password) {
        builder = builder.credentials(Credentials::new(u.clone(), pw.clone()));
    }
    builder
        .build()
        .send(mail)
        .await
        .map(|_| ())
        .map_err(|e| format!("mailserveren {host}:{port} tog ikke imod den ({e})"))
}

/// Writes the three files; each appears under its name only when whole (written beside it,
/// then renamed), the metadata last, so an import that waits for the .json sees a full set.
fn folder(dir: &Path, p: &Package<'_>) -> Result<(), String> {
    let put = |ext: &str, bytes: &[u8]| -> Result<(), String> {
        let name = format!("{}.{ext}", p.file_name);
        let part = dir.join(format!(".{name}.part"));
        std::fs::write(&part, bytes)
            .and_then(|()| std::fs::rename(&part, dir.join(&name)))
            .map_err(|e| format!("{name} kunne ikke skrives i {}: {e}", dir.display()))
    };
    put("pdf", p.pdf)?;
    put("xml", p.xml.as_bytes())?;
    put("json", p.json.as_bytes())
}

/// POSTs `{ "file_name", "metadata", "xml", "pdf" (base64) }` as JSON.
async fn https(
    url: &str,
    token: Option<&str>,
    ca_file: Option<&str>,
    p: &Package<'_>,
) -> Result<(), String> {
    let mut client = reqwest::Client::builder().timeout(TIMEOUT);
    if let Some(ca) = ca_file {
        let pem = std::fs::read(ca).map_err(|e| format!("certifikatfilen {ca}: {e}"))?;
        let cert = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| format!("certifikatfilen {ca} kan ikke læses: {e}"))?;
        client = client.add_root_certificate(cert);
    }
    let client = client
        .build()
        .map_err(|e| format!("forbindelsen kunne ikke sættes op: {e}"))?;
    let metadata: serde_json::Value =
        serde_json::from_str(p.json).map_err(|e| format!("metadata: {e}"))?;
    let body = serde_json::json!({
        "file_name": p.file_name,
        "metadata": metadata,
        "xml": p.xml,
        "pdf": base64::engine::general_purpose::STANDARD.encode(p.pdf),
    });
    let mut req = client.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req
        .send()
        .await
        .map_err(|e| format!("{url} svarer ikke ({e})"))?;
    let status = res.status();
    if status.is_success() {
        return Ok(());
    }
    let text: String = res
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    Err(format!("{url} afviste den ({status}): {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(host: &str, insecure: bool) -> Connector {
        Connector::Smtp {
            host: host.into(),
            port: 25,
            from: "samtale@kommune.dk".into(),
            to: "journal@kommune.dk".into(),
            username: None,
            password: None,
            ca_file: None,
            insecure_loopback: insecure,
        }
    }

    #[test]
    fn plain_connections_only_on_this_machine() {
        assert!(check(&smtp("mail.kommune.dk", false)).is_ok());
        assert!(check(&smtp("127.0.0.1", true)).is_ok());
        assert!(check(&smtp("mail.kommune.dk", true)).is_err());
        let https = |url: &str| Connector::Https {
            url: url.into(),
            token: None,
            ca_file: None,
        };
        assert!(check(&https("https://esdh.kommune.dk/intake")).is_ok());
        assert!(check(&https("http://127.0.0.1:9000/intake")).is_ok());
        assert!(check(&https("http://esdh.kommune.dk/intake")).is_err());
        assert!(check(&https("ftp://esdh.kommune.dk")).is_err());
    }

    #[test]
    fn bad_addresses_and_missing_folders_are_refused() {
        let mut c = smtp("mail.kommune.dk", false);
        if let Connector::Smtp { to, .. } = &mut c {
            *to = "ikke en adresse".into();
        }
        assert!(check(&c).unwrap_err().contains("ikke en e-mailadresse"));
        let f = Connector::Folder {
            path: "/findes/ikke".into(),
        };
        assert!(check(&f).unwrap_err().contains("findes ikke"));
    }
}
