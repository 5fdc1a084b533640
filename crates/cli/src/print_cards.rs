//! Output of the card commands: an appointment or a question with its replies in short
//! Danish-time text, or the engine's views as JSON.

use anyhow::Result;
use samtale_client::card_views::CardView;
use samtale_client::checkins::clock;

use crate::print::Printer;

fn local(ms: i64) -> String {
    let l = clock::local(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}.{:02}",
        l.date.year, l.date.month, l.date.day, l.hour, l.minute
    )
}

impl Printer {
    pub fn card(&self, c: &CardView) -> Result<()> {
        if self.json {
            return self.json(c);
        }
        match c {
            CardView::Appointment(a) => {
                println!(
                    "appointment {} \"{}\" {} ({} min){}",
                    a.id,
                    a.title,
                    local(a.starts_at_ms),
                    a.minutes,
                    if a.cancelled { " CANCELLED" } else { "" }
                );
                if !a.place.is_empty() {
                    println!("  place: {}", a.place);
                }
                if let Some(link) = &a.link {
                    println!("  video: {link}");
                }
                for r in &a.replies {
                    println!(
                        "  {}: {}{}{}",
                        r.member.display_name,
                        r.answer.as_str(),
                        if r.earlier_time {
                            " (to an earlier time)"
                        } else {
                            ""
                        },
                        r.comment
                            .as_deref()
                            .map(|c| format!(" \"{c}\""))
                            .unwrap_or_default()
                    );
                }
                for m in &a.waiting {
                    println!("  {}: no reply yet", m.display_name);
                }
            }
            CardView::Question(q) => {
                println!(
                    "question {} \"{}\" ({}){}",
                    q.id,
                    q.text,
                    q.form.as_str(),
                    if q.closed { " CLOSED" } else { "" }
                );
                for a in &q.answers {
                    println!(
                        "  {}: {}{}",
                        a.member.display_name,
                        a.label,
                        a.comment
                            .as_deref()
                            .map(|c| format!(" \"{c}\""))
                            .unwrap_or_default()
                    );
                }
                let counts: Vec<String> = q
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(i, n)| format!("{}={n}", q.form.label(i as u8 + 1)))
                    .collect();
                println!("  counts: {}", counts.join(", "));
            }
        }
        Ok(())
    }

    pub fn cards(&self, list: &[CardView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for c in list {
            self.card(c)?;
        }
        Ok(())
    }
}
