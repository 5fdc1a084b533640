//! For the citizens nothing digital reaches ("kan ikke nås digitalt", issue 9): a letter to
//! print and post, and the list as CSV for the unit's leader. The letter carries no content:
//! no caseworker's name, no topic, no message; only that the unit wants to hear from him and
//! how to reach it (the unit's letterhead, set by the administrator). It is a PDF/A drawn by
//! the same code as records ([`crate::records::pdf`]).

use samtale_proto::UserId;
use samtale_proto::api::{Letterhead, UnitInfo};
use samtale_proto::notices::UnreachableView;

use crate::engine::{Client, meta as keys};
use crate::error::ClientError;
use crate::records::pdf::{self, About, Fonts, Pager};

/// What a letter says, besides the date.
pub struct Letter<'a> {
    pub citizen: &'a str,
    pub unit: &'a str,
    pub municipality: &'a str,
    pub letterhead: &'a Letterhead,
    pub at_ms: i64,
}

/// The letter's paragraphs, in Danish. Content-free by construction: it takes no message,
/// topic or caseworker.
pub fn letter_text(l: &Letter<'_>) -> Vec<String> {
    let h = l.letterhead;
    let mut how = Vec::new();
    if !h.phone.is_empty() {
        let hours = if h.hours.is_empty() {
            String::new()
        } else {
            format!(" ({})", h.hours)
        };
        how.push(format!("ringe til os på {}{hours}", h.phone));
    }
    if !h.email.is_empty() {
        how.push(format!("skrive til {}", h.email));
    }
    how.push("åbne Samtale og læse beskeden dér".into());
    let last = how.pop().unwrap_or_default();
    let ways = if how.is_empty() {
        last
    } else {
        format!("{} eller {last}", how.join(", "))
    };
    vec![
        format!("Kære {}", l.citizen),
        format!(
            "{} i {} vil gerne i kontakt med dig. Vi har sendt dig en besked i Samtale, men vi kan \
             ikke se, at du har læst den, og vi kan ikke nå dig på sms eller e-mail.",
            l.unit, l.municipality
        ),
        format!("Vil du kontakte os? Du kan {ways}."),
        "Har du fået nyt telefonnummer eller ny e-mailadresse, så fortæl os det. Så kan vi give \
         dig besked hurtigere næste gang."
            .into(),
    ]
}

/// The letter as PDF/A bytes.
pub fn letter_pdf(l: &Letter<'_>) -> Result<Vec<u8>, ClientError> {
    let fonts = Fonts::load();
    let mut pg = Pager::new(fonts);
    pg.para(l.municipality, 15.0, false, 0.0, 2.0);
    pg.para(l.unit, 11.5, false, 0.0, 2.0);
    for line in l.letterhead.address.lines() {
        pg.para(line, 9.5, true, 0.0, 0.0);
    }
    if !l.letterhead.phone.is_empty() {
        let hours = if l.letterhead.hours.is_empty() {
            String::new()
        } else {
            format!(", {}", l.letterhead.hours)
        };
        pg.para(
            &format!("Telefon {}{hours}", l.letterhead.phone),
            9.5,
            true,
            0.0,
            0.0,
        );
    }
    if !l.letterhead.email.is_empty() {
        pg.para(
            &format!("E-mail {}", l.letterhead.email),
            9.5,
            true,
            0.0,
            0.0,
        );
    }
    pg.gap(36.0);
    pg.para(l.citizen, 11.0, false, 0.0, 0.0);
    pg.gap(24.0);
    pg.para(
        &format!("Dato: {}", pdf::day_da(l.at_ms)),
        10.0,
        false,
        0.0,
        18.0,
    );
    pg.para("Vi vil gerne i kontakt med dig", 14.0, false, 0.0, 10.0);
    for p in letter_text(l) {
        pg.para(&p, 11.0, false, 0.0, 8.0);
    }
    pg.gap(8.0);
    pg.para("Venlig hilsen", 11.0, false, 0.0, 2.0);
    pg.para(l.unit, 11.0, false, 0.0, 0.0);
    pg.para(l.municipality, 11.0, false, 0.0, 0.0);
    let about = About {
        title: format!("Brev fra {} til {}", l.unit, l.citizen),
        author: format!("{}, {}", l.unit, l.municipality),
        at_ms: l.at_ms,
    };
    pdf::write(fonts, pg.pages, &about).map_err(|e| ClientError::Invalid(e.to_string()))
}

