//! The investigator's tools on the shipped scenarios: what they find is what the truth says,
//! within the floors a sound implementation reaches; bad requests get clear errors.

use offramp_core::answer::Resolved;
use offramp_core::export::export;
use offramp_core::forensics::accuracy::report;
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::load::{LoadError, explorer_of, load_dir};
use offramp_core::forensics::path::{self, PathOptions, Target};
use offramp_core::forensics::taint::{self, Direction, Method, TraceError, TraceOptions};
use offramp_core::forensics::{Explorer, LookupError, PriceError, coinjoin};
use offramp_core::ledger::AddrIdx;
use offramp_core::scenario::Category;
use offramp_core::sim::World;

use crate::common::*;

fn world(name: &str) -> World {
    generate(&load(&scenarios_dir().join(name)), None, false)
}

fn answer<'a>(w: &'a World, id: &str) -> &'a Resolved {
    &w.truth.answers[w.scenario.objectives.iter().position(|o| o.id == id).unwrap()]
}

fn payout(w: &World, ex: &Explorer) -> AddrIdx {
    let item = w
        .intel
        .items
        .iter()
        .find(|i| i.note.contains("vendor profile"))
        .expect("the beginner intel names a payout address");
    ex.address(&item.addresses[0]).unwrap()
}

#[test]
fn the_explorer_agrees_with_the_ledger() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let c = &w.chain;
    // Every address: the balance of its history is what it holds unspent.
    for a in c.addresses.ids().step_by(7) {
        let v = ex.address_view(a);
        let unspent: u64 =
            c.outputs.iter().filter(|o| o.addr() == Some(a) && o.spent_by().is_none()).map(|o| o.value).sum();
        assert_eq!(v.balance, unspent, "{}", v.address);
        assert_eq!(v.received - v.sent, unspent);
        assert_eq!(ex.address(&v.address), Ok(a), "lookup by text");
        assert!(v.history.windows(2).all(|h| h[0].height <= h[1].height), "history in chain order");
    }
    for t in c.txs.ids().step_by(11) {
        let v = ex.tx_view(t);
        assert_eq!(ex.txid(&v.txid), Ok(t));
        if !v.coinbase {
            let inputs: u64 = v.inputs.iter().map(|i| i.value).sum();
            let outputs: u64 = v.outputs.iter().map(|o| o.value).sum();
            assert_eq!(inputs - outputs, v.fee);
            assert!(v.usd > 0.0);
        }
    }
    let h = c.blocks[10].height;
    assert_eq!(ex.block(h).unwrap().len() as u32, c.blocks[10].n_tx);
    assert!(!ex.by_label("coinbay").is_empty(), "intel tags label the exchange");
}

#[test]
fn lookups_fail_with_the_reason() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    assert!(matches!(ex.address("not-an-address"), Err(LookupError::BadAddress(_))));
    // A real mainnet address is another network's.
    assert!(matches!(ex.address("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"), Err(LookupError::WrongNetwork(..))));
    assert!(matches!(
        ex.address("bcrt1qar0srrr7xfkvy5l643lydnw9re59gtzzt7glzv"),
        Err(LookupError::BadAddress(_)) | Err(LookupError::UnknownAddress(_))
    ));
    assert!(matches!(ex.txid("xyz"), Err(LookupError::BadTxid(_))));
    assert!(matches!(ex.txid(&"ab".repeat(32)), Err(LookupError::UnknownTxid(_))));
    let e = ex.block(9_999_999).unwrap_err().to_string();
    assert!(e.contains("no block at height 9999999"), "{e}");
}

