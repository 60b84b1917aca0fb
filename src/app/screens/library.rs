//! The scenario library: the shipped scenarios (embedded in the binary) and the user's own
//! folder, each with its title, difficulty, estimated time and objectives, or its errors.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use offramp_core::case::Case as CaseData;
use offramp_core::scenario::Scenario;

use super::Screen;
use super::loading::Request;
use crate::app::casefile::{CasesDir, case_path};
use crate::app::help::Settings;

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
    /// Where the last "start over" kept the earlier case, said once the new case opens.
    pub backup: Option<String>,
}

/// The user's own scenarios: `$OFFRAMP_SCENARIOS`, or `~/.local/share/offramp/scenarios`.
pub fn user_folder() -> Option<PathBuf> {
    std::env::var_os("OFFRAMP_SCENARIOS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/offramp/scenarios")))
}

impl Library {
    /// The shipped scenarios, then the user's (from [`user_folder`]), each checked.
    pub fn load() -> Library {
        Library::load_from(user_folder().as_deref())
    }

    /// The shipped scenarios, then those of `folder`, each checked; an invalid one keeps its
    /// errors (file, line, column) for the library to show.
    pub fn load_from(folder: Option<&Path>) -> Library {
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
        if let Some(dir) = folder {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
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
        Library { entries, notice: None, backup: None }
    }
}

/// Where the trainee stands on a scenario, from their case file.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    NotStarted,
    InProgress {
        seconds: u64,
    },
    /// Submitted; with the score the app gave, when the file has it.
    Submitted {
        seconds: u64,
        result: Option<(f64, f64)>,
    },
    /// A case file is there but cannot be read (it will be set aside when opened).
    Unreadable,
}

impl Progress {
    /// What the library says of it.
    pub fn describe(&self) -> String {
        let minutes = |s: u64| if s < 60 { format!("{s} s") } else { format!("{} min", s / 60) };
        match self {
            Progress::NotStarted => "not started".into(),
            Progress::InProgress { seconds } => format!("in progress, {}", minutes(*seconds)),
            Progress::Submitted { result: Some((e, p)), .. } => format!("submitted: {e:.1} of {p:.0} points"),
            Progress::Submitted { seconds, result: None } => format!("submitted after {}", minutes(*seconds)),
            Progress::Unreadable => "case file unreadable".into(),
        }
    }
}

/// The trainee's case file of a scenario (in the scenario's own seed) and where they stand.
pub fn progress_of(dir: Option<&Path>, scenario: &Scenario, trainee: &str) -> (Option<PathBuf>, Progress) {
    let Some(dir) = dir else { return (None, Progress::NotStarted) };
    let path = case_path(dir, &scenario.meta.id, scenario.meta.seed, trainee);
    if !path.exists() {
        return (Some(path), Progress::NotStarted);
    }
    let read = std::fs::read_to_string(&path).ok().and_then(|t| CaseData::parse_unchecked(&t, "").ok());
    let p = match read {
        Some(c) if c.scenario == scenario.meta.id && c.submitted => {
            Progress::Submitted { seconds: c.seconds, result: c.result }
        }
        Some(c) if c.scenario == scenario.meta.id => Progress::InProgress { seconds: c.seconds },
        _ => Progress::Unreadable,
    };
    (Some(path), p)
}

/// Keeps a case file as a backup beside it (`….backup-TIME`) so that a new case can begin.
pub fn back_up(path: &Path) -> std::io::Result<PathBuf> {
    crate::app::casefile::keep_beside(path, "backup")
}

/// The first sentence of a briefing, for the library's one-line description.
pub fn summary(briefing: &str) -> String {
    let text = briefing.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    let first = &text[..end];
    if first.chars().count() > 140 {
        format!("{}…", first.chars().take(139).collect::<String>().trim_end())
    } else {
        first.to_string()
    }
}

pub fn plugin(app: &mut App) {
    app.insert_resource(Library::load());
}

pub fn ui(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, library_panel.run_if(in_state(Screen::Library)));
}

/// The progress rows as last read from the case files.
#[derive(Default)]
struct ProgressCache {
    trainee: String,
    read: Option<std::time::Instant>,
    rows: Vec<(Option<PathBuf>, Progress)>,
}

/// What the trainee chose in the library.
enum Choice {
    Open(usize),
    StartOver(usize, PathBuf),
}

