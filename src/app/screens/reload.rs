//! The authoring loop: a scenario opened from a file (the user's folder, `offramp play FILE`)
//! is read again when the file changes on disk. A valid edit regenerates the world and goes
//! straight back to the board, the case saved first and resumed (the same nodes where they
//! were, the view where it was); an edit that does not validate leaves the investigation as it
//! is and shows the errors, each with file, line and column, over the board until the file is
//! fixed. The library reads the user's folder again when it changes.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::scenario::Scenario;

use super::Screen;
use super::library::Library;
use super::loading::Request;
use crate::app::canvas::CanvasState;
use crate::app::investigation::Evidence;

/// How often the files are looked at, in seconds.
const EVERY: f64 = 1.0;

/// The scenario file of the open investigation, as last read.
#[derive(Resource)]
pub struct Watch {
    pub file: PathBuf,
    /// The text last read (the open world's, or a later one with errors); `None` before the
    /// first look.
    text: Option<String>,
    next: f64,
    /// The errors of the file as it is now, when an edit broke it.
    pub error: Option<String>,
}

impl Watch {
    /// Watches `file`, whose text the open world was just made from.
    pub fn new(file: PathBuf) -> Watch {
        Watch { file, text: None, next: 0.0, error: None }
    }
}

/// Set while a changed scenario is loading: it goes back to the screen it was reloaded from
/// (the board, not the briefing again).
#[derive(Resource)]
pub struct Reloading(pub Screen);

/// Set when a reloaded world arrives: the camera stays where it was once the case resumes.
#[derive(Resource)]
pub struct KeepView;

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            watch.run_if(resource_exists::<Watch>.and_then(not(in_state(Screen::Loading)))),
            keep_view.after(crate::app::casefile::resume).run_if(resource_exists::<KeepView>),
            watch_library.run_if(in_state(Screen::Library)),
        ),
    )
    .add_systems(OnEnter(Screen::Library), |mut commands: Commands| commands.remove_resource::<Watch>());
}

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, errors.run_if(resource_exists::<Watch>));
}

/// Reads the watched file every second; on a change, reloads or says what is wrong. (The case
/// is saved as the board is left, by `casefile::save_now`, and resumed when the new world
/// arrives.)
fn watch(
    mut w: ResMut<Watch>,
    time: Res<Time>,
    evidence: Option<Res<Evidence>>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
    screen: Res<State<Screen>>,
) {
    let now = time.elapsed_secs_f64();
    if now < w.next {
        return;
    }
    w.next = now + EVERY;
    // A file being saved may be missing or empty for a moment: wait for the next look.
    let Ok(text) = std::fs::read_to_string(&w.file) else { return };
    if text.trim().is_empty() || w.text.as_deref() == Some(text.as_str()) {
        return;
    }
    if w.text.is_none() {
        // The first look: the world was made from this text.
        w.text = Some(text);
        return;
    }
    w.text = Some(text.clone());
    let name = w.file.display().to_string();
    let scenario = match Scenario::parse(&text, &name) {
        Ok(s) => s,
        Err(d) => {
            w.error = Some(d.to_string());
            return;
        }
    };
    w.error = None;
    let Some(evidence) = evidence else { return };
    let seed = Some(evidence.seed());
    commands.insert_resource(Request::scenario_file(scenario, seed, evidence.trainee.clone(), w.file.clone()));
    commands.insert_resource(Reloading(*screen.get()));
    next.set(Screen::Loading);
}

/// After a reload, the camera stays where it was instead of framing the board.
fn keep_view(mut commands: Commands, canvas: Option<ResMut<CanvasState>>) {
    if let Some(mut c) = canvas {
        c.fit = false;
    }
    commands.remove_resource::<KeepView>();
}

/// The errors of a watched file that stopped validating, over whatever screen is open.
fn errors(mut contexts: EguiContexts, w: Res<Watch>) -> Result {
    let Some(error) = &w.error else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    egui::Window::new("The scenario file has errors")
        .anchor(egui::Align2::CENTER_TOP, [0.0, 36.0])
        .collapsible(false)
        .resizable(false)
        .min_width(640.0)
        .show(ctx, |ui| {
            ui.label("The investigation goes on with the last version that validated. Fix the file and save it:");
            egui::ScrollArea::vertical().max_height(200.0).show(ui, |ui| {
                ui.label(egui::RichText::new(error).monospace().color(egui::Color32::LIGHT_RED));
            });
        });
    Ok(())
}

/// The user's folder as last read: each file and its modification time and size.
struct FolderStamp {
    next: f64,
    files: Vec<(PathBuf, Option<std::time::SystemTime>, u64)>,
}

/// Reads the library's folder again when a file in it was added, removed or changed.
fn watch_library(mut library: ResMut<Library>, time: Res<Time>, mut stamp: Local<Option<FolderStamp>>) {
    let Some(folder) = library.folder.clone() else { return };
    let now = time.elapsed_secs_f64();
    if stamp.as_ref().is_some_and(|s| now < s.next) {
        return;
    }
    let mut files: Vec<(PathBuf, Option<std::time::SystemTime>, u64)> = std::fs::read_dir(&folder)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    let meta = e.metadata().ok();
                    (e.path(), meta.as_ref().and_then(|m| m.modified().ok()), meta.map_or(0, |m| m.len()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    match stamp.as_mut() {
        // The first look: the library was read when the app started.
        None => *stamp = Some(FolderStamp { next: now + EVERY, files }),
        Some(s) => {
            s.next = now + EVERY;
            if s.files != files {
                s.files = files;
                let fresh = Library::load_from(Some(&folder));
                library.entries = fresh.entries;
                library.packs = fresh.packs;
            }
        }
    }
}
