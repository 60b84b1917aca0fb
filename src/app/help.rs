//! Keyboard shortcuts for the frequent actions, the help overlay that lists them, and the UI
//! scale setting (readable from 1366×768 to 4K), kept between sessions.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::board::Side;
use serde::{Deserialize, Serialize};

use super::Screen;
use super::canvas::CanvasState;
use super::casefile::SaveNow;
use super::graph::{Graph, GraphAction};

/// Every shortcut, as the help overlay lists it.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("E", "expand where the selected nodes' funds went"),
    ("Shift+E", "expand where their funds came from"),
    ("C", "collapse what hangs on the selected nodes alone"),
    ("F", "fold or unfold the selected addresses' clusters"),
    ("Delete", "take the selected nodes off the board"),
    ("P", "unpin the selected nodes"),
    ("L", "force-directed layout (again: stop it)"),
    ("T", "time layout, left to right"),
    ("Home", "frame everything"),
    ("Ctrl+A", "select everything shown"),
    ("Esc", "clear the selection; close this help"),
    ("Ctrl+Z", "undo"),
    ("Ctrl+Y, Ctrl+Shift+Z", "redo"),
    ("Ctrl+S", "save the case now (it also saves itself every few seconds)"),
    ("Ctrl+F", "search"),
    ("Ctrl+=, Ctrl+−, Ctrl+0", "larger, smaller, default UI scale"),
    ("F1, ?", "this help"),
];

pub const MOUSE: &[(&str, &str)] = &[
    ("Wheel", "zoom about the pointer"),
    ("Right or middle drag", "pan"),
    ("Click", "select (Shift: add, Ctrl: toggle)"),
    ("Drag on empty space", "select with a box"),
    ("Drag a node", "move the selection (and pin it)"),
    ("Double-click", "expand outputs (Shift: inputs)"),
];

/// The trainee's settings.
#[derive(Resource, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub ui_scale: f32,
    #[serde(skip)]
    pub show_help: bool,
    #[serde(skip)]
    pub focus_search: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { ui_scale: 1.0, show_help: false, focus_search: false }
    }
}

pub const SCALES: std::ops::RangeInclusive<f32> = 0.6..=3.0;

fn settings_path() -> Option<PathBuf> {
    std::env::var_os("OFFRAMP_SETTINGS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/offramp/settings.ron")))
}

impl Settings {
    /// The saved settings, or the defaults.
    pub fn load() -> Settings {
        settings_path()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| ron::from_str::<Settings>(&t).ok())
            .map(|mut s| {
                s.ui_scale = s.ui_scale.clamp(*SCALES.start(), *SCALES.end());
                s
            })
            .unwrap_or_default()
    }

    fn save(&self) {
        if let Some(p) = settings_path() {
            if let Some(dir) = p.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Ok(text) = ron::to_string(self) {
                let _ = offramp_core::case::write_atomic(&p, text.as_bytes());
            }
        }
    }
}

pub fn ui(app: &mut App) {
    app.insert_resource(Settings::load()).add_systems(Update, scale_keys).add_systems(
        EguiPrimaryContextPass,
        (apply_scale, overlay, keys.run_if(in_state(Screen::Investigation).and_then(resource_exists::<Graph>))),
    );
}

fn scale_keys(keys: Res<ButtonInput<KeyCode>>, mut settings: ResMut<Settings>) {
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    if !ctrl {
        return;
    }
    let s = settings.ui_scale;
    let new = if keys.just_pressed(KeyCode::Equal) || keys.just_pressed(KeyCode::NumpadAdd) {
        s + 0.1
    } else if keys.just_pressed(KeyCode::Minus) || keys.just_pressed(KeyCode::NumpadSubtract) {
        s - 0.1
    } else if keys.just_pressed(KeyCode::Digit0) {
        1.0
    } else {
        return;
    };
    settings.ui_scale = new.clamp(*SCALES.start(), *SCALES.end());
}

