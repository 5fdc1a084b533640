//! The short codes of invitations and device-link requests, checked the same way: the server
//! knows only a code's first 8 characters, 4 to find the record and 4 to check it. Every wrong
//! code counts against the client's address, and each try at a found record is counted before
//! the comparison (atomically, so guesses sent in parallel stay within the limit); a right code
//! gives its try back.

use std::net::SocketAddr;

use samtale_proto::invite::SERVER_PART_LEN;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Invitation, LinkRequest, Store, StoreError};

/// Characters of a server part that find the record.
pub const LOOKUP_LEN: usize = 4;

/// A record a short code guards.
pub trait Guarded: Sized {
    /// "not valid": a code that finds nothing or does not match.
    const WRONG: &'static str;
    /// Locked after too many tries.
    const LOCKED: &'static str;
    fn invalid(message: &str) -> ApiError;
    fn check_hash(&self) -> &[u8; 32];
    fn find<S: Store>(
        store: &S,
        lookup: &str,
    ) -> impl Future<Output = Result<Option<Self>, StoreError>> + Send;
    fn count_try<S: Store>(
        &self,
        store: &S,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;
    fn give_back<S: Store>(&self, store: &S)
    -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl Guarded for Invitation {
    const WRONG: &'static str = "the invitation code is not valid; check it and try again";
    const LOCKED: &'static str =
        "the invitation is locked after too many wrong codes; ask your caseworker for a new one";
    fn invalid(message: &str) -> ApiError {
        ApiError::invalid_invitation(message)
    }
    fn check_hash(&self) -> &[u8; 32] {
        &self.check_hash
    }
    async fn find<S: Store>(store: &S, lookup: &str) -> Result<Option<Self>, StoreError> {
        store.invitation_by_lookup(lookup).await
    }
    async fn count_try<S: Store>(&self, store: &S) -> Result<u32, StoreError> {
        store.count_failed_attempt(&self.id).await
    }
    async fn give_back<S: Store>(&self, store: &S) -> Result<(), StoreError> {
        store.release_attempt(&self.id).await
    }
}

impl Guarded for LinkRequest {
    const WRONG: &'static str =
        "the link code is not valid; check it on the new device and try again";
    const LOCKED: &'static str =
        "the link code is locked after too many wrong tries; start again on the new device";
    fn invalid(message: &str) -> ApiError {
        super::links::invalid(message)
    }
    fn check_hash(&self) -> &[u8; 32] {
        &self.check_hash
    }
    async fn find<S: Store>(store: &S, lookup: &str) -> Result<Option<Self>, StoreError> {
        store.link_request_by_lookup(lookup).await
    }
    async fn count_try<S: Store>(&self, store: &S) -> Result<u32, StoreError> {
        store.count_link_attempt(&self.id).await
    }
    async fn give_back<S: Store>(&self, store: &S) -> Result<(), StoreError> {
        store.release_link_attempt(&self.id).await
    }
}

/// Finds the record a server part names and checks the code against it; expiry and use are
/// the caller's to check.
pub async fn check<S: Store, G: Guarded>(
    st: &AppState<S>,
    addr: SocketAddr,
    code: &str,
) -> Result<G, ApiError> {
    let ip = addr.ip();
    if !st.failures.allowed(ip) {
        return Err(ApiError::rate_limited());
    }
    let code: String = code
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    if code.len() != SERVER_PART_LEN || !code.is_ascii() {
        st.failures.record_failure(ip);
        return Err(G::invalid(G::WRONG));
    }
    let Some(record) = G::find(&st.store, &code[..LOOKUP_LEN]).await? else {
        st.failures.record_failure(ip);
        return Err(G::invalid(G::WRONG));
    };
    if record.count_try(&st.store).await? > st.limits.invitation_attempts {
        return Err(G::invalid(G::LOCKED));
    }
    let hash: [u8; 32] = Sha256::digest(code.as_bytes()).into();
    if &hash != record.check_hash() {
        st.failures.record_failure(ip);
        return Err(G::invalid(G::WRONG));
    }
    // A right code costs nothing (each route may check it twice: preview, then use).
    record.give_back(&st.store).await?;
    Ok(record)
}
