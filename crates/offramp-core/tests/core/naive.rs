//! The scenarios built around a trap: the answer a careless trainee derives from the
//! generated world (the tools' first result, the wrong shop, the wrong hop) scores well below
//! the reference solution. Every naive answer is worked out from the world, its intel and the
//! forensics tools, never written down.

use std::collections::BTreeSet;

use offramp_core::answer::Given;
use offramp_core::case::{Case, Request};
use offramp_core::forensics::cluster::{ClusterOptions, Clusters};
use offramp_core::forensics::coinjoin;
use offramp_core::forensics::load::explorer_of;
use offramp_core::intel::IntelItem;
use offramp_core::ledger::{AddrIdx, InputRecord, OutputRecord, TxIdx};
use offramp_core::legal::{self, Reply};
use offramp_core::scenario::{Action, Category, EntityIdx, EntityKind};
use offramp_core::score::{ObjectiveScore, Report, score};
use offramp_core::sim::World;
use offramp_core::truth::MemberIdx;

use crate::common::*;

/// A shipped scenario's world, generated with its reference solution's seed, and that solution.
fn with_reference(name: &str) -> (World, Case) {
    let sc = load(&scenarios_dir().join(format!("{name}.ron")));
    let case = Case::load(&scenarios_dir().join("solutions").join(format!("{name}.case.ron")), &sc)
        .unwrap_or_else(|e| panic!("{e}"));
    let w = generate(&sc, case.seed, false);
    (w, case)
}

fn naive_from(reference: &Case) -> Case {
    Case { trainee: "careless trainee".into(), ..reference.clone() }
}

fn objective<'a>(r: &'a Report, id: &str) -> &'a ObjectiveScore {
    r.objectives.iter().find(|o| o.id == id).unwrap_or_else(|| panic!("no objective {id}"))
}

fn entity(w: &World, id: &str) -> EntityIdx {
    EntityIdx::new(w.scenario.entities.iter().position(|e| e.id == id).unwrap_or_else(|| panic!("no entity {id}")))
}

fn intel<'a>(w: &'a World, note: &str) -> &'a IntelItem {
    w.intel.items.iter().find(|i| i.note.contains(note)).unwrap_or_else(|| panic!("no intel item about {note:?}"))
}

fn addr(w: &World, text: &str) -> AddrIdx {
    w.find_address(text).unwrap_or_else(|| panic!("{text} is not on the chain"))
}

/// Who really holds an address: an entity, and the member of a population.
fn owner(w: &World, a: AddrIdx) -> (EntityIdx, Option<MemberIdx>) {
    let t = &w.truth.addresses[a];
    (t.entity, t.member)
}

fn texts(w: &World, addrs: impl IntoIterator<Item = AddrIdx>) -> Vec<String> {
    let set: BTreeSet<String> = addrs.into_iter().map(|a| w.chain.address_string(a)).collect();
    set.into_iter().collect()
}

/// The addresses whose coins a transaction spends.
fn payers(w: &World, t: TxIdx) -> Vec<AddrIdx> {
    let c = &w.chain;
    c.inputs[c.txs[t].inputs()].iter().filter_map(InputRecord::prev).filter_map(|p| c.outputs[p].addr()).collect()
}

/// The transactions that made the coins `t` spends.
fn funding(w: &World, t: TxIdx) -> Vec<TxIdx> {
    let c = &w.chain;
    c.inputs[c.txs[t].inputs()].iter().filter_map(InputRecord::prev).map(|p| c.outputs[p].tx).collect()
}

/// The objective's points and what a case earned on it, as a share.
fn share(r: &Report, id: &str) -> f64 {
    let o = objective(r, id);
    o.earned / o.possible
}

