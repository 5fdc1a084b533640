//! Output of the CLI: short text for people, or JSON of the engine's views with `--json`.

use anyhow::Result;
use samtale_client::{
    Account, AlertView, ClientEvent, InvitationView, LinkCodeView, LinkPreviewView, MessageState,
    MessageView, OwnDeviceView, PersonView, SyncReport, ThreadView,
};
use samtale_proto::ThreadId;
use samtale_proto::devices::DeviceList;
use serde::Serialize;

pub struct Printer {
    pub json: bool,
}

impl Printer {
    pub(crate) fn json<T: Serialize + ?Sized>(&self, v: &T) -> Result<()> {
        println!("{}", serde_json::to_string(v)?);
        Ok(())
    }

    pub fn account(&self, a: &Account) -> Result<()> {
        if self.json {
            return self.json(a);
        }
        println!(
            "{} ({}) in {}",
            a.display_name,
            a.role.as_str(),
            a.tenant_name
        );
        println!("user {}  device {}", a.user, a.device);
        println!("this device's code: {}", a.fingerprint);
        Ok(())
    }

    pub fn invitation(&self, i: &InvitationView) -> Result<()> {
        if self.json {
            return self.json(i);
        }
        println!("code: {}", i.code);
        println!("qr:   {}", i.qr_payload);
        Ok(())
    }

    pub fn invitations(&self, list: &[InvitationView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for i in list {
            let state = i
                .joined_user
                .as_ref()
                .map(|u| format!("joined as {u}"))
                .unwrap_or_else(|| "waiting".into());
            println!(
                "{}  {:<7} {:<24} {}",
                i.code,
                i.role.as_str(),
                i.display_name,
                state
            );
        }
        Ok(())
    }

    pub fn thread_id(&self, id: &ThreadId) -> Result<()> {
        if self.json {
            return self.json(&serde_json::json!({ "thread": id }));
        }
        println!("{id}");
        Ok(())
    }

    pub fn threads(&self, list: &[ThreadView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for t in list {
            let names: Vec<&str> = t.members.iter().map(|m| m.display_name.as_str()).collect();
            println!(
                "{}  {:<8} unread {:<3} {}",
                t.id,
                t.kind.as_str(),
                t.unread,
                names.join(", ")
            );
        }
        Ok(())
    }

    pub fn message(&self, m: &MessageView) -> Result<()> {
        if self.json {
            return self.json(m);
        }
        println!("{} {}", m.id, m.state.as_str());
        Ok(())
    }

    pub fn files(&self, list: &[samtale_client::files::FileView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for f in list {
            println!(
                "{}  {:?}  {}  {} bytes  {}",
                f.blob, f.state, f.mime, f.size, f.name
            );
        }
        Ok(())
    }

    pub fn messages(&self, list: &[MessageView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for m in list {
            let marks = if m.mine {
                let read = m.read_by();
                let state = match m.state {
                    MessageState::Queued => "venter",
                    MessageState::Failed => "fejlede",
                    MessageState::Planned => "planlagt",
                    _ => "sendt",
                };
                if read.is_empty() {
                    format!(" [{state}]")
                } else {
                    format!(" [{state}, læst af {}]", read.join(", "))
                }
            } else {
                String::new()
            };
            let who = if m.kind == "notice" {
                "*".to_owned()
            } else {
                m.sender_name.clone()
            };
            let recorded = m
                .recorded
                .as_ref()
                .map(|r| format!(" [journaliseret i sag {}]", r.case_number))
                .unwrap_or_default();
            println!("{who}: {}{marks}{recorded}", m.body);
        }
        Ok(())
    }

    pub fn people(&self, list: &[PersonView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for p in list {
            let reset = if p.keys_reset {
                "  KEYS RESET by an administrator: compare codes, then `samtale confirm-codes USER`"
            } else {
                ""
            };
            println!("{} ({}) {}{reset}", p.display_name, p.role.as_str(), p.user);
            for d in &p.devices {
                let trust = match d.trust {
                    samtale_client::DeviceTrust::Refused => "REFUSED: no valid link",
                    samtale_client::DeviceTrust::Revoked => "removed",
                    samtale_client::DeviceTrust::Retired => "reset",
                    samtale_client::DeviceTrust::Pending => "pending",
                    samtale_client::DeviceTrust::Trusted if d.failed_check => "CHECK FAILED",
                    samtale_client::DeviceTrust::Trusted if d.verified => "verified",
                    samtale_client::DeviceTrust::Trusted => "not verified",
                };
                println!("  {} [{trust}] {}", d.name, d.safety_code);
            }
        }
        Ok(())
    }

    pub fn sync(&self, r: &SyncReport) -> Result<()> {
        if self.json {
            return self.json(r);
        }
        println!(
            "pushed {} pulled {} failed {} waiting {}",
            r.pushed, r.pulled, r.failed, r.waiting
        );
        Ok(())
    }

    pub fn event(&self, e: &ClientEvent) -> Result<()> {
        self.json(e)
    }

    pub fn done(&self, what: &str) -> Result<()> {
        if self.json {
            return self.json(&serde_json::json!({ "done": what }));
        }
        println!("{what}");
        Ok(())
    }

    pub fn link_code(&self, v: &LinkCodeView) -> Result<()> {
        if self.json {
            self.json(v)?;
        } else {
            println!("enter this code on a device you already have: {}", v.code);
            println!("qr:   {}", v.qr_payload);
            println!("this device's code (compare it there): {}", v.fingerprint);
        }
        // The other side reads this before the wait ends.
        use std::io::Write as _;
        std::io::stdout().flush()?;
        Ok(())
    }

    pub fn link_preview(&self, v: &LinkPreviewView) -> Result<()> {
        if self.json {
            return self.json(v);
        }
        println!("new device: {}", v.device_name);
        println!(
            "its code: {} (must match what the new device shows)",
            v.fingerprint
        );
        Ok(())
    }

    pub fn devices(&self, list: &[OwnDeviceView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for d in list {
            let by = d
                .added_by_name
                .as_deref()
                .or(d.added_by.as_deref())
                .unwrap_or("first device");
            let marks = [
                d.this_device.then_some("this device"),
                d.stale.then_some("stale"),
            ];
            let marks: Vec<&str> = marks.into_iter().flatten().collect();
            println!(
                "{}  {:<28} {:?}  added by {by}  {}",
                d.id,
                d.name,
                d.trust,
                marks.join(", ")
            );
        }
        Ok(())
    }

    pub fn device_list(&self, list: &DeviceList) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for d in &list.devices {
            let state = match (d.device.revoked_at_ms, d.stale) {
                (Some(_), _) => "removed",
                (None, true) => "stale",
                (None, false) => "active",
            };
            println!(
                "{}  {:<28} chain {}  {state}",
                d.device.id, d.device.name, d.device.chain
            );
        }
        Ok(())
    }

    pub fn alerts(&self, list: &[AlertView]) -> Result<()> {
        if self.json {
            return self.json(list);
        }
        for a in list {
            println!("{} {}", if a.seen { " " } else { "*" }, a.text);
        }
        Ok(())
    }
}
