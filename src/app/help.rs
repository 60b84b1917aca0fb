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
use egui::Key;

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
    ("U", "edge values in dollars at the time, or in bitcoin"),
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
    /// The trainee's name, asked once in the library; it goes on every case file.
    #[serde(default)]
    pub trainee: String,
    /// Edge labels in dollars at the time instead of bitcoin.
    #[serde(default)]
    pub show_usd: bool,
    /// Where they are kept (`None`: not kept, as in tests).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    #[serde(skip)]
    pub show_help: bool,
    #[serde(skip)]
    pub focus_search: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ui_scale: 1.0,
            trainee: String::new(),
            show_usd: false,
            path: None,
            show_help: false,
            focus_search: false,
        }
    }
}

pub const SCALES: std::ops::RangeInclusive<f32> = 0.6..=3.0;

fn settings_path() -> Option<PathBuf> {
    std::env::var_os("OFFRAMP_SETTINGS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/offramp/settings.ron")))
}

impl Settings {
    /// The saved settings, or the defaults; kept where they were found.
    pub fn load() -> Settings {
        let path = settings_path();
        let mut s = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| ron::from_str::<Settings>(&t).ok())
            .unwrap_or_default();
        s.ui_scale = s.ui_scale.clamp(*SCALES.start(), *SCALES.end());
        s.path = path;
        s
    }

    /// Keeps the settings for the next run (atomically; a failure only loses the settings).
    pub fn save(&self) {
        if let Some(p) = &self.path {
            if let Some(dir) = p.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Ok(text) = ron::to_string(self) {
                let _ = offramp_core::case::write_atomic(p, text.as_bytes());
            }
        }
    }
}

pub fn ui(app: &mut App) {
    app.insert_resource(Settings::load()).add_systems(
        EguiPrimaryContextPass,
        (
            (apply_scale, scale_keys).chain(),
            overlay,
            // After the panels, so that a text field focused this frame counts.
            keys.after(super::investigation::panels::investigation_panels)
                .run_if(in_state(Screen::Investigation).and_then(resource_exists::<Graph>)),
        ),
    );
}

/// Ctrl+= and Ctrl+− change the UI scale, Ctrl+0 resets it, on every screen.
fn scale_keys(mut contexts: EguiContexts, mut settings: ResMut<Settings>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let s = settings.ui_scale;
    let new = ctx.input(|i| {
        if !i.modifiers.command {
            None
        } else if i.key_pressed(Key::Equals) || i.key_pressed(Key::Plus) {
            Some(s + 0.1)
        } else if i.key_pressed(Key::Minus) {
            Some(s - 0.1)
        } else if i.key_pressed(Key::Num0) {
            Some(1.0)
        } else {
            None
        }
    });
    if let Some(new) = new {
        settings.ui_scale = new.clamp(*SCALES.start(), *SCALES.end());
    }
    Ok(())
}

fn apply_scale(mut contexts: EguiContexts, settings: Res<Settings>, mut last: Local<Option<f32>>) -> Result {
    let ctx = contexts.ctx_mut()?;
    if last.is_none() {
        // The scale keys are ours, kept in the settings; egui's own would fight them.
        ctx.options_mut(|o| o.zoom_with_keyboard = false);
    }
    if *last != Some(settings.ui_scale) {
        ctx.set_zoom_factor(settings.ui_scale);
        if last.is_some() {
            settings.save();
        }
        *last = Some(settings.ui_scale);
    }
    Ok(())
}

/// The investigation's shortcuts, read from egui's input: the keys reach them only when the
/// trainee is not typing in a text field (a focused button or link does not count: clicking
/// one gives it focus).
fn keys(
    mut contexts: EguiContexts,
    graph: Res<Graph>,
    mut settings: ResMut<Settings>,
    canvas: Option<ResMut<CanvasState>>,
    mut out: MessageWriter<GraphAction>,
    mut save: MessageWriter<SaveNow>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let typing = ctx.text_edit_focused();
    // Each key with the modifiers held when it went down (a fast Ctrl+A can come and go
    // within one frame).
    let pressed: Vec<(Key, egui::Modifiers)> = ctx.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::Key { key, pressed: true, repeat: false, modifiers, .. } => Some((*key, *modifiers)),
                _ => None,
            })
            .collect()
    });
    let mods = pressed.iter().fold(ctx.input(|i| i.modifiers), |m, (_, k)| m | *k);
    let hit = |k: Key| pressed.iter().any(|(p, _)| *p == k);
    if hit(Key::F1) || (!typing && hit(Key::Questionmark)) {
        settings.show_help = !settings.show_help;
    }
    if hit(Key::Escape) {
        if settings.show_help {
            settings.show_help = false;
        } else if !typing {
            out.write(GraphAction::ClearSelection);
        }
    }
    if mods.command {
        if hit(Key::S) {
            save.write(SaveNow);
        }
        if hit(Key::F) {
            settings.focus_search = true;
        }
        if typing {
            return Ok(());
        }
        if hit(Key::Z) {
            out.write(if mods.shift { GraphAction::Redo } else { GraphAction::Undo });
        }
        if hit(Key::Y) {
            out.write(GraphAction::Redo);
        }
        if hit(Key::A) {
            out.write(GraphAction::SelectAll);
        }
        return Ok(());
    }
    if typing {
        return Ok(());
    }
    if hit(Key::E) {
        out.write(GraphAction::Expand(if mods.shift { Side::Inputs } else { Side::Outputs }));
    }
    if hit(Key::C) {
        out.write(GraphAction::Collapse(Side::Outputs));
        out.write(GraphAction::Collapse(Side::Inputs));
    }
    if hit(Key::F) {
        out.write(GraphAction::ToggleFold);
    }
    if hit(Key::Delete) || hit(Key::Backspace) {
        out.write(GraphAction::Remove);
    }
    if hit(Key::P) {
        out.write(GraphAction::Unpin);
    }
    if hit(Key::U) {
        settings.show_usd = !settings.show_usd;
    }
    if hit(Key::L) {
        out.write(if graph.board.settling() { GraphAction::StopLayout } else { GraphAction::ForceLayout });
    }
    let mut fit = hit(Key::Home);
    if hit(Key::T) {
        out.write(GraphAction::TimeLayout);
        fit = true;
    }
    if fit && let Some(mut c) = canvas {
        c.fit = true;
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
