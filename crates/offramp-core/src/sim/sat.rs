//! Arithmetic on satoshi amounts that never wraps. Every result is at most [`MAX_MONEY`], the
//! 21,000,000 BTC that can ever exist: anything more is `None`, which the simulator turns into
//! an error naming the place in the scenario (see `Engine::overflow`), never a wrapped number
//! in a block.

pub use crate::ledger::MAX_MONEY;

/// `a + b`, if that is an amount of money.
pub fn add(a: u64, b: u64) -> Option<u64> {
    a.checked_add(b).filter(|v| *v <= MAX_MONEY)
}

/// `a - b`, if `b` is at most `a`.
pub fn sub(a: u64, b: u64) -> Option<u64> {
    a.checked_sub(b)
}

/// `a * k`, if that is an amount of money.
pub fn mul(a: u64, k: u64) -> Option<u64> {
    a.checked_mul(k).filter(|v| *v <= MAX_MONEY)
}

/// The sum of `values`, if it is an amount of money.
pub fn sum(values: impl IntoIterator<Item = u64>) -> Option<u64> {
    values.into_iter().try_fold(0u64, add)
}

/// `x` satoshis, truncated as `as u64` truncates, if `x` is a number of satoshis that can
/// exist (not NaN, not negative, not above [`MAX_MONEY`]).
pub fn from_f64(x: f64) -> Option<u64> {
    (x.is_finite() && (0.0..=MAX_MONEY as f64).contains(&x)).then_some(x as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_money_is_bitcoins() {
        assert_eq!(MAX_MONEY, bitcoin::Amount::MAX_MONEY.to_sat());
    }

    #[test]
    fn amounts_beyond_all_the_money_there_is_are_none() {
        assert_eq!(add(MAX_MONEY, 1), None);
        assert_eq!(add(u64::MAX, 1), None);
        assert_eq!(add(2, 3), Some(5));
        assert_eq!(sub(2, 3), None);
        assert_eq!(mul(MAX_MONEY / 2 + 1, 2), None);
        assert_eq!(sum([MAX_MONEY, 1]), None);
        assert_eq!(sum([1, 2, 3]), Some(6));
        assert_eq!(from_f64(f64::INFINITY), None);
        assert_eq!(from_f64(f64::NAN), None);
        assert_eq!(from_f64(-1.0), None);
        assert_eq!(from_f64(1e30), None);
        assert_eq!(from_f64(12.9), Some(12));
    }
}
