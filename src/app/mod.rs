//! The trainee's investigation app: a library of scenarios, a briefing, the investigation,
//! results. One plugin per file; this file gathers them and holds the screen state.
//!
//! Logic (loading, selection) and panels (egui) are separate plugins, so that the tests run
//! the logic headless, without a window or a GPU.

pub mod auto;
pub mod headless;
pub mod help;
pub mod investigation;
pub mod screens;

pub use investigation::{canvas, casefile, findings, graph, inspector, legal, referee, tools};
pub use screens::{Screen, library, loading, reload};

use bevy::prelude::*;
use bevy_egui::egui;

/// The whole window as an egui `Ui`, to lay panels out in (egui 0.36 shows panels in a `Ui`).
pub fn root_ui(ctx: &egui::Context) -> egui::Ui {
    egui::Ui::new(
        ctx.clone(),
        "offramp-root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    )
}

/// Everything but the panels: what the headless tests run.
pub fn logic_plugin(app: &mut App) {
    app.init_state::<Screen>();
    app.add_plugins((screens::plugin, investigation::plugin));
}

/// egui's fonts with DejaVu Sans behind them, for the arrows, crosses and marks egui's own
/// fonts lack (they would be drawn as empty boxes).
pub fn install_fonts(ctx: &egui::Context) {
    ctx.set_fonts(font_definitions());
}

/// The fonts the app draws with, each family's fallback chain in order.
pub fn font_definitions() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu-sans".into(),
        std::sync::Arc::new(egui::FontData::from_static(include_bytes!("../../assets/fonts/DejaVuSans.ttf"))),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("dejavu-sans".into());
    }
    fonts
}

fn fonts(mut contexts: bevy_egui::EguiContexts, mut done: Local<bool>) -> Result {
    if !*done {
        install_fonts(contexts.ctx_mut()?);
        *done = true;
    }
    Ok(())
}

/// The egui panels of every screen and the canvas's input (egui decides what reaches the
/// canvas): what the tests of input run, without a GPU.
pub fn panels_plugin(app: &mut App) {
    app.add_systems(bevy_egui::EguiPrimaryContextPass, fonts).add_plugins((screens::ui, investigation::ui, help::ui));
}

/// Everything a person sees: the panels and the canvas drawn on the GPU.
pub fn ui_plugin(app: &mut App) {
    app.add_plugins((panels_plugin, canvas::draw_plugin));
}

/// Opens the app on the library with a message (a scenario that failed to load).
pub fn run_with_notice(notice: String) -> i32 {
    run_app(None, Some(notice), None)
}

/// Opens the app's window; `start` goes straight to a scenario.
pub fn run(start: Option<loading::Request>) -> i32 {
    run_app(start, None, None)
}

/// Runs a scenario without a person: a screenshot or a frame-time benchmark; `offscreen`
/// renders into an image, with no window and no display.
pub fn run_auto(start: loading::Request, auto: auto::Auto, offscreen: bool) -> i32 {
    if offscreen {
        return auto::run_offscreen(start, auto);
    }
    run_app(Some(start), None, Some(auto))
}

fn run_app(start: Option<loading::Request>, notice: Option<String>, auto: Option<auto::Auto>) -> i32 {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        eprintln!(
            "offramp: no display to open the app on (DISPLAY is not set); the commands work without one: offramp --help"
        );
        return 1;
    }
    let mut app = App::new();
    let window = match &auto {
        Some(_) => Window {
            title: "Offramp".into(),
            resolution: bevy::window::WindowResolution::new(1600, 900),
            present_mode: bevy::window::PresentMode::AutoNoVsync,
            ..default()
        },
        None => {
            Window { title: "Offramp".into(), resolution: bevy::window::WindowResolution::new(1366, 768), ..default() }
        }
    };
    app.add_plugins(DefaultPlugins.set(WindowPlugin { primary_window: Some(window), ..default() }))
        .add_plugins(bevy_egui::EguiPlugin::default())
        .add_systems(Startup, |mut commands: Commands| {
            commands.spawn(Camera2d);
        })
        .add_plugins((logic_plugin, ui_plugin));
    if let Some(mut r) = start {
        // `play FILE` without --trainee plays as the name the library keeps.
        if r.trainee.trim().is_empty() && auto.is_none() {
            r.trainee = help::Settings::load().trainee;
        }
        // Joined a class from the command line: the library knows them by the name they
        // joined with, unless it already had one.
        if matches!(r.source, loading::Source::Class { .. })
            && auto.is_none()
            && let Some(mut settings) = app.world_mut().get_resource_mut::<help::Settings>()
            && settings.trainee.trim().is_empty()
        {
            settings.trainee = r.trainee.clone();
            settings.save();
        }
        app.insert_resource(r);
        app.insert_state(Screen::Loading);
    }
    if let Some(a) = auto {
        app.insert_resource(a).add_plugins(auto::plugin);
    }
    if let Some(n) = notice {
        app.world_mut().resource_mut::<library::Library>().notice = Some(n);
    }
    match app.run() {
        AppExit::Success => 0,
        AppExit::Error(_) => 1,
    }
}
