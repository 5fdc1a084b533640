//! Units of a municipality through the real server binary: the operator adds "Ungeindsatsen"
//! and "Familierådgivningen" and puts Sara in the first; a name twice, an empty name, an
//! unknown unit or municipality are refused with the reason. Staff list their own
//! municipality's units (a youth may not, another municipality sees only its own); a
//! conversation Sara starts belongs to her unit, which its members see; out of a unit, her
//! next conversation belongs to none.

use reqwest::{Client, Method, StatusCode};
use samtale_proto::api::{ThreadInfo, ThreadKind, UnitInfo};
use samtale_tests::raw::Api;
use samtale_tests::{Server, Storage, bootstrap};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_are_the_municipalitys_and_a_conversation_carries_its_unit() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    bootstrap(&storage, "odense")?;
    let admin = |args: &[&str]| Server::admin(&storage, args);
    admin(&["units", "--slug", "aarhus", "--add", "Ungeindsatsen"])?;
    let listed = admin(&["units", "--slug", "aarhus", "--add", "Familierådgivningen"])?;
    assert!(
        listed.contains("Familierådgivningen") && listed.contains("Ungeindsatsen"),
        "{listed}"
    );
    admin(&["units", "--slug", "odense", "--add", "Sundhedsplejen"])?;
    for (args, why) in [
        (
            &["units", "--slug", "aarhus", "--add", "ungeindsatsen"][..],
            "has a unit named",
        ),
        (
            &["units", "--slug", "aarhus", "--add", " "][..],
            "1 to 80 characters",
        ),
        (
            &["units", "--slug", "nowhere", "--add", "X"][..],
            "no municipality",
        ),
        (
            &[
                "staff-unit",
                "--slug",
                "aarhus",
                "--username",
                "sara",
                "--unit",
                "Sundhedsplejen",
            ][..],
            "has no unit named",
        ),
        (
            &[
                "staff-unit",
                "--slug",
                "aarhus",
                "--username",
                "nobody",
                "--unit",
                "Ungeindsatsen",
            ][..],
            "no staff member",
        ),
    ] {
        let err = admin(args).expect_err("refused");
        assert!(err.to_string().contains(why), "{args:?}: {err}");
    }
    let put = admin(&[
        "staff-unit",
        "--slug",
        "aarhus",
        "--username",
        "sara",
        "--unit",
        "UNGEINDSATSEN",
    ])?;
    assert!(put.contains("is in Ungeindsatsen"), "{put}");

    let server = Server::start(storage.clone(), &[])?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("aarhus").await;
    let units_of = |token: String| {
        let api = &api;
        async move { api.call(Method::GET, "/v1/units", Some(&token), None).await }
    };
    let (s, v) = units_of(sara.token.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let names: Vec<String> = serde_json::from_value::<Vec<UnitInfo>>(v)?
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["Familierådgivningen", "Ungeindsatsen"]);
    let odense = api.login("odense").await;
    let (_, v) = units_of(odense.token.clone()).await;
    let theirs: Vec<UnitInfo> = serde_json::from_value(v)?;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].name, "Sundhedsplejen");
    let youth = api.join(&api.invite(&sara, None).await.server_part).await;
    let (s, v) = units_of(youth.token.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // Her conversation belongs to her unit; the youth sees which.
    let thread = api
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    let (s, v) = api
        .call(
            Method::GET,
            &format!("/v1/threads/{thread}"),
            Some(&youth.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let info: ThreadInfo = serde_json::from_value(v)?;
    assert_eq!(info.unit.map(|u| u.name).as_deref(), Some("Ungeindsatsen"));

    // Out of the unit: her next conversation belongs to none.
    admin(&[
        "staff-unit",
        "--slug",
        "aarhus",
        "--username",
        "sara",
        "--none",
    ])?;
    let other = api.join(&api.invite(&sara, None).await.server_part).await;
    let second = api
        .thread(&sara, ThreadKind::Youth, vec![other.user.clone()])
        .await;
    let (_, v) = api
        .call(
            Method::GET,
            &format!("/v1/threads/{second}"),
            Some(&sara.token),
            None,
        )
        .await;
    let info: ThreadInfo = serde_json::from_value(v)?;
    assert_eq!(info.unit, None);
    Ok(())
}
