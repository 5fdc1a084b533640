//! Output of the care commands: short Danish-time text, or the engine's views as JSON.

use anyhow::Result;
use samtale_client::care::{
    AnswerView, DueCheckIn, EventView, Flag, PlanView, TimelineView, YouthFlags,
};
use samtale_client::checkins::clock;

use crate::print::Printer;

fn local(ms: i64) -> String {
    let l = clock::local(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}.{:02}",
        l.date.year, l.date.month, l.date.day, l.hour, l.minute
    )
}

fn flag_text(f: &Flag) -> String {
    match f {
        Flag::Drop { recent, before } => format!(
            "the last 7 days' mean {recent:.1} is {:.1} below the 28 days before ({before:.1})",
            before - recent
        ),
        Flag::LowStreak { n } => format!("the last {n} answers were the lowest smiley"),
        Flag::MissedStreak { n } => format!("the last {n} check-ins were missed"),
    }
}

impl Printer {
    pub fn plan(&self, p: &PlanView) -> Result<()> {
        if self.json {
            return self.json(p);
        }
        println!(
            "plan {} for {} ({}, revision {})",
            p.plan,
            p.youth.display_name,
            p.status.as_str(),
            p.revision
        );
        println!("  \"{}\"", p.question);
        for t in &p.times {
            let days: Vec<&str> = t.days.iter().map(|d| d.as_str()).collect();
            println!("  {:02}.{:02} on {}", t.hour, t.minute, days.join(","));
        }
        let seen: Vec<&str> = p.seen_by.iter().map(|m| m.display_name.as_str()).collect();
        println!("  answers seen by: {}", seen.join(", "));
        if let Some(next) = p.next_slot_ms {
            println!("  next: {}", local(next));
        }
        Ok(())
    }

    pub fn plans(&self, list: &[PlanView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for p in list {
            self.plan(p)?;
        }
        Ok(())
    }

    pub fn due(&self, list: &[DueCheckIn]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        if list.is_empty() {
            println!("no check-in is open now");
        }
        for d in list {
            let answered = d
                .answer
                .as_ref()
                .map(|a| format!(" (answered {})", a.score))
                .unwrap_or_default();
            println!(
                "{}  {}  \"{}\" open until {}{answered}",
                d.plan,
                local(d.slot_ms),
                d.question,
                local(d.closes_ms)
            );
        }
        Ok(())
    }

    pub fn answer(&self, a: &AnswerView) -> Result<()> {
        if self.json {
            return self.json(a);
        }
        let state = if a.pending {
            "waiting to be sent"
        } else {
            "sent"
        };
        let late = if a.late { ", late" } else { "" };
        println!("{} for {} ({state}{late})", a.score, local(a.slot_ms));
        Ok(())
    }

    pub fn event_view(&self, e: &EventView) -> Result<()> {
        if self.json {
            return self.json(e);
        }
        println!(
            "event {}  {}  {}  {}",
            e.id,
            local(e.at_ms),
            e.category.as_str(),
            e.text
        );
        Ok(())
    }

    pub fn timeline(&self, t: &TimelineView) -> Result<()> {
        if self.json {
            return self.json(t);
        }
        println!(
            "{}: {} answers, {} missed, {} events",
            t.youth.display_name,
            t.points.len(),
            t.missed.len(),
            t.events.len()
        );
        for p in &t.points {
            let late = if p.late { " (late)" } else { "" };
            println!(
                "  {}  {}{late}  {}",
                local(p.slot_ms),
                p.score,
                p.tags.join(",")
            );
        }
        for e in &t.events {
            println!("  {}  [{}] {}", local(e.at_ms), e.category.as_str(), e.text);
        }
        for f in &t.flags {
            println!("  ! {}", flag_text(f));
        }
        Ok(())
    }

    pub fn flags(&self, list: &[YouthFlags]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for y in list {
            if y.flags.is_empty() {
                println!("{}: nothing to note", y.youth.display_name);
            }
            for f in &y.flags {
                println!("{}: {}", y.youth.display_name, flag_text(f));
            }
        }
        Ok(())
    }
}
