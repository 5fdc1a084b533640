//! Records into the municipality's case file ("Journalisér"). The caseworker picks messages of
//! a conversation and fills in what § 15 of Offentlighedsloven asks (the case number, a short
//! title, the document date, optionally a KLE number). Her device, which can read the
//! messages, makes the record: a PDF/A and its metadata as JSON and XML. It keeps the record,
//! tells every member with a sealed mark ("Journaliseret 27.11.2026"), asks the server for a
//! content-free audit line, and hands the record to the case system through the connector this
//! device is set up with. A failed delivery is kept with its reason and tried again, never
//! lost. No escrow or archive key is involved: the server learns nothing it did not know.
//!
//! ```text
//! store      the record tables of the local store
//! apply      storing a mark that arrives, under the rule that only a caseworker marks
//! pdf        the record as PDF/A-2u (layout and drawing)
//! meta       the metadata as JSON and XML
//! connector  e-mail (SMTP), a folder, or HTTPS
//! ```

pub(crate) mod apply;
pub mod connector;
pub mod meta;
pub mod pdf;
pub(crate) mod store;

use std::io::Write;

use rusqlite::Connection;
pub use samtale_ipc::records::{
    CheckInSpan, Connector, ConnectorSettings, Participant, RecordInput, RecordPreview,
    RecordState, RecordView, RecordedCheckIn, RecordedCheckIns, RecordedFile, RecordedMark,
    RecordedMessage,
};
use samtale_proto::api::Role;
use samtale_proto::care::Care;
use samtale_proto::payload::MessagePayload;
use samtale_proto::records::{RecordMark, check_case_number, check_kle, check_title};
use samtale_proto::{CareId, EnvelopeId, PayloadKind};

use crate::engine::{Client, Session, fresh, meta as keys};
use crate::error::ClientError;
use crate::outbound::{Audience, queue_shown};

/// Meta key of this device's connector (JSON), set with [`Client::set_record_connector`].
const CONNECTOR: &str = "record_connector";
/// A connector file in the profile directory, for IT to deploy; the stored one wins.
pub const CONNECTOR_FILE: &str = "connector.json";

/// A role in Danish words, as the record names it.
pub fn role_da(role: Role) -> &'static str {
    match role {
        Role::Caseworker => "sagsbehandler",
        Role::Youth => "ung",
        Role::Parent => "forælder",
        Role::Admin => "administrator",
    }
}

fn role_of(s: &str) -> &'static str {
    Role::parse(s).map_or("ukendt", role_da)
}

/// Kinds of rows that may go into a record: what members wrote and the cards.
const RECORDABLE: [&str; 4] = ["message", "appointment", "question", "card_update"];

/// Feeds what is written into a SHA-256.
struct Hasher(sha2::Sha256);

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A file of a message as the record lists it: the hash of its content when this device has
/// it (and it opens), else the hash of its ciphertext that the sender sealed.
fn recorded_file(row: &crate::files::store::FileRow) -> RecordedFile {
    let plain = row.local_path.as_ref().and_then(|p| {
        let key = samtale_crypto::file::FileKey::parse(&row.key).ok()?;
        let input = std::fs::File::open(p).ok()?;
        let mut h = Hasher(<sha2::Sha256 as sha2::Digest>::new());
        samtale_crypto::file::decrypt_file(input, &key, &mut h).ok()?;
        Some(meta::hex(&sha2::Digest::finalize(h.0)))
    });
    let (sha256, hash_of) = match plain {
        Some(h) => (h, "indhold"),
        None => (meta::hex(&row.sha256), "krypteret fil"),
    };
    RecordedFile {
        name: row.view.name.clone(),
        mime: row.view.mime.clone(),
        size: row.view.size,
        sha256,
        hash_of: hash_of.into(),
    }
}

/// `YYYY-MM-DD` of a real date.
fn check_date(s: &str) -> Result<(), ClientError> {
    let bad = || ClientError::Invalid("the document date is written YYYY-MM-DD".into());
    let mut p = s.split('-');
    let (y, m, d) = (p.next(), p.next(), p.next());
    let (Some(y), Some(m), Some(d), None) = (y, m, d, p.next()) else {
        return Err(bad());
    };
    let (y, m, d) = (
        y.parse::<i32>().map_err(|_| bad())?,
        m.parse::<u32>().map_err(|_| bad())?,
        d.parse::<u32>().map_err(|_| bad())?,
    );
    let date = crate::checkins::clock::Date {
        year: y,
        month: m,
        day: d,
    };
    let round =
        crate::checkins::clock::civil_from_days(crate::checkins::clock::days_from_civil(date));
    if !(2000..=2200).contains(&y) || round != date || s.len() != 10 {
        return Err(bad());
    }
    Ok(())
}

