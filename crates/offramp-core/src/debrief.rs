//! The debrief: a trainee's findings laid over the truth. Each hop of the true paths is found
//! or missed, each hop the trainee marked that is not on them is wrong; each address answer
//! likewise; and the places where a heuristic misled (a change verdict that named the
//! payment, co-spend clustering that merged owners through a CoinJoin the detector missed)
//! are named, with whether the trainee's answer followed them. The instructor's view and the
//! self-paced results screen both show it; it reads the truth.

use std::collections::BTreeSet;

use crate::answer::{Given, Resolved};
use crate::case::Case;
use crate::forensics::{Explorer, canonical_address, change, coinjoin};
use crate::ledger::TxIdx;
use crate::truth::{Operation, Purpose};
use crate::world::World;

/// What the trainee made of one item of the truth, or of their own answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mark {
    /// On the true answer and in the trainee's.
    Found,
    /// On the true answer, not in the trainee's.
    Missed,
    /// In the trainee's answer, not on the true one.
    Wrong,
    /// On the true answer, with no trainee's case to compare (the instructor's key).
    Key,
}

/// One hop of a path, marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hop {
    pub objective: String,
    pub from: String,
    pub to: String,
    /// The transaction in which `from` pays `to`, when there is one.
    pub txid: Option<String>,
    pub mark: Mark,
}

/// One address of an address answer, marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub objective: String,
    pub address: String,
    pub mark: Mark,
}

/// A place where a heuristic pointed the wrong way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Misled {
    pub txid: String,
    pub what: String,
    /// The addresses the heuristic pointed at wrongly.
    pub addresses: Vec<String>,
    /// Whether one of them is in a wrong hop or a wrong address of the trainee's answers: the
    /// heuristic led them astray.
    pub followed: bool,
}

/// A debrief of one world, with or without a trainee's case.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Debrief {
    pub hops: Vec<Hop>,
    pub items: Vec<Item>,
    pub misled: Vec<Misled>,
}

impl Debrief {
    /// How many hops have `mark`.
    pub fn count(&self, mark: Mark) -> usize {
        self.hops.iter().filter(|h| h.mark == mark).count()
    }
}

/// Lays `case` (if any) over the truth of `w`; `ex` is the explorer over `w`'s chain (the
/// heuristics are run on it as the trainee's tools ran them).
pub fn debrief(w: &World, ex: &Explorer, case: Option<&Case>) -> Debrief {
    let net = w.scenario.meta.network;
    let canon = |a: &str| canonical_address(a, net).unwrap_or_else(|_| a.trim().to_string());
    let given = |id: &str| case.and_then(|c| c.answers.get(id));
    let mark_of = |on_truth: bool, in_case: bool| match (case.is_some(), on_truth, in_case) {
        (false, _, _) => Mark::Key,
        (true, true, true) => Mark::Found,
        (true, true, false) => Mark::Missed,
        (true, false, _) => Mark::Wrong,
    };
    let mut hops = Vec::new();
    let mut items = Vec::new();
    for (o, truth) in w.scenario.objectives.iter().zip(&w.truth.answers) {
        match truth {
            Resolved::Path(true_hops) => {
                let t: BTreeSet<(String, String)> = true_hops.iter().map(|(a, b)| (canon(a), canon(b))).collect();
                let g: BTreeSet<(String, String)> = given(&o.id)
                    .map(|g| g.hops().iter().map(|(a, b)| (canon(a), canon(b))).collect())
                    .unwrap_or_default();
                for (from, to) in t.union(&g) {
                    let key = (from.clone(), to.clone());
                    let mark = mark_of(t.contains(&key), g.contains(&key));
                    let txid = hop_tx(ex, from, to);
                    hops.push(Hop { objective: o.id.clone(), from: from.clone(), to: to.clone(), txid, mark });
                }
            }
            Resolved::Addresses(true_addrs) => {
                let t: BTreeSet<String> = true_addrs.iter().map(|a| canon(a)).collect();
                let g: BTreeSet<String> = match given(&o.id) {
                    Some(Given::Addresses(a)) => a.iter().map(|a| canon(a)).collect(),
                    _ => BTreeSet::new(),
                };
                for a in t.union(&g) {
                    let mark = mark_of(t.contains(a), g.contains(a));
                    items.push(Item { objective: o.id.clone(), address: a.clone(), mark });
                }
            }
            _ => {}
        }
    }
    let wrong: BTreeSet<String> = hops
        .iter()
        .filter(|h| h.mark == Mark::Wrong)
        .flat_map(|h| [h.from.clone(), h.to.clone()])
        .chain(items.iter().filter(|i| i.mark == Mark::Wrong).map(|i| i.address.clone()))
        .collect();
    let misled = misled(w, ex, &wrong);
    Debrief { hops, items, misled }
}

