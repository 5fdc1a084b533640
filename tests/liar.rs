//! A real client engine against a server that lies (tests/support/liar.rs): every way the
//! device-trust issue names in which a compromised server could slip in a reader or a false
//! statement. Each lie must be refused or shown, with the exact notice, and nothing sealed
//! afterwards may open on a device the engine did not accept.

use samtale_client::{Client, DeviceTrust};
use samtale_crypto::link::LinkSubject;
use samtale_crypto::{DeviceIdentity, Recipient};
use samtale_proto::api::{
    DeviceInfo, DeviceKeys, MemberInfo, Role, ThreadInfo, ThreadKind, UserInfo,
};
use samtale_proto::payload::MessagePayload;
use samtale_proto::{
    B64, DeviceId, EnvelopeHeader, EnvelopeId, EventBody, PROTOCOL_VERSION, PayloadKind,
    ReceiptKind, SealedEnvelope, ThreadId, UserId,
};
use samtale_tests::liar::Liar;

fn id<T>(f: fn(u64, [u8; 10]) -> T, n: u8) -> T {
    f(1_700_000_100_000 + u64::from(n), [n; 10])
}

/// A device the test holds the keys of.
struct Dev {
    me: DeviceIdentity,
    info: DeviceInfo,
}

fn root(user: &UserId, n: u8, name: &str, chain: u32) -> Dev {
    let me = DeviceIdentity::generate();
    let info = DeviceInfo {
        id: id(DeviceId::from_parts, n),
        user: user.clone(),
        name: name.into(),
        keys: me.public_keys(),
        created_at_ms: 1_700_000_000_000 + i64::from(n),
        join_proof: None,
        link: None,
        chain,
        revoked_at_ms: None,
    };
    Dev { me, info }
}

/// A device linked by `signer` (signed with `signing_key`, normally the signer's own).
fn linked(user: &UserId, n: u8, name: &str, signer: &Dev, signing_key: &DeviceIdentity) -> Dev {
    let mut d = root(user, n, name, signer.info.chain);
    let link = signing_key.sign_link(
        &signer.info.id,
        LinkSubject {
            user,
            chain: d.info.chain,
            device: &d.info.id,
            keys: &d.info.keys,
        },
        1_700_000_000_500,
    );
    d.info.link = Some(link);
    d
}

struct World {
    liar: Liar,
    sara: Client,
    sara_keys: DeviceKeys,
    thread: ThreadId,
    mikkel: UserInfo,
    m1: Dev,
    _dir: tempfile::TempDir,
}

impl World {
    /// Sara sends a file of three chunks (4 MiB and a bit) in the conversation.
    async fn send_three_chunks(&self) -> anyhow::Result<samtale_client::MessageView> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("plan.bin");
        std::fs::write(&path, vec![5u8; (4 << 20) + 1000])?;
        let files = vec![samtale_client::files::FileInput::path(&path)];
        Ok(self.sara.send_files(&self.thread, "", files).await?)
    }
}

fn mikkel_info(name: &str, role: Role) -> UserInfo {
    UserInfo {
        id: id(UserId::from_parts, 2),
        tenant: id(samtale_proto::TenantId::from_parts, 1),
        role,
        display_name: name.into(),
    }
}

impl World {
    async fn new() -> anyhow::Result<World> {
        let liar = Liar::start().await?;
        let dir = tempfile::tempdir()?;
        let sara = Client::open(&dir.path().join("sara"), &[7; 32])?;
        sara.login(&liar.url(), "loegneby", "sara", "x", "Saras bærbare")
            .await?;
        let sara_info = liar.with(|s| s.device_info.clone()).expect("registered");
        let mikkel = mikkel_info("Mikkel", Role::Youth);
        let m1 = root(&mikkel.id, 21, "Mikkels telefon", 0);
        let thread = id(ThreadId::from_parts, 3);
        let sara_user = liar.with(|s| s.user.clone());
        liar.set_thread(ThreadInfo {
            id: thread.clone(),
            tenant: sara_user.tenant.clone(),
            kind: ThreadKind::Youth,
            created_by: sara_user.id.clone(),
            created_at_ms: 1_700_000_000_000,
            members: vec![
                MemberInfo {
                    user: sara_user,
                    devices: vec![sara_info.clone()],
                },
                MemberInfo {
                    user: mikkel.clone(),
                    devices: vec![m1.info.clone()],
                },
            ],
            unit: None,
        });
        sara.sync().await?;
        let w = World {
            liar,
            sara,
            sara_keys: sara_info.keys,
            thread,
            mikkel,
            m1,
            _dir: dir,
        };
        // The honest baseline: a message from Mikkel's phone opens.
        w.from(&w.m1, "Hej Sara", 1);
        w.sara.sync().await?;
        assert!(
            w.texts()?.contains(&"Hej Sara".to_owned()),
            "{:?}",
            w.texts()?
        );
        Ok(w)
    }

