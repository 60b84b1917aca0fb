//! What the investigator's tools print is the same from run to run (the determinism promise
//! covers forensics too: no hash map's order may reach an output), and counts what it says.

use std::collections::BTreeSet;

use offramp_core::export::export;
use offramp_core::forensics::Explorer;
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::load::{explorer_of, load_dir};
use offramp_core::forensics::path::{self, PathOptions, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions};
use offramp_core::ledger::{AddrIdx, InputRecord};
use offramp_core::scenario::Category;
use offramp_core::sim::World;

use crate::common::*;

fn world(name: &str) -> World {
    generate(&load(&scenarios_dir().join(name)), None, false)
}

/// Every trace, path search and cluster view from `addrs`, as the JSON `inspect --json` prints.
fn outputs(ex: &Explorer, addrs: &[AddrIdx]) -> Vec<String> {
    let clusters = Clusters::build(ex, ClusterOptions { merge_change: Some(0.5) });
    let mut out = Vec::new();
    for &a in addrs {
        for method in [Method::Fifo, Method::Haircut, Method::Poison] {
            for direction in [Direction::Forward, Direction::Backward] {
                let opts = TraceOptions { method, direction, depth: 4, stop_at: vec![Category::Exchange] };
                out.push(json(&taint::trace(ex, a, &opts).unwrap()));
            }
        }
        let opts = PathOptions { depth: 6, breadth: 50 };
        out.push(json(&path::find(ex, a, Target::Category(Category::Exchange), opts).unwrap()));
        out.push(json(&clusters.view(ex, a)));
    }
    out
}

/// A value as the JSON `inspect --json` prints.
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

/// Addresses worth tracing: the intel's (where a trainee starts) and a spread of the rest.
fn starts(w: &World, ex: &Explorer) -> Vec<AddrIdx> {
    let mut v: BTreeSet<AddrIdx> =
        w.intel.items.iter().flat_map(|i| &i.addresses).filter_map(|a| ex.address(a).ok()).collect();
    let n = ex.chain.addresses.len();
    v.extend(ex.chain.addresses.ids().step_by((n / 40).max(1)));
    v.into_iter().collect()
}

#[test]
fn traces_paths_and_clusters_print_the_same_json_every_run() {
    for name in ["beginner-careless-vendor.ron", "advanced-mixer-otc.ron"] {
        let w = world(name);
        // Explorers built one after another: each of their hash maps has its own random state.
        let first = explorer_of(&w);
        let addrs = starts(&w, &first);
        let expected = outputs(&first, &addrs);
        for run in 0..3 {
            assert!(outputs(&first, &addrs) == expected, "{name}: run {run} on the same explorer differs");
            let again = explorer_of(&w);
            assert!(outputs(&again, &addrs) == expected, "{name}: run {run} on a new explorer differs");
        }
    }
}

#[test]
fn a_generated_directory_traces_the_same_way_each_time_it_is_read() {
    let w = world("beginner-careless-vendor.ron");
    let tmp = tempfile::tempdir().unwrap();
    export(&w, tmp.path(), &mut |_, _, _| {}).unwrap();
    let (a, _) = load_dir(tmp.path()).unwrap();
    let (b, _) = load_dir(tmp.path()).unwrap();
    let addrs = starts(&w, &a);
    assert!(outputs(&a, &addrs) == outputs(&b, &addrs));
}

#[test]
fn a_cluster_counts_each_transaction_once_however_many_of_its_addresses_it_touches() {
    let w = world("advanced-mixer-otc.ron");
    let ex = explorer_of(&w);
    let c = &ex.chain;
    let cl = Clusters::build(&ex, ClusterOptions::default());
    // Clusters in which some transaction touches several members (a spend of two of them).
    let mut roots: BTreeSet<AddrIdx> = BTreeSet::new();
    for r in &c.txs {
        if r.is_coinbase(&c.inputs) || r.n_inputs < 2 {
            continue;
        }
        let members: BTreeSet<AddrIdx> =
            c.inputs[r.inputs()].iter().filter_map(|i| c.outputs[i.prev().unwrap()].addr()).collect();
        let root = |m: &AddrIdx| cl.root[m.index()];
        if members.len() >= 2 && members.iter().all(|m| root(m) == root(members.first().unwrap())) {
            roots.insert(root(members.first().unwrap()));
        }
    }
    assert!(roots.len() >= 3, "test setup: clusters whose members share transactions");
    for &root in roots.iter().take(20) {
        let members: BTreeSet<AddrIdx> = cl.members(root).iter().copied().collect();
        // Counted from the chain itself: transactions with an input or an output of a member.
        let touching = c
            .txs
            .iter()
            .filter(|r| {
                c.inputs[r.inputs()]
                    .iter()
                    .filter_map(InputRecord::prev)
                    .any(|p| c.outputs[p].addr().is_some_and(|a| members.contains(&a)))
                    || c.outputs[r.outputs()].iter().any(|o| o.addr().is_some_and(|a| members.contains(&a)))
            })
            .count();
        let v = cl.view(&ex, root);
        assert_eq!(v.tx_count, touching, "cluster of {}: {} addresses", v.address, v.size);
        let per_member: usize = members.iter().map(|&m| ex.txs_of(m).len()).sum();
        assert!(touching < per_member, "test setup: a transaction touches several members");
    }
}
