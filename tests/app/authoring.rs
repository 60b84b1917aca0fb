//! The instructor's authoring loop from the command line: a new scenario from the template,
//! its preview (the story as a timeline, the counts, the answer key), and the edits checked.

use std::path::Path;
use std::process::{Command, Output};

fn offramp_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_offramp")).args(args).current_dir(dir).output().expect("the binary runs")
}

fn ok_in(dir: &Path, args: &[&str]) -> String {
    let out = offramp_in(dir, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_new_scenario_validates_previews_and_its_reference_scores_full_marks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let said = ok_in(d, &["new", "  Harbour   Vendor  "]);
    assert!(said.contains("harbour-vendor.ron") && said.contains("\"Harbour Vendor\""), "{said}");
    let text = std::fs::read_to_string(d.join("harbour-vendor.ron")).unwrap();
    assert!(text.contains("id: \"harbour-vendor\"") && text.contains("title: \"Harbour Vendor\""));
    assert!(ok_in(d, &["validate", "harbour-vendor.ron"]).contains("ok"));
    // The preview: every story step with its transactions, who paid whom, the answer key.
    let preview = ok_in(d, &["preview", "harbour-vendor.ron"]);
    for step in ["sales (Purchases)", "withdraw (VendorWithdrawals)", "hops (Hops)", "cashout (CashOut)"] {
        assert!(preview.contains(step), "{step}:\n{preview}");
    }
    assert!(preview.contains("BlueLantern -> Kanto Exchange:"), "{preview}");
    assert!(preview.contains("answers: exchange, deposits, total, path"), "{preview}");
    assert!(preview.contains("Answer key") && preview.contains("Tomasz Wiśniewski"), "{preview}");
    // The JSON preview agrees with the reference solution on the deposits.
    let json: serde_json::Value =
        serde_json::from_str(&ok_in(d, &["preview", "harbour-vendor.ron", "--json"])).unwrap();
    let key = json["key"].as_array().unwrap();
    let deposits = key.iter().find(|k| k["id"] == "deposits").unwrap()["answer"]["Addresses"].clone();
    ok_in(d, &["solve", "harbour-vendor.ron", "--out", "ref.case.ron"]);
    let reference = std::fs::read_to_string(d.join("ref.case.ron")).unwrap();
    for a in deposits.as_array().unwrap() {
        assert!(reference.contains(a.as_str().unwrap()));
    }
    let score = ok_in(d, &["score", "harbour-vendor.ron", "ref.case.ron", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&score).unwrap();
    assert_eq!(v["earned"], v["possible"], "{score}");
    // Another seed previews another world of the same story.
    let other = ok_in(d, &["preview", "harbour-vendor.ron", "--seed", "99"]);
    assert!(other.contains("seed 99") && other.contains("cashout (CashOut)"));
    assert_ne!(other, preview);
}

#[test]
fn new_never_replaces_a_file_and_needs_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("mine.ron"), "my work").unwrap();
    let out = offramp_in(d, &["new", "Mine"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("mine.ron") && err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("mine.ron")).unwrap(), "my work");
    let out = offramp_in(d, &["new", "?!"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no letters or digits"));
    // --out puts it where it is asked; a broken scenario's preview says where it is broken.
    ok_in(d, &["new", "Dock", "--out", "x.ron"]);
    let text = std::fs::read_to_string(d.join("x.ron")).unwrap();
    std::fs::write(
        d.join("x.ron"),
        text.replacen("exchange: \"exchange\", deposits", "exchange: \"exchnage\", deposits", 1),
    )
    .unwrap();
    let out = offramp_in(d, &["preview", "x.ron"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("x.ron:") && err.contains("exchnage"), "{err}");
}
