//! Taint tracing, forward (where did these coins go?) and backward (where did they come
//! from?), by the poison, haircut or FIFO rule. It stops at addresses labelled with a category
//! such as exchange, at an optional depth, and in any case once it has tainted
//! [`MAX_OUTPUTS`] outputs (a bound on work, not on hops: a peel chain of thousands of hops is
//! followed to its end). It reports each reached address with the amount attributed to it and
//! the transactions that led there.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::index::Explorer;
use crate::ledger::{AddrIdx, InputRecord, OutIdx, TxIdx};
use crate::vocab::Category;

/// A depth that sets no limit: the trace is then bounded by [`MAX_OUTPUTS`] only.
pub const NO_DEPTH_LIMIT: u32 = u32::MAX;
/// Reached addresses (the largest amounts first) whose path of transactions is listed; the
/// others give their number of hops only.
pub const MAX_PATHS: usize = 1000;
/// The most txids listed in all those paths together (long chains make long paths); the
/// paths past it are left empty.
pub const MAX_PATH_STEPS: usize = 1_000_000;
/// The most outputs one trace may reach before it stops and says so: the bound on its work.
pub const MAX_OUTPUTS: usize = 2_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// Every output of a transaction with a tainted input is tainted in full.
    Poison,
    /// Each output carries the tainted share of the inputs.
    Haircut,
    /// Satoshis keep their order: the first ones in are the first ones out.
    Fifo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    Forward,
    Backward,
}

#[derive(Debug, Clone)]
pub struct TraceOptions {
    pub method: Method,
    pub direction: Direction,
    /// Transactions a trace may pass through from the origin; [`NO_DEPTH_LIMIT`] for no limit
    /// but the work bound [`MAX_OUTPUTS`].
    pub depth: u32,
    /// Addresses labelled with these categories are reached but not traced through.
    pub stop_at: Vec<Category>,
}

