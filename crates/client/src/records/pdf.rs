//! A record as a PDF/A-2u document: the fields § 15 asks for, the participants with their
//! roles, every message exactly as written (emoji and æøå included) with its Danish time, and
//! the files listed with their hashes. PDF/A-2u means fonts embedded and every glyph mapped to
//! its text, so the case system can index it and a reader in 30 years can extract it; krilla
//! checks that while it writes and refuses to write a document that breaks it.
//!
//! Layout is done here, in two steps: [`layout`] breaks the text into lines and pages
//! (measuring with the same shaping that draws), then [`render`] draws them. Text uses the
//! bundled DejaVu Sans; emoji use a colour emoji font of the system when there is one (see
//! [`Fonts::load`]); a character no font has is drawn as "�" but keeps its text.

use std::sync::{Arc, OnceLock};

use krilla::configure::{Configuration, Validator};
use krilla::geom::{PathBuilder, Point, Size};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use samtale_ipc::records::RecordPreview;

use crate::checkins::clock;

const DEJAVU: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");

/// Where colour emoji fonts live on the systems the app runs on; `SAMTALE_EMOJI_FONT` first.
const EMOJI_FONTS: [&str; 4] = [
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/System/Library/Fonts/Apple Color Emoji.ttc",
    "C:\\Windows\\Fonts\\seguiemj.ttf",
    "/system/fonts/NotoColorEmoji.ttf",
];

/// A4 in points, and the margins.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const FOOTER_Y: f32 = PAGE_H - 30.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the record could not be written as PDF/A: {0}")]
    Write(String),
}

/// One font: its bytes for shaping and krilla's handle for drawing.
struct Face {
    data: Arc<Vec<u8>>,
    index: u32,
    font: Font,
    upem: f32,
}

impl Face {
    fn new(data: Vec<u8>, index: u32) -> Option<Face> {
        let data = Arc::new(data);
        let upem = rustybuzz::Face::from_slice(&data, index)?.units_per_em() as f32;
        let font = Font::new(krilla::Data::from(data.clone()), index)?;
        Some(Face {
            data,
            index,
            font,
            upem,
        })
    }

    fn has(&self, c: char) -> bool {
        rustybuzz::Face::from_slice(&self.data, self.index)
            .and_then(|f| f.glyph_index(c))
            .is_some()
    }

    /// The glyphs of `text` with their advances (in em) and their byte ranges in `text`.
    fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        let Some(face) = rustybuzz::Face::from_slice(&self.data, self.index) else {
            return Vec::new();
        };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let out = rustybuzz::shape(&face, &[], buffer);
        let infos = out.glyph_infos();
        let positions = out.glyph_positions();
        (0..out.len())
            .map(|i| {
                let start = infos[i].cluster as usize;
                let end = infos[i + 1..]
                    .iter()
                    .map(|g| g.cluster as usize)
                    .find(|&c| c != start)
                    .unwrap_or(text.len());
                let p = positions[i];
                KrillaGlyph::new(
                    GlyphId::new(infos[i].glyph_id),
                    p.x_advance as f32 / self.upem,
                    p.x_offset as f32 / self.upem,
                    p.y_offset as f32 / self.upem,
                    p.y_advance as f32 / self.upem,
                    start..end,
                    None,
                )
            })
            .collect()
    }
}

/// The fonts a record is drawn with.
pub struct Fonts {
    text: Face,
    emoji: Option<Face>,
}

impl Fonts {
    /// The bundled text font and the system's colour emoji font, if it has one. Loaded once.
    pub fn load() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| {
            let emoji = std::env::var("SAMTALE_EMOJI_FONT")
                .ok()
                .into_iter()
                .chain(EMOJI_FONTS.iter().map(|s| (*s).to_owned()))
                .find_map(|p| std::fs::read(p).ok().and_then(|d| Face::new(d, 0)));
            Fonts {
                text: Face::new(DEJAVU.to_vec(), 0).expect("the bundled DejaVu Sans is a font"),
                emoji,
            }
        })
    }

    /// Whether emoji are drawn as emoji (else as "�", with their text kept).
    pub fn has_emoji(&self) -> bool {
        self.emoji.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Text,
    Emoji,
    Missing,
}

