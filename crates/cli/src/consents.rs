//! Verifying a number or address, consents per unit, purpose and channel, and the notices sent
//! (issue 9), on the command line; each with `--json` for scripts and tests.

use anyhow::{Result, bail};
use clap::Subcommand;
use samtale_client::Client;
use samtale_proto::notices::{ConsentHow, ConsentView, NoticeView, Purpose, RecordConsent};
use samtale_proto::{UnitId, UserId};

use crate::contacts::channel;
use crate::print::Printer;

#[derive(Subcommand)]
pub enum ConsentCommand {
    /// Send a code to your number or address: `contact-code sms`.
    ContactCode { channel: String },
    /// Type the code back: `verify-contact sms 123456`.
    VerifyContact { channel: String, code: String },
    /// Your consents, withdrawn ones too (a parent: `--for-youth ID` for a youth's).
    Consents {
        #[arg(long)]
        for_youth: Option<String>,
    },
    /// Give consent: `give-consent --unit U --purpose new-messages --channel sms`.
    GiveConsent {
        #[arg(long)]
        unit: String,
        /// new-messages or meeting-reminders.
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        channel: String,
        /// A parent giving it for a youth under 15 (his user id).
        #[arg(long)]
        for_youth: Option<String>,
    },
    /// Withdraw a consent.
    WithdrawConsent {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        channel: String,
        /// A parent withdrawing one for a youth under 15 (his user id).
        #[arg(long)]
        for_youth: Option<String>,
    },
    /// Staff: record a consent a citizen gave you, with how (`--note "mundtligt ved møde"`).
    RecordConsent {
        /// The citizen's user id.
        #[arg(long)]
        citizen: String,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        channel: String,
        #[arg(long)]
        note: String,
        /// The parent who gave it for a youth under 15 (user id).
        #[arg(long)]
        given_by: Option<String>,
    },
    /// The notices sent to you, with why.
    Notices,
    /// Staff: a youth's birth date (`set-born USER 2011-11-20`; `--forget` removes it).
    SetBorn {
        youth: String,
        born: Option<String>,
        #[arg(long, conflicts_with = "born")]
        forget: bool,
    },
    /// Youths: whether you are asked to give your own consent (you turned 15).
    ConsentPrompt,
}

fn purpose(s: &str) -> Result<Purpose> {
    match s {
        "new-messages" | "new_messages" => Ok(Purpose::NewMessages),
        "meeting-reminders" | "meeting_reminders" => Ok(Purpose::MeetingReminders),
        _ => bail!("{s:?} is not a purpose: write new-messages or meeting-reminders"),
    }
}

fn unit(s: &str) -> Result<UnitId> {
    UnitId::parse(s)
        .map_err(|_| anyhow::anyhow!("{s:?} is not a unit id (samtale units lists them)"))
}

fn user(s: &str) -> Result<UserId> {
    UserId::parse(s).map_err(|_| anyhow::anyhow!("{s:?} is not a user id"))
}

fn consent_line(c: &ConsentView) -> String {
    let how = match &c.consent.how {
        ConsentHow::InApp => "i appen".to_owned(),
        ConsentHow::Recorded { note } => format!("noteret: {note}"),
    };
    let state = match c.consent.withdrawn_at_ms {
        Some(_) => "trukket tilbage",
        None => "gælder",
    };
    format!(
        "{}  {}  {}  ({how}{})  {state}",
        c.unit_name,
        c.consent.purpose.da(),
        c.consent.channel.da(),
        if c.consent.by_parent {
            ", af forælder"
        } else {
            ""
        }
    )
}

fn notice_line(n: &NoticeView) -> String {
    format!(
        "{:?}  {}  {:?}  {}",
        n.state,
        n.channel.da(),
        n.kind,
        n.reason
    )
}

pub async fn run(client: &Client, command: ConsentCommand, out: &Printer) -> Result<()> {
    match command {
        ConsentCommand::ContactCode { channel: c } => {
            let sent = client.send_contact_code(channel(&c)?).await?;
            if out.json {
                return out.json(&sent);
            }
            out.done("code sent")
        }
        ConsentCommand::VerifyContact { channel: c, code } => {
            let v = client.verify_contact(channel(&c)?, &code).await?;
            if out.json {
                return out.json(&v);
            }
            out.done("verified")
        }
        ConsentCommand::Consents { for_youth } => {
            let list = match for_youth.as_deref().map(user).transpose()? {
                None => client.consents().await?,
                Some(youth) => client.consents_for(&youth).await?,
            };
            if out.json {
                return out.json(&list);
            }
            for c in &list {
                println!("{}", consent_line(c));
            }
            Ok(())
        }
        ConsentCommand::GiveConsent {
            unit: u,
            purpose: p,
            channel: c,
            for_youth,
        } => {
            let youth = for_youth.as_deref().map(user).transpose()?;
            let v = client
                .give_consent(&unit(&u)?, purpose(&p)?, channel(&c)?, youth)
                .await?;
            if out.json {
                return out.json(&v);
            }
            println!("{}", consent_line(&v));
            Ok(())
        }
        ConsentCommand::WithdrawConsent {
            unit: u,
            purpose: p,
            channel: c,
            for_youth,
        } => {
            let youth = for_youth.as_deref().map(user).transpose()?;
            client
                .withdraw_consent(&unit(&u)?, purpose(&p)?, channel(&c)?, youth)
                .await?;
            out.done("withdrawn")
        }
        ConsentCommand::RecordConsent {
            citizen,
            unit: u,
            purpose: p,
            channel: c,
            note,
            given_by,
        } => {
            let req = RecordConsent {
                unit: unit(&u)?,
                purpose: purpose(&p)?,
                channel: channel(&c)?,
                note,
                given_by: given_by.as_deref().map(user).transpose()?,
            };
            let v = client.record_consent(&user(&citizen)?, &req).await?;
            if out.json {
                return out.json(&v);
            }
            println!("{}", consent_line(&v));
            Ok(())
        }
        ConsentCommand::SetBorn {
            youth,
            born,
            forget,
        } => {
            if born.is_none() && !forget {
                bail!("write the birth date (2011-11-20), or --forget");
            }
            let back = client.set_born(&user(&youth)?, born.as_deref()).await?;
            if out.json {
                return out.json(&back);
            }
            out.done(&match back {
                Some(d) => format!("born {d}"),
                None => "birth date forgotten".to_owned(),
            })
        }
        ConsentCommand::ConsentPrompt => {
            let ask = client.consent_prompt().await?;
            if out.json {
                return out.json(&ask);
            }
            println!("{}", if ask { "ask" } else { "no" });
            Ok(())
        }
        ConsentCommand::Notices => {
            let list = client.notices().await?;
            if out.json {
                return out.json(&list);
            }
            for n in &list {
                println!("{}", notice_line(n));
            }
            Ok(())
        }
    }
}
