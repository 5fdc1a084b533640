//! An administrator's actions on people's accounts, through the server's `/v1/admin` routes:
//! list a person's devices, remove one, disable or enable a person, end their sessions, set a
//! staff member's password, reset an account's keys, read the audit log, add and edit the
//! municipality's units. The server checks that the caller is an admin of the same
//! municipality.

use samtale_proto::api::{EditUnit, NewUnit, UnitInfo};
use samtale_proto::devices::{AdminPassword, AdminReset, AdminResetDone, DeviceList};
use samtale_proto::{DeviceId, UnitId, UserId};

use crate::engine::Client;
use crate::error::ClientError;

/// What an administrator does to a person's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    Disable,
    Enable,
    /// End every session: the person must log in again on each device.
    EndSessions,
}

impl Client {
    pub async fn admin_devices(&self, user: &UserId) -> Result<DeviceList, ClientError> {
        let s = self.session()?;
        s.api
            .admin_get(&format!("/v1/admin/users/{user}/devices"))
            .await
    }

    /// The municipality's audit log, oldest first (at most `limit` lines).
    pub async fn audit_log(
        &self,
        limit: u32,
    ) -> Result<Vec<samtale_proto::records::AuditLine>, ClientError> {
        let s = self.session()?;
        s.api
            .admin_get(&format!("/v1/admin/audit?limit={limit}"))
            .await
    }

    pub async fn admin_act(&self, user: &UserId, action: AdminAction) -> Result<(), ClientError> {
        let s = self.session()?;
        let verb = match action {
            AdminAction::Disable => "disable",
            AdminAction::Enable => "enable",
            AdminAction::EndSessions => "logout",
        };
        s.api
            .admin_post::<_, ()>(
                &format!("/v1/admin/users/{user}/{verb}"),
                &serde_json::json!({}),
            )
            .await
    }

    pub async fn admin_set_password(
        &self,
        user: &UserId,
        password: &str,
    ) -> Result<(), ClientError> {
        let s = self.session()?;
        let body = AdminPassword {
            password: password.to_owned(),
        };
        s.api
            .admin_post(&format!("/v1/admin/users/{user}/password"), &body)
            .await
    }

    /// Removes every device of the person and starts a new key chain; returns its number.
    pub async fn admin_reset(
        &self,
        user: &UserId,
        password: Option<&str>,
    ) -> Result<u32, ClientError> {
        let s = self.session()?;
        let body = AdminReset {
            password: password.map(str::to_owned),
        };
        let done: AdminResetDone = s
            .api
            .admin_post(&format!("/v1/admin/users/{user}/reset"), &body)
            .await?;
        Ok(done.chain)
    }

    pub async fn admin_revoke_device(&self, device: &DeviceId) -> Result<(), ClientError> {
        let s = self.session()?;
        s.api
            .revoke_path(&format!("/v1/admin/devices/{device}"))
            .await
    }

    /// Adds a unit to the municipality (its name once, whatever the letter case).
    pub async fn add_unit(&self, unit: &NewUnit) -> Result<UnitInfo, ClientError> {
        let s = self.session()?;
        let api = &s.api;
        api.send(api.request(reqwest::Method::POST, "/v1/units").json(unit))
            .await
    }

    /// Renames a unit and sets its letterhead.
    pub async fn edit_unit(&self, id: &UnitId, unit: &EditUnit) -> Result<UnitInfo, ClientError> {
        let s = self.session()?;
        let api = &s.api;
        api.send(
            api.request(reqwest::Method::PUT, &format!("/v1/units/{id}"))
                .json(unit),
        )
        .await
    }
}
