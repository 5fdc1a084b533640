//! Invitation codes, as typed and as scanned.
//!
//! A typed code has 16 Crockford base32 characters, shown as `ABCD-EFGH-JKMN-PQRS`:
//! - the first 8 (the *server part*) let the server find the invitation (4 characters) and check
//!   it (4 more, with a small attempt limit);
//! - the last 8 (40 bits, the *client secret*) never reach the server. The joining device proves
//!   it knew them with a MAC over its keys; the inviting caseworker's client, which made the
//!   secret, checks that MAC. The server cannot forge it without the secret.
//!
//! A QR payload carries the same server part and a 256-bit secret instead of the short one.

use crate::bytes::B64;

/// Length of the server part of a code, in characters.
pub const SERVER_PART_LEN: usize = 8;
/// Length of the client secret of a typed code, in characters.
pub const SECRET_PART_LEN: usize = 8;
/// Scheme and path that start a QR payload.
pub const QR_PREFIX: &str = "samtale:join?";

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Why a code or QR payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    /// Wrong number of characters after removing spaces and dashes.
    Length(usize),
    /// A character outside the code alphabet.
    Character(char),
    /// A QR payload that is not ours or misses a part.
    Qr(&'static str),
}

impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeError::Length(n) => {
                write!(f, "an invitation code has 16 characters, this one has {n}")
            }
            CodeError::Character(c) => write!(f, "{c:?} cannot appear in an invitation code"),
            CodeError::Qr(what) => write!(f, "not a Samtale invitation QR code: {what}"),
        }
    }
}

impl std::error::Error for CodeError {}

/// Which secret a join proof uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofKind {
    /// The 40-bit secret of a typed code.
    Code,
    /// The 256-bit secret of a QR payload.
    Qr,
}

/// An invitation as the joining device holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedInvite {
    /// Sent to the server.
    pub server_part: String,
    /// Kept on the device; keys the join proof.
    pub secret: Vec<u8>,
    pub kind: ProofKind,
    /// The server address, when the QR payload names one.
    pub server_url: Option<String>,
}

/// Encodes bytes' low 5 bits per character; used for random code parts.
pub fn encode_chars(random: &[u8]) -> String {
    random
        .iter()
        .map(|b| CROCKFORD[(b & 0x1F) as usize] as char)
        .collect()
}

/// Upper-cases, drops spaces and dashes, and maps the look-alikes Crockford allows (O→0, I/L→1).
fn normalise(input: &str) -> Result<String, CodeError> {
    let mut out = String::with_capacity(16);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return Err(CodeError::Character(c));
        }
        out.push(c);
    }
    Ok(out)
}

/// Shows a 16-character code in groups of four.
pub fn format_code(server_part: &str, secret_part: &str) -> String {
    let all = format!("{server_part}{secret_part}");
    let groups: Vec<&str> = (0..all.len())
        .step_by(4)
        .map(|i| &all[i..(i + 4).min(all.len())])
        .collect();
    groups.join("-")
}

/// The QR payload for an invitation.
pub fn qr_payload(server_url: &str, server_part: &str, secret: &[u8]) -> String {
    format!(
        "{QR_PREFIX}server={}&code={server_part}&k={}",
        percent_encode(server_url),
        B64(secret.to_vec()).encode()
    )
}

/// Reads what the user typed or scanned: a 16-character code or a QR payload.
pub fn parse_invite(input: &str) -> Result<ParsedInvite, CodeError> {
    parse_code(input, QR_PREFIX)
}

/// Reads a device-link code as typed, or the QR payload a new device shows
/// (`samtale:link?code=…&k=…`); the same shape as an invitation's.
pub fn parse_link_code(input: &str) -> Result<ParsedInvite, CodeError> {
    parse_code(input, crate::devices::LINK_QR_PREFIX)
}