fn iso_date(utc_ms: i64) -> String {
    let d = crate::checkins::clock::local(utc_ms).date;
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// What `input` would record, checked: the caller is a caseworker in the conversation and
/// every message is a message of it. With `fields`, also that the case number, title and KLE
/// number are filled in right (a preview is shown while she is still filling them in).
fn preview(
    db: &Connection,
    s: &Session,
    input: &RecordInput,
    fields: bool,
    checkins: Option<RecordedCheckIns>,
) -> Result<RecordPreview, ClientError> {
    if s.role != Role::Caseworker {
        return Err(ClientError::Invalid(
            "only a caseworker records into the case file".into(),
        ));
    }
    let invalid = |e: samtale_proto::care::Invalid| ClientError::Invalid(e.0);
    if fields {
        check_case_number(&input.case_number).map_err(invalid)?;
        check_title(&input.title).map_err(invalid)?;
        if let Some(k) = input.kle.as_deref().filter(|k| !k.trim().is_empty()) {
            check_kle(k.trim()).map_err(invalid)?;
        }
    }
    if input.messages.is_empty() && checkins.is_none() {
        return Err(ClientError::Invalid(
            "choose at least one message or a period of check-ins to record".into(),
        ));
    }
    if input.messages.len() > samtale_proto::records::MAX_RECORD_MESSAGES {
        return Err(ClientError::Invalid(format!(
            "a record covers at most {} messages",
            samtale_proto::records::MAX_RECORD_MESSAGES
        )));
    }
    let mut messages = Vec::new();
    for id in &input.messages {
        let row = db
            .query_row(
                "SELECT m.thread_id, m.kind, m.body, m.sent_at, m.state, COALESCE(u.display_name, ''), COALESCE(u.role, '')
                 FROM messages m LEFT JOIN users u ON u.id = m.sender WHERE m.id = ?1",
                [id.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => ClientError::NotFound("message"),
                e => e.into(),
            })?;
        let (thread, kind, body, sent_at, state, name, role) = row;
        // Another conversation's message answers like a missing one.
        if thread != input.thread.as_str() {
            return Err(ClientError::NotFound("message"));
        }
        if !RECORDABLE.contains(&kind.as_str()) || state == "planned" {
            return Err(ClientError::Invalid(
                "only messages that were sent can be recorded (not notices or planned messages)"
                    .into(),
            ));
        }
        let files = crate::files::store::rows_of_message(db, id.as_str())?
            .iter()
            .map(recorded_file)
            .collect();
        messages.push(RecordedMessage {
            id: id.clone(),
            sender: name,
            role: role_of(&role).into(),
            sent_at_ms: sent_at,
            text: body,
            files,
        });
    }
    messages.sort_by(|a, b| (a.sent_at_ms, &a.id).cmp(&(b.sent_at_ms, &b.id)));
    let before = messages.len();
    messages.dedup_by(|a, b| a.id == b.id);
    if messages.len() != before {
        return Err(ClientError::Invalid("a message is named twice".into()));
    }
    let document_date = match input.document_date.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => {
            check_date(d)?;
            d.to_owned()
        }
        // The newest thing recorded: the last message, or the period's last day.
        _ => iso_date(
            messages
                .last()
                .map(|m| m.sent_at_ms)
                .into_iter()
                .chain(checkins.as_ref().map(|c| c.span.to_ms - 1))
                .max()
                .unwrap_or(0),
        ),
    };
    let mut stmt = db.prepare(
        "SELECT COALESCE(u.display_name, ''), COALESCE(u.role, '') FROM members m
         LEFT JOIN users u ON u.id = m.user_id WHERE m.thread_id = ?1 ORDER BY u.role, u.display_name",
    )?;
    let participants = stmt
        .query_map([input.thread.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(name, role)| Participant {
            name,
            role: role_of(&role).into(),
        })
        .collect();
    let me = crate::db::get_meta(db, keys::NAME)?.unwrap_or_default();
    Ok(RecordPreview {
        thread: input.thread.clone(),
        case_number: input.case_number.trim().to_owned(),
        title: input.title.trim().to_owned(),
        document_date,
        kle: input
            .kle
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned),
        participants,
        messages,
        checkins,
        recorded_by: Participant {
            name: me,
            role: role_da(s.role).into(),
        },
    })
}

