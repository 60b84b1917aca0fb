//! What the app's tests share: an app with the logic plugins (and, for the input tests, the
//! real egui context with the panels), shipped scenarios, and frame-by-frame helpers.

use std::path::Path;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use offramp::app::casefile::CasesDir;
use offramp::app::graph::{Graph, GraphAction};
use offramp::app::investigation::Evidence;
use offramp::app::loading::Request;
use offramp::app::{Screen, logic_plugin};
use offramp_core::board::Board;
use offramp_core::scenario::Scenario;
use offramp_core::sim::{self, Options, World};

/// The logic of the app without a window; no case is kept.
pub fn app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, StatesPlugin)).add_plugins(logic_plugin);
    // No test writes into the user's own cases.
    app.insert_resource(CasesDir(None));
    app
}

pub fn shipped(name: &str) -> Scenario {
    let (n, text) = offramp::library::SHIPPED.iter().find(|(n, _)| *n == name).expect("shipped");
    Scenario::parse(text, n).unwrap()
}

/// Runs frames until the screen is `want` (or fails after two minutes).
pub fn until(app: &mut App, want: Screen) {
    let t = Instant::now();
    while *app.world().resource::<State<Screen>>().get() != want {
        assert!(t.elapsed() < Duration::from_secs(120), "never reached {want:?}");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Opens a shipped scenario for a trainee and waits for the briefing.
pub fn open(mut app: App, scenario: &str, trainee: &str) -> App {
    app.insert_resource(Request::scenario(shipped(scenario), None, trainee));
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
    app.update();
    until(&mut app, Screen::Briefing);
    // The case file is opened on the frame after the world arrives.
    app.update();
    app
}

/// The world the open investigation was generated from, made again on the test's side (the
/// app's panels never hold it; generation is deterministic).
pub fn world_of(app: &App) -> World {
    let ev = app.world().resource::<Evidence>();
    let name = format!("{}.ron", ev.scenario());
    sim::generate(&shipped(&name), &Options { seed: Some(ev.seed()), signed: false }, &mut |_, _, _| {}).unwrap()
}

/// An app whose clock moves one second a frame, with case files in `dir`.
pub fn clocked(dir: Option<&Path>) -> App {
    let mut app = app();
    app.insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(Duration::from_secs(1)));
    app.world_mut().resource_mut::<Time<Virtual>>().set_max_delta(Duration::from_secs(10));
    app.insert_resource(CasesDir(dir.map(|d| d.to_path_buf())));
    app
}

pub fn act(app: &mut App, a: GraphAction) {
    app.world_mut().write_message(a);
    app.update();
}

pub fn board(app: &App) -> &Board {
    &app.world().resource::<Graph>().board
}

pub fn intel_address(app: &App) -> String {
    let ev = app.world().resource::<Evidence>();
    ev.intel.items.iter().flat_map(|i| i.addresses.iter()).next().expect("the intel names an address").clone()
}

/// The first address or transaction the intel points at.
pub fn intel_lead(app: &App) -> String {
    let ev = app.world().resource::<Evidence>();
    ev.intel.items.iter().flat_map(|i| i.addresses.iter().chain(&i.txids)).next().expect("the intel has a lead").clone()
}

pub fn to_investigation(app: &mut App) {
    app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Investigation);
    app.update();
}

pub fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

/// Runs the `offramp` binary, without a display (the commands never need one).
pub fn offramp(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_offramp"))
        .args(args)
        .env_remove("DISPLAY")
        .output()
        .expect("the binary runs")
}

/// Runs the binary, asserts it succeeded, and returns what it printed.
pub fn ok(args: &[&str]) -> String {
    let out = offramp(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A shipped scenario's file, as a command-line argument.
pub fn scenario_path(name: &str) -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name).display().to_string()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> String {
    p.display().to_string()
}