impl Default for TraceOptions {
    /// Haircut, forward, no depth limit, stopping at exchanges.
    fn default() -> Self {
        TraceOptions {
            method: Method::Haircut,
            direction: Direction::Forward,
            depth: NO_DEPTH_LIMIT,
            stop_at: vec![Category::Exchange],
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TraceError {
    #[error("a depth of 0 traces nothing; give 1 or more")]
    NoDepth,
}

/// One address a trace reached.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reached {
    pub address: String,
    /// Satoshis attributed to it.
    pub amount: u64,
    /// Transactions from the origin to it (the first time it was reached).
    pub hops: u32,
    /// Those transactions' txids, for the [`MAX_PATHS`] largest amounts (while the paths
    /// listed hold fewer than [`MAX_PATH_STEPS`] txids); empty for the others.
    pub path: Vec<String>,
    /// It carries a stop label, so the trace did not go through it.
    pub stopped: bool,
    pub category: Option<Category>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TraceResult {
    pub origin: String,
    pub method: Method,
    pub direction: Direction,
    /// The depth limit it ran with; `None` for none.
    pub depth: Option<u32>,
    /// Satoshis the trace started from.
    pub start_amount: u64,
    /// Reached addresses, the largest amount first.
    pub reached: Vec<Reached>,
    /// The trace stopped at its work bound ([`MAX_OUTPUTS`]) before it had followed everything.
    pub truncated: bool,
}

/// A tainted output: its amount, depth and the transaction that tainted it (none at the origin).
#[derive(Clone, Copy)]
struct Taint {
    amount: u64,
    depth: u32,
    via: Option<TxIdx>,
}

/// Traces from every output an address received (forward), or that funded them (backward).
///
/// # Errors
/// [`TraceError::NoDepth`] for a depth of zero.
pub fn trace(ex: &Explorer, addr: AddrIdx, opts: &TraceOptions) -> Result<TraceResult, TraceError> {
    let c = &ex.chain;
    let outs: Vec<OutIdx> = ex
        .txs_of(addr)
        .iter()
        .flat_map(|&t| c.txs[t].outputs())
        .filter(|&o| c.outputs[o].addr() == Some(addr))
        .collect();
    trace_outputs(ex, &c.address_string(addr), &outs, opts)
}

/// Traces from the given outputs.
///
/// # Errors
/// [`TraceError::NoDepth`] for a depth of zero.
pub fn trace_outputs(
    ex: &Explorer,
    origin: &str,
    start: &[OutIdx],
    opts: &TraceOptions,
) -> Result<TraceResult, TraceError> {
    if opts.depth == 0 {
        return Err(TraceError::NoDepth);
    }
    let c = &ex.chain;
    let mut tainted: HashMap<OutIdx, Taint> = HashMap::new();
    for &o in start {
        tainted.insert(o, Taint { amount: c.outputs[o].value, depth: 0, via: None });
    }
    let start_amount = start.iter().map(|&o| c.outputs[o].value).sum();
    let stops =
        |o: OutIdx| c.outputs[o].addr().is_some_and(|a| ex.category(a).is_some_and(|k| opts.stop_at.contains(&k)));
    // Transactions to process, in chain order (forward) or reverse order (backward).
    let mut queue: BTreeMap<TxIdx, ()> = BTreeMap::new();
    let enqueue = |queue: &mut BTreeMap<TxIdx, ()>, o: OutIdx| {
        let out = &c.outputs[o];
        let t = match (opts.direction, out.spent_by()) {
            (Direction::Forward, Some(sp)) => c.inputs[sp].tx,
            (Direction::Backward, _) if !c.txs[out.tx].is_coinbase(&c.inputs) => out.tx,
            _ => return,
        };
        queue.insert(t, ());
    };
    for &o in start {
        if !stops(o) {
            enqueue(&mut queue, o);
        }
    }
    let mut truncated = false;
    while let Some(t) = match opts.direction {
        Direction::Forward => queue.pop_first().map(|(t, _)| t),
        Direction::Backward => queue.pop_last().map(|(t, _)| t),
    } {
        let r = &c.txs[t];
        // The side taint comes in by, and the side it goes out to (a coinbase's input spends
        // no output).
        let ins = || c.inputs[r.inputs()].iter().map(InputRecord::prev).collect();
        let outs = || r.outputs().map(Some).collect();
        let (from, to): (Vec<Option<OutIdx>>, Vec<Option<OutIdx>>) = match opts.direction {
            Direction::Forward => (ins(), outs()),
            Direction::Backward => (outs(), ins()),
        };
        let value = |o: Option<OutIdx>| o.map_or(0, |o| c.outputs[o].value);
        let taint_of = |o: &Option<OutIdx>| o.and_then(|o| tainted.get(&o));
        let in_taint: Vec<u64> = from.iter().map(|o| taint_of(o).map_or(0, |x| x.amount)).collect();
        let depth = from.iter().filter_map(taint_of).map(|x| x.depth).min().unwrap_or(0) + 1;
        if depth > opts.depth {
            continue;
        }
        let total_in: u64 = from.iter().map(|&o| value(o)).sum();
        let tainted_in: u64 = in_taint.iter().sum();
        if tainted_in == 0 || total_in == 0 {
            continue;
        }
        let out_values: Vec<u64> = to.iter().map(|&o| value(o)).collect();
        let amounts: Vec<u64> = match opts.method {
            Method::Poison => out_values.clone(),
            Method::Haircut => {
                let share = tainted_in as f64 / total_in as f64;
                out_values.iter().map(|v| (*v as f64 * share) as u64).collect()
            }
            Method::Fifo => fifo(&from.iter().map(|&o| value(o)).collect::<Vec<_>>(), &in_taint, &out_values),
        };
        for (k, &o) in to.iter().enumerate() {
            let Some(o) = o.filter(|&o| amounts[k] != 0 && c.outputs[o].addr().is_some()) else {
                continue;
            };
            let e = tainted.entry(o).or_insert(Taint { amount: 0, depth, via: Some(t) });
            e.amount = e.amount.max(amounts[k]);
            if tainted.len() > MAX_OUTPUTS {
                truncated = true;
                break;
            }
            if !stops(o) && depth < opts.depth {
                enqueue(&mut queue, o);
            }
        }
        if truncated {
            break;
        }
    }
    // Per address: the amount, the shallowest depth and its path (through the first output
    // at that depth). Rows are sorted before they are summed, so no hash map's order reaches
    // the result.
    let mut rows: Vec<(AddrIdx, u32, OutIdx, u64)> = tainted
        .iter()
        .filter(|(_, x)| x.via.is_some())
        .map(|(&o, x)| (c.outputs[o].addr().expect("only outputs to an address are tainted"), x.depth, o, x.amount))
        .collect();
    rows.sort_unstable();
    let mut found: Vec<(AddrIdx, u64, u32, OutIdx)> = Vec::new();
    for (a, depth, o, amount) in rows {
        match found.last_mut() {
            Some(f) if f.0 == a => f.1 += amount,
            _ => found.push((a, amount, depth, o)),
        }
    }
    found.sort_by(|x, y| y.1.cmp(&x.1).then(x.2.cmp(&y.2)).then(x.0.cmp(&y.0)));
    let path_to = |o: OutIdx| {
        let mut path = Vec::new();
        let mut cur = o;
        // Each step goes to an output one transaction shallower, so the walk takes as many steps
        // as the depth it starts from; the bound is a guard.
        let steps = tainted.get(&o).map_or(0, |x| x.depth as usize);
        while let Some(x) = tainted.get(&cur) {
            let Some(via) = x.via.filter(|_| path.len() <= steps) else {
                break;
            };
            path.push(c.txs[via].txid().to_string());
            // Step to a tainted output on the other side of that transaction.
            let r = &c.txs[via];
            let prev: Vec<OutIdx> = match opts.direction {
                Direction::Forward => c.inputs[r.inputs()].iter().filter_map(InputRecord::prev).collect(),
                Direction::Backward => r.outputs().collect(),
            };
            match prev.into_iter().filter(|p| tainted.contains_key(p)).min_by_key(|p| (tainted[p].depth, *p)) {
                Some(p) => cur = p,
                None => break,
            }
        }
        path.reverse();
        path
    };
    let mut listed = 0usize;
    let reached: Vec<Reached> = found
        .into_iter()
        .enumerate()
        .map(|(rank, (a, amount, hops, o))| {
            let path = if rank < MAX_PATHS && listed + hops as usize <= MAX_PATH_STEPS {
                let p = path_to(o);
                listed += p.len();
                p
            } else {
                Vec::new()
            };
            Reached {
                address: c.address_string(a),
                amount,
                hops,
                path,
                stopped: ex.category(a).is_some_and(|k| opts.stop_at.contains(&k)),
                category: ex.category(a),
            }
        })
        .collect();
    Ok(TraceResult {
        origin: origin.to_string(),
        method: opts.method,
        direction: opts.direction,
        depth: (opts.depth != NO_DEPTH_LIMIT).then_some(opts.depth),
        start_amount,
        reached,
        truncated,
    })
}

/// First in, first out: the inputs' satoshis laid end to end, tainted stretches marked, and
/// the outputs cut from the same line in order.
fn fifo(in_values: &[u64], in_taint: &[u64], out_values: &[u64]) -> Vec<u64> {
    // Tainted intervals on the input line (the tainted part of an input comes first).
    let mut spans = Vec::new();
    let mut at = 0u64;
    for (v, t) in in_values.iter().zip(in_taint) {
        if *t > 0 {
            spans.push((at, at + t.min(v)));
        }
        at += v;
    }
    let mut out = Vec::with_capacity(out_values.len());
    let mut pos = 0u64;
    for v in out_values {
        let (lo, hi) = (pos, pos + v);
        out.push(spans.iter().map(|(a, b)| b.min(&hi).saturating_sub(*a.max(&lo))).sum());
        pos = hi;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fifo;

    #[test]
    fn fifo_keeps_the_order_of_satoshis() {
        // Inputs: 10 tainted, then 10 clean. Outputs of 5, 10, 5.
        assert_eq!(fifo(&[10, 10], &[10, 0], &[5, 10, 5]), vec![5, 5, 0]);
        // The tainted input second: its coins land in the last outputs.
        assert_eq!(fifo(&[10, 10], &[0, 10], &[5, 10, 5]), vec![0, 5, 5]);
    }
}
