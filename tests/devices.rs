//! Device trust end to end, against a real server process: a youth links a new phone from his
//! old one and keeps talking with his caseworker, who is told; a stolen staff password cannot
//! add a device; a removed device stops receiving and is no longer sealed to; the device cap
//! holds.

use std::time::Duration;

use samtale_client::{Client, ClientError, DeviceTrust};
use samtale_proto::ErrorCode;
use samtale_proto::api::{Role, ThreadKind};
use samtale_tests::scene::{Scene, open};
use samtale_tests::{PASSWORD, eventually};

fn texts(c: &Client, thread: &samtale_proto::ThreadId) -> anyhow::Result<Vec<String>> {
    Ok(c.messages(thread, 500)?
        .into_iter()
        .map(|m| m.body)
        .collect())
}

fn server_code(e: &ClientError) -> Option<ErrorCode> {
    match e {
        ClientError::Server { code, .. } => Some(*code),
        _ => None,
    }
}

/// Waits (a bounded time) until the engine reports the live connection up or down.
async fn wait_for_connection(
    events: &mut tokio::sync::broadcast::Receiver<samtale_client::ClientEvent>,
    online: bool,
) -> anyhow::Result<()> {
    let want = samtale_client::ClientEvent::Connection { online };
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match events.recv().await {
                Ok(e) if e == want => return Ok(()),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => return Err(anyhow::anyhow!("events ended: {e}")),
            }
        }
    })
    .await
    .map_err(|_| anyhow::anyhow!("no {want:?} within 20 s"))?
}

