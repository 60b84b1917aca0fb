//! CoinJoin and mixer detection, with the evidence shown to the user.

use serde::Serialize;

use super::index::Explorer;
use crate::ledger::{AddrIdx, InputRecord, OutputRecord, TxIdx};

/// Fewest equal outputs that make a CoinJoin.
pub const MIN_EQUAL_OUTPUTS: usize = 3;

/// Why a transaction looks like a CoinJoin or a mixer's payout.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    pub kind: &'static str,
    pub summary: String,
}

/// The largest group of outputs with one value: (value, count).
fn equal_outputs(ex: &Explorer, t: TxIdx) -> (u64, usize) {
    let c = &ex.chain;
    let r = &c.txs[t];
    let mut values: Vec<u64> = c.outputs[r.outputs()].iter().filter(|o| o.addr().is_some()).map(|o| o.value).collect();
    values.sort_unstable();
    let mut best = (0, 0);
    let mut k = 0;
    while k < values.len() {
        let j = values[k..].iter().take_while(|v| **v == values[k]).count();
        if j > best.1 {
            best = (values[k], j);
        }
        k += j;
    }
    best
}

/// An equal-output CoinJoin: at least three outputs of one value, at least as many inputs as
/// equal outputs, and the equal outputs paying distinct addresses.
pub fn coinjoin(ex: &Explorer, t: TxIdx) -> Option<Evidence> {
    let c = &ex.chain;
    let r = &c.txs[t];
    if r.n_outputs < MIN_EQUAL_OUTPUTS as u32 || r.n_inputs < MIN_EQUAL_OUTPUTS as u32 || r.is_coinbase(&c.inputs) {
        return None;
    }
    let (value, count) = equal_outputs(ex, t);
    if count < MIN_EQUAL_OUTPUTS || (r.n_inputs as usize) < count.min(5) {
        return None;
    }
    let mut addrs: Vec<Option<AddrIdx>> =
        c.outputs[r.outputs()].iter().filter(|o| o.value == value).map(OutputRecord::addr).collect();
    addrs.sort_unstable();
    addrs.dedup();
    if addrs.len() < count {
        return None;
    }
    Some(Evidence {
        kind: "coinjoin",
        summary: format!(
            "{count} outputs of exactly {:.8} BTC among {} outputs, from {} inputs",
            value as f64 / 1e8,
            r.n_outputs,
            r.n_inputs
        ),
    })
}

/// Shortest chain of look-alike payouts taken for a mixer's pool.
pub const MIN_CHAIN: usize = 10;

/// Whether an amount looks chosen by a person: at most three significant digits in BTC.
pub fn round_btc(value: u64) -> bool {
    if value == 0 {
        return false;
    }
    let mut v = value;
    let mut digits = 0;
    while v >= 1000 {
        if !v.is_multiple_of(10) {
            return false;
        }
        v /= 10;
        digits += 1;
    }
    digits >= 2
}

/// One payout of a custodial mixer's pool: few inputs, two outputs to never-seen addresses,
/// no round amount, and the change feeding the next payout of the same shape, so that the
/// payouts form a chain.
pub fn mixer_payout(ex: &Explorer, t: TxIdx) -> Option<Evidence> {
    let mut len = 1;
    // Backward, then forward, along the chain of look-alike payouts.
    for step in [prev_in_chain as fn(&Explorer, TxIdx) -> Option<TxIdx>, next_in_chain] {
        let mut cur = t;
        while let Some(n) = step(ex, cur) {
            len += 1;
            cur = n;
            if len > 64 {
                break;
            }
        }
    }
    (looks_like_payout(ex, t) && len >= MIN_CHAIN).then(|| Evidence {
        kind: "mixer",
        summary: format!(
            "one of a chain of {len} look-alike payouts: two fresh outputs, odd amounts, change spent by the next"
        ),
    })
}

fn looks_like_payout(ex: &Explorer, t: TxIdx) -> bool {
    let c = &ex.chain;
    let r = &c.txs[t];
    if r.is_coinbase(&c.inputs) || r.n_outputs != 2 || r.n_inputs > 3 {
        return false;
    }
    c.outputs[r.outputs()]
        .iter()
        .all(|o| o.addr().is_some_and(|a| ex.txs_of(a).first() == Some(&t)) && !round_btc(o.value))
}

fn next_in_chain(ex: &Explorer, t: TxIdx) -> Option<TxIdx> {
    if !looks_like_payout(ex, t) {
        return None;
    }
    let c = &ex.chain;
    let r = &c.txs[t];
    c.outputs[r.outputs()]
        .iter()
        .filter_map(OutputRecord::spent_by)
        .map(|sp| c.inputs[sp].tx)
        .find(|&n| looks_like_payout(ex, n))
}

fn prev_in_chain(ex: &Explorer, t: TxIdx) -> Option<TxIdx> {
    if !looks_like_payout(ex, t) {
        return None;
    }
    let c = &ex.chain;
    let r = &c.txs[t];
    c.inputs[r.inputs()]
        .iter()
        .filter_map(InputRecord::prev)
        .map(|p| c.outputs[p].tx)
        .find(|&p| looks_like_payout(ex, p))
}

#[cfg(test)]
mod tests {
    use super::round_btc;

    #[test]
    fn round_amounts_have_few_significant_digits() {
        assert!(round_btc(5_000_000));
        assert!(round_btc(123_000));
        assert!(!round_btc(123_456));
        assert!(!round_btc(0));
        assert!(!round_btc(120));
    }
}
