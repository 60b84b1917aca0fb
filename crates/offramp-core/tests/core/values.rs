//! Value is conserved in every world the generator returns: amounts are computed without
//! wrapping, a scenario whose amounts leave the range of money is an error at its place, and
//! a last check of the tables stands between the simulator and the files.

use offramp_core::ledger::MAX_MONEY;
use offramp_core::ledger::values::check_values;
use offramp_core::scenario::PricePath;
use offramp_core::sim::{Options, generate as try_generate};

use crate::common::*;

/// The message of a generation that must fail, or a panic naming what came out instead.
fn generation_error(sc: &offramp_core::scenario::Scenario) -> String {
    match try_generate(sc, &Options::default(), &mut |_, _, _| {}) {
        Ok(w) => panic!("generated {} transactions", w.chain.txs.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn prices_that_validation_would_refuse_never_make_a_chain_whose_amounts_wrapped() {
    // The beginner scenario, its price walk swapped for one at fractions of a cent after
    // validation: prices kept to the cent are zero, and dollars are no number of satoshis.
    let mut sc = load(&scenarios_dir().join("beginner-careless-vendor.ron"));
    sc.meta.price = PricePath::RandomWalk { start: 0.004, daily_volatility: 0.025, min: 0.002, max: 0.006 };
    let e = generation_error(&sc);
    // Located at the entity or the step at work when an amount came to nothing.
    let mut places = sc.entities.iter().map(|x| (x.loc, format!("{} \"{}\"", x.kind.word(), x.id)));
    let mut steps = sc.story.iter().map(|s| (s.loc, format!("step \"{}\"", s.id)));
    let located = |(at, who): (offramp_core::scenario::Pos, String)| {
        e.starts_with(&format!("{}:{}:{}: {who}: ", sc.file, at.line, at.col))
    };
    assert!(places.any(located) || steps.any(located), "{e}");
    assert!(e.contains("at $0 a bitcoin comes to no amount of money"), "{e}");
    // No price at all, in a smaller world.
    let mut sc = mini();
    sc.meta.price = PricePath::Fixed(0.0);
    let e = generation_error(&sc);
    assert!(e.contains("comes to no amount of money") && !e.contains("internal"), "{e}");
}

#[test]
fn a_chain_that_creates_money_is_caught_by_the_value_check() {
    let w = generate(&mini(), None, false);
    assert_eq!(check_values(&w.chain), Ok(()));
    // The first transaction after the pre-history's coinbases that pays someone.
    let (t, r) = w.chain.txs.iter_ids().find(|(_, r)| !r.is_coinbase(&w.chain.inputs)).unwrap();
    let block = w.chain.blocks.iter().find(|b| b.txs().contains(t)).unwrap();
    let position = block.txs().position(t).unwrap();
    let out = r.first_output;

    let mut c = w.chain.clone();
    c.outputs[out].value += r.fee + 1;
    let e = check_values(&c).unwrap_err();
    assert_eq!((e.height, e.position), (block.height, position));
    assert!(e.problem.contains("but spends only"), "{e}");

    let mut c = w.chain.clone();
    c.outputs[out].value += 1;
    assert!(check_values(&c).unwrap_err().problem.contains("records a fee of"));

    let mut c = w.chain.clone();
    c.outputs[out].value = MAX_MONEY + 1;
    assert!(check_values(&c).unwrap_err().problem.contains("more than the 21,000,000 BTC there can be"));

    let mut c = w.chain.clone();
    let last = c.blocks.last().unwrap().clone_header();
    let coinbase_out = c.txs[last.first_tx].first_output;
    c.outputs[coinbase_out].value += 1;
    let e = check_values(&c).unwrap_err();
    assert_eq!((e.height, e.position), (last.height, 0));
    assert!(e.problem.contains("the coinbase claims"), "{e}");
}

#[test]
fn a_generation_that_fails_while_its_blocks_are_streamed_leaves_nothing_behind() {
    // The pre-history's blocks are sealed and written while the simulation goes on; the
    // story's amounts then come to nothing. The error is the one `generate` gives, and
    // neither the directory nor its staging copy is left.
    let mut sc = load(&scenarios_dir().join("beginner-careless-vendor.ron"));
    sc.meta.price = PricePath::RandomWalk { start: 0.004, daily_volatility: 0.025, min: 0.002, max: 0.006 };
    let expected = generation_error(&sc);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("world");
    let e = offramp_core::export::generate_to(&sc, &Options::default(), &out, None, &mut |_, _, _| {})
        .map(|(w, _)| w.chain.txs.len())
        .unwrap_err()
        .to_string();
    assert_eq!(e, expected);
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
