//! Encrypted files on the wire. A file is encrypted on the sending device; its ciphertext is
//! uploaded as a blob in numbered chunks of [`BlobStatus::chunk_size`] bytes, each checked
//! against the SHA-256 the client names in [`CHUNK_SHA256_HEADER`], and counted in order so that
//! an interrupted upload resumes at [`BlobStatus::received`]. The server takes the next chunk or
//! the one after it: a chunk ahead is stored at once but counted only with the next, so its own
//! answer may not count it yet. The server learns the blob's id, its
//! conversation and its size; the key, name, type and hash of the file travel inside the sealed
//! message that refers to the blob.
//!
//! Routes: `POST /v1/blobs` ([`CreateBlob`]) starts an upload, `GET /v1/blobs/{id}` is its
//! [`BlobStatus`], `PUT /v1/blobs/{id}/chunks/{n}` uploads chunk `n`, `GET` the same path
//! downloads it once the blob is complete, `DELETE /v1/blobs/{id}` cancels an upload not yet
//! sent, and `GET /v1/blobs/policy` is the [`BlobPolicy`]. A message names the blobs it carries
//! with `?blobs=ID,ID` on `POST /v1/envelopes`, which ties their lifetime to the envelope's.

use serde::{Deserialize, Serialize};

use crate::{BlobId, ThreadId};

/// Request header carrying the lower-case hex SHA-256 of an uploaded chunk.
pub const CHUNK_SHA256_HEADER: &str = "x-samtale-sha256";

/// Most blobs one message may carry.
pub const MAX_BLOBS_PER_MESSAGE: usize = 10;

/// The ciphertext size that a file of `plain` bytes may take: age's STREAM adds 16 bytes per
/// 64 KiB chunk, and the header with one recipient stanza stays under 1 KiB.
pub fn max_ciphertext_for(plain: u64) -> u64 {
    plain + plain.div_ceil(64 * 1024).max(1) * 16 + 1024
}

/// `POST /v1/blobs`: start (or, with the same values again, look up) an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBlob {
    pub id: BlobId,
    /// The conversation whose message will carry the file; the caller must be in it.
    pub thread: ThreadId,
    /// The ciphertext's size in bytes.
    pub size: u64,
}

/// Where an upload stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    pub id: BlobId,
    pub thread: ThreadId,
    pub size: u64,
    /// Every chunk but the last has this many bytes.
    pub chunk_size: u32,
    pub chunks: u32,
    /// Chunks stored so far: the next upload is chunk number `received`.
    pub received: u32,
    pub complete: bool,
}

/// `GET /v1/blobs/policy`: the municipality's rules for files, so a client can refuse a file
/// before encrypting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobPolicy {
    /// Largest file (plaintext) in bytes.
    pub max_file_bytes: u64,
    pub chunk_size: u32,
    /// Bytes still free in the municipality's file storage.
    pub free_bytes: u64,
    /// The types of file the municipality takes, as rules such as `application/pdf` or
    /// `image/*` ([`type_allowed`]); absent: every type but programs. The server sees only
    /// ciphertext, so the sending device applies this after finding the type from the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_types: Option<Vec<String>>,
}

/// Most rules in a municipality's list of allowed types.
pub const MAX_TYPE_RULES: usize = 50;

/// Checks one rule of a list of allowed types: a MIME type (`application/pdf`) or a family
/// (`image/*`), lower case.
pub fn check_type_rule(rule: &str) -> Result<(), String> {
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.len() <= 100
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".+-".contains(&b))
    };
    match rule.split_once('/') {
        Some((family, sub)) if valid_part(family) && (sub == "*" || valid_part(sub)) => Ok(()),
        _ => Err(format!(
            "{rule:?} is not a file type: write it like application/pdf or image/*"
        )),
    }
}