/// One CSV field: quoted, with a leading `=`, `+`, `-` or `@` defused so a spreadsheet shows
/// it as text instead of running it.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The list for the unit's leader: one line per citizen, with a byte-order mark and `;`
/// between fields, as Danish spreadsheets open it.
pub fn unreachable_csv(list: &[UnreachableView]) -> String {
    let mut out = String::from("\u{feff}Navn;Rolle;Enhed;Ulæst siden;Hvorfor;Hvad gøres\r\n");
    for u in list {
        let role = match u.role {
            samtale_proto::api::Role::Youth => "ung",
            samtale_proto::api::Role::Parent => "forælder",
            _ => "medarbejder",
        };
        let line = [
            field(&u.display_name),
            field(role),
            field(&u.unit_name),
            field(&pdf::day_da(u.unread_since_ms)),
            field(&u.reasons.join("; ")),
            field(ACTION),
        ]
        .join(";");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}

/// What the caseworker does for someone on the list, in the list and in its CSV.
pub const ACTION: &str =
    "Send brevet, og spørg efter nummer, e-mailadresse og samtykke ved næste møde";

impl Client {
    /// Staff: the municipality's units with their letterheads.
    pub async fn units(&self) -> Result<Vec<UnitInfo>, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        api.send(api.request(reqwest::Method::GET, "/v1/units"))
            .await
    }

    /// The letter for a citizen on the "kan ikke nås digitalt" list: a file name and the PDF.
    pub async fn unreachable_letter(
        &self,
        citizen: &UserId,
    ) -> Result<(String, Vec<u8>), ClientError> {
        let list = self.unreachable().await?;
        let who = list
            .iter()
            .find(|u| &u.citizen == citizen)
            .ok_or(ClientError::NotFound("citizen on the list"))?;
        let unit = self
            .units()
            .await?
            .into_iter()
            .find(|u| u.id == who.unit)
            .map(|u| u.letterhead)
            .unwrap_or_default();
        let municipality = crate::db::get_meta(&self.db(), keys::TENANT_NAME)?.unwrap_or_default();
        let (name, unit_name, at_ms) = (
            who.display_name.clone(),
            who.unit_name.clone(),
            self.clock_ms(),
        );
        let file = format!("Brev til {}.pdf", safe_name(&name));
        // Shaping and writing take a moment: off the async threads.
        let bytes = tokio::task::spawn_blocking(move || {
            letter_pdf(&Letter {
                citizen: &name,
                unit: &unit_name,
                municipality: &municipality,
                letterhead: &unit,
                at_ms,
            })
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("the letter could not be made: {e}")))??;
        Ok((file, bytes))
    }

    /// The "kan ikke nås digitalt" list as CSV.
    pub async fn unreachable_csv(&self) -> Result<String, ClientError> {
        Ok(unreachable_csv(&self.unreachable().await?))
    }
}

/// A display name fit for a file name: letters, digits, spaces and dashes only.
fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .take(60)
        .collect();
    let s = s.trim();
    if s.is_empty() {
        "borger".into()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samtale_proto::api::Role;
    use samtale_proto::{ThreadId, UnitId};

    fn letterhead() -> Letterhead {
        Letterhead {
            address: "Rådhuset\nSkolegade 1\n7100 Vejle".into(),
            phone: "76 81 00 00".into(),
            email: "unge@vejle.dk".into(),
            hours: "mandag-fredag 9-15".into(),
        }
    }

    #[test]
    fn the_letter_says_how_to_get_in_touch_and_nothing_else() {
        let h = letterhead();
        let l = Letter {
            citizen: "Mikkel",
            unit: "Ungeindsatsen",
            municipality: "Vejle Kommune",
            letterhead: &h,
            at_ms: 1_796_630_400_000,
        };
        let text = letter_text(&l).join("\n");
        assert!(text.starts_with("Kære Mikkel"));
        assert!(text.contains(
            "ringe til os på 76 81 00 00 (mandag-fredag 9-15), skrive til unge@vejle.dk eller åbne Samtale"
        ));
        // Without phone and e-mail it still says how.
        let bare = Letterhead::default();
        let text = letter_text(&Letter {
            letterhead: &bare,
            ..l
        })
        .join("\n");
        assert!(text.contains("Du kan åbne Samtale og læse beskeden dér."));
        let bytes = letter_pdf(&l).expect("pdf");
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(raw.contains("Brev fra Ungeindsatsen til Mikkel"));
    }

    #[test]
    fn the_csv_opens_in_a_danish_spreadsheet_and_runs_nothing() {
        let u = UnreachableView {
            citizen: UserId::from_parts(1, [1; 10]),
            display_name: "=HYPERLINK(\"x\")".into(),
            role: Role::Parent,
            thread: ThreadId::from_parts(2, [2; 10]),
            unit: UnitId::from_parts(3, [3; 10]),
            unit_name: "Ungeindsatsen".into(),
            unread_since_ms: 1_796_630_400_000,
            decided_at_ms: 1_796_630_400_000,
            reasons: vec![
                "intet samtykke til sms fra Ungeindsatsen".into(),
                "app ikke åbnet i 23 dage".into(),
            ],
        };
        let csv = unreachable_csv(&[u]);
        let mut lines = csv.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("\u{feff}Navn;Rolle;Enhed;Ulæst siden;Hvorfor;Hvad gøres")
        );
        let row = lines.next().expect("a row");
        assert!(
            row.starts_with("\"'=HYPERLINK(\"\"x\"\")\";\"forælder\";\"Ungeindsatsen\";"),
            "{row}"
        );
        assert!(
            row.contains("\"intet samtykke til sms fra Ungeindsatsen; app ikke åbnet i 23 dage\"")
        );
        assert_eq!(lines.next(), Some(""));
        assert_eq!(safe_name("../Mikkel/"), "Mikkel");
        assert_eq!(safe_name("///"), "borger");
    }
}
