//! The investigation board: what the trainee sees on the canvas follows the chain, and every
//! edit can be undone, saved and restored.

use std::sync::{Arc, OnceLock};

use offramp_core::board::{Board, EXPAND_LIMIT, IDEAL_EDGE, NodeRef, Side, Tag};
use offramp_core::case::Case;
use offramp_core::forensics::Explorer;
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::load::explorer_of;
use offramp_core::forensics::taint::{self, Direction, Method, TraceOptions};
use offramp_core::ledger::{AddrIdx, InputRecord, TxIdx};
use offramp_core::scenario::Category;
use offramp_core::sim::World;

use crate::common::*;

struct Fixture {
    world: World,
    explorer: Arc<Explorer>,
    clusters: Arc<Clusters>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let world = generate(&load(&scenarios_dir().join("beginner-careless-vendor.ron")), None, false);
        let explorer = Arc::new(explorer_of(&world));
        let clusters = Arc::new(Clusters::build(&explorer, ClusterOptions::default()));
        Fixture { world, explorer, clusters }
    })
}

fn board() -> Board {
    let f = fixture();
    Board::new(f.explorer.clone(), f.clusters.clone())
}

/// The first address the trainee's intel names.
fn intel_address() -> String {
    fixture().world.intel.items.iter().flat_map(|i| i.addresses.iter()).next().expect("intel names an address").clone()
}

/// The busiest address of the world (an exchange's hot wallet or the like).
fn busiest() -> String {
    let ex = &fixture().explorer;
    let a = ex.chain.addresses.ids().max_by_key(|&a| ex.txs_of(a).len()).unwrap();
    ex.chain.address_string(a)
}

fn addr(b: &Board, k: NodeRef) -> AddrIdx {
    match k {
        NodeRef::Addr(a) => a,
        _ => panic!("{} is not an address", b.name(k)),
    }
}

#[test]
fn expanding_follows_the_chain_and_edges_carry_what_moved() {
    let mut b = board();
    let start = b.add_text(&intel_address(), None).unwrap();
    let a = addr(&b, start);
    let ex = fixture().explorer.clone();
    let spent_in: Vec<TxIdx> = ex.txs_of(a).iter().copied().filter(|&t| ex.flows(a, t).1 > 0).collect();
    assert!(!spent_in.is_empty(), "the intel address spends");
    let got = b.expand(start, Side::Outputs);
    assert_eq!(got.added, spent_in.len().min(EXPAND_LIMIT));
    assert_eq!(got.added + got.more, spent_in.len());
    // Every edge out of the address carries what it spent in that transaction.
    let view = b.view().clone();
    let me = view.index(start).unwrap();
    for e in view.edges.iter().filter(|e| e.from == me) {
        let NodeRef::Tx(t) = view.nodes[e.to as usize].key else { panic!("an address pays a transaction") };
        assert_eq!(e.value, ex.flows(a, t).1);
    }
    // Expanding a transaction's outputs shows whom it paid; the edges add up to its outputs.
    let NodeRef::Tx(t) = view.nodes[view.edges.iter().find(|e| e.from == me).unwrap().to as usize].key else {
        unreachable!()
    };
    b.expand(NodeRef::Tx(t), Side::Outputs);
    let view = b.view();
    let ti = view.index(NodeRef::Tx(t)).unwrap();
    let paid: u64 = view.edges.iter().filter(|e| e.from == ti).map(|e| e.value).sum();
    let c = &ex.chain;
    let r = &c.txs[t];
    let total: u64 = c.outputs[r.outputs()].iter().filter(|o| o.addr().is_some()).map(|o| o.value).sum();
    assert_eq!(paid, total);
    // Expanding again adds nothing new.
    assert_eq!(b.expand(NodeRef::Tx(t), Side::Outputs).added, 0);
}

