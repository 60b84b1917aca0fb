//! The BTC/USD price over the scenario clock: fixed, or a seeded random walk sampled hourly.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::scenario::PricePath;

/// Hourly prices from a first instant on.
#[derive(Debug, Clone, Serialize)]
pub struct PriceSeries {
    pub start: i64,
    pub step: i64,
    pub usd: Vec<f64>,
}

impl PriceSeries {
    /// Samples `path` every hour from `start` for `hours` hours. A random walk is anchored
    /// at `anchor`: the price there is `start_usd`, the walk goes forward from it and, for the
    /// hours before, backward (the same process run in reverse).
    pub fn new(path: &PricePath, start: i64, anchor: i64, hours: usize, rng: &mut ChaCha8Rng) -> Self {
        let mut usd = Vec::with_capacity(hours + 1);
        match *path {
            PricePath::Fixed(p) => usd.resize(hours + 1, p),
            PricePath::RandomWalk { start: p0, daily_volatility, min, max } => {
                let sigma = daily_volatility / 24f64.sqrt();
                let before = (((anchor - start).max(0)) / 3600) as usize;
                let walk = |n: usize, rng: &mut ChaCha8Rng| {
                    let mut p = p0;
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        out.push((p * 100.0).round() / 100.0);
                        p *= (sigma * normal(rng)).exp();
                        // Reflect at the bounds so the walk stays inside them.
                        if p > max {
                            p = (max * max / p).max(min);
                        }
                        if p < min {
                            p = (min * min / p).min(max);
                        }
                    }
                    out
                };
                let forward = walk(hours + 1 - before.min(hours + 1), rng);
                let mut backward = walk(before + 1, rng);
                backward.reverse();
                backward.pop(); // the anchor hour is the forward walk's first
                usd.extend(backward);
                usd.extend(forward);
                usd.truncate(hours + 1);
            }
        }
        PriceSeries { start, step: 3600, usd }
    }

    /// The price at `t` (the hour it falls in; clamped to the series).
    pub fn at(&self, t: i64) -> f64 {
        let i = ((t - self.start).max(0) / self.step) as usize;
        self.usd[i.min(self.usd.len() - 1)]
    }

    /// Satoshis worth `usd` dollars at `t`, or `None` when that is no amount of money: more
    /// than 21,000,000 BTC, or anything at a price of nothing.
    pub fn sats_for_usd(&self, usd: f64, t: i64) -> Option<u64> {
        super::sat::from_f64((usd / self.at(t) * 1e8).round())
    }

    /// Dollars worth `sats` at `t`, to the cent.
    pub fn usd_for_sats(&self, sats: u64, t: i64) -> f64 {
        (sats as f64 / 1e8 * self.at(t) * 100.0).round() / 100.0
    }
}

/// A standard normal sample (Box–Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn random_walk_stays_in_bounds_and_is_seeded() {
        let path = PricePath::RandomWalk { start: 60_000.0, daily_volatility: 0.2, min: 50_000.0, max: 70_000.0 };
        let a = PriceSeries::new(&path, 0, 10 * 86_400, 24 * 60, &mut ChaCha8Rng::seed_from_u64(1));
        let b = PriceSeries::new(&path, 0, 10 * 86_400, 24 * 60, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(a.at(10 * 86_400), 60_000.0, "the price at the anchor is the start price");
        assert_eq!(a.usd.len(), 24 * 60 + 1);
        assert_eq!(a.usd, b.usd);
        assert!(a.usd.iter().all(|p| (50_000.0..=70_000.0).contains(p)));
        assert!(a.usd.iter().any(|p| *p != 60_000.0));
        assert_eq!(a.at(-5), a.usd[0]);
        assert_eq!(a.at(i64::MAX / 2), *a.usd.last().unwrap());
    }
}
