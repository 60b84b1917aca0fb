//! Bad scenarios: every problem reported at its file, line and column, in words, and never
//! a panic.

use offramp_core::scenario::Scenario;
use offramp_core::sim::{Options, generate};

use crate::common::MINI;

/// The diagnostics of MINI with `from` replaced by `to`.
fn errors(from: &str, to: &str) -> String {
    assert!(MINI.contains(from), "test setup: {from}");
    let text = MINI.replacen(from, to, 1);
    match Scenario::parse(&text, "s.ron") {
        Ok(_) => panic!("accepted: {to}"),
        Err(d) => d.to_string(),
    }
}

fn line_of(needle: &str) -> usize {
    MINI.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn syntax_and_type_errors_have_a_place() {
    let e = errors("title: \"Mini\",", "title: \"Mini\"");
    assert!(e.starts_with(&format!("s.ron:{}:", line_of("title") + 1)), "{e}");
    let e = errors("estimated_minutes: 10", "estimated_minutes: \"ten\"");
    assert!(e.starts_with(&format!("s.ron:{}:", line_of("estimated_minutes"))), "{e}");
    let e = errors("seed: 1,", "seed: 1, colour: \"red\",");
    assert!(e.contains("colour"), "{e}");
    let e = errors("Market(id: \"m\")", "Shop(id: \"m\")");
    assert!(e.contains("Shop"), "{e}");
}

#[test]
fn unknown_names_suggest_the_right_one() {
    let e = errors("exchange: \"x\")", "exchange: \"xx\")");
    let line = line_of("CashOut");
    assert!(e.contains(&format!("s.ron:{line}:")), "{e}");
    assert!(e.contains("entity \"xx\" is not defined (did you mean \"x\"?)"), "{e}");
    let e = errors("from: [\"withdraw\"]", "from: [\"withdrew\"]");
    assert!(e.contains("step \"withdrew\" is not defined (did you mean \"withdraw\"?)"), "{e}");
    let e = errors("exchange: \"x\")", "exchange: \"v\")");
    assert!(e.contains("entity \"v\" is a Vendor, but this needs an Exchange"), "{e}");
}

#[test]
fn duplicate_ids_name_the_first_one() {
    let e = errors("Vendor(id: \"v\")", "Vendor(id: \"m\")");
    assert!(e.contains(&format!("duplicate entity id \"m\" (first defined at line {})", line_of("Market("))), "{e}");
    let e = errors("(id: \"cashout\"", "(id: \"sales\"");
    assert!(e.contains("duplicate step id \"sales\""), "{e}");
}

#[test]
fn empty_inverted_and_late_windows_are_refused() {
    let e = errors("window: (\"7d\", \"8d\")", "window: (\"7d\", \"7d\")");
    assert!(e.contains("is empty"), "{e}");
    let e = errors("window: (\"7d\", \"8d\")", "window: (\"8d\", \"7d\")");
    assert!(e.contains("is inverted"), "{e}");
    let e = errors("window: (\"7d\", \"8d\")", "window: (\"7d\", \"12d\")");
    assert!(e.contains("after the scenario ends (10d)"), "{e}");
    let e = errors("window: (\"7d\", \"8d\")", "window: (\"7 days\", \"8d\")");
    assert!(e.contains("is not a duration"), "{e}");
    let e = errors("window: (\"4d\", \"6d\")", "window: (\"1d\", \"2d\")");
    assert!(e.contains("before any order leaves escrow"), "{e}");
}

#[test]
fn stories_that_move_more_than_was_received_are_refused() {
    // 12 orders of at most $200 at $60,000 make at most 0.04 BTC for the vendor.
    let e = errors("exchange: \"x\")", "exchange: \"x\", amount: Btc(5.0))");
    assert!(e.contains("asks to move 5.00000000 BTC, but at most 0.03800000 BTC can have reached v"), "{e}");
    let e = errors("from: [\"withdraw\"]", "from: [\"sales\"]");
    assert!(e.contains("belong to the market"), "{e}");
}

#[test]
fn absurd_sizes_are_refused_before_anything_is_built() {
    let e = errors("orders: 12", "orders: 5000000000");
    assert!(e.contains("the number of orders is 5000000000; it must be between 1 and 200000"), "{e}");
    let e = errors("count: 20", "count: 18446744073709551615");
    assert!(e.contains("the number of buyers"), "{e}");
    let e = errors("count: 20", "count: 99999999999999999999999");
    assert!(e.starts_with("s.ron:"), "{e}");
    let e = errors("    story: [", "    entities2: [],\n    story: [");
    assert!(e.contains("entities2"), "{e}");
    let big = MINI
        .replacen("    story: [", "    background: (users: \"u\", tx_per_day: 199000.0),\n    story: [", 1)
        .replacen(
            "Exchange(id: \"x\", reserve_btc: 50.0),",
            "Exchange(id: \"x\", reserve_btc: 50.0), Users(id: \"u\", count: 10),",
            1,
        )
        .replacen("duration: \"10d\"", "duration: \"300d\"", 1);
    let e = Scenario::parse(&big, "s.ron").unwrap_err().to_string();
    assert!(e.contains("would make about") && e.contains("the most Offramp generates is 5000000"), "{e}");
}

#[test]
fn all_problems_are_listed_in_file_order() {
    let text = MINI.replacen("exchange: \"x\")", "exchange: \"nope\")", 1).replacen(
        "Vendor(id: \"v\")",
        "Vendor(id: \"m\")",
        1,
    );
    let d = Scenario::parse(&text, "s.ron").unwrap_err();
    assert!(d.0.len() >= 2);
    assert!(d.0.windows(2).all(|w| (w[0].line, w[0].col) <= (w[1].line, w[1].col)));
}

#[test]
fn funds_beyond_what_the_network_can_mint_are_refused_at_the_largest_funder() {
    let text = MINI.replacen("reserve_btc: 50.0", "reserve_btc: 90000.0", 1);
    let e = errors("reserve_btc: 50.0", "reserve_btc: 90000.0");
    assert!(e.starts_with(&format!("{}: ", place(&text, "Exchange(", "90000.0"))), "{e}");
    assert!(e.contains("(largest: \"x\" 90000 BTC), more than the Regtest block subsidy can ever mint ("), "{e}");
    // On another network it is fine.
    let sc = Scenario::parse(&text.replacen("seed: 1,", "seed: 1, network: Signet,", 1), "s.ron").unwrap();
    assert!(generate(&sc, &Options::default(), &mut |_, _, _| {}).is_ok());
}

#[test]
fn files_that_are_not_scenarios_are_refused_politely() {
    let tmp = tempfile::tempdir().unwrap();
    let e = Scenario::load(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");
    let bin = tmp.path().join("x.ron");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    assert!(Scenario::load(&bin).unwrap_err().to_string().contains("not UTF-8"));
    let huge = tmp.path().join("huge.ron");
    std::fs::write(&huge, vec![b' '; 5 * 1024 * 1024]).unwrap();
    assert!(Scenario::load(&huge).unwrap_err().to_string().contains("at most"));
    let e = Scenario::load(&tmp.path().join("missing.ron")).unwrap_err().to_string();
    assert!(e.contains("missing.ron:1:1: cannot read the file"), "{e}");
    // Garbage of many shapes: errors, never panics.
    for junk in ["", "(", "Scenario(", "[[[[[[[[", "Scenario(meta: ())", &"(".repeat(5000), "\"\\u{zz}\""] {
        assert!(Scenario::parse(junk, "j.ron").is_err());
    }
}

#[test]
fn every_truncation_and_corruption_of_a_scenario_is_an_error_not_a_panic() {
    let text = std::fs::read_to_string(crate::common::scenarios_dir().join("advanced-mixer-otc.ron")).unwrap();
    let bytes = text.as_bytes();
    let mut checked = 0;
    for cut in (0..bytes.len()).step_by(37) {
        if let Ok(prefix) = std::str::from_utf8(&bytes[..cut]) {
            let d = Scenario::parse(prefix, "cut.ron").unwrap_err();
            assert!(d.0.iter().all(|x| x.line >= 1 && x.col >= 1));
            checked += 1;
        }
    }
    // Swap one character for a bracket, a quote or a digit, here and there.
    for (k, at) in (0..bytes.len()).step_by(53).enumerate() {
        let mut b = bytes.to_vec();
        b[at] = [b'(', b'"', b'9', b']', b':'][k % 5];
        if let Ok(s) = String::from_utf8(b) {
            let _ = Scenario::parse(&s, "flip.ron");
            checked += 1;
        }
    }
    assert!(checked > 200);
}

/// A shipped scenario with each `(from, to)` edit made once, and its diagnostics.
fn shipped_with(name: &str, edits: &[(&str, &str)]) -> (String, String) {
    let mut text = std::fs::read_to_string(crate::common::scenarios_dir().join(name)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "test setup: {from}");
        text = text.replacen(from, to, 1);
    }
    match Scenario::parse(&text, "s.ron") {
        Ok(_) => panic!("accepted {name} with {edits:?}"),
        Err(d) => (text, d.to_string()),
    }
}

/// `s.ron:LINE:COL` of `value` on the first line that contains `line_with`.
fn place(text: &str, line_with: &str, value: &str) -> String {
    let (i, line) = text.lines().enumerate().find(|(_, l)| l.contains(line_with)).expect("test setup: line");
    let col = line.find(value).expect("test setup: value") + 1;
    format!("s.ron:{}:{col}", i + 1)
}

/// The diagnostic at `at`, which must exist.
fn message_at<'a>(errors: &'a str, at: &str) -> &'a str {
    errors
        .lines()
        .find_map(|l| l.strip_prefix(at).and_then(|m| m.strip_prefix(": ")))
        .unwrap_or_else(|| panic!("no problem reported at {at}:\n{errors}"))
}

