//! The board's force layout on large boards: one step at 1k, 5k and 20k nodes (the canvas
//! runs as many steps as fit in its frame budget while the layout settles), and the
//! left-to-right time layout. The board grows breadth-first from the busiest address of a
//! generated world of about 100k transactions.
//!
//! `cargo bench -p offramp-core --bench layout`.

use std::sync::Arc;
use std::time::Instant;

use offramp_core::board::{Board, NodeRef, Side};
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::load::explorer_of;
use offramp_core::scenario::Scenario;
use offramp_core::sim::{Options, generate};

mod common;
use common::{peak_rss_mb, scenario};

fn grow(board: &mut Board, start: &str, want: usize) {
    let _ = board.add_text(start, None);
    let mut frontier: Vec<NodeRef> = board.view().nodes.iter().map(|n| n.key).collect();
    let mut seen: std::collections::HashSet<NodeRef> = frontier.iter().copied().collect();
    while board.len() < want && !frontier.is_empty() {
        for &k in &frontier {
            for side in [Side::Outputs, Side::Inputs] {
                if board.len() < want {
                    board.expand(k, side);
                }
            }
        }
        frontier = board.view().nodes.iter().map(|n| n.key).filter(|k| seen.insert(*k)).collect();
    }
}

fn main() {
    let sc = Scenario::parse(&scenario(100_000), "bench.ron").unwrap_or_else(|e| panic!("{e}"));
    let w = generate(&sc, &Options::default(), &mut |_, _, _| {}).unwrap_or_else(|e| panic!("{e}"));
    let ex = Arc::new(explorer_of(&w));
    let clusters = Arc::new(Clusters::build(&ex, ClusterOptions::default()));
    let busiest = ex.chain.addresses.ids().max_by_key(|&a| ex.txs_of(a).len()).expect("addresses");
    let start = ex.chain.address_string(busiest);
    println!("layout benchmark (board grown from the busiest address of {} transactions)", ex.chain.txs.len());
    for want in [1_000usize, 5_000, 20_000] {
        let mut board = Board::new(Arc::clone(&ex), Arc::clone(&clusters));
        grow(&mut board, &start, want);
        let n = board.view().nodes.len();
        let t = Instant::now();
        board.time_layout();
        let time_layout = t.elapsed();
        board.start_force();
        let steps = 30;
        let t = Instant::now();
        for _ in 0..steps {
            board.step_force();
        }
        let elapsed = t.elapsed();
        // Where the nodes ended, as one number: the same before and after a change that
        // should only make the layout faster.
        let digest = board.view().nodes.iter().fold(0u64, |h, v| {
            (h ^ u64::from(v.pos[0].to_bits()) ^ (u64::from(v.pos[1].to_bits()) << 32)).rotate_left(7)
        });
        println!(
            "  {n:>6} nodes: force step {:>7.2} ms (mean of {steps}), time layout {:>7.2} ms  (positions {digest:016x})",
            elapsed.as_secs_f64() * 1e3 / steps as f64,
            time_layout.as_secs_f64() * 1e3
        );
    }
    println!("  peak memory {:.0} MB (the world, and each board with its undo history)", peak_rss_mb());
}
