//! Files in messages. A file is checked and encrypted on this device before anything leaves
//! it: its type is found from its content and programs are refused ([`sniff`]), photos lose
//! their metadata ([`strip`]), and the result is encrypted under a key of its own
//! (`samtale_crypto::file`) into the profile. The message that carries it names the file's
//! blob, key and hash inside the sealed payload; it waits in the outbox until its files are up
//! ([`transfer`]), so a file survives a dropped connection, a killed app or a server restart.
//!
//! A received file is fetched when it is opened, checked against its hash, and kept encrypted
//! in the profile; saving it writes a plain copy where the person chose, after checking again
//! that it is not a program.

pub mod sniff;
pub(crate) mod store;
pub mod strip;
mod transfer;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use samtale_crypto::file::{FileKey, FileWriter};
use samtale_proto::blobs::{
    FileRef, MAX_BLOBS_PER_MESSAGE, MAX_THUMBNAIL_BYTES, MAX_THUMBNAILS, check_file_name,
};
use samtale_proto::{B64, BlobId, EnvelopeId, MessagePayload, PayloadKind, ThreadId};

use crate::engine::{Client, fresh};
use crate::error::ClientError;
use crate::outbound::{Audience, queue_shown, seal};
use crate::views::{ClientEvent, MessageView};
use sniff::Sniffed;

pub use samtale_ipc::files::{FileState, FileView};
pub use transfer::files_dir;

/// Largest file when the server cannot be asked (offline): the server's own default.
const DEFAULT_MAX_FILE: u64 = 100 * 1000 * 1000;

/// A file to send.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// A file on this device.
    Path(PathBuf),
    /// Bytes held by the caller (a pasted image).
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct FileInput {
    pub source: FileSource,
    /// The name to show; for a path, its file name by default.
    pub name: Option<String>,
    /// A small picture of an image (JPEG or PNG, at most 6 KiB), drawn by the UI.
    pub thumbnail: Option<Vec<u8>>,
}

impl FileInput {
    pub fn path(path: impl Into<PathBuf>) -> FileInput {
        FileInput {
            source: FileSource::Path(path.into()),
            name: None,
            thumbnail: None,
        }
    }

    fn name(&self) -> Result<String, ClientError> {
        let name = match (&self.name, &self.source) {
            (Some(n), _) => n.trim().to_owned(),
            (None, FileSource::Path(p)) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            (None, FileSource::Bytes(_)) => "billede".to_owned(),
        };
        check_file_name(&name).map_err(ClientError::Invalid)?;
        Ok(name)
    }

    fn open(&self) -> Result<(Box<dyn Read + Send>, u64), ClientError> {
        match &self.source {
            FileSource::Path(p) => {
                let f = std::fs::File::open(p).map_err(|e| {
                    ClientError::Invalid(format!("cannot read {}: {e}", p.display()))
                })?;
                let len = f.metadata()?.len();
                Ok((Box::new(f), len))
            }
            FileSource::Bytes(b) => Ok((Box::new(std::io::Cursor::new(b.clone())), b.len() as u64)),
        }
    }
}

/// One file made ready: checked, cleaned and encrypted into the profile.
struct Prepared {
    reference: FileRef,
    path: PathBuf,
}