/// Characters that belong to the one before them: joiners, variation selectors, skin tones,
/// tag characters and combining marks.
fn joins(c: char) -> bool {
    matches!(c as u32, 0x200D | 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F | 0x0300..=0x036F | 0x20E3)
}

/// The text split into runs, each drawn with one font.
fn runs<'t>(fonts: &Fonts, text: &'t str) -> Vec<(Pick, &'t str)> {
    let mut out: Vec<(Pick, usize, usize)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let prev = out.last().map(|r| r.0);
        let pick = match prev {
            Some(p) if joins(c) => p,
            _ => {
                let emoji_first = c as u32 >= 0x1F000;
                let in_text = fonts.text.has(c);
                let in_emoji = fonts.emoji.as_ref().is_some_and(|e| e.has(c));
                match (in_text, in_emoji) {
                    (_, true) if emoji_first || !in_text => Pick::Emoji,
                    (true, _) => Pick::Text,
                    _ => Pick::Missing,
                }
            }
        };
        match out.last_mut() {
            Some(r) if r.0 == pick => r.2 = end,
            _ => out.push((pick, i, end)),
        }
    }
    out.into_iter().map(|(p, a, b)| (p, &text[a..b])).collect()
}

/// The glyphs of one run and the face that draws them.
fn glyphs<'f>(fonts: &'f Fonts, pick: Pick, text: &str) -> (&'f Face, Vec<KrillaGlyph>) {
    match (pick, &fonts.emoji) {
        (Pick::Emoji, Some(e)) => (e, e.shape(text)),
        (Pick::Text, _) | (Pick::Emoji, None) => (&fonts.text, fonts.text.shape(text)),
        (Pick::Missing, _) => {
            // The replacement glyph, once per character, each mapped to the character itself.
            let face = &fonts.text;
            let shaped = face.shape("\u{FFFD}");
            let Some(g) = shaped.first() else {
                return (face, Vec::new());
            };
            let list = text
                .char_indices()
                .map(|(i, c)| {
                    let mut g = g.clone();
                    g.text_range = i..i + c.len_utf8();
                    g
                })
                .collect();
            (face, list)
        }
    }
}

/// Width of `text` at `size`, in points.
fn width(fonts: &Fonts, text: &str, size: f32) -> f32 {
    runs(fonts, text)
        .into_iter()
        .map(|(p, t)| {
            glyphs(fonts, p, t)
                .1
                .iter()
                .map(|g| g.x_advance)
                .sum::<f32>()
                * size
        })
        .sum()
}

/// What a page shows: lines of text and rules.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        grey: bool,
        text: String,
    },
    Rule {
        y: f32,
    },
}

/// Whether `text` is wider than `max`, measuring no more of it than can fit (a line holds far
/// fewer than 400 characters at any size a record uses).
fn too_wide(fonts: &Fonts, text: &str, size: f32, max: f32) -> bool {
    let end = text.char_indices().nth(400).map_or(text.len(), |(i, _)| i);
    end < text.len() || width(fonts, &text[..end], size) > max
}

/// Breaks `text` into lines no wider than `max` points: at spaces, and inside a word only when
/// the word alone is too wide. Line breaks in the text are kept.
fn wrap(fonts: &Fonts, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(fonts, &candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line (a link, a hash) is cut where it has to be, measuring
            // character by character so a huge word costs time in proportion to its length.
            let mut rest = word;
            while too_wide(fonts, rest, size, max) {
                let (mut cut, mut used) = (0usize, 0.0f32);
                for c in rest.chars() {
                    let w = width(fonts, c.encode_utf8(&mut [0; 4]), size);
                    if used + w > max && cut > 0 {
                        break;
                    }
                    used += w;
                    cut += c.len_utf8();
                }
                lines.push(rest[..cut].to_owned());
                rest = &rest[cut..];
            }
            line = rest.to_owned();
        }
        lines.push(line);
    }
    lines
}