#[test]
fn a_generated_directory_reads_back_as_the_same_chain() {
    let w = world("beginner-careless-vendor.ron");
    let tmp = tempfile::tempdir().unwrap();
    export(&w, tmp.path(), &mut |_, _, _| {}).unwrap();
    let (ex, intel) = load_dir(tmp.path()).unwrap();
    assert_eq!(intel, w.intel);
    let c = &ex.chain;
    assert_eq!(c.txs.len(), w.chain.txs.len());
    assert!(c.txs.iter().zip(&w.chain.txs).all(|(a, b)| a.txid() == b.txid() && a.fee == b.fee && a.vsize == b.vsize));
    let total = |ch: &offramp_core::ledger::Chain| ch.outputs.iter().map(|o| o.value).sum::<u64>();
    assert_eq!(total(c), total(&w.chain));
    assert!(!ex.by_label("CoinBay").is_empty());
    // Not a generated directory, and a damaged one.
    let empty = tempfile::tempdir().unwrap();
    let e = load_dir(empty.path()).err().unwrap();
    assert!(matches!(e, LoadError::NotGenerated(_)), "{e}");
    assert!(e.to_string().contains("not a generated chain"));
    let blk = tmp.path().join("blocks/blk00000.dat");
    let bytes = std::fs::read(&blk).unwrap();
    std::fs::write(&blk, &bytes[..bytes.len() / 2]).unwrap();
    let e = load_dir(tmp.path()).err().unwrap().to_string();
    assert!(e.contains("blk00000.dat"), "{e}");
}

#[test]
fn heuristics_reach_their_floors_on_every_shipped_scenario() {
    for path in shipped() {
        let w = generate(&load(&path), None, false);
        let ex = explorer_of(&w);
        let r = report(&w, &ex);
        let name = path.display();
        let score = |n: &str| r.change.iter().find(|s| s.name == n).unwrap().clone();
        let combined = score("combined");
        assert!(combined.precision >= 0.9 && combined.recall >= 0.7, "{name}: {combined:?}");
        assert!(score("self-transfer").precision >= 0.95, "{name}");
        assert!(score("address type").precision >= 0.9, "{name}");
        assert!(score("optimal change").precision >= 0.85, "{name}");
        // Common-input clustering never merges two owners; merging change rarely does.
        assert!(r.clusters[0].purity >= 0.99, "{name}: {:?}", r.clusters);
        assert!(r.clusters[1].purity >= 0.95, "{name}: {:?}", r.clusters);
        assert!(r.clusters[1].completeness > r.clusters[0].completeness, "change merging finds more");
        if r.coinjoin.cases > 0 {
            assert!(r.coinjoin.precision >= 0.95 && r.coinjoin.recall >= 0.95, "{name}: {:?}", r.coinjoin);
        } else {
            assert_eq!(r.coinjoin.calls, 0, "{name}: CoinJoins where there are none");
        }
        if r.mixer.cases > 0 {
            assert!(r.mixer.precision >= 0.8 && r.mixer.recall >= 0.25, "{name}: {:?}", r.mixer);
        }
        assert!(r.mixer.calls - r.mixer.correct <= r.mixer.calls / 5 + 5, "{name}: {:?}", r.mixer);
    }
}

#[test]
fn clustering_skips_coinjoins_and_joins_common_inputs() {
    let w = world("advanced-mixer-otc.ron");
    let ex = explorer_of(&w);
    let cl = Clusters::build(&ex, ClusterOptions::default());
    let c = &ex.chain;
    let mut joined = 0;
    for (t, r) in c.txs.iter_ids() {
        if r.is_coinbase(&c.inputs) || r.n_inputs < 2 {
            continue;
        }
        let roots: std::collections::BTreeSet<AddrIdx> = c.inputs[r.inputs()]
            .iter()
            .map(|i| cl.root[c.outputs[i.prev().unwrap()].addr().unwrap().index()])
            .collect();
        if coinjoin::coinjoin(&ex, t).is_some() {
            assert!(roots.len() > 1, "a CoinJoin's inputs are not merged");
            joined += 1;
        } else {
            assert_eq!(roots.len(), 1, "tx {t:?}: inputs spent together share a cluster");
        }
    }
    assert!(joined > 10);
    // The vendor's cluster view shows its addresses and no exchange label.
    let Resolved::Addresses(deposits) = answer(&w, "deposits") else { panic!() };
    let d = ex.address(&deposits[0]).unwrap();
    assert!(cl.members(d).contains(&d));
    let view = cl.view(&ex, d);
    assert_eq!(view.size, cl.members(d).len());
    assert!(view.size >= 2, "a deposit address is swept together with other customers' deposits");
}

