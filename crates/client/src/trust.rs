//! Which devices of a person this device trusts: the pure rules of the device chain (see
//! `samtale_proto::devices`), kept apart from the store so they are table-tested here and the
//! I/O in `inbound` only applies the verdict.
//!
//! A person's devices form a chain per *chain number*: its first device has no link (proven by
//! the invitation or the staff login, or trusted on first sight), every later one is signed by
//! a device already trusted in the same chain. An administrator's reset starts the next chain;
//! the old one is retired. Keys once pinned are never replaced.

/// How this device holds a pinned device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Sealed to; its messages are opened.
    Trusted,
    /// Linked by a device not known here yet: kept aside, not used.
    Pending,
    /// Failed a check: shown as a warning, never used.
    Refused,
    /// Removed by its owner or an administrator.
    Revoked,
    /// Of a chain an administrator's reset replaced.
    Retired,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Trusted => "trusted",
            State::Pending => "pending",
            State::Refused => "refused",
            State::Revoked => "revoked",
            State::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> State {
        match s {
            "trusted" => State::Trusted,
            "pending" => State::Pending,
            "revoked" => State::Revoked,
            "retired" => State::Retired,
            // Unknown text is treated as the safest state.
            _ => State::Refused,
        }
    }
}

/// A device of the person as pinned here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    pub id: String,
    pub chain: u32,
    /// `None` for the first device of its chain.
    pub link_signer: Option<String>,
    pub state: State,
}

/// A device the server names for the person, as far as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub id: &'a str,
    pub chain: u32,
    /// The vouching device, when linked.
    pub signer: Option<&'a str>,
    pub revoked: bool,
}

/// Why a device is refused; each becomes a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A second first device in a chain that has one: a password or a server alone tried to
    /// add a device.
    SecondRoot,
    /// Of a chain an administrator's reset has replaced.
    OldChain,
    /// The link's signature does not verify against the vouching device's pinned key.
    BadLink,
    /// Vouched for by a device that is refused, removed or retired here.
    UntrustedSigner,
}

/// What to do with an incoming device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Pinned already: keys are never replaced, nothing changes.
    Known,
    /// Trust it.
    Trust,
    /// The first device of a newer chain: an administrator reset the account. Trust it,
    /// retire the older chains, and tell every shared conversation.
    NewChain,
    /// Linked by a device not known here yet.
    Pending,
    /// Listed as removed: pin it as such, never use it.
    Revoked,
    Refuse(Refusal),
}

