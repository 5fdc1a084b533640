//! Whether, how and when to tell a citizen outside the app that a message waits, by the
//! Danish rules the issue sets out: no notice without a live consent for that unit, purpose
//! and channel; a parent's consent for a child lapses on the child's 15th birthday, and a
//! youth's own consent counts from 15; only a verified, not stale, not bounced number or
//! address is used; never more than one notice per period, never in quiet hours (held until
//! they end, in Danish time across the clock changes); and when nothing digital works and the
//! app has not been opened for a while, the citizen is unreachable, with every reason in words.
//!
//! Pure: the caller passes the facts and the time, and logs the decision with its reason.

use samtale_proto::UserId;
use samtale_proto::clock::{self, Date};
use samtale_proto::notices::{Channel, Consent, ContactState, Purpose};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The municipality's settings for notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// A message unread this long gets a notice (default 60 minutes).
    pub wait_ms: i64,
    /// At most one notice per citizen in this period (default 12 hours).
    pub gap_ms: i64,
    /// Quiet hours in Danish time, (hour, minute) from and to (default 21.00 to 08.00).
    pub quiet_from: (u32, u32),
    pub quiet_to: (u32, u32),
    /// A number or address not verified for this long is stale (default 6 months).
    pub stale_after_ms: i64,
    /// With no channel, a citizen whose app has not been opened for this long is unreachable
    /// (default 14 days).
    pub unreachable_after_ms: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            wait_ms: 60 * MINUTE_MS,
            gap_ms: 12 * 60 * MINUTE_MS,
            quiet_from: (21, 0),
            quiet_to: (8, 0),
            stale_after_ms: 182 * DAY_MS,
            unreachable_after_ms: 14 * DAY_MS,
        }
    }
}

/// A phone number or e-mail address the server holds for the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFact {
    pub channel: Channel,
    pub state: ContactState,
    pub verified_at_ms: Option<i64>,
    /// When it bounced or a delivery report said it failed.
    pub failed_at_ms: Option<i64>,
}

/// What the sender knows about one citizen and one unit.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub now_ms: i64,
    /// The unit's id, as consents name it.
    pub unit: &'a str,
    /// Its name, for the reasons in words.
    pub unit_name: &'a str,
    pub purpose: Purpose,
    pub citizen: &'a UserId,
    /// A youth (the age rules apply) rather than a parent.
    pub is_youth: bool,
    /// The youth's birth date, if known.
    pub born: Option<Date>,
    /// The oldest message from the unit he has not read.
    pub unread_since_ms: Option<i64>,
    pub last_notice_ms: Option<i64>,
    /// When one of his devices last came online.
    pub app_seen_ms: Option<i64>,
    pub contacts: &'a [ContactFact],
    pub consents: &'a [Consent],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing now.
    Wait {
        why: String,
    },
    /// Quiet hours: decide again at `until_ms`.
    Hold {
        until_ms: i64,
        why: String,
    },
    Send {
        channel: Channel,
        why: String,
    },
    /// Nothing digital works: the caseworker's "kan ikke nås digitalt" list, and a letter.
    Unreachable {
        reasons: Vec<String>,
    },
}

/// "03.11" in Danish time.
fn day_month(ms: i64) -> String {
    let d = clock::local(ms).date;
    format!("{:02}.{:02}", d.day, d.month)
}

/// "03.11.2026" in Danish time.
fn date(ms: i64) -> String {
    let d = clock::local(ms).date;
    format!("{:02}.{:02}.{}", d.day, d.month, d.year)
}

/// "03.11.2026 kl. 14.05" in Danish time.
fn moment(ms: i64) -> String {
    let l = clock::local(ms);
    format!(
        "{:02}.{:02}.{} kl. {:02}.{:02}",
        l.date.day, l.date.month, l.date.year, l.hour, l.minute
    )
}

/// The first moment (Danish midnight) on which someone born on `born` is 15. Born on 29
/// February: 1 March in a year without it.
pub fn fifteenth_birthday_ms(born: Date) -> i64 {
    let year = born.year + 15;
    let date = Date {
        year,
        month: born.month,
        day: born.day,
    };
    // add_days(0) normalises 29.02 in a common year to 01.03.
    clock::to_utc(date.add_days(0), 0, 0)
}

