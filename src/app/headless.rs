//! The app without a GPU or a display: a window entity that no OS window backs, the real egui
//! context and panels, the canvas's input and (optionally) its drawing systems, with the
//! camera told its window's size as the renderer would. The input tests drive it with a
//! window's events; the frame benchmark times its systems apart from any rasterizer.

use bevy::asset::AssetPlugin;
use bevy::camera::RenderTargetInfo;
use bevy::input::InputPlugin;
use bevy::prelude::*;
use bevy::state::app::StatesPlugin;
use bevy::window::{ExitCondition, PrimaryWindow, WindowPlugin, WindowResolution};
use bevy_egui::EguiPlugin;

use super::canvas::scale_of;
use super::{canvas, logic_plugin, panels_plugin};

/// The size of the pretended window, in logical pixels (egui points at scale 1).
#[derive(Resource, Debug, Clone, Copy)]
pub struct WindowSize(pub u32, pub u32);

/// Tells the camera the size of its window and its projection, as the renderer does each
/// frame (what an app without a renderer lacks).
fn camera_sees_the_window(size: Res<WindowSize>, mut cameras: Query<(&mut Camera, &Projection)>) {
    for (mut c, p) in &mut cameras {
        c.computed.target_info =
            Some(RenderTargetInfo { physical_size: UVec2::new(size.0, size.1), scale_factor: 1.0 });
        let (w, h, s) = (size.0 as f32 / 2.0, size.1 as f32 / 2.0, scale_of(p));
        c.computed.clip_from_view = Mat4::orthographic_rh(-w * s, w * s, -h * s, h * s, -1000.0, 1000.0);
    }
}

/// An app with a window of `width`×`height`, the logic, the egui context and every panel, and
/// the canvas's drawing systems when `draw` (they build sprites and the edge mesh, on the CPU).
/// No case file is kept; the trainee is "Tess". Returns the app and its window entity.
pub fn app(width: u32, height: u32, draw: bool) -> (App, Entity) {
    let mut app = App::new();
    let window = Window { resolution: WindowResolution::new(width, height), ..default() };
    app.add_plugins((
        MinimalPlugins,
        StatesPlugin,
        TransformPlugin,
        AssetPlugin::default(),
        InputPlugin,
        WindowPlugin { primary_window: Some(window), exit_condition: ExitCondition::DontExit, ..default() },
    ));
    app.init_asset::<Image>().init_asset::<bevy::shader::Shader>();
    if draw {
        app.init_asset::<Mesh>().init_asset::<ColorMaterial>();
    }
    app.add_plugins(EguiPlugin::default()).add_plugins((logic_plugin, panels_plugin));
    if draw {
        app.add_plugins(canvas::draw_plugin);
    }
    app.insert_resource(super::casefile::CasesDir(None));
    app.insert_resource(super::help::Settings { trainee: "Tess".into(), ..super::help::Settings::default() });
    app.insert_resource(WindowSize(width, height));
    app.add_systems(First, camera_sees_the_window);
    app.world_mut().spawn(Camera2d);
    app.update();
    let window = app.world_mut().query_filtered::<Entity, With<PrimaryWindow>>().single(app.world()).expect("a window");
    (app, window)
}
