//! A scene for engine-level end-to-end tests: a real server process on its own SQLite
//! directory with bootstrapped municipalities, a directory for the test's profiles, and the
//! people most tests start from (the caseworker Sara, citizens she invites).

use samtale_client::{Account, Client};
use samtale_proto::UserId;
use samtale_proto::api::Role;

use crate::{PASSWORD, Server, Storage, Tenant, bootstrap};

/// Opens (creating) a profile with a database key made of `byte`.
pub fn open(dir: &std::path::Path, byte: u8) -> Client {
    Client::open(dir, &[byte; 32]).expect("open profile")
}

/// A youth, his mother and their family conversation with the caseworker (see [`Scene::family`]).
pub struct Family {
    pub mikkel: Client,
    pub youth: Account,
    pub mette: Client,
    pub parent: Account,
    pub thread: samtale_proto::ThreadId,
}

/// A real server with its municipalities, and a directory for the test's profiles.
pub struct Scene {
    pub url: String,
    pub tenant: Tenant,
    pub profiles: tempfile::TempDir,
    pub server: Server,
    _data: tempfile::TempDir,
}

impl Scene {
    /// A server on its own SQLite directory; `slugs[0]` is the municipality the test works in.
    pub fn start(slugs: &[&str], args: &[&str]) -> anyhow::Result<Scene> {
        let data = tempfile::tempdir()?;
        let storage = Storage::Sqlite(data.path().to_owned());
        Self::assemble(storage, data, slugs, args, &[])
    }

    /// A server on `storage` the caller keeps (a PostgreSQL database), with more environment
    /// (settings kept out of the argument list, such as the S3 secret key).
    pub fn start_on(
        storage: Storage,
        slugs: &[&str],
        args: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<Scene> {
        Self::assemble(storage, tempfile::tempdir()?, slugs, args, env)
    }

    fn assemble(
        storage: Storage,
        data: tempfile::TempDir,
        slugs: &[&str],
        args: &[&str],
        env: &[(&str, &str)],
    ) -> anyhow::Result<Scene> {
        let mut tenants = Vec::new();
        for slug in slugs {
            tenants.push(bootstrap(&storage, slug)?);
        }
        let server = Server::start_with_env(storage, args, env)?;
        Ok(Scene {
            url: server.url(),
            tenant: tenants.remove(0),
            profiles: tempfile::tempdir()?,
            server,
            _data: data,
        })
    }

    pub fn open(&self, profile: &str) -> Client {
        open(&self.profiles.path().join(profile), 7)
    }

    /// What the real app needs to open `profile` of this scene against its server.
    pub fn app_env(&self, profile: &str) -> Vec<(&'static str, String)> {
        vec![
            (
                "SAMTALE_PROFILE",
                self.profiles
                    .path()
                    .join(profile)
                    .to_string_lossy()
                    .into_owned(),
            ),
            // Scene profiles are opened with the key of all 7s.
            ("SAMTALE_DB_KEY", "07".repeat(32)),
            ("SAMTALE_SERVER", self.url.clone()),
        ]
    }

    /// Like [`Scene::app_env`], with what the app saves going to `downloads`.
    pub fn app_env_saving_to(
        &self,
        profile: &str,
        downloads: &std::path::Path,
    ) -> Vec<(&'static str, String)> {
        let mut env = self.app_env(profile);
        env.push((
            "SAMTALE_DOWNLOADS",
            downloads.to_string_lossy().into_owned(),
        ));
        env
    }

    /// A staff member of `slug` logged in on a new profile.
    pub async fn staff(
        &self,
        profile: &str,
        slug: &str,
        username: &str,
        device: &str,
    ) -> anyhow::Result<(Client, Account)> {
        let c = self.open(profile);
        let me = c.login(&self.url, slug, username, PASSWORD, device).await?;
        Ok((c, me))
    }

    /// The municipality's caseworker Sara, on her laptop.
    pub async fn sara(&self) -> anyhow::Result<(Client, Account)> {
        let t = &self.tenant;
        self.staff("sara", &t.slug, &t.caseworker, "Saras bærbare")
            .await
    }

    /// Invited by `by` and joined on a new profile.
    pub async fn citizen(
        &self,
        by: &Client,
        role: Role,
        name: &str,
        youth: Option<UserId>,
        profile: &str,
        device: &str,
    ) -> anyhow::Result<(Client, Account)> {
        let inv = by.invite(role, name, youth, None).await?;
        let c = self.open(profile);
        let me = c.join(Some(&self.url), &inv.code, name, device).await?;
        Ok((c, me))
    }

    /// Mikkel and his mother Mette (profiles "mikkel" and "mette"), invited by `sara`, and
    /// their family conversation with her.
    pub async fn family(&self, sara: &Client) -> anyhow::Result<Family> {
        let (mikkel, youth) = self.mikkel(sara).await?;
        let (mette, parent) = self
            .citizen(
                sara,
                Role::Parent,
                "Mette",
                Some(youth.user.clone()),
                "mette",
                "Mettes telefon",
            )
            .await?;
        let thread = sara
            .create_thread(
                samtale_proto::api::ThreadKind::Family,
                vec![youth.user.clone(), parent.user.clone()],
            )
            .await?;
        Ok(Family {
            mikkel,
            youth,
            mette,
            parent,
            thread,
        })
    }

    /// Sara's youth Mikkel, joined on the profile "mikkel" with his phone.
    pub async fn mikkel(&self, sara: &Client) -> anyhow::Result<(Client, Account)> {
        self.citizen(
            sara,
            Role::Youth,
            "Mikkel",
            None,
            "mikkel",
            "Mikkels telefon",
        )
        .await
    }
}
