//! Numbers, times and ids as people read them, one way for the command line and the app:
//! bitcoin amounts, dollars, points, instants, days, time spent and shortened addresses or
//! txids.

use crate::time::format_instant;

const SAT_PER_BTC: u64 = 100_000_000;

/// An amount in bitcoin with all 8 decimals: `"0.01250000 BTC"`. Exact (no floating point).
pub fn btc(sat: u64) -> String {
    format!("{}.{:08} BTC", sat / SAT_PER_BTC, sat % SAT_PER_BTC)
}

/// An amount in bitcoin without trailing zeros, for labels: `"0.0125 BTC"`, `"2 BTC"`.
pub fn btc_short(sat: u64) -> String {
    let s = format!("{}.{:08}", sat / SAT_PER_BTC, sat % SAT_PER_BTC);
    format!("{} BTC", s.trim_end_matches('0').trim_end_matches('.'))
}

/// A signed change of a balance in bitcoin with all 8 decimals: `"+0.50000000 BTC"`,
/// `"-0.01250000 BTC"`.
pub fn btc_delta(sat: i64) -> String {
    let sign = if sat < 0 { '-' } else { '+' };
    let a = sat.unsigned_abs();
    format!("{sign}{}.{:08} BTC", a / SAT_PER_BTC, a % SAT_PER_BTC)
}

/// Groups the digits of a whole number by thousands: `12345` → `"12,345"`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Whole dollars with thousands separators: `"$12,345"`, `"-$40"`. A value that is no
/// number (NaN) reads `"$0"`; one that rounds to zero is never `"-$0"`.
pub fn usd(x: f64) -> String {
    let whole = if x.is_finite() { x.abs().round() } else { 0.0 };
    let sign = if x < 0.0 && whole > 0.0 { "-" } else { "" };
    format!("{sign}${}", thousands(whole.min(u64::MAX as f64) as u64))
}

/// Dollars and cents with thousands separators: `"$63,412.17"`, `"-$0.05"`.
pub fn usd_cents(x: f64) -> String {
    let cents = if x.is_finite() { (x.abs() * 100.0).round() } else { 0.0 };
    let cents = cents.min(u64::MAX as f64) as u64;
    let sign = if x < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}${}.{:02}", thousands(cents / 100), cents % 100)
}

/// Points as a person writes them, to the hundredth: `"5"`, `"2.5"`, `"0.25"`, `"-4"`; never
/// `"-0"`.
pub fn points(x: f64) -> String {
    let r = if x.is_finite() { (x * 100.0).round() / 100.0 } else { 0.0 };
    if r == 0.0 {
        return "0".to_string();
    }
    let s = format!("{:.2}", r.abs());
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if r < 0.0 { format!("-{s}") } else { s.to_string() }
}

/// An instant in UTC: `"2025-03-05T14:00:00Z"`.
pub fn when(t: impl Into<i64>) -> String {
    format_instant(t.into())
}

/// The day of an instant in UTC: `"2025-03-05"`.
pub fn day(t: impl Into<i64>) -> String {
    let s = format_instant(t.into());
    s.split('T').next().unwrap_or(&s).to_string()
}

/// Time spent, to the second, as a running clock shows it: `"1:05:09"`.
pub fn clock(seconds: u64) -> String {
    format!("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// Time spent, to the minute, as a gradebook lists it: `"1:05"`.
pub fn hours_minutes(seconds: u64) -> String {
    format!("{}:{:02}", seconds / 3600, seconds / 60 % 60)
}

/// An address, txid or label shortened for a narrow place: its first 8 and last 4
/// characters around an ellipsis (`"bcrt1qxy…3k9d"`); text of 14 characters or fewer is
/// kept whole. Counts characters, not bytes, so any text is safe.
pub fn short_id(s: &str) -> String {
    let n = s.chars().count();
    if n <= 14 {
        return s.to_string();
    }
    let head: String = s.chars().take(8).collect();
    let tail: String = s.chars().skip(n - 4).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(btc(1_250_000), "0.01250000 BTC");
        assert_eq!(btc(21 * SAT_PER_BTC), "21.00000000 BTC");
        assert_eq!(btc_short(1_250_000), "0.0125 BTC");
        assert_eq!(btc_short(2 * SAT_PER_BTC), "2 BTC");
        assert_eq!(btc_short(0), "0 BTC");
        assert_eq!(btc_delta(-1_250_000), "-0.01250000 BTC");
        assert_eq!(btc_delta(50_000_000), "+0.50000000 BTC");
        assert_eq!(usd(12_345.4), "$12,345");
        assert_eq!(usd(999.5), "$1,000");
        assert_eq!(usd(-40.0), "-$40");
        assert_eq!(usd(-0.2), "$0");
        assert_eq!(usd(f64::NAN), "$0");
        assert_eq!(usd_cents(63_412.168), "$63,412.17");
        assert_eq!(usd_cents(1_000_000.0), "$1,000,000.00");
        assert_eq!(usd_cents(-0.001), "$0.00");
    }

    #[test]
    fn points_never_read_minus_zero() {
        assert_eq!(points(5.0), "5");
        assert_eq!(points(2.5), "2.5");
        assert_eq!(points(0.25), "0.25");
        assert_eq!(points(1.0 / 3.0), "0.33");
        assert_eq!(points(-4.0), "-4");
        assert_eq!(points(-0.0), "0");
        assert_eq!(points(-0.001), "0");
    }

    #[test]
    fn times_and_ids_fit_their_place() {
        assert_eq!(when(1_741_183_200i64), "2025-03-05T14:00:00Z");
        assert_eq!(when(1_741_183_200u32), "2025-03-05T14:00:00Z");
        assert_eq!(day(1_741_183_200i64), "2025-03-05");
        assert_eq!(short_id("bcrt1qdvlj764nsku8pkpp29e7cz9f0nmvku4ss5386z"), "bcrt1qdv…386z");
        assert_eq!(short_id("CoinBay"), "CoinBay");
        assert_eq!(short_id("Börse Zürich – Hauptkonto"), "Börse Zü…onto");
    }
}