#[test]
fn the_naive_cluster_across_an_undetected_coinjoin_is_mostly_other_people() {
    let (w, reference) = with_reference("advanced-poisoned-cluster");
    let ex = explorer_of(&w);
    let vendor = entity(&w, "velvet");
    let payouts: Vec<AddrIdx> =
        intel(&w, "VelvetLeaf's payout addresses").addresses.iter().map(|a| addr(&w, a)).collect();
    assert!(!payouts.is_empty());
    // The round: the transaction that spends the first payout.
    let round =
        *ex.txs_of(payouts[0]).iter().find(|&&t| payers(&w, t).contains(&payouts[0])).expect("the payout is spent");
    let c = &w.chain;
    let outs: Vec<&OutputRecord> = c.outputs[c.txs[round].outputs()].iter().collect();
    let denomination = {
        let values: Vec<u64> = outs.iter().map(|o| o.value).collect();
        *values.iter().max_by_key(|v| values.iter().filter(|x| x == v).count()).unwrap()
    };
    let equal: Vec<AddrIdx> = outs.iter().filter(|o| o.value == denomination).filter_map(|o| o.addr()).collect();
    // What the trainee sees: a round with many equal outputs that pays the coordinator's tagged
    // fee address, which the detector does not flag, so clustering goes straight through it.
    assert!(equal.len() > c.txs[round].n_inputs as usize, "more equal outputs than inputs");
    assert!(
        outs.iter().filter_map(|o| o.addr()).any(|a| ex.category(a) == Some(Category::CoinJoin)),
        "the round pays the coordinator's tagged fee address"
    );
    assert!(coinjoin::coinjoin(&ex, round).is_none(), "the detector misses the vendor's round");
    let others_in_round: BTreeSet<_> =
        payers(&w, round).into_iter().map(|a| owner(&w, a)).filter(|o| o.0 != vendor).collect();
    assert!(others_in_round.len() >= 2, "other people signed the round: {others_in_round:?}");

    // The naive answer: the co-spend cluster of the payout address, as `inspect cluster` gives it.
    let clusters = Clusters::build(&ex, ClusterOptions::default());
    let naive_wallet: Vec<AddrIdx> = clusters.members(payouts[0]).to_vec();
    assert!(payouts.iter().all(|p| naive_wallet.contains(p)), "the cluster holds every payout");
    let foreign: BTreeSet<_> = naive_wallet.iter().map(|&a| owner(&w, a)).filter(|o| o.0 != vendor).collect();
    let foreign_addresses = naive_wallet.iter().filter(|&&a| owner(&w, a).0 != vendor).count();
    assert!(foreign.len() >= 2, "the cluster merges at least two other people: {foreign:?}");
    assert!(
        foreign_addresses * 2 > naive_wallet.len(),
        "most of the cluster is other people's: {foreign_addresses} of {}",
        naive_wallet.len()
    );
    // Trusting it, every input of the round is the vendor's, so every equal output is too, and
    // the path runs from every input to every output but the coordinator's fee.
    let inputs = payers(&w, round);
    let kept: Vec<AddrIdx> =
        outs.iter().filter_map(|o| o.addr()).filter(|&a| ex.category(a) != Some(Category::CoinJoin)).collect();
    let mut path: BTreeSet<(String, String)> = reference.answers["path"].hops().into_iter().collect();
    for &i in &inputs {
        path.extend(kept.iter().filter(|&&o| o != i).map(|&o| (c.address_string(i), c.address_string(o))));
    }
    let mut naive = naive_from(&reference);
    naive.answers.insert("wallet".into(), Given::Addresses(texts(&w, naive_wallet)));
    naive.answers.insert("mixed".into(), Given::Addresses(texts(&w, equal)));
    naive.answers.insert("path".into(), Given::Hops(path.into_iter().collect()));

    let full = score(&w, &reference);
    let r = score(&w, &naive);
    assert_eq!(full.earned, full.possible, "{}", full.to_text());
    assert_eq!(share(&full, "wallet"), 1.0);
    let wallet = objective(&r, "wallet");
    assert!(share(&r, "wallet") < 0.5, "the naive cluster earns under half its points:\n{}", r.to_text());
    assert!(wallet.precision.unwrap() < 0.5, "{wallet:?}");
    assert!(share(&r, "mixed") < 1.0, "the other participants' equal outputs cost points");
    assert!(share(&r, "path") < 0.5, "the other participants' hops cost points");
    assert!(r.earned <= full.earned * 0.65, "naive {} of reference {}:\n{}", r.earned, full.earned, r.to_text());
}

/// The hops a set of story steps made, as the truth defines a funds path: from each address
/// whose story coins a transaction spent to each address it paid story coins.
fn story_hops(w: &World, steps: impl IntoIterator<Item = usize>) -> BTreeSet<(String, String)> {
    let c = &w.chain;
    let mut hops = BTreeSet::new();
    for s in steps {
        for &t in &w.truth.step_txs[s] {
            let r = &c.txs[t];
            let ins: BTreeSet<AddrIdx> = c.inputs[r.inputs()]
                .iter()
                .filter_map(InputRecord::prev)
                .filter(|p| w.truth.flow[p.index()])
                .filter_map(|p| c.outputs[p].addr())
                .collect();
            let outs: BTreeSet<AddrIdx> =
                r.outputs().filter(|k| w.truth.flow[k.index()]).filter_map(|k| c.outputs[k].addr()).collect();
            for a in &ins {
                for b in outs.iter().filter(|b| *b != a) {
                    hops.insert((c.address_string(*a), c.address_string(*b)));
                }
            }
        }
    }
    hops
}

