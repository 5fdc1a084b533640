//! File streams: a file is encrypted once, on the sending device, with age (its STREAM
//! construction: 64 KiB chunks, each authenticated) to a fresh X25519 identity made for that one
//! file. The identity's secret is the file's key ([`FileKey`]); it travels, with the
//! ciphertext's SHA-256, inside the sealed message that carries the file, so only the
//! conversation's devices can open the file, and the server holds an opaque blob.
//!
//! Both directions stream: memory stays flat however big the file. The caller checks the
//! ciphertext's hash before it decrypts (a blob from the server is untrusted until then); age
//! then authenticates every chunk, so a cut-off or altered file fails instead of yielding a
//! shortened plaintext.

use std::io::{Read, Write};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use age::secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;

/// The key of one file: an age X25519 secret (`AGE-SECRET-KEY-1…`), wiped when dropped.
#[derive(Clone)]
pub struct FileKey(Zeroizing<String>);

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(…)")
    }
}

impl FileKey {
    /// The key's text form, for the sealed message.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads a key from a sealed message.
    pub fn parse(text: &str) -> Result<FileKey, CryptoError> {
        age::x25519::Identity::from_str(text)
            .map_err(|_| CryptoError::InvalidKey("file key".into()))?;
        Ok(FileKey(Zeroizing::new(text.to_owned())))
    }

    fn identity(&self) -> Result<age::x25519::Identity, CryptoError> {
        age::x25519::Identity::from_str(&self.0)
            .map_err(|_| CryptoError::InvalidKey("file key".into()))
    }
}

/// What encrypting a file gave: its key, and the ciphertext's SHA-256 and size.
#[derive(Debug, Clone)]
pub struct EncryptedFile {
    pub key: FileKey,
    pub sha256: [u8; 32],
    pub size: u64,
}

/// A writer that hashes and counts what passes through it. The count is shared so that the
/// header's length can be read once age has written it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    count: Arc<AtomicU64>,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> CryptoError {
    move |e| CryptoError::Internal(format!("{what}: {e}"))
}

/// A file being encrypted: write its plaintext in, then [`FileWriter::finish`]. Lets a caller
/// transform the plaintext on its way (take a photo's metadata out) without a plain copy on
/// disk.
pub struct FileWriter<W: Write> {
    inner: age::stream::StreamWriter<Hashing<W>>,
    key: FileKey,
    plain: u64,
    header: u64,
}

/// Plaintext bytes per piece of age's STREAM; each piece adds a 16-byte tag.
const PIECE: u64 = 64 * 1024;

impl<W: Write> FileWriter<W> {
    /// Starts a file under a new key, its ciphertext going to `output`.
    pub fn new(output: W) -> Result<FileWriter<W>, CryptoError> {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| CryptoError::Internal(format!("age could not start: {e}")))?;
        let count = Arc::new(AtomicU64::new(0));
        // age writes its header and the payload's nonce here, before any plaintext.
        let inner = encryptor
            .wrap_output(Hashing {
                inner: output,
                hash: Sha256::new(),
                count: count.clone(),
            })
            .map_err(io("could not write the encrypted file"))?;
        Ok(FileWriter {
            header: count.load(Ordering::Relaxed),
            inner,
            key: FileKey(Zeroizing::new(
                identity.to_string().expose_secret().to_owned(),
            )),
            plain: 0,
        })
    }

    /// The ciphertext's size once exactly `plain` bytes of plaintext are written: age's header,
    /// then each 64 KiB piece (at least one) with its 16-byte tag. Lets an upload begin before
    /// the encryption ends; [`FileWriter::finish`] reports the real size to check against.
    pub fn size_for(&self, plain: u64) -> u64 {
        self.header + plain + 16 * plain.div_ceil(PIECE).max(1)
    }

    /// Plaintext bytes written so far.
    pub fn plain_size(&self) -> u64 {
        self.plain
    }

    /// Ends the file: its key, and the ciphertext's hash and size.
    pub fn finish(self) -> Result<EncryptedFile, CryptoError> {
        let mut done = self
            .inner
            .finish()
            .map_err(io("could not finish the encrypted file"))?;
        done.flush()
            .map_err(io("could not write the encrypted file"))?;
        Ok(EncryptedFile {
            key: self.key,
            sha256: done.hash.finalize().into(),
            size: done.count.load(Ordering::Relaxed),
        })
    }
}

