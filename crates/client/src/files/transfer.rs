//! Moving files' ciphertext: the blob routes of the server (`samtale_proto::blobs`), and the
//! upload and download loops around them. Both resume: an upload asks the server how many
//! chunks it has and goes on from there; a download keeps what it has in a `.part` file and
//! goes on from its last whole chunk. Each chunk is one request of at most the server's chunk
//! size (2 MiB by default), read from or appended to disk, so memory stays flat.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use reqwest::Method;
use samtale_ipc::files::FileState;
use samtale_proto::BlobId;
use samtale_proto::blobs::{BlobPolicy, BlobStatus, CHUNK_SHA256_HEADER, CreateBlob, chunk_len};
use sha2::{Digest, Sha256};

use super::pipe::Tee;
use super::store;
use crate::api::Api;
use crate::engine::{Client, Session};
use crate::error::ClientError;
use crate::views::ClientEvent;

/// Largest chunk this client takes from a server's word: a lying server must not make it
/// allocate more than this per request.
const MAX_CHUNK: u32 = 16 << 20;

fn checked(status: BlobStatus) -> Result<BlobStatus, ClientError> {
    if status.chunk_size == 0 || status.chunk_size > MAX_CHUNK {
        return Err(ClientError::Protocol(format!(
            "the server asks for chunks of {} bytes; this app takes at most {MAX_CHUNK}",
            status.chunk_size
        )));
    }
    Ok(status)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Api {
    pub(crate) async fn blob_policy(&self) -> Result<BlobPolicy, ClientError> {
        self.send(self.request(Method::GET, "/v1/blobs/policy"))
            .await
    }
    pub(crate) async fn create_blob(&self, req: &CreateBlob) -> Result<BlobStatus, ClientError> {
        self.send(self.request(Method::POST, "/v1/blobs").json(req))
            .await
    }
    pub(crate) async fn blob_status(&self, id: &BlobId) -> Result<BlobStatus, ClientError> {
        self.send(self.request(Method::GET, &format!("/v1/blobs/{id}")))
            .await
    }
    /// Uploads chunk `index`; `digest` is its SHA-256 in hex.
    pub(crate) async fn put_chunk(
        &self,
        id: &BlobId,
        index: u32,
        bytes: Vec<u8>,
        digest: String,
    ) -> Result<BlobStatus, ClientError> {
        self.send(
            self.request(Method::PUT, &format!("/v1/blobs/{id}/chunks/{index}"))
                .header(CHUNK_SHA256_HEADER, digest)
                // Two chunks share the uplink: 2 MiB each at 0.5 Mbit/s is about a minute.
                .timeout(CHUNK_TIMEOUT)
                .body(bytes),
        )
        .await
    }
    /// Chunk `index`, read only up to `max` bytes (more is an error, not an allocation).
    pub(crate) async fn get_chunk(
        &self,
        id: &BlobId,
        index: u32,
        max: u64,
    ) -> Result<Vec<u8>, ClientError> {
        self.send_for_bytes(
            self.request(Method::GET, &format!("/v1/blobs/{id}/chunks/{index}")),
            max,
        )
        .await
    }
    pub(crate) async fn cancel_blob(&self, id: &BlobId) -> Result<(), ClientError> {
        self.send(self.request(Method::DELETE, &format!("/v1/blobs/{id}")))
            .await
    }
}

/// Where a profile keeps files' ciphertext.
pub fn files_dir(profile: &Path) -> PathBuf {
    profile.join("files")
}

/// A file whose encryption has begun and whose encrypted size is already known, so that its
/// upload can run beside the encryption.
pub(super) struct Early {
    pub blob: BlobId,
    pub size: u64,
    pub path: PathBuf,
    /// How many bytes of the ciphertext are in the file; closed when the writer stops.
    pub written: tokio::sync::watch::Receiver<u64>,
}

impl Client {
    /// Uploads each announced file's chunks as soon as the encryption has written them.
    /// Best effort: at the first trouble it stops and leaves the rest to the outbox's uploader
    /// (which asks the server where it stands). Returns the blobs begun on the server.
    pub(super) async fn upload_early(
        &self,
        s: &Session,
        thread: &samtale_proto::ThreadId,
        mut starts: tokio::sync::mpsc::UnboundedReceiver<Early>,
    ) -> Vec<BlobId> {
        let mut begun = Vec::new();
        while let Some(early) = starts.recv().await {
            let req = CreateBlob {
                id: early.blob.clone(),
                thread: thread.clone(),
                size: early.size,
            };
            let status = match s.api.create_blob(&req).await.and_then(checked) {
                Ok(st) => st,
                Err(e) => {
                    tracing::info!(error = %e, "a file's upload waits for its encryption to end");
                    break;
                }
            };
            begun.push(early.blob.clone());
            let sent = put_chunks(
                s,
                &early.blob,
                &early.path,
                status,
                Some(early.written),
                |_| Ok(()),
            )
            .await;
            if let Err(e) = sent {
                tracing::info!(error = %e, "a file's upload waits for its encryption to end");
                break;
            }
        }
        // Let the encryption finish (its announcements go nowhere now).
        while starts.recv().await.is_some() {}
        begun
    }

    /// Uploads the files of every message in the outbox, oldest first, then pushes what became
    /// ready. One uploader at a time: a second call while one runs returns at once. A file the
    /// server refuses for good (too big, no longer a member) fails its message, as a refused
    /// message would; network trouble stops here, to go on at the next call where it stopped.
    pub(crate) async fn upload_pending(&self) -> Result<(), ClientError> {
        let Ok(guard) = self.uploads.try_lock() else {
            return Ok(());
        };
        let s = self.session()?;
        let waiting: Vec<(String, String)> = {
            let db = self.db();
            let mut stmt = db.prepare(
                "SELECT envelope_id, blobs FROM outbox WHERE parked = 0 AND blobs IS NOT NULL ORDER BY created_at, envelope_id",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        for (message, blobs) in waiting {
            match self.upload_files(&s, &blobs).await {
                Ok(()) => {}
                Err(e) if e.is_retryable() || e.is_unauthorized() => return Err(e),
                Err(e) => self.fail_message(&message, &e)?,
            }
        }
        drop(guard);
        self.push_due().await
    }

    /// Marks an outbox message failed for good with `e` (kept for the person to retry).
    fn fail_message(&self, message: &str, e: &ClientError) -> Result<(), ClientError> {
        let thread: Option<String> = {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            tx.execute(
                "UPDATE outbox SET parked = 1, last_error = ?2 WHERE envelope_id = ?1",
                rusqlite::params![message, e.to_string()],
            )?;
            tx.execute(
                "UPDATE messages SET state = 'failed', error = ?2 WHERE id = ?1",
                rusqlite::params![message, e.to_string()],
            )?;
            let thread = rusqlite::OptionalExtension::optional(tx.query_row(
                "SELECT thread_id FROM messages WHERE id = ?1",
                [message],
                |r| r.get(0),
            ))?;
            tx.commit()?;
            thread
        };
        if let Some(t) = thread.and_then(|t| samtale_proto::ThreadId::parse(&t).ok()) {
            self.emit(ClientEvent::ThreadsChanged { threads: vec![t] });
        }
        Ok(())
    }

    /// Uploads every file of `list` (comma-separated blob ids) that is not up yet.
    pub(crate) async fn upload_files(&self, s: &Session, list: &str) -> Result<(), ClientError> {
        for part in list.split(',').filter(|p| !p.is_empty()) {
            let blob = BlobId::parse(part).map_err(|e| ClientError::Protocol(e.to_string()))?;
            self.upload_one(s, &blob).await?;
        }
        Ok(())
    }

    async fn upload_one(&self, s: &Session, blob: &BlobId) -> Result<(), ClientError> {
        let row = store::get(&self.db(), blob)?.ok_or(ClientError::NotFound("file"))?;
        if row.view.state == FileState::Uploaded {
            return Ok(());
        }
        let path = row
            .local_path
            .clone()
            .ok_or(ClientError::NotFound("the file's encrypted copy"))?;
        // Begun or resumed: the server says how many chunks it has.
        let status = checked(
            s.api
                .create_blob(&CreateBlob {
                    id: blob.clone(),
                    thread: row.view.thread.clone(),
                    size: row.cipher_size,
                })
                .await?,
        )?;
        let status = put_chunks(s, blob, Path::new(&path), status, None, |status| {
            let done = (u64::from(status.received) * u64::from(status.chunk_size)).min(status.size);
            store::set_state(&self.db(), blob, FileState::Uploading, done, None)?;
            self.emit(ClientEvent::Transfer {
                thread: row.view.thread.clone(),
                blob: blob.clone(),
                done,
                total: status.size,
            });
            Ok(())
        })
        .await?;
        if !status.complete {
            return Err(ClientError::Protocol(
                "the server did not finish a file it had every chunk of".into(),
            ));
        }
        store::set_state(&self.db(), blob, FileState::Uploaded, row.cipher_size, None)?;
        Ok(())
    }

    /// Fetches a received file's ciphertext into the profile, checks it against the hash in
    /// the sealed message, and keeps it (still encrypted). Resumes a cut-off download.
    pub(crate) async fn download(
        &self,
        s: &Session,
        blob: &BlobId,
    ) -> Result<PathBuf, ClientError> {
        self.download_teed(s, blob, None).await
    }

    /// [`Client::download`], handing every byte of the ciphertext also to `tee` in order (what
    /// is on disk from an earlier try, then what arrives), and `End` once it matched its hash.
    /// The hash is taken as the bytes pass, not by reading the file again.
    pub(crate) async fn download_teed(
        &self,
        s: &Session,
        blob: &BlobId,
        mut tee: Option<Tee>,
    ) -> Result<PathBuf, ClientError> {
        let row = store::get(&self.db(), blob)?.ok_or(ClientError::NotFound("file"))?;
        if let Some(p) = &row.local_path
            && (row.view.state == FileState::Local || row.outgoing)
        {
            let path = PathBuf::from(p);
            if let Some(mut t) = tee {
                let mut file = std::fs::File::open(&path)?;
                feed(&mut file, &mut t, None).await?;
                t.end().await;
            }
            return Ok(path);
        }
        let dir = files_dir(&self.profile);
        std::fs::create_dir_all(&dir)?;
        let done_path = dir.join(format!("{blob}.age"));
        let part_path = dir.join(format!("{blob}.part"));
        let status = checked(s.api.blob_status(blob).await?)?;
        if status.size != row.cipher_size {
            store::set_state(
                &self.db(),
                blob,
                FileState::Failed,
                0,
                Some("the server's copy has another size"),
            )?;
            return Err(ClientError::FileDamaged(row.view.name.clone()));
        }
        let chunk = u64::from(status.chunk_size.max(1));
        let mut part = std::fs::OpenOptions::new()
            .create(true)
            .append(false)
            .read(true)
            .write(true)
            .truncate(false)
            .open(&part_path)?;
        // Keep whole chunks only, and hash (and hand on) what an earlier try left.
        let have = part.metadata()?.len() / chunk;
        part.set_len(have * chunk)?;
        let mut hash = Sha256::new();
        part.seek(SeekFrom::Start(0))?;
        let mut sink = Tee::none();
        feed(
            &mut part,
            tee.as_mut().unwrap_or(&mut sink),
            Some(&mut hash),
        )
        .await?;
        part.seek(SeekFrom::End(0))?;
        store::set_state(&self.db(), blob, FileState::Downloading, have * chunk, None)?;
        // The next chunk is asked for while this one is written, hashed and handed on.
        let fetch = |index: u32| {
            let (api, blob) = (s.api.clone(), blob.clone());
            let want = chunk_len(status.size, status.chunk_size, index).unwrap_or(0);
            tokio::spawn(async move { (want, api.get_chunk(&blob, index, want).await) })
        };
        let first = u32::try_from(have).unwrap_or(u32::MAX);
        let mut next = (first < status.chunks).then(|| fetch(first));
        for index in first..status.chunks {
            let Some(asked) = next.take() else { break };
            let (want, got) = asked
                .await
                .map_err(|e| ClientError::Offline(format!("a download stopped: {e}")))?;
            let bytes = got?;
            next = (index + 1 < status.chunks).then(|| fetch(index + 1));
            if bytes.len() as u64 != want {
                return Err(ClientError::Offline(format!(
                    "chunk {index} came with {} bytes instead of {want}",
                    bytes.len()
                )));
            }
            part.write_all(&bytes)?;
            hash.update(&bytes);
            if let Some(t) = tee.as_mut() {
                t.send(bytes).await;
            }
            let done = (u64::from(index) + 1) * chunk;
            let done = done.min(status.size);
            store::set_state(&self.db(), blob, FileState::Downloading, done, None)?;
            self.emit(ClientEvent::Transfer {
                thread: row.view.thread.clone(),
                blob: blob.clone(),
                done,
                total: status.size,
            });
        }
        part.flush()?;
        drop(part);
        let digest: [u8; 32] = hash.finalize().into();
        if digest != row.sha256 {
            let _ = std::fs::remove_file(&part_path);
            store::set_state(
                &self.db(),
                blob,
                FileState::Failed,
                0,
                Some("the file does not match its hash"),
            )?;
            return Err(ClientError::FileDamaged(row.view.name.clone()));
        }
        std::fs::rename(&part_path, &done_path)?;
        if let Some(t) = tee {
            t.end().await;
        }
        let shown = done_path.to_string_lossy().into_owned();
        store::set_local(&self.db(), blob, &shown)?;
        self.emit(ClientEvent::ThreadsChanged {
            threads: vec![row.view.thread.clone()],
        });
        Ok(done_path)
    }
}

/// One chunk read from the encrypted file and hashed, ready to go up.
struct Ready {
    index: u32,
    bytes: Vec<u8>,
    digest: String,
}

/// Reads and hashes chunk `index` of `file` (waiting, for a file still being written, until
/// `written` has passed its end).
async fn ready(
    file: &mut std::fs::File,
    status: &BlobStatus,
    index: u32,
    written: &mut Option<tokio::sync::watch::Receiver<u64>>,
) -> Result<Ready, ClientError> {
    let len = chunk_len(status.size, status.chunk_size, index)
        .ok_or_else(|| ClientError::Protocol("the server asks past the file's end".into()))?;
    let start = u64::from(index) * u64::from(status.chunk_size);
    if let Some(w) = written
        && w.wait_for(|w| *w >= start + len).await.is_err()
    {
        return Err(ClientError::Invalid(
            "the file's encryption stopped early".into(),
        ));
    }
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(0)];
    file.read_exact(&mut bytes)?;
    let digest = hex(&Sha256::digest(&bytes));
    Ok(Ready {
        index,
        bytes,
        digest,
    })
}

/// Chunks on their way at once: while the server stores one (hashing it, syncing it to disk),
/// the next travels. The server takes the chunk after its next one and counts it with that one.
const IN_FLIGHT: usize = 2;
/// How long one chunk's upload may take (the client's usual limit is 30 s).
const CHUNK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(150);

type Put = tokio::task::JoinHandle<Result<BlobStatus, ClientError>>;

/// The uploads on their way; those still running when it is dropped (an error, a cancel) are
/// stopped rather than left to write behind the caller's back.
struct Flight(std::collections::VecDeque<(u32, Put)>);

impl Drop for Flight {
    fn drop(&mut self) {
        for (_, put) in &self.0 {
            put.abort();
        }
    }
}

/// Sends the chunks the server does not have yet, in order, up to [`IN_FLIGHT`] at a time, each
/// read and hashed while the ones before are on their way. A server that refuses the chunk
/// ahead (409: one that takes only the next chunk) gets one at a time from then on. `progress`
/// sees each status the server answers. Returns the last status.
async fn put_chunks(
    s: &Session,
    blob: &BlobId,
    path: &Path,
    mut status: BlobStatus,
    mut written: Option<tokio::sync::watch::Receiver<u64>>,
    progress: impl Fn(&BlobStatus) -> Result<(), ClientError>,
) -> Result<BlobStatus, ClientError> {
    let mut file = std::fs::File::open(path)?;
    let chunks = status.chunks;
    let mut next = status.received;
    let mut depth = IN_FLIGHT;
    let mut flight = Flight(std::collections::VecDeque::new());
    loop {
        while !status.complete && flight.0.len() < depth && next < chunks {
            let p = ready(&mut file, &status, next, &mut written).await?;
            let (api, id) = (s.api.clone(), blob.clone());
            next = p.index + 1;
            flight.0.push_back((
                p.index,
                tokio::spawn(async move { api.put_chunk(&id, p.index, p.bytes, p.digest).await }),
            ));
        }
        let Some((index, put)) = flight.0.pop_front() else {
            return Ok(status);
        };
        let answer = match put
            .await
            .map_err(|e| ClientError::Offline(format!("an upload stopped: {e}")))?
        {
            Err(ClientError::Server {
                code: samtale_proto::ErrorCode::Conflict,
                ..
            }) if depth > 1 && index >= status.received => {
                // Sent ahead to a server that takes only the next chunk (it is not counted):
                // send it again, one at a time.
                depth = 1;
                next = next.min(index);
                for (_, later) in flight.0.drain(..) {
                    later.abort();
                }
                continue;
            }
            answer => answer?,
        };
        // The server's count only grows; an answer for a chunk ahead may predate the count of
        // the one before it, so keep the furthest.
        if answer.complete || answer.received >= status.received {
            status = checked(answer)?;
        }
        // Every chunk up to `index` has been answered: the server must count them all by now.
        if status.received <= index && !status.complete {
            return Err(ClientError::Protocol(
                "the server did not take a chunk it asked for".into(),
            ));
        }
        progress(&status)?;
        if status.complete {
            return Ok(status);
        }
        // The server may have more than was sent (another device's retry of ours, a resume).
        next = next.max(status.received);
    }
}

/// Reads `file` from where it stands to its end in pieces of a few MiB, hashing and handing
/// them on.
async fn feed(
    file: &mut std::fs::File,
    tee: &mut Tee,
    mut hash: Option<&mut Sha256>,
) -> Result<(), ClientError> {
    loop {
        let mut piece = vec![0u8; 2 << 20];
        let got = super::read_up_to(file, &mut piece)?;
        if got == 0 {
            return Ok(());
        }
        piece.truncate(got);
        if let Some(h) = hash.as_deref_mut() {
            h.update(&piece);
        }
        tee.send(piece).await;
    }
}
