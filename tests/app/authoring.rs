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

mod in_the_app {
    use bevy::prelude::*;
    use offramp::app::Screen;
    use offramp::app::graph::GraphAction;
    use offramp::app::investigation::Evidence;
    use offramp::app::loading::Request;
    use offramp::app::reload::Watch;
    use offramp_core::scenario::Scenario;

    use crate::common::*;

    fn frames(app: &mut App, n: usize) {
        for _ in 0..n {
            app.update();
        }
    }

    #[test]
    fn an_edited_scenario_reloads_in_place_and_a_broken_edit_shows_its_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dock.ron");
        std::fs::write(&file, offramp_core::scenario::template("dock", "Dock")).unwrap();
        let sc = Scenario::load(&file).unwrap();
        let mut app = clocked(Some(dir.path()));
        app.insert_resource(Request::scenario_file(sc, None, "Ana", file.clone()));
        app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
        app.update();
        until(&mut app, Screen::Briefing);
        app.update();
        to_investigation(&mut app);
        let lead = intel_address(&app);
        act(&mut app, GraphAction::Add(lead.clone()));
        frames(&mut app, 3);
        let nodes = board(&app).save().nodes.len();
        assert!(nodes >= 1);

        // A broken edit: the board stays, the errors are there with their places.
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replacen("exchange: \"exchange\", deposits", "exchange: \"exchnage\", deposits", 1))
            .unwrap();
        frames(&mut app, 3);
        assert_eq!(screen(&app), Screen::Investigation);
        let err = app.world().resource::<Watch>().error.clone().expect("the errors are shown");
        assert!(err.contains("dock.ron:") && err.contains("exchnage"), "{err}");
        let place = err.split("dock.ron:").nth(1).unwrap();
        assert!(place.split(':').take(2).all(|n| n.parse::<u32>().is_ok()), "{err}");

        // Fixed, with a new title: the world is made again and the board comes back as it was.
        std::fs::write(&file, text.replace("title: \"Dock\"", "title: \"Dock, second draft\"")).unwrap();
        let t = std::time::Instant::now();
        while app.world().resource::<Evidence>().intel.scenario.title != "Dock, second draft" {
            assert!(t.elapsed().as_secs() < 120, "never reloaded");
            app.update();
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        frames(&mut app, 3);
        assert_eq!(screen(&app), Screen::Investigation, "straight back to the board, no briefing");
        assert!(app.world().resource::<Watch>().error.is_none());
        assert_eq!(board(&app).save().nodes.len(), nodes, "the board was kept");
        assert!(!app.world().resource::<offramp::app::canvas::CanvasState>().fit, "the view was kept");
    }

    #[test]
    fn the_library_sees_a_scenario_written_into_the_users_folder_and_its_fix() {
        use offramp::app::library::Library;
        let dir = tempfile::tempdir().unwrap();
        let mut app = clocked(None);
        app.insert_resource(Library::load_from(Some(dir.path())));
        frames(&mut app, 2);
        let shipped = app.world().resource::<Library>().entries.len();
        let text = offramp_core::scenario::template("pier", "Pier");
        std::fs::write(dir.path().join("pier.ron"), text.replacen("seed: 1,", "seed: -1,", 1)).unwrap();
        frames(&mut app, 3);
        let lib = app.world().resource::<Library>();
        assert_eq!(lib.entries.len(), shipped + 1);
        let err = lib.entries.last().unwrap().parsed.as_ref().unwrap_err().clone();
        assert!(err.contains("pier.ron:"), "{err}");
        std::fs::write(dir.path().join("pier.ron"), &text).unwrap();
        frames(&mut app, 3);
        let lib = app.world().resource::<Library>();
        assert_eq!(lib.entries.last().unwrap().parsed.as_ref().map(|s| s.meta.title.clone()).unwrap(), "Pier");
    }
}