impl<W: Write> Write for FileWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.plain += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Encrypts everything `input` yields into `output` under a new key.
pub fn encrypt_file<R: Read, W: Write>(
    mut input: R,
    output: W,
) -> Result<EncryptedFile, CryptoError> {
    let mut writer = FileWriter::new(output)?;
    std::io::copy(&mut input, &mut writer).map_err(io("could not encrypt the file"))?;
    writer.finish()
}

/// The SHA-256 of everything `input` yields (to check a downloaded ciphertext).
pub fn sha256_of<R: Read>(mut input: R) -> std::io::Result<[u8; 32]> {
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            return Ok(hash.finalize().into());
        }
        hash.update(&buf[..n]);
    }
}

/// Decrypts the ciphertext `input` with `key` into `output`; returns the plaintext's size.
/// [`CryptoError::MalformedCiphertext`] when it is not this key's file or was altered or cut
/// off (what was written to `output` by then must be thrown away).
pub fn decrypt_file<R: Read, W: Write>(
    input: R,
    key: &FileKey,
    mut output: W,
) -> Result<u64, CryptoError> {
    let identity = key.identity()?;
    let decryptor = age::Decryptor::new_buffered(std::io::BufReader::new(input))
        .map_err(|_| CryptoError::MalformedCiphertext)?;
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|_| CryptoError::MalformedCiphertext)?;
    let mut buf = Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut total = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|_| CryptoError::MalformedCiphertext)?;
        if n == 0 {
            return Ok(total);
        }
        output
            .write_all(&buf[..n])
            .map_err(io("could not write the decrypted file"))?;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn files_round_trip_and_the_hash_is_of_the_ciphertext() {
        for len in [0, 1, 64 * 1024, 64 * 1024 + 1, 300_000] {
            let plain = sample(len);
            let mut cipher = Vec::new();
            let enc = encrypt_file(&plain[..], &mut cipher).unwrap();
            assert_eq!(enc.size, cipher.len() as u64);
            assert_eq!(enc.sha256, sha256_of(&cipher[..]).unwrap());
            assert!(cipher.len() as u64 <= samtale_proto::blobs::max_ciphertext_for(len as u64));
            let mut back = Vec::new();
            assert_eq!(
                decrypt_file(&cipher[..], &enc.key, &mut back).unwrap(),
                len as u64
            );
            assert_eq!(back, plain);
        }
    }

    #[test]
    fn the_size_is_known_before_the_end() {
        for len in [0usize, 1, 65_535, 65_536, 65_537, 131_072, 300_000] {
            let mut cipher = Vec::new();
            let writer = FileWriter::new(&mut cipher).unwrap();
            let predicted = writer.size_for(len as u64);
            let mut writer = writer;
            writer.write_all(&sample(len)).unwrap();
            let done = writer.finish().unwrap();
            assert_eq!(predicted, done.size, "{len} bytes");
            assert_eq!(done.size, cipher.len() as u64);
        }
    }

    #[test]
    fn each_file_has_its_own_key() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ka = encrypt_file(&b"same"[..], &mut a).unwrap().key;
        let kb = encrypt_file(&b"same"[..], &mut b).unwrap().key;
        assert_ne!(ka.expose(), kb.expose());
        assert_eq!(
            decrypt_file(&a[..], &kb, Vec::new()),
            Err(CryptoError::MalformedCiphertext),
            "another file's key opens nothing"
        );
        assert!(FileKey::parse(ka.expose()).is_ok());
        assert!(FileKey::parse("AGE-SECRET-KEY-1NOPE").is_err());
        assert!(!format!("{ka:?}").contains("AGE-SECRET"));
    }

    #[test]
    fn altered_or_cut_off_files_fail() {
        let plain = sample(200_000);
        let mut cipher = Vec::new();
        let enc = encrypt_file(&plain[..], &mut cipher).unwrap();
        let mut flipped = cipher.clone();
        let at = flipped.len() - 70_000;
        flipped[at] ^= 1;
        assert_eq!(
            decrypt_file(&flipped[..], &enc.key, Vec::new()),
            Err(CryptoError::MalformedCiphertext)
        );
        // Cut at a chunk boundary: age notices the last chunk is missing.
        let cut = &cipher[..cipher.len() - 40_000];
        assert_eq!(
            decrypt_file(cut, &enc.key, Vec::new()),
            Err(CryptoError::MalformedCiphertext)
        );
    }
}