fn parse_code(input: &str, qr_prefix: &str) -> Result<ParsedInvite, CodeError> {
    let input = input.trim();
    if let Some(query) = input.strip_prefix(qr_prefix) {
        let mut server = None;
        let mut code = None;
        let mut key = None;
        for pair in query.split('&') {
            let (k, v) = pair
                .split_once('=')
                .ok_or(CodeError::Qr("malformed query"))?;
            match k {
                "server" => {
                    server = Some(percent_decode(v).ok_or(CodeError::Qr("bad server address"))?)
                }
                "code" => code = Some(normalise(v)?),
                "k" => key = Some(B64::decode(v).map_err(|_| CodeError::Qr("bad key"))?.0),
                _ => {}
            }
        }
        let code = code.ok_or(CodeError::Qr("no code"))?;
        if code.len() != SERVER_PART_LEN {
            return Err(CodeError::Qr("code has the wrong length"));
        }
        let secret = key.ok_or(CodeError::Qr("no key"))?;
        if secret.len() != 32 {
            return Err(CodeError::Qr("key has the wrong length"));
        }
        return Ok(ParsedInvite {
            server_part: code,
            secret,
            kind: ProofKind::Qr,
            server_url: server,
        });
    }
    let code = normalise(input)?;
    if code.len() != SERVER_PART_LEN + SECRET_PART_LEN {
        return Err(CodeError::Length(code.len()));
    }
    let (server_part, secret) = code.split_at(SERVER_PART_LEN);
    Ok(ParsedInvite {
        server_part: server_part.to_owned(),
        secret: secret.as_bytes().to_vec(),
        kind: ProofKind::Code,
        server_url: None,
    })
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_code_is_forgiving_about_case_dashes_and_lookalikes() {
        let p = parse_invite(" abcd-efgh ok1l-2345 ").unwrap();
        assert_eq!(p.server_part, "ABCDEFGH");
        assert_eq!(p.secret, b"0K112345".to_vec());
        assert_eq!(p.kind, ProofKind::Code);
        assert_eq!(format_code("ABCDEFGH", "0K112345"), "ABCD-EFGH-0K11-2345");
    }

    #[test]
    fn typed_code_errors_are_specific() {
        assert_eq!(parse_invite("ABCD").unwrap_err(), CodeError::Length(4));
        assert_eq!(
            parse_invite("ABCD-EFGH-JKMN-PQRU").unwrap_err(),
            CodeError::Character('U')
        );
        assert_eq!(parse_invite("").unwrap_err(), CodeError::Length(0));
    }

    #[test]
    fn qr_payload_round_trips() {
        let secret = [7u8; 32];
        let payload = qr_payload("http://127.0.0.1:8080", "ABCDEFGH", &secret);
        let p = parse_invite(&payload).unwrap();
        assert_eq!(p.kind, ProofKind::Qr);
        assert_eq!(p.secret, secret.to_vec());
        assert_eq!(p.server_url.as_deref(), Some("http://127.0.0.1:8080"));
        assert!(parse_invite("samtale:join?code=ABCDEFGH").is_err());
        assert!(parse_invite("samtale:join?code=ABCDEFGH&k=AAAA").is_err());
    }

    #[test]
    fn link_codes_read_like_invitations_but_not_interchangeably() {
        let secret = [9u8; 32];
        let payload = crate::devices::link_qr_payload("ABCDEFGH", &secret);
        let p = parse_link_code(&payload).unwrap();
        assert_eq!(
            (p.kind, p.secret, p.server_url),
            (ProofKind::Qr, secret.to_vec(), None)
        );
        // A link QR is not an invitation, nor the reverse.
        assert!(parse_invite(&payload).is_err());
        let invite = qr_payload("http://127.0.0.1:8080", "ABCDEFGH", &secret);
        assert!(parse_link_code(&invite).is_err());
        assert_eq!(
            parse_link_code("abcd-efgh-jkmn-pqrs").unwrap().server_part,
            "ABCDEFGH"
        );
    }
}
