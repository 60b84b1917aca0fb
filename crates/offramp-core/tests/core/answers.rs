//! Answers and reports as the docs describe them: an identity is the name on any cooperating
//! exchange's KYC file; a hint is charged once however often a case lists it; names compare
//! one way wherever a person types one (legal requests, case files, answers); the report's
//! columns line up and never read "-0".

use offramp_core::answer::{Given, Resolved};
use offramp_core::case::{Case, HintUse};
use offramp_core::ledger::AddrIdx;
use offramp_core::legal;
use offramp_core::scenario::{EntityIdx, EntityKind, Scenario};
use offramp_core::score::{Report, score};
use offramp_core::sim::World;

use crate::common::*;

fn case_with(w: &World, answers: &[(&str, Given)]) -> Case {
    let mut c = Case { scenario: w.scenario.meta.id.clone(), trainee: "test".into(), ..Case::default() };
    for (id, g) in answers {
        c.answers.insert(id.to_string(), g.clone());
    }
    c
}

fn earned(r: &Report, id: &str) -> f64 {
    r.objectives.iter().find(|o| o.id == id).unwrap().earned
}

fn possible(r: &Report, id: &str) -> f64 {
    r.objectives.iter().find(|o| o.id == id).unwrap().possible
}

/// MINI with edits, parsed.
fn mini_with(edits: &[(&str, &str)]) -> Scenario {
    let mut text = MINI.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "test setup: {from}");
        text = text.replacen(from, to, 1);
    }
    Scenario::parse(&text, "mini.ron").unwrap_or_else(|e| panic!("{e}"))
}