/// The advanced scenario without the step that sells coins to the OTC broker (nor what asks
/// about that sale): the broker only sells.
const BROKER_ONLY_SELLS: &[(&str, &str)] = &[
    (
        "        (id: \"sell\", window: (\"30d\", \"33d\"), action: OtcCashOut(from: [\"join\"], otc: \"sasha\", payments: 3, amount: Fraction(0.6))),\n",
        "",
    ),
    (
        "answer: CashedOut(of: \"greendragon\", at: \"sasha\", unit: Btc)",
        "answer: CashedOut(of: \"greendragon\", at: \"nordex\", unit: Btc)",
    ),
    ("FundsPath(steps: [\"join\", \"sell\", \"bank\"])", "FundsPath(steps: [\"join\", \"bank\"])"),
];

#[test]
fn an_otc_broker_who_only_sells_has_no_kyc_file_and_validation_says_so() {
    let (text, e) = shipped_with("advanced-mixer-otc.ron", BROKER_ONLY_SELLS);
    let m = message_at(&e, &place(&text, "Identity(of: \"sasha\")", "\"sasha\""));
    assert!(m.contains("\"sasha\" only sells coins: no OtcCashOut step sells it any"), "{m}");
    assert!(m.contains("never deposits at \"coinvault\""), "{m}");
    assert!(m.contains("add an OtcCashOut step with otc: \"sasha\""), "{m}");
    assert_eq!(e.lines().count(), 1, "only the broker's identity is unanswerable:\n{e}");
}

