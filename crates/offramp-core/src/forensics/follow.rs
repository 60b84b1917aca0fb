//! Following a peel chain in one action: from a coin, the transaction that spends it, the
//! output the change heuristics name as its change, the transaction that spends that change,
//! and so on, hop by hop, recording what each hop peeled off and to whom, until the chain
//! reaches a labelled service, the coin is unspent, or the heuristics are no longer sure.

use serde::Serialize;

use super::change::{self, Vote};
use super::coinjoin;
use super::index::{Explorer, Label, Payee};
use crate::ledger::{AddrIdx, OutIdx, TxIdx};
use crate::vocab::Category;

/// The most hops one follow takes: the bound on its work (each hop runs the change heuristics
/// on one transaction), far beyond any depth an investigator would follow by hand.
pub const MAX_HOPS: usize = 10_000;

/// The confidence below which a follow stops unless told otherwise: one heuristic alone
/// gives at most 0.5, two that agree 0.67 (see [`change::Verdict::confidence`]).
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.5;

/// Where a follow starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The first transaction (in chain order) that spends a coin of this address.
    Address(AddrIdx),
    /// This transaction.
    Tx(TxIdx),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowOptions {
    /// The chain stops at a change verdict less confident than this (0 to 1).
    pub min_confidence: f64,
    /// The most hops followed ([`MAX_HOPS`] at most).
    pub max_hops: usize,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions { min_confidence: DEFAULT_MIN_CONFIDENCE, max_hops: MAX_HOPS }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FollowError {
    #[error("a minimum confidence of {0} is not between 0 and 1")]
    BadConfidence(f64),
    #[error("a follow of {0} hops is not possible; give 1 to {MAX_HOPS}")]
    BadHops(usize),
}

/// One transaction of the chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowHop {
    pub txid: String,
    pub height: u32,
    pub time: u32,
    /// The address whose coin the transaction spends: the start, then the previous change.
    pub from: String,
    /// The output the chain goes on with: the change the heuristics name, or the only output.
    pub vout: u32,
    pub change_address: String,
    pub change_value: u64,
    /// The change verdict's confidence; 1 for a transaction with a single output.
    pub confidence: f64,
    /// The heuristics' votes with their reasons (none for a single output).
    pub votes: Vec<Vote>,
    /// Satoshis paid to the other outputs: what this hop peeled off.
    pub peeled: u64,
    /// Those outputs (what it peeled off and to whom), in output order.
    pub peels: Vec<Payee>,
}

/// Why a follow ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Stop {
    /// The chain reached an address labelled as a service (a category other than unknown).
    Labelled { address: String, label: String, category: Category },
    /// The coin has not been spent (yet): it sits at `address`.
    Unspent { address: String },
    /// The change verdict of `txid` is less confident than asked for.
    LowConfidence { txid: String, vout: u32, confidence: f64, min_confidence: f64 },
    /// No heuristic names a change output of `txid`, or they disagree.
    NoChange { txid: String },
    /// `txid` is a CoinJoin or a mixer payout (`kind`: "coinjoin" or "mixer", as
    /// [`coinjoin::Evidence`] names it): the change heuristics say nothing about whose output
    /// is whose there.
    Mixing { txid: String, kind: String },
    /// The follow took its most hops.
    MaxHops { hops: usize },
}