/// Whether `mime` is allowed by `rules` (no rules: everything is).
pub fn type_allowed(rules: Option<&[String]>, mime: &str) -> bool {
    let Some(rules) = rules else { return true };
    let family = mime.split_once('/').map_or(mime, |(f, _)| f);
    rules.iter().any(|r| match r.strip_suffix("/*") {
        Some(f) => f == family,
        None => r == mime,
    })
}

/// How many chunks `size` bytes take.
pub fn chunk_count(size: u64, chunk_size: u32) -> u32 {
    u32::try_from(size.div_ceil(u64::from(chunk_size.max(1)))).unwrap_or(u32::MAX)
}

/// The byte length of chunk `index` of a blob of `size` bytes, or None past the end.
pub fn chunk_len(size: u64, chunk_size: u32, index: u32) -> Option<u64> {
    let start = u64::from(index) * u64::from(chunk_size);
    (start < size).then(|| (size - start).min(u64::from(chunk_size)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_blob_exactly() {
        assert_eq!(chunk_count(1, 10), 1);
        assert_eq!(chunk_count(10, 10), 1);
        assert_eq!(chunk_count(11, 10), 2);
        assert_eq!(chunk_len(25, 10, 0), Some(10));
        assert_eq!(chunk_len(25, 10, 2), Some(5));
        assert_eq!(chunk_len(25, 10, 3), None);
        assert_eq!(chunk_len(20, 10, 2), None);
        assert!(max_ciphertext_for(100 << 20) < (100 << 20) + 40_000);
    }
}

/// Longest file name, in characters.
pub const MAX_FILE_NAME: usize = 120;
/// Largest thumbnail inside a message, in bytes.
pub const MAX_THUMBNAIL_BYTES: usize = 6 * 1024;
/// Most thumbnails in one message (the others show as files): they must fit in one envelope.
pub const MAX_THUMBNAILS: usize = 4;

/// A file inside a sealed message: where its ciphertext is, how to open it, and how to check
/// it. Only the conversation's devices ever see this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub blob: crate::BlobId,
    /// The name as the sender's device had it (no folders).
    pub name: String,
    /// The type the sender's device found in the content (not from the name).
    pub mime: String,
    /// Plaintext bytes.
    pub size: u64,
    /// Ciphertext bytes (the blob's size).
    pub cipher_size: u64,
    /// SHA-256 of the ciphertext: a download is checked against it before it is opened.
    pub sha256: crate::B64,
    /// The file's age key (`AGE-SECRET-KEY-1…`).
    pub key: String,
    /// A small picture of an image (JPEG or PNG), made by the sender, shown before download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<crate::B64>,
}

impl FileRef {
    /// Checks what a client must not trust blindly in a received reference.
    pub fn check(&self) -> Result<(), String> {
        check_file_name(&self.name)?;
        if self.sha256.0.len() != 32 {
            return Err("a file's hash must be 32 bytes".into());
        }
        if self.cipher_size == 0 || self.cipher_size > max_ciphertext_for(self.size) {
            return Err("a file's encrypted size does not fit its size".into());
        }
        if self.mime.is_empty() || self.mime.len() > 100 || !self.mime.contains('/') {
            return Err("a file's type is not valid".into());
        }
        if self
            .thumbnail
            .as_ref()
            .is_some_and(|t| t.0.len() > MAX_THUMBNAIL_BYTES)
        {
            return Err("a file's thumbnail is too big".into());
        }
        Ok(())
    }
}

/// A file name as it may travel: 1 to [`MAX_FILE_NAME`] characters, no folder separators, no
/// control characters, not `.` or `..`.
pub fn check_file_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n == 0 || n > MAX_FILE_NAME {
        return Err(format!(
            "a file name must have 1 to {MAX_FILE_NAME} characters"
        ));
    }
    if name.contains(['/', '\\'])
        || name.chars().any(char::is_control)
        || name == "."
        || name == ".."
    {
        return Err("a file name may not contain folders or control characters".into());
    }
    Ok(())
}