/// Links a new device from `old` and waits until the new one has its session.
async fn link(old: &Client, new: &Client, url: &str, name: &str) -> anyhow::Result<()> {
    let code = new.start_link(url, name).await?;
    assert!(!new.poll_link().await?, "linked before anyone accepted");
    let preview = old.preview_link(&code.code).await?;
    assert_eq!(preview.device_name, name);
    assert_eq!(
        preview.fingerprint, code.fingerprint,
        "the old device must show the code the new one shows"
    );
    old.accept_link(&code.code).await?;
    assert!(new.poll_link().await?, "not linked after acceptance");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_linked_refused_and_removed() -> anyhow::Result<()> {
    let scene = Scene::start(&["odense"], &[])?;
    let (url, tenant, profiles) = (scene.url.clone(), &scene.tenant, &scene.profiles);

    let (sara, _) = scene.sara().await?;
    let (mikkel, me) = scene
        .citizen(
            &sara,
            Role::Youth,
            "Mikkel",
            None,
            "mikkel",
            "Mikkels gamle telefon",
        )
        .await?;
    sara.sync().await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(&thread, "Hej Mikkel").await?;
    mikkel.sync().await?;
    assert_eq!(texts(&mikkel, &thread)?, vec!["Hej Mikkel"]);

    // A new phone, linked from the old one with the typed code.
    let phone = std::sync::Arc::new(open(&profiles.path().join("mikkel-ny"), 3));
    link(&mikkel, &phone, &url, "Mikkels nye telefon").await?;
    let account = phone.account()?.expect("signed in");
    assert_eq!(account.user, me.user);

    // The old phone is told that the account has a new device.
    mikkel.sync().await?;
    let alerts = mikkel.alerts()?;
    assert!(
        alerts.iter().any(|a| a.text
            == "Din konto har fået en ny enhed: \"Mikkels nye telefon\". Var det ikke dig? Fjern den under Indstillinger → Enheder."),
        "{alerts:?}"
    );
    let own = mikkel.own_devices().await?;
    assert_eq!(own.len(), 2, "{own:?}");
    let new_one = own.iter().find(|d| !d.this_device).expect("the new phone");
    assert_eq!(new_one.trust, DeviceTrust::Trusted);
    assert_eq!(new_one.added_by_name.as_deref(), Some("denne enhed"));

    // Sara is told in their conversation, and the new phone is trusted through the link.
    sara.sync().await?;
    let notice = "Mikkel har en ny enhed (Mikkels nye telefon). Sammenlign sikkerhedskoderne, før I skriver fortroligt.";
    assert!(
        texts(&sara, &thread)?.iter().any(|t| t == notice),
        "{:?}",
        texts(&sara, &thread)?
    );
    let people = sara.people()?;
    let mikkel_devices = &people
        .iter()
        .find(|p| p.user == me.user)
        .expect("Mikkel")
        .devices;
    assert_eq!(mikkel_devices.len(), 2);
    assert!(
        mikkel_devices
            .iter()
            .all(|d| d.trust == DeviceTrust::Trusted && d.verified),
        "{mikkel_devices:?}"
    );

    // They keep talking: Sara's message reaches both phones, the new phone's reply reaches her.
    sara.send(&thread, "Velkommen på den nye telefon").await?;
    phone.sync().await?;
    mikkel.sync().await?;
    assert!(texts(&phone, &thread)?.contains(&"Velkommen på den nye telefon".to_owned()));
    assert!(texts(&mikkel, &thread)?.contains(&"Velkommen på den nye telefon".to_owned()));
    phone.send(&thread, "Tak, det virker").await?;
    sara.sync().await?;
    assert!(
        texts(&sara, &thread)?.contains(&"Tak, det virker".to_owned()),
        "{:?}",
        texts(&sara, &thread)?
    );

    // A stolen password on a new machine adds no device: the account has one already.
    let thief = open(&profiles.path().join("thief"), 4);
    let refused = thief
        .login(
            &url,
            &tenant.slug,
            &tenant.caseworker,
            PASSWORD,
            "Fremmed pc",
        )
        .await
        .expect_err("a password alone must not add a device");
    assert_eq!(
        server_code(&refused),
        Some(ErrorCode::LinkRequired),
        "{refused}"
    );
    // Her own device is told that someone has her password.
    sara.sync().await?;
    let alerts: Vec<String> = sara.alerts()?.into_iter().map(|a| a.text).collect();
    assert_eq!(
        alerts,
        vec![
            "Nogen forsøgte at logge ind på din konto med din adgangskode fra en ny enhed (\"Fremmed pc\"). Det blev afvist. Var det ikke dig, så få din administrator til at skifte din adgangskode."
        ]
    );
    assert_eq!(sara.own_devices().await?.len(), 1);
    // Logging in again on her own device still works: it proves its key.
    sara.login(
        &url,
        &tenant.slug,
        &tenant.caseworker,
        PASSWORD,
        "Saras bærbare",
    )
    .await?;

    // The old phone removes the new one: it stops receiving at once, and Sara stops sealing to it.
    // The new phone is connected live when it is removed: the server closes its socket.
    let mut events = phone.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let live = tokio::spawn(phone.clone().run_live(stopped));
    wait_for_connection(&mut events, true).await?;
    mikkel.remove_device(&new_one.id).await?;
    wait_for_connection(&mut events, false).await?;
    let _ = stop.send(true);
    let _ = live.await;
    sara.sync().await?;
    assert!(
        texts(&sara, &thread)?
            .iter()
            .any(|t| t == "En enhed hos Mikkel (Mikkels nye telefon) er fjernet. Der sendes ikke længere til den."),
        "{:?}",
        texts(&sara, &thread)?
    );
    let people = sara.people()?;
    let removed = people
        .iter()
        .flat_map(|p| &p.devices)
        .find(|d| d.id == new_one.id)
        .expect("still listed");
    assert_eq!(removed.trust, DeviceTrust::Revoked);
    sara.send(&thread, "Kun til den gamle telefon").await?;
    let err = phone
        .sync()
        .await
        .expect_err("a removed device must not sync");
    assert!(err.is_unauthorized(), "{err}");
    mikkel.sync().await?;
    assert!(texts(&mikkel, &thread)?.contains(&"Kun til den gamle telefon".to_owned()));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_cap_holds() -> anyhow::Result<()> {
    let scene = Scene::start(&["vejle"], &["--citizen-devices", "3"])?;
    let (url, tenant, profiles) = (scene.url.clone(), &scene.tenant, &scene.profiles);
    let (sara, _) = scene.sara().await?;
    let (emma, _) = scene
        .citizen(&sara, Role::Youth, "Emma", None, "emma", "Emmas telefon")
        .await?;
    for n in 0..2u8 {
        let extra = open(&profiles.path().join(format!("extra{n}")), 10 + n);
        link(&emma, &extra, &url, &format!("Ekstra {n}")).await?;
    }
    let one_more = open(&profiles.path().join("one-more"), 20);
    let code = one_more.start_link(&url, "En for meget").await?;
    let err = emma
        .accept_link(&code.code)
        .await
        .expect_err("over the cap");
    assert_eq!(server_code(&err), Some(ErrorCode::DeviceLimit), "{err}");
    assert!(err.to_string().contains("already has 3 devices"), "{err}");
    assert_eq!(emma.own_devices().await?.len(), 3);
    assert!(!one_more.poll_link().await?);

    // Twenty password logins from new machines add nothing either.
    for n in 0..20u8 {
        let p = open(&profiles.path().join(format!("login{n}")), 100 + n);
        let e = p
            .login(&url, &tenant.slug, &tenant.caseworker, PASSWORD, "Ny pc")
            .await
            .expect_err("refused");
        assert_eq!(server_code(&e), Some(ErrorCode::LinkRequired));
    }
    assert_eq!(sara.own_devices().await?.len(), 1);
    eventually(Duration::from_secs(5), "Sara's sync", || async {
        Ok(sara.sync().await.is_ok())
    })
    .await?;
    Ok(())
}

/// An administrator resets a caseworker whose password was stolen, disables and enables a
/// youth, and removes a device; the people concerned see it, and nothing else is let through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_resets_disables_and_revokes() -> anyhow::Result<()> {
    use samtale_client::admin::AdminAction;
    let scene = Scene::start(&["kolding", "fredericia"], &[])?;
    let (url, tenant, profiles) = (scene.url.clone(), &scene.tenant, &scene.profiles);
    let other = "fredericia";
    let (admin, _) = scene
        .staff("admin", &tenant.slug, "admin", "Admins pc")
        .await?;
    let (sara, sara_me) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    let mikkel = std::sync::Arc::new(mikkel);
    sara.sync().await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(&thread, "Hej Mikkel").await?;
    mikkel.sync().await?;

    // Only an administrator of the same municipality may act.
    let refused = sara
        .admin_act(&me.user, AdminAction::Disable)
        .await
        .expect_err("not an admin");
    assert_eq!(
        server_code(&refused),
        Some(ErrorCode::Forbidden),
        "{refused}"
    );
    let stranger = open(&profiles.path().join("other-admin"), 4);
    stranger
        .login(&url, other, "admin", PASSWORD, "Andens pc")
        .await?;
    let refused = stranger
        .admin_act(&me.user, AdminAction::Disable)
        .await
        .expect_err("another municipality");
    assert_eq!(
        server_code(&refused),
        Some(ErrorCode::NotFound),
        "{refused}"
    );

    // Sara's password was stolen: a reset removes her laptop and sets a new password.
    let chain = admin
        .admin_reset(&sara_me.user, Some("et-helt-nyt-kodeord"))
        .await?;
    assert_eq!(chain, 1);
    let err = sara.sync().await.expect_err("her old session ended");
    assert!(err.is_unauthorized(), "{err}");
    let old = sara
        .login(
            &url,
            &tenant.slug,
            &tenant.caseworker,
            PASSWORD,
            "Saras bærbare",
        )
        .await
        .expect_err("the old password");
    assert_eq!(server_code(&old), Some(ErrorCode::BadCredentials), "{old}");
    // Her removed laptop registers anew on her next password login (keeping what it stored)
    // and starts the new chain; Mikkel is told to compare codes, and they talk.
    sara.login(
        &url,
        &tenant.slug,
        &tenant.caseworker,
        "et-helt-nyt-kodeord",
        "Saras bærbare",
    )
    .await?;
    let sara2 = &sara;
    sara2.sync().await?;
    sara2.send(&thread, "Jeg har fået ny computer").await?;
    mikkel.sync().await?;
    let seen = texts(&mikkel, &thread)?;
    assert!(
        seen.iter().any(|t| t == "Sara Sagsbehandlers nøgler er blevet nulstillet af administrator - sammenlign sikkerhedskoder."),
        "{seen:?}"
    );
    assert!(seen.iter().any(|t| t == "En enhed hos Sara Sagsbehandler (Saras bærbare) er fjernet. Der sendes ikke længere til den."), "{seen:?}");
    assert!(
        seen.iter().any(|t| t == "Jeg har fået ny computer"),
        "{seen:?}"
    );
    mikkel.send(&thread, "Okay, tak").await?;
    sara2.sync().await?;
    assert!(texts(sara2, &thread)?.contains(&"Okay, tak".to_owned()));

    // Ending his sessions closes his phone's socket at once (no inbox event wakes it); the
    // phone then logs in again with its key and is back.
    let mut events = mikkel.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let live = tokio::spawn(mikkel.clone().run_live(stopped));
    wait_for_connection(&mut events, true).await?;
    admin.admin_act(&me.user, AdminAction::EndSessions).await?;
    wait_for_connection(&mut events, false).await?;
    wait_for_connection(&mut events, true).await?;
    let _ = stop.send(true);
    let _ = live.await;

    // Disabled, Mikkel's phone is signed out and cannot log in again with its key; enabled, it can.
    admin.admin_act(&me.user, AdminAction::Disable).await?;
    let err = mikkel.sync().await.expect_err("disabled");
    assert!(
        err.is_unauthorized() || server_code(&err) == Some(ErrorCode::Disabled),
        "{err}"
    );
    admin.admin_act(&me.user, AdminAction::Enable).await?;
    mikkel.sync().await?;

    // An administrator removes a device: its owner and contacts are told.
    let phone = open(&profiles.path().join("mikkel-ny"), 6);
    link(&mikkel, &phone, &url, "Mikkels nye telefon").await?;
    let listed = admin.admin_devices(&me.user).await?;
    assert_eq!(listed.devices.len(), 2);
    let new_id = listed
        .devices
        .iter()
        .find(|d| d.device.name == "Mikkels nye telefon")
        .map(|d| d.device.id.clone())
        .expect("listed");
    admin.admin_revoke_device(&new_id).await?;
    let err = admin.admin_revoke_device(&new_id).await.expect_err("twice");
    assert_eq!(server_code(&err), Some(ErrorCode::Conflict), "{err}");
    mikkel.sync().await?;
    assert!(
        mikkel
            .alerts()?
            .iter()
            .any(|a| a.text == "Enheden \"Mikkels nye telefon\" er fjernet fra din konto."),
        "{:?}",
        mikkel.alerts()?
    );
    sara2.sync().await?;
    assert!(texts(sara2, &thread)?.iter().any(|t| t == "En enhed hos Mikkel (Mikkels nye telefon) er fjernet. Der sendes ikke længere til den."));
    assert!(phone.sync().await.expect_err("removed").is_unauthorized());
    Ok(())
}

/// A youth who lost his phone: an administrator resets his keys, his caseworker invites him
/// again, and the new phone carries on in the same conversations; everyone is told to compare
/// codes, and the new chain links devices as the first did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_youth_who_lost_his_phone_is_invited_again() -> anyhow::Result<()> {
    let scene = Scene::start(&["horsens"], &[])?;
    let (url, tenant, profiles) = (scene.url.clone(), &scene.tenant, &scene.profiles);
    let (admin, _) = scene
        .staff("admin", &tenant.slug, "admin", "Admins pc")
        .await?;
    let (sara, _) = scene.sara().await?;
    let (lost, me) = scene
        .citizen(
            &sara,
            Role::Youth,
            "Mikkel",
            None,
            "mikkel",
            "Mikkels telefon",
        )
        .await?;
    let (hanne, hanne_me) = scene
        .citizen(
            &sara,
            Role::Parent,
            "Hanne",
            Some(me.user.clone()),
            "hanne",
            "Hannes telefon",
        )
        .await?;
    sara.sync().await?;
    let thread = sara
        .create_thread(
            ThreadKind::Family,
            vec![me.user.clone(), hanne_me.user.clone()],
        )
        .await?;
    sara.send(&thread, "Hej begge to").await?;
    lost.sync().await?;
    hanne.sync().await?;

    // Someone who still has a device is not invited again: they link instead.
    let err = sara
        .invite_again(
            hanne_me.user.clone(),
            Role::Parent,
            "Hanne",
            Some(me.user.clone()),
        )
        .await
        .expect_err("Hanne has her phone");
    assert_eq!(server_code(&err), Some(ErrorCode::Conflict), "{err}");

    admin.admin_reset(&me.user, None).await?;
    assert!(lost.sync().await.expect_err("reset").is_unauthorized());
    let again = sara
        .invite_again(me.user.clone(), Role::Youth, "Mikkel", None)
        .await?;
    let phone = open(&profiles.path().join("mikkel-ny"), 5);
    let back = phone
        .join(Some(&url), &again.code, "Mikkel", "Mikkels nye telefon")
        .await?;
    assert_eq!(back.user, me.user, "the same account");
    let reset =
        "Mikkels nøgler er blevet nulstillet af administrator - sammenlign sikkerhedskoder.";
    for who in [&sara, &hanne] {
        who.sync().await?;
        let seen = texts(who, &thread)?;
        assert!(seen.iter().any(|t| t == reset), "{seen:?}");
    }
    let mikkel_devices: Vec<_> = sara
        .people()?
        .into_iter()
        .find(|p| p.user == me.user)
        .map(|p| p.devices)
        .unwrap_or_default();
    let trusted: Vec<_> = mikkel_devices
        .iter()
        .filter(|d| d.trust == DeviceTrust::Trusted)
        .collect();
    assert_eq!(trusted.len(), 1, "{mikkel_devices:?}");
    assert!(trusted[0].verified, "proven by the new invitation");
    // Until Sara says she compared codes, Mikkel is marked; then the mark goes, once.
    let marked = |c: &Client| -> anyhow::Result<bool> {
        Ok(c.people()?
            .iter()
            .any(|p| p.user == me.user && p.keys_reset))
    };
    assert!(marked(&sara)?);
    sara.confirm_codes(&me.user)?;
    assert!(!marked(&sara)?);
    assert!(
        sara.confirm_codes(&me.user).is_err(),
        "nothing left to confirm"
    );

    // The conversation goes on; what came before is said once, not message by message.
    phone.sync().await?;
    sara.send(&thread, "Velkommen tilbage").await?;
    phone.sync().await?;
    let seen = texts(&phone, &thread)?;
    assert!(seen.contains(&"Velkommen tilbage".to_owned()), "{seen:?}");
    let before = "Beskeder, der blev sendt, før denne enhed kom med, kan ikke læses her.";
    assert_eq!(seen.iter().filter(|t| *t == before).count(), 1, "{seen:?}");
    phone.send(&thread, "Tak, nu virker det igen").await?;
    for who in [&sara, &hanne] {
        who.sync().await?;
        assert!(texts(who, &thread)?.contains(&"Tak, nu virker det igen".to_owned()));
    }

    // The new chain links devices like the first: a tablet from the new phone.
    let tablet = open(&profiles.path().join("mikkel-tablet"), 6);
    link(&phone, &tablet, &url, "Mikkels tablet").await?;
    sara.sync().await?;
    sara.send(&thread, "Også til tabletten").await?;
    tablet.sync().await?;
    assert!(texts(&tablet, &thread)?.contains(&"Også til tabletten".to_owned()));
    Ok(())
}

