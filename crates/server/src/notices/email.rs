//! E-mail notices over SMTP (lettre), STARTTLS required unless the operator turns it off for a
//! mail server on loopback. A 5xx answer to the recipient is a bounce: the address is flagged;
//! anything else is tried again later.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::sms::SendError;

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `Samtale <samtale@kommune.dk>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// A CA file to trust besides the system's (a municipality's own CA, or a test's).
    pub ca_file: Option<std::path::PathBuf>,
    /// STARTTLS required (default). Off only for a mail server on loopback.
    pub starttls: bool,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("ca_file", &self.ca_file)
            .field("starttls", &self.starttls)
            .finish()
    }
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(s: &SmtpSettings) -> Result<Mailer, String> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("smtp_from {:?} is not an address: {e}", s.from))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.as_str())
            .port(s.port)
            .timeout(Some(Duration::from_secs(20)));
        if s.starttls {
            let mut tls = TlsParameters::builder(s.host.clone());
            if let Some(ca) = &s.ca_file {
                let pem =
                    std::fs::read(ca).map_err(|e| format!("smtp_ca_file {}: {e}", ca.display()))?;
                let cert = Certificate::from_pem(&pem).map_err(|e| {
                    format!(
                        "smtp_ca_file {} is not a PEM certificate: {e}",
                        ca.display()
                    )
                })?;
                tls = tls.add_root_certificate(cert);
            }
            let tls = tls
                .build_native()
                .map_err(|e| format!("TLS for SMTP: {e}"))?;
            builder = builder.tls(Tls::Required(tls));
        }
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one notice; answers the Message-ID.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        reference: &str,
    ) -> Result<String, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| SendError::Permanent(format!("adressen kan ikke bruges ({e})")))?;
        let domain = self.from.email.domain().to_owned();
        let message_id = format!("<{reference}@{domain}>");
        let mail = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .map_err(|e| SendError::Permanent(format!("e-mailen kunne ikke laves ({e})")))?;
        match self.transport.send(mail).await {
            Ok(_) => Ok(message_id),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(format!(
                "mailserveren afviste adressen ({e})"
            ))),
            Err(e) => Err(SendError::Temporary(format!(
                "mailserveren tog ikke imod den ({e})"
            ))),
        }
    }
}