#[test]
fn a_busy_address_expands_in_pages() {
    let ex = &fixture().explorer;
    let busy = ex.address(&busiest()).unwrap();
    let receipts = ex.txs_of(busy).iter().filter(|&&t| ex.flows(busy, t).0 > 0).count();
    assert!(receipts > 2 * EXPAND_LIMIT, "the busiest address has {receipts} receipts");
    let mut b = board();
    let k = b.add_text(&ex.chain.address_string(busy), None).unwrap();
    let first = b.expand(k, Side::Inputs);
    assert_eq!(first.added, EXPAND_LIMIT);
    let second = b.expand(k, Side::Inputs);
    assert_eq!(second.added, EXPAND_LIMIT);
    assert_eq!(second.more, receipts - 2 * EXPAND_LIMIT);
}

#[test]
fn collapsing_removes_what_hangs_on_the_node_alone_but_keeps_tagged_nodes() {
    let mut b = board();
    let start = b.add_text(&intel_address(), None).unwrap();
    b.expand(start, Side::Outputs);
    let txs: Vec<NodeRef> = b.view().nodes.iter().map(|n| n.key).filter(|k| matches!(k, NodeRef::Tx(_))).collect();
    assert!(!txs.is_empty());
    b.set_tag(txs[0], Tag { label: "keep me".into(), ..Tag::default() });
    let gone = b.collapse(start, Side::Outputs);
    assert_eq!(gone, txs.len() - 1);
    assert!(b.holds(txs[0]) && b.holds(start));
    assert!(txs[1..].iter().all(|k| !b.holds(*k)));
}

#[test]
fn undo_and_redo_walk_through_canvas_and_tag_edits() {
    let mut b = board();
    let start = b.add_text(&intel_address(), None).unwrap();
    let before = b.save();
    b.expand(start, Side::Outputs);
    let expanded = b.save();
    b.begin_move();
    b.move_by(&[start], [100.0, -50.0]);
    let moved = b.save();
    b.set_tag(start, Tag { label: "vendor".into(), category: Some(Category::Vendor), ..Tag::default() });
    assert_eq!(b.view().node(start).unwrap().label, "vendor");
    let tagged = b.save();

    assert!(b.undo());
    assert_eq!(b.save(), moved);
    assert_ne!(b.view().node(start).unwrap().label, "vendor");
    assert!(b.undo());
    assert_eq!(b.save(), expanded);
    assert!(b.undo());
    assert_eq!(b.save(), before);
    assert!(b.redo() && b.redo() && b.redo());
    assert_eq!(b.save(), tagged);
    assert!(!b.redo());
    // A new edit after an undo drops what could have been redone.
    b.undo();
    b.remove(&[start]);
    assert!(!b.can_redo());
}

