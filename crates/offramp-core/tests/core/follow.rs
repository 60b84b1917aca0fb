//! Tracing and path search along a chain far longer than anyone follows by hand: bounded by
//! work, not by depth.

use offramp_core::forensics::Explorer;
use offramp_core::forensics::load::explorer_of;
use offramp_core::forensics::path::{self, PathOptions, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions};
use offramp_core::scenario::{AddrRole, Category, Scenario};
use offramp_core::sim::World;

use crate::common::*;

/// The intermediate scenario with its peel chain made `peels` hops long.
fn long_peel_chain(peels: u32) -> World {
    let text = std::fs::read_to_string(scenarios_dir().join("intermediate-two-exchanges.ron")).unwrap();
    let from = "peels: 8, to: [\"bitpoint\", \"zenbit\"], peel_fraction: (0.08, 0.18)";
    assert!(text.contains(from), "the intermediate scenario's peel chain changed");
    let text =
        text.replace(from, &format!("peels: {peels}, to: [\"bitpoint\", \"zenbit\"], peel_fraction: (0.005, 0.012)"));
    let sc = Scenario::parse(&text, "long-peel-chain.ron").unwrap_or_else(|e| panic!("{e}"));
    generate(&sc, None, false)
}

/// The transactions of a story step.
fn step_txs<'a>(w: &'a World, id: &str) -> &'a [u32] {
    &w.truth.step_txs[w.scenario.story.iter().position(|s| s.id == id).unwrap()]
}

/// The address of the coin the peel chain starts from (what the consolidation gathered).
fn gathered(w: &World) -> u32 {
    let t = step_txs(w, "peel")[0];
    let prev = w.chain.inputs[w.chain.txs[t as usize].first_input as usize].prev;
    w.chain.outputs[prev as usize].addr
}

/// The last peel's change: the end of the chain proper, 300 transactions from the start.
fn last_change(w: &World, ex: &Explorer) -> u32 {
    let t = *step_txs(w, "peel").last().unwrap();
    let r = &ex.chain.txs[t as usize];
    ex.chain.outputs[r.outputs()]
        .iter()
        .map(|o| o.addr)
        .find(|&a| w.truth.addresses[a as usize].role != AddrRole::Deposit)
        .unwrap()
}

#[test]
fn trace_and_path_search_follow_a_three_hundred_hop_chain_to_its_end() {
    let w = long_peel_chain(300);
    let ex = explorer_of(&w);
    let start = gathered(&w);
    let end = last_change(&w, &ex);
    let end_text = ex.chain.address_string(end);
    let opts = TraceOptions {
        method: Method::Haircut,
        direction: Direction::Forward,
        depth: u32::MAX,
        stop_at: vec![Category::Exchange],
    };
    let r = taint::trace(&ex, start, &opts).unwrap();
    assert!(!r.truncated);
    let reached = r.reached.iter().find(|x| x.address == end_text).expect("the trace reaches the end of the chain");
    assert!(reached.hops >= 300 && reached.path.len() == reached.hops as usize, "{} hops", reached.hops);
    let p = path::find(&ex, start, Target::Address(end), PathOptions { depth: u32::MAX, breadth: 50 }).unwrap();
    assert!(p.found && p.hops.len() >= 300, "{} hops", p.hops.len());
    assert_eq!(p.hops.last().unwrap().to, end_text);
    assert!(p.hops.windows(2).all(|h| h[0].to == h[1].from && h[1].value <= h[0].value));
    // A depth, when given, still limits both.
    let shallow = TraceOptions { depth: 10, ..opts };
    assert!(taint::trace(&ex, start, &shallow).unwrap().reached.iter().all(|x| x.hops <= 10));
    assert!(!path::find(&ex, start, Target::Address(end), PathOptions { depth: 10, breadth: 50 }).unwrap().found);
}
