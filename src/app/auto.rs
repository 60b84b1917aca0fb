//! The app driven without a person: `offramp play FILE --screenshot OUT.png` renders the
//! investigation screen to a PNG and exits; `offramp bench-render FILE --nodes N --frames F`
//! fills the board with N nodes and prints frame times. Neither reads nor writes a case file.
//! With `--offscreen` both render into an image on the GPU instead of a window: no display,
//! no window system, so they run on a headless GPU machine.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use bevy::window::{ExitCondition, WindowResolution};
use offramp_core::board::{Board, NodeRef, Side};
use offramp_core::forensics::path;
use offramp_core::scenario::Category;

use super::Screen;
use super::canvas::CanvasState;
use super::graph::Graph;
use super::investigation::Evidence;

/// What to do without a person.
#[derive(Resource, Debug, Clone)]
pub enum Auto {
    Screenshot { path: PathBuf },
    Bench { nodes: usize, frames: usize },
}

/// The image an offscreen run renders into (instead of a window).
#[derive(Resource, Clone)]
pub struct Offscreen(pub Handle<Image>);

/// The size of the offscreen image, as the windowed runs' window.
const OFFSCREEN: (u32, u32) = (1600, 900);

/// Runs `auto` rendering into an image: Bevy's renderer and the real panels and canvas, no
/// winit and no OS window (the window entity is there for the systems that read its size,
/// as in [`super::headless`]). Each frame waits for the GPU to finish it, so that frame times
/// include the GPU's work rather than queueing it.
pub fn run_offscreen(start: super::loading::Request, auto: Auto) -> i32 {
    if !has_renderer() {
        eprintln!(
            "offramp: --offscreen found no GPU and no software renderer to draw with (a Vulkan or OpenGL driver; \
             on Debian without a GPU: apt-get install mesa-vulkan-drivers)"
        );
        return 1;
    }
    let (w, h) = OFFSCREEN;
    let mut app = App::new();
    let window = Window { title: "Offramp".into(), resolution: WindowResolution::new(w, h), ..default() };
    app.add_plugins(DefaultPlugins.build().disable::<bevy::winit::WinitPlugin>().set(WindowPlugin {
        primary_window: Some(window),
        exit_condition: ExitCondition::DontExit,
        ..default()
    }))
    .add_plugins(bevy::app::ScheduleRunnerPlugin::run_loop(Duration::ZERO))
    .add_plugins(bevy_egui::EguiPlugin::default())
    .add_plugins((super::logic_plugin, super::ui_plugin));
    let image = bevy::image::Image::new_target_texture(
        w,
        h,
        bevy::render::render_resource::TextureFormat::Rgba8UnormSrgb,
        None,
    );
    let image = app.world_mut().resource_mut::<Assets<Image>>().add(image);
    app.world_mut().spawn((Camera2d, RenderTarget::Image(image.clone().into())));
    app.insert_resource(Offscreen(image));
    if let Some(render) = app.get_sub_app_mut(bevy::render::RenderApp) {
        render.add_systems(bevy::render::Render, wait_for_gpu.in_set(bevy::render::RenderSystems::Cleanup));
    }
    app.insert_resource(start).insert_state(Screen::Loading);
    app.insert_resource(auto).add_plugins(plugin);
    match app.run() {
        AppExit::Success => 0,
        AppExit::Error(_) => 1,
    }
}

/// Whether wgpu finds an adapter here, as Bevy's renderer will look for one (`WGPU_BACKEND`
/// honoured): Bevy stops with a panic when there is none, which is no way to tell a person.
fn has_renderer() -> bool {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    bevy::tasks::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default())).is_ok()
}

/// Blocks the render thread until the GPU has done the frame just submitted.
fn wait_for_gpu(device: Res<bevy::render::renderer::RenderDevice>) {
    let _ = device.poll(bevy::render::render_resource::PollType::wait_indefinitely());
}

/// Progress of the automatic run.
#[derive(Resource, Default)]
struct Run {
    frames: usize,
    shot_at: Option<usize>,
    phase: usize,
    last: Option<Instant>,
    times: Vec<Vec<f64>>,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Run>()
        .add_systems(Update, skip_briefing.run_if(in_state(Screen::Briefing)))
        .add_systems(OnEnter(Screen::Investigation), fill)
        .add_systems(Last, (screenshot, bench).run_if(in_state(Screen::Investigation)));
}

fn skip_briefing(mut next: ResMut<NextState<Screen>>) {
    next.set(Screen::Investigation);
}