/// Whether `c` lets the unit tell `f.citizen` by `channel` now, or why not.
fn live(c: &Consent, f: &Facts<'_>, channel: Channel) -> Result<(), String> {
    if c.citizen != *f.citizen || c.unit != f.unit || c.purpose != f.purpose || c.channel != channel
    {
        return Err(String::new());
    }
    if c.given_at_ms > f.now_ms {
        return Err(String::new());
    }
    if let Some(w) = c.withdrawn_at_ms
        && w <= f.now_ms
    {
        return Err(format!(
            "samtykke til {} trukket tilbage {}",
            channel.da(),
            day_month(w)
        ));
    }
    if let (true, Some(born)) = (f.is_youth, f.born) {
        let fifteen = fifteenth_birthday_ms(born);
        if c.by_parent && f.now_ms >= fifteen {
            return Err(format!(
                "forældres samtykke til {} bortfaldt ved 15 år ({}); den unge skal selv give det",
                channel.da(),
                day_month(fifteen)
            ));
        }
        if !c.by_parent && c.given_at_ms < fifteen {
            return Err(format!(
                "samtykke til {} givet af den unge før 15 år; en forælder skal give det",
                channel.da()
            ));
        }
    }
    Ok(())
}

/// Whether the unit may use `channel` for `f.citizen` now: a live consent and a usable
/// contact; else the reason in words.
fn usable(f: &Facts<'_>, s: &Settings, channel: Channel) -> Result<String, String> {
    let mut refused = None;
    let consent = f.consents.iter().find(|c| match live(c, f, channel) {
        Ok(()) => true,
        Err(why) => {
            if !why.is_empty() && refused.is_none() {
                refused = Some(why);
            }
            false
        }
    });
    let Some(consent) = consent else {
        return Err(refused.unwrap_or_else(|| {
            format!("intet samtykke til {} fra {}", channel.da(), f.unit_name)
        }));
    };
    let what = match channel {
        Channel::Sms => "nummeret",
        Channel::Email => "e-mailadressen",
    };
    let Some(contact) = f.contacts.iter().find(|c| c.channel == channel) else {
        return Err(match channel {
            Channel::Sms => "intet mobilnummer".into(),
            Channel::Email => "ingen e-mailadresse".into(),
        });
    };
    match (contact.state, contact.verified_at_ms) {
        (ContactState::Bounced, _) => Err(format!(
            "{what} blev afvist{}",
            contact
                .failed_at_ms
                .map(|t| format!(" {}", day_month(t)))
                .unwrap_or_default()
        )),
        (ContactState::Unverified, _) | (ContactState::Verified, None) => {
            Err(format!("{what} er ikke bekræftet"))
        }
        (ContactState::Verified, Some(v)) if f.now_ms - v > s.stale_after_ms => Err(format!(
            "{what} blev sidst bekræftet {} og er forældet",
            date(v)
        )),
        (ContactState::Verified, Some(v)) => Ok(format!(
            "{}: samtykke fra {}, {what} bekræftet {}",
            channel.da(),
            day_month(consent.given_at_ms),
            day_month(v)
        )),
    }
}

/// The end of the quiet hours `now_ms` falls in, if it falls in them.
pub fn quiet_until(now_ms: i64, s: &Settings) -> Option<i64> {
    let l = clock::local(now_ms);
    let minute = l.hour * 60 + l.minute;
    let from = s.quiet_from.0 * 60 + s.quiet_from.1;
    let to = s.quiet_to.0 * 60 + s.quiet_to.1;
    let (quiet, next_day) = if from > to {
        // Over midnight, e.g. 21.00 to 08.00.
        (minute >= from || minute < to, minute >= from)
    } else {
        (minute >= from && minute < to, false)
    };
    if !quiet {
        return None;
    }
    let day = if next_day { l.date.add_days(1) } else { l.date };
    Some(clock::to_utc(day, s.quiet_to.0, s.quiet_to.1))
}

/// What to do for this citizen and unit now.
pub fn decide(f: &Facts<'_>, s: &Settings) -> Decision {
    let Some(unread) = f.unread_since_ms else {
        return Decision::Wait {
            why: "ingen ulæste beskeder".into(),
        };
    };
    if f.now_ms - unread < s.wait_ms {
        return Decision::Wait {
            why: format!("ulæst i under {} minutter", s.wait_ms / MINUTE_MS),
        };
    }
    if let Some(last) = f.last_notice_ms
        && f.now_ms - last < s.gap_ms
    {
        return Decision::Wait {
            why: format!("allerede underrettet {}", moment(last)),
        };
    }
    let mut reasons = Vec::new();
    for channel in [Channel::Sms, Channel::Email] {
        match usable(f, s, channel) {
            Ok(why) => {
                if let Some(until) = quiet_until(f.now_ms, s) {
                    return Decision::Hold {
                        until_ms: until,
                        why: format!(
                            "stille tid {:02}.{:02}-{:02}.{:02}; {why}",
                            s.quiet_from.0, s.quiet_from.1, s.quiet_to.0, s.quiet_to.1
                        ),
                    };
                }
                return Decision::Send { channel, why };
            }
            Err(why) => reasons.push(why),
        }
    }
    let away = f.app_seen_ms.map(|seen| f.now_ms - seen);
    match away {
        Some(ms) if ms < s.unreachable_after_ms => Decision::Wait {
            why: format!(
                "{}; appen blev åbnet {}",
                reasons.join("; "),
                day_month(f.now_ms - ms)
            ),
        },
        _ => {
            reasons.push(match away {
                Some(ms) => format!("app ikke åbnet i {} dage", ms / DAY_MS),
                None => "appen er aldrig åbnet".into(),
            });
            Decision::Unreachable { reasons }
        }
    }
}

