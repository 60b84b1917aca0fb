//! The CPU time of the app's own work per frame, apart from any rasterizer: the logic, the
//! egui panels and canvas labels (laid out and tessellated), the canvas's input and its drawing
//! systems (sprites and the edge mesh), on a board of N nodes, in a window of 1600×900 that no
//! GPU draws. Three phases: the board still, the camera panning, the force layout moving
//! every node (the edge mesh rebuilt each frame).
//!
//! `cargo bench --bench frame` (all sizes), `cargo bench --bench frame -- 20000` (one size).
//! Target: ≤ 2 ms per frame at 20k nodes.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use offramp::app::canvas::CanvasState;
use offramp::app::graph::Graph;
use offramp::app::investigation::Evidence;
use offramp::app::loading::Request;
use offramp::app::{Screen, auto, headless};
use offramp_core::scenario::Scenario;

const FRAMES: usize = 120;

fn scenario() -> Scenario {
    let (n, text) = offramp::library::SHIPPED.iter().find(|(n, _)| n.starts_with("advanced")).expect("shipped");
    Scenario::parse(text, n).expect("a shipped scenario parses")
}

fn until(app: &mut App, want: Screen) {
    let t = Instant::now();
    while *app.world().resource::<State<Screen>>().get() != want {
        assert!(t.elapsed() < Duration::from_secs(600), "never reached {want:?}");
        app.update();
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn stats(name: &str, mut t: Vec<f64>) {
    t.sort_by(f64::total_cmp);
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let p99 = t[((t.len() as f64 * 0.99).ceil() as usize).clamp(1, t.len()) - 1];
    println!("  {name:>15}: mean {mean:.2} ms, p99 {p99:.2} ms");
}

fn timed(app: &mut App, frames: usize, mut each: impl FnMut(&mut App)) -> Vec<f64> {
    (0..frames)
        .map(|_| {
            each(app);
            let t = Instant::now();
            app.update();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}

fn main() {
    let sizes: Vec<usize> = match std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect::<Vec<_>>() {
        a if a.is_empty() => vec![1_000, 5_000, 20_000],
        a => a.iter().filter_map(|s| s.parse().ok()).collect(),
    };
    let sc = scenario();
    for n in sizes {
        let (mut app, _) = headless::app(1600, 900, true);
        app.insert_resource(Request::scenario(sc.clone(), None, "Tess"));
        app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Loading);
        until(&mut app, Screen::Briefing);
        app.update();
        app.world_mut().resource_mut::<NextState<Screen>>().set(Screen::Investigation);
        app.update();
        let evidence = app.world().resource::<Evidence>().clone();
        {
            let mut graph = app.world_mut().resource_mut::<Graph>();
            auto::grow(&mut graph.board, &evidence, n);
            graph.board.time_layout();
        }
        app.world_mut().resource_mut::<CanvasState>().fit = true;
        for _ in 0..10 {
            app.update();
        }
        let (nodes, edges) = {
            let g = app.world_mut().resource_mut::<Graph>().into_inner();
            let v = g.board.view();
            (v.nodes.len(), v.edges.len())
        };
        println!("{nodes} nodes, {edges} edges, {FRAMES} frames each (CPU only, no rasterizer)");
        stats("still", timed(&mut app, FRAMES, |_| {}));
        stats(
            "panning",
            timed(&mut app, FRAMES, |app| {
                let mut q = app.world_mut().query_filtered::<&mut Transform, With<Camera2d>>();
                if let Ok(mut t) = q.single_mut(app.world_mut()) {
                    t.translation.x += 3.0;
                }
            }),
        );
        app.world_mut().resource_mut::<Graph>().board.start_force();
        stats("layout running", timed(&mut app, FRAMES, |_| {}));
    }
}