/// The vendor cashes out at three exchanges that do KYC, of which two answer the police; no
/// identity is written for the vendor, so each account gets a made-up person (of the
/// exchange's country: three countries, three different names).
fn three_exchanges() -> Scenario {
    mini_with(&[
        (
            "Exchange(id: \"x\", reserve_btc: 50.0),",
            "Exchange(id: \"x\", reserve_btc: 50.0, jurisdiction: \"DE\"),
        Exchange(id: \"y\", reserve_btc: 50.0, jurisdiction: \"FR\"),
        Exchange(id: \"z\", reserve_btc: 50.0, jurisdiction: \"GB\", cooperates: false),",
        ),
        (
            "action: CashOut(from: [\"withdraw\"], exchange: \"x\")),",
            "action: CashOut(from: [\"withdraw\"], exchange: \"x\", amount: Fraction(0.3))),
        (id: \"cashout2\", window: (\"8d\", \"9d\"), action: CashOut(from: [\"withdraw\"], exchange: \"y\", amount: Fraction(0.5))),
        (id: \"cashout3\", window: (\"9d\", \"10d\"), action: CashOut(from: [\"withdraw\"], exchange: \"z\")),",
        ),
        (
            "rule: Set(points: 10, wrong_penalty: 2)),",
            "rule: Set(points: 10, wrong_penalty: 2)),
        (id: \"who\", prompt: \"Who?\", answer: Identity(of: \"v\"), rule: Exact(points: 20)),",
        ),
    ])
}

#[test]
fn an_identity_answer_accepts_the_name_on_any_cooperating_exchanges_kyc_file() {
    let sc = three_exchanges();
    let w = generate(&sc, None, false);
    let v = sc.entity("v").unwrap();
    let cooperates = |x: EntityIdx| matches!(&sc.entities[x].kind, EntityKind::Exchange(e) if e.cooperates);
    let names = |at_cooperating: bool| -> Vec<String> {
        let mut n: Vec<String> = w
            .truth
            .accounts
            .iter()
            .filter(|a| a.holder == v && cooperates(a.service) == at_cooperating)
            .filter_map(|a| a.identity.as_ref().map(|i| i.name.clone()))
            .collect();
        n.sort();
        n.dedup();
        n
    };
    let (good, other) = (names(true), names(false));
    assert_eq!(good.len(), 2, "test setup: a made-up person at each cooperating exchange: {good:?}");
    assert_eq!(other.len(), 1, "test setup: and one at the exchange that refuses: {other:?}");
    assert!(!good.contains(&other[0]));
    for name in &good {
        let r = score(&w, &case_with(&w, &[("who", Given::Text(name.clone()))]));
        assert_eq!(earned(&r, "who"), possible(&r, "who"), "{name} is on a cooperating exchange's file");
        let r = score(&w, &case_with(&w, &[("who", Given::Text(name.to_uppercase()))]));
        assert_eq!(earned(&r, "who"), possible(&r, "who"), "{name} in capitals");
    }
    // The exchange that refuses legal requests never shows its file: its name is no answer.
    let r = score(&w, &case_with(&w, &[("who", Given::Text(other[0].clone()))]));
    assert_eq!(earned(&r, "who"), 0.0);
}

#[test]
fn a_hint_listed_twice_in_a_case_is_charged_once() {
    let w = generate(&load(&scenarios_dir().join("beginner-careless-vendor.ron")), None, false);
    let reference: Vec<(&str, Given)> =
        w.scenario.objectives.iter().zip(&w.truth.answers).map(|(o, a)| (o.id.as_str(), a.as_given())).collect();
    let (o, cost) = w
        .scenario
        .objectives
        .iter()
        .find_map(|o| o.hints.first().filter(|h| h.cost > 0.0).map(|h| (o.id.clone(), h.cost)))
        .expect("test setup: the beginner scenario has a hint that costs");
    let mut once = case_with(&w, &reference);
    once.hints.push(HintUse { objective: o.clone(), hint: 0 });
    let mut twice = once.clone();
    twice.hints.push(HintUse { objective: o.clone(), hint: 0 });
    let (r1, r2) = (score(&w, &once), score(&w, &twice));
    assert_eq!(earned(&r1, &o), possible(&r1, &o) - cost);
    assert_eq!(earned(&r2, &o), earned(&r1, &o), "{}", r2.to_text());
    assert_eq!(r2.earned, r1.earned);
    assert_eq!(r2.to_text().matches("for hint").count(), 1, "{}", r2.to_text());
    // Listing it twice is no mistake in the case file either.
    let text = twice.to_ron();
    assert!(Case::parse(&text, "twice.case.ron", &w.scenario).is_ok());
}

#[test]
fn names_compare_one_way_in_legal_requests_case_files_and_answers() {
    let sc = mini_with(&[
        ("Exchange(id: \"x\", reserve_btc: 50.0)", "Exchange(id: \"x\", name: \"Börse Straße\", reserve_btc: 50.0)"),
        (
            "rule: Set(points: 10, wrong_penalty: 2)),",
            "rule: Set(points: 10, wrong_penalty: 2)),
        (id: \"where\", prompt: \"Where?\", answer: CashOutServices(of: \"v\"), rule: Set(points: 10, wrong_penalty: 2)),",
        ),
    ]);
    let w = generate(&sc, None, false);
    let x = sc.entity("x").unwrap();
    let Resolved::Addresses(deposits) = &w.truth.answers[0] else { panic!("test setup: deposits first") };
    for name in ["Börse Straße", "BÖRSE STRASSE", "börse strasse", "Borse Strasse", " BORSE  STRASSE "] {
        assert_eq!(legal::find_exchange_in(&sc, name), Ok(x), "a legal request to {name:?}");
        let text =
            format!("Case(scenario: \"mini\", requests: [(exchange: \"{name}\", address: \"{}\")])", deposits[0]);
        assert!(Case::parse(&text, "c.case.ron", &sc).is_ok(), "a case file's request to {name:?}");
        let r = score(&w, &case_with(&w, &[("where", Given::Entities(vec![name.to_string()]))]));
        assert_eq!(earned(&r, "where"), possible(&r, "where"), "an answer naming {name:?}");
        assert_eq!(offramp_core::score::wrong_request(&w, name, &deposits[0]), None, "{name:?}");
    }
    // Another name is another exchange everywhere.
    assert!(legal::find_exchange_in(&sc, "Börse Stuttgart").is_err());
    let r = score(&w, &case_with(&w, &[("where", Given::Entities(vec!["Börse Stuttgart".into()]))]));
    assert_eq!(earned(&r, "where"), 0.0);
}

#[test]
fn a_scenario_that_charges_nothing_for_wrong_requests_lists_no_minus_zero() {
    let sc = mini_with(&[("    ],\n)\n", "    ],\n    legal: (budget: 1, wrong_request_penalty: 0.0),\n)\n")]);
    let w = generate(&sc, None, false);
    let Resolved::Addresses(deposits) = &w.truth.answers[0] else { panic!("test setup: deposits first") };
    let mut case = case_with(&w, &[]);
    for address in [w.chain.address_string(AddrIdx::new(1)), deposits[0].clone()] {
        case.requests.push(offramp_core::case::Request { exchange: "x".into(), address });
    }
    let r = score(&w, &case);
    assert_eq!(r.legal.penalty, 0.0);
    let text = r.to_text();
    assert!(!text.split_whitespace().any(|t| t == "-0"), "{text}");
}

#[test]
fn a_label_search_finds_a_label_as_people_write_it() {
    let w = generate(&mini(), None, false);
    let mut ex = offramp_core::forensics::load::explorer_of(&w);
    let label = offramp_core::forensics::Label {
        label: "Börse Straße hot wallet".into(),
        category: offramp_core::scenario::Category::Exchange,
    };
    ex.add_label(AddrIdx::new(3), label);
    for text in ["Börse Straße", "BORSE STRASSE", "borse  strasse hot", "straße"] {
        assert_eq!(ex.by_label(text), vec![AddrIdx::new(3)], "{text:?}");
    }
    assert!(ex.by_label("Börse Stuttgart").is_empty());
}

#[test]
fn the_score_report_keeps_its_points_in_one_column_under_long_ids() {
    let sc = mini_with(&[
        ("(id: \"deposits\"", "(id: \"deposit-addresses-at-the-exchange\""),
        (
            "rule: Set(points: 10, wrong_penalty: 2)),",
            "rule: Set(points: 10, wrong_penalty: 2)),
        (id: \"where\", prompt: \"Where?\", answer: CashOutServices(of: \"v\"), rule: Set(points: 10, wrong_penalty: 2)),",
        ),
    ]);
    let w = generate(&sc, None, false);
    let text = score(&w, &case_with(&w, &[])).to_text();
    let lines: Vec<&str> = text.lines().collect();
    let slash: Vec<usize> =
        lines.iter().filter(|l| l.contains(" / ")).map(|l| l.chars().position(|c| c == '/').unwrap()).collect();
    assert_eq!(slash.len(), 3, "two objectives and the total:\n{text}");
    assert!(slash.iter().all(|&c| c == slash[0]), "the points column moves:\n{text}");
    // The legal line's points end where the others' do.
    let legal = lines.iter().find(|l| l.trim_start().starts_with("legal")).unwrap();
    let end = slash[0] - 1;
    assert!(legal.chars().nth(end - 1).is_some_and(|c| c.is_ascii_digit()), "{text}");
    assert_eq!(legal.chars().nth(end), Some(' '), "{text}");
}

#[test]
fn a_report_without_legal_penalty_says_0_not_minus_0() {
    let w = generate(&mini(), None, false);
    let text = score(&w, &case_with(&w, &[])).to_text();
    let legal = text.lines().find(|l| l.trim_start().starts_with("legal")).unwrap();
    assert_eq!(legal.split_whitespace().nth(1), Some("0"), "{text}");
    assert!(!text.split_whitespace().any(|t| t == "-0"), "{text}");
}