/// Whether a youth should be asked for his own consent: he is 15 or older, a parent's consent
/// for him lapsed, and he has given none of his own since he turned 15.
pub fn needs_own_consent(
    youth: &UserId,
    born: Option<Date>,
    consents: &[Consent],
    now_ms: i64,
) -> bool {
    let Some(born) = born else { return false };
    let fifteen = fifteenth_birthday_ms(born);
    if now_ms < fifteen {
        return false;
    }
    let mine = |c: &&Consent| c.citizen == *youth;
    let from_parent = consents.iter().filter(mine).any(|c| c.by_parent);
    let own = consents.iter().filter(mine).any(|c| {
        !c.by_parent && c.given_at_ms >= fifteen && c.withdrawn_at_ms.is_none_or(|w| w > now_ms)
    });
    from_parent && !own
}

#[cfg(test)]
mod tests {
    use samtale_proto::notices::ConsentHow;

    use super::*;

    const HOUR: i64 = 3_600_000;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        clock::to_utc(
            Date {
                year: y,
                month: mo,
                day: d,
            },
            h,
            mi,
        )
    }

    fn mikkel() -> UserId {
        UserId::from_parts(1, [1; 10])
    }

    fn mette() -> UserId {
        UserId::from_parts(2, [2; 10])
    }

    fn consent(channel: Channel, given: i64, by_parent: bool) -> Consent {
        Consent {
            citizen: mikkel(),
            unit: "Ungeindsatsen".into(),
            purpose: Purpose::NewMessages,
            channel,
            given_at_ms: given,
            given_by: if by_parent { mette() } else { mikkel() },
            by_parent,
            how: ConsentHow::Recorded {
                note: "mundtligt ved møde 12.11".into(),
            },
            withdrawn_at_ms: None,
        }
    }

    fn verified(channel: Channel, at_ms: i64) -> ContactFact {
        ContactFact {
            channel,
            state: ContactState::Verified,
            verified_at_ms: Some(at_ms),
            failed_at_ms: None,
        }
    }

    /// `who` as Mikkel (a youth born 20.11.2011) with a message unread for two hours at `now`,
    /// his app opened a day before; the contacts and consents are each test's.
    fn facts<'a>(
        now: i64,
        contacts: &'a [ContactFact],
        consents: &'a [Consent],
        who: &'a UserId,
    ) -> Facts<'a> {
        Facts {
            now_ms: now,
            unit: "Ungeindsatsen",
            unit_name: "Ungeindsatsen",
            purpose: Purpose::NewMessages,
            citizen: who,
            is_youth: true,
            born: Some(Date {
                year: 2011,
                month: 11,
                day: 20,
            }),
            unread_since_ms: Some(now - 2 * HOUR),
            last_notice_ms: None,
            app_seen_ms: Some(now - DAY_MS),
            contacts,
            consents,
        }
    }

    fn kind(d: &Decision) -> String {
        match d {
            Decision::Wait { why } => format!("wait: {why}"),
            Decision::Hold { until_ms, .. } => format!("hold until {}", moment(*until_ms)),
            Decision::Send { channel, .. } => format!("send {}", channel.da()),
            Decision::Unreachable { reasons } => format!("unreachable: {}", reasons.join(" | ")),
        }
    }

    #[test]
    fn quiet_hours_hold_until_morning_in_danish_time_across_the_clock_changes() {
        let s = Settings::default();
        // (now, expected end of quiet hours or None)
        let cases = [
            (at(2026, 11, 10, 20, 59), None),
            (at(2026, 11, 10, 21, 0), Some(at(2026, 11, 11, 8, 0))),
            (at(2026, 11, 10, 23, 30), Some(at(2026, 11, 11, 8, 0))),
            (at(2026, 11, 11, 0, 0), Some(at(2026, 11, 11, 8, 0))),
            (at(2026, 11, 11, 7, 59), Some(at(2026, 11, 11, 8, 0))),
            (at(2026, 11, 11, 8, 0), None),
            // The spring-forward night (29.03.2026): the night is an hour shorter.
            (at(2026, 3, 28, 22, 0), Some(at(2026, 3, 29, 8, 0))),
            // The fall-back night (25.10.2026): an hour longer.
            (at(2026, 10, 24, 22, 0), Some(at(2026, 10, 25, 8, 0))),
            // 31 December to 1 January.
            (at(2026, 12, 31, 22, 0), Some(at(2027, 1, 1, 8, 0))),
        ];
        for (now, want) in cases {
            assert_eq!(quiet_until(now, &s), want, "at {}", moment(now));
        }
        // In UTC the two mornings are 06.00 (summer time) and 07.00 (winter time).
        assert_eq!(at(2026, 3, 29, 8, 0) - at(2026, 3, 28, 22, 0), 9 * HOUR);
        assert_eq!(at(2026, 10, 25, 8, 0) - at(2026, 10, 24, 22, 0), 11 * HOUR);
    }

    #[test]
    fn the_routing_table() {
        let s = Settings::default();
        let noon = at(2026, 12, 1, 12, 0);
        let m = mikkel();
        let phone = verified(Channel::Sms, at(2026, 11, 25, 10, 0));
        let mail = verified(Channel::Email, at(2026, 11, 25, 10, 0));
        let own_sms = consent(Channel::Sms, at(2026, 11, 21, 9, 0), false);
        let own_mail = consent(Channel::Email, at(2026, 11, 21, 9, 0), false);
        let bounced = ContactFact {
            state: ContactState::Bounced,
            failed_at_ms: Some(at(2026, 11, 3, 9, 0)),
            ..phone.clone()
        };
        let withdrawn = Consent {
            withdrawn_at_ms: Some(at(2026, 11, 28, 9, 0)),
            ..own_sms.clone()
        };
        let other_unit = Consent {
            unit: "Familierådgivningen".into(),
            ..own_sms.clone()
        };
        let stale = verified(Channel::Sms, at(2026, 4, 1, 10, 0));
        let unverified = ContactFact {
            state: ContactState::Unverified,
            verified_at_ms: None,
            ..phone.clone()
        };
        type Case<'a> = (&'a str, Vec<ContactFact>, Vec<Consent>, i64, &'a str);
        let cases: Vec<Case<'_>> = vec![
            (
                "sms first",
                vec![phone.clone(), mail.clone()],
                vec![own_sms.clone(), own_mail.clone()],
                noon,
                "send sms",
            ),
            (
                "a bounced number: e-mail",
                vec![bounced.clone(), mail.clone()],
                vec![own_sms.clone(), own_mail.clone()],
                noon,
                "send e-mail",
            ),
            (
                "sms consent withdrawn: e-mail",
                vec![phone.clone(), mail.clone()],
                vec![withdrawn.clone(), own_mail.clone()],
                noon,
                "send e-mail",
            ),
            (
                "consent to another unit is none",
                vec![phone.clone()],
                vec![other_unit.clone()],
                noon,
                "wait: intet samtykke til sms fra Ungeindsatsen; intet samtykke til e-mail fra Ungeindsatsen; appen blev åbnet 30.11",
            ),
            (
                "a stale number",
                vec![stale.clone()],
                vec![own_sms.clone()],
                noon,
                "wait: nummeret blev sidst bekræftet 01.04.2026 og er forældet; intet samtykke til e-mail fra Ungeindsatsen; appen blev åbnet 30.11",
            ),
            (
                "an unverified number",
                vec![unverified.clone()],
                vec![own_sms.clone()],
                noon,
                "wait: nummeret er ikke bekræftet; intet samtykke til e-mail fra Ungeindsatsen; appen blev åbnet 30.11",
            ),
            (
                "in quiet hours",
                vec![phone.clone()],
                vec![own_sms.clone()],
                at(2026, 12, 1, 22, 15),
                "hold until 02.12.2026 kl. 08.00",
            ),
        ];
        for (what, contacts, consents, now, want) in cases {
            let f = facts(now, &contacts, &consents, &m);
            assert_eq!(kind(&decide(&f, &s)), want, "{what}");
        }
        // Nothing works and the app has not been opened for 23 days: unreachable, with why.
        let contacts = [bounced.clone()];
        let consents = [own_sms.clone()];
        let mut f = facts(noon, &contacts, &consents, &m);
        f.app_seen_ms = Some(noon - 23 * DAY_MS);
        assert_eq!(
            kind(&decide(&f, &s)),
            "unreachable: nummeret blev afvist 03.11 | intet samtykke til e-mail fra Ungeindsatsen | app ikke åbnet i 23 dage"
        );
        f.app_seen_ms = None;
        assert!(kind(&decide(&f, &s)).ends_with("appen er aldrig åbnet"));
    }

    #[test]
    fn nothing_is_sent_too_soon_or_too_often() {
        let s = Settings::default();
        let noon = at(2026, 12, 1, 12, 0);
        let m = mikkel();
        let contacts = [verified(Channel::Sms, at(2026, 11, 25, 10, 0))];
        let consents = [consent(Channel::Sms, at(2026, 11, 21, 9, 0), false)];
        let mut f = facts(noon, &contacts, &consents, &m);
        f.unread_since_ms = None;
        assert_eq!(kind(&decide(&f, &s)), "wait: ingen ulæste beskeder");
        f.unread_since_ms = Some(noon - 59 * MINUTE_MS);
        assert_eq!(kind(&decide(&f, &s)), "wait: ulæst i under 60 minutter");
        f.unread_since_ms = Some(noon - 60 * MINUTE_MS);
        assert_eq!(kind(&decide(&f, &s)), "send sms");
        f.last_notice_ms = Some(noon - 11 * HOUR);
        assert_eq!(
            kind(&decide(&f, &s)),
            "wait: allerede underrettet 01.12.2026 kl. 01.00"
        );
        f.last_notice_ms = Some(noon - 12 * HOUR);
        assert_eq!(kind(&decide(&f, &s)), "send sms");
    }

    #[test]
    fn a_parents_consent_lapses_on_the_fifteenth_birthday_and_the_youths_own_counts_from_then() {
        let s = Settings::default();
        let m = mikkel();
        let contacts = [verified(Channel::Sms, at(2026, 11, 1, 10, 0))];
        let by_mette = [consent(Channel::Sms, at(2024, 5, 1, 10, 0), true)];
        // Born 20.11.2011: 15 at Danish midnight on 20.11.2026.
        assert_eq!(
            fifteenth_birthday_ms(Date {
                year: 2011,
                month: 11,
                day: 20
            }),
            at(2026, 11, 20, 0, 0)
        );
        let eve = at(2026, 11, 19, 12, 0);
        let f = facts(eve, &contacts, &by_mette, &m);
        assert_eq!(kind(&decide(&f, &s)), "send sms", "the day before");
        assert!(!needs_own_consent(&m, f.born, &by_mette, eve));
        let day = at(2026, 11, 20, 9, 0);
        let f = facts(day, &contacts, &by_mette, &m);
        assert_eq!(
            kind(&decide(&f, &s)),
            "wait: forældres samtykke til sms bortfaldt ved 15 år (20.11); den unge skal selv give det; intet samtykke til e-mail fra Ungeindsatsen; appen blev åbnet 19.11"
        );
        assert!(needs_own_consent(&m, f.born, &by_mette, day));
        // His own consent from 14 does not count; given on the day he is 15, it does.
        let at_fourteen = [consent(Channel::Sms, at(2026, 6, 1, 10, 0), false)];
        let f = facts(day, &contacts, &at_fourteen, &m);
        assert!(
            kind(&decide(&f, &s)).starts_with("wait: samtykke til sms givet af den unge før 15 år")
        );
        let own = [
            by_mette[0].clone(),
            consent(Channel::Sms, at(2026, 11, 20, 8, 0), false),
        ];
        let f = facts(day, &contacts, &own, &m);
        assert_eq!(kind(&decide(&f, &s)), "send sms");
        assert!(!needs_own_consent(&m, f.born, &own, day));
        // Born on 29 February: 15 on 1 March in a common year.
        assert_eq!(
            fifteenth_birthday_ms(Date {
                year: 2012,
                month: 2,
                day: 29
            }),
            at(2027, 3, 1, 0, 0)
        );
        // A parent (not a youth): no age rules.
        let mut f = facts(day, &contacts, &by_mette, &m);
        f.is_youth = false;
        assert_eq!(kind(&decide(&f, &s)), "send sms");
    }

    #[test]
    fn another_citizens_consent_is_not_his() {
        let s = Settings::default();
        let noon = at(2026, 12, 1, 12, 0);
        let jonas = UserId::from_parts(3, [3; 10]);
        let contacts = [verified(Channel::Sms, at(2026, 11, 25, 10, 0))];
        let consents = [consent(Channel::Sms, at(2026, 11, 21, 9, 0), false)];
        let f = facts(noon, &contacts, &consents, &jonas);
        assert!(kind(&decide(&f, &s)).starts_with("wait: intet samtykke til sms"));
    }
}
