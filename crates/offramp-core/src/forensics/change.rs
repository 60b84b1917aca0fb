//! Change detection: which output of a payment goes back to the payer. Each heuristic is
//! named and gives its reason; a weighted vote gives the verdict and a confidence.

use serde::Serialize;

use super::coinjoin::round_btc;
use super::index::Explorer;
use crate::ledger::{AddrIdx, TxIdx};
use crate::vocab::ScriptType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
pub enum Heuristic {
    /// An output pays back to an address the transaction spends from.
    SelfTransfer,
    /// Only one output has the script type of the inputs.
    AddressType,
    /// Only one output goes to an address never seen before.
    FreshAddress,
    /// The other output is a round amount (in BTC, or in US dollars at the day's price).
    RoundAmount,
    /// Only one output is smaller than every input (a wallet adds no input it does not need).
    OptimalChange,
    /// Only one output is later spent by a transaction with the same wallet fingerprint
    /// (version, locktime style, RBF signalling).
    Fingerprint,
}

impl Heuristic {
    pub const ALL: [Heuristic; 6] = [
        Heuristic::SelfTransfer,
        Heuristic::AddressType,
        Heuristic::FreshAddress,
        Heuristic::RoundAmount,
        Heuristic::OptimalChange,
        Heuristic::Fingerprint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Heuristic::SelfTransfer => "self-transfer",
            Heuristic::AddressType => "address type",
            Heuristic::FreshAddress => "fresh address",
            Heuristic::RoundAmount => "round amount",
            Heuristic::OptimalChange => "optimal change",
            Heuristic::Fingerprint => "wallet fingerprint",
        }
    }

    fn weight(self) -> f64 {
        match self {
            Heuristic::SelfTransfer => 3.0,
            Heuristic::RoundAmount => 1.5,
            _ => 1.0,
        }
    }
}

/// One heuristic's call: the output it names as change, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Vote {
    pub heuristic: Heuristic,
    pub vout: u32,
    pub reason: String,
}

/// All heuristics on one transaction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    pub votes: Vec<Vote>,
    /// The output the weighted vote names as change.
    pub change: Option<u32>,
    /// The share of the vote's weight behind the verdict, discounted when few heuristics speak.
    pub confidence: f64,
}

/// The wallet fingerprint of a transaction: version, whether it sets a locktime, RBF.
pub fn fingerprint(ex: &Explorer, t: TxIdx) -> (i32, bool, bool) {
    let c = &ex.chain;
    let r = &c.txs[t];
    let rbf = c.inputs[r.inputs()].iter().any(|i| i.sequence < 0xffff_fffe);
    (r.version, r.locktime != 0, rbf)
}

