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
use crate::app::screens::join::{Classes, JoinClass};

/// One scenario of the library.
pub struct Entry {
    pub name: String,
    /// The file of a scenario of the user's folder (watched while it is open); `None` for the
    /// shipped ones.
    pub file: Option<PathBuf>,
    /// The scenario's text (embedded or read from the user's folder).
    pub text: String,
    pub parsed: Result<Scenario, String>,
}

/// A trainee's pack in the user's folder, as its header describes it.
pub struct PackEntry {
    pub path: PathBuf,
    pub header: Result<offramp_core::pack::Header, String>,
}

#[derive(Resource, Default)]
pub struct Library {
    pub entries: Vec<Entry>,
    /// The packs (`*.offramp-pack`) of the user's folder: a class's variants, played as the
    /// trainee each names.
    pub packs: Vec<PackEntry>,
    /// The user's folder the library was read from (watched for changes).
    pub folder: Option<PathBuf>,
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
                file: None,
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
        let files_of = |ext: &str| {
            let mut files: Vec<PathBuf> = folder
                .and_then(|dir| std::fs::read_dir(dir).ok())
                .map(|rd| {
                    rd.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == ext))
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            files
        };
        let packs = files_of(offramp_core::pack::EXTENSION)
            .into_iter()
            .map(|path| {
                let header = offramp_core::pack::read_header(&path).map_err(|e| e.to_string());
                PackEntry { path, header }
            })
            .collect();
        for p in files_of("ron") {
            let name = p.display().to_string();
            let (text, parsed) = match Scenario::load(&p) {
                Ok(s) => (std::fs::read_to_string(&p).unwrap_or_default(), Ok(s)),
                Err(d) => (String::new(), Err(d.to_string())),
            };
            entries.push(Entry { name, file: Some(p), text, parsed });
        }
        Library { entries, packs, folder: folder.map(Path::to_path_buf), notice: None, backup: None }
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
    progress_at(dir, &scenario.meta.id, scenario.meta.seed, trainee)
}

/// The trainee's case file of scenario `id` on `seed`, and where they stand.
pub fn progress_at(dir: Option<&Path>, id: &str, seed: u64, trainee: &str) -> (Option<PathBuf>, Progress) {
    let Some(dir) = dir else { return (None, Progress::NotStarted) };
    let path = case_path(dir, id, seed, trainee);
    if !path.exists() {
        return (Some(path), Progress::NotStarted);
    }
    let read = std::fs::read_to_string(&path).ok().and_then(|t| CaseData::parse_unchecked(&t, "").ok());
    let p = match read {
        Some(c) if c.scenario == id && c.submitted => Progress::Submitted { seconds: c.seconds, result: c.result },
        Some(c) if c.scenario == id => Progress::InProgress { seconds: c.seconds },
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

/// A card of the library: a scenario or a pack.
#[derive(Clone, Copy)]
enum Item {
    Scenario(usize),
    Pack(usize),
}

/// What a card's buttons ask for.
enum Choice {
    Open,
    StartOver(PathBuf),
}

/// One card of the library: title, first sentence, details and where the trainee stands,
/// and the buttons to start, continue or start over.
fn card(
    ui: &mut egui::Ui,
    title: &str,
    summary: &str,
    details: &str,
    progress: &Progress,
    path: Option<PathBuf>,
    enabled: bool,
) -> Option<Choice> {
    let mut chosen = None;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.set_max_width((ui.available_width() - 260.0).max(300.0));
                ui.label(egui::RichText::new(title).strong().size(16.0));
                ui.label(egui::RichText::new(summary).weak());
                ui.label(format!("{details}{}", progress.describe()));
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let started = !matches!(progress, Progress::NotStarted);
                if started
                    && let Some(p) = path
                    && ui
                        .add_enabled(enabled, egui::Button::new("Start over"))
                        .on_hover_text("Keeps the current case file as a backup beside it")
                        .clicked()
                {
                    chosen = Some(Choice::StartOver(p));
                }
                let open = if started { "Continue" } else { "Start" };
                if ui.add_enabled(enabled, egui::Button::new(open)).clicked() {
                    chosen = Some(Choice::Open);
                }
            });
        });
    });
    ui.add_space(4.0);
    chosen
}

