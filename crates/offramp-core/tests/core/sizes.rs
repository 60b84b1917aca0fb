//! Worlds too big for memory: refused by validation with the estimate, before anything is
//! built; and a world that grows past the generator's limits anyway stops with an error
//! instead of exhausting memory. No transaction grows too big for a block either.

use offramp_core::ledger::check::check_chain;
use offramp_core::scenario::{Scenario, WorldSize};
use offramp_core::sim::{Limits, Options, generate_within};
use offramp_core::truth::{Operation, Purpose};

use crate::common::*;

/// MINI on Signet (whose subsidy funds a million users) with `entities` added.
fn with_entities(entities: &str) -> String {
    MINI.replacen("seed: 1,", "seed: 1, network: Signet,", 1).replacen(
        "        Exchange(id: \"x\", reserve_btc: 50.0),\n",
        &format!("        Exchange(id: \"x\", reserve_btc: 50.0),\n{entities}"),
        1,
    )
}

#[test]
fn coinjoin_rounds_every_few_seconds_over_a_million_users_are_refused_before_generating() {
    let text = with_entities(
        "        Users(id: \"u\", count: 1000000, balance_btc: (0.01, 0.1)),\n        \
         CoinJoin(id: \"cj\", denomination_btc: 0.001, participants: (300, 500), round_every: \"5s\", users: \"u\"),\n",
    );
    let e = match Scenario::parse(&text, "s.ron") {
        Ok(_) => panic!("accepted"),
        Err(d) => d.to_string(),
    };
    let line = text.lines().position(|l| l.contains("CoinJoin(")).unwrap() + 1;
    assert!(e.starts_with(&format!("s.ron:{line}:9: this scenario would make about ")), "{e}");
    // The estimate, in every count, and what it means in memory.
    for what in [" transactions, ", " inputs, ", " outputs and ", " addresses, about "] {
        assert!(e.contains(what), "{what}: {e}");
    }
    assert!(e.contains(" GiB of memory (CoinJoin \"cj\" alone: about "), "{e}");
    assert!(
        e.contains("the most Offramp generates is 5000000 transactions, 20000000 inputs, 20000000 outputs, 20000000 addresses and 8 GiB"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    // The estimate's outputs are at least what 500 participants in every round make.
    let outputs: u64 =
        e.split(" outputs and ").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("{e}"));
    assert!(outputs > 10 * 86_400 / 5 * 500, "{e}");
}

#[test]
fn a_million_users_in_a_slow_world_still_validate() {
    // People alone, with rounds of a reasonable size, stay within the limits.
    let text = with_entities(
        "        Users(id: \"u\", count: 1000000, balance_btc: (0.01, 0.1)),\n        \
         CoinJoin(id: \"cj\", denomination_btc: 0.001, participants: (5, 20), round_every: \"1h\", users: \"u\"),\n",
    );
    Scenario::parse(&text, "s.ron").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_world_that_outgrows_the_generators_limits_stops_with_an_error_at_the_part_at_work() {
    let sc = mini();
    let run = |limits: Limits| generate_within(&sc, &Options::default(), &limits, &mut |_, _, _| {});
    assert!(run(Limits::default()).is_ok());
    let few = Limits { size: WorldSize { outputs: 700, ..WorldSize::GENERATED_MAX }, ..Limits::default() };
    let e = run(few).map(|_| ()).unwrap_err().to_string();
    let (_, rest) = e.split_once(": generation stopped: the world has ").unwrap_or_else(|| panic!("{e}"));
    let (n, rest) = rest.split_once(' ').unwrap();
    let n: u64 = n.parse().unwrap_or_else(|_| panic!("{e}"));
    assert!(rest.starts_with("outputs, more than the 700 Offramp generates"), "{e}");
    // It stops at the first event past the limit, not much later.
    assert!((701..1000).contains(&n), "{e}");
    // At the entity or step at work, at its place in the file.
    let placed = sc.entities.iter().map(|x| (x.loc, format!("{} \"{}\"", x.kind.word(), x.id)));
    let placed: Vec<String> = placed
        .chain(sc.story.iter().map(|s| (s.loc, format!("step \"{}\"", s.id))))
        .map(|(at, who)| format!("mini.ron:{}:{}: {who}: ", at.line, at.col))
        .collect();
    assert!(placed.iter().any(|p| e.starts_with(p)), "{e}");
    let small = Limits { memory: 100_000, ..Limits::default() };
    let e = run(small).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("GiB of memory, more than the 0.0 GiB Offramp allows"), "{e}");
}

#[test]
fn a_coinjoin_with_thousands_of_users_waiting_makes_rounds_that_fit_in_a_block() {
    // Ordinary users ask to join far more often than the rounds run: every one of them used
    // to go into the next round, a transaction heavier than any block.
    let text = with_entities(
        "        Users(id: \"u\", count: 30000, balance_btc: (0.01, 0.1)),\n        \
         CoinJoin(id: \"cj\", denomination_btc: 0.001, participants: (2, 5), round_every: \"3d\", users: \"u\"),\n",
    )
    .replacen("reserve_btc: 50.0", "reserve_btc: 5000.0", 1)
    .replacen(
        "    story: [",
        "    background: (users: \"u\", tx_per_day: 16000.0, mix: (payments: 1.0, coinjoins: 9.0)),\n    story: [",
        1,
    );
    let sc = Scenario::parse(&text, "s.ron").unwrap_or_else(|e| panic!("{e}"));
    let w = generate(&sc, None, false);
    check_chain(sc.meta.network, &blocks(&w), None).unwrap_or_else(|e| panic!("{e}"));
    let rounds: Vec<u32> = w
        .chain
        .txs
        .ids()
        .filter(|&t| w.truth.purposes[t] == Purpose::Service(Operation::CoinJoinRound))
        .map(|t| w.chain.txs[t].weight)
        .collect();
    let heaviest = rounds.iter().copied().max().unwrap_or(0);
    assert!(heaviest <= 400_000, "a round of {heaviest} weight units is not a standard transaction");
    // The test is about full rounds: some were as full as a standard transaction allows.
    assert!(heaviest > 300_000, "test setup: the heaviest round weighs only {heaviest} weight units");
}
