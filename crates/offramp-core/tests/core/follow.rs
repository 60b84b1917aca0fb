//! Following a peel chain in one action, and tracing and path search along a chain far longer
//! than anyone follows by hand: hop by hop to the exchange, bounded by work, not by depth.

use offramp_core::answer::Resolved;
use offramp_core::forensics::follow::{self, FollowError, FollowOptions, Start, Stop};
use offramp_core::forensics::load::explorer_of;
use offramp_core::forensics::path::{self, PathOptions, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions};
use offramp_core::forensics::{Explorer, coinjoin};
use offramp_core::ledger::{AddrIdx, TxIdx};
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

fn world_of(name: &str) -> World {
    generate(&load(&scenarios_dir().join(name)), None, false)
}

/// The transactions of a story step.
fn step_txs<'a>(w: &'a World, id: &str) -> &'a [TxIdx] {
    &w.truth.step_txs[w.scenario.story.iter().position(|s| s.id == id).unwrap()]
}

/// The address of the coin the peel chain starts from (what the consolidation gathered).
fn gathered(w: &World) -> AddrIdx {
    let t = step_txs(w, "peel")[0];
    let prev = w.chain.inputs[w.chain.txs[t].first_input].prev().unwrap();
    w.chain.outputs[prev].addr().unwrap()
}

