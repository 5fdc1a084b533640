//! Pre-sealing envelopes for a run. Sealing is client work and not what the server benchmarks
//! measure, so it happens before the clock starts, spread over every core. Each envelope is
//! really sealed (age to the thread's devices, ed25519-signed) and serialised to its JSON body.

use std::time::Instant;

use anyhow::{Context, Result};
use samtale_crypto::{DeviceIdentity, Recipient};
use samtale_proto::{
    DeviceId, EnvelopeHeader, EnvelopeId, PROTOCOL_VERSION, PayloadKind, ThreadId, UserId,
};

use crate::api::now_ms;

/// Where envelopes go: a thread and the devices to seal to.
pub struct Destination {
    pub thread: ThreadId,
    pub recipients: Vec<Recipient>,
}

/// One ready-to-send envelope.
pub struct Sealed {
    pub id: EnvelopeId,
    /// The `POST /v1/envelopes` body.
    pub body: Vec<u8>,
}

/// The sending device.
pub struct Sender<'a> {
    pub identity: &'a DeviceIdentity,
    pub user: &'a UserId,
    pub device: &'a DeviceId,
}

/// Seals `count` envelopes of `payload_len` bytes, round-robin over `to`, on all cores.
pub fn seal_many(
    from: &Sender<'_>,
    to: &[Destination],
    count: usize,
    payload_len: usize,
) -> Result<Vec<Sealed>> {
    anyhow::ensure!(!to.is_empty(), "no destination to seal to");
    let started = Instant::now();
    let payload: Vec<u8> = (0..payload_len).map(|i| b'a' + (i % 26) as u8).collect();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let chunk = count.div_ceil(workers).max(1);
    let parts: Vec<Result<Vec<Sealed>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|start| {
                let payload = &payload;
                scope.spawn(move || {
                    (start..(start + chunk).min(count))
                        .map(|i| seal_one(from, &to[i % to.len()], payload))
                        .collect::<Result<Vec<Sealed>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a sealing thread panicked")))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(count);
    for part in parts {
        out.extend(part?);
    }
    eprintln!(
        "set-up: sealed {count} envelopes of {payload_len} bytes in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(out)
}

fn seal_one(from: &Sender<'_>, to: &Destination, payload: &[u8]) -> Result<Sealed> {
    let header = EnvelopeHeader {
        v: PROTOCOL_VERSION,
        id: EnvelopeId::from_parts(now_ms(), samtale_crypto::random::new_id_random()),
        thread: to.thread.clone(),
        sender: from.user.clone(),
        sender_device: from.device.clone(),
        kind: PayloadKind::Message,
        sent_at_ms: i64::try_from(now_ms()).unwrap_or(i64::MAX),
    };
    let envelope = from
        .identity
        .seal(header, payload, &to.recipients)
        .context("seal")?;
    Ok(Sealed {
        id: envelope.header.id.clone(),
        body: serde_json::to_vec(&envelope)?,
    })
}
