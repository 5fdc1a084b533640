//! A citizen's phone number and e-mail address, checked where they are entered. Only Danish
//! mobile numbers are taken (eight digits, with or without +45 or 0045, spaces and dashes
//! allowed); they are kept as `+45` and the eight digits, the form an SMS gateway wants.

/// What a citizen's sealed number or address is bound to: the citizen and the channel, so a
/// sealed value moved to another citizen or channel does not open.
pub fn sealed_place(
    citizen: &samtale_proto::UserId,
    channel: samtale_proto::notices::Channel,
) -> Vec<u8> {
    format!("samtale-contact/v1|{citizen}|{}", channel.da()).into_bytes()
}

/// A Danish mobile number as `+4512345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Msisdn(String);

impl Msisdn {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a number as people write it: "12 34 56 78", "+45 12345678", "0045-1234-5678".
    pub fn parse(typed: &str) -> Result<Msisdn, String> {
        let digits: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let national = digits
            .strip_prefix("+45")
            .or_else(|| digits.strip_prefix("0045"))
            .unwrap_or(&digits);
        let ok = national.len() == 8
            && national.bytes().all(|b| b.is_ascii_digit())
            // Danish numbers never begin with 0 or 1 (those are prefixes and service numbers).
            && !national.starts_with(['0', '1']);
        if !ok {
            return Err(format!(
                "{typed:?} is not a Danish mobile number: write eight digits, e.g. 12 34 56 78"
            ));
        }
        Ok(Msisdn(format!("+45{national}")))
    }
}

/// Checks an e-mail address: one `@`, a local part of at most 64 characters, a domain with a
/// dot and no empty label, no spaces, at most 254 characters. Returns it trimmed and with the
/// domain in lower case.
pub fn email(typed: &str) -> Result<String, String> {
    let t = typed.trim();
    let bad = || format!("{typed:?} is not an e-mail address: write it like navn@eksempel.dk");
    let (local, domain) = t.split_once('@').ok_or_else(bad)?;
    let labels_ok = domain.contains('.')
        && domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let ok = !local.is_empty()
        && local.chars().count() <= 64
        && t.chars().count() <= 254
        && !domain.contains('@')
        && !t
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';')
        && labels_ok;
    if !ok {
        return Err(bad());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_mobile_numbers_with_and_without_the_country_code() {
        for typed in [
            "22345678",
            "23 45 67 89",
            "+45 23456789",
            "0045-2345-6789",
            "+4523456789",
        ] {
            let n = Msisdn::parse(typed).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(n.as_str().len(), 11, "{typed}");
            assert!(n.as_str().starts_with("+45"));
        }
        assert_eq!(
            Msisdn::parse("23 45 67 89").unwrap().as_str(),
            "+4523456789"
        );
        for typed in [
            "",
            "1234567",
            "234567890",
            "+46 23456789",
            "+45 0345678",
            "01234567",
            "11223344",
            "2345678x",
            "+45+4523456789",
            "45 23456789 1",
        ] {
            assert!(Msisdn::parse(typed).is_err(), "{typed:?} was taken");
        }
    }

    #[test]
    fn e_mail_addresses() {
        assert_eq!(email(" mette@Eksempel.DK ").unwrap(), "mette@eksempel.dk");
        assert_eq!(email("søren.ø@kommune.dk").unwrap(), "søren.ø@kommune.dk");
        for typed in [
            "",
            "mette",
            "@eksempel.dk",
            "mette@",
            "mette@eksempel",
            "mette@@eksempel.dk",
            "mette@eks..dk",
            "mette @eksempel.dk",
            "a@b.dk,c@d.dk",
            "mette@-eksempel.dk",
        ] {
            assert!(email(typed).is_err(), "{typed:?} was taken");
        }
        let long = format!("{}@eksempel.dk", "a".repeat(65));
        assert!(email(&long).is_err());
    }
}
