//! Verifying a number or address, consents per unit, purpose and channel, and the notices sent
//! (issue 9), for the citizen himself; a caseworker records a consent given to her. Each call
//! needs the network and keeps nothing on the device: the server holds the register and the
//! evidence.

use reqwest::Method;
use samtale_proto::api::UnitInfo;
use samtale_proto::notices::{
    Channel, CodeSent, ConsentView, ContactView, GiveConsent, NoticeView, Purpose, RecordConsent,
    UnreachableView, VerifyContact, WithdrawConsent,
};
use samtale_proto::{UnitId, UserId};

use crate::api::Api;
use crate::engine::Client;
use crate::error::ClientError;

fn name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        Channel::Email => "email",
    }
}

impl Api {
    async fn ask_code(&self, channel: Channel) -> Result<CodeSent, ClientError> {
        let path = format!("/v1/me/contacts/{}/code", name(channel));
        self.send(self.request(Method::POST, &path)).await
    }

    async fn check_code(&self, channel: Channel, code: &str) -> Result<ContactView, ClientError> {
        let path = format!("/v1/me/contacts/{}/verify", name(channel));
        let body = VerifyContact {
            code: code.to_owned(),
        };
        self.send(self.request(Method::POST, &path).json(&body))
            .await
    }
}

impl Client {
    /// Asks the server to send a code to the number or address (by SMS or e-mail).
    pub async fn send_contact_code(&self, channel: Channel) -> Result<CodeSent, ClientError> {
        self.session()?.api.ask_code(channel).await
    }

    /// Types the code back; the number or address is then verified.
    pub async fn verify_contact(
        &self,
        channel: Channel,
        code: &str,
    ) -> Result<ContactView, ClientError> {
        self.session()?.api.check_code(channel, code).await
    }

    /// Every consent given for this person, withdrawn ones too, oldest first.
    pub async fn consents(&self) -> Result<Vec<ConsentView>, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        api.send(api.request(Method::GET, "/v1/me/consents")).await
    }

    /// Gives consent with one tap (a parent may give it for a youth under 15: `for_youth`).
    pub async fn give_consent(
        &self,
        unit: &UnitId,
        purpose: Purpose,
        channel: Channel,
        for_youth: Option<UserId>,
    ) -> Result<ConsentView, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        let body = GiveConsent {
            unit: unit.clone(),
            purpose,
            channel,
            for_youth,
        };
        api.send(api.request(Method::POST, "/v1/me/consents").json(&body))
            .await
    }

    /// Withdraws this person's live consent for the unit, purpose and channel.
    pub async fn withdraw_consent(
        &self,
        unit: &UnitId,
        purpose: Purpose,
        channel: Channel,
        for_youth: Option<UserId>,
    ) -> Result<(), ClientError> {
        let session = self.session()?;
        let api = &session.api;
        let body = WithdrawConsent {
            unit: unit.clone(),
            purpose,
            channel,
            for_youth,
        };
        api.send(
            api.request(Method::POST, "/v1/me/consents/withdraw")
                .json(&body),
        )
        .await
    }

    /// Staff: records a consent a citizen (or his parent, `given_by`) gave, with how.
    pub async fn record_consent(
        &self,
        citizen: &UserId,
        consent: &RecordConsent,
    ) -> Result<ConsentView, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        let path = format!("/v1/users/{citizen}/consents");
        api.send(api.request(Method::POST, &path).json(consent))
            .await
    }

    /// The notices sent to this person, newest first, each with its reason.
    pub async fn notices(&self) -> Result<Vec<NoticeView>, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        api.send(api.request(Method::GET, "/v1/me/notices")).await
    }

    /// The units this person's conversations belong to: the ones he can give consent to.
    pub async fn consent_units(&self) -> Result<Vec<UnitInfo>, ClientError> {
        let session = self.session()?;
        let mut units: Vec<UnitInfo> = Vec::new();
        for t in session.api.threads().await? {
            if let Some(u) = t.unit
                && !units.iter().any(|x| x.id == u.id)
            {
                units.push(u);
            }
        }
        units.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(units)
    }

    /// Staff: a youth's birth date ("2011-11-20" or "20.11.2011"; None forgets it). A
    /// parent's consent for him lapses on his 15th birthday. Answers the date as stored.
    pub async fn set_born(
        &self,
        youth: &UserId,
        born: Option<&str>,
    ) -> Result<Option<String>, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        let body = samtale_proto::notices::SetBorn {
            born: born.map(str::to_owned),
        };
        let back: samtale_proto::notices::SetBorn = api
            .send(
                api.request(Method::PUT, &format!("/v1/users/{youth}/born"))
                    .json(&body),
            )
            .await?;
        Ok(back.born)
    }

    /// Whether to ask this youth for his own consent: he turned 15 and the consent a parent
    /// gave for him lapsed then.
    pub async fn consent_prompt(&self) -> Result<bool, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        let p: samtale_proto::notices::ConsentPrompt = api
            .send(api.request(Method::GET, "/v1/me/consents/prompt"))
            .await?;
        Ok(p.ask)
    }

    /// Staff: the citizens with unread messages whom nothing digital reaches, with why.
    pub async fn unreachable(&self) -> Result<Vec<UnreachableView>, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        api.send(api.request(Method::GET, "/v1/unreachable")).await
    }

    /// One tap: gives (`on`) or withdraws the consent, for himself or (a parent) for a youth
    /// under 15, and answers that person's history as it now is.
    pub async fn set_consent(
        &self,
        unit: &UnitId,
        purpose: Purpose,
        channel: Channel,
        on: bool,
        for_youth: Option<UserId>,
    ) -> Result<Vec<ConsentView>, ClientError> {
        if on {
            self.give_consent(unit, purpose, channel, for_youth.clone())
                .await?;
        } else {
            self.withdraw_consent(unit, purpose, channel, for_youth.clone())
                .await?;
        }
        match for_youth {
            None => self.consents().await,
            Some(youth) => self.consents_for(&youth).await,
        }
    }

    /// A parent: the consents of a youth under 15 in one of his conversations.
    pub async fn consents_for(&self, youth: &UserId) -> Result<Vec<ConsentView>, ClientError> {
        let session = self.session()?;
        let api = &session.api;
        api.send(
            api.request(Method::GET, "/v1/me/consents")
                .query(&[("for_youth", youth.as_str())]),
        )
        .await
    }
}