#[test]
fn an_otc_broker_who_can_never_deposit_is_refused_with_the_reason() {
    let at = |text: &str| place(text, "Identity(of: \"sasha\")", "\"sasha\"");
    // Nowhere to deposit.
    let (text, e) = shipped_with("advanced-mixer-otc.ron", &[("deposits_to: \"coinvault\", ", "")]);
    let m = message_at(&e, &at(&text));
    assert!(m.contains("has no deposits_to") && m.contains("deposits_to: \"coinvault\""), "{m}");
    // An exchange that never answers.
    let (text, e) = shipped_with(
        "advanced-mixer-otc.ron",
        &[("name: \"CoinVault\", kyc: true, cooperates: true", "name: \"CoinVault\", kyc: true, cooperates: false")],
    );
    let m = message_at(&e, &at(&text));
    assert!(m.contains("deposits only at \"coinvault\", which does not answer legal requests"), "{m}");
    assert!(m.contains("(e.g. \"nordex\")"), "{m}");
    // Sold too little to reach its first deposit (0.01 BTC).
    let (text, e) = shipped_with(
        "advanced-mixer-otc.ron",
        &[("otc: \"sasha\", payments: 3, amount: Fraction(0.6)", "otc: \"sasha\", payments: 3, amount: Btc(0.009)")],
    );
    let m = message_at(&e, &at(&text));
    assert!(m.contains("at most 0.00900000 BTC") && m.contains("only once it holds 0.01 BTC"), "{m}");
    // Its first deposit would come after the world stops.
    let (text, e) = shipped_with("advanced-mixer-otc.ron", &[("deposit_every: \"4d\"", "deposit_every: \"100d\"")]);
    let m = message_at(&e, &at(&text));
    assert!(m.contains("first deposit would come 50d after the start"), "{m}");
}

