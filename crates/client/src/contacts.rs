//! A citizen's own entries in the municipality's contact register (issue 9): his mobile number
//! and e-mail address, which the server keeps sealed to send content-free notices. The server
//! checks and normalises what is typed (a Danish number becomes `+45` and eight digits); these
//! calls need the network and keep nothing on the device.

use reqwest::Method;
use samtale_proto::notices::{Channel, ContactView, SetContact};

use crate::api::Api;
use crate::engine::Client;
use crate::error::ClientError;

impl Api {
    async fn my_contacts(&self) -> Result<Vec<ContactView>, ClientError> {
        self.send(self.request(Method::GET, "/v1/me/contacts"))
            .await
    }

    async fn put_contact(&self, req: &SetContact) -> Result<ContactView, ClientError> {
        self.send(self.request(Method::PUT, "/v1/me/contacts").json(req))
            .await
    }

    async fn delete_contact(&self, channel: Channel) -> Result<(), ClientError> {
        let name = match channel {
            Channel::Sms => "sms",
            Channel::Email => "email",
        };
        self.send(self.request(Method::DELETE, &format!("/v1/me/contacts/{name}")))
            .await
    }
}

impl Client {
    /// This person's number and address in the register, SMS first.
    pub async fn contacts(&self) -> Result<Vec<ContactView>, ClientError> {
        self.session()?.api.my_contacts().await
    }

    /// Enters (or replaces) a number or address; a new one starts unverified.
    pub async fn set_contact(
        &self,
        channel: Channel,
        value: &str,
    ) -> Result<ContactView, ClientError> {
        let req = SetContact {
            channel,
            value: value.to_owned(),
        };
        self.session()?.api.put_contact(&req).await
    }

    /// Takes a number or address out of the register.
    pub async fn remove_contact(&self, channel: Channel) -> Result<(), ClientError> {
        self.session()?.api.delete_contact(channel).await
    }
}
