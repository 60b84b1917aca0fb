//! A class played from packs: the instructor makes each trainee's pack, the app opens it with
//! no truth on the machine (legal answers and hints from the pack), the submitted case is
//! sealed, and the instructor's grade checks the seal and scores it.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use offramp::app::Screen;
use offramp::app::casefile::CaseFile;
use offramp::app::findings::{Results, Submit, UnlockHint};
use offramp::app::investigation::Evidence;
use offramp::app::legal::{AnswerDelay, FileRequest, Requests};
use offramp::app::loading::Request;
use offramp_core::case::Case;
use offramp_core::class::{ClassKey, Seal};
use offramp_core::pack::Pack;
use offramp_core::sim::{self, Options};

use super::common::*;

/// A class key kept in `dir`.
fn class_key(dir: &Path) -> (PathBuf, ClassKey) {
    let path = dir.join("class.key");
    ok(&["class-key", "--out", &s(&path)]);
    let key = ClassKey::from_arg(&s(&path)).unwrap();
    (path, key)
}

#[test]
fn a_roster_gets_one_pack_each_and_a_bad_roster_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = class_key(dir.path());
    let roster = dir.path().join("roster.txt");
    std::fs::write(&roster, "# Tuesday group\nAna Kowalska\n\n  Jiří Dvořák  \n").unwrap();
    let packs = dir.path().join("packs");
    let sc = scenario_path("beginner-careless-vendor.ron");
    let said = ok(&["pack", &sc, "--roster", &s(&roster), "--class-key", &s(&key_path), "--out", &s(&packs)]);
    assert_eq!(said.lines().count(), 2, "{said}");
    assert!(said.contains("sealed on submission"), "{said}");
    let mut files: Vec<String> =
        std::fs::read_dir(&packs).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(
        files,
        ["beginner-careless-vendor--ana-kowalska.offramp-pack", "beginner-careless-vendor--jiri-dvorak.offramp-pack"]
    );
    let jiri = Pack::open(&packs.join(&files[1])).unwrap();
    assert_eq!(jiri.header.trainee, "Jiří Dvořák");
    assert_eq!(jiri.header.seed, key.seed("beginner-careless-vendor", "jiří dvořák"));
    // The class key is nowhere in what the trainees get.
    let key_text = std::fs::read_to_string(&key_path).unwrap();
    for f in &files {
        let bytes = String::from_utf8_lossy(&std::fs::read(packs.join(f)).unwrap()).into_owned();
        assert!(!bytes.contains(key_text.trim()) && !bytes.contains(&key_text.trim()[18..]));
    }
    // The same name twice, as people write it, is refused at its line; so is an empty roster.
    std::fs::write(&roster, "Ana Kowalska\nBo\n  ana   KOWALSKA\n").unwrap();
    let out = offramp(&["pack", &sc, "--roster", &s(&roster), "--out", &s(&packs)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("roster.txt:3:1:") && err.contains("line 1"), "{err}");
    std::fs::write(&roster, "# nobody yet\n").unwrap();
    let out = offramp(&["pack", &sc, "--roster", &s(&roster), "--out", &s(&packs)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no names"));
}

#[test]
fn a_damaged_or_newer_pack_is_refused_by_play_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("bo.offramp-pack");
    ok(&["pack", &scenario_path("beginner-careless-vendor.ron"), "--trainee", "Bo", "--out", &s(&pack)]);
    let mut bytes = std::fs::read(&pack).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 1;
    std::fs::write(&pack, &bytes).unwrap();
    let out = offramp(&["play", &s(&pack)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("bo.offramp-pack") && err.contains("damaged") && err.contains("new copy"), "{err}");
    let text = String::from_utf8_lossy(&bytes).replacen("\"version\":1", "\"version\":7", 1);
    std::fs::write(&pack, text.as_bytes()).unwrap();
    let err = String::from_utf8_lossy(&offramp(&["play", &s(&pack)]).stderr).into_owned();
    assert!(err.contains("newer Offramp") && err.contains("version 7"), "{err}");
    // A pack is one trainee's: no other name or seed can be asked of it.
    ok(&["pack", &scenario_path("beginner-careless-vendor.ron"), "--trainee", "Bo", "--out", &s(&pack)]);
    let err = String::from_utf8_lossy(&offramp(&["play", &s(&pack), "--trainee", "Cy"]).stderr).into_owned();
    assert!(err.contains("one trainee's world"), "{err}");
}

#[test]
fn a_trainee_plays_their_pack_without_the_truth_and_the_sealed_case_grades() {
    let dir = tempfile::tempdir().unwrap();
    let (key_path, key) = class_key(dir.path());
    let pack_path = dir.path().join("ana.offramp-pack");
    let sc_path = scenario_path("beginner-careless-vendor.ron");
    ok(&["pack", &sc_path, "--trainee", "Ana Kowalska", "--class-key", &s(&key_path), "--out", &s(&pack_path)]);
    let pack = Pack::open(&pack_path).unwrap();
    let cases = tempfile::tempdir().unwrap();

    let mut app = clocked(Some(cases.path()));
    app.insert_resource(AnswerDelay(std::time::Duration::from_secs(1)));
    app.insert_resource(Request::pack(pack));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(&mut app, Screen::Briefing);
    app.update();
    to_investigation(&mut app);
    let ev = app.world().resource::<Evidence>().clone();
    assert_eq!(ev.trainee, "Ana Kowalska");
    // The instructor's side can make the same world again; the app never had it.
    let sc = shipped("beginner-careless-vendor.ron");
    let world = sim::generate(&sc, &Options { seed: Some(ev.seed()), signed: false }, &mut |_, _, _| {}).unwrap();
    assert_eq!(ev.explorer.chain.txs.len(), world.chain.txs.len());

    // Legal requests answered from the pack, as the exchange would: the vendor's deposit
    // address gives the (made-up) holder of this variant.
    let deposit = match &world.truth.answers[sc.objectives.iter().position(|o| o.id == "deposits").unwrap()] {
        offramp_core::answer::Resolved::Addresses(a) => a[0].clone(),
        other => panic!("{other:?}"),
    };
    let identity = match &world.truth.answers[sc.objectives.iter().position(|o| o.id == "identity").unwrap()] {
        offramp_core::answer::Resolved::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    app.world_mut().write_message(FileRequest { exchange: "CoinBay".into(), address: deposit.clone() });
    for _ in 0..3 {
        app.update();
    }
    let answer = app.world().resource::<Requests>().filed[0].answer.clone().expect("answered");
    match answer.unwrap() {
        offramp_core::legal::Reply::Records(r) => assert_eq!(r.name.as_deref(), Some(identity.as_str())),
        other => panic!("{other:?}"),
    }
    // A hint, from the pack.
    let hinted = sc.objectives.iter().find(|o| !o.hints.is_empty()).unwrap();
    app.world_mut().write_message(UnlockHint { objective: hinted.id.clone(), hint: 0 });
    app.update();
    // Every answer right, then submitted: no score in the app, the case sealed on disk.
    {
        let mut file = app.world_mut().resource_mut::<CaseFile>();
        for (o, truth) in sc.objectives.iter().zip(&world.truth.answers) {
            file.case.answers.insert(o.id.clone(), truth.as_given());
        }
    }
    app.world_mut().write_message(Submit);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Results);
    assert!(app.world().resource::<Results>().0.is_none(), "no truth, no score in the trainee's app");
    // Reviewing the board afterwards keeps the seal: what is scored no longer moves.
    to_investigation(&mut app);
    for _ in 0..10 {
        app.update();
    }
    app.world_mut().write_message(FileRequest { exchange: "CoinBay".into(), address: deposit.clone() });
    app.update();
    assert!(app.world().resource::<Requests>().refused.as_deref().unwrap_or("").contains("submitted"));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Library);
    app.update();
    app.update();
    let case_path = std::fs::read_dir(cases.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".ron"))
        .expect("the case was kept");
    let text = std::fs::read_to_string(&case_path).unwrap();
    let case = Case::parse_unchecked(&text, "case").unwrap();
    assert!(case.submitted && case.seal.is_some() && case.result.is_none());
    assert_eq!(key.check(&sc.meta.id, sc.meta.seed, &case).seal, Seal::Intact);
    assert!(!text.contains(key.to_text().trim_start_matches("offramp-class-key-")), "the case holds no class key");

    // The instructor grades it: the variant is hers, the seal holds, full marks but the hint.
    let graded = ok(&["grade", &sc_path, &s(&case_path), "--class-key", &s(&key_path), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&graded).unwrap();
    let row = &v["graded"][0];
    assert_eq!(row["trainee"], "Ana Kowalska", "{graded}");
    assert_eq!(row["seal"], "Intact", "{graded}");
    let earned = row["report"]["earned"].as_f64().unwrap();
    let possible = row["report"]["possible"].as_f64().unwrap();
    assert!((possible - earned - hinted.hints[0].cost).abs() < 1e-6, "{graded}");
    // An edit after submission shows.
    std::fs::write(&case_path, text.replace("seconds: ", "seconds: 1")).unwrap();
    let graded = ok(&["grade", &sc_path, &s(&case_path), "--class-key", &s(&key_path), "--json"]);
    assert!(graded.contains("\"Broken\""), "{graded}");
}

#[test]
fn the_library_lists_the_packs_of_the_users_folder_and_a_bad_one_with_its_reason() {
    use offramp::app::library::Library;
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario_path("beginner-careless-vendor.ron");
    ok(&["pack", &sc, "--trainee", "Ana Kowalska", "--out", &s(&dir.path().join("ana.offramp-pack"))]);
    std::fs::write(dir.path().join("old.offramp-pack"), "{\"format\":\"offramp-pack\",\"version\":0}\n").unwrap();
    let lib = Library::load_from(Some(dir.path()));
    assert_eq!(lib.packs.len(), 2);
    let ana = lib.packs.iter().find(|p| p.path.ends_with("ana.offramp-pack")).unwrap();
    let h = ana.header.as_ref().unwrap();
    assert_eq!((h.trainee.as_str(), h.scenario.as_str()), ("Ana Kowalska", "beginner-careless-vendor"));
    let old = lib.packs.iter().find(|p| p.path.ends_with("old.offramp-pack")).unwrap();
    let err = old.header.as_ref().unwrap_err();
    assert!(err.contains("old.offramp-pack") && err.contains("older Offramp"), "{err}");
    // Packs are not scenarios: the scenario list is the shipped one.
    assert_eq!(lib.entries.len(), offramp::library::SHIPPED.len());
}