#[test]
fn cash_outs_asked_about_that_never_happen_are_refused_at_the_objective() {
    // The vendor sells to the broker and deposits at Nordex, never at CoinVault.
    let (text, e) = shipped_with(
        "advanced-mixer-otc.ron",
        &[(
            "CashedOut(of: \"greendragon\", at: \"sasha\", unit: Btc)",
            "CashedOut(of: \"greendragon\", at: \"coinvault\", unit: Btc)",
        )],
    );
    let m = message_at(&e, &place(&text, "at: \"coinvault\", unit: Btc", "\"coinvault\", unit"));
    assert!(
        m.contains("\"greendragon\" never cashes out at \"coinvault\": its cash-outs go to \"sasha\" and \"nordex\""),
        "{m}"
    );
    // A vendor whose story ends in hops never cashes out at all.
    let (text, e) = shipped_with(
        "beginner-careless-vendor.ron",
        &[(
            "action: CashOut(from: [\"hops\"], exchange: \"coinbay\", deposits: 2)",
            "action: Hops(from: [\"hops\"], hops: 1)",
        )],
    );
    for line in ["CashOutServices(of: \"frosty\")", "CashedOut(of: \"frosty\""] {
        let m = message_at(&e, &place(&text, line, "\"frosty\""));
        assert!(
            m.contains("\"frosty\" never cashes out: no CashOut, PeelChain or OtcCashOut step moves its funds"),
            "{m}"
        );
    }
}

#[test]
fn addresses_of_a_role_an_entity_never_has_are_refused() {
    // Intel: a vendor's addresses are payouts, hops, change and mixer outputs, never Receive.
    let (text, e) = shipped_with(
        "beginner-careless-vendor.ron",
        &[("Addresses(of: \"frosty\", role: Payout, first: 1)", "Addresses(of: \"frosty\", role: Receive, first: 1)")],
    );
    let m = message_at(&e, &place(&text, "role: Receive, first: 1", "Receive"));
    assert!(
        m.contains(
            "\"frosty\" never has Receive addresses: the steps it holds give it Payout, Hop and Change addresses"
        ),
        "{m}"
    );
    // Objective: an exchange has deposit, hot and cold addresses.
    let (text, e) = shipped_with(
        "beginner-careless-vendor.ron",
        &[(
            "answer: CashOutServices(of: \"frosty\"), rule: Exact(points: 10)",
            "answer: Addresses(of: \"coinbay\", role: Receive), rule: Set(points: 10)",
        )],
    );
    let m = message_at(&e, &place(&text, "role: Receive)", "Receive"));
    assert!(m.contains("\"coinbay\" is an Exchange, whose addresses are Deposit, Hot and Cold, never Receive"), "{m}");
    // A vendor the story never pays has no address at all.
    let (text, e) = shipped_with(
        "beginner-careless-vendor.ron",
        &[
            ("        Buyers(id: \"buyers\"", "        Vendor(id: \"ghost\"),\n        Buyers(id: \"buyers\""),
            (
                "answer: CashOutServices(of: \"frosty\"), rule: Exact(points: 10)",
                "answer: Cluster(of: \"ghost\"), rule: Set(points: 10)",
            ),
        ],
    );
    let m = message_at(&e, &place(&text, "Cluster(of: \"ghost\")", "\"ghost\""));
    assert!(m.contains("\"ghost\" holds no step of the story, so it never has an address"), "{m}");
}

#[test]
fn change_addresses_of_a_wallet_that_reuses_its_inputs_for_change_are_refused() {
    // The broker's wallet sends change back to the input's address: it never has a Change address.
    let (text, e) = shipped_with(
        "advanced-mixer-otc.ron",
        &[("Addresses(of: \"sasha\", role: Receive, first: 1)", "Addresses(of: \"sasha\", role: Change, first: 1)")],
    );
    let m = message_at(&e, &place(&text, "role: Change, first: 1", "Change"));
    assert!(m.contains("\"sasha\" is an Otc, whose addresses are Receive, never Change"), "{m}");
    assert!(m.contains("change: ReuseInput"), "{m}");
    // The vendor's wallet makes fresh change, and its CoinJoin round makes change whatever it does.
    let vendor_change =
        [("Addresses(of: \"sasha\", role: Receive, first: 1)", "Addresses(of: \"greendragon\", role: Change)")];
    let mut ok = std::fs::read_to_string(crate::common::scenarios_dir().join("advanced-mixer-otc.ron")).unwrap();
    for (from, to) in vendor_change.iter().chain(&[("change: FreshOfType(P2TR)", "change: ReuseInput")]) {
        ok = ok.replacen(from, to, 1);
    }
    assert!(Scenario::parse(&ok, "s.ron").is_ok());
}