#[test]
fn following_the_markets_hot_wallet_mixes_the_target_up_with_the_decoys() {
    let (w, reference) = with_reference("intermediate-crowded-market");
    let ex = explorer_of(&w);
    let sc = &w.scenario;
    let target = entity(&w, "snegovik");
    let volna = entity(&w, "volna");
    // The other shops of the story: decoys with money trails and cash-outs of their own.
    let decoys: BTreeSet<EntityIdx> = sc
        .story
        .iter()
        .filter_map(|s| match s.action {
            Action::VendorWithdrawals { vendor, .. } if vendor != target => Some(vendor),
            _ => None,
        })
        .collect();
    assert!(decoys.len() >= 3, "several decoy shops");
    for d in &decoys {
        assert!(w.truth.cashouts.iter().any(|c| c.holder == *d), "decoy {} cashes out", sc.entities[*d].id);
    }

    // The careless trainee follows the market's tagged hot wallet instead of the controlled-buy
    // payout: every address it paid looks like a payout.
    let hot: BTreeSet<AddrIdx> =
        w.intel.tags.iter().filter(|t| t.category == Category::Market).map(|t| addr(&w, &t.address)).collect();
    assert!(!hot.is_empty());
    let c = &w.chain;
    let paid_by_hot: BTreeSet<AddrIdx> = c
        .txs
        .iter_ids()
        .filter(|(t, r)| !r.is_coinbase(&c.inputs) && payers(&w, *t).iter().any(|a| hot.contains(a)))
        .flat_map(|(_, r)| c.outputs[r.outputs()].iter().filter_map(OutputRecord::addr).collect::<Vec<_>>())
        .filter(|a| !hot.contains(a))
        .collect();
    let payout_owners: BTreeSet<EntityIdx> = paid_by_hot.iter().map(|&a| owner(&w, a).0).collect();
    assert!(payout_owners.contains(&target) && decoys.iter().all(|d| payout_owners.contains(d)));
    // From there it reaches every shop's deposits at Volna, all swept into the same tagged
    // hot wallet: nothing at the exchange tells the target's from a decoy's.
    let shops: BTreeSet<EntityIdx> = decoys.iter().copied().chain([target]).collect();
    let at_volna: Vec<_> =
        w.truth.cashouts.iter().filter(|k| shops.contains(&k.holder) && k.service == volna).collect();
    let deposits: Vec<AddrIdx> = at_volna.iter().filter_map(|k| c.outputs[k.output].addr()).collect();
    assert!(at_volna.iter().any(|k| k.holder != target), "a decoy deposits at Volna too");
    for &d in &deposits {
        assert!(
            ex.swept_to(d).iter().any(|s| s.into_service().is_some_and(|(_, l)| l.label == "Volna")),
            "{} is swept into Volna's tagged wallet",
            c.address_string(d)
        );
    }
    let total: u64 = at_volna.iter().map(|k| k.value).sum();
    let services: BTreeSet<String> = w
        .truth
        .cashouts
        .iter()
        .filter(|k| shops.contains(&k.holder))
        .map(|k| sc.entities[k.service].name.clone())
        .collect();
    // The biggest account at Volna is taken for the target's.
    let biggest = decoys
        .iter()
        .max_by_key(|&&d| at_volna.iter().filter(|k| k.holder == d).map(|k| k.value).sum::<u64>())
        .copied()
        .unwrap();
    let name = w
        .truth
        .accounts
        .iter()
        .find(|a| a.holder == biggest && a.service == volna)
        .and_then(|a| a.identity.as_ref())
        .map(|i| i.name.clone())
        .expect("the biggest decoy at Volna has a KYC file there");
    // Every shop's trail is marked as the target's.
    let decoy_steps = sc.story.iter().enumerate().filter(|(_, s)| {
        decoys.contains(&s.holder) && !matches!(s.action, Action::Purchases { .. } | Action::VendorWithdrawals { .. })
    });
    let mut path: BTreeSet<(String, String)> = reference.answers["path"].hops().into_iter().collect();
    path.extend(story_hops(&w, decoy_steps.map(|(i, _)| i)));

    let mut naive = naive_from(&reference);
    naive.answers.insert("payouts".into(), Given::Addresses(texts(&w, paid_by_hot)));
    naive.answers.insert("deposits".into(), Given::Addresses(texts(&w, deposits)));
    naive.answers.insert("total".into(), Given::Amount(total as f64 / 1e8));
    naive.answers.insert("services".into(), Given::Entities(services.into_iter().collect()));
    naive.answers.insert("identity".into(), Given::Text(name));
    naive.answers.insert("path".into(), Given::Hops(path.into_iter().collect()));

    let full = score(&w, &reference);
    let r = score(&w, &naive);
    assert_eq!(full.earned, full.possible, "{}", full.to_text());
    for id in ["payouts", "deposits", "total", "identity"] {
        assert!(share(&r, id) < 0.5, "{id} earns under half its points:\n{}", r.to_text());
    }
    assert_eq!(objective(&r, "deposits").recall, Some(1.0), "the target's deposits are all there, among others");
    assert!(r.earned <= full.earned * 0.4, "naive {} of reference {}:\n{}", r.earned, full.earned, r.to_text());
}

