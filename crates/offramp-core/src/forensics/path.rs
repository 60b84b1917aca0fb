//! Path search: how funds could have gone from one address to another, or from an address
//! to any address labelled with a category ("where did this reach an exchange?"). The search
//! follows outputs forward in time, breadth first, bounded by the outputs it visits (and by an
//! optional depth), and says how much can have flowed along each hop of the path it finds.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use super::index::Explorer;
use crate::ledger::{AddrIdx, OutIdx};
use crate::vocab::Category;

/// A depth that sets no limit: the search is then bounded by [`MAX_VISITS`] only.
pub const NO_DEPTH_LIMIT: u32 = u32::MAX;
/// The most outputs one search visits before it gives up and says so: the bound on its work,
/// whatever the depth (a peel chain of thousands of hops is within reach).
pub const MAX_VISITS: usize = 2_000_000;

#[derive(Debug, Clone, Copy)]
pub enum Target {
    Address(AddrIdx),
    Category(Category),
}

#[derive(Debug, Clone, Copy)]
pub struct PathOptions {
    /// Transactions a path may pass through; [`NO_DEPTH_LIMIT`] (the default) for no limit
    /// but the work bound [`MAX_VISITS`].
    pub depth: u32,
    /// Outputs followed out of each transaction (the largest first).
    pub breadth: usize,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions { depth: NO_DEPTH_LIMIT, breadth: 50 }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    #[error("depth and breadth must be at least 1")]
    Empty,
}

/// One step of a path: funds at `from` moved by `txid` to `to`.
///
/// `value` is what can have flowed along the path into `to`: the output of `txid` that pays
/// `to`, capped by what entered the path (the origin's output, then each earlier hop's
/// value). So when a 0.3 BTC deposit is swept with other customers' coins into a 120 BTC
/// output of an exchange's hot wallet, the last hop says 0.3 BTC, the most of the traced coins
/// that can be in it, and `output_value` says 120 BTC. It is an upper bound: fees and other
/// outputs of the same transactions may have taken part of it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hop {
    pub from: String,
    pub txid: String,
    pub to: String,
    /// Satoshis that can have flowed along the path into `to` (see above).
    pub value: u64,
    /// The whole output of `txid` that pays `to`, other people's coins included.
    pub output_value: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PathResult {
    pub found: bool,
    pub hops: Vec<Hop>,
    /// The label of the address reached, for a category search.
    pub label: Option<String>,
    pub visited: usize,
    /// The search stopped at its work bound ([`MAX_VISITS`]) before it had searched everything.
    pub truncated: bool,
}

/// The shortest path of funds from `from` to the target, with the value each hop can carry
/// (see [`Hop`]). The search visits at most [`MAX_VISITS`] outputs and says when it stopped
/// there.
///
/// # Errors
/// [`PathError::Empty`] for a depth or breadth of zero.
pub fn find(ex: &Explorer, from: AddrIdx, target: Target, opts: PathOptions) -> Result<PathResult, PathError> {
    if opts.depth == 0 || opts.breadth == 0 {
        return Err(PathError::Empty);
    }
    let c = &ex.chain;
    let hit = |a: AddrIdx| match target {
        Target::Address(b) => a == b,
        Target::Category(k) => ex.labels(a).iter().any(|l| l.category == k),
    };
    // The address an output the search reaches pays (it follows only those).
    let addr = |o: OutIdx| c.outputs[o].addr().expect("the search reaches outputs to an address only");
    // Output -> (the output it came from, none at the origin; depth).
    let mut pred: HashMap<OutIdx, (Option<OutIdx>, u32)> = HashMap::new();
    let mut queue = VecDeque::new();
    for &t in ex.txs_of(from) {
        for o in c.txs[t].outputs() {
            if c.outputs[o].addr() == Some(from) {
                pred.insert(o, (None, 0));
                queue.push_back(o);
            }
        }
    }
    let mut truncated = false;
    let mut found = None;
    'search: while let Some(o) = queue.pop_front() {
        let (_, depth) = pred[&o];
        let out = &c.outputs[o];
        let Some(spent_by) = out.spent_by().filter(|_| depth < opts.depth) else {
            continue;
        };
        let t = c.inputs[spent_by].tx;
        let r = &c.txs[t];
        let mut next: Vec<OutIdx> = r.outputs().filter(|&k| c.outputs[k].addr().is_some()).collect();
        next.sort_by_key(|&k| std::cmp::Reverse(c.outputs[k].value));
        for k in next.into_iter().take(opts.breadth) {
            if pred.contains_key(&k) {
                continue;
            }
            pred.insert(k, (Some(o), depth + 1));
            if hit(addr(k)) {
                found = Some(k);
                break 'search;
            }
            if pred.len() > MAX_VISITS {
                truncated = true;
                break 'search;
            }
            queue.push_back(k);
        }
    }
    let visited = pred.len();
    let Some(end) = found else {
        return Ok(PathResult { found: false, hops: Vec::new(), label: None, visited, truncated });
    };
    // The outputs of the path, origin first.
    let mut outs = vec![end];
    while let Some(&(Some(prev), _)) = pred.get(outs.last().expect("not empty")) {
        outs.push(prev);
    }
    outs.reverse();
    let mut carried = c.outputs[outs[0]].value;
    let hops = outs
        .windows(2)
        .map(|w| {
            let o = &c.outputs[w[1]];
            carried = carried.min(o.value);
            Hop {
                from: c.address_string(addr(w[0])),
                txid: c.txs[o.tx].txid().to_string(),
                to: c.address_string(addr(w[1])),
                value: carried,
                output_value: o.value,
            }
        })
        .collect();
    let label = ex.labels(addr(end)).first().map(|l| l.label.clone());
    Ok(PathResult { found: true, hops, label, visited, truncated })
}