/// Decides about `d` given the person's pinned devices. `link_verifies` is asked only when
/// `d` is linked by a trusted device of the same chain, and says whether the link's signature
/// verifies against that device's pinned key.
pub fn decide(d: Incoming<'_>, pinned: &[Pinned], link_verifies: impl FnOnce() -> bool) -> Verdict {
    if pinned.iter().any(|p| p.id == d.id) {
        return Verdict::Known;
    }
    if d.revoked {
        return Verdict::Revoked;
    }
    let newest = pinned
        .iter()
        .filter(|p| p.state != State::Refused)
        .map(|p| p.chain)
        .max();
    match (newest, d.signer) {
        // Nothing of this person's yet: the first device is trusted on first sight (an
        // invitation proof, where there is one, is checked beside this); a linked one waits
        // for its signer.
        (None, None) => Verdict::Trust,
        (None, Some(_)) => Verdict::Pending,
        (Some(n), _) if d.chain < n => Verdict::Refuse(Refusal::OldChain),
        (Some(n), None) if d.chain > n => Verdict::NewChain,
        (Some(n), Some(_)) if d.chain > n => Verdict::Pending,
        (Some(_), None) => {
            let has_root = pinned.iter().any(|p| {
                p.chain == d.chain && p.link_signer.is_none() && p.state != State::Refused
            });
            if has_root {
                Verdict::Refuse(Refusal::SecondRoot)
            } else {
                // Known so far only through links (this device was itself linked in).
                Verdict::Trust
            }
        }
        (Some(_), Some(signer)) => match pinned.iter().find(|p| p.id == signer) {
            None => Verdict::Pending,
            Some(p) if p.chain != d.chain => Verdict::Refuse(Refusal::UntrustedSigner),
            Some(p) => match p.state {
                State::Trusted if link_verifies() => Verdict::Trust,
                State::Trusted => Verdict::Refuse(Refusal::BadLink),
                State::Pending => Verdict::Pending,
                State::Refused | State::Revoked | State::Retired => {
                    Verdict::Refuse(Refusal::UntrustedSigner)
                }
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: &str, chain: u32, signer: Option<&str>, state: State) -> Pinned {
        Pinned {
            id: id.into(),
            chain,
            link_signer: signer.map(Into::into),
            state,
        }
    }

    fn inc(id: &'static str, chain: u32, signer: Option<&'static str>) -> Incoming<'static> {
        Incoming {
            id,
            chain,
            signer,
            revoked: false,
        }
    }

    #[test]
    fn the_table() {
        use Refusal::*;
        use State::{Refused, Retired, Trusted};
        use Verdict::{Known, NewChain, Refuse, Trust};
        let root = p("A", 0, None, Trusted);
        let linked = p("B", 0, Some("A"), Trusted);
        let revoked_b = p("B", 0, Some("A"), State::Revoked);
        let pending_b = p("B", 0, Some("X"), State::Pending);
        let refused_root = p("R", 0, None, Refused);
        let cases: Vec<(&str, Incoming<'static>, Vec<Pinned>, bool, Verdict)> = vec![
            (
                "first sight, first device",
                inc("A", 0, None),
                vec![],
                true,
                Trust,
            ),
            (
                "first sight, linked device",
                inc("B", 0, Some("A")),
                vec![],
                true,
                Verdict::Pending,
            ),
            (
                "already pinned",
                inc("A", 0, None),
                vec![root.clone()],
                false,
                Known,
            ),
            (
                "linked by the trusted root",
                inc("B", 0, Some("A")),
                vec![root.clone()],
                true,
                Trust,
            ),
            (
                "link that does not verify",
                inc("B", 0, Some("A")),
                vec![root.clone()],
                false,
                Refuse(BadLink),
            ),
            (
                "linked by a linked device",
                inc("C", 0, Some("B")),
                vec![root.clone(), linked.clone()],
                true,
                Trust,
            ),
            (
                "second first device",
                inc("Z", 0, None),
                vec![root.clone()],
                true,
                Refuse(SecondRoot),
            ),
            (
                "second first device after the root was removed",
                inc("Z", 0, None),
                vec![p("A", 0, None, State::Revoked)],
                true,
                Refuse(SecondRoot),
            ),
            (
                "a refused root does not block the real one",
                inc("A", 0, None),
                vec![refused_root],
                true,
                Trust,
            ),
            (
                "linked by a removed device",
                inc("C", 0, Some("B")),
                vec![root.clone(), revoked_b],
                true,
                Refuse(UntrustedSigner),
            ),
            (
                "linked by a pending device",
                inc("C", 0, Some("B")),
                vec![root.clone(), pending_b],
                true,
                Verdict::Pending,
            ),
            (
                "linked by an unknown device",
                inc("C", 0, Some("Q")),
                vec![root.clone()],
                true,
                Verdict::Pending,
            ),
            (
                "signer of another chain",
                inc("C", 1, Some("A")),
                vec![root.clone(), p("N", 1, None, Trusted)],
                true,
                Refuse(UntrustedSigner),
            ),
            (
                "administrator reset",
                inc("N", 1, None),
                vec![root.clone(), linked.clone()],
                true,
                NewChain,
            ),
            (
                "linked in a newer chain, its root unseen",
                inc("M", 1, Some("N")),
                vec![root.clone()],
                true,
                Verdict::Pending,
            ),
            (
                "old chain after a reset",
                inc("Y", 0, Some("A")),
                vec![p("A", 0, None, Retired), p("N", 1, None, Trusted)],
                true,
                Refuse(OldChain),
            ),
            (
                "root known only through a link (own new device)",
                inc("A", 0, None),
                vec![p("S", 0, Some("A"), Trusted)],
                true,
                Trust,
            ),
            (
                "listed as removed",
                Incoming {
                    revoked: true,
                    ..inc("C", 0, Some("A"))
                },
                vec![root.clone()],
                true,
                Verdict::Revoked,
            ),
        ];
        for (name, d, pinned, sig_ok, want) in cases {
            assert_eq!(decide(d, &pinned, || sig_ok), want, "{name}");
        }
    }

    #[test]
    fn the_signature_is_checked_only_for_a_trusted_signer() {
        let pinned = vec![p("A", 0, None, State::Revoked)];
        let v = decide(inc("B", 0, Some("A")), &pinned, || panic!("asked"));
        assert_eq!(v, Verdict::Refuse(Refusal::UntrustedSigner));
    }
}
