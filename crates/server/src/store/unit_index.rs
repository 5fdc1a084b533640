//! Units of a municipality ("Ungeindsatsen", "Familierådgivningen"): a trait of its own beside
//! [`Store`](super::Store), which requires it. Staff belong to at most one unit; a conversation
//! carries the unit of the caseworker who started it (`Thread::unit`). Nothing crosses from one
//! municipality to another: a unit of another answers like a missing one. Each method is one
//! transaction.

use std::future::Future;

use samtale_proto::{TenantId, UnitId, UserId};

use super::{StoreError, Unit};

type R<T> = Result<T, StoreError>;

pub trait UnitIndex {
    /// Adds a unit; `Conflict` when the municipality has one of that name (letter case aside).
    fn create_unit(&self, unit: &Unit) -> impl Future<Output = R<()>> + Send;
    /// The municipality's units by name.
    /// Renames a unit and sets its letterhead (`unit.id` and `unit.tenant` must match);
    /// `NotFound` when the municipality has no such unit, `Conflict` when the new name is
    /// another unit's.
    fn update_unit(&self, unit: &Unit) -> impl Future<Output = R<()>> + Send;
    fn units_of(&self, tenant: &TenantId) -> impl Future<Output = R<Vec<Unit>>> + Send;
    fn unit(&self, id: &UnitId) -> impl Future<Output = R<Option<Unit>>> + Send;
    /// Puts a staff member in `unit`, or with `None` in none; `NotFound` when the person or the
    /// unit does not exist in the same municipality.
    fn set_staff_unit(
        &self,
        user: &UserId,
        unit: Option<&UnitId>,
    ) -> impl Future<Output = R<()>> + Send;
    fn staff_unit(&self, user: &UserId) -> impl Future<Output = R<Option<UnitId>>> + Send;
}
