//! The debrief: a case laid over the truth, hop by hop and address by address, and the places
//! where a heuristic pointed the wrong way.

use offramp_core::answer::{Given, Resolved};
use offramp_core::case::Case;
use offramp_core::debrief::{Mark, debrief};
use offramp_core::forensics::load::explorer_of;

use crate::common::{generate, load, scenarios_dir};

fn reference(w: &offramp_core::sim::World) -> Case {
    let mut c = Case { scenario: w.scenario.meta.id.clone(), ..Case::default() };
    for (o, t) in w.scenario.objectives.iter().zip(&w.truth.answers) {
        c.answers.insert(o.id.clone(), t.as_given());
    }
    c
}

#[test]
fn a_debrief_marks_found_missed_and_wrong_hops_and_addresses() {
    let w = generate(&load(&scenarios_dir().join("beginner-careless-vendor.ron")), None, false);
    let ex = explorer_of(&w);
    let key = debrief(&w, &ex, None);
    let true_hops: usize = w.truth.answers.iter().map(|a| if let Resolved::Path(h) = a { h.len() } else { 0 }).sum();
    assert_eq!(key.count(Mark::Key), true_hops);
    assert!(key.hops.iter().all(|h| h.mark == Mark::Key) && key.items.iter().all(|i| i.mark == Mark::Key));

    let right = debrief(&w, &ex, Some(&reference(&w)));
    assert_eq!(right.count(Mark::Found), true_hops);
    assert_eq!(right.count(Mark::Missed) + right.count(Mark::Wrong), 0);
    assert!(right.hops.iter().all(|h| h.txid.is_some()), "every true hop is a transaction of the chain");
    assert!(right.misled.iter().all(|m| !m.followed), "the reference follows no heuristic astray");

    // One hop left out, one made up, one deposit address wrong.
    let mut partial = reference(&w);
    let Some(Given::Hops(hops)) = partial.answers.get_mut("path") else { panic!("a path answer") };
    let dropped = hops.remove(0);
    let stranger = w.chain.address_string(w.chain.addresses.ids().nth(5).unwrap());
    hops.push((dropped.0.clone(), stranger.clone()));
    let Some(Given::Addresses(deposits)) = partial.answers.get_mut("deposits") else { panic!("an address answer") };
    deposits.push(stranger.clone());
    let d = debrief(&w, &ex, Some(&partial));
    assert_eq!(d.count(Mark::Found), true_hops - 1);
    assert_eq!(d.count(Mark::Missed), 1);
    assert_eq!(d.count(Mark::Wrong), 1);
    let missed = d.hops.iter().find(|h| h.mark == Mark::Missed).unwrap();
    assert_eq!((missed.from.as_str(), missed.to.as_str()), (dropped.0.as_str(), dropped.1.as_str()));
    assert!(d.items.iter().any(|i| i.address == stranger && i.mark == Mark::Wrong));
}

#[test]
fn a_change_verdict_that_names_the_payment_is_pointed_out_and_following_it_shows() {
    // Across the shipped scenarios, every place named is one where the heuristics' change
    // output really belongs to someone else; answering it as the vendor's own shows.
    let mut named = 0;
    for path in crate::common::shipped() {
        let w = generate(&load(&path), None, false);
        let ex = explorer_of(&w);
        let d = debrief(&w, &ex, None);
        for m in d.misled.iter().filter(|m| m.what.contains("change heuristics")) {
            named += 1;
            let a = w.find_address(&m.addresses[0]).unwrap();
            let t = w.chain.txs.ids().find(|&t| w.chain.txs[t].txid().to_string() == m.txid).unwrap();
            let payer = w.chain.inputs[w.chain.txs[t].inputs()].iter().find_map(|i| i.prev()).unwrap();
            let payer = w.truth.addresses[w.chain.outputs[payer].addr().unwrap()].entity;
            assert_ne!(w.truth.addresses[a].entity, payer, "{}: {}", m.txid, m.what);
            // A trainee who took that output for the payer's change and followed it on:
            let mut c = reference(&w);
            if let Some((id, Given::Hops(h))) = c.answers.iter_mut().find(|(_, g)| matches!(g, Given::Hops(_))) {
                let _ = id;
                h.push((m.addresses[0].clone(), w.chain.address_string(w.chain.addresses.ids().next().unwrap())));
                let followed = debrief(&w, &ex, Some(&c));
                assert!(followed.misled.iter().any(|x| x.txid == m.txid && x.followed));
            }
        }
    }
    assert!(named > 0, "the shipped stories have at least one change verdict that misleads");
}

#[test]
fn the_coinjoin_the_detector_misses_is_named_where_it_merges_owners() {
    let w = generate(&load(&scenarios_dir().join("advanced-poisoned-cluster.ron")), None, false);
    let ex = explorer_of(&w);
    let d = debrief(&w, &ex, None);
    let merged: Vec<_> = d.misled.iter().filter(|m| m.what.contains("co-spend clustering merges")).collect();
    assert!(!merged.is_empty(), "{:#?}", d.misled);
    // The reference answers none of the strangers; the naive cluster answer would.
    let right = debrief(&w, &ex, Some(&reference(&w)));
    assert!(right.misled.iter().all(|m| !m.followed));
    let mut naive = reference(&w);
    let strangers: Vec<String> = merged[0].addresses.clone();
    if let Some(Given::Addresses(a)) = naive.answers.get_mut("wallet") {
        a.extend(strangers);
    }
    let d = debrief(&w, &ex, Some(&naive));
    assert!(d.misled.iter().any(|m| m.txid == merged[0].txid && m.followed), "{:#?}", d.misled);
}
