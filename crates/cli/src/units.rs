//! Units and the citizens nothing digital reaches (issue 9), on the command line: list the
//! municipality's units, add and edit one with its letterhead (an administrator), the "kan
//! ikke nås digitalt" list (as CSV with `--csv`), and the letter for one citizen on it. Each
//! with `--json` for scripts and tests where it answers data.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use samtale_client::Client;
use samtale_proto::api::{Letterhead, NewUnit, UnitInfo};
use samtale_proto::{UnitId, UserId};

use crate::print::Printer;

/// A unit's name and letterhead as given on the command line.
#[derive(Args)]
pub struct UnitFields {
    #[arg(long)]
    name: String,
    /// Postal address; "\n" or "|" between lines.
    #[arg(long, default_value = "")]
    address: String,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long, default_value = "")]
    email: String,
    /// When the phone is answered: "mandag-fredag 9-15".
    #[arg(long, default_value = "")]
    hours: String,
}

impl UnitFields {
    fn unit(self) -> NewUnit {
        NewUnit {
            name: self.name,
            letterhead: Letterhead {
                address: self.address.replace("\\n", "\n").replace('|', "\n"),
                phone: self.phone,
                email: self.email,
                hours: self.hours,
            },
        }
    }
}

#[derive(Subcommand)]
pub enum UnitCommand {
    /// Staff: the municipality's units, with their ids and letterheads.
    Units,
    /// Administrators: add a unit (`add-unit --name Ungeindsatsen --phone "76 81 00 00"`).
    AddUnit(UnitFields),
    /// Administrators: rename a unit and set its letterhead (all of it: a field left out is
    /// emptied).
    EditUnit {
        /// The unit's id (`samtale units`).
        unit: String,
        #[command(flatten)]
        fields: UnitFields,
    },
    /// Staff: the citizens with unread messages whom nothing digital reaches, with why.
    Unreachable {
        /// Write the list as CSV (for a spreadsheet) to this file.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Staff: write the letter for a citizen on the unreachable list as PDF.
    Letter {
        /// The citizen's user id.
        citizen: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

fn unit_line(u: &UnitInfo) -> String {
    let l = &u.letterhead;
    let mut line = format!("{}  {}", u.id, u.name);
    for part in [
        l.address.replace('\n', ", "),
        l.phone.clone(),
        l.email.clone(),
        l.hours.clone(),
    ] {
        if !part.is_empty() {
            line.push_str("  ");
            line.push_str(&part);
        }
    }
    line
}

pub async fn run(client: &Client, command: UnitCommand, out: &Printer) -> Result<()> {
    match command {
        UnitCommand::Units => {
            let list = client.units().await?;
            if out.json {
                return out.json(&list);
            }
            for u in &list {
                println!("{}", unit_line(u));
            }
            Ok(())
        }
        UnitCommand::AddUnit(fields) => {
            let u = client.add_unit(&fields.unit()).await?;
            if out.json {
                return out.json(&u);
            }
            println!("{}", unit_line(&u));
            Ok(())
        }
        UnitCommand::EditUnit { unit, fields } => {
            let id = UnitId::parse(unit.trim()).map_err(|_| {
                anyhow::anyhow!("{unit:?} is not a unit id (samtale units lists them)")
            })?;
            let u = client.edit_unit(&id, &fields.unit()).await?;
            if out.json {
                return out.json(&u);
            }
            println!("{}", unit_line(&u));
            Ok(())
        }
        UnitCommand::Unreachable { csv: Some(path) } => {
            let csv = client.unreachable_csv().await?;
            std::fs::write(&path, csv).with_context(|| format!("writing {}", path.display()))?;
            out.done(&format!("written to {}", path.display()))
        }
        UnitCommand::Unreachable { csv: None } => {
            let list = client.unreachable().await?;
            if out.json {
                return out.json(&list);
            }
            for u in &list {
                println!(
                    "{}  {}  {}  {}",
                    u.citizen,
                    u.display_name,
                    u.unit_name,
                    u.reasons.join("; ")
                );
            }
            Ok(())
        }
        UnitCommand::Letter { citizen, out: path } => {
            let id = UserId::parse(citizen.trim())
                .map_err(|_| anyhow::anyhow!("{citizen:?} is not a user id"))?;
            let (_, pdf) = client.unreachable_letter(&id).await?;
            std::fs::write(&path, pdf).with_context(|| format!("writing {}", path.display()))?;
            out.done(&format!("written to {}", path.display()))
        }
    }
}