/// Pages of lines, top to bottom.
pub(crate) struct Pager<'f> {
    fonts: &'f Fonts,
    pub(crate) pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Pager<'f> {
    pub(crate) fn new(fonts: &'f Fonts) -> Pager<'f> {
        Pager {
            fonts,
            pages: Vec::new(),
            y: 0.0,
        }
    }

    /// Space of `points` before what comes next.
    pub(crate) fn gap(&mut self, points: f32) {
        self.room(0.0);
        self.y += points;
    }

    fn room(&mut self, needed: f32) {
        if self.y + needed > FOOTER_Y - 24.0 || self.pages.is_empty() {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// A paragraph at `size`, indented by `indent`, then `after` points of space.
    pub(crate) fn para(&mut self, text: &str, size: f32, grey: bool, indent: f32, after: f32) {
        let lead = size * 1.35;
        for line in wrap(self.fonts, text, size, PAGE_W - 2.0 * MARGIN - indent) {
            self.room(lead);
            self.y += lead;
            if let Some(page) = self.pages.last_mut() {
                page.push(Op::Text {
                    x: MARGIN + indent,
                    y: self.y,
                    size,
                    grey,
                    text: line,
                });
            }
        }
        self.y += after;
    }

    fn rule(&mut self) {
        self.room(12.0);
        self.y += 8.0;
        if let Some(page) = self.pages.last_mut() {
            page.push(Op::Rule { y: self.y });
        }
        self.y += 4.0;
    }
}

/// "27.11.2026 kl. 14.03", Danish local time.
pub fn moment_da(utc_ms: i64) -> String {
    let l = clock::local(utc_ms);
    format!(
        "{:02}.{:02}.{} kl. {:02}.{:02}",
        l.date.day, l.date.month, l.date.year, l.hour, l.minute
    )
}

/// "27.11.2026", the Danish local date of a moment.
pub fn day_da(utc_ms: i64) -> String {
    let l = clock::local(utc_ms);
    format!("{:02}.{:02}.{}", l.date.day, l.date.month, l.date.year)
}

/// A period of check-ins as its first and last day: "01.11.2026–30.11.2026" (its end is not
/// part of it).
pub fn span_da(span: &samtale_proto::records::CheckInSpan) -> String {
    format!(
        "{}–{}",
        day_da(span.from_ms),
        day_da(span.to_ms.saturating_sub(1).max(span.from_ms))
    )
}

/// "2026-11-27" as "27.11.2026".
pub fn date_da(iso: &str) -> String {
    let mut p = iso.split('-');
    match (p.next(), p.next(), p.next()) {
        (Some(y), Some(m), Some(d)) => format!("{d}.{m}.{y}"),
        _ => iso.to_owned(),
    }
}

/// What a record holds besides the preview.
pub struct RecordDoc<'a> {
    pub preview: &'a RecordPreview,
    pub record: &'a str,
    pub recorded_at_ms: i64,
    pub municipality: &'a str,
}

fn layout(fonts: &Fonts, d: &RecordDoc<'_>) -> Vec<Vec<Op>> {
    let p = d.preview;
    let mut pg = Pager::new(fonts);
    pg.para("Uddrag af samtale til journal", 16.0, false, 0.0, 6.0);
    let mut field = |label: &str, value: &str| {
        pg.para(&format!("{label}: {value}"), 10.5, false, 0.0, 1.0);
    };
    field("Kommune", d.municipality);
    field("Sagsnummer", &p.case_number);
    field("Titel", &p.title);
    field("Dokumentdato", &date_da(&p.document_date));
    if let Some(kle) = &p.kle {
        field("KLE-nummer", kle);
    }
    field(
        "Journaliseret af",
        &format!(
            "{} ({}), {}",
            p.recorded_by.name,
            p.recorded_by.role,
            moment_da(d.recorded_at_ms)
        ),
    );
    let people: Vec<String> = p
        .participants
        .iter()
        .map(|m| format!("{} ({})", m.name, m.role))
        .collect();
    field("Deltagere", &people.join(", "));
    let mut scope = format!("{} beskeder fra Samtale", p.messages.len());
    if let Some(c) = &p.checkins {
        scope = format!("{scope} og {}s smiley-svar {}", c.youth, span_da(&c.span));
    }
    field("Omfang", &scope);
    field("Journal-id", d.record);
    for m in &p.messages {
        pg.rule();
        pg.para(
            &format!("{} · {} ({})", moment_da(m.sent_at_ms), m.sender, m.role),
            9.0,
            true,
            0.0,
            2.0,
        );
        if !m.text.is_empty() {
            pg.para(&m.text, 10.5, false, 0.0, 2.0);
        }
        for f in &m.files {
            pg.para(
                &format!("Fil: {} ({}, {} byte)", f.name, f.mime, f.size),
                9.0,
                false,
                12.0,
                0.0,
            );
            pg.para(
                &format!("SHA-256 ({}): {}", f.hash_of, f.sha256),
                8.0,
                true,
                12.0,
                2.0,
            );
        }
    }
    if let Some(c) = &p.checkins {
        checkins(&mut pg, c);
    }
    let total = pg.pages.len();
    for (i, page) in pg.pages.iter_mut().enumerate() {
        page.push(Op::Text {
            x: MARGIN,
            y: FOOTER_Y,
            size: 8.0,
            grey: true,
            text: format!(
                "Samtale · sag {} · side {} af {total}",
                p.case_number,
                i + 1
            ),
        });
    }
    pg.pages
}

/// The smiley words a record uses for scores 1 to 5.
const MOODS: [&str; 5] = [
    "meget dårligt",
    "dårligt",
    "midt imellem",
    "godt",
    "meget godt",
];

/// The check-in section: a heading with the period and the counts, then one line per slot,
/// answered or not, in time order.
fn checkins(pg: &mut Pager<'_>, c: &samtale_ipc::records::RecordedCheckIns) {
    let answered = c.slots.iter().filter(|s| s.score.is_some()).count();
    pg.rule();
    pg.para(
        &format!("Smiley-tjek for {}, {}", c.youth, span_da(&c.span)),
        12.0,
        false,
        0.0,
        2.0,
    );
    pg.para(
        &format!(
            "{answered} af {} tidspunkter besvaret. Skala 1 (meget dårligt) til 5 (meget godt).",
            c.slots.len()
        ),
        9.0,
        true,
        0.0,
        4.0,
    );
    for slot in &c.slots {
        let line = match (slot.score, slot.answered_at_ms) {
            (Some(score), Some(at)) => {
                let mood = MOODS
                    .get(usize::from(score.clamp(1, 5)) - 1)
                    .copied()
                    .unwrap_or("");
                let mut l = format!("{}: {score} ({mood})", moment_da(slot.slot_ms));
                if slot.late {
                    l.push_str(&format!(", sent svar {}", moment_da(at)));
                }
                if !slot.tags.is_empty() {
                    l.push_str(&format!(" · {}", slot.tags.join(", ")));
                }
                l
            }
            _ => format!("{}: ikke besvaret", moment_da(slot.slot_ms)),
        };
        pg.para(&line, 9.5, slot.score.is_none(), 0.0, 0.5);
        if let Some(note) = slot.note.as_deref().filter(|n| !n.trim().is_empty()) {
            pg.para(&format!("Note: {note}"), 9.0, false, 12.0, 0.5);
        }
    }
}

fn fill(grey: bool) -> Fill {
    Fill {
        paint: krilla::color::luma::Color::new(if grey { 90 } else { 0 }).into(),
        ..Fill::default()
    }
}

/// The record as PDF/A-2u bytes.
pub fn render(fonts: &Fonts, d: &RecordDoc<'_>) -> Result<Vec<u8>, PdfError> {
    let about = About {
        title: format!("{} ({})", d.preview.title, d.preview.case_number),
        author: d.preview.recorded_by.name.clone(),
        at_ms: d.recorded_at_ms,
    };
    write(fonts, layout(fonts, d), &about)
}

/// What a document's metadata says.
pub(crate) struct About {
    pub title: String,
    pub author: String,
    pub at_ms: i64,
}

/// Pages drawn as PDF/A-2u bytes.
pub(crate) fn write(
    fonts: &Fonts,
    pages: Vec<Vec<Op>>,
    about: &About,
) -> Result<Vec<u8>, PdfError> {
    let settings = SerializeSettings {
        configuration: Configuration::new_with_validator(Validator::A2_U),
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    let l = clock::local(about.at_ms);
    let offset_hours = (clock::offset_ms(about.at_ms) / 3_600_000) as i8;
    let created = DateTime::new(l.date.year.clamp(0, 9999) as u16)
        .month(l.date.month as u8)
        .day(l.date.day as u8)
        .hour(l.hour as u8)
        .minute(l.minute as u8)
        .utc_offset_hour(offset_hours);
    doc.set_metadata(
        Metadata::new()
            .title(about.title.clone())
            .authors(vec![about.author.clone()])
            .creator("Samtale".to_owned())
            .language("da".to_owned())
            .creation_date(created),
    );
    let size = Size::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Write("page size".into()))?;
    for ops in pages {
        let mut page = doc.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    grey,
                    text,
                } => {
                    surface.set_fill(Some(fill(grey)));
                    let mut at = x;
                    for (pick, run) in runs(fonts, &text) {
                        let (face, list) = glyphs(fonts, pick, run);
                        let advance: f32 = list.iter().map(|g| g.x_advance).sum::<f32>() * size;
                        surface.draw_glyphs(
                            Point::from_xy(at, y),
                            &list,
                            face.font.clone(),
                            run,
                            size,
                            false,
                        );
                        at += advance;
                    }
                }
                Op::Rule { y } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(MARGIN, y);
                    pb.line_to(PAGE_W - MARGIN, y);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: krilla::color::luma::Color::new(200).into(),
                            width: 0.5,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_split_by_the_font_that_has_it() {
        let fonts = Fonts::load();
        let r = runs(fonts, "Hej æøå");
        assert_eq!(r, vec![(Pick::Text, "Hej æøå")]);
        // A character no font has is its own run (drawn as the replacement glyph).
        let r = runs(fonts, "a\u{10FFFD}b");
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], (Pick::Missing, "\u{10FFFD}"));
    }

    #[test]
    fn lines_fit_and_keep_every_word() {
        let fonts = Fonts::load();
        let text = "Jeg har det godt i dag, men i går var det svært at komme op. ".repeat(6)
            + "https://example.org/en/meget/lang/adresse/uden/mellemrum/der/skal/deles/et/sted";
        let lines = wrap(fonts, &text, 10.5, 300.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| width(fonts, l, 10.5) <= 300.0));
        let joined: String = lines.concat();
        let squeezed = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
        assert_eq!(squeezed(&joined), squeezed(&text));
        // A huge word without spaces is cut into lines (measured a character at a time, so
        // this takes seconds in a debug build, not minutes).
        let huge = "x".repeat(60_000);
        let lines = wrap(fonts, &huge, 10.5, 300.0);
        assert!(lines.iter().all(|l| width(fonts, l, 10.5) <= 300.0));
        assert_eq!(lines.concat(), huge);
        // Line breaks in the message stay.
        assert_eq!(wrap(fonts, "a\nb", 10.5, 300.0), vec!["a", "b"]);
    }

    fn preview(messages: usize) -> RecordPreview {
        use samtale_ipc::records::{Participant, RecordedFile, RecordedMessage};
        use samtale_proto::{EnvelopeId, ThreadId};
        let person = |name: &str, role: &str| Participant {
            name: name.into(),
            role: role.into(),
        };
        RecordPreview {
            thread: ThreadId::from_parts(1, [1; 10]),
            case_number: "27.12.08-G01-1-26".into(),
            title: "Samtale om skolen".into(),
            document_date: "2026-11-27".into(),
            kle: Some("27.12.08".into()),
            participants: vec![person("Sara", "sagsbehandler"), person("Mikkel", "ung")],
            messages: (0..messages)
                .map(|i| RecordedMessage {
                    id: EnvelopeId::from_parts(i as u64, [2; 10]),
                    sender: "Mikkel".into(),
                    role: "ung".into(),
                    sent_at_ms: 1_782_900_000_000 + i as i64 * 60_000,
                    text: format!(
                        "Besked {i}: Det gik fint 😀 men årsprøven … 👍🏽 {}\nNy linje.",
                        '\u{10FFFD}'
                    ),
                    files: vec![RecordedFile {
                        name: "plan.pdf".into(),
                        mime: "application/pdf".into(),
                        size: 1234,
                        sha256: "ab".repeat(32),
                        hash_of: "indhold".into(),
                    }],
                })
                .collect(),
            checkins: None,
            recorded_by: person("Sara", "sagsbehandler"),
        }
    }

    /// A year of check-ins twice a day, alone in a record: valid PDF/A over many pages, every
    /// slot a line (answered with its words, or "ikke besvaret").
    #[test]
    fn a_year_of_check_ins_is_valid_pdf_a() {
        use samtale_ipc::records::{CheckInSpan, RecordedCheckIn, RecordedCheckIns};
        let start = 1_767_222_000_000; // 1.1.2026 00.00 in Copenhagen
        let slots: Vec<RecordedCheckIn> = (0..730)
            .map(|i: i64| {
                let slot = start + i * 12 * 3_600_000 + 8 * 3_600_000;
                let answered = i % 5 != 0;
                RecordedCheckIn {
                    slot_ms: slot,
                    answered_at_ms: answered.then_some(slot + 600_000),
                    score: answered.then_some((i % 5) as u8 + 1),
                    late: i % 7 == 0,
                    tags: if i % 3 == 0 {
                        vec!["skole".into()]
                    } else {
                        vec![]
                    },
                    note: (i % 11 == 0).then(|| "Træt 😴 efter træning".to_owned()),
                }
            })
            .collect();
        let mut p = preview(0);
        p.checkins = Some(RecordedCheckIns {
            span: CheckInSpan {
                from_ms: start,
                to_ms: start + 365 * 86_400_000,
            },
            youth: "Mikkel".into(),
            slots,
        });
        let doc = RecordDoc {
            preview: &p,
            record: "R2",
            recorded_at_ms: start + 366 * 86_400_000,
            municipality: "Aarhus Kommune",
        };
        let pages = layout(Fonts::load(), &doc);
        assert!(pages.len() > 10, "{} pages", pages.len());
        let lines: Vec<&str> = pages
            .iter()
            .flatten()
            .filter_map(|o| match o {
                Op::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("Smiley-tjek for Mikkel, 01.01.2026–31.12.2026"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("584 af 730 tidspunkter besvaret"))
        );
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.ends_with("ikke besvaret"))
                .count(),
            146
        );
        let bytes = render(Fonts::load(), &doc).expect("PDF/A");
        assert!(String::from_utf8_lossy(&bytes).contains("<pdfaid:part>2</pdfaid:part>"));
    }

    /// A record of many messages is written as PDF/A-2u (krilla refuses otherwise) over
    /// several pages, each with its footer.
    #[test]
    fn a_long_record_is_valid_pdf_a_over_several_pages() {
        let p = preview(120);
        let doc = RecordDoc {
            preview: &p,
            record: "R1",
            recorded_at_ms: 1_782_900_000_000,
            municipality: "Aarhus Kommune",
        };
        let pages = layout(Fonts::load(), &doc);
        assert!(pages.len() > 3, "{} pages", pages.len());
        let footers = pages
            .iter()
            .filter(|ops| {
                ops.iter().any(|o| matches!(o, Op::Text { text, .. } if text.contains(&format!("af {}", pages.len()))))
            })
            .count();
        assert_eq!(footers, pages.len());
        let bytes = render(Fonts::load(), &doc).expect("PDF/A");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(text.contains("<pdfaid:conformance>U</pdfaid:conformance>"));
    }

    #[test]
    fn danish_dates() {
        assert_eq!(date_da("2026-11-27"), "27.11.2026");
        // 2026-07-01 10:00 UTC is 12.00 in Copenhagen (summer time).
        assert_eq!(moment_da(1_782_900_000_000), "01.07.2026 kl. 12.00");
    }
}