/// A file name a case system and every file system take: the case number's letters and
/// digits, and the record's id.
fn file_name(case_number: &str, id: &CareId) -> String {
    let case: String = case_number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("samtale-{case}-{id}")
}

impl Client {
    /// Exactly what recording `input` would hand to the case system, without recording. The
    /// case number, title and KLE number are shown as given, not checked yet.
    pub async fn preview_record(&self, input: &RecordInput) -> Result<RecordPreview, ClientError> {
        let s = self.session()?;
        self.ensure_member(&s, &input.thread).await?;
        let checkins = self.recorded_checkins(&s, input)?;
        preview(&self.db(), &s, input, false, checkins)
    }

    /// The youth's check-ins in the period `input` names, if it names one: every slot of the
    /// period, answered or not. Only a caseworker, only for the youth of this conversation.
    fn recorded_checkins(
        &self,
        s: &Session,
        input: &RecordInput,
    ) -> Result<Option<RecordedCheckIns>, ClientError> {
        let Some(span) = input.checkins else {
            return Ok(None);
        };
        if s.role != Role::Caseworker {
            return Err(ClientError::Invalid(
                "only a caseworker records into the case file".into(),
            ));
        }
        span.validate().map_err(|e| ClientError::Invalid(e.0))?;
        let youth: Option<String> = rusqlite::OptionalExtension::optional(self.db().query_row(
            "SELECT m.user_id FROM members m JOIN users u ON u.id = m.user_id
             WHERE m.thread_id = ?1 AND u.role = 'youth' ORDER BY u.display_name LIMIT 1",
            [input.thread.as_str()],
            |r| r.get(0),
        ))?;
        let youth = youth
            .and_then(|y| samtale_proto::UserId::parse(&y).ok())
            .ok_or_else(|| {
                ClientError::Invalid(
                    "this conversation has no youth whose check-ins could be recorded".into(),
                )
            })?;
        let t = self.timeline(&youth, span.from_ms, span.to_ms)?;
        let mut slots: Vec<RecordedCheckIn> = t
            .points
            .into_iter()
            .map(|p| RecordedCheckIn {
                slot_ms: p.slot_ms,
                answered_at_ms: Some(p.answered_at_ms),
                score: Some(p.score),
                late: p.late,
                tags: p.tags,
                note: p.note,
            })
            .chain(t.missed.into_iter().map(|m| RecordedCheckIn {
                slot_ms: m,
                answered_at_ms: None,
                score: None,
                late: false,
                tags: Vec::new(),
                note: None,
            }))
            .collect();
        slots.sort_by_key(|x| x.slot_ms);
        if slots.is_empty() {
            return Err(ClientError::Invalid(format!(
                "{} has no check-ins from {}",
                t.youth.display_name,
                pdf::span_da(&span)
            )));
        }
        Ok(Some(RecordedCheckIns {
            span,
            youth: t.youth.display_name,
            slots,
        }))
    }

