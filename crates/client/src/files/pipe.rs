//! A download's bytes handed to a blocking reader while they arrive, so a file is decrypted
//! beside its download instead of after it (one pass over the bytes less, and the two cores
//! both busy). The downloader sends [`Piece::Bytes`] as chunks come and [`Piece::End`] only
//! once the whole ciphertext matched its hash; a reader whose sender went away without `End`
//! fails, so a cut-off or unverified download never reads as a whole file.

use std::io::Read;

use tokio::sync::mpsc;

/// Chunks in flight between the downloader and the reader: enough to keep both busy, small
/// enough that memory stays flat (a chunk is at most a few MiB).
const IN_FLIGHT: usize = 1;

pub(crate) enum Piece {
    Bytes(Vec<u8>),
    /// Everything was sent and the ciphertext matched its hash.
    End,
}

/// The sending half, held by the downloader.
pub(crate) struct Tee(Option<mpsc::Sender<Piece>>);

impl Tee {
    /// A tee that passes nothing on.
    pub(crate) fn none() -> Tee {
        Tee(None)
    }

    /// Passes `bytes` on; once the reader has stopped (it failed), nothing more is sent.
    pub(crate) async fn send(&mut self, bytes: Vec<u8>) {
        if let Some(tx) = &self.0
            && tx.send(Piece::Bytes(bytes)).await.is_err()
        {
            self.0 = None;
        }
    }

    /// Tells the reader the file is whole and verified.
    pub(crate) async fn end(mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(Piece::End).await;
        }
    }
}

/// The reading half, for a blocking thread.
pub(crate) struct Incoming {
    rx: mpsc::Receiver<Piece>,
    buf: Vec<u8>,
    pos: usize,
    ended: bool,
}

pub(crate) fn pipe() -> (Tee, Incoming) {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    (
        Tee(Some(tx)),
        Incoming {
            rx,
            buf: Vec::new(),
            pos: 0,
            ended: false,
        },
    )
}

impl Read for Incoming {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.buf.len() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Piece::Bytes(b)) => {
                    self.buf = b;
                    self.pos = 0;
                }
                Some(Piece::End) => self.ended = true,
                None => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the download stopped before the file was whole and checked",
                    ));
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bytes_then_end_read_whole() {
        let (mut tee, mut rd) = pipe();
        let reader = tokio::task::spawn_blocking(move || {
            let mut all = Vec::new();
            rd.read_to_end(&mut all).map(|_| all)
        });
        for part in [&b"abc"[..], b"", b"defg", b"h"] {
            tee.send(part.to_vec()).await;
        }
        tee.end().await;
        let all = reader.await.expect("reader thread").expect("read");
        assert_eq!(all, b"abcdefgh");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_download_dropped_without_end_is_an_error() {
        let (mut tee, mut rd) = pipe();
        let reader = tokio::task::spawn_blocking(move || {
            let mut all = Vec::new();
            rd.read_to_end(&mut all)
        });
        tee.send(b"abc".to_vec()).await;
        drop(tee);
        let err = reader
            .await
            .expect("reader thread")
            .expect_err("no End: not whole");
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_that_stopped_does_not_block_the_download() {
        let (mut tee, rd) = pipe();
        drop(rd);
        for _ in 0..10 {
            tee.send(vec![0u8; 1024]).await;
        }
        tee.end().await;
    }
}
