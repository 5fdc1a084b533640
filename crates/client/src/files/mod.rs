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

mod pipe;
pub mod sniff;
pub(crate) mod store;
pub mod strip;
mod transfer;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use samtale_crypto::file::{FileKey, FileWriter};
use samtale_proto::blobs::{
    FileRef, MAX_BLOBS_PER_MESSAGE, MAX_THUMBNAIL_BYTES, MAX_THUMBNAILS, check_file_name,
    type_allowed,
};
use samtale_proto::{B64, BlobId, EnvelopeId, MessagePayload, PayloadKind, ThreadId};

use crate::engine::{Client, fresh};
use crate::error::ClientError;
use crate::outbound::{Audience, queue_shown, seal};
use crate::views::{ClientEvent, MessageView};
use sniff::Sniffed;

pub use samtale_ipc::files::{FileState, FileView};
use transfer::Early;
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

/// The municipality's file rules as the server gave them (`BlobPolicy`).
struct Rules {
    max: u64,
    types: Option<Vec<String>>,
}

/// A file's ciphertext being written, with how much of it is in the file so far.
struct Progress {
    file: std::fs::File,
    written: tokio::sync::watch::Sender<u64>,
    count: u64,
}

impl Write for Progress {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.count += n as u64;
        self.written.send_replace(self.count);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Checks, cleans and encrypts one file into `dir` (blocking I/O: run off the async threads).
/// A file whose encrypted size is known before it is written is announced on `early`, for its
/// upload to run beside the encryption.
fn prepare(
    input: &FileInput,
    dir: &Path,
    rules: &Rules,
    early: Option<&tokio::sync::mpsc::UnboundedSender<Early>>,
) -> Result<Prepared, ClientError> {
    let name = input.name()?;
    let max = rules.max;
    let (mut reader, len) = input.open()?;
    if len > max {
        return Err(ClientError::FileRefused(format!(
            "{name} is {} MB; files may be at most {} MB",
            len.div_ceil(1_000_000),
            max / 1_000_000
        )));
    }
    let mut head = vec![0u8; sniff::HEAD];
    let got = read_up_to(&mut reader, &mut head)?;
    head.truncate(got);
    let mime = match sniff::sniff(&head) {
        Sniffed::Program(what) => {
            return Err(ClientError::FileRefused(format!(
                "{name} is {what}; programs cannot be sent in Samtale"
            )));
        }
        Sniffed::Known(mime) => mime,
    };
    if !type_allowed(rules.types.as_deref(), mime) {
        return Err(ClientError::FileRefused(format!(
            "{name} is {mime}; the municipality takes only these types of file: {}",
            rules.types.as_deref().unwrap_or_default().join(", ")
        )));
    }
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
    let (written, watching) = tokio::sync::watch::channel(0u64);
    // age writes piece by piece (64 KiB and its tag), so no buffer is needed to write well,
    // and what is counted is in the file for an early upload to read.
    let out = Progress {
        file: std::fs::File::create(&path)?,
        written,
        count: 0,
    };
    let result = (|| {
        let mut writer = FileWriter::new(out)?;
        // A file whose length the cleaning keeps has a size known now: its upload can begin at once.
        let predicted = (!strip::changes_length(mime)).then(|| writer.size_for(len));
        if let (Some(size), Some(tx)) = (predicted, early) {
            let _ = tx.send(Early {
                blob: blob.clone(),
                size,
                path: path.clone(),
                written: watching,
            });
        }
        let whole = std::io::Cursor::new(head).chain(reader);
        strip::strip(mime, whole, &mut writer).map_err(|e| {
            ClientError::Invalid(format!("{name} could not be read as {mime}: {e}"))
        })?;
        let size = writer.plain_size();
        let done = writer.finish()?;
        if predicted.is_some_and(|p| p != done.size) {
            return Err(ClientError::Invalid(format!(
                "{name} changed while it was being read; send it again"
            )));
        }
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
        // Offline, the server's default size applies and the types are not narrowed: the
        // server checks the size again, and cannot see types (it gets only ciphertext).
        let rules = match s.api.blob_policy().await {
            Ok(p) => Rules {
                max: p.max_file_bytes,
                types: p.allowed_types,
            },
            Err(e) if e.is_retryable() => Rules {
                max: DEFAULT_MAX_FILE,
                types: None,
            },
            Err(e) => return Err(e),
        };
        let dir = files_dir(&self.profile);
        let (early, starts) = tokio::sync::mpsc::unbounded_channel();
        let preparing = tokio::task::spawn_blocking(move || {
            let mut done: Vec<Prepared> = Vec::new();
            for f in &files {
                match prepare(f, &dir, &rules, Some(&early)) {
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
        });
        // The upload of each file runs while it is encrypted; what it does not finish, the
        // outbox's uploader finishes from where the server stands.
        let (begun, prepared) = tokio::join!(self.upload_early(&s, thread, starts), preparing);
        let prepared = match prepared
            .map_err(|e| ClientError::Protocol(format!("preparing the files failed: {e}")))
            .and_then(|r| r)
        {
            Ok(p) => p,
            Err(e) => {
                // Nothing is sent: what went up early goes too (else the server's sweep).
                for b in &begun {
                    let _ = s.api.cancel_blob(b).await;
                }
                return Err(e);
            }
        };
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
    /// variant of it; refuses programs. Returns the copy's path. The copy is decrypted while
    /// the download runs and given its name only when the ciphertext matched its hash and
    /// every piece decrypted.
    pub async fn save_attachment(&self, blob: &BlobId, dir: &Path) -> Result<PathBuf, ClientError> {
        let s = self.session()?;
        let row = store::get(&self.db(), blob)?.ok_or(ClientError::NotFound("file"))?;
        let key = FileKey::parse(&row.key)?;
        let name = row.view.name.clone();
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{blob}.samtale-part"));
        let (tee, incoming) = pipe::pipe();
        let decrypting = {
            let (tmp, name) = (tmp.clone(), name.clone());
            tokio::task::spawn_blocking(move || decrypt_to(incoming, &key, &tmp, &name))
        };
        let fetched = self.download_teed(&s, blob, Some(tee)).await;
        let decrypted = decrypting
            .await
            .map_err(|e| ClientError::Protocol(format!("saving the file failed: {e}")));
        let result = match (fetched, decrypted) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) | (Ok(_), Ok(Err(e))) => Err(e),
            (Ok(_), Ok(Ok(()))) => {
                let dir = dir.to_owned();
                let tmp = tmp.clone();
                tokio::task::spawn_blocking(move || {
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
                })
                .await
                .unwrap_or_else(|e| {
                    Err(ClientError::Protocol(format!(
                        "saving the file failed: {e}"
                    )))
                })
            }
        };
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
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

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let n = input.read(&mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

/// Decrypts what `input` yields with `key` into a new file `tmp` (blocking).
fn decrypt_to(input: impl Read, key: &FileKey, tmp: &Path, name: &str) -> Result<(), ClientError> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(tmp)?);
    samtale_crypto::file::decrypt_file(input, key, &mut out)
        .map_err(|_| ClientError::FileDamaged(name.to_owned()))?;
    out.flush()?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's list of types only narrows: a program is refused even where the server
    /// (lying, or set up wrong) says every type is taken.
    #[test]
    fn programs_are_refused_whatever_the_server_allows() {
        let dir = tempfile::tempdir().expect("dir");
        let input = FileInput {
            source: FileSource::Bytes(b"\x7fELF\x02\x01\x01\0 not a photo".to_vec()),
            name: Some("ferie.jpg".into()),
            thumbnail: None,
        };
        let everything = Rules {
            max: DEFAULT_MAX_FILE,
            types: Some(vec![
                "application/*".into(),
                "image/*".into(),
                "text/*".into(),
            ]),
        };
        let err = prepare(&input, dir.path(), &everything, None).err();
        assert!(
            matches!(err, Some(ClientError::FileRefused(ref m)) if m.contains("program")),
            "{err:?}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path())
                .map(|d| d.count())
                .unwrap_or(0),
            0
        );
        // A list that names the type lets a real PDF through; one that does not, refuses it.
        let pdf = FileInput {
            source: FileSource::Bytes(b"%PDF-1.4\nplan\n%%EOF\n".to_vec()),
            name: Some("plan.pdf".into()),
            thumbnail: None,
        };
        assert!(prepare(&pdf, dir.path(), &everything, None).is_ok());
        let images = Rules {
            max: DEFAULT_MAX_FILE,
            types: Some(vec!["image/*".into()]),
        };
        assert!(matches!(
            prepare(&pdf, dir.path(), &images, None),
            Err(ClientError::FileRefused(_))
        ));
    }
}
