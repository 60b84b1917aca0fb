//! The scenario library: the shipped scenarios (embedded in the binary) and the user's own
//! folder, each with its title, difficulty, estimated time and objectives, or its errors.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::scenario::Scenario;

use super::Screen;
use super::loading::Request;

/// One scenario of the library.
pub struct Entry {
    pub name: String,
    /// The scenario's text (embedded or read from the user's folder).
    pub text: String,
    pub parsed: Result<Scenario, String>,
}

#[derive(Resource, Default)]
pub struct Library {
    pub entries: Vec<Entry>,
    /// A message for the trainee (a scenario that failed to load).
    pub notice: Option<String>,
}

/// The user's own scenarios: `$OFFRAMP_SCENARIOS`, or `~/.local/share/offramp/scenarios`.
pub fn user_folder() -> Option<PathBuf> {
    std::env::var_os("OFFRAMP_SCENARIOS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/offramp/scenarios")))
}

impl Library {
    /// The shipped scenarios, then the user's, each checked.
    pub fn load() -> Library {
        let mut entries: Vec<Entry> = crate::library::SHIPPED
            .iter()
            .map(|(name, text)| Entry {
                name: name.to_string(),
                text: text.to_string(),
                parsed: Scenario::parse(text, name).map_err(|d| d.to_string()),
            })
            .collect();
        // Easiest first, as a course runs.
        entries.sort_by_key(|e| {
            e.parsed
                .as_ref()
                .map(|s| (s.meta.difficulty as u8, s.meta.title.clone()))
                .unwrap_or((u8::MAX, e.name.clone()))
        });
        if let Some(dir) = user_folder() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|rd| {
                    rd.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            for p in files {
                let name = p.display().to_string();
                let (text, parsed) = match Scenario::load(&p) {
                    Ok(s) => (std::fs::read_to_string(&p).unwrap_or_default(), Ok(s)),
                    Err(d) => (String::new(), Err(d.to_string())),
                };
                entries.push(Entry { name, text, parsed });
            }
        }
        Library { entries, notice: None }
    }
}

pub fn plugin(app: &mut App) {
    app.insert_resource(Library::load());
}

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, library_panel.run_if(in_state(Screen::Library)));
}

fn library_panel(
    mut contexts: EguiContexts,
    mut library: ResMut<Library>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = super::root_ui(ctx);
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.heading("Offramp — scenario library");
        if let Some(n) = &library.notice {
            ui.colored_label(egui::Color32::LIGHT_RED, n);
        }
        ui.separator();
        let mut chosen = None;
        egui::Grid::new("library").striped(true).num_columns(5).show(ui, |ui| {
            ui.strong("Scenario");
            ui.strong("Difficulty");
            ui.strong("Time");
            ui.strong("Objectives");
            ui.end_row();
            for (i, e) in library.entries.iter().enumerate() {
                match &e.parsed {
                    Ok(s) => {
                        ui.label(&s.meta.title);
                        ui.label(format!("{:?}", s.meta.difficulty));
                        ui.label(format!("~{} min", s.meta.estimated_minutes));
                        ui.label(s.objectives.len().to_string());
                        if ui.button("Open").clicked() {
                            chosen = Some(i);
                        }
                    }
                    Err(err) => {
                        ui.label(&e.name);
                        ui.colored_label(egui::Color32::LIGHT_RED, "invalid");
                        ui.label("");
                        ui.label("");
                        ui.label("").on_hover_text(err);
                    }
                }
                ui.end_row();
            }
        });
        if let Some(Ok(s)) = chosen.map(|i| &library.entries[i].parsed) {
            commands.insert_resource(Request { scenario: s.clone(), seed: None, trainee: String::new() });
            library.notice = None;
            next.set(Screen::Loading);
        }
    });
    Ok(())
}
