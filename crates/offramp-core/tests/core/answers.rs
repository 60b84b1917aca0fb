//! Answers and reports as the docs describe them: an identity is the name on any cooperating
//! exchange's KYC file; a hint is charged once however often a case lists it; names compare
//! one way wherever a person types one (legal requests, case files, answers); the report's
//! columns line up and never read "-0".

use offramp_core::answer::{Given, Resolved};
use offramp_core::case::Case;
use offramp_core::legal;
use offramp_core::scenario::Scenario;
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
