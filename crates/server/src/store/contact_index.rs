//! The contact register: a citizen's mobile number and e-mail address, which the server must
//! be able to read to send content-free notices, so they are kept sealed under the server's
//! contact key (`samtale_crypto::at_rest`; the store sees only the sealed bytes). A trait of its
//! own beside [`Store`](super::Store), which requires it. Each method is one transaction.

use std::future::Future;

use samtale_proto::UserId;
use samtale_proto::notices::Channel;

use super::{ContactRecord, StoreError};

type R<T> = Result<T, StoreError>;

pub trait ContactIndex {
    /// Stores a number or address for its citizen and channel, replacing what was there (a new
    /// value starts unverified: the caller says so in `record`).
    fn put_contact(&self, record: &ContactRecord) -> impl Future<Output = R<()>> + Send;
    /// The citizen's numbers and addresses in the register, SMS first.
    fn register_of(&self, citizen: &UserId) -> impl Future<Output = R<Vec<ContactRecord>>> + Send;
    /// Forgets one (the citizen took it away).
    fn delete_contact(
        &self,
        citizen: &UserId,
        channel: Channel,
    ) -> impl Future<Output = R<bool>> + Send;
}
