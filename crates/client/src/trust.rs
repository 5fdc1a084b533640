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

/// The person's current chain as this device holds it: its number, and its first device when
/// known. It moves only by a [`Verdict::NewChain`], never by what waits or was refused, so a
/// server cannot shift it quietly with devices it made up.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    pub chain: u32,
    /// `None` while the chain is known only through links (a device linked in, or a linked
    /// device proven by an invitation).
    pub root: Option<&'a str>,
}

/// Decides about `d` given the person's current chain and pinned devices. `link_verifies` is
/// asked only when `d` is linked by a trusted device of the same chain, and says whether the
/// link's signature verifies against that device's pinned key. `root_proven` is asked only for
/// a first device of the current chain while its first device is unknown, and says whether a
/// path of verified links leads from it to a trusted device.
pub fn decide(
    d: Incoming<'_>,
    current: Option<Current<'_>>,
    pinned: &[Pinned],
    link_verifies: impl FnOnce() -> bool,
    root_proven: impl FnOnce() -> bool,
) -> Verdict {
    if pinned.iter().any(|p| p.id == d.id) {
        return Verdict::Known;
    }
    if d.revoked {
        return Verdict::Revoked;
    }
    let Some(current) = current else {
        // Nothing of this person's yet: the first device is trusted on first sight (an
        // invitation proof, where there is one, is checked beside this); a linked one waits
        // for its signer.
        return match d.signer {
            None => Verdict::Trust,
            Some(_) => Verdict::Pending,
        };
    };
    match d.signer {
        _ if d.chain < current.chain => Verdict::Refuse(Refusal::OldChain),
        None if d.chain > current.chain => Verdict::NewChain,
        Some(_) if d.chain > current.chain => Verdict::Pending,
        None if current.root.is_some() => Verdict::Refuse(Refusal::SecondRoot),
        // The chain is known only through links: its first device must prove itself by them.
        None if root_proven() => Verdict::Trust,
        None => Verdict::Pending,
        Some(signer) => match pinned.iter().find(|p| p.id == signer) {
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

    fn cur(chain: u32, root: Option<&'static str>) -> Option<Current<'static>> {
        Some(Current { chain, root })
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
        let a = cur(0, Some("A"));
        type Case = (
            &'static str,
            Incoming<'static>,
            Option<Current<'static>>,
            Vec<Pinned>,
            bool,
            bool,
            Verdict,
        );
        let cases: Vec<Case> = vec![
            (
                "first sight, first device",
                inc("A", 0, None),
                None,
                vec![],
                true,
                false,
                Trust,
            ),
            (
                "first sight, linked device",
                inc("B", 0, Some("A")),
                None,
                vec![],
                true,
                false,
                Verdict::Pending,
            ),
            (
                "already pinned",
                inc("A", 0, None),
                a,
                vec![root.clone()],
                false,
                false,
                Known,
            ),
            (
                "linked by the trusted root",
                inc("B", 0, Some("A")),
                a,
                vec![root.clone()],
                true,
                false,
                Trust,
            ),
            (
                "link that does not verify",
                inc("B", 0, Some("A")),
                a,
                vec![root.clone()],
                false,
                false,
                Refuse(BadLink),
            ),
            (
                "linked by a linked device",
                inc("C", 0, Some("B")),
                a,
                vec![root.clone(), linked.clone()],
                true,
                false,
                Trust,
            ),
            (
                "second first device",
                inc("Z", 0, None),
                a,
                vec![root.clone()],
                true,
                true,
                Refuse(SecondRoot),
            ),
            (
                "second first device after the root was removed",
                inc("Z", 0, None),
                a,
                vec![p("A", 0, None, State::Revoked)],
                true,
                true,
                Refuse(SecondRoot),
            ),
            (
                "linked by a removed device",
                inc("C", 0, Some("B")),
                a,
                vec![root.clone(), revoked_b],
                true,
                false,
                Refuse(UntrustedSigner),
            ),
            (
                "linked by a pending device",
                inc("C", 0, Some("B")),
                a,
                vec![root.clone(), pending_b],
                true,
                false,
                Verdict::Pending,
            ),
            (
                "linked by an unknown device",
                inc("C", 0, Some("Q")),
                a,
                vec![root.clone()],
                true,
                false,
                Verdict::Pending,
            ),
            (
                "signer of another chain",
                inc("C", 1, Some("A")),
                cur(1, Some("N")),
                vec![root.clone(), p("N", 1, None, Trusted)],
                true,
                false,
                Refuse(UntrustedSigner),
            ),
            (
                "administrator reset",
                inc("N", 1, None),
                a,
                vec![root.clone(), linked.clone()],
                true,
                false,
                NewChain,
            ),
            (
                "linked in a newer chain, its root unseen",
                inc("M", 1, Some("N")),
                a,
                vec![root.clone()],
                true,
                false,
                Verdict::Pending,
            ),
            (
                "old chain after a reset",
                inc("Y", 0, Some("A")),
                cur(1, Some("N")),
                vec![p("A", 0, None, Retired), p("N", 1, None, Trusted)],
                true,
                false,
                Refuse(OldChain),
            ),
            (
                "root known only through links, proven",
                inc("A", 0, None),
                cur(0, None),
                vec![p("S", 0, Some("A"), Trusted)],
                true,
                true,
                Trust,
            ),
            (
                "root known only through links, not proven",
                inc("Z", 0, None),
                cur(0, None),
                vec![p("S", 0, Some("A"), Trusted)],
                true,
                false,
                Verdict::Pending,
            ),
            (
                "pending devices do not move the chain",
                inc("N", 1, None),
                a,
                vec![root.clone(), p("M", 1, Some("N"), State::Pending)],
                true,
                false,
                NewChain,
            ),
            (
                "refused devices do not move it either",
                inc("A2", 0, None),
                a,
                vec![root.clone(), p("R", 5, None, Refused)],
                true,
                true,
                Refuse(SecondRoot),
            ),
            (
                "listed as removed",
                Incoming {
                    revoked: true,
                    ..inc("C", 0, Some("A"))
                },
                a,
                vec![root.clone()],
                true,
                false,
                Verdict::Revoked,
            ),
        ];
        for (name, d, current, pinned, sig_ok, proven, want) in cases {
            assert_eq!(
                decide(d, current, &pinned, || sig_ok, || proven),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn the_signature_is_checked_only_for_a_trusted_signer() {
        let pinned = vec![p("A", 0, None, State::Revoked)];
        let v = decide(
            inc("B", 0, Some("A")),
            cur(0, Some("A")),
            &pinned,
            || panic!("asked"),
            || panic!("asked"),
        );
        assert_eq!(v, Verdict::Refuse(Refusal::UntrustedSigner));
    }
}