#[test]
fn a_funds_path_through_steps_that_spend_no_story_coins_is_refused() {
    let (text, e) = shipped_with(
        "beginner-careless-vendor.ron",
        &[("FundsPath(steps: [\"withdraw\", \"hops\", \"cashout\"])", "FundsPath(steps: [\"sales\", \"withdraw\"])")],
    );
    let m = message_at(&e, &place(&text, "FundsPath(", "[\"sales\""));
    assert!(m.contains("\"sales\" and \"withdraw\" spend no coins of the story"), "{m}");
    assert!(m.contains("add the steps that move the funds on (\"hops\")"), "{m}");
}

#[test]
fn intel_naming_a_transaction_the_step_never_makes_is_refused() {
    let (text, e) = shipped_with(
        "intermediate-two-exchanges.ron",
        &[("Transaction(step: \"withdraw\", index: 0)", "Transaction(step: \"withdraw\", index: 5)")],
    );
    let m = message_at(&e, &place(&text, "Transaction(step: \"withdraw\"", "5)"));
    assert!(m.contains("step \"withdraw\" makes at most 5 transactions, so there is no transaction 5"), "{m}");
    assert!(m.contains("index counts from 0: 0 to 4"), "{m}");
}

#[test]
fn a_price_walk_at_fractions_of_a_cent_is_refused_where_it_is_written() {
    let (text, e) = shipped_with(
        "beginner-careless-vendor.ron",
        &[(
            "RandomWalk(start_usd: 62000.0, daily_volatility: 0.025, min_usd: 52000.0, max_usd: 75000.0)",
            "RandomWalk(start_usd: 0.004, daily_volatility: 0.025, min_usd: 0.002, max_usd: 0.006)",
        )],
    );
    for (field, value) in [("start_usd", "0.004"), ("min_usd", "0.002"), ("max_usd", "0.006")] {
        let m = message_at(&e, &place(&text, "RandomWalk(", value));
        assert!(m.starts_with(&format!("{field} is {value}; a bitcoin's price is between $0.01 and")), "{m}");
        assert!(m.contains("kept to the cent"), "{m}");
    }
    let (text, e) = shipped_with(
        "beginner-careless-vendor.ron",
        &[(
            "RandomWalk(start_usd: 62000.0, daily_volatility: 0.025, min_usd: 52000.0, max_usd: 75000.0)",
            "Fixed(0.0001)",
        )],
    );
    assert!(message_at(&e, &place(&text, "Fixed(", "Fixed(")).starts_with("the price is 0.0001;"), "{e}");
}

#[test]
fn dollar_amounts_that_make_dust_or_more_than_all_the_bitcoin_there_is_are_refused() {
    // At a million dollars a bitcoin, a one-dollar order is 100 sat: dust.
    let text = MINI.replacen("price: Fixed(60000.0)", "price: Fixed(1000000.0)", 1).replacen(
        "usd: (100.0, 200.0)",
        "usd: (1.0, 200.0)",
        1,
    );
    let e = Scenario::parse(&text, "s.ron").map(|_| ()).unwrap_err().to_string();
    let m = message_at(&e, &place(&text, "Purchases(", "(1.0, 200.0)"));
    assert!(m.starts_with("the cheapest order, $1, comes to 100 sat at the highest price ($1000000)"), "{m}");
    assert!(m.contains("below the 546-sat dust limit"), "{m}");
    // At a cent a bitcoin, a ten-million-dollar order is a billion BTC.
    let text = MINI.replacen("price: Fixed(60000.0)", "price: Fixed(0.01)", 1).replacen(
        "usd: (100.0, 200.0)",
        "usd: (100.0, 10000000.0)",
        1,
    );
    let e = Scenario::parse(&text, "s.ron").map(|_| ()).unwrap_err().to_string();
    let m = message_at(&e, &place(&text, "Purchases(", "(100.0, 10000000.0)"));
    assert!(m.starts_with("the dearest order, $10000000, comes to 1000000000 BTC at the lowest price ($0.01)"), "{m}");
    assert!(m.contains("more than the 21,000,000 BTC there can be"), "{m}");
    // A step's amount in dollars: too little to pay its fees, or more than all the bitcoin.
    let e = errors("exchange: \"x\")", "exchange: \"x\", amount: Usd(0.5))");
    assert!(e.contains("Usd(0.5) comes to 833 sat at the highest price ($60000), below 0.0001 BTC"), "{e}");
    let text = MINI.replacen("price: Fixed(60000.0)", "price: Fixed(10.0)", 1).replacen(
        "exchange: \"x\")",
        "exchange: \"x\", amount: Usd(1000000000000.0))",
        1,
    );
    let e = Scenario::parse(&text, "s.ron").map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("Usd(1000000000000) comes to 100000000000 BTC at the lowest price ($10)"), "{e}");
}