fn library_panel(
    mut contexts: EguiContexts,
    mut library: ResMut<Library>,
    mut settings: ResMut<Settings>,
    dir: Res<CasesDir>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
    mut cache: Local<ProgressCache>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = crate::app::root_ui(ctx);
    egui::CentralPanel::default().show(&mut root, |ui| {
        ui.heading("Offramp — scenario library");
        ui.horizontal(|ui| {
            ui.label("Your name");
            let r = ui.add(
                egui::TextEdit::singleline(&mut settings.trainee).hint_text("first and last name").desired_width(240.0),
            );
            if r.lost_focus() {
                settings.trainee = settings.trainee.trim().to_string();
                settings.save();
            }
        });
        let named = !settings.trainee.trim().is_empty();
        if !named {
            ui.colored_label(
                egui::Color32::from_rgb(240, 200, 100),
                "Type your name to begin: it goes on your case files and your results.",
            );
        }
        if let Some(n) = &library.notice {
            ui.colored_label(egui::Color32::LIGHT_RED, n);
        }
        ui.separator();
        let mut chosen = None;
        let trainee = settings.trainee.trim().to_string();
        // The case files are read again when the name changes, and every few seconds.
        if cache.trainee != trainee || cache.read.is_none_or(|t| t.elapsed().as_secs_f32() > 2.0) {
            cache.rows = library
                .entries
                .iter()
                .map(|e| match (&e.parsed, named) {
                    (Ok(s), true) => progress_of(dir.0.as_deref(), s, &trainee),
                    _ => (None, Progress::NotStarted),
                })
                .collect();
            cache.trainee.clone_from(&trainee);
            cache.read = Some(std::time::Instant::now());
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, e) in library.entries.iter().enumerate() {
                let Ok(s) = &e.parsed else { continue };
                let (path, progress) = cache.rows.get(i).cloned().unwrap_or((None, Progress::NotStarted));
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.horizontal(|ui| {
                        ui.vertical(|ui| {
                            ui.set_max_width((ui.available_width() - 260.0).max(300.0));
                            ui.label(egui::RichText::new(&s.meta.title).strong().size(16.0));
                            ui.label(egui::RichText::new(summary(&s.meta.briefing)).weak());
                            ui.label(format!(
                                "{:?} · about {} min · {} objectives · your case: {}",
                                s.meta.difficulty,
                                s.meta.estimated_minutes,
                                s.objectives.len(),
                                progress.describe()
                            ));
                        });
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            let started = !matches!(progress, Progress::NotStarted);
                            if started
                                && let Some(p) = path
                                && ui
                                    .add_enabled(named, egui::Button::new("Start over"))
                                    .on_hover_text("Keeps the current case file as a backup beside it")
                                    .clicked()
                            {
                                chosen = Some(Choice::StartOver(i, p));
                            }
                            let open = if started { "Continue" } else { "Start" };
                            if ui.add_enabled(named, egui::Button::new(open)).clicked() {
                                chosen = Some(Choice::Open(i));
                            }
                        });
                    });
                });
                ui.add_space(4.0);
            }
            let invalid: Vec<&Entry> = library.entries.iter().filter(|e| e.parsed.is_err()).collect();
            if !invalid.is_empty() {
                ui.add_space(12.0);
                ui.strong("Scenarios with errors (fix the file and restart the app)");
                for e in invalid {
                    ui.label(egui::RichText::new(&e.name).strong());
                    if let Err(err) = &e.parsed {
                        ui.label(egui::RichText::new(err).monospace().color(egui::Color32::LIGHT_RED));
                    }
                }
            }
        });
        if chosen.is_some() {
            cache.read = None;
        }
        let chosen = match chosen {
            Some(Choice::StartOver(i, p)) => match back_up(&p) {
                Ok(to) => {
                    library.notice = None;
                    library.backup = Some(format!("Your earlier case was kept as {}.", to.display()));
                    Some(i)
                }
                Err(e) => {
                    library.notice =
                        Some(format!("Cannot keep {} as a backup ({e}); nothing was changed.", p.display()));
                    None
                }
            },
            Some(Choice::Open(i)) => Some(i),
            None => None,
        };
        if let Some(Ok(s)) = chosen.map(|i| &library.entries[i].parsed) {
            commands.insert_resource(Request { scenario: s.clone(), seed: None, trainee: trainee.clone() });
            library.notice = None;
            next.set(Screen::Loading);
        }
    });
    Ok(())
}
