//! The pre-history that funds a world: what the network cannot mint is refused by
//! validation, at the funders, and never reaches generation as an internal error; what it
//! can mint makes a valid chain.

use offramp_core::ledger::check::check_chain;
use offramp_core::scenario::Scenario;

use crate::common::*;

/// The diagnostics of a scenario that must be refused.
fn refused(text: &str) -> String {
    match Scenario::parse(text, "s.ron") {
        Ok(_) => panic!("accepted"),
        Err(d) => d.to_string(),
    }
}

/// MINI with its exchange's reserve replaced and, optionally, a network.
fn funded(reserve: &str, network: Option<&str>) -> String {
    let mut text = MINI.replacen("reserve_btc: 50.0", &format!("reserve_btc: {reserve}"), 1);
    if let Some(n) = network {
        text = text.replacen("seed: 1,", &format!("seed: 1, network: {n},"), 1);
    }
    text
}

#[test]
fn reserves_no_network_can_mint_are_a_located_validation_error_not_an_internal_one() {
    // Nine thousand exchanges holding all the bitcoin there can be: their sum passes any u64.
    let many: String =
        (0..9000).map(|i| format!("        Exchange(id: \"z{i}\", reserve_btc: 21000000.0),\n")).collect();
    let text = MINI.replacen("        Exchange(id: \"x\"", &format!("{many}        Exchange(id: \"x\""), 1);
    let e = refused(&text);
    let line = text.lines().position(|l| l.contains("\"z0\"")).unwrap() + 1;
    let col = text.lines().nth(line - 1).unwrap().find("21000000.0").unwrap() + 1;
    assert!(e.starts_with(&format!("s.ron:{line}:{col}: the world needs about ")), "{e}");
    assert!(e.contains("(largest: \"z0\" 21000000 BTC, \"z1\" 21000000 BTC, \"z2\" 21000000 BTC)"), "{e}");
    assert!(e.contains("more than the Regtest block subsidy can ever mint"), "{e}");
    assert!(!e.contains("internal"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    // Mainnet mints more, but not this in the blocks of a pre-history.
    let e = refused(&funded("3000000.0", Some("Mainnet")));
    assert!(
        e.contains("more than the 2500000 BTC Offramp mines before the story starts (at most 50000 Mainnet blocks)"),
        "{e}"
    );
    assert!(!e.contains("can ever mint"), "Mainnet's subsidy mints far more than this in time: {e}");
}

#[test]
fn worlds_funded_close_to_what_the_network_can_mint_are_valid_chains() {
    // Regtest's subsidy halves every 150 blocks: this needs over a thousand coinbases. On
    // Mainnet a million BTC needs twenty thousand, more than one transaction can spend
    // within a block's weight.
    for (reserve, network) in [("14900.0", None), ("1000000.0", Some("Mainnet"))] {
        let sc = Scenario::parse(&funded(reserve, network), "s.ron").unwrap_or_else(|e| panic!("{e}"));
        let w = generate(&sc, None, false);
        check_chain(sc.meta.network, &blocks(&w), None).unwrap_or_else(|e| panic!("{reserve} BTC: {e}"));
    }
}
