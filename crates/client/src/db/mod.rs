//! The local store: one SQLCipher database per profile, opened with a 256-bit key the embedder
//! supplies (the app keeps it in the OS key store). Plaintext exists on the device only here.
//!
//! Migrations are numbered files applied in order, each in its own transaction together with
//! the `user_version` bump, so a crash leaves the database at a whole version.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::error::ClientError;

/// Migrations in order; index + 1 is the schema version it produces. Never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("v1.sql"),
    include_str!("v2.sql"),
    include_str!("v3.sql"),
    include_str!("v4.sql"),
    include_str!("v5.sql"),
    include_str!("v6.sql"),
    include_str!("v7.sql"),
    include_str!("v8.sql"),
];

/// Opens (creating if needed) the encrypted database and brings it to the newest schema.
pub fn open(path: &Path, key: &[u8; 32]) -> Result<Connection, ClientError> {
    open_with(path, key, MIGRATIONS)
}

fn open_with(path: &Path, key: &[u8; 32], migrations: &[&str]) -> Result<Connection, ClientError> {
    let conn = Connection::open(path)?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))?;
    // The first read is where SQLCipher finds out whether the key fits.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(ClientError::WrongKey);
        }
        Err(e) => return Err(e.into()),
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )?;
    migrate(&conn, migrations)?;
    Ok(conn)
}

/// Applies the migrations the database has not seen, each in one transaction.
pub fn migrate(conn: &Connection, migrations: &[&str]) -> Result<(), ClientError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let current = usize::try_from(current).unwrap_or(0);
    if current > migrations.len() {
        return Err(ClientError::TooNew {
            found: current,
            supported: migrations.len(),
        });
    }
    for (i, sql) in migrations.iter().enumerate().skip(current) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(())
}

pub fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>, ClientError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), ClientError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> [u8; 32] {
        [b; 32]
    }

    #[test]
    fn wrong_key_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = open(&path, &key(1)).unwrap();
        set_meta(&conn, "x", "hemmelig").unwrap();
        drop(conn);
        assert!(matches!(open(&path, &key(2)), Err(ClientError::WrongKey)));
        let conn = open(&path, &key(1)).unwrap();
        assert_eq!(get_meta(&conn, "x").unwrap().as_deref(), Some("hemmelig"));
    }

    #[test]
    fn file_holds_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = open(&path, &key(3)).unwrap();
        set_meta(&conn, "secret", "rødgrød med fløde").unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        drop(conn);
        let bytes = std::fs::read(&path).unwrap();
        let needle = "rødgrød".as_bytes();
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        assert!(!bytes.starts_with(b"SQLite format 3"));
    }

    /// A database of the first release (version 1 with data) upgrades through every later
    /// migration and keeps its data; a database newer than the code is refused, not damaged.
    #[test]
    fn migrates_forward_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = open_with(&path, &key(4), &MIGRATIONS[..1]).unwrap();
        set_meta(&conn, "cursor", "41").unwrap();
        conn.execute(
            "INSERT INTO invitations (id, role, display_name, code, code_secret, qr_secret, qr_payload, expires_at, created_at)
             VALUES ('i1', 'parent', 'Hanne', 'c', 's', x'00', 'q', 0, 0)",
            [],
        )
        .unwrap();
        drop(conn);
        let conn = open(&path, &key(4)).unwrap();
        assert_eq!(get_meta(&conn, "cursor").unwrap().as_deref(), Some("41"));
        let (name, youth): (String, Option<String>) = conn
            .query_row(
                "SELECT display_name, youth FROM invitations WHERE id = 'i1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((name.as_str(), youth), ("Hanne", None));

        let n = MIGRATIONS.len();
        let next = "ALTER TABLE meta ADD COLUMN note TEXT; UPDATE meta SET note = 'migrated';";
        let newer: Vec<&str> = MIGRATIONS.iter().copied().chain([next]).collect();
        migrate(&conn, &newer).unwrap();
        let note: String = conn
            .query_row("SELECT note FROM meta WHERE key = 'cursor'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(note, "migrated");
        assert!(matches!(
            migrate(&conn, MIGRATIONS),
            Err(ClientError::TooNew { found, supported }) if found == n + 1 && supported == n
        ));
        // A failing migration leaves the version where it was.
        let bad = "CREATE TABLE t (x); SELECT no_such_function();";
        let failing: Vec<&str> = newer.iter().copied().chain([bad]).collect();
        assert!(migrate(&conn, &failing).is_err());
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(usize::try_from(v).unwrap(), n + 1);
        assert!(
            conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
                .is_err()
        );
    }

    /// A v2 database's pinned devices become trusted first devices of chain 0 in v3, with each
    /// person's current chain held, so a second first device is refused after the upgrade
    /// exactly as before it.
    #[test]
    fn v3_holds_the_chain_of_devices_pinned_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = open_with(&path, &key(5), &MIGRATIONS[..2]).unwrap();
        conn.execute(
            "INSERT INTO devices (id, user_id, name, enc_key, sign_key, pinned_at, verified)
             VALUES ('d2', 'u1', 'ny', 'age1y', 'AAAA', 2, 0), ('d1', 'u1', 'gammel', 'age1x', 'AAAA', 1, 1)",
            [],
        )
        .unwrap();
        drop(conn);
        let conn = open(&path, &key(5)).unwrap();
        let held: (u32, Option<String>) = conn
            .query_row(
                "SELECT chain, root FROM chains WHERE user_id = 'u1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(held, (0, Some("d1".to_owned())));
        let states: Vec<(String, String, u32)> = conn
            .prepare("SELECT id, state, chain FROM devices ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            states,
            vec![
                ("d1".to_owned(), "trusted".to_owned(), 0),
                ("d2".to_owned(), "trusted".to_owned(), 0)
            ]
        );
    }
}