#[allow(clippy::too_many_arguments)]
fn library_panel(
    mut contexts: EguiContexts,
    mut library: ResMut<Library>,
    mut settings: ResMut<Settings>,
    dir: Res<CasesDir>,
    mut commands: Commands,
    mut next: ResMut<NextState<Screen>>,
    mut cache: Local<ProgressCache>,
    (mut classes, mut join): (ResMut<Classes>, MessageWriter<JoinClass>),
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
            let scenarios = library.entries.iter().map(|e| match (&e.parsed, named) {
                (Ok(s), true) => progress_of(dir.0.as_deref(), s, &trainee),
                _ => (None, Progress::NotStarted),
            });
            let packs = library.packs.iter().map(|p| match &p.header {
                Ok(h) => progress_at(dir.0.as_deref(), &h.scenario, h.seed, &h.trainee),
                Err(_) => (None, Progress::NotStarted),
            });
            cache.rows = scenarios.chain(packs).collect();
            cache.trainee.clone_from(&trainee);
            cache.read = Some(std::time::Instant::now());
        }
        let row = |i: usize| cache.rows.get(i).cloned().unwrap_or((None, Progress::NotStarted));
        let mut class_choice = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            class_choice = class_section(ui, &mut classes, &trainee, &mut join);
            if !library.packs.is_empty() {
                ui.strong("Your class packs");
                for (i, p) in library.packs.iter().enumerate() {
                    let Ok(h) = &p.header else { continue };
                    let m = &h.intel.scenario;
                    let details = format!(
                        "{} · about {} min · {} objectives · for {} · your case: ",
                        m.difficulty,
                        m.estimated_minutes,
                        h.intel.objectives.len(),
                        h.trainee
                    );
                    let (path, progress) = row(library.entries.len() + i);
                    if let Some(c) = card(ui, &m.title, &summary(&m.briefing), &details, &progress, path, true) {
                        chosen = Some((Item::Pack(i), c));
                    }
                }
                ui.add_space(8.0);
                ui.strong("Scenarios");
            }
            for (i, e) in library.entries.iter().enumerate() {
                let Ok(s) = &e.parsed else { continue };
                let details = format!(
                    "{:?} · about {} min · {} objectives · your case: ",
                    s.meta.difficulty,
                    s.meta.estimated_minutes,
                    s.objectives.len()
                );
                let (path, progress) = row(i);
                if let Some(c) = card(ui, &s.meta.title, &summary(&s.meta.briefing), &details, &progress, path, named) {
                    chosen = Some((Item::Scenario(i), c));
                }
            }
            let invalid: Vec<(&str, &str)> = library
                .entries
                .iter()
                .filter_map(|e| e.parsed.as_ref().err().map(|err| (e.name.as_str(), err.as_str())))
                .chain(library.packs.iter().filter_map(|p| {
                    p.header.as_ref().err().map(|err| (p.path.to_str().unwrap_or("a pack"), err.as_str()))
                }))
                .collect();
            if !invalid.is_empty() {
                ui.add_space(12.0);
                ui.strong("Scenarios and packs with errors (fix or replace the file and restart the app)");
                for (name, err) in invalid {
                    ui.label(egui::RichText::new(name).strong());
                    ui.label(egui::RichText::new(err).monospace().color(egui::Color32::LIGHT_RED));
                }
            }
        });
        if chosen.is_some() {
            cache.read = None;
        }
        let chosen = match chosen {
            Some((i, Choice::StartOver(p))) => match back_up(&p) {
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
            Some((i, Choice::Open)) => Some(i),
            None => None,
        };
        let request = match (chosen, class_choice) {
            (_, Some(r)) => Some(Ok(r)),
            (chosen, None) => match chosen {
                Some(Item::Scenario(i)) => {
                    let e = &library.entries[i];
                    e.parsed.as_ref().ok().map(|s| {
                        Ok(match &e.file {
                            Some(f) => Request::scenario_file(s.clone(), None, trainee.clone(), f.clone()),
                            None => Request::scenario(s.clone(), None, trainee.clone()),
                        })
                    })
                }
                Some(Item::Pack(i)) => Some(
                    offramp_core::pack::Pack::open(&library.packs[i].path)
                        .map(Request::pack)
                        .map_err(|e| e.to_string()),
                ),
                None => None,
            },
        };
        match request {
            Some(Ok(r)) => {
                commands.insert_resource(r);
                library.notice = None;
                next.set(Screen::Loading);
            }
            Some(Err(e)) => library.notice = Some(e),
            None => {}
        }
    });
    Ok(())
}