#[test]
fn a_cluster_folds_into_one_node_and_unfolds_where_it_was() {
    let f = fixture();
    let ex = &f.explorer;
    // An address whose cluster has at least three members that all spent in one transaction.
    let c = &ex.chain;
    let t = c
        .txs
        .ids()
        .find(|&t| {
            let r = &c.txs[t];
            let mut from: Vec<AddrIdx> =
                c.inputs[r.inputs()].iter().filter_map(InputRecord::prev).filter_map(|p| c.outputs[p].addr()).collect();
            from.sort_unstable();
            from.dedup();
            from.len() >= 3 && offramp_core::forensics::coinjoin::coinjoin(ex, t).is_none()
        })
        .expect("a transaction spending from three addresses");
    let mut b = board();
    let tx = NodeRef::Tx(t);
    b.add_text(&ex.chain.txs[t].txid().to_string(), None).unwrap();
    b.expand(tx, Side::Inputs);
    let inputs: Vec<NodeRef> = b.neighbours(tx, Side::Inputs);
    assert!(inputs.len() >= 2, "the inputs are distinct addresses");
    let shown_before = b.view().nodes.len();
    let spent: u64 = b.view().edges.iter().map(|e| e.value).sum();
    let cluster = b.fold(addr(&b, inputs[0])).expect("a multi-address cluster folds");
    let view = b.view();
    assert_eq!(view.nodes.len(), shown_before - inputs.len() + 1);
    assert_eq!(view.node(cluster).unwrap().members, inputs.len());
    // The cluster now carries every input edge, value unchanged.
    let ci = view.index(cluster).unwrap();
    assert!(view.edges.iter().all(|e| e.from == ci));
    assert_eq!(view.edges.iter().map(|e| e.value).sum::<u64>(), spent);
    let NodeRef::Cluster(root) = cluster else { unreachable!() };
    assert!(b.unfold(root));
    assert_eq!(b.view().nodes.len(), shown_before);
    assert!(inputs.iter().all(|k| b.view().node(*k).is_some()));
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

#[test]
fn the_force_layout_settles_with_nodes_apart_and_edges_near_their_length() {
    let mut b = board();
    let start = b.add_text(&busiest(), None).unwrap();
    b.expand(start, Side::Inputs);
    let txs: Vec<NodeRef> = b.view().nodes.iter().map(|n| n.key).filter(|k| matches!(k, NodeRef::Tx(_))).collect();
    for t in txs {
        b.expand(t, Side::Inputs);
    }
    let n = b.view().nodes.len();
    assert!(n > 10, "{n} nodes");
    let steps = b.settle(5_000);
    assert!(steps < 5_000 && !b.settling(), "settled in {steps} steps");
    let view = b.view();
    for (i, x) in view.nodes.iter().enumerate() {
        for y in &view.nodes[i + 1..] {
            assert!(distance(x.pos, y.pos) > IDEAL_EDGE * 0.2, "{} and {} overlap", x.label, y.label);
        }
    }
    let mean = view
        .edges
        .iter()
        .map(|e| distance(view.nodes[e.from as usize].pos, view.nodes[e.to as usize].pos))
        .sum::<f32>()
        / view.edges.len() as f32;
    assert!((IDEAL_EDGE * 0.4..IDEAL_EDGE * 3.0).contains(&mean), "mean edge length {mean}");
    // Pinned nodes stay where the trainee put them.
    b.begin_move();
    b.move_by(&[start], [500.0, 500.0]);
    let p = b.position(start).unwrap();
    b.settle(100);
    assert_eq!(b.position(start).unwrap(), p);
}

#[test]
fn the_time_layout_runs_left_to_right() {
    let mut b = board();
    let start = b.add_text(&intel_address(), None).unwrap();
    b.expand(start, Side::Outputs);
    b.expand(start, Side::Inputs);
    b.time_layout();
    let view = b.view();
    let mut txs: Vec<(u32, f32)> = view.nodes.iter().filter_map(|n| n.time.map(|t| (t, n.pos[0]))).collect();
    txs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    assert!(txs.len() >= 2);
    assert!(txs.windows(2).all(|w| w[0].1 <= w[1].1), "later transactions lie further right");
    for e in &view.edges {
        assert!(
            view.nodes[e.to as usize].pos[0] > view.nodes[e.from as usize].pos[0]
                || view.nodes[e.from as usize].time.is_none()
        );
    }
    // Money into a transaction comes from its left.
    let me = view.index(start).unwrap();
    for e in view.edges.iter().filter(|e| e.to == me) {
        assert!(view.nodes[e.from as usize].pos[0] < view.nodes[me as usize].pos[0]);
    }
}

#[test]
fn clicks_and_boxes_select_what_lies_under_them() {
    let mut b = board();
    let start = b.add_text(&intel_address(), Some([0.0, 0.0])).unwrap();
    b.expand(start, Side::Outputs);
    b.settle(2_000);
    let p = b.position(start).unwrap();
    assert_eq!(b.hit([p[0] + 3.0, p[1] - 3.0], 0.0), Some(start));
    assert_eq!(b.hit([p[0] + 1000.0, p[1]], 0.0), None);
    let bounds = b.view().bounds().unwrap();
    let all = b.in_rect([bounds.0[0] - 1.0, bounds.0[1] - 1.0], [bounds.1[0] + 1.0, bounds.1[1] + 1.0]);
    assert_eq!(all.len(), b.view().nodes.len());
    let only = b.in_rect([p[0] - 1.0, p[1] - 1.0], [p[0] + 1.0, p[1] + 1.0]);
    assert_eq!(only, vec![start]);
}

#[test]
fn the_timeline_filter_hides_what_happened_outside_it() {
    let mut b = board();
    let start = b.add_text(&busiest(), None).unwrap();
    b.expand(start, Side::Inputs);
    let times: Vec<u32> = b.view().nodes.iter().filter_map(|n| n.time).collect();
    let (lo, hi) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
    assert!(lo < hi, "the address spent at different times");
    b.set_filter(Some((lo, lo)));
    let view = b.view();
    assert!(view.nodes.iter().filter(|n| n.time.is_some()).all(|n| n.hidden == (n.time != Some(lo))));
    assert!(!view.node(start).unwrap().hidden, "the address still has a shown transaction");
    assert!(
        view.edges.iter().all(|e| e.hidden == (view.nodes[e.from as usize].hidden || view.nodes[e.to as usize].hidden))
    );
    b.set_filter(Some((hi + 1, hi + 2)));
    assert!(b.view().nodes.iter().all(|n| n.hidden));
    assert_eq!(b.hit(b.position(start).unwrap(), 0.0), None, "hidden nodes cannot be clicked");
    b.set_filter(None);
    assert!(b.view().nodes.iter().all(|n| !n.hidden));
}

#[test]
fn a_trace_is_drawn_as_a_connected_highlighted_path() {
    let f = fixture();
    let mut b = board();
    let a = f.explorer.address(&intel_address()).unwrap();
    let opts = TraceOptions {
        method: Method::Haircut,
        direction: Direction::Forward,
        depth: 6,
        stop_at: vec![Category::Exchange],
    };
    let result = taint::trace(&f.explorer, a, &opts).unwrap();
    let n = b.show_trace(&result, 5);
    assert!(n >= 3, "{n} nodes highlighted");
    let view = b.view();
    let lit: Vec<&_> = view.nodes.iter().filter(|n| n.highlighted).collect();
    assert_eq!(lit.len(), n);
    // Every highlighted transaction is joined to highlighted nodes on both sides.
    for node in lit.iter().filter(|n| n.time.is_some()) {
        let i = view.index(node.key).unwrap();
        assert!(view.edges.iter().any(|e| e.to == i && e.highlighted), "{} has a lit input", node.label);
        assert!(view.edges.iter().any(|e| e.from == i && e.highlighted), "{} has a lit output", node.label);
    }
    b.clear_highlight();
    assert!(b.view().nodes.iter().all(|n| !n.highlighted));
}

#[test]
fn a_board_survives_the_case_file() {
    let f = fixture();
    let mut b = board();
    let start = b.add_text(&intel_address(), None).unwrap();
    b.expand(start, Side::Outputs);
    b.settle(300);
    b.begin_move();
    b.move_by(&[start], [12.5, -7.25]);
    b.set_tag(
        start,
        Tag {
            label: "Vendor \"Ghost\"".into(),
            category: Some(Category::Vendor),
            colour: Some([200, 40, 40]),
            note: "paid by buyers\nsecond line".into(),
        },
    );
    b.set_filter(Some((1, u32::MAX)));
    let case = Case {
        scenario: f.world.scenario.meta.id.clone(),
        board: b.save(),
        notes: "first note".into(),
        seconds: 75,
        ..Case::default()
    };
    let text = case.to_ron();
    let back = Case::parse(&text, "t.case.ron", &f.world.scenario).unwrap();
    assert_eq!(back, case);
    let mut again = board();
    assert!(again.restore(&back.board).is_empty());
    assert_eq!(again.save(), b.save());
    let (v1, v2) = (b.view().clone(), again.view().clone());
    assert_eq!(v1.nodes, v2.nodes);
    assert_eq!(v1.edges, v2.edges);
    // Names from another world are reported, not invented.
    let mut foreign = back.board.clone();
    foreign.nodes[0].id = "0000000000000000000000000000000000000000000000000000000000000000".into();
    assert_eq!(board().restore(&foreign).len(), 1);
}
