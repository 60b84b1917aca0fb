//! What the investigator's tools print is the same from run to run: the determinism promise
//! covers forensics too, so no hash map's order may reach an output.

use std::collections::BTreeSet;

use offramp_core::export::export;
use offramp_core::forensics::Explorer;
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::load::{explorer_of, load_dir};
use offramp_core::forensics::path::{self, PathOptions, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions};
use offramp_core::scenario::Category;
use offramp_core::sim::World;

use crate::common::*;

fn world(name: &str) -> World {
    generate(&load(&scenarios_dir().join(name)), None, false)
}

/// Every trace, path search and cluster view from `addrs`, as the JSON `inspect --json` prints.
fn outputs(ex: &Explorer, addrs: &[u32]) -> Vec<String> {
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
fn starts(w: &World, ex: &Explorer) -> Vec<u32> {
    let mut v: BTreeSet<u32> =
        w.intel.items.iter().flat_map(|i| &i.addresses).filter_map(|a| ex.address(a).ok()).collect();
    let n = ex.chain.addresses.len();
    v.extend((0..n).step_by((n / 40).max(1)).map(|a| a as u32));
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