/// Checks, cleans and encrypts one file into `dir` (blocking I/O: run off the async threads).
fn prepare(input: &FileInput, dir: &Path, max: u64) -> Result<Prepared, ClientError> {
    let name = input.name()?;
    let (mut reader, len) = input.open()?;
    if len > max {
        return Err(ClientError::FileRefused(format!(
            "{name} is {} MB; files may be at most {} MB",
            len.div_ceil(1_000_000),
            max / 1_000_000
        )));
    }
    let mut head = vec![0u8; sniff::HEAD];
    let mut got = 0;
    while got < head.len() {
        let n = reader.read(&mut head[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    head.truncate(got);
    let mime = match sniff::sniff(&head) {
        Sniffed::Program(what) => {
            return Err(ClientError::FileRefused(format!(
                "{name} is {what}; programs cannot be sent in Samtale"
            )));
        }
        Sniffed::Known(mime) => mime,
    };
    let thumbnail = match &input.thumbnail {
        None => None,
        Some(t) if t.len() > MAX_THUMBNAIL_BYTES => {
            return Err(ClientError::Invalid(format!(
                "a thumbnail may be at most {MAX_THUMBNAIL_BYTES} bytes"
            )));
        }
        Some(t) => match sniff::sniff(t) {
            Sniffed::Known("image/jpeg" | "image/png") => Some(B64(t.clone())),
            _ => {
                return Err(ClientError::Invalid(
                    "a thumbnail must be a JPEG or PNG picture".into(),
                ));
            }
        },
    };
    let blob = fresh(BlobId::from_parts);
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{blob}.age"));
    let out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let result = (|| {
        let mut writer = FileWriter::new(out)?;
        let whole = std::io::Cursor::new(head).chain(reader);
        strip::strip(mime, whole, &mut writer).map_err(|e| {
            ClientError::Invalid(format!("{name} could not be read as {mime}: {e}"))
        })?;
        let size = writer.plain_size();
        let done = writer.finish()?;
        Ok::<_, ClientError>((size, done))
    })();
    let (size, done) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
    };
    Ok(Prepared {
        reference: FileRef {
            blob,
            name,
            mime: mime.to_owned(),
            size,
            cipher_size: done.size,
            sha256: B64(done.sha256.to_vec()),
            key: done.key.expose().to_owned(),
            thumbnail,
        },
        path,
    })
}

/// A name for a saved copy in `dir` that is not taken yet: `navn.pdf`, `navn (2).pdf`, …
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
        _ => (name.to_owned(), String::new()),
    };
    (2..)
        .map(|i| dir.join(format!("{stem} ({i}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

impl Client {
    /// Sends a message with files (and text, which may be empty). The files are checked,
    /// cleaned and encrypted now; the message shows as sending until they are all up.
    pub async fn send_files(
        &self,
        thread: &ThreadId,
        text: &str,
        files: Vec<FileInput>,
    ) -> Result<MessageView, ClientError> {
        let s = self.session()?;
        if files.is_empty() {
            return Err(ClientError::Invalid("choose at least one file".into()));
        }
        if files.len() > MAX_BLOBS_PER_MESSAGE {
            return Err(ClientError::Invalid(format!(
                "a message carries at most {MAX_BLOBS_PER_MESSAGE} files; send the rest in another message"
            )));
        }
        if !text.trim().is_empty() {
            crate::outbound::check_text(text)?;
        }
        if files.iter().filter(|f| f.thumbnail.is_some()).count() > MAX_THUMBNAILS {
            return Err(ClientError::Invalid(format!(
                "at most {MAX_THUMBNAILS} pictures of a message get a preview"
            )));
        }
        self.ensure_member(&s, thread).await?;
        let max = match s.api.blob_policy().await {
            Ok(p) => p.max_file_bytes,
            Err(e) if e.is_retryable() => DEFAULT_MAX_FILE,
            Err(e) => return Err(e),
        };
        let dir = files_dir(&self.profile);
        let prepared = tokio::task::spawn_blocking(move || {
            let mut done: Vec<Prepared> = Vec::new();
            for f in &files {
                match prepare(f, &dir, max) {
                    Ok(p) => done.push(p),
                    Err(e) => {
                        for p in &done {
                            let _ = std::fs::remove_file(&p.path);
                        }
                        return Err(e);
                    }
                }
            }
            Ok(done)
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("preparing the files failed: {e}")))??;
        let id = {
            let db = self.db();
            let payload = MessagePayload {
                v: 1,
                text: text.trim().to_owned(),
                care: None,
                files: prepared.iter().map(|p| p.reference.clone()).collect(),
            };
            let sealed = seal(
                &db,
                &s,
                thread,
                PayloadKind::Message,
                &payload,
                Audience::Everyone,
                self.clock_ms(),
            )?;
            let blobs: Vec<&str> = prepared.iter().map(|p| p.reference.blob.as_str()).collect();
            let paths: Vec<String> = prepared
                .iter()
                .map(|p| p.path.to_string_lossy().into_owned())
                .collect();
            let tx = db.unchecked_transaction()?;
            queue_shown(&tx, &s, thread, &sealed, "message", text.trim())?;
            tx.execute(
                "UPDATE outbox SET blobs = ?2 WHERE envelope_id = ?1",
                [sealed.id.as_str(), &blobs.join(",")],
            )?;
            store::insert(&tx, &sealed.id, thread, &payload.files, Some(&paths))?;
            tx.commit()?;
            sealed.id
        };
        self.emit(ClientEvent::ThreadsChanged {
            threads: vec![thread.clone()],
        });
        // Best effort now; the outbox keeps it, and the next sync goes on where this stopped.
        if let Err(e) = self.upload_pending().await {
            tracing::info!(error = %e, "files wait to be uploaded");
        }
        self.message(&id)
    }

    /// A file of a message in this profile.
    pub fn file(&self, blob: &BlobId) -> Result<FileView, ClientError> {
        store::get(&self.db(), blob)?
            .map(|r| r.view)
            .ok_or(ClientError::NotFound("file"))
    }

    /// Fetches a received file (checked against its hash, kept encrypted here).
    pub async fn fetch_file(&self, blob: &BlobId) -> Result<FileView, ClientError> {
        let s = self.session()?;
        self.download(&s, blob).await?;
        self.file(blob)
    }

    /// Writes a plain copy of a file into `dir` (fetching it first), under its name or a free
    /// variant of it; refuses programs. Returns the copy's path.
    pub async fn save_attachment(&self, blob: &BlobId, dir: &Path) -> Result<PathBuf, ClientError> {
        let s = self.session()?;
        let cipher = self.download(&s, blob).await?;
        let row = store::get(&self.db(), blob)?.ok_or(ClientError::NotFound("file"))?;
        let key = FileKey::parse(&row.key)?;
        let name = row.view.name.clone();
        let dir = dir.to_owned();
        let blob = blob.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".{blob}.samtale-part"));
            let result = (|| {
                let out = std::fs::File::create(&tmp)?;
                let mut out = std::io::BufWriter::new(out);
                samtale_crypto::file::decrypt_file(std::fs::File::open(&cipher)?, &key, &mut out)
                    .map_err(|_| ClientError::FileDamaged(name.clone()))?;
                out.flush()?;
                drop(out);
                let mut head = vec![0u8; sniff::HEAD];
                let n = std::fs::File::open(&tmp)?.read(&mut head)?;
                if let Sniffed::Program(what) = sniff::sniff(&head[..n]) {
                    return Err(ClientError::FileRefused(format!(
                        "{name} is {what}; programs are not opened from Samtale"
                    )));
                }
                let target = free_name(&dir, &name);
                std::fs::rename(&tmp, &target)?;
                Ok(target)
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result
        })
        .await
        .map_err(|e| ClientError::Protocol(format!("saving the file failed: {e}")))?
    }

    /// Stops sending a message whose files are still going up: the message, its files here and
    /// what reached the server are removed. A message already sent cannot be taken back.
    pub async fn cancel_sending(&self, message: &EnvelopeId) -> Result<(), ClientError> {
        let s = self.session()?;
        let (blobs, paths, thread) = {
            let db = self.db();
            let queued: Option<String> = rusqlite::OptionalExtension::optional(db.query_row(
                "SELECT m.thread_id FROM outbox o JOIN messages m ON m.id = o.envelope_id WHERE o.envelope_id = ?1",
                [message.as_str()],
                |r| r.get(0),
            ))?;
            let Some(thread) = queued else {
                return Err(ClientError::Invalid(
                    "this message has been sent already and cannot be stopped".into(),
                ));
            };
            let blobs = store::blobs_of_message(&db, message.as_str())?;
            let mut paths = Vec::new();
            for b in &blobs {
                if let Some(p) = store::get(&db, b)?.and_then(|r| r.local_path) {
                    paths.push(p);
                }
            }
            let tx = db.unchecked_transaction()?;
            tx.execute(
                "DELETE FROM outbox WHERE envelope_id = ?1",
                [message.as_str()],
            )?;
            tx.execute(
                "DELETE FROM files WHERE message_id = ?1",
                [message.as_str()],
            )?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [message.as_str()])?;
            tx.commit()?;
            (blobs, paths, thread)
        };
        for p in paths {
            let _ = std::fs::remove_file(p);
        }
        // What reached the server goes too (or the server's sweep takes it within a day).
        for b in &blobs {
            match s.api.cancel_blob(b).await {
                Ok(()) => {}
                Err(e) => {
                    tracing::info!(error = %e, blob = %b, "a cancelled upload is left to the server's sweep")
                }
            }
        }
        if let Ok(t) = ThreadId::parse(&thread) {
            self.emit(ClientEvent::ThreadsChanged { threads: vec![t] });
        }
        Ok(())
    }
}

/// The files of a received message, as this device will keep them: each reference checked
/// (name, sizes, hash, key); one that fails is left out with a warning.
pub(crate) fn received(files: &[FileRef]) -> Vec<FileRef> {
    files
        .iter()
        .filter(|f| {
            let ok = f.check().is_ok() && FileKey::parse(&f.key).is_ok();
            if !ok {
                tracing::warn!(blob = %f.blob, "a file reference in a message is malformed; left out");
            }
            ok
        })
        .cloned()
        .collect()
}