/// The last peel's change: the end of the chain proper, 300 transactions from the start.
fn last_change(w: &World, ex: &Explorer) -> AddrIdx {
    let t = *step_txs(w, "peel").last().unwrap();
    let r = &ex.chain.txs[t];
    ex.chain.outputs[r.outputs()]
        .iter()
        .map(|o| o.addr().unwrap())
        .find(|&a| w.truth.addresses[a].role != AddrRole::Deposit)
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

#[test]
fn following_change_walks_a_three_hundred_hop_peel_chain_to_the_exchange() {
    let w = long_peel_chain(300);
    let ex = explorer_of(&w);
    let start = gathered(&w);
    let r = follow::follow_change(&ex, Start::Address(start), FollowOptions::default()).unwrap();
    // The chain's transactions, in order: the gathering, then every peel.
    let peel: Vec<String> = step_txs(&w, "peel").iter().map(|&t| ex.chain.txs[t].txid().to_string()).collect();
    assert_eq!(peel.len(), 301);
    let followed: Vec<&str> = r.hops.iter().map(|h| h.txid.as_str()).collect();
    assert!(followed.len() > peel.len(), "{} hops, stopped: {}", followed.len(), r.stop.describe());
    assert_eq!(followed[..peel.len()], peel.iter().map(String::as_str).collect::<Vec<_>>()[..]);
    assert_eq!(r.hops[0].from, ex.chain.address_string(start));
    assert!(r.hops.windows(2).all(|h| h[0].change_address == h[1].from), "each hop spends the previous change");
    // Each peel pays one exchange deposit address, with the heuristics behind the verdict.
    for h in &r.hops[1..peel.len()] {
        assert_eq!(h.peels.len(), 1, "{}", h.txid);
        let a = ex.address(&h.peels[0].address).unwrap();
        assert_eq!(w.truth.addresses[a].role, AddrRole::Deposit, "{}", h.txid);
        assert!(h.peeled == h.peels[0].value && h.peeled < h.change_value);
        assert!(h.confidence >= follow::DEFAULT_MIN_CONFIDENCE && !h.votes.is_empty());
    }
    // Then the rest is cashed out at a Zenbit deposit address, whose sweep falls after the end
    // of the world: the follow stops there, the coin unspent.
    let rest = ex.chain.txs[step_txs(&w, "rest")[0]].txid().to_string();
    let last = r.hops.last().unwrap();
    assert_eq!(last.txid, rest);
    assert_eq!(r.stop, Stop::Unspent { address: last.change_address.clone() });
    let zenbit = w.scenario.entity("zenbit").unwrap();
    assert_eq!(w.truth.addresses[ex.address(&last.change_address).unwrap()].entity, zenbit);
    assert_eq!(r.peeled, r.hops.iter().map(|h| h.peeled).sum::<u64>());
    // The same follow twice, and from the first transaction instead of the address: the same.
    assert_eq!(follow::follow_change(&ex, Start::Address(start), FollowOptions::default()).unwrap(), r);
    let t0 = step_txs(&w, "peel")[0];
    assert_eq!(follow::follow_change(&ex, Start::Tx(t0), FollowOptions::default()).unwrap().hops, r.hops);
}

#[test]
fn following_change_stops_where_the_heuristics_are_unsure_or_the_hops_run_out() {
    let w = world_of("intermediate-two-exchanges.ron");
    let ex = explorer_of(&w);
    let start = gathered(&w);
    let sure = follow::follow_change(&ex, Start::Address(start), FollowOptions::default()).unwrap();
    assert!(sure.hops.len() >= 9, "the shipped chain of eight peels: {}", sure.stop.describe());
    // Asking for more confidence than the heuristics give stops at the first peel.
    let strict = FollowOptions { min_confidence: 0.99, ..FollowOptions::default() };
    let r = follow::follow_change(&ex, Start::Address(start), strict).unwrap();
    assert!(matches!(r.stop, Stop::LowConfidence { confidence, .. } if confidence < 0.99), "{:?}", r.stop);
    assert!(r.hops.len() < sure.hops.len());
    assert!(r.stop.describe().contains("below 0.99"), "{}", r.stop.describe());
    let r =
        follow::follow_change(&ex, Start::Address(start), FollowOptions { max_hops: 3, ..FollowOptions::default() })
            .unwrap();
    assert_eq!((r.hops.len(), &r.stop), (3, &Stop::MaxHops { hops: 3 }));
    // Bad limits are refused, not clamped.
    let bad = |min_confidence, max_hops| {
        follow::follow_change(&ex, Start::Address(start), FollowOptions { min_confidence, max_hops })
    };
    assert_eq!(bad(1.5, 10).unwrap_err(), FollowError::BadConfidence(1.5));
    assert!(matches!(bad(f64::NAN, 10), Err(FollowError::BadConfidence(_))));
    assert_eq!(bad(0.5, 0).unwrap_err(), FollowError::BadHops(0));
    assert!(bad(0.5, follow::MAX_HOPS + 1).is_err());
}

#[test]
fn following_an_unspent_coin_or_into_a_coinjoin_stops_and_says_why() {
    let w = world_of("advanced-mixer-otc.ron");
    let ex = explorer_of(&w);
    let c = &ex.chain;
    let never_spent = c
        .addresses
        .ids()
        .find(|&a| !ex.txs_of(a).is_empty() && ex.txs_of(a).iter().all(|&t| ex.flows(a, t).1 == 0))
        .unwrap();
    let r = follow::follow_change(&ex, Start::Address(never_spent), FollowOptions::default()).unwrap();
    assert!(r.hops.is_empty());
    assert_eq!(r.stop, Stop::Unspent { address: c.address_string(never_spent) });
    assert!(r.stop.describe().contains("unspent"));
    let join = c.txs.ids().find(|&t| coinjoin::coinjoin(&ex, t).is_some()).expect("the advanced world has CoinJoins");
    let r = follow::follow_change(&ex, Start::Tx(join), FollowOptions::default()).unwrap();
    assert!(r.hops.is_empty());
    assert!(matches!(&r.stop, Stop::Mixing { kind, .. } if kind == "coinjoin"), "{:?}", r.stop);
    assert!(r.stop.describe().contains("is a CoinJoin"), "{}", r.stop.describe());
}

#[test]
fn following_change_from_a_payout_stops_at_the_labelled_exchange() {
    let w = world_of("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let item = w.intel.items.iter().find(|i| i.note.contains("vendor profile")).unwrap();
    let payout = ex.address(&item.addresses[0]).unwrap();
    let r = follow::follow_change(&ex, Start::Address(payout), FollowOptions::default()).unwrap();
    let Stop::Labelled { label, category, .. } = &r.stop else { panic!("stopped at {:?}", r.stop) };
    assert_eq!((label.as_str(), *category), ("CoinBay", Category::Exchange));
    // On the way it passed through one of the vendor's deposit addresses, swept by CoinBay.
    let Resolved::Addresses(deposits) =
        &w.truth.answers[w.scenario.objectives.iter().position(|o| o.id == "deposits").unwrap()]
    else {
        panic!()
    };
    assert!(r.hops.iter().any(|h| deposits.contains(&h.from)), "{:?}", r.hops);
    assert!(r.stop.describe().contains("labelled CoinBay [exchange]"), "{}", r.stop.describe());
}