/// Runs every heuristic on transaction `t` (a payment: not a coinbase, two or more outputs).
pub fn detect(ex: &Explorer, t: TxIdx) -> Verdict {
    let c = &ex.chain;
    let r = &c.txs[t];
    let mut votes = Vec::new();
    let outs: Vec<(u32, u64, AddrIdx)> = c.outputs[r.outputs()]
        .iter()
        .enumerate()
        .filter_map(|(k, o)| o.addr().map(|a| (k as u32, o.value, a)))
        .collect();
    if r.is_coinbase(&c.inputs) || outs.len() < 2 {
        return Verdict { votes, change: None, confidence: 0.0 };
    }
    let ins: Vec<(u64, AddrIdx)> = c.inputs[r.inputs()]
        .iter()
        .map(|i| {
            let o = &c.outputs[i.prev().expect("not a coinbase")];
            (o.value, o.addr().expect("a spent output pays an address"))
        })
        .collect();
    let kind = |a: AddrIdx| c.addresses[a].kind();
    let only = |pred: &dyn Fn(&(u32, u64, AddrIdx)) -> bool| -> Option<(u32, u64, AddrIdx)> {
        let hits: Vec<&(u32, u64, AddrIdx)> = outs.iter().filter(|o| pred(o)).collect();
        (hits.len() == 1).then(|| *hits[0])
    };
    if let Some((v, ..)) = only(&|o| ins.iter().any(|i| i.1 == o.2)) {
        votes.push(Vote {
            heuristic: Heuristic::SelfTransfer,
            vout: v,
            reason: format!("output {v} pays back to the address of an input"),
        });
    }
    let in_kinds: Vec<ScriptType> = ins.iter().map(|i| kind(i.1)).collect();
    if in_kinds.windows(2).all(|w| w[0] == w[1]) {
        let k = in_kinds[0];
        if let Some((v, ..)) = only(&|o| kind(o.2) == k) {
            votes.push(Vote {
                heuristic: Heuristic::AddressType,
                vout: v,
                reason: format!("output {v} is the only {} output, like every input", k.name()),
            });
        }
    }
    if let Some((v, ..)) = only(&|o| ex.txs_of(o.2).first() == Some(&t)) {
        votes.push(Vote {
            heuristic: Heuristic::FreshAddress,
            vout: v,
            reason: format!("output {v} goes to a new address; the others were used before"),
        });
    }
    if outs.len() == 2 {
        let price = ex.price_at(i64::from(ex.time(t)));
        let round = |value: u64| {
            let usd = value as f64 / 1e8 * price;
            // Within half a cent of a multiple of $5: a price tag, not a remainder.
            round_btc(value) || (usd >= 5.0 && ((usd / 5.0).round() * 5.0 - usd).abs() < 0.005)
        };
        let (a, b) = (outs[0], outs[1]);
        if round(a.1) != round(b.1) {
            let (change, pay) = if round(a.1) { (b, a) } else { (a, b) };
            votes.push(Vote {
                heuristic: Heuristic::RoundAmount,
                vout: change.0,
                reason: format!(
                    "output {} pays a round amount ({:.8} BTC); output {} is the rest",
                    pay.0,
                    pay.1 as f64 / 1e8,
                    change.0
                ),
            });
        }
    }
    let smallest_in = ins.iter().map(|i| i.0).min().unwrap_or(0);
    if let Some((v, value, _)) = only(&|o| o.1 < smallest_in) {
        votes.push(Vote {
            heuristic: Heuristic::OptimalChange,
            vout: v,
            reason: format!(
                "output {v} ({:.8} BTC) is smaller than every input; had it been the payment, a smaller input set would have done",
                value as f64 / 1e8
            ),
        });
    }
    let fp = fingerprint(ex, t);
    let spent_like = |o: &(u32, u64, AddrIdx)| {
        c.outputs[r.output(o.0)].spent_by().is_some_and(|sp| fingerprint(ex, c.inputs[sp].tx) == fp)
    };
    let spent_any = outs.iter().filter(|o| c.outputs[r.output(o.0)].spent_by().is_some()).count();
    if spent_any >= 2
        && let Some((v, ..)) = only(&spent_like)
    {
        votes.push(Vote {
            heuristic: Heuristic::Fingerprint,
            vout: v,
            reason: format!(
                "output {v} is spent by a transaction with this one's fingerprint (version {}, {}, {})",
                fp.0,
                if fp.1 { "locktime set" } else { "no locktime" },
                if fp.2 { "RBF" } else { "no RBF" }
            ),
        });
    }
    // The weighted vote.
    let mut score: Vec<(u32, f64)> = Vec::new();
    for v in &votes {
        match score.iter_mut().find(|s| s.0 == v.vout) {
            Some(s) => s.1 += v.heuristic.weight(),
            None => score.push((v.vout, v.heuristic.weight())),
        }
    }
    let total: f64 = score.iter().map(|s| s.1).sum();
    score.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let (change, confidence) = match score.as_slice() {
        [] => (None, 0.0),
        [(v, w), rest @ ..] if rest.first().is_none_or(|r| r.1 < *w) => {
            (Some(*v), (w / (total + 1.0) * 100.0).round() / 100.0)
        }
        _ => (None, 0.0),
    };
    Verdict { votes, change, confidence }
}
