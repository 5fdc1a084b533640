//! A record's metadata, beside its PDF: the same fields as JSON and as XML, for case systems
//! that import one or the other. Both name the PDF by file name and SHA-256, so an import can
//! check it got the document the metadata describes.

use samtale_ipc::records::RecordPreview;
use serde::Serialize;

/// The metadata's fields. `format` names this layout, for importers.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata<'a> {
    pub format: &'static str,
    pub record: &'a str,
    pub municipality: &'a str,
    pub case_number: &'a str,
    pub title: &'a str,
    /// `YYYY-MM-DD`.
    pub document_date: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kle: Option<&'a str>,
    /// RFC 3339, UTC.
    pub recorded_at: String,
    pub recorded_by: Person<'a>,
    pub conversation: &'a str,
    pub participants: Vec<Person<'a>>,
    pub messages: Vec<Message<'a>>,
    /// The period of smiley check-ins in the record, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkins: Option<CheckIns<'a>>,
    pub document: Document<'a>,
}

/// A period of check-ins in the record: whose, when, and how many slots were answered.
#[derive(Debug, Clone, Serialize)]
pub struct CheckIns<'a> {
    pub youth: &'a str,
    /// RFC 3339, UTC; the end is not part of the period.
    pub from: String,
    pub to: String,
    pub answered: usize,
    pub missed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Person<'a> {
    pub name: &'a str,
    pub role: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message<'a> {
    pub id: &'a str,
    pub sender: &'a str,
    pub sent_at: String,
    pub files: Vec<File<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct File<'a> {
    pub name: &'a str,
    pub mime: &'a str,
    pub size: u64,
    pub sha256: &'a str,
    pub hash_of: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Document<'a> {
    pub file_name: &'a str,
    pub media_type: &'static str,
    pub sha256: String,
    pub size: usize,
}

/// RFC 3339 in UTC: "2026-11-27T13:03:00Z".
pub fn rfc3339(utc_ms: i64) -> String {
    let days = utc_ms.div_euclid(86_400_000);
    let d = crate::checkins::clock::civil_from_days(days);
    let secs = utc_ms.rem_euclid(86_400_000) / 1000;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year,
        d.month,
        d.day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub struct Parts<'a> {
    pub preview: &'a RecordPreview,
    pub record: &'a str,
    pub municipality: &'a str,
    pub recorded_at_ms: i64,
    pub file_name: &'a str,
    pub pdf: &'a [u8],
}

pub fn metadata<'a>(p: &Parts<'a>) -> Metadata<'a> {
    let v = p.preview;
    Metadata {
        format: "samtale-record/1",
        record: p.record,
        municipality: p.municipality,
        case_number: &v.case_number,
        title: &v.title,
        document_date: &v.document_date,
        kle: v.kle.as_deref(),
        recorded_at: rfc3339(p.recorded_at_ms),
        recorded_by: Person {
            name: &v.recorded_by.name,
            role: &v.recorded_by.role,
        },
        conversation: v.thread.as_str(),
        participants: v
            .participants
            .iter()
            .map(|m| Person {
                name: &m.name,
                role: &m.role,
            })
            .collect(),
        messages: v
            .messages
            .iter()
            .map(|m| Message {
                id: m.id.as_str(),
                sender: &m.sender,
                sent_at: rfc3339(m.sent_at_ms),
                files: m
                    .files
                    .iter()
                    .map(|f| File {
                        name: &f.name,
                        mime: &f.mime,
                        size: f.size,
                        sha256: &f.sha256,
                        hash_of: &f.hash_of,
                    })
                    .collect(),
            })
            .collect(),
        checkins: v.checkins.as_ref().map(|c| CheckIns {
            youth: &c.youth,
            from: rfc3339(c.span.from_ms),
            to: rfc3339(c.span.to_ms),
            answered: c.slots.iter().filter(|s| s.score.is_some()).count(),
            missed: c.slots.iter().filter(|s| s.score.is_none()).count(),
        }),
        document: Document {
            file_name: p.file_name,
            media_type: "application/pdf",
            sha256: hex(&<sha2::Sha256 as sha2::Digest>::digest(p.pdf)),
            size: p.pdf.len(),
        },
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all (validated input has none; be safe).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The same fields as XML.
pub fn xml(m: &Metadata<'_>) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<record xmlns=\"urn:samtale:record:1\" id=\"{}\">\n",
        esc(m.record)
    ));
    let el = |x: &mut String, name: &str, v: &str| {
        x.push_str(&format!("  <{name}>{}</{name}>\n", esc(v)));
    };
    el(&mut x, "municipality", m.municipality);
    el(&mut x, "caseNumber", m.case_number);
    el(&mut x, "title", m.title);
    el(&mut x, "documentDate", m.document_date);
    if let Some(k) = m.kle {
        el(&mut x, "kle", k);
    }
    el(&mut x, "recordedAt", &m.recorded_at);
    x.push_str(&format!(
        "  <recordedBy name=\"{}\" role=\"{}\"/>\n",
        esc(m.recorded_by.name),
        esc(m.recorded_by.role)
    ));
    el(&mut x, "conversation", m.conversation);
    x.push_str("  <participants>\n");
    for p in &m.participants {
        x.push_str(&format!(
            "    <participant name=\"{}\" role=\"{}\"/>\n",
            esc(p.name),
            esc(p.role)
        ));
    }
    x.push_str("  </participants>\n  <messages>\n");
    for msg in &m.messages {
        x.push_str(&format!(
            "    <message id=\"{}\" sender=\"{}\" sentAt=\"{}\">\n",
            esc(msg.id),
            esc(msg.sender),
            esc(&msg.sent_at)
        ));
        for f in &msg.files {
            x.push_str(&format!(
                "      <file name=\"{}\" mime=\"{}\" size=\"{}\" sha256=\"{}\" hashOf=\"{}\"/>\n",
                esc(f.name),
                esc(f.mime),
                f.size,
                esc(f.sha256),
                esc(f.hash_of)
            ));
        }
        x.push_str("    </message>\n");
    }
    x.push_str("  </messages>\n");
    if let Some(c) = &m.checkins {
        x.push_str(&format!(
            "  <checkIns youth=\"{}\" from=\"{}\" to=\"{}\" answered=\"{}\" missed=\"{}\"/>\n",
            esc(c.youth),
            esc(&c.from),
            esc(&c.to),
            c.answered,
            c.missed
        ));
    }
    x.push_str(&format!(
        "  <document fileName=\"{}\" mediaType=\"{}\" sha256=\"{}\" size=\"{}\"/>\n",
        esc(m.document.file_name),
        m.document.media_type,
        esc(&m.document.sha256),
        m.document.size
    ));
    x.push_str("</record>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_782_900_000_000), "2026-07-01T10:00:00Z");
    }

    #[test]
    fn xml_escapes_what_it_must() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(esc("æøå 😀"), "æøå 😀");
        assert_eq!(esc("a\u{1}b"), "a\u{FFFD}b");
    }
}
