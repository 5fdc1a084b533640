//! `samtale-load crypto`: the client-side cost of one message. For 2, 5 and 10 recipient
//! devices, seals a payload (age + ed25519 signature), opens it as the *last* recipient (the
//! worst case: age tries the stanzas in order), and verifies the signature alone (what the
//! server does per envelope). Single-threaded; build with `--release`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use samtale_crypto::{DeviceIdentity, Recipient, verify_envelope};
use samtale_proto::{
    DeviceId, EnvelopeHeader, EnvelopeId, PROTOCOL_VERSION, PayloadKind, ThreadId, UserId,
};
use serde_json::json;

use crate::stats::Summary;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Iterations per recipient count.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub iterations: u32,
    /// Plaintext size in bytes.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=16384))]
    pub payload_bytes: u32,
    /// Recipient device counts to measure.
    #[arg(long, value_delimiter = ',', default_values_t = [2u32, 5, 10])]
    pub devices: Vec<u32>,
}

fn header(i: u32) -> EnvelopeHeader {
    EnvelopeHeader {
        v: PROTOCOL_VERSION,
        id: EnvelopeId::from_parts(1_700_000_000_000 + u64::from(i), [7; 10]),
        thread: ThreadId::from_parts(1_700_000_000_000, [1; 10]),
        sender: UserId::from_parts(1_700_000_000_000, [2; 10]),
        sender_device: DeviceId::from_parts(1_700_000_000_000, [3; 10]),
        kind: PayloadKind::Message,
        sent_at_ms: 1_700_000_000_000,
    }
}

pub fn run(args: &Args) -> Result<serde_json::Value> {
    let payload = vec![0x5a_u8; args.payload_bytes as usize];
    let sender = DeviceIdentity::generate();
    let sender_keys = sender.public_keys();
    let mut results = Vec::new();
    println!(
        "crypto: {} iterations, {} byte payload, opened by the last recipient",
        args.iterations, args.payload_bytes
    );
    for &n in &args.devices {
        ensure!((1..=64).contains(&n), "--devices takes 1 to 64");
        let devices: Vec<DeviceIdentity> = (0..n).map(|_| DeviceIdentity::generate()).collect();
        let recipients = devices
            .iter()
            .map(|d| Recipient::from_keys(&d.public_keys()))
            .collect::<Result<Vec<_>, _>>()?;
        let last = devices.last().context("no devices")?;
        // Warm caches and the allocator before timing.
        for i in 0..args.iterations.min(50) {
            let env = sender.seal(header(i), &payload, &recipients)?;
            last.open(&env, &sender_keys)?;
        }
        let mut seal = Vec::with_capacity(args.iterations as usize);
        let mut open = Vec::with_capacity(args.iterations as usize);
        let mut verify = Vec::with_capacity(args.iterations as usize);
        let mut ciphertext_len = 0;
        for i in 0..args.iterations {
            let t = Instant::now();
            let env = sender.seal(header(i), black_box(&payload), &recipients)?;
            seal.push(t.elapsed());
            ciphertext_len = env.ciphertext.len();

            let t = Instant::now();
            verify_envelope(black_box(&env), &sender_keys)?;
            verify.push(t.elapsed());

            let t = Instant::now();
            let plain = last.open(black_box(&env), &sender_keys)?;
            open.push(t.elapsed());
            ensure!(plain.as_slice() == payload.as_slice(), "round trip failed");
        }
        let (s, o, v) = (
            Summary::of(&mut seal),
            Summary::of(&mut open),
            Summary::of(&mut verify),
        );
        println!("  {n:>2} devices (ciphertext {ciphertext_len} B)");
        println!("     seal           {}", s.micros());
        println!("     open (last)    {}", o.micros());
        println!("     verify only    {}", v.micros());
        results.push(json!({
            "devices": n,
            "ciphertext_bytes": ciphertext_len,
            "seal": summary_json(&s),
            "open_last": summary_json(&o),
            "verify": summary_json(&v),
        }));
    }
    Ok(
        json!({ "crypto": results, "iterations": args.iterations, "payload_bytes": args.payload_bytes }),
    )
}

/// Microsecond fields of a summary.
pub fn summary_json(s: &Summary) -> serde_json::Value {
    let us = |d: Duration| (crate::stats::us(d) * 10.0).round() / 10.0;
    json!({
        "n": s.count,
        "mean_us": us(s.mean),
        "p50_us": us(s.p50),
        "p99_us": us(s.p99),
        "max_us": us(s.max),
    })
}