#[test]
fn stopping_short_of_the_traders_exchange_account_finds_no_one() {
    let (w, reference) = with_reference("beginner-cash-for-coins");
    let ex = explorer_of(&w);
    let sc = &w.scenario;
    let buyer = entity(&w, "buyer");
    let trader = entity(&w, "obmen");
    let EntityKind::Otc(otc) = &sc.entities[trader].kind else { panic!("obmen is an OTC trader") };
    let exchange = &sc.entities[otc.deposits_to.expect("the trader deposits at an exchange")].name;
    let payment = ex.txid(&intel(&w, "first Tundra order").txids[0]).unwrap();
    // One hop back from the market payment: the buyer's wallet. Two hops back: the trader's.
    let first_hop = payers(&w, payment);
    assert!(!first_hop.is_empty() && first_hop.iter().all(|&a| owner(&w, a).0 == buyer));
    let second_hop: Vec<AddrIdx> = funding(&w, payment).into_iter().flat_map(|t| payers(&w, t)).collect();
    assert!(!second_hop.is_empty() && second_hop.iter().all(|&a| owner(&w, a).0 == trader));

    let full = score(&w, &reference);
    assert_eq!(full.earned, full.possible, "{}", full.to_text());

    // Stopping at the first hop: the buyer's wallet taken for the trader's, and the exchange
    // asked about it. It has no records of the buyer's address, and the request costs points.
    assert_eq!(legal::request(&w, exchange, &w.chain.address_string(first_hop[0])).unwrap(), Reply::NoRecords);
    let mut naive = naive_from(&reference);
    naive.answers.clear();
    naive.answers.insert("buyer-wallet".into(), Given::Addresses(texts(&w, first_hop.clone())));
    naive.answers.insert("trader-wallet".into(), Given::Addresses(texts(&w, first_hop.clone())));
    naive.requests = vec![Request { exchange: exchange.clone(), address: w.chain.address_string(first_hop[0]) }];
    let r = score(&w, &naive);
    assert_eq!(share(&r, "trader-wallet"), 0.0, "{}", r.to_text());
    assert_eq!(share(&r, "trader-identity"), 0.0);
    assert!(r.legal.penalty > 0.0);
    assert!(r.earned <= full.earned * 0.25, "naive {} of reference {}:\n{}", r.earned, full.earned, r.to_text());

    // Stopping at the trader's wallet: right wallets, but the request is about the trader's own
    // address, not his deposit address at the exchange, so no KYC file names him.
    assert_eq!(legal::request(&w, exchange, &w.chain.address_string(second_hop[0])).unwrap(), Reply::NoRecords);
    let mut naive = naive_from(&reference);
    naive.answers.remove("trader-identity");
    naive.requests = vec![Request { exchange: exchange.clone(), address: w.chain.address_string(second_hop[0]) }];
    let r = score(&w, &naive);
    assert_eq!(share(&r, "trader-wallet"), 1.0);
    assert_eq!(share(&r, "trader-identity"), 0.0);
    assert!(r.legal.penalty > 0.0);
    let identity = objective(&full, "trader-identity").earned;
    assert!(r.earned <= full.earned - identity, "naive {} of reference {}:\n{}", r.earned, full.earned, r.to_text());
}
