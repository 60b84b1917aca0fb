//! One app, many scenarios: opening a scenario starts a fresh investigation and going back to
//! the library ends it, saved, so that nothing of one case leaks into another.

use bevy::prelude::*;
use offramp::app::Screen;
use offramp::app::casefile::CaseFile;
use offramp::app::graph::{Graph, GraphAction};
use offramp::app::investigation::Evidence;
use offramp::app::legal::Requests;
use offramp::app::loading::Request;
use offramp_core::board::Side;

use super::common::*;

/// From wherever the app is, back to the library, then into `scenario`'s investigation.
fn reopen(app: &mut App, scenario: &str, trainee: &str) {
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Library);
    app.update();
    app.update();
    app.insert_resource(Request::scenario(shipped(scenario), None, trainee));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(app, Screen::Briefing);
    app.update();
    to_investigation(app);
}

fn file_text(app: &App) -> String {
    let path = app.world().resource::<CaseFile>().path.clone().expect("cases are kept");
    std::fs::read_to_string(path).expect("the case was saved")
}

#[test]
fn a_second_scenario_starts_a_fresh_case_and_each_resumes_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(clocked(Some(dir.path())), "beginner-careless-vendor.ron", "Ana");
    to_investigation(&mut app);
    let a_addr = intel_address(&app);
    act(&mut app, GraphAction::Add(a_addr.clone()));
    act(&mut app, GraphAction::Expand(Side::Outputs));
    for _ in 0..5 {
        app.update();
    }
    let a_board = board(&app).save();
    let a_seconds = app.world().resource::<CaseFile>().seconds();
    let a_path = app.world().resource::<CaseFile>().path.clone().unwrap();
    assert!(a_seconds >= 5, "time is counted in the investigation ({a_seconds} s)");

    // To the library: the investigation ends, saved, and nothing of it stays behind.
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Library);
    app.update();
    app.update();
    assert_eq!(screen(&app), Screen::Library);
    for (what, gone) in [
        ("the evidence", app.world().get_resource::<Evidence>().is_none()),
        ("the board", app.world().get_resource::<Graph>().is_none()),
        ("the case file", app.world().get_resource::<CaseFile>().is_none()),
        ("the legal requests", app.world().get_resource::<Requests>().is_none()),
    ] {
        assert!(gone, "{what} outlived its investigation");
    }
    let a_saved = std::fs::read_to_string(&a_path).unwrap();
    assert!(a_saved.contains(&a_addr), "the board was saved on leaving");
    let a_mtime = std::fs::metadata(&a_path).unwrap().modified().unwrap();

    // Scenario B: an empty board, its own clock, its own file.
    reopen(&mut app, "intermediate-two-exchanges.ron", "Ana");
    assert!(board(&app).is_empty(), "B's board shows nothing of A's");
    assert!(app.world().resource::<CaseFile>().seconds() < 3, "B's clock starts at zero");
    let b_addr = intel_lead(&app);
    act(&mut app, GraphAction::Add(b_addr.clone()));
    for _ in 0..8 {
        app.update();
    }
    let b_path = app.world().resource::<CaseFile>().path.clone().unwrap();
    assert_ne!(a_path, b_path);
    assert!(file_text(&app).contains(&b_addr));
    assert_eq!(
        std::fs::metadata(&a_path).unwrap().modified().unwrap(),
        a_mtime,
        "A's case file is not written while B is open"
    );
    assert_eq!(std::fs::read_to_string(&a_path).unwrap(), a_saved, "A's case file is untouched");
    let b_board = board(&app).save();

    // Back to A: its board, its time, nothing of B's.
    reopen(&mut app, "beginner-careless-vendor.ron", "Ana");
    assert_eq!(board(&app).save(), a_board, "A resumes intact");
    assert!(!format!("{:?}", board(&app).save()).contains(&b_addr), "nothing of B's on A's board");
    let resumed = app.world().resource::<CaseFile>().seconds();
    assert!(
        resumed >= a_seconds && resumed < a_seconds + 5,
        "A's clock goes on from {a_seconds} s, not B's: {resumed}"
    );
    // And B, again.
    reopen(&mut app, "intermediate-two-exchanges.ron", "Ana");
    assert_eq!(board(&app).save(), b_board, "B resumes intact");
}