/// Grows a board breadth-first from the intel until it shows at least `want` nodes.
pub fn grow(board: &mut Board, case: &Evidence, want: usize) {
    for item in &case.intel.items {
        for a in item.addresses.iter().chain(&item.txids) {
            let _ = board.add_text(a, None);
        }
    }
    if board.is_empty() {
        // No intel to start from: the busiest address.
        let ex = &case.explorer;
        if let Some(a) = ex.chain.addresses.ids().max_by_key(|&a| ex.txs_of(a).len()) {
            let _ = board.add_text(&ex.chain.address_string(a), None);
        }
    }
    let mut frontier: Vec<NodeRef> = board.view().nodes.iter().map(|n| n.key).collect();
    let mut seen: std::collections::HashSet<NodeRef> = frontier.iter().copied().collect();
    while board.len() < want && !frontier.is_empty() {
        let mut next = Vec::new();
        'grow: for k in frontier {
            for side in [Side::Outputs, Side::Inputs] {
                board.expand(k, side);
                if board.len() >= want {
                    break 'grow;
                }
            }
        }
        for n in &board.view().nodes {
            if seen.insert(n.key) {
                next.push(n.key);
            }
        }
        frontier = next;
    }
}

fn fill(auto: Option<Res<Auto>>, case: Res<Evidence>, mut graph: ResMut<Graph>, mut canvas: ResMut<CanvasState>) {
    let Some(auto) = auto else { return };
    let want = match *auto {
        Auto::Screenshot { .. } => 60,
        Auto::Bench { nodes, .. } => nodes,
    };
    let board = &mut graph.board;
    if board.is_empty() {
        grow(board, &case, want);
        if let Auto::Screenshot { .. } = *auto {
            board.settle(3_000);
            // Show what a trainee would: one node selected, its trace lit.
            let first = board.view().nodes.iter().find(|n| matches!(n.key, NodeRef::Addr(_))).map(|n| n.key);
            if let Some(NodeRef::Addr(a)) = first {
                board.selected.insert(NodeRef::Addr(a));
                let to = path::Target::Category(Category::Exchange);
                if let Ok(p) = path::find(&case.explorer, a, to, path::PathOptions::default()) {
                    board.show_hops(&p.hops);
                    board.settle(3_000);
                }
            }
        } else {
            board.time_layout();
        }
    }
    canvas.fit = true;
}

fn screenshot(
    auto: Option<Res<Auto>>,
    offscreen: Option<Res<Offscreen>>,
    mut run: ResMut<Run>,
    mut commands: Commands,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(Auto::Screenshot { path }) = auto.as_deref() else { return };
    run.frames += 1;
    // A few frames for the panels to lay out and the canvas to be drawn, then the capture,
    // then a few more for it to be written.
    match run.shot_at {
        None if run.frames >= 20 => {
            let shot = match offscreen {
                Some(o) => Screenshot::image(o.0.clone()),
                None => Screenshot::primary_window(),
            };
            commands.spawn(shot).observe(save_to_disk(path.clone()));
            run.shot_at = Some(run.frames);
        }
        Some(at) if run.frames > at + 10 && path.exists() => {
            println!("wrote {}", path.display());
            exit.write(AppExit::Success);
        }
        Some(at) if run.frames > at + 600 => {
            eprintln!("offramp: the screenshot was never written to {}", path.display());
            exit.write(AppExit::error());
        }
        _ => {}
    }
}

/// Frame times in milliseconds: warm-up, then panning the camera over a still board, then
/// with the force layout moving every node (the edge mesh rebuilt each frame).
#[allow(clippy::too_many_arguments)]
fn bench(
    auto: Option<Res<Auto>>,
    mut run: ResMut<Run>,
    mut graph: ResMut<Graph>,
    mut camera: Query<&mut Transform, With<Camera2d>>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(Auto::Bench { frames, .. }) = auto.as_deref() else { return };
    let now = Instant::now();
    let dt = run.last.map(|l| (now - l).as_secs_f64() * 1000.0);
    run.last = Some(now);
    run.frames += 1;
    const WARMUP: usize = 30;
    if run.frames <= WARMUP {
        return;
    }
    if run.times.is_empty() {
        run.times = vec![Vec::new(), Vec::new()];
    }
    let phase = run.phase;
    if let Some(dt) = dt {
        run.times[phase].push(dt);
    }
    if phase == 0
        && let Ok(mut t) = camera.single_mut()
    {
        t.translation.x += 3.0;
    }
    if run.times[phase].len() >= *frames {
        if phase == 0 {
            run.phase = 1;
            graph.board.start_force();
        } else {
            let view = graph.board.view();
            let (n, e) = (view.nodes.len(), view.edges.len());
            println!("{n} nodes, {e} edges, {frames} frames each");
            for (name, t) in ["panning", "layout running"].iter().zip(&run.times) {
                let mut s = t.clone();
                s.sort_by(f64::total_cmp);
                let mean = s.iter().sum::<f64>() / s.len() as f64;
                let p99 = s[((s.len() as f64 * 0.99).ceil() as usize).clamp(1, s.len()) - 1];
                println!("{name:>15}: mean {mean:.2} ms, p99 {p99:.2} ms, {:.0} fps", 1000.0 / mean);
            }
            exit.write(AppExit::Success);
        }
    }
}
