//! Rate limits: a token bucket per (what, who), kept in memory. Each server process keeps
//! its own; an academy running several behind a proxy limits per process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// One kind of request's limit: `burst` at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: f64,
    pub per_minute: f64,
}

/// Joins with the right code, per client address: a class of a hundred and more behind one
/// school router joins at once.
pub const JOIN: Rate = Rate { burst: 300.0, per_minute: 300.0 };
/// Joins with a wrong code, per client address: room for typing mistakes, far too few to
/// guess a code of 60 bits. Once spent, every join from that address waits, with the right
/// code too, so that a wait says nothing about a code.
pub const JOIN_MISS: Rate = Rate { burst: 20.0, per_minute: 20.0 };
/// Legal requests, per trainee: a budget is a handful; a script is not.
pub const LEGAL: Rate = Rate { burst: 10.0, per_minute: 20.0 };
/// Submissions, per trainee: one is expected; a retry or two after a network error.
pub const SUBMIT: Rate = Rate { burst: 5.0, per_minute: 6.0 };
/// Case syncs, per trainee: the app syncs on change and every few seconds.
pub const SYNC: Rate = Rate { burst: 30.0, per_minute: 120.0 };

/// (what, who) → (tokens left, when last counted).
type Buckets = HashMap<(&'static str, String), (f64, Instant)>;

#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<Buckets>,
}

impl Limiter {
    /// Takes one token from `who`'s bucket for `what`, or says in how many seconds one will
    /// be there.
    pub fn take(&self, what: &'static str, who: &str, rate: Rate) -> Result<(), u64> {
        self.count(what, who, rate, 1.0)
    }

    /// Says whether `who`'s bucket for `what` has a token, without taking it: how long to
    /// wait for one if not.
    pub fn left(&self, what: &'static str, who: &str, rate: Rate) -> Result<(), u64> {
        self.count(what, who, rate, 0.0)
    }

    fn count(&self, what: &'static str, who: &str, rate: Rate, cost: f64) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("buckets");
        if buckets.len() > 100_000 {
            // Forget full buckets: they are as good as new.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate.per_minute / 60.0 < rate.burst
            });
        }
        let (tokens, at) = buckets.entry((what, who.to_string())).or_insert((rate.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate.per_minute / 60.0).min(rate.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= cost;
            Ok(())
        } else {
            Err(((1.0 - *tokens) * 60.0 / rate.per_minute).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_with_a_wait() {
        let l = Limiter::default();
        let rate = Rate { burst: 3.0, per_minute: 6.0 };
        for _ in 0..3 {
            assert_eq!(l.take("x", "a", rate), Ok(()));
        }
        let wait = l.take("x", "a", rate).unwrap_err();
        assert!((1..=10).contains(&wait), "{wait}");
        // Another client has its own bucket.
        assert_eq!(l.take("x", "b", rate), Ok(()));
    }

    #[test]
    fn looking_at_a_bucket_takes_nothing_from_it() {
        let l = Limiter::default();
        let rate = Rate { burst: 2.0, per_minute: 1.0 };
        for _ in 0..5 {
            assert_eq!(l.left("x", "a", rate), Ok(()));
        }
        assert_eq!(l.take("x", "a", rate), Ok(()));
        assert_eq!(l.take("x", "a", rate), Ok(()));
        assert!(l.left("x", "a", rate).is_err());
    }
}