impl Stop {
    /// The reason in a sentence, for a terminal or a panel.
    pub fn describe(&self) -> String {
        match self {
            Stop::Labelled { address, label, category } => {
                format!("reached {address}, labelled {label} [{}]", category.name())
            }
            Stop::Unspent { address } => format!("the coin is unspent at {address}"),
            Stop::LowConfidence { txid, vout, confidence, min_confidence } => format!(
                "the change of {txid} (output {vout}) has confidence {confidence:.2}, below {min_confidence:.2}"
            ),
            Stop::NoChange { txid } => {
                format!("no change output can be told in {txid} (the heuristics disagree or none applies)")
            }
            Stop::Mixing { txid, kind } => {
                let what = match kind.as_str() {
                    "coinjoin" => "a CoinJoin",
                    "mixer" => "a mixer's payout",
                    other => other,
                };
                format!("{txid} is {what}: the change heuristics cannot tell whose output is whose")
            }
            Stop::MaxHops { hops } => format!("stopped after {hops} hops (the limit)"),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowResult {
    /// The address or txid the follow started from.
    pub start: String,
    pub min_confidence: f64,
    pub hops: Vec<FollowHop>,
    pub stop: Stop,
    /// Satoshis peeled off along the whole chain.
    pub peeled: u64,
}

/// The first service label (a category other than unknown) of an address.
fn service_label(ex: &Explorer, addr: AddrIdx) -> Option<&Label> {
    ex.labels(addr).iter().find(|l| l.category != Category::Unknown)
}

/// Follows the change from `start`, hop by hop: the spending transaction, its change (by the
/// heuristics of [`change::detect`], or its only output), the transaction spending that
/// change, … It stops at the first change address labelled as a service (an exchange's
/// wallet, say), at an unspent coin, at a verdict below `min_confidence`, at a transaction
/// whose change cannot be told or that is a CoinJoin, or after `max_hops` hops. Chains of
/// thousands of hops are followed; the work is one run of the heuristics per hop.
///
/// # Errors
/// A [`FollowError`] for a confidence outside 0 to 1 or a hop limit outside 1 to [`MAX_HOPS`].
pub fn follow_change(ex: &Explorer, start: Start, opts: FollowOptions) -> Result<FollowResult, FollowError> {
    if !(0.0..=1.0).contains(&opts.min_confidence) {
        return Err(FollowError::BadConfidence(opts.min_confidence));
    }
    if opts.max_hops == 0 || opts.max_hops > MAX_HOPS {
        return Err(FollowError::BadHops(opts.max_hops));
    }
    let c = &ex.chain;
    // The transaction to look at next, and the address whose coin it spends.
    let (start_text, mut next) = match start {
        Start::Address(a) => {
            let text = c.address_string(a);
            let spend = ex.txs_of(a).iter().copied().find(|&t| ex.flows(a, t).1 > 0);
            (text, spend.map(|t| (t, Some(a))))
        }
        Start::Tx(t) => {
            let r = &c.txs[t];
            let from = c.inputs[r.first_input].prev().and_then(|p| c.outputs[p].addr());
            (r.txid().to_string(), Some((t, from)))
        }
    };
    let unspent_at = match start {
        Start::Address(a) => c.address_string(a),
        Start::Tx(_) => String::new(),
    };
    let mut hops: Vec<FollowHop> = Vec::new();
    let stop = loop {
        let Some((t, from)) = next else {
            break Stop::Unspent { address: hops.last().map_or(unspent_at, |h| h.change_address.clone()) };
        };
        if hops.len() >= opts.max_hops {
            break Stop::MaxHops { hops: hops.len() };
        }
        let r = &c.txs[t];
        let txid = r.txid().to_string();
        if let Some(e) = coinjoin::coinjoin(ex, t).or_else(|| coinjoin::mixer_payout(ex, t)) {
            break Stop::Mixing { txid, kind: e.kind.to_string() };
        }
        let with_address: Vec<(OutIdx, AddrIdx)> =
            r.outputs().filter_map(|o| c.outputs[o].addr().map(|a| (o, a))).collect();
        let (vout, confidence, votes) = if let [(only, _)] = with_address.as_slice() {
            (r.vout(*only), 1.0, Vec::new())
        } else {
            let v = change::detect(ex, t);
            match v.change {
                None => break Stop::NoChange { txid },
                Some(k) if v.confidence < opts.min_confidence => {
                    break Stop::LowConfidence {
                        txid,
                        vout: k,
                        confidence: v.confidence,
                        min_confidence: opts.min_confidence,
                    };
                }
                Some(k) => (k, v.confidence, v.votes),
            }
        };
        let change_out = r.output(vout);
        let co = c.outputs[change_out];
        let co_addr = co.addr().expect("the change is an output with an address");
        let peels: Vec<Payee> = with_address
            .iter()
            .filter(|&&(o, _)| o != change_out)
            .map(|&(o, a)| Payee {
                address: c.address_string(a),
                value: c.outputs[o].value,
                labels: ex.labels(a).to_vec(),
            })
            .collect();
        hops.push(FollowHop {
            txid,
            height: r.height,
            time: ex.time(t),
            from: from.map_or_else(|| String::from("(coinbase)"), |a| c.address_string(a)),
            vout,
            change_address: c.address_string(co_addr),
            change_value: co.value,
            confidence,
            votes,
            peeled: peels.iter().map(|p| p.value).sum(),
            peels,
        });
        if let Some(l) = service_label(ex, co_addr) {
            break Stop::Labelled { address: c.address_string(co_addr), label: l.label.clone(), category: l.category };
        }
        next = co.spent_by().map(|sp| (c.inputs[sp].tx, Some(co_addr)));
    };
    let peeled = hops.iter().map(|h| h.peeled).sum();
    Ok(FollowResult { start: start_text, min_confidence: opts.min_confidence, hops, stop, peeled })
}
