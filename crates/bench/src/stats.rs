//! Summaries of measured durations: count, mean, p50, p99 and max, by sorting the samples (no
//! histogram library; the sample counts here are at most a few hundred thousand).

use std::time::Duration;

/// The usual numbers of one series of samples.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub count: usize,
    pub mean: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    /// Summarises `samples` (reordered in place). An empty series gives all zeros.
    pub fn of(samples: &mut [Duration]) -> Summary {
        if samples.is_empty() {
            return Summary::default();
        }
        samples.sort_unstable();
        let total: Duration = samples.iter().sum();
        let count = samples.len();
        Summary {
            count,
            mean: total / u32::try_from(count).unwrap_or(u32::MAX),
            p50: percentile(samples, 50.0),
            p99: percentile(samples, 99.0),
            max: samples[count - 1],
        }
    }

    /// One line in microseconds.
    pub fn micros(&self) -> String {
        format!(
            "n={} mean={:.1}µs p50={:.1}µs p99={:.1}µs max={:.1}µs",
            self.count,
            us(self.mean),
            us(self.p50),
            us(self.p99),
            us(self.max)
        )
    }

    /// One line in milliseconds.
    pub fn millis(&self) -> String {
        format!(
            "n={} mean={:.3}ms p50={:.3}ms p99={:.3}ms max={:.3}ms",
            self.count,
            ms(self.mean),
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        let s = Summary::of(&mut v);
        assert_eq!(s.count, 100);
        assert_eq!(s.p50, Duration::from_micros(50));
        assert_eq!(s.p99, Duration::from_micros(99));
        assert_eq!(s.max, Duration::from_micros(100));
        assert_eq!(Summary::of(&mut []).count, 0);
    }
}
