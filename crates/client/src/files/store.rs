//! The `files` table: one row per file of a message, sent or received, with where it stands on
//! this device. Plain functions over a connection, called inside the engine's transactions.

use rusqlite::{Connection, OptionalExtension, Row, params};
use samtale_ipc::files::{FileState, FileView};
use samtale_proto::blobs::FileRef;
use samtale_proto::{B64, BlobId, EnvelopeId, ThreadId};

use crate::error::ClientError;

fn state_str(s: FileState) -> &'static str {
    match s {
        FileState::Uploading => "uploading",
        FileState::Uploaded => "uploaded",
        FileState::Remote => "remote",
        FileState::Downloading => "downloading",
        FileState::Local => "local",
        FileState::Failed => "failed",
    }
}

fn parse_state(s: &str) -> FileState {
    match s {
        "uploading" => FileState::Uploading,
        "uploaded" => FileState::Uploaded,
        "remote" => FileState::Remote,
        "downloading" => FileState::Downloading,
        "local" => FileState::Local,
        _ => FileState::Failed,
    }
}

/// A file row with what the engine needs beyond the view.
#[derive(Debug, Clone)]
pub(crate) struct FileRow {
    pub view: FileView,
    pub cipher_size: u64,
    pub sha256: [u8; 32],
    pub key: String,
    pub outgoing: bool,
    pub local_path: Option<String>,
}

const COLUMNS: &str = "blob_id, message_id, thread_id, name, mime, size, cipher_size, sha256, file_key, thumbnail, direction, state, done, local_path, error";

fn row(r: &Row<'_>) -> rusqlite::Result<(FileRowRaw, Option<String>)> {
    Ok((
        FileRowRaw {
            blob: r.get(0)?,
            message: r.get(1)?,
            thread: r.get(2)?,
            name: r.get(3)?,
            mime: r.get(4)?,
            size: r.get(5)?,
            cipher_size: r.get(6)?,
            sha256: r.get(7)?,
            key: r.get(8)?,
            thumbnail: r.get(9)?,
            direction: r.get(10)?,
            state: r.get(11)?,
            done: r.get(12)?,
            error: r.get(14)?,
        },
        r.get(13)?,
    ))
}

pub(crate) struct FileRowRaw {
    blob: String,
    message: String,
    thread: String,
    name: String,
    mime: String,
    size: i64,
    cipher_size: i64,
    sha256: Vec<u8>,
    key: String,
    thumbnail: Option<Vec<u8>>,
    direction: String,
    state: String,
    done: i64,
    error: Option<String>,
}

fn corrupt(what: &str) -> ClientError {
    ClientError::Protocol(format!("a stored file record is damaged ({what})"))
}

fn to_row((r, local_path): (FileRowRaw, Option<String>)) -> Result<FileRow, ClientError> {
    let cipher_size = u64::try_from(r.cipher_size).map_err(|_| corrupt("size"))?;
    Ok(FileRow {
        view: FileView {
            blob: BlobId::parse(&r.blob).map_err(|_| corrupt("id"))?,
            message: EnvelopeId::parse(&r.message).map_err(|_| corrupt("message"))?,
            thread: ThreadId::parse(&r.thread).map_err(|_| corrupt("thread"))?,
            name: r.name,
            mime: r.mime,
            size: u64::try_from(r.size).map_err(|_| corrupt("size"))?,
            state: parse_state(&r.state),
            done: u64::try_from(r.done).unwrap_or(0),
            total: cipher_size,
            thumbnail: r.thumbnail.map(B64),
            error: r.error,
        },
        cipher_size,
        sha256: r.sha256.try_into().map_err(|_| corrupt("hash"))?,
        key: r.key,
        outgoing: r.direction == "out",
        local_path,
    })
}

/// The files of a message with what the engine knows of each, in order.
pub(crate) fn rows_of_message(
    conn: &Connection,
    message: &str,
) -> Result<Vec<FileRow>, ClientError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM files WHERE message_id = ?1 ORDER BY position"
    ))?;
    let rows = stmt.query_map([message], row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(to_row(r?)?);
    }
    Ok(out)
}

/// The files of a message, in order.
pub(crate) fn of_message(conn: &Connection, message: &str) -> Result<Vec<FileView>, ClientError> {
    Ok(rows_of_message(conn, message)?
        .into_iter()
        .map(|r| r.view)
        .collect())
}

pub(crate) fn get(conn: &Connection, blob: &BlobId) -> Result<Option<FileRow>, ClientError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM files WHERE blob_id = ?1"),
        [blob.as_str()],
        row,
    )
    .optional()?
    .map(to_row)
    .transpose()
}

/// Records the files of a message (sent from here: `local_path` is each ciphertext).
pub(crate) fn insert(
    conn: &Connection,
    message: &EnvelopeId,
    thread: &ThreadId,
    files: &[FileRef],
    outgoing: Option<&[String]>,
) -> Result<(), ClientError> {
    for (i, f) in files.iter().enumerate() {
        let (direction, state, path) = match outgoing {
            Some(paths) => ("out", FileState::Uploading, paths.get(i).cloned()),
            None => ("in", FileState::Remote, None),
        };
        conn.execute(
            &format!("INSERT OR IGNORE INTO files ({COLUMNS}, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, NULL, ?14)"),
            params![
                f.blob.as_str(),
                message.as_str(),
                thread.as_str(),
                f.name,
                f.mime,
                i64::try_from(f.size).unwrap_or(i64::MAX),
                i64::try_from(f.cipher_size).unwrap_or(i64::MAX),
                f.sha256.0,
                f.key,
                f.thumbnail.as_ref().map(|t| t.0.clone()),
                direction,
                state_str(state),
                path,
                i64::try_from(i).unwrap_or(0),
            ],
        )?;
    }
    Ok(())
}

pub(crate) fn set_state(
    conn: &Connection,
    blob: &BlobId,
    state: FileState,
    done: u64,
    error: Option<&str>,
) -> Result<(), ClientError> {
    conn.execute(
        "UPDATE files SET state = ?2, done = ?3, error = ?4 WHERE blob_id = ?1",
        params![
            blob.as_str(),
            state_str(state),
            i64::try_from(done).unwrap_or(i64::MAX),
            error
        ],
    )?;
    Ok(())
}

pub(crate) fn set_local(conn: &Connection, blob: &BlobId, path: &str) -> Result<(), ClientError> {
    conn.execute(
        "UPDATE files SET state = 'local', done = cipher_size, error = NULL, local_path = ?2 WHERE blob_id = ?1",
        params![blob.as_str(), path],
    )?;
    Ok(())
}

/// Blob ids of a message's files.
pub(crate) fn blobs_of_message(
    conn: &Connection,
    message: &str,
) -> Result<Vec<BlobId>, ClientError> {
    let mut stmt =
        conn.prepare("SELECT blob_id FROM files WHERE message_id = ?1 ORDER BY position")?;
    let ids = stmt
        .query_map([message], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    ids.iter()
        .map(|s| BlobId::parse(s).map_err(|_| corrupt("id")))
        .collect()
}

/// Whether every file of an outbox message is up.
pub(crate) fn all_uploaded(conn: &Connection, message: &str) -> Result<bool, ClientError> {
    let waiting: i64 = conn.query_row(
        "SELECT count(*) FROM files WHERE message_id = ?1 AND state != 'uploaded'",
        [message],
        |r| r.get(0),
    )?;
    Ok(waiting == 0)
}
