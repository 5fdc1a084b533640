//! What Linux's `/proc` says about a process: resident memory (`VmRSS`) and CPU time used.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Linux reports `utime`/`stime` in USER_HZ ticks, which is 100 on every Linux ABI.
const TICKS_PER_SECOND: u64 = 100;

/// `VmRSS` of `pid`, in bytes.
pub fn rss_bytes(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let line = text
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .with_context(|| format!("no VmRSS line in {path}"))?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("cannot read {line:?}"))?;
    Ok(kib * 1024)
}

/// User plus system CPU time of `pid` (`self` for this process) so far.
pub fn cpu_time(pid: &str) -> Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    // The command name (field 2) may hold spaces; the fields after its closing ')' are plain.
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .with_context(|| format!("cannot read {path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let tick = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("cannot read field {} of {path}", i + 3))
    };
    let ticks = tick(11)? + tick(12)?;
    Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// Polls the RSS of `pid` every `every` until the last `window` samples lie within `tolerance`
/// bytes of each other, and returns their mean. Fails after `timeout`.
pub async fn settled_rss(
    pid: u32,
    every: Duration,
    window: usize,
    tolerance: u64,
    timeout: Duration,
) -> Result<u64> {
    let deadline = Instant::now() + timeout;
    let mut recent: Vec<u64> = Vec::with_capacity(window + 1);
    loop {
        recent.push(rss_bytes(pid)?);
        if recent.len() > window {
            recent.remove(0);
        }
        if recent.len() == window {
            let lo = recent.iter().copied().min().unwrap_or(0);
            let hi = recent.iter().copied().max().unwrap_or(0);
            if hi - lo <= tolerance {
                return Ok(recent.iter().sum::<u64>() / window as u64);
            }
        }
        if Instant::now() > deadline {
            bail!("the server's RSS did not settle within {timeout:?}: last samples {recent:?}");
        }
        tokio::time::sleep(every).await;
    }
}

/// CPU time all processes on the machine spent busy so far (the `cpu` line of `/proc/stat`:
/// user, nice, system, irq, softirq and steal), to tell how much else ran during a measurement.
pub fn machine_busy() -> Result<Duration> {
    let text = std::fs::read_to_string("/proc/stat").context("cannot read /proc/stat")?;
    let line = text
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("no cpu line in /proc/stat")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy: u64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| fields.get(i))
        .sum();
    Ok(Duration::from_millis(busy * 1000 / TICKS_PER_SECOND))
}

/// CPU used during a measured span, by the server, this generator and everything else.
pub struct CpuSplit {
    server_pid: Option<u32>,
    server: Option<Duration>,
    own: Duration,
    machine: Duration,
}

impl CpuSplit {
    pub fn start(server_pid: Option<u32>) -> Result<CpuSplit> {
        Ok(CpuSplit {
            server_pid,
            server: server_pid
                .map(|pid| cpu_time(&pid.to_string()))
                .transpose()?,
            own: cpu_time("self")?,
            machine: machine_busy()?,
        })
    }

    /// Seconds of CPU since `start`: (server, generator, everything else on the machine).
    pub fn since(&self) -> Result<(Option<f64>, f64, f64)> {
        let server = match (self.server_pid, self.server) {
            (Some(pid), Some(before)) => Some(cpu_time(&pid.to_string())?.saturating_sub(before)),
            _ => None,
        };
        let own = cpu_time("self")?.saturating_sub(self.own);
        let machine = machine_busy()?.saturating_sub(self.machine);
        let other = machine
            .saturating_sub(own)
            .saturating_sub(server.unwrap_or_default());
        Ok((
            server.map(|s| s.as_secs_f64()),
            own.as_secs_f64(),
            other.as_secs_f64(),
        ))
    }
}
