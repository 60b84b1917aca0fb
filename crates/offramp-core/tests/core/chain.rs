//! Every shipped scenario, in fast mode: the chain follows Bitcoin's rules and tells its story.

use offramp_core::ledger::check::check_chain;
use offramp_core::ledger::{AddrIdx, OutputRecord, estimate_vsize};
use offramp_core::truth::Purpose;

use crate::common::*;

#[test]
fn every_shipped_scenario_generates_a_valid_chain() {
    for path in shipped() {
        let sc = load(&path);
        let w = generate(&sc, None, false);
        let stats =
            check_chain(sc.meta.network, &blocks(&w), None).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(stats.transactions, w.chain.txs.len(), "{}", path.display());
        assert_eq!(stats.blocks, w.chain.blocks.len());
        // Every step of the story made transactions, and ran inside the chain's time.
        for (i, step) in sc.story.iter().enumerate() {
            assert!(!w.truth.step_txs[i].is_empty(), "{}: step {} made no transaction", path.display(), step.id);
            let first = &w.chain.txs[w.truth.step_txs[i][0]];
            assert!(
                first.created >= sc.meta.start + step.window.0,
                "{}: step {} ran before its window",
                path.display(),
                step.id
            );
        }
        // The story is part of a busier chain.
        let story = w.truth.purposes.iter().filter(|p| matches!(p, Purpose::Story(_))).count();
        assert!(story * 2 < w.chain.txs.len(), "{}: the story is most of the chain", path.display());
    }
}

#[test]
fn fees_follow_the_real_size_of_each_transaction() {
    let sc = load(&scenarios_dir().join("intermediate-two-exchanges.ron"));
    let w = generate(&sc, None, false);
    let mut checked = 0;
    for (t, r) in w.chain.txs.iter_ids() {
        if r.is_coinbase(&w.chain.inputs) {
            continue;
        }
        let kind = |a: AddrIdx| w.chain.addresses[a].kind();
        let ins = w.chain.inputs[r.inputs()].iter().map(|i| kind(w.chain.outputs[i.prev().unwrap()].addr().unwrap()));
        let outs = w.chain.outputs[r.outputs()].iter().filter_map(OutputRecord::addr).map(kind);
        // Placeholder witnesses have the size wallets budget for, so the estimate is exact.
        assert_eq!(u64::from(r.vsize), estimate_vsize(ins, outs), "tx {t:?}");
        let rate = r.fee as f64 / r.vsize as f64;
        assert!((1.0..=2000.0).contains(&rate), "tx {t:?} pays {rate} sat/vB");
        assert_eq!(w.chain.input_value(t), w.chain.output_value(t) + r.fee, "tx {t:?} does not conserve value");
        checked += 1;
    }
    assert!(checked > 1000);
}

#[test]
fn cash_outs_land_on_deposit_addresses_of_the_vendors_own_account() {
    for path in shipped() {
        let sc = load(&path);
        let w = generate(&sc, None, false);
        assert!(!w.truth.cashouts.is_empty(), "{}", path.display());
        for c in &w.truth.cashouts {
            let out = &w.chain.outputs[c.output];
            let owner = &w.truth.addresses[out.addr().unwrap()];
            assert_eq!(owner.entity, c.service, "a cash-out pays an address of the service");
            if let Some(account) = owner.account {
                let acct = &w.truth.accounts[account];
                assert_eq!(acct.holder, c.holder, "the deposit address belongs to the launderer's account");
            }
        }
    }
}

#[test]
fn wallets_leave_their_fingerprints() {
    // The intermediate vendor builds version-2, non-RBF, locktime-0 P2SH-P2WPKH transactions.
    let sc = load(&scenarios_dir().join("intermediate-two-exchanges.ron"));
    let w = generate(&sc, None, false);
    let peel = sc.story.iter().position(|s| s.id == "peel").unwrap();
    for &t in &w.truth.step_txs[peel] {
        let r = &w.chain.txs[t];
        assert_eq!((r.version, r.locktime), (2, 0));
        assert!(w.chain.inputs[r.inputs()].iter().all(|i| i.sequence == 0xffff_ffff));
    }
    // Ordinary users differ: some signal RBF, some set an anti-fee-sniping locktime.
    let rbf = w.chain.inputs.iter().filter(|i| i.sequence == 0xffff_fffd).count();
    let locked = w.chain.txs.iter().filter(|r| r.locktime > 0).count();
    assert!(rbf > 100 && locked > 100, "rbf {rbf}, locktime {locked}");
}

#[test]
fn a_step_whose_window_overlaps_its_source_waits_and_keeps_its_order() {
    // The hops start while the withdrawals are still going: every hop must wait for them,
    // and each hop must spend the one before.
    let text = MINI.replacen(
        "(id: \"cashout\", window: (\"7d\", \"8d\"), action: CashOut(from: [\"withdraw\"], exchange: \"x\")),",
        "(id: \"hops\", window: (\"5d\", \"6d\"), action: Hops(from: [\"withdraw\"], hops: 12)),\n        (id: \"cashout\", window: (\"7d\", \"8d\"), action: CashOut(from: [\"hops\"], exchange: \"x\")),",
        1,
    );
    assert_ne!(text, MINI);
    let sc = offramp_core::scenario::Scenario::parse(&text, "overlap.ron").unwrap();
    let w = generate(&sc, None, false);
    let hops = &w.truth.step_txs[sc.story.iter().position(|s| s.id == "hops").unwrap()];
    assert_eq!(hops.len(), 12);
    for pair in hops.windows(2) {
        let next = &w.chain.txs[pair[1]];
        let spent_from =
            w.chain.inputs[next.inputs()].iter().map(|i| w.chain.outputs[i.prev().unwrap()].tx).collect::<Vec<_>>();
        assert_eq!(spent_from, vec![pair[0]], "each hop spends the previous one");
    }
    let withdrawals = &w.truth.step_txs[sc.story.iter().position(|s| s.id == "withdraw").unwrap()];
    assert!(hops[0] > *withdrawals.last().unwrap(), "the hops wait for every withdrawal");
}

#[test]
fn the_price_walk_starts_at_its_start_price_on_the_first_day() {
    for path in shipped() {
        let sc = load(&path);
        let w = generate(&sc, None, false);
        if let offramp_core::scenario::PricePath::RandomWalk { start, .. } = sc.meta.price {
            assert_eq!(w.prices.at(sc.meta.start), start, "{}", path.display());
        }
    }
}
