//! Files on a real server process, requests made by hand so each can be wrong in exactly one
//! way: uploads in chunks (out of order, cut off, damaged, too big, by the wrong device, the
//! wrong member or the wrong municipality), downloads, cancelling, the quota, messages that
//! carry files, and the sweep of what no message carries. Each bad request is a clear error
//! and changes nothing. Then the same files across two server nodes on PostgreSQL with a real
//! S3 server.

use reqwest::{Client, Method, StatusCode};
use samtale_proto::BlobId;
use samtale_proto::api::ThreadKind;
use samtale_proto::blobs::{BlobPolicy, BlobStatus, CHUNK_SHA256_HEADER, CreateBlob};
use samtale_server::blobs::test_server::S3TestServer;
use samtale_tests::raw::{Actor, Api, envelope, id, refused};
use samtale_tests::{PgDatabase, Server, Storage, bootstrap, eventually};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CHUNK: usize = 2 << 20;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes that look like ciphertext and hold a marker.
fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
        .collect()
}

async fn put_chunk(
    api: &Api,
    who: &Actor,
    blob: &BlobId,
    n: u32,
    body: &[u8],
    digest: Option<String>,
) -> (StatusCode, Value) {
    let mut rb = api
        .http
        .put(format!("{}/v1/blobs/{blob}/chunks/{n}", api.base))
        .bearer_auth(&who.token)
        .body(body.to_vec());
    if let Some(d) = digest {
        rb = rb.header(CHUNK_SHA256_HEADER, d);
    }
    let resp = rb.send().await.expect("server reachable");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn upload(api: &Api, who: &Actor, blob: &BlobId, data: &[u8], from: u32) -> BlobStatus {
    let mut last = None;
    for (n, chunk) in data.chunks(CHUNK).enumerate().skip(from as usize) {
        let (s, v) = put_chunk(
            api,
            who,
            blob,
            n as u32,
            chunk,
            Some(hex(&Sha256::digest(chunk))),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "chunk {n}: {v}");
        last = Some(serde_json::from_value(v).unwrap());
    }
    last.expect("a chunk")
}

async fn get_chunk(api: &Api, who: &Actor, blob: &BlobId, n: u32) -> (StatusCode, Vec<u8>) {
    let resp = api
        .http
        .get(format!("{}/v1/blobs/{blob}/chunks/{n}", api.base))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("server reachable");
    let status = resp.status();
    (status, resp.bytes().await.unwrap_or_default().to_vec())
}

async fn download(api: &Api, who: &Actor, blob: &BlobId, chunks: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..chunks {
        let (s, bytes) = get_chunk(api, who, blob, n).await;
        assert_eq!(s, StatusCode::OK, "chunk {n}");
        out.extend(bytes);
    }
    out
}

async fn status(api: &Api, who: &Actor, blob: &BlobId) -> (StatusCode, Value) {
    api.call(
        Method::GET,
        &format!("/v1/blobs/{blob}"),
        Some(&who.token),
        None,
    )
    .await
}

/// Posts `env` carrying the files `blobs` (comma-separated ids).
async fn carry(
    api: &Api,
    who: &Actor,
    blobs: &str,
    env: &samtale_proto::SealedEnvelope,
) -> (StatusCode, Value) {
    api.post(
        &format!("/v1/envelopes?blobs={blobs}"),
        Some(&who.token),
        env,
    )
    .await
}

async fn cancel(api: &Api, who: &Actor, blob: &BlobId) -> (StatusCode, Value) {
    api.call(
        Method::DELETE,
        &format!("/v1/blobs/{blob}"),
        Some(&who.token),
        None,
    )
    .await
}

fn create(blob: &BlobId, thread: &samtale_proto::ThreadId, size: u64) -> CreateBlob {
    CreateBlob {
        id: blob.clone(),
        thread: thread.clone(),
        size,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_checked_chunk_by_chunk_and_bad_requests_change_nothing() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    bootstrap(&storage, "odense")?;
    let server = Server::start(storage, &["--max-file-mb", "6", "--blob-quota-mb", "12"])?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("aarhus").await;
    let youth = api.join(&api.invite(&sara, None).await.server_part).await;
    let outsider = api.join(&api.invite(&sara, None).await.server_part).await;
    let thread = api
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    let other_thread = api
        .thread(&sara, ThreadKind::Youth, vec![outsider.user.clone()])
        .await;
    let odense = api.login("odense").await;

    let (s, v) = api
        .call(Method::GET, "/v1/blobs/policy", Some(&sara.token), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let policy: BlobPolicy = serde_json::from_value(v)?;
    assert_eq!(
        (policy.max_file_bytes, policy.chunk_size, policy.free_bytes),
        (6_000_000, CHUNK as u32, 12_000_000)
    );

    // Starting an upload: empty, too big, not a member, another municipality, malformed.
    let file = content(2 * CHUNK + 1000, 7);
    let blob = id(BlobId::from_parts);
    let post = |who: &Actor, body: CreateBlob| {
        let token = who.token.clone();
        let api = &api;
        async move { api.post("/v1/blobs", Some(&token), &body).await }
    };
    refused(
        post(&sara, create(&blob, &thread, 0)).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        post(&sara, create(&blob, &thread, 7_000_000)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    );
    refused(
        post(&outsider, create(&blob, &thread, 10)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    refused(
        post(&odense, create(&blob, &thread, 10)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    refused(
        api.call(
            Method::POST,
            "/v1/blobs",
            Some(&sara.token),
            Some("{\"id\":1}".into()),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        status(&api, &sara, &blob).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Started; the same again is the same upload; the id with other values is refused.
    let (s, v) = post(&sara, create(&blob, &thread, file.len() as u64)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let st: BlobStatus = serde_json::from_value(v)?;
    assert_eq!((st.chunks, st.received, st.complete), (3, 0, false));
    let (s, _) = post(&sara, create(&blob, &thread, file.len() as u64)).await;
    assert_eq!(s, StatusCode::OK);
    refused(
        post(&sara, create(&blob, &thread, 99)).await,
        StatusCode::CONFLICT,
        "conflict",
    );

    // Chunks: out of order, cut off, damaged, without or with a malformed hash, too big, by
    // the youth, by another municipality, past the end.
    let c0 = &file[..CHUNK];
    let h0 = Some(hex(&Sha256::digest(c0)));
    let c2 = &file[2 * CHUNK..];
    refused(
        put_chunk(&api, &sara, &blob, 2, c2, Some(hex(&Sha256::digest(c2)))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    refused(
        put_chunk(
            &api,
            &sara,
            &blob,
            0,
            &c0[..1000],
            Some(hex(&Sha256::digest(&c0[..1000]))),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let mut damaged = c0.to_vec();
    damaged[12345] ^= 1;
    refused(
        put_chunk(&api, &sara, &blob, 0, &damaged, h0.clone()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        put_chunk(&api, &sara, &blob, 0, c0, None).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        put_chunk(&api, &sara, &blob, 0, c0, Some("zz".repeat(32))).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let too_big = vec![0u8; CHUNK + 1];
    refused(
        put_chunk(
            &api,
            &sara,
            &blob,
            0,
            &too_big,
            Some(hex(&Sha256::digest(&too_big))),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    );
    refused(
        put_chunk(&api, &youth, &blob, 0, c0, h0.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    refused(
        put_chunk(&api, &odense, &blob, 0, c0, h0.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    refused(
        put_chunk(&api, &sara, &blob, 7, c0, h0.clone()).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let resp = api
        .http
        .put(format!("{}/v1/blobs/{blob}/chunks/x", api.base))
        .bearer_auth(&sara.token)
        .header(CHUNK_SHA256_HEADER, h0.clone().unwrap_or_default())
        .body(c0.to_vec())
        .send()
        .await?;
    assert_eq!(
        resp.status(),
        StatusCode::BAD_REQUEST,
        "a chunk number that is not one"
    );
    let (s, v) = status(&api, &sara, &blob).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["received"], 0, "nothing refused was counted: {v}");

    // The first chunk; sent again (a lost answer) it changes nothing.
    let st = upload(&api, &sara, &blob, &file[..CHUNK], 0).await;
    assert_eq!(st.received, 1);
    let st = upload(&api, &sara, &blob, &file[..CHUNK], 0).await;
    assert_eq!(st.received, 1);
    // Not readable by the youth before it is finished, nor by anyone outside.
    refused(
        status(&api, &youth, &blob).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(
        get_chunk(&api, &youth, &blob, 0).await.0,
        StatusCode::NOT_FOUND
    );
    // A message cannot carry an unfinished file.
    let msg = envelope(&sara, &thread, &[&sara, &youth], b"her er filen");
    refused(
        carry(&api, &sara, &blob.to_string(), &msg).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    // The chunk after the next is taken ahead, checked like any (damaged: refused), stored but
    // not counted nor readable until the next one comes.
    let mut damaged2 = c2.to_vec();
    damaged2[7] ^= 1;
    refused(
        put_chunk(
            &api,
            &sara,
            &blob,
            2,
            &damaged2,
            Some(hex(&Sha256::digest(c2))),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let (s, v) = put_chunk(&api, &sara, &blob, 2, c2, Some(hex(&Sha256::digest(c2)))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["received"].as_u64(), v["complete"].as_bool()),
        (Some(1), Some(false)),
        "a chunk ahead is not counted yet: {v}"
    );
    assert_eq!(
        get_chunk(&api, &sara, &blob, 2).await.0,
        StatusCode::NOT_FOUND,
        "nor read"
    );
    // Resumed where it stopped: the next chunk counts the one ahead with it.
    let c1 = &file[CHUNK..2 * CHUNK];
    let (s, v) = put_chunk(&api, &sara, &blob, 1, c1, Some(hex(&Sha256::digest(c1)))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let st: BlobStatus = serde_json::from_value(v)?;
    assert_eq!((st.received, st.complete), (3, true));
    // Sending the chunk ahead again (its answer was lost) changes nothing.
    let st = upload(&api, &sara, &blob, &file, 2).await;
    assert_eq!((st.received, st.complete), (3, true));

    // The youth reads it whole; the outsider and Odense do not.
    assert_eq!(download(&api, &youth, &blob, 3).await, file);
    assert_eq!(
        get_chunk(&api, &outsider, &blob, 0).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_chunk(&api, &odense, &blob, 0).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_chunk(&api, &youth, &blob, 3).await.0,
        StatusCode::NOT_FOUND
    );

    // Messages carrying it: the wrong conversation, too many files, an unknown file; then it.
    let wrong = envelope(
        &sara,
        &other_thread,
        &[&sara, &outsider],
        b"forkert samtale",
    );
    refused(
        carry(&api, &sara, &blob.to_string(), &wrong).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let many: Vec<String> = (0..11)
        .map(|_| id(BlobId::from_parts).to_string())
        .collect();
    refused(
        api.post(
            &format!("/v1/envelopes?blobs={}", many.join(",")),
            Some(&sara.token),
            &msg,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        api.post(
            &format!("/v1/envelopes?blobs={}", id(BlobId::from_parts)),
            Some(&sara.token),
            &msg,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(
        api.inbox(&youth).await.events.len(),
        1,
        "no refused message reached the youth"
    );
    let (s, v) = carry(&api, &sara, &blob.to_string(), &msg).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = carry(&api, &sara, &blob.to_string(), &msg).await;
    assert_eq!(s, StatusCode::OK, "the same message again");
    let second = envelope(&sara, &thread, &[&sara, &youth], b"igen");
    refused(
        carry(&api, &sara, &blob.to_string(), &second).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    // Sent: it goes with its message, not by cancelling.
    refused(
        cancel(&api, &sara, &blob).await,
        StatusCode::CONFLICT,
        "conflict",
    );

    // The quota (12 MB): 5 MB used; 6 MB more fits, then 2 MB more does not.
    let big = id(BlobId::from_parts);
    let (s, v) = post(&sara, create(&big, &thread, 6_000_000)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    refused(
        post(&sara, create(&id(BlobId::from_parts), &thread, 2_000_000)).await,
        StatusCode::INSUFFICIENT_STORAGE,
        "quota_exceeded",
    );
    // Cancelling an upload frees its space; only its device may cancel it.
    refused(
        cancel(&api, &youth, &big).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (s, _) = api
        .call(
            Method::DELETE,
            &format!("/v1/blobs/{big}"),
            Some(&sara.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    refused(
        status(&api, &sara, &big).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let (s, v) = post(&sara, create(&id(BlobId::from_parts), &thread, 2_000_000)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    Ok(())
}

/// Uploads `file` as a new blob in `thread` through `api`; returns its id.
async fn new_blob(api: &Api, who: &Actor, thread: &samtale_proto::ThreadId, file: &[u8]) -> BlobId {
    let blob = id(BlobId::from_parts);
    let (s, v) = api
        .post(
            "/v1/blobs",
            Some(&who.token),
            &create(&blob, thread, file.len() as u64),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    upload(api, who, &blob, file, 0).await;
    blob
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsent_uploads_and_files_of_purged_messages_are_swept() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    let server = Server::start(
        storage,
        &[
            "--unsent-file-seconds",
            "2",
            "--purge-every-seconds",
            "1",
            "--retention-days",
            "0",
        ],
    )?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("aarhus").await;
    let youth = api.join(&api.invite(&sara, None).await.server_part).await;
    let thread = api
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    let marker = b"SWEEP-MARKER-7f3a";
    let mut file = content(3000, 1);
    file[100..100 + marker.len()].copy_from_slice(marker);
    let blob_dir = data.path().join("blobs");

    // Sent in a message the youth has not fetched: kept; never sent: swept after 2 s.
    let sent = new_blob(&api, &sara, &thread, &file).await;
    let unsent = new_blob(&api, &sara, &thread, &file).await;
    let msg = envelope(&sara, &thread, &[&sara, &youth], b"med fil");
    let (s, v) = carry(&api, &sara, &sent.to_string(), &msg).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(samtale_tests::dir_contains(&blob_dir, marker)?);
    eventually(
        std::time::Duration::from_secs(20),
        "the unsent upload is swept",
        || async { Ok(status(&api, &sara, &unsent).await.0 == StatusCode::NOT_FOUND) },
    )
    .await?;
    assert_eq!(
        status(&api, &sara, &sent).await.0,
        StatusCode::OK,
        "the sent one stays"
    );
    assert_eq!(download(&api, &youth, &sent, 1).await, file);

    // Both devices fetch and acknowledge the message: it is purged, and its file with it.
    for who in [&sara, &youth] {
        let page = api.inbox(who).await;
        let (s, v) = api
            .post(
                "/v1/inbox/ack",
                Some(&who.token),
                &samtale_proto::api::AckRequest {
                    seq: page.events.last().map_or(0, |e| e.seq),
                },
            )
            .await;
        assert!(s.is_success(), "{v}");
    }
    eventually(
        std::time::Duration::from_secs(20),
        "the sent file is swept with its message",
        || async { Ok(status(&api, &sara, &sent).await.0 == StatusCode::NOT_FOUND) },
    )
    .await?;
    assert!(
        !samtale_tests::dir_contains(&blob_dir, marker)?,
        "no chunk is left in the blob directory"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgresql_share_files_in_s3() -> anyhow::Result<()> {
    let s3 = S3TestServer::start("samtale-files")?;
    let db = PgDatabase::create("samtale_e2e").await?;
    let storage = Storage::Postgres(db.url.clone());
    bootstrap(&storage, "kobenhavn")?;
    let endpoint = s3.endpoint();
    let args = [
        "--s3-endpoint",
        &endpoint,
        "--s3-bucket",
        "samtale-files",
        "--s3-access-key",
        "samtale-test",
    ];
    let env = [("SAMTALE_S3_SECRET_KEY", "samtale-test-secret")];
    let node_a = Server::start_with_env(storage.clone(), &args, &env)?;
    let node_b = Server::start_with_env(storage.clone(), &args, &env)?;
    // Without a file store, a PostgreSQL node says so plainly.
    let bare = Server::start(storage, &[])?;
    let (a, b, c) = (
        Api {
            base: node_a.url(),
            http: Client::new(),
        },
        Api {
            base: node_b.url(),
            http: Client::new(),
        },
        Api {
            base: bare.url(),
            http: Client::new(),
        },
    );
    let sara = a.login("kobenhavn").await;
    let youth = a.join(&a.invite(&sara, None).await.server_part).await;
    let thread = a
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    refused(
        c.call(Method::GET, "/v1/blobs/policy", Some(&sara.token), None)
            .await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );

    // Begun on node A, cut off after one chunk, finished with the next chunk through node B
    // and the one after it through node A at the same time.
    let file = content(2 * CHUNK + 5, 3);
    let blob = id(BlobId::from_parts);
    let (s, v) = a
        .post(
            "/v1/blobs",
            Some(&sara.token),
            &create(&blob, &thread, file.len() as u64),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    upload(&a, &sara, &blob, &file[..CHUNK], 0).await;
    let (s, v) = status(&b, &sara, &blob).await;
    assert_eq!(
        (s, v["received"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{v}"
    );
    let (c1, c2) = (&file[CHUNK..2 * CHUNK], &file[2 * CHUNK..]);
    let (r1, r2) = tokio::join!(
        put_chunk(&b, &sara, &blob, 1, c1, Some(hex(&Sha256::digest(c1)))),
        put_chunk(&a, &sara, &blob, 2, c2, Some(hex(&Sha256::digest(c2)))),
    );
    assert_eq!(
        (r1.0, r2.0),
        (StatusCode::OK, StatusCode::OK),
        "{} {}",
        r1.1,
        r2.1
    );
    let (s, v) = status(&a, &sara, &blob).await;
    assert_eq!(
        (s, v["received"].as_u64(), v["complete"].as_bool()),
        (StatusCode::OK, Some(3), Some(true)),
        "{v}"
    );
    let msg = envelope(&sara, &thread, &[&sara, &youth], b"fil via to noder");
    let (s, v) = carry(&b, &sara, &blob.to_string(), &msg).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The youth downloads through either node.
    assert_eq!(download(&a, &youth, &blob, 3).await, file);
    assert_eq!(download(&b, &youth, &blob, 3).await, file);
    // The chunks are in the bucket, under the municipality and the blob.
    let listing = s3.list("samtale-files")?;
    assert_eq!(
        listing.matches(&format!("{blob}/00000")).count(),
        3,
        "{listing}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_municipality_has_its_own_file_limits() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let storage = Storage::Sqlite(data.path().to_owned());
    bootstrap(&storage, "aarhus")?;
    bootstrap(&storage, "odense")?;
    // Bad rules are refused with the reason, and nothing is set.
    for (args, why) in [
        (&["--types", "pdf"][..], "not a file type"),
        (
            &["--types", "application/pdf,Image/*"][..],
            "not a file type",
        ),
        (&["--max-file-mb", "0"][..], "0"),
        (&["--quota-mb", "0"][..], "0"),
    ] {
        let mut all = vec!["file-policy", "--slug", "aarhus"];
        all.extend_from_slice(args);
        let err = Server::admin(&storage, &all).expect_err("a bad rule");
        assert!(err.to_string().contains(why), "{args:?}: {err}");
    }
    let err = Server::admin(
        &storage,
        &["file-policy", "--slug", "nowhere", "--quota-mb", "5"],
    )
    .expect_err("no such municipality");
    assert!(err.to_string().contains("no municipality"), "{err}");
    let shown = Server::admin(&storage, &["file-policy", "--slug", "aarhus"])?;
    assert!(
        shown.contains("largest file: 100 MB (the server's setting)"),
        "{shown}"
    );
    let shown = Server::admin(
        &storage,
        &[
            "file-policy",
            "--slug",
            "aarhus",
            "--max-file-mb",
            "2",
            "--quota-mb",
            "5",
            "--types",
            "application/pdf,image/*",
        ],
    )?;
    assert!(shown.contains("largest file: 2 MB\n"), "{shown}");
    assert!(shown.contains("types: application/pdf, image/*"), "{shown}");

    let server = Server::start(storage, &[])?;
    let api = Api {
        base: server.url(),
        http: Client::new(),
    };
    let sara = api.login("aarhus").await;
    let youth = api.join(&api.invite(&sara, None).await.server_part).await;
    let thread = api
        .thread(&sara, ThreadKind::Youth, vec![youth.user.clone()])
        .await;
    let odense = api.login("odense").await;
    let o_youth = api.join(&api.invite(&odense, None).await.server_part).await;
    let o_thread = api
        .thread(&odense, ThreadKind::Youth, vec![o_youth.user.clone()])
        .await;

    let policy_of = |who: &Actor| {
        let token = who.token.clone();
        let api = &api;
        async move {
            let (s, v) = api
                .call(Method::GET, "/v1/blobs/policy", Some(&token), None)
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            serde_json::from_value::<BlobPolicy>(v)
        }
    };
    let aarhus = policy_of(&sara).await?;
    assert_eq!(
        (
            aarhus.max_file_bytes,
            aarhus.free_bytes,
            aarhus.allowed_types.clone()
        ),
        (
            2_000_000,
            5_000_000,
            Some(vec!["application/pdf".to_owned(), "image/*".to_owned()])
        )
    );
    let other = policy_of(&odense).await?;
    assert_eq!(
        (other.max_file_bytes, other.allowed_types),
        (100_000_000, None),
        "another municipality keeps the server's settings"
    );

    // A new upload of `size` bytes by `who` in `thread`.
    let begin = |who: &Actor, thread: &samtale_proto::ThreadId, size: u64| {
        let (token, body) = (
            who.token.clone(),
            create(&id(BlobId::from_parts), thread, size),
        );
        let api = &api;
        async move { api.post("/v1/blobs", Some(&token), &body).await }
    };
    // Over Aarhus' own size: refused there, taken in Odense.
    let too_big = 2_100_000;
    let (s, v) = begin(&sara, &thread, too_big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    assert!(v.to_string().contains("at most 2 MB"), "{v}");
    let (s, v) = begin(&odense, &o_thread, too_big).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Aarhus' own storage: two files of 1.9 MB fit in 5 MB, a third does not.
    for expected in [
        StatusCode::CREATED,
        StatusCode::CREATED,
        StatusCode::INSUFFICIENT_STORAGE,
    ] {
        let (s, v) = begin(&sara, &thread, 1_900_000).await;
        assert_eq!(s, expected, "{v}");
    }
    assert_eq!(policy_of(&sara).await?.free_bytes, 1_200_000);
    Ok(())
}
