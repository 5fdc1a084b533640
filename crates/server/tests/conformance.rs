//! Runs the one storage conformance suite (`store::conformance`) against both backends, plus the
//! backend-specific check that the audit log refuses raw UPDATE and DELETE.
//!
//! The PostgreSQL tests need a server: `SAMTALE_TEST_PG` names an admin connection (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each test creates its own database
//! `samtale_test_<random>` and drops it afterwards, also when the test fails. An unreachable
//! server fails the tests; it never skips them (CI installs and starts PostgreSQL).

use std::future::Future;
use std::panic::{AssertUnwindSafe, resume_unwind};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::FutureExt;
use rand_core::{OsRng, RngCore};
use samtale_proto::{TenantId, UserId};
use samtale_server::store::postgres::PgStore;
use samtale_server::store::sqlite::SqliteStore;
use samtale_server::store::{AuditEntry, Store, conformance};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn entry(n: u8) -> AuditEntry {
    AuditEntry {
        tenant: TenantId::from_parts(now_ms(), [n; 10]),
        at_ms: 1_700_000_000_000,
        actor: Some(UserId::from_parts(now_ms(), [n; 10])),
        action: "test.audit".into(),
        subject: "subject".into(),
    }
}

fn open_sqlite(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir.join("samtale.db")).expect("open the SQLite store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_conforms() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open_sqlite(dir.path());
    store.migrate().await.expect("migrate");
    conformance::run_all(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_audit_is_append_only() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = open_sqlite(dir.path());
    store.migrate().await.expect("migrate");
    let e = entry(1);
    store.audit(&e).await.expect("audit");

    let raw =
        rusqlite::Connection::open(dir.path().join("samtale.db")).expect("open raw connection");
    let update = raw.execute("UPDATE audit SET action = 'rewritten'", []);
    assert!(
        update.is_err(),
        "UPDATE on the audit log succeeded: {update:?}"
    );
    let delete = raw.execute("DELETE FROM audit", []);
    assert!(
        delete.is_err(),
        "DELETE on the audit log succeeded: {delete:?}"
    );
    assert_eq!(
        store.audit_log(&e.tenant, 10).await.expect("audit log"),
        vec![e]
    );
}

// ---- PostgreSQL --------------------------------------------------------------------------------

fn admin_url() -> String {
    std::env::var("SAMTALE_TEST_PG").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// The admin url with its database replaced by `db` (url form or `key=value` form).
fn with_database(url: &str, db: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return format!("{url} dbname={db}");
    };
    let rest = &url[scheme_end + 3..];
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{}{authority}/{db}{query}", &url[..scheme_end + 3])
}

async fn admin_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = match tokio_postgres::connect(url, tokio_postgres::NoTls).await {
        Ok(pair) => pair,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {url}: {e} ({:?}).\n\
             These tests need a running PostgreSQL server; start one, or set SAMTALE_TEST_PG to an \
             admin connection url (CI installs and starts PostgreSQL).",
            std::error::Error::source(&e).map(ToString::to_string)
        ),
    };
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// Creates a fresh database, runs `test` with its url, and drops the database whatever happens.
async fn with_test_database<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let admin_url = admin_url();
    let admin = admin_client(&admin_url).await;
    let name = format!("samtale_test_{:016x}", OsRng.next_u64());
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("create test database {name}: {e} ({:?})", e.as_db_error()));

    let outcome = AssertUnwindSafe(test(with_database(&admin_url, &name)))
        .catch_unwind()
        .await;

    let dropped = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    if let Err(panic) = outcome {
        resume_unwind(panic);
    }
    if let Err(e) = dropped {
        panic!("drop test database {name}: {e} ({:?})", e.as_db_error());
    }
}

async fn connect_pg(url: &str) -> PgStore {
    match PgStore::connect(url, 8).await {
        Ok(store) => store,
        Err(e) => panic!("connect PgStore to the test database: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_conforms() {
    with_test_database(|url| async move {
        let store = connect_pg(&url).await;
        store.migrate().await.expect("migrate");
        conformance::run_all(&store).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_audit_is_append_only() {
    with_test_database(|url| async move {
        let store = connect_pg(&url).await;
        store.migrate().await.expect("migrate");
        let e = entry(2);
        store.audit(&e).await.expect("audit");

        let raw = admin_client(&url).await;
        for sql in [
            "UPDATE audit SET action = 'rewritten'",
            "DELETE FROM audit",
            "TRUNCATE audit",
        ] {
            let result = raw.batch_execute(sql).await;
            let refused = result
                .as_ref()
                .err()
                .and_then(|e| e.as_db_error())
                .map(|db| db.message().to_owned());
            assert!(
                refused
                    .as_deref()
                    .is_some_and(|m| m.contains("append-only")),
                "{sql} on the audit log was not refused by the trigger: {result:?}"
            );
        }
        assert_eq!(
            store.audit_log(&e.tenant, 10).await.expect("audit log"),
            vec![e]
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connect_failure_is_an_error() {
    // Port 1 on localhost refuses at once; the error must not echo the password.
    let result = PgStore::connect("postgres://someone:secret-pw@127.0.0.1:1/none", 2).await;
    match result {
        Ok(_) => panic!("connected to a closed port"),
        Err(e) => assert!(
            !e.to_string().contains("secret-pw"),
            "error leaks the password: {e}"
        ),
    }
    assert!(PgStore::connect("not a url at all ://", 2).await.is_err());
}

#[test]
fn test_database_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u:p@h", "t1"),
        "postgres://u:p@h/t1"
    );
    assert_eq!(
        with_database("postgresql://h/db?sslmode=disable", "t1"),
        "postgresql://h/t1?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h?x=1", "t1"),
        "postgres://h/t1?x=1"
    );
    assert_eq!(
        with_database("host=/tmp user=postgres", "t1"),
        "host=/tmp user=postgres dbname=t1"
    );
}