#[test]
fn tracing_follows_the_vendor_to_the_exchange() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let from = payout(&w, &ex);
    let Resolved::Addresses(deposits) = answer(&w, "deposits") else { panic!() };
    let opts =
        |method| TraceOptions { method, direction: Direction::Forward, depth: 8, stop_at: vec![Category::Exchange] };
    let haircut = taint::trace(&ex, from, &opts(Method::Haircut)).unwrap();
    for d in deposits {
        let r = haircut.reached.iter().find(|r| &r.address == d).unwrap_or_else(|| panic!("{d} not reached"));
        assert!(r.amount > 0 && r.hops >= 2 && r.path.len() == r.hops as usize, "{r:?}");
    }
    let exchange = haircut.reached.iter().filter(|r| r.stopped && r.category == Some(Category::Exchange)).count();
    assert!(exchange >= 1, "the trace stops at the exchange's labelled wallet");
    assert!(haircut.reached.iter().all(|r| r.hops <= 8));
    // Poison taints at least as much as haircut, everywhere; FIFO no more than what left.
    let poison = taint::trace(&ex, from, &opts(Method::Poison)).unwrap();
    let fifo = taint::trace(&ex, from, &opts(Method::Fifo)).unwrap();
    for r in &haircut.reached {
        let p = poison.reached.iter().find(|x| x.address == r.address).expect("poison reaches everything haircut does");
        assert!(p.amount >= r.amount);
    }
    assert!(fifo.reached.iter().any(|r| deposits.contains(&r.address)));
    // Backward from a deposit address: the payout address is among the sources.
    let back = taint::trace(
        &ex,
        ex.address(&deposits[0]).unwrap(),
        &TraceOptions { method: Method::Poison, direction: Direction::Backward, depth: 6, stop_at: vec![] },
    )
    .unwrap();
    let payout_text = ex.chain.address_string(from);
    assert!(back.reached.iter().any(|r| r.address == payout_text), "backward trace finds the payout address");
}

#[test]
fn empty_limits_are_refused_and_depth_is_optional() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let from = payout(&w, &ex);
    let opts = TraceOptions { method: Method::Poison, direction: Direction::Forward, depth: 0, stop_at: vec![] };
    assert_eq!(taint::trace(&ex, from, &opts).unwrap_err(), TraceError::NoDepth);
    let e =
        path::find(&ex, from, Target::Category(Category::Exchange), PathOptions { depth: 5, breadth: 0 }).unwrap_err();
    assert!(e.to_string().contains("at least 1"), "{e}");
    // A poison trace with no stop and no depth limit ends, bounded by the work it does (and
    // says if it was cut short); the depth it ran with is none.
    let wide = TraceOptions { depth: taint::NO_DEPTH_LIMIT, ..opts };
    let r = taint::trace(&ex, from, &wide).unwrap();
    assert!(!r.reached.is_empty() && r.depth.is_none());
    // The same trace twice lists the same paths (never the order of a hash map).
    assert_eq!(taint::trace(&ex, from, &wide).unwrap(), r);
}

#[test]
fn path_search_finds_where_the_money_reached_an_exchange() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let from = payout(&w, &ex);
    let r = path::find(&ex, from, Target::Category(Category::Exchange), PathOptions::default()).unwrap();
    assert!(r.found, "{r:?}");
    assert_eq!(r.label.as_deref(), Some("CoinBay"));
    assert_eq!(r.hops[0].from, ex.chain.address_string(from));
    assert!(r.hops.windows(2).all(|h| h[0].to == h[1].from), "hops chain up");
    let Resolved::Addresses(deposits) = answer(&w, "deposits") else { panic!() };
    let to = ex.address(&deposits[0]).unwrap();
    let r = path::find(&ex, from, Target::Address(to), PathOptions::default()).unwrap();
    assert!(r.found && r.hops.last().unwrap().to == deposits[0]);
    // Too shallow a search finds nothing, and says so.
    let r = path::find(&ex, from, Target::Address(to), PathOptions { depth: 1, breadth: 50 }).unwrap();
    assert!(!r.found);
}