/// An administrator removes a caseworker's only device without resetting her keys: her next
/// password login starts a new chain, which her contacts are told of and accept (a second
/// first device in the old chain would be refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caseworker_whose_last_device_was_removed_starts_a_new_chain() -> anyhow::Result<()> {
    let scene = Scene::start(&["silkeborg"], &[])?;
    let (url, tenant, profiles) = (scene.url.clone(), &scene.tenant, &scene.profiles);
    let (admin, _) = scene
        .staff("admin", &tenant.slug, "admin", "Admins pc")
        .await?;
    let (sara, sara_me) = scene.sara().await?;
    let (mikkel, me) = scene.mikkel(&sara).await?;
    sara.sync().await?;
    let thread = sara
        .create_thread(ThreadKind::Youth, vec![me.user.clone()])
        .await?;
    sara.send(&thread, "Hej").await?;
    mikkel.sync().await?;

    let listed = admin.admin_devices(&sara_me.user).await?;
    admin
        .admin_revoke_device(&listed.devices[0].device.id)
        .await?;
    let sara2 = open(&profiles.path().join("sara-ny"), 4);
    sara2
        .login(
            &url,
            &tenant.slug,
            &tenant.caseworker,
            PASSWORD,
            "Saras nye bærbare",
        )
        .await?;
    sara2.sync().await?;
    sara2.send(&thread, "Ny computer").await?;
    mikkel.sync().await?;
    let seen = texts(&mikkel, &thread)?;
    assert!(
        seen.iter().any(|t| t == "Sara Sagsbehandlers nøgler er blevet nulstillet af administrator - sammenlign sikkerhedskoder."),
        "{seen:?}"
    );
    assert!(seen.contains(&"Ny computer".to_owned()), "{seen:?}");
    Ok(())
}