    /// Pushes an envelope signed by `dev` for Sara's device.
    fn from(&self, dev: &Dev, text: &str, n: u8) -> SealedEnvelope {
        self.with_files_from(dev, text, Vec::new(), n)
    }

    fn with_files_from(
        &self,
        dev: &Dev,
        text: &str,
        files: Vec<samtale_proto::blobs::FileRef>,
        n: u8,
    ) -> SealedEnvelope {
        let header = EnvelopeHeader {
            v: PROTOCOL_VERSION,
            id: id(EnvelopeId::from_parts, n),
            thread: self.thread.clone(),
            sender: dev.info.user.clone(),
            sender_device: dev.info.id.clone(),
            kind: PayloadKind::Message,
            sent_at_ms: 1_700_000_000_000 + i64::from(n),
        };
        let payload = serde_json::to_vec(&MessagePayload {
            v: 1,
            text: text.into(),
            care: None,
            files,
        })
        .expect("json");
        let to = Recipient::from_keys(&self.sara_keys).expect("keys");
        let env = dev.me.seal(header, &payload, &[to]).expect("seal");
        self.liar.push(EventBody::Envelope {
            envelope: env.clone(),
        });
        env
    }

    fn texts(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .sara
            .messages(&self.thread, 500)?
            .into_iter()
            .map(|m| m.body)
            .collect())
    }

    fn has(&self, text: &str) -> anyhow::Result<()> {
        let all = self.texts()?;
        anyhow::ensure!(all.iter().any(|t| t == text), "missing {text:?} in {all:?}");
        Ok(())
    }

    /// Sara sends; returns which of `devices` can open what she sent.
    async fn sealed_to(&self, devices: &[&Dev]) -> anyhow::Result<Vec<bool>> {
        self.sara.send(&self.thread, "Fortroligt").await?;
        let env = self.liar.posted().pop().expect("posted");
        Ok(devices
            .iter()
            .map(|d| d.me.open(&env, &self.sara_keys).is_ok())
            .collect())
    }

    fn device(&self, dev: &Dev) {
        self.liar.push(EventBody::Device {
            device: dev.info.clone(),
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_on_my_own_account_without_a_link_is_refused() -> anyhow::Result<()> {
    let w = World::new().await?;
    let sara = w.liar.with(|s| s.user.id.clone());
    let spy = root(&sara, 40, "Serverens enhed", 0);
    w.device(&spy);
    w.sara.sync().await?;
    let alerts: Vec<String> = w.sara.alerts()?.into_iter().map(|a| a.text).collect();
    assert_eq!(
        alerts,
        vec![
            "En ukendt enhed (\"Serverens enhed\") blev vist på din konto, men bruges ikke: ingen af kontoens andre enheder har godkendt den."
        ]
    );
    assert_eq!(w.sealed_to(&[&spy, &w.m1]).await?, vec![false, true]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contacts_device_without_a_valid_chain_is_refused_and_shown() -> anyhow::Result<()> {
    let w = World::new().await?;
    // A second first device, and one whose link was signed by a key that is not the signer's.
    let unlinked = root(&w.mikkel.id, 22, "Ukendt telefon", 0);
    let forger = DeviceIdentity::generate();
    let forged = linked(&w.mikkel.id, 23, "Falsk telefon", &w.m1, &forger);
    w.device(&unlinked);
    w.device(&forged);
    w.from(&unlinked, "Jeg er også Mikkel", 2);
    w.sara.sync().await?;
    w.has("Advarsel: serveren viser en enhed (Ukendt telefon) hos Mikkel, som ikke bruges: ingen af kontoens andre enheder har godkendt den. Der sendes ikke til den, og dens beskeder afvises.")?;
    w.has("Advarsel: serveren viser en enhed (Falsk telefon) hos Mikkel, som ikke bruges: godkendelsen af den er ikke underskrevet rigtigt. Der sendes ikke til den, og dens beskeder afvises.")?;
    w.has("En besked fra Mikkel blev afvist: den kom fra en enhed, som ingen af afsenderens andre enheder har godkendt.")?;
    assert!(!w.texts()?.contains(&"Jeg er også Mikkel".to_owned()));
    let people = w.sara.people()?;
    let states: Vec<DeviceTrust> = people[0].devices.iter().map(|d| d.trust).collect();
    assert_eq!(
        states,
        vec![
            DeviceTrust::Trusted,
            DeviceTrust::Refused,
            DeviceTrust::Refused
        ]
    );
    assert_eq!(
        w.sealed_to(&[&w.m1, &unlinked, &forged]).await?,
        vec![true, false, false]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_devices_are_trusted_even_when_events_come_out_of_order() -> anyhow::Result<()> {
    let w = World::new().await?;
    let m2 = linked(&w.mikkel.id, 24, "Mikkels nye telefon", &w.m1, &w.m1.me);
    let m3 = linked(&w.mikkel.id, 25, "Mikkels tablet", &m2, &m2.me);
    // The tablet (linked by the new phone) arrives before the new phone itself.
    w.device(&m3);
    w.sara.sync().await?;
    assert_eq!(
        w.sealed_to(&[&m3]).await?,
        vec![false],
        "sealed to a device whose signer is unknown"
    );
    w.device(&m2);
    w.sara.sync().await?;
    w.has("Mikkel har en ny enhed (Mikkels nye telefon). Sammenlign sikkerhedskoderne, før I skriver fortroligt.")?;
    w.has("Mikkel har en ny enhed (Mikkels tablet). Sammenlign sikkerhedskoderne, før I skriver fortroligt.")?;
    assert_eq!(
        w.sealed_to(&[&w.m1, &m2, &m3]).await?,
        vec![true, true, true]
    );
    w.from(&m3, "Fra tabletten", 3);
    w.sara.sync().await?;
    w.has("Fra tabletten")?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapped_keys_are_never_pinned() -> anyhow::Result<()> {
    let w = World::new().await?;
    // Mikkel's phone's id, with keys the server made.
    let me = DeviceIdentity::generate();
    let impostor = Dev {
        info: DeviceInfo {
            keys: me.public_keys(),
            ..w.m1.info.clone()
        },
        me,
    };
    w.device(&impostor);
    w.from(&impostor, "Jeg er Mikkels telefon", 4);
    w.sara.sync().await?;
    w.has("En besked fra Mikkel blev afvist, fordi dens underskrift ikke passer.")?;
    assert_eq!(w.sealed_to(&[&w.m1, &impostor]).await?, vec![true, false]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_read_marks_are_not_shown() -> anyhow::Result<()> {
    let w = World::new().await?;
    let mine = w.sara.send(&w.thread, "Har du læst den?").await?;
    let receipt = |signature: Option<B64>| EventBody::Receipt {
        thread: w.thread.clone(),
        user: w.mikkel.id.clone(),
        device: w.m1.info.id.clone(),
        kind: ReceiptKind::Read,
        envelopes: vec![mine.id.clone()],
        signature,
    };
    let bytes = samtale_proto::api::receipt_bytes(
        &w.thread,
        &w.m1.info.id,
        ReceiptKind::Read,
        std::slice::from_ref(&mine.id),
    );
    let stranger = DeviceIdentity::generate();
    w.liar.push(receipt(None));
    w.liar
        .push(receipt(Some(B64(stranger.sign_bytes(&bytes).to_vec()))));
    // Signed by Mikkel's phone, but over another message.
    let other = samtale_proto::api::receipt_bytes(
        &w.thread,
        &w.m1.info.id,
        ReceiptKind::Read,
        &[id(EnvelopeId::from_parts, 99)],
    );
    w.liar
        .push(receipt(Some(B64(w.m1.me.sign_bytes(&other).to_vec()))));
    w.sara.sync().await?;
    assert!(
        w.sara.message(&mine.id)?.read_by().is_empty(),
        "a forged mark was shown"
    );
    w.liar
        .push(receipt(Some(B64(w.m1.me.sign_bytes(&bytes).to_vec()))));
    w.sara.sync().await?;
    assert_eq!(w.sara.message(&mine.id)?.read_by(), vec!["Mikkel"]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_or_re_roled_member_is_shown_not_applied() -> anyhow::Result<()> {
    let w = World::new().await?;
    let mut t = w
        .liar
        .with(|s| s.threads.get(&w.thread).cloned())
        .expect("thread");
    t.members[1].user = mikkel_info("Politiet", Role::Parent);
    w.liar.set_thread(t.clone());
    w.liar.set_thread(t);
    w.sara.sync().await?;
    w.has("Serveren oplyser et andet navn for Mikkel: \"Politiet\". Her vises fortsat Mikkel.")?;
    w.has("Serveren angiver nu en anden rolle for Mikkel (parent). Rollen er ikke ændret her.")?;
    let notices = w
        .texts()?
        .iter()
        .filter(|t| t.starts_with("Serveren"))
        .count();
    assert_eq!(notices, 2, "told once, not on every listing");
    let people = w.sara.people()?;
    assert_eq!(
        (people[0].display_name.as_str(), people[0].role),
        ("Mikkel", Role::Youth)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_envelope_is_stored_once() -> anyhow::Result<()> {
    let w = World::new().await?;
    let env = w.from(&w.m1, "Kun én gang", 5);
    w.liar.push(EventBody::Envelope {
        envelope: env.clone(),
    });
    w.sara.sync().await?;
    w.liar.push(EventBody::Envelope { envelope: env });
    w.sara.sync().await?;
    assert_eq!(w.texts()?.iter().filter(|t| *t == "Kun én gang").count(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_reset_is_announced_and_retires_the_old_keys() -> anyhow::Result<()> {
    let w = World::new().await?;
    let fresh = root(&w.mikkel.id, 26, "Mikkels nulstillede telefon", 1);
    w.device(&fresh);
    w.from(&w.m1, "Fra den gamle nøgle", 6);
    w.sara.sync().await?;
    w.has("Mikkels nøgler er blevet nulstillet af administrator - sammenlign sikkerhedskoder.")?;
    w.has("En besked fra Mikkel blev afvist: den kom fra en enhed, hvis nøgler er nulstillet af en administrator.")?;
    assert_eq!(w.sealed_to(&[&w.m1, &fresh]).await?, vec![false, true]);
    // An old-chain link after the reset is refused.
    let late = linked(&w.mikkel.id, 27, "Sen telefon", &w.m1, &w.m1.me);
    w.device(&late);
    w.sara.sync().await?;
    w.has("Advarsel: serveren viser en enhed (Sen telefon) hos Mikkel, som ikke bruges: den hører til nøgler, som en administrator har nulstillet. Der sendes ikke til den, og dens beskeder afvises.")?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_device_is_no_longer_sealed_to_nor_believed() -> anyhow::Result<()> {
    let w = World::new().await?;
    let m2 = linked(&w.mikkel.id, 28, "Mikkels tablet", &w.m1, &w.m1.me);
    w.device(&m2);
    w.sara.sync().await?;
    assert_eq!(w.sealed_to(&[&m2]).await?, vec![true]);
    w.liar.push(EventBody::DeviceRevoked {
        user: w.mikkel.id.clone(),
        device: m2.info.id.clone(),
        revoked_at_ms: 1_700_000_001_000,
    });
    w.from(&m2, "Fra den fjernede tablet", 7);
    w.sara.sync().await?;
    w.has("En enhed hos Mikkel (Mikkels tablet) er fjernet. Der sendes ikke længere til den.")?;
    w.has("En besked fra Mikkel blev afvist: den kom fra en enhed, der er fjernet.")?;
    assert_eq!(w.sealed_to(&[&w.m1, &m2]).await?, vec![true, false]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_seen_only_in_a_listing_still_counts() -> anyhow::Result<()> {
    let w = World::new().await?;
    let m2 = linked(&w.mikkel.id, 29, "Mikkels tablet", &w.m1, &w.m1.me);
    w.device(&m2);
    w.sara.sync().await?;
    assert_eq!(w.sealed_to(&[&m2]).await?, vec![true]);
    // No removal event: the thread's member list shows the tablet as removed.
    let mut t = w
        .liar
        .with(|s| s.threads.get(&w.thread).cloned())
        .expect("thread");
    let mut gone = m2.info.clone();
    gone.revoked_at_ms = Some(1_700_000_002_000);
    t.members[1].devices = vec![w.m1.info.clone(), gone];
    w.liar.set_thread(t);
    w.sara.sync().await?;
    w.has("En enhed hos Mikkel (Mikkels tablet) er fjernet. Der sendes ikke længere til den.")?;
    assert_eq!(w.sealed_to(&[&w.m1, &m2]).await?, vec![true, false]);
    Ok(())
}

/// Devices that wait, or were listed as removed, must not move a person's chain: a first
/// device the server makes up for a higher chain is announced as a reset, never trusted quietly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_devices_cannot_shift_the_chain_quietly() -> anyhow::Result<()> {
    let w = World::new().await?;
    let fake_root = root(&w.mikkel.id, 30, "Falsk telefon", 1);
    let fake_linked = linked(&w.mikkel.id, 31, "Falsk tablet", &fake_root, &fake_root.me);
    // The linked one first: it waits. Then its "root" in the same higher chain.
    w.device(&fake_linked);
    w.sara.sync().await?;
    w.device(&fake_root);
    w.sara.sync().await?;
    w.has("Mikkels nøgler er blevet nulstillet af administrator - sammenlign sikkerhedskoder.")?;
    // And a removed device in an even higher chain moves nothing either.
    let mut gone = root(&w.mikkel.id, 32, "Fjernet", 2).info;
    gone.revoked_at_ms = Some(1);
    w.liar.push(EventBody::Device { device: gone });
    let quiet = root(&w.mikkel.id, 33, "Stille telefon", 2);
    w.device(&quiet);
    w.sara.sync().await?;
    let resets = w
        .texts()?
        .iter()
        .filter(|t| t.contains("nulstillet af administrator"))
        .count();
    assert_eq!(resets, 2, "every new chain is announced: {:?}", w.texts()?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_the_server_changes_pads_or_oversizes_is_refused() -> anyhow::Result<()> {
    use samtale_client::ClientError;
    use samtale_client::files::FileState;
    use samtale_proto::blobs::{BlobStatus, FileRef};

    let w = World::new().await?;
    let plain = "Mikkels plan: praktik i marts 🙂".repeat(20);
    let mut cipher = Vec::new();
    let enc = samtale_crypto::file::encrypt_file(plain.as_bytes(), &mut cipher)?;
    let blob = id(samtale_proto::BlobId::from_parts, 40);
    let file = FileRef {
        blob: blob.clone(),
        name: "plan.txt".into(),
        mime: "text/plain".into(),
        size: plain.len() as u64,
        cipher_size: enc.size,
        sha256: samtale_proto::B64(enc.sha256.to_vec()),
        key: enc.key.expose().to_owned(),
        thumbnail: None,
    };
    w.with_files_from(&w.m1, "Her er planen", vec![file], 41);
    w.sara.sync().await?;
    assert_eq!(w.sara.file(&blob)?.state, FileState::Remote);
    let status = |chunk_size: u32| BlobStatus {
        id: blob.clone(),
        thread: w.thread.clone(),
        size: enc.size,
        chunk_size,
        chunks: 1,
        received: 1,
        complete: true,
    };

    // Chunks of a gigabyte: refused before anything is asked for or allocated.
    w.liar.with(|s| s.blob = Some(status(1 << 30)));
    let err = w
        .sara
        .fetch_file(&blob)
        .await
        .expect_err("a gigabyte chunk");
    assert!(matches!(err, ClientError::Protocol(_)), "{err}");
    // A chunk longer than the file: refused as it streams in.
    w.liar.with(|s| {
        s.blob = Some(status(2 << 20));
        s.chunk = vec![7; cipher.len() + 100_000];
    });
    let err = w.sara.fetch_file(&blob).await.expect_err("a padded chunk");
    assert!(matches!(err, ClientError::Protocol(_)), "{err}");
    // Another size than the sealed one.
    w.liar.with(|s| {
        s.blob = Some(BlobStatus {
            size: enc.size + 1,
            ..status(2 << 20)
        })
    });
    let err = w.sara.fetch_file(&blob).await.expect_err("another size");
    assert!(matches!(err, ClientError::FileDamaged(_)), "{err}");
    // The right length with one byte changed: caught by the sealed hash.
    let mut changed = cipher.clone();
    changed[40] ^= 1;
    w.liar.with(|s| {
        s.blob = Some(status(2 << 20));
        s.chunk = changed;
    });
    let err = w.sara.fetch_file(&blob).await.expect_err("a changed file");
    assert!(matches!(err, ClientError::FileDamaged(_)), "{err}");
    assert_eq!(w.sara.file(&blob)?.state, FileState::Failed);
    // Saving decrypts while the bytes arrive: a changed or padded file still leaves nothing in
    // the folder, not even the hidden part it was decrypted into.
    let out = tempfile::tempdir()?;
    let err = w
        .sara
        .save_attachment(&blob, out.path())
        .await
        .expect_err("a changed file saved");
    assert!(matches!(err, ClientError::FileDamaged(_)), "{err}");
    w.liar.with(|s| s.chunk = vec![7; cipher.len() + 100_000]);
    let err = w
        .sara
        .save_attachment(&blob, out.path())
        .await
        .expect_err("a padded file saved");
    assert!(matches!(err, ClientError::Protocol(_)), "{err}");
    let left: Vec<_> = std::fs::read_dir(out.path())?.collect();
    assert!(left.is_empty(), "nothing was written: {left:?}");
    // The true bytes: fetched and opened.
    w.liar.with(|s| s.chunk = cipher.clone());
    let saved = w.sara.save_attachment(&blob, out.path()).await?;
    assert_eq!(std::fs::read_to_string(saved)?, plain);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_the_server_takes_but_never_counts_fails_its_message() -> anyhow::Result<()> {
    use samtale_client::MessageState;

    // A file of three chunks. The server answers every chunk "none counted": the engine lets
    // an answer for a chunk sent ahead lag one count behind, never an answer for the next.
    let w = World::new().await?;
    let sent = w.send_three_chunks().await?;
    assert_eq!(sent.state, MessageState::Failed, "{sent:?}");
    assert!(
        sent.error
            .as_deref()
            .is_some_and(|e| e.contains("did not take a chunk")),
        "{:?}",
        sent.error
    );
    let put = w.liar.with(|s| s.put.clone());
    // Chunk 1 may be on its way too (then it is stopped with the refusal), never chunk 2.
    assert!(
        put.contains(&0) && put.iter().all(|n| *n < 2),
        "it stopped at the first chunk not counted: {put:?}"
    );
    assert!(
        w.liar
            .posted()
            .iter()
            .all(|e| e.header.kind != PayloadKind::Message || e.header.id != sent.id),
        "the message was not sent without its file"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_takes_only_the_next_chunk_gets_them_one_at_a_time() -> anyhow::Result<()> {
    use samtale_client::MessageState;

    // A server from before chunks ahead: it answers the second chunk on its way 409. The file
    // still goes up, whole and in order, and the message is sent.
    let w = World::new().await?;
    w.liar.with(|s| s.only_next = true);
    let sent = w.send_three_chunks().await?;
    assert_eq!(sent.state, MessageState::Sent, "{sent:?}");
    let status = w.liar.with(|s| s.upload.clone()).expect("begun");
    assert!(status.complete && status.received == 3, "{status:?}");
    let (put, refused) = w.liar.with(|s| (s.put.clone(), s.refused.clone()));
    // Chunk 1 came while chunk 0 was held, and was refused (chunk 2 may have been on its way
    // too by then, and refused as well): the engine went on one at a time.
    assert_eq!(
        refused.first(),
        Some(&1),
        "the chunk ahead was refused: {put:?}"
    );
    assert!(
        [0, 1, 2].iter().all(|n| put.contains(n)),
        "every chunk went up: {put:?}"
    );
    Ok(())
}