    /// Records the messages: makes the PDF/A and metadata, keeps them, marks the messages for
    /// every member, and delivers (now if it can, later if not).
    pub async fn record(&self, input: &RecordInput) -> Result<RecordView, ClientError> {
        let s = self.session()?;
        self.ensure_member(&s, &input.thread).await?;
        let checkins = self.recorded_checkins(&s, input)?;
        let p = preview(&self.db(), &s, input, true, checkins)?;
        let id = fresh(CareId::from_parts);
        let now = self.clock_ms();
        let municipality = crate::db::get_meta(&self.db(), keys::TENANT_NAME)?.unwrap_or_default();
        let name = file_name(&p.case_number, &id);
        // Drawing takes a while for a long excerpt: off the async threads.
        let (pdf, json, xml) = {
            let (p, id, municipality, name) =
                (p.clone(), id.clone(), municipality.clone(), name.clone());
            tokio::task::spawn_blocking(move || -> Result<_, ClientError> {
                let doc = pdf::RecordDoc {
                    preview: &p,
                    record: id.as_str(),
                    recorded_at_ms: now,
                    municipality: &municipality,
                };
                let bytes = pdf::render(pdf::Fonts::load(), &doc)
                    .map_err(|e| ClientError::Invalid(e.to_string()))?;
                let pdf_name = format!("{name}.pdf");
                let m = meta::metadata(&meta::Parts {
                    preview: &p,
                    record: id.as_str(),
                    municipality: &municipality,
                    recorded_at_ms: now,
                    file_name: &pdf_name,
                    pdf: &bytes,
                });
                let json = serde_json::to_string_pretty(&m)
                    .map_err(|e| ClientError::Protocol(e.to_string()))?;
                let xml = meta::xml(&m);
                Ok((bytes, json, xml))
            })
            .await
            .map_err(|e| ClientError::Protocol(format!("the record could not be made: {e}")))??
        };
        let mark = RecordMark {
            record: id.clone(),
            case_number: p.case_number.clone(),
            title: p.title.clone(),
            messages: p
                .messages
                .iter()
                .map(|m| m.id.clone())
                .collect::<Vec<EnvelopeId>>(),
            recorded_at_ms: now,
            checkins: p.checkins.as_ref().map(|c| c.span),
        };
        mark.validate().map_err(|e| ClientError::Invalid(e.0))?;
        let text = apply::describe(&mark);
        let payload = MessagePayload {
            v: 1,
            text: text.clone(),
            care: Some(Care::Record(mark.clone())),
            files: Vec::new(),
        };
        {
            let db = self.db();
            let sealed = crate::outbound::seal(
                &db,
                &s,
                &input.thread,
                PayloadKind::Message,
                &payload,
                Audience::Everyone,
                now,
            )?;
            let tx = db.unchecked_transaction()?;
            store::insert(
                &tx,
                &store::NewRecord {
                    id: &id,
                    thread: &input.thread,
                    case_number: &p.case_number,
                    title: &p.title,
                    document_date: &p.document_date,
                    kle: p.kle.as_deref(),
                    recorded_at: now,
                    messages: p.messages.len(),
                    file_name: &name,
                    pdf: &pdf,
                    json: &json,
                    xml: &xml,
                },
            )?;
            for m in &mark.messages {
                store::insert_mark(
                    &tx,
                    &store::Mark {
                        message: m.as_str(),
                        record: &id,
                        thread: &input.thread,
                        at: now,
                        case_number: &p.case_number,
                        title: &p.title,
                        by: s.user.as_str(),
                    },
                )?;
            }
            queue_shown(&tx, &s, &input.thread, &sealed, "record", &text)?;
            tx.commit()?;
        }
        self.after_care(&input.thread).await;
        self.deliver_records(true).await;
        self.record_view(&id)
    }

    pub fn record_view(&self, id: &CareId) -> Result<RecordView, ClientError> {
        store::get(&self.db(), id)?
            .map(|r| r.view)
            .ok_or(ClientError::NotFound("record"))
    }

    /// This device's records, newest first.
    pub fn records(&self) -> Result<Vec<RecordView>, ClientError> {
        store::list(&self.db())
    }

    /// A record's PDF, JSON and XML, as kept on this device.
    pub fn record_files(&self, id: &CareId) -> Result<(Vec<u8>, String, String), ClientError> {
        let r = store::get(&self.db(), id)?.ok_or(ClientError::NotFound("record"))?;
        Ok((r.pdf, r.json, r.xml))
    }

    /// Tries every record that is not delivered (or not audited) yet, now.
    pub async fn retry_records(&self) -> Result<Vec<RecordView>, ClientError> {
        self.deliver_records(true).await;
        self.records()
    }