fn apply_scale(mut contexts: EguiContexts, settings: Res<Settings>, mut last: Local<Option<f32>>) -> Result {
    let ctx = contexts.ctx_mut()?;
    if *last != Some(settings.ui_scale) {
        ctx.set_zoom_factor(settings.ui_scale);
        if last.is_some() {
            settings.save();
        }
        *last = Some(settings.ui_scale);
    }
    Ok(())
}

/// The shortcuts, unless the trainee is typing in a text field (a focused button or link
/// does not count: clicking one gives it focus).
#[allow(clippy::too_many_arguments)]
fn keys(
    mut contexts: EguiContexts,
    keys: Res<ButtonInput<KeyCode>>,
    graph: Res<Graph>,
    mut settings: ResMut<Settings>,
    mut canvas: ResMut<CanvasState>,
    mut out: MessageWriter<GraphAction>,
    mut save: MessageWriter<SaveNow>,
) -> Result {
    let typing = contexts.ctx_mut()?.text_edit_focused();
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    let pressed = |k: KeyCode| keys.just_pressed(k);
    if pressed(KeyCode::F1) || (!typing && shift && pressed(KeyCode::Slash)) {
        settings.show_help = !settings.show_help;
    }
    if pressed(KeyCode::Escape) {
        if settings.show_help {
            settings.show_help = false;
        } else if !typing {
            out.write(GraphAction::ClearSelection);
        }
    }
    if ctrl {
        if pressed(KeyCode::KeyS) {
            save.write(SaveNow);
        }
        if pressed(KeyCode::KeyF) {
            settings.focus_search = true;
        }
        if typing {
            return Ok(());
        }
        if pressed(KeyCode::KeyZ) {
            out.write(if shift { GraphAction::Redo } else { GraphAction::Undo });
        }
        if pressed(KeyCode::KeyY) {
            out.write(GraphAction::Redo);
        }
        if pressed(KeyCode::KeyA) {
            out.write(GraphAction::SelectAll);
        }
        return Ok(());
    }
    if typing {
        return Ok(());
    }
    if pressed(KeyCode::KeyE) {
        out.write(GraphAction::Expand(if shift { Side::Inputs } else { Side::Outputs }));
    }
    if pressed(KeyCode::KeyC) {
        out.write(GraphAction::Collapse(Side::Outputs));
        out.write(GraphAction::Collapse(Side::Inputs));
    }
    if pressed(KeyCode::KeyF) {
        out.write(GraphAction::ToggleFold);
    }
    if pressed(KeyCode::Delete) || pressed(KeyCode::Backspace) {
        out.write(GraphAction::Remove);
    }
    if pressed(KeyCode::KeyP) {
        out.write(GraphAction::Unpin);
    }
    if pressed(KeyCode::KeyL) {
        out.write(if graph.board.settling() { GraphAction::StopLayout } else { GraphAction::ForceLayout });
    }
    if pressed(KeyCode::KeyT) {
        out.write(GraphAction::TimeLayout);
        canvas.fit = true;
    }
    if pressed(KeyCode::Home) {
        canvas.fit = true;
    }
    Ok(())
}

fn overlay(mut contexts: EguiContexts, mut settings: ResMut<Settings>) -> Result {
    if !settings.show_help {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut open = true;
    egui::Window::new("Keyboard and mouse")
        .open(&mut open)
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            egui::Grid::new("keys").num_columns(2).striped(true).show(ui, |ui| {
                for (k, what) in SHORTCUTS.iter().chain(MOUSE) {
                    ui.monospace(*k);
                    ui.label(*what);
                    ui.end_row();
                }
            });
            ui.separator();
            ui.horizontal(|ui| {
                ui.label("UI scale");
                ui.add(egui::Slider::new(&mut settings.ui_scale, SCALES).step_by(0.05));
            });
        });
    if !open {
        settings.show_help = false;
    }
    Ok(())
}
