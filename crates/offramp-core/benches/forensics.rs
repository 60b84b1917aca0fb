//! The forensics tools on a generated chain of about 1M transactions (or `-- 100k`): building
//! the explorer index, an address history of about 1,000 transactions, clustering, a taint
//! trace and a path search; writing the index beside the blocks and answering from it.

use std::time::Instant;

use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::path::{self, PathOptions, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions};
use offramp_core::scenario::{Category, Scenario};
use offramp_core::sim::{Options, generate};

mod common;
use common::{peak_rss_mb, scenario};

fn main() {
    let txs: u64 = if std::env::args().any(|a| a == "100k") { 100_000 } else { 1_000_000 };
    let sc = Scenario::parse(&scenario(txs), "bench.ron").unwrap_or_else(|e| panic!("{e}"));
    let w = generate(&sc, &Options::default(), &mut |_, _, _| {}).unwrap_or_else(|e| panic!("{e}"));
    println!("forensics benchmark on {} transactions, {} addresses", w.chain.txs.len(), w.chain.addresses.len());
    let t = Instant::now();
    let tables = std::sync::Arc::new(w.chain.public_tables());
    let copy = t.elapsed();
    let t = Instant::now();
    let (tags, prices) = offramp_core::forensics::load::labels_and_prices(&w.intel);
    let ex = offramp_core::forensics::Explorer::new(tables, &tags, prices);
    println!(
        "  explorer index      {:>9.1} ms  (plus {:.1} ms to copy the tables out of the world)",
        t.elapsed().as_secs_f64() * 1e3,
        copy.as_secs_f64() * 1e3
    );
    // The busiest address with at most 1,000 transactions.
    let busiest = w
        .chain
        .addresses
        .ids()
        .filter(|&a| ex.txs_of(a).len() <= 1000 && ex.labels(a).is_empty())
        .max_by_key(|&a| ex.txs_of(a).len())
        .unwrap();
    let n = ex.txs_of(busiest).len();
    let t = Instant::now();
    let rounds = 200;
    let mut sum = 0u64;
    for _ in 0..rounds {
        sum += ex.address_view(busiest).balance;
    }
    println!(
        "  address history     {:>9.3} ms  ({n} transactions, mean of {rounds}; {sum})",
        t.elapsed().as_secs_f64() * 1e3 / rounds as f64
    );
    let t = Instant::now();
    let cl = Clusters::build(&ex, ClusterOptions::default());
    println!(
        "  clustering          {:>9.1} ms  ({} multi-address clusters)",
        t.elapsed().as_secs_f64() * 1e3,
        cl.multi_address_clusters()
    );
    let t = Instant::now();
    let merged = Clusters::build(&ex, ClusterOptions { merge_change: Some(0.5) });
    println!(
        "  clustering + change {:>9.1} ms  ({} multi-address clusters)",
        t.elapsed().as_secs_f64() * 1e3,
        merged.multi_address_clusters()
    );
    // Trace and path from the busiest address: the worst case of an ordinary request.
    let from = busiest;
    for (name, method) in [("poison", Method::Poison), ("haircut", Method::Haircut), ("fifo", Method::Fifo)] {
        let t = Instant::now();
        let opts = TraceOptions { method, direction: Direction::Forward, depth: 8, stop_at: vec![Category::Exchange] };
        let r = taint::trace(&ex, from, &opts).unwrap();
        println!(
            "  trace {name:<8}      {:>9.1} ms  ({} addresses reached)",
            t.elapsed().as_secs_f64() * 1e3,
            r.reached.len()
        );
    }
    let t = Instant::now();
    let r = path::find(&ex, from, Target::Category(Category::Exchange), PathOptions::default()).unwrap();
    println!(
        "  path to exchange    {:>9.1} ms  ({} hops, {} outputs visited)",
        t.elapsed().as_secs_f64() * 1e3,
        r.hops.len(),
        r.visited
    );
    println!("  peak memory         {:>9.0} MB", peak_rss_mb());
    index_file(&w, &ex.chain.address_string(busiest));
}

/// The index beside the blocks: writing it, and what `offramp inspect DIR address` costs
/// once it is there (open the directory, map and check the index, answer).
fn index_file(w: &offramp_core::sim::World, address: &str) {
    use offramp_core::forensics::load::{IndexUse, open_dir};
    use offramp_core::forensics::store::{INDEX, write_generated};
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("world");
    offramp_core::export::export(w, &dir, &mut |_, _, _| {}).expect("export");
    let t = Instant::now();
    write_generated(&dir, &w.chain, offramp_core::ledger::blockfile::MAX_BLOCKFILE_SIZE).expect("index");
    let size = std::fs::metadata(dir.join(INDEX)).map(|m| m.len()).unwrap_or(0);
    println!(
        "  write the index     {:>9.1} ms  ({INDEX}, {:.0} MB)",
        t.elapsed().as_secs_f64() * 1e3,
        size as f64 / 1e6
    );
    let rounds = 20;
    let t = Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        let o = open_dir(&dir).expect("open");
        assert_eq!(o.index, IndexUse::Read);
        let a = o.explorer.address(address).expect("the address");
        n += o.explorer.address_view(a).history.len();
    }
    println!(
        "  open + address      {:>9.1} ms  (map and check the index, then the history: {} rows; mean of {rounds})",
        t.elapsed().as_secs_f64() * 1e3 / rounds as f64,
        n / rounds
    );
}