#[test]
fn path_hops_never_carry_more_than_entered_the_path() {
    // The payout's coins reach CoinBay through a sweep of many customers' deposits: the last
    // hop is a large output of the exchange's wallet, but the path can carry no more into it
    // than came in.
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let from = payout(&w, &ex);
    let received = ex.address_view(from).received;
    let r = path::find(&ex, from, Target::Category(Category::Exchange), PathOptions::default()).unwrap();
    assert!(r.found, "{r:?}");
    let mut before = received;
    for h in &r.hops {
        assert!(h.value > 0 && h.value <= before, "hop {} -> {} carries {} after {before}", h.from, h.to, h.value);
        assert!(h.value <= h.output_value);
        before = h.value;
    }
    // The exchange's sweep is far larger than what the path brings into it, and says so.
    let last = r.hops.last().unwrap();
    assert!(last.output_value > last.value, "{last:?}");
}

#[test]
fn a_transaction_shows_each_side_with_its_labels_and_dollar_value() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let wallet = ex.by_label("CoinBay")[0];
    let t = *ex.txs_of(wallet).iter().find(|&&t| ex.flows(wallet, t).0 > 0).unwrap();
    let v = ex.tx_view(t);
    let price = ex.price_at(i64::from(v.time));
    assert!(price > 0.0);
    let wallet_text = ex.chain.address_string(wallet);
    let paid = v.outputs.iter().find(|o| o.address.as_deref() == Some(wallet_text.as_str())).unwrap();
    assert!(paid.labels.iter().any(|l| l.label == "CoinBay" && l.category == Category::Exchange), "{paid:?}");
    for o in &v.outputs {
        assert!((o.usd - o.value as f64 / 1e8 * price).abs() < 0.01, "{o:?} at ${price}");
    }
    for i in &v.inputs {
        assert!((i.usd - i.value as f64 / 1e8 * price).abs() < 0.01, "{i:?} at ${price}");
        let a = ex.address(i.address.as_deref().unwrap()).unwrap();
        assert_eq!(i.labels, ex.labels(a));
    }
}

#[test]
fn a_deposit_address_says_which_labelled_wallet_swept_it() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let Resolved::Addresses(deposits) = answer(&w, "deposits") else { panic!() };
    for d in deposits {
        let a = ex.address(d).unwrap();
        let sweeps = ex.swept_to(a);
        assert!(!sweeps.is_empty(), "{d} was swept");
        assert_eq!(sweeps.iter().map(|s| s.spent).sum::<u64>(), ex.address_view(a).sent);
        let (to, label) = sweeps[0].into_service().expect("swept into a labelled wallet");
        assert_eq!((label.label.as_str(), label.category), ("CoinBay", Category::Exchange));
        assert!(ex.by_label("CoinBay").contains(&ex.address(&to.address).unwrap()));
    }
    // An address that never spent anything was swept nowhere.
    let c = &ex.chain;
    let kept = c
        .addresses
        .ids()
        .find(|&a| !ex.txs_of(a).is_empty() && ex.txs_of(a).iter().all(|&t| ex.flows(a, t).1 == 0))
        .unwrap();
    assert!(ex.swept_to(kept).is_empty());
}

#[test]
fn prices_are_given_inside_the_series_and_refused_outside_it() {
    let w = world("beginner-careless-vendor.ron");
    let ex = explorer_of(&w);
    let (first, end) = ex.price_span().unwrap();
    let p = &w.intel.prices;
    let at = |i: usize| offramp_core::time::parse_instant(&p[i].date).unwrap();
    assert_eq!(first, at(0));
    assert_eq!(end, at(p.len() - 1) + 3600, "the last hourly point covers its hour");
    assert_eq!(ex.price_on(first), Ok(p[0].usd));
    assert_eq!(ex.price_on(at(5) + 1800), Ok(p[5].usd), "half past takes the hour's price");
    assert!(ex.price_on(end - 1).is_ok());
    for t in [first - 1, end, 0] {
        let e = ex.price_on(t).unwrap_err();
        assert!(matches!(e, PriceError::OutsideSeries { .. }), "{e}");
        assert!(e.to_string().contains(&p[0].date), "{e}");
    }
}
