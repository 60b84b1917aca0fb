//! Scoring: the reference solutions earn full marks; wrong, partial and empty answers earn
//! what the rubric says, with a reason for every deduction.

use offramp_core::answer::{Given, Resolved};
use offramp_core::case::{Case, HintUse, Request};
use offramp_core::ledger::AddrIdx;
use offramp_core::score::score;
use offramp_core::sim::World;

use crate::common::*;

fn beginner() -> World {
    generate(&load(&scenarios_dir().join("beginner-careless-vendor.ron")), None, false)
}

fn truth<'a>(w: &'a World, id: &str) -> &'a Resolved {
    let i = w.scenario.objectives.iter().position(|o| o.id == id).unwrap();
    &w.truth.answers[i]
}

fn case_with(w: &World, answers: &[(&str, Given)]) -> Case {
    let mut c = Case { scenario: w.scenario.meta.id.clone(), trainee: "test".into(), ..Case::default() };
    for (id, g) in answers {
        c.answers.insert(id.to_string(), g.clone());
    }
    c
}

fn objective<'a>(r: &'a offramp_core::score::Report, id: &str) -> &'a offramp_core::score::ObjectiveScore {
    r.objectives.iter().find(|o| o.id == id).unwrap()
}

#[test]
fn every_reference_solution_scores_full_marks() {
    for path in shipped() {
        let sc = load(&path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let case_path = scenarios_dir().join("solutions").join(format!("{name}.case.ron"));
        let case = Case::load(&case_path, &sc).unwrap_or_else(|e| panic!("{e}"));
        let w = generate(&sc, case.seed, false);
        let r = score(&w, &case);
        assert!(r.possible > 0.0);
        assert_eq!(
            r.earned,
            r.possible,
            "{name} (if the generator changed on purpose, run scripts/solve-all):\n{}",
            r.to_text()
        );
        assert!(r.objectives.iter().all(|o| o.deductions.is_empty()), "{}", r.to_text());
        assert_eq!(r.legal.penalty, 0.0);
    }
}

#[test]
fn an_empty_case_scores_nothing_and_says_why() {
    let w = beginner();
    let r = score(&w, &case_with(&w, &[]));
    assert_eq!(r.earned, 0.0);
    assert_eq!(r.possible, 100.0);
    for o in &r.objectives {
        assert_eq!(o.deductions, vec![format!("-{} no answer given", o.possible)]);
    }
}

#[test]
fn sets_give_credit_per_item_and_take_it_per_wrong_item() {
    let w = beginner();
    let Resolved::Addresses(deposits) = truth(&w, "deposits") else { panic!() };
    assert_eq!(deposits.len(), 2);
    // Half the addresses: half the points (30 points, 15 per address).
    let r = score(&w, &case_with(&w, &[("deposits", Given::Addresses(vec![deposits[0].clone()]))]));
    let o = objective(&r, "deposits");
    assert_eq!(o.earned, 15.0);
    assert_eq!((o.precision, o.recall), (Some(1.0), Some(0.5)));
    assert!(o.deductions.iter().any(|d| d.contains("1 of 2 items missing")), "{:?}", o.deductions);
    // Both, plus an address that is not the vendor's: 30 - 10.
    let wrong = w.chain.address_string(AddrIdx::new(0));
    let r = score(
        &w,
        &case_with(
            &w,
            &[("deposits", Given::Addresses(vec![deposits[0].to_uppercase(), deposits[1].clone(), wrong.clone()]))],
        ),
    );
    let o = objective(&r, "deposits");
    assert_eq!(o.earned, 20.0, "bech32 compares case-insensitively: {:?}", o.deductions);
    assert!(o.deductions.iter().any(|d| d.contains(&wrong)));
    // Only wrong addresses: never below zero.
    let r = score(&w, &case_with(&w, &[("deposits", Given::Addresses(vec![wrong]))]));
    assert_eq!(objective(&r, "deposits").earned, 0.0);
}

#[test]
fn numbers_count_within_their_tolerance() {
    let w = beginner();
    let Resolved::Amount(total) = *truth(&w, "total") else { panic!() };
    let near = score(&w, &case_with(&w, &[("total", Given::Amount(total * 1.005))]));
    assert_eq!(objective(&near, "total").earned, 20.0);
    let far = score(&w, &case_with(&w, &[("total", Given::Amount(total * 1.05))]));
    let o = objective(&far, "total");
    assert_eq!(o.earned, 0.0);
    assert!(o.deductions[0].contains("off by"), "{:?}", o.deductions);
}

#[test]
fn entities_and_names_match_as_people_write_them() {
    let w = beginner();
    for (given, points) in [("CoinBay", 10.0), ("coinbay", 10.0), (" COINBAY ", 10.0), ("Kraken", 0.0)] {
        let r = score(&w, &case_with(&w, &[("exchange", Given::Entities(vec![given.into()]))]));
        assert_eq!(objective(&r, "exchange").earned, points, "{given}");
    }
    for (given, points) in [("Marek Novák", 20.0), ("marek  novak", 20.0), ("Marek Novotny", 0.0)] {
        let r = score(&w, &case_with(&w, &[("identity", Given::Text(given.into()))]));
        assert_eq!(objective(&r, "identity").earned, points, "{given}");
    }
}

#[test]
fn paths_score_by_the_hops_they_share() {
    let w = beginner();
    let Resolved::Path(hops) = truth(&w, "path") else { panic!() };
    assert!(hops.len() >= 4, "{hops:?}");
    let half: Vec<(String, String)> = hops.iter().take(hops.len() / 2).cloned().collect();
    let r = score(&w, &case_with(&w, &[("path", Given::Hops(half.clone()))]));
    let expected = 20.0 / hops.len() as f64 * half.len() as f64;
    assert!((objective(&r, "path").earned - expected).abs() < 0.01);
    // A path written as a sequence of addresses is read hop by hop; a made-up hop costs 2.
    let mut seq = vec![hops[0].0.clone(), hops[0].1.clone()];
    seq.push(w.chain.address_string(AddrIdx::new(3)));
    let r = score(&w, &case_with(&w, &[("path", Given::Path(seq))]));
    let o = objective(&r, "path");
    assert!((o.earned - (20.0 / hops.len() as f64 - 2.0).max(0.0)).abs() < 0.01, "{o:?}");
}

#[test]
fn hints_and_bad_legal_requests_cost_points() {
    let w = beginner();
    let reference: Vec<(&str, Given)> =
        w.scenario.objectives.iter().zip(&w.truth.answers).map(|(o, a)| (o.id.as_str(), a.as_given())).collect();
    let mut c = case_with(&w, &reference);
    c.hints.push(HintUse { objective: "deposits".into(), hint: 0 });
    let Resolved::Addresses(deposits) = truth(&w, "deposits") else { panic!() };
    c.requests.push(Request { exchange: "CoinBay".into(), address: deposits[0].clone() });
    c.requests.push(Request { exchange: "coinbay".into(), address: w.chain.address_string(AddrIdx::new(1)) });
    let r = score(&w, &c);
    assert_eq!(objective(&r, "deposits").earned, 25.0);
    assert_eq!(r.legal.penalty, 5.0, "{:?}", r.legal.deductions);
    assert!(r.legal.deductions[0].contains("does not hold"));
    assert_eq!(r.earned, 100.0 - 5.0 - 5.0);
    // Over the budget of three, every request costs.
    for _ in 0..2 {
        c.requests.push(Request { exchange: "coinbay".into(), address: deposits[0].clone() });
    }
    let r = score(&w, &c);
    assert_eq!(r.legal.penalty, 10.0);
    assert!(r.legal.deductions.iter().any(|d| d.contains("over the budget")));
}

#[test]
fn legal_requests_answer_only_what_the_exchange_holds() {
    use offramp_core::legal::{Reply, request};
    let w = beginner();
    let Resolved::Addresses(deposits) = truth(&w, "deposits") else { panic!() };
    let Reply::Records(rec) = request(&w, "CoinBay", &deposits[0]).unwrap() else { panic!("a KYC record") };
    assert_eq!(rec.name.as_deref(), Some("Marek Novák"));
    assert!(deposits.iter().all(|d| rec.deposit_addresses.contains(d)), "the record lists the other deposit addresses");
    assert_eq!(request(&w, "coinbay", &w.chain.address_string(AddrIdx::new(0))).unwrap(), Reply::NoRecords);
    assert!(request(&w, "coinbey", &deposits[0]).unwrap_err().to_string().contains("did you mean"));
    // The offshore exchange of the intermediate scenario refuses.
    let w2 = generate(&load(&scenarios_dir().join("intermediate-two-exchanges.ron")), None, false);
    assert_eq!(request(&w2, "Zenbit", &w2.chain.address_string(AddrIdx::new(0))).unwrap(), Reply::Refused);
}

#[test]
fn case_files_report_their_mistakes_in_place() {
    let sc = load(&scenarios_dir().join("beginner-careless-vendor.ron"));
    let text = "Case(\n    scenario: \"beginner-careless-vendor\",\n    answers: {\n        \"depsits\": Addresses([]),\n        \"total\": Text(\"lots\"),\n    },\n    hints: [(objective: \"total\", hint: 3)],\n)\n";
    let e = Case::parse(text, "c.ron", &sc).unwrap_err().to_string();
    assert!(e.contains("c.ron:4:20: no objective is called \"depsits\" (did you mean \"deposits\"?)"), "{e}");
    assert!(e.contains("c.ron:5:18: objective \"total\" takes Amount(number), not Text"), "{e}");
    assert!(e.contains("c.ron:7:13: objective \"total\" has 0 hints"), "{e}");
    let e = Case::parse("Case(scenario: 3)", "c.ron", &sc).unwrap_err().to_string();
    assert!(e.starts_with("c.ron:1:"), "{e}");
}

#[test]
fn case_files_are_saved_atomically_and_read_back() {
    let w = beginner();
    let c = case_with(&w, &[("total", Given::Amount(1.5)), ("identity", Given::Text("Jo \"Q\" Doe".into()))]);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("me.case.ron");
    std::fs::write(&p, b"previous").unwrap();
    c.save(&p).unwrap();
    assert_eq!(Case::load(&p, &w.scenario).unwrap(), c);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "no temporary file left");
    // Saving into a directory that does not exist fails and leaves nothing.
    assert!(c.save(&tmp.path().join("missing/me.case.ron")).is_err());
}