/// The transaction in which `from` spends and `to` receives.
fn hop_tx(ex: &Explorer, from: &str, to: &str) -> Option<String> {
    let (a, b) = (ex.address(from).ok()?, ex.address(to).ok()?);
    let theirs = ex.txs_of(b);
    ex.txs_of(a)
        .iter()
        .find(|&&t| theirs.binary_search(&t).is_ok() && ex.flows(a, t).1 > 0 && ex.flows(b, t).0 > 0)
        .map(|&t| ex.chain.txs[t].txid().to_string())
}

/// The story's transactions where a heuristic points the wrong way.
fn misled(w: &World, ex: &Explorer, wrong: &BTreeSet<String>) -> Vec<Misled> {
    let chain = &w.chain;
    let owner = |a: crate::ledger::AddrIdx| w.truth.addresses[a].entity;
    let mut out = Vec::new();
    let story: BTreeSet<TxIdx> = w.truth.step_txs.iter().flatten().copied().collect();
    for (i, purpose) in w.truth.purposes.iter().enumerate() {
        let t = TxIdx::new(i);
        let joined = matches!(purpose, Purpose::Service(Operation::CoinJoinRound));
        if !story.contains(&t) && !joined {
            continue;
        }
        let tx = &chain.txs[t];
        let payer = tx.inputs().find_map(|i| chain.inputs[i].prev().and_then(|o| chain.outputs[o].addr()));
        let payers: BTreeSet<_> = tx
            .inputs()
            .filter_map(|i| chain.inputs[i].prev().and_then(|o| chain.outputs[o].addr()))
            .map(owner)
            .collect();
        // Co-spend clustering merges every input's owner; the CoinJoin detector is what stops it.
        if payers.len() > 1 && coinjoin::coinjoin(ex, t).is_none() {
            let addresses: Vec<String> = tx
                .inputs()
                .filter_map(|i| chain.inputs[i].prev().and_then(|o| chain.outputs[o].addr()))
                .map(|a| chain.address_string(a))
                .collect();
            out.push(Misled {
                txid: tx.txid().to_string(),
                what: format!(
                    "co-spend clustering merges {} owners here: a CoinJoin the detector does not flag, so its inputs look like one wallet",
                    payers.len()
                ),
                followed: addresses.iter().any(|a| wrong.contains(a)),
                addresses,
            });
            continue;
        }
        // A change verdict that names the payment: an output to another owner.
        let Some(payer) = payer.map(owner) else { continue };
        let verdict = change::detect(ex, t);
        let Some(vout) = verdict.change else { continue };
        let Some(a) = chain.outputs[tx.output(vout)].addr() else { continue };
        if owner(a) != payer {
            let text = chain.address_string(a);
            let to = &w.truth.entities[owner(a).index()].name;
            out.push(Misled {
                txid: tx.txid().to_string(),
                what: format!(
                    "the change heuristics name output {vout} as change ({:.0}% confidence), but it is the payment to {to}",
                    verdict.confidence * 100.0
                ),
                followed: wrong.contains(&text),
                addresses: vec![text],
            });
        }
    }
    out
}
