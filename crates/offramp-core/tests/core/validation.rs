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
    assert!(
        e.contains("entity \"v\" is a Vendor, but this needs a Exchange") || e.contains("is a Vendor, but this needs"),
        "{e}"
    );
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
fn funds_beyond_what_the_network_can_mint_are_a_generation_error() {
    let text = MINI.replacen("reserve_btc: 50.0", "reserve_btc: 90000.0", 1);
    let sc = Scenario::parse(&text, "s.ron").unwrap();
    let e = generate(&sc, &Options::default(), &mut |_, _, _| {}).unwrap_err().to_string();
    let line = MINI.lines().position(|l| l.contains("Exchange(")).unwrap() + 1;
    assert!(e.starts_with(&format!("s.ron:{line}:")), "{e}");
    assert!(e.contains("more than the Regtest block subsidy can ever mint"), "{e}");
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
