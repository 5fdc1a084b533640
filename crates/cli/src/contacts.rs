//! A citizen's own number and address in the municipality's contact register, on the command
//! line: list, set (as people write them; the server checks and normalises), remove.

use anyhow::{Result, bail};
use clap::Subcommand;
use samtale_client::Client;
use samtale_proto::notices::{Channel, ContactState, ContactView};

use crate::print::Printer;

#[derive(Subcommand)]
pub enum ContactCommand {
    /// Your mobile number and e-mail address in the contact register.
    Contacts,
    /// Enter or replace one: `set-contact sms "23 45 67 89"` or `set-contact email a@b.dk`.
    SetContact { channel: String, value: String },
    /// Take one out of the register: `remove-contact sms`.
    RemoveContact { channel: String },
}

pub fn channel(s: &str) -> Result<Channel> {
    match s {
        "sms" => Ok(Channel::Sms),
        "email" | "e-mail" => Ok(Channel::Email),
        _ => bail!("{s:?} is not a channel: write sms or email"),
    }
}

fn line(c: &ContactView) -> String {
    let state = match c.state {
        ContactState::Verified => "bekræftet",
        ContactState::Unverified => "ikke bekræftet",
        ContactState::Bounced => "afvist",
    };
    format!("{}  {}  ({state})", c.channel.da(), c.value)
}

pub async fn run(client: &Client, command: ContactCommand, out: &Printer) -> Result<()> {
    match command {
        ContactCommand::Contacts => {
            let list = client.contacts().await?;
            if out.json {
                return out.json(&list);
            }
            for c in &list {
                println!("{}", line(c));
            }
            Ok(())
        }
        ContactCommand::SetContact { channel: c, value } => {
            let c = client.set_contact(channel(&c)?, &value).await?;
            if out.json {
                return out.json(&c);
            }
            println!("{}", line(&c));
            Ok(())
        }
        ContactCommand::RemoveContact { channel: c } => {
            client.remove_contact(channel(&c)?).await?;
            out.done("removed")
        }
    }
}
