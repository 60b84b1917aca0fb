//! Legal requests checked before anything is generated: an exchange named as people write it
//! (any case, any script), an address that is one, of this network; and which requests cost
//! the scenario's wrong-request penalty.

use offramp_core::answer::Resolved;
use offramp_core::case::Case;
use offramp_core::ledger::AddrIdx;
use offramp_core::legal::{self, LegalError, Reply};
use offramp_core::scenario::Scenario;
use offramp_core::score;

use crate::common::*;

/// The small scenario with an exchange whose name is not ASCII.
fn zurich() -> Scenario {
    let text = MINI.replace(
        "Exchange(id: \"x\", reserve_btc: 50.0)",
        "Exchange(id: \"x\", name: \"Börse Zürich\", reserve_btc: 50.0)",
    );
    Scenario::parse(&text, "zurich.ron").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn exchanges_are_found_in_the_scenario_by_id_or_name_in_any_case_with_or_without_accents() {
    let sc = zurich();
    let x = sc.entity("x").unwrap();
    for name in ["x", "X", "Börse Zürich", "börse zürich", "BÖRSE ZÜRICH", "  Börse Zürich "] {
        assert_eq!(legal::find_exchange_in(&sc, name), Ok(x), "{name}");
    }
    // Without its accents it is still the same name (as in answers); another name is not.
    assert_eq!(legal::find_exchange_in(&sc, "Borse Zurich"), Ok(x));
    let e = legal::find_exchange_in(&sc, "Börse Zug").unwrap_err();
    assert!(e.to_string().contains("no exchange is called \"Börse Zug\""), "{e}");
    // The vendor is an entity, not an exchange.
    assert!(legal::find_exchange_in(&sc, "v").is_err());
}

#[test]
fn a_case_may_name_the_exchange_of_a_request_in_any_case_and_script() {
    let sc = zurich();
    let text = "Case(scenario: \"mini\", requests: [(exchange: \"BÖRSE ZÜRICH\", address: \"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080\")])";
    let case = Case::parse(text, "c.case.ron", &sc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(case.requests.len(), 1);
    let e = Case::parse(&text.replace("BÖRSE", "BURSE"), "c.case.ron", &sc).unwrap_err().to_string();
    assert!(e.contains("no exchange is called \"BURSE ZÜRICH\""), "{e}");
}

#[test]
fn a_request_about_text_that_is_no_address_of_this_network_is_refused_before_generating() {
    let sc = zurich();
    let e = legal::check_request(&sc, "x", "bcrt1q...").unwrap_err();
    assert!(matches!(e, LegalError::BadAddress(_)), "{e}");
    assert!(e.to_string().contains("\"bcrt1q...\" is not a Bitcoin address"), "{e}");
    // A real mainnet address, on a regtest scenario.
    let e = legal::check_request(&sc, "x", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq").unwrap_err();
    assert!(e.to_string().contains("another network"), "{e}");
    let e = legal::check_request(&sc, "nowhere", "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080").unwrap_err();
    assert!(matches!(e, LegalError::UnknownExchange { .. }), "{e}");
    assert!(legal::check_request(&sc, "X", " bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 ").is_ok());
}

#[test]
fn a_request_says_whether_it_would_cost_the_wrong_request_penalty() {
    let w = generate(&load(&scenarios_dir().join("beginner-careless-vendor.ron")), None, false);
    let deposits = match &w.truth.answers[w.scenario.objectives.iter().position(|o| o.id == "deposits").unwrap()] {
        Resolved::Addresses(d) => d.clone(),
        _ => panic!(),
    };
    // The request the scoring accepts, and two it charges for.
    assert_eq!(score::wrong_request(&w, "CoinBay", &deposits[0]), None);
    let elsewhere = w.chain.address_string(AddrIdx::new(1));
    assert_eq!(legal::request(&w, "coinbay", &elsewhere).unwrap(), Reply::NoRecords);
    let why = score::wrong_request(&w, "coinbay", &elsewhere).expect("a request the exchange cannot answer costs");
    assert!(why.contains("CoinBay does not hold"), "{why}");
    assert!(score::wrong_request(&w, "Binance", &deposits[0]).unwrap().contains("no exchange is called"));
    // A malformed address is an error, not "no records".
    assert!(matches!(legal::request(&w, "CoinBay", "bcrt1q..."), Err(LegalError::BadAddress(_))));
}