/// The id of the join form's server address field.
pub const JOIN_URL: &str = "join-url";
/// The id of the join form's code field (Enter there joins).
pub const JOIN_CODE: &str = "join-code";

/// "Join a class": the server's address and the join code the instructor shows (the name is
/// the library's), then each class joined with its scenarios to open. Returns the scenario
/// chosen.
fn class_section(
    ui: &mut egui::Ui,
    classes: &mut Classes,
    trainee: &str,
    join: &mut MessageWriter<JoinClass>,
) -> Option<Request> {
    let mut chosen = None;
    let mut entered = false;
    egui::CollapsingHeader::new(egui::RichText::new("Join a class").strong())
        .id_salt("join-a-class")
        .default_open(classes.joined.is_empty())
        .show(ui, |ui| {
            ui.label("Your instructor's screen shows the server's address and a join code.");
            egui::Grid::new("join-form").num_columns(2).show(ui, |ui| {
                ui.label("Server address");
                ui.add(
                    egui::TextEdit::singleline(&mut classes.url)
                        .id(egui::Id::new(JOIN_URL))
                        .hint_text("e.g. 192.168.1.20:8690")
                        .desired_width(260.0),
                );
                ui.end_row();
                ui.label("Join code");
                let code = ui.add(
                    egui::TextEdit::singleline(&mut classes.code)
                        .id(egui::Id::new(JOIN_CODE))
                        .hint_text("XXXX-XXXX-XXXX")
                        .desired_width(260.0),
                );
                entered = code.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.end_row();
            });
            let ready = !trainee.is_empty() && !classes.url.trim().is_empty() && !classes.code.trim().is_empty();
            ui.horizontal(|ui| {
                let label = if trainee.is_empty() {
                    "Join (type your name above first)".to_string()
                } else {
                    format!("Join as {trainee}")
                };
                let clicked = ui.add_enabled(ready && !classes.joining(), egui::Button::new(label)).clicked();
                if (clicked || (entered && ready)) && !classes.joining() {
                    join.write(JoinClass {
                        url: classes.url.clone(),
                        code: classes.code.clone(),
                        name: trainee.to_string(),
                    });
                }
                if classes.joining() {
                    ui.spinner();
                    ui.label("joining…");
                }
            });
            if let Some(e) = &classes.error {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
        });
    let leaving = offramp_server::client::sending_in_background();
    if leaving > 0 {
        let cases = if leaving == 1 { "a case" } else { "cases" };
        ui.label(format!("Still sending the work of {cases} you left to the class server (kept on this computer)."));
        ui.ctx().request_repaint_after(std::time::Duration::from_secs(1));
    }
    for m in &classes.joined {
        ui.label(
            egui::RichText::new(format!("Class at {} · joined as {}", m.url.trim_start_matches("http://"), m.name))
                .strong(),
        );
        for s in &m.scenarios {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(&s.title).strong().size(16.0));
                    ui.label(
                        egui::RichText::new(format!("{} objectives · your work syncs to the class", s.objectives))
                            .weak(),
                    );
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button("Open").clicked() {
                            chosen = Some(Request::class(m.clone(), s.id.clone()));
                        }
                    });
                });
            });
        }
        ui.add_space(6.0);
    }
    ui.separator();
    chosen
}