    /// The connector this device hands records to: the stored one, else the profile's
    /// `connector.json`.
    pub fn record_connector(&self) -> Result<Option<Connector>, ClientError> {
        let stored = crate::db::get_meta(&self.db(), CONNECTOR)?;
        let text = match stored {
            Some(t) => t,
            None => match std::fs::read_to_string(self.profile.join(CONNECTOR_FILE)) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e.into()),
            },
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            ClientError::Invalid(format!(
                "the case system connector is not set up right ({e}); ask IT to correct it"
            ))
        })
    }

    /// The connector for the settings screen: without its secret.
    pub fn record_connector_settings(&self) -> Result<ConnectorSettings, ClientError> {
        let c = self.record_connector()?;
        Ok(ConnectorSettings {
            has_secret: c.as_ref().is_some_and(|c| c.secret().is_some()),
            connector: c.map(Connector::without_secret),
        })
    }

    /// Saves the connector from the settings screen (checked first); with `keep_secret`, an
    /// empty password or token keeps the one stored.
    pub fn save_record_connector(
        &self,
        c: Option<Connector>,
        keep_secret: bool,
    ) -> Result<ConnectorSettings, ClientError> {
        let c = match (c, keep_secret) {
            (Some(c), true) => match self.record_connector() {
                Ok(Some(old)) => Some(c.keeping_secret_of(&old)),
                _ => Some(c),
            },
            (c, _) => c,
        };
        self.set_record_connector(c.as_ref())?;
        self.record_connector_settings()
    }

    /// Sets (or with `None` removes) the connector; it is checked first.
    pub fn set_record_connector(&self, c: Option<&Connector>) -> Result<(), ClientError> {
        let db = self.db();
        match c {
            Some(c) => {
                connector::check(c).map_err(ClientError::Invalid)?;
                let json =
                    serde_json::to_string(c).map_err(|e| ClientError::Protocol(e.to_string()))?;
                crate::db::set_meta(&db, CONNECTOR, &json)
            }
            None => {
                db.execute("DELETE FROM meta WHERE key = ?1", [CONNECTOR])?;
                Ok(())
            }
        }
    }

    /// One pass over unfinished records: the audit line on the server, then the case system.
    /// With `now`, failed ones are tried even before their back-off has passed.
    pub(crate) async fn deliver_records(&self, now: bool) {
        let _one = self.deliveries.lock().await;
        let Ok(s) = self.session() else { return };
        let ids = match store::unfinished(&self.db()) {
            Ok(ids) => ids,
            Err(_) => return,
        };
        if ids.is_empty() {
            return;
        }
        let connector = self.record_connector();
        for id in ids {
            let Ok(Some(r)) = store::get(&self.db(), &id) else {
                continue;
            };
            if !r.audited {
                let req = samtale_proto::records::RecordAudit {
                    record: id.clone(),
                    case_number: r.view.case_number.clone(),
                };
                match s.api.audit_record(&r.view.thread, &req).await {
                    Ok(()) => {
                        let _ = store::set_audited(&self.db(), &id);
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "the record's audit line is not written yet")
                    }
                }
            }
            if r.view.state == RecordState::Delivered || (!now && r.next_try > self.clock_ms()) {
                continue;
            }
            let result = match &connector {
                Ok(Some(c)) => {
                    let package = connector::Package {
                        file_name: &r.view.file_name,
                        case_number: &r.view.case_number,
                        title: &r.view.title,
                        pdf: &r.pdf,
                        json: &r.json,
                        xml: &r.xml,
                    };
                    connector::deliver(c, &package).await.map(|()| c.describe())
                }
                Ok(None) => Err(
                    "denne enhed er ikke sat op til at aflevere til journalen; kontakt IT".into(),
                ),
                Err(e) => Err(e.to_string()),
            };
            let at = self.clock_ms();
            let db = self.db();
            let _ = match result {
                Ok(to) => store::set_delivered(&db, &id, at, &to),
                Err(why) => {
                    store::set_failed(&db, &id, at, &format!("Kunne ikke journaliseres: {why}"))
                }
            };
        }
        self.emit(crate::views::ClientEvent::ThreadsChanged {
            threads: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_dates_are_real_dates() {
        assert!(check_date("2026-11-27").is_ok());
        assert!(check_date("2026-02-30").is_err());
        assert!(check_date("27.11.2026").is_err());
        assert!(check_date("2026-1-5").is_err());
        assert!(check_date("1999-12-31").is_err());
    }

    #[test]
    fn file_names_are_plain() {
        let id = CareId::from_parts(1, [1; 10]);
        let n = file_name("27.12.08-G01-12/26 æ", &id);
        assert!(n.starts_with("samtale-27-12-08-G01-12-26---"));
        assert!(
            n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn roles_in_danish() {
        assert_eq!(role_of("youth"), "ung");
        assert_eq!(role_of("caseworker"), "sagsbehandler");
        assert_eq!(role_of(""), "ukendt");
    }
}
